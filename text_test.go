package flux_test

import (
	"encoding/json"
	"testing"

	"github.com/fluxlife/flux"
	"github.com/google/go-cmp/cmp"
)

func TestTextErrors(t *testing.T) {
	t.Parallel()
	type inner struct {
		Label string `json:"label"`
	}
	type body struct {
		Title   string          `json:"title"`
		Skip    string          `json:"-"`
		Note    *string         `json:"note,omitempty"`
		Items   []inner         `json:"items"`
		Prefs   map[string]any  `json:"prefs"`
		Raw     json.RawMessage `json:"raw"`
		NoTag   string
		private string
	}
	bad := "a\x00b"
	v := &body{Title: bad, Skip: bad, Note: &bad, Items: []inner{{"ok"}, {bad}}, Prefs: map[string]any{"k": []any{1.0, bad}, "x\x00": "y"},
		Raw: json.RawMessage(`"\u0000"`), NoTag: "\xff", private: bad}
	got := map[string]bool{}
	for _, f := range flux.TextErrors("", v) {
		got[f.Field] = true
	}
	want := map[string]bool{"title": true, "note": true, "items[1].label": true, "prefs.k[1]": true, "prefs": true, "NoTag": true}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}
	if fs := flux.TextErrors("input", map[string]any{"a": "fine", "b": []any{"ok", map[string]any{"c": "ü"}}}); len(fs) != 0 {
		t.Errorf("clean input: %v", fs)
	}
	if fs := flux.TextErrors("", bad); len(fs) != 1 || fs[0].Field != "body" {
		t.Errorf("a bare string: %v", fs)
	}
	if !flux.StorableText("Zoë 🎯\n") || flux.StorableText(bad) || flux.StorableText("\xff") {
		t.Error("StorableText")
	}
}

func TestOneLine(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 10, "plain"},
		{"two\nlines\r\n\tand  tabs", 100, "two lines and tabs"},
		{"sep\u2028arated\u2029here", 100, "sep arated here"},
		{"bell\aand\x00nul", 100, "bell and nul"},
		{"zero\u200bwidth", 100, "zerowidth"},
		{"a long title here", 7, "a long…"},
	} {
		if got := flux.OneLine(c.in, c.max); got != c.want {
			t.Errorf("OneLine(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}
