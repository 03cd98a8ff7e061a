package rag

import (
	"errors"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/fluxlife/flux"
)

// fieldsOf returns the field names of an EInvalid error, or fails.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var fe *flux.Error
	if !errors.As(err, &fe) || fe.Code != flux.EInvalid {
		t.Fatalf("error %v is not an EInvalid *flux.Error", err)
	}
	var out []string
	for _, f := range fe.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestParseArticle(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/articles/valid.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ParseArticle("valid.md", f)
	if err != nil {
		t.Fatal(err)
	}
	want := Document{
		ID: "valid", Title: "Sleep Basics", Source: "CDC sleep guidance", Category: "wellbeing",
		Authority: "Government health agency",
		Content:   "Adults need seven or more hours of sleep.\n\nKeep a regular schedule.",
	}
	want.Hash = want.SumHash()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseArticle mismatch (-want +got):\n%s", diff)
	}
	if len(got.Hash) != 64 {
		t.Errorf("Hash = %q, want 64 hex digits", got.Hash)
	}
}

func TestParseArticleVariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, text string
		want             Document
	}{
		{
			name: "crlf, bom, key case and order, blank lines",
			file: "02 Strength Training.TXT",
			text: "\ufeffcategory: Fitness | AUTHORITY: ACSM\r\n\r\ntitle: Lift | source: ACSM (2009)\r\n---\r\n\r\nBody line.  \r\n\r\n",
			want: Document{ID: "02-strength-training", Title: "Lift", Source: "ACSM (2009)", Category: "fitness", Authority: "ACSM", Content: "Body line."},
		},
		{
			name: "pipes inside values and URLs",
			file: "dir/pipes.md",
			text: "Title: Pros | Cons: a guide | Source: https://example.org/a|b\nCategory: general | Authority: x\n---\nText",
			want: Document{ID: "pipes", Title: "Pros | Cons: a guide", Source: "https://example.org/a|b", Category: "general", Authority: "x", Content: "Text"},
		},
		{
			name: "unicode",
			file: "Schlaf_gut.md",
			text: "Title: Gut schlafen – ein Überblick | Source: Deutsche Gesellschaft für Schlafforschung\nCategory: wellbeing | Authority: Fachgesellschaft\n---\nSieben Stunden oder mehr. 睡眠。",
			want: Document{ID: "schlaf_gut", Title: "Gut schlafen – ein Überblick", Source: "Deutsche Gesellschaft für Schlafforschung", Category: "wellbeing", Authority: "Fachgesellschaft", Content: "Sieben Stunden oder mehr. 睡眠。"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseArticle(tt.file, strings.NewReader(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Hash = tt.want.SumHash()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseArticleErrors(t *testing.T) {
	t.Parallel()
	legacy, err := os.ReadFile("testdata/articles/legacy-one-line.txt")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, text string
		fields           []string
	}{
		{"no header end", "a.md", "Title: x | Source: y\nCategory: c | Authority: d\nbody", []string{"header"}},
		{"legacy one-line header", "legacy.txt", string(legacy), []string{"header"}},
		{"missing category and authority", "a.md", "Title: x | Source: y\n---\nbody", []string{"category", "authority"}},
		{"everything missing", "a.md", "---\n", []string{"title", "source", "category", "authority", "content"}},
		{"empty value", "a.md", "Title: | Source: y\nCategory: c | Authority: d\n---\nbody", []string{"title"}},
		{"duplicate", "a.md", "Title: x | Source: y | Title: z\nCategory: c | Authority: d\n---\nbody", []string{"title"}},
		{"unknown field", "a.md", "Title: x | Source: y\nCategory: c | Authority: d\nAuthor: me\n---\nbody", []string{"header"}},
		{"not a field", "a.md", "Title: x | Source: y\nCategory: c | Authority: d\njust words here\n---\nbody", []string{"header"}},
		{"empty body", "a.md", "Title: x | Source: y\nCategory: c | Authority: d\n---\n \n\n", []string{"content"}},
		{"unusable name", "..md", "Title: x | Source: y\nCategory: c | Authority: d\n---\nbody", []string{"name"}},
		{"too long title", "a.md", "Title: " + strings.Repeat("t", MaxTitleLength+1) + " | Source: y\nCategory: c | Authority: d\n---\nbody", []string{"title"}},
		{"invalid utf-8", "a.md", "Title: x\xff | Source: y\nCategory: c | Authority: d\n---\nbody", []string{"content"}},
		{"too large", "a.md", "Title: x | Source: y\nCategory: c | Authority: d\n---\n" + strings.Repeat("a", MaxArticleBytes), []string{"content"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseArticle(tt.file, strings.NewReader(tt.text))
			if err == nil {
				t.Fatal("ParseArticle succeeded, want an error")
			}
			if diff := cmp.Diff(tt.fields, fieldsOf(t, err)); diff != "" {
				t.Errorf("fields (-want +got):\n%s\nerror: %v", diff, err)
			}
		})
	}
}

func TestParseArticleReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	_, err := ParseArticle("a.md", iotest.ErrReader(boom))
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want it to wrap %v", err, boom)
	}
}

func TestFormatArticleRoundTrip(t *testing.T) {
	t.Parallel()
	docs := []Document{
		{ID: "a", Title: "A | B: c", Source: "s1; s2 | https://x.org/?q=a|b", Category: "study", Authority: "peer-reviewed", Content: "One.\n\nTwo\nthree."},
		{ID: "b", Title: "Ünïcödé 日本語", Source: "—", Category: "general", Authority: "x", Content: "  indented first line\n\n\n\nend"},
	}
	for _, d := range docs {
		d.Hash = d.SumHash()
		got, err := ParseArticle(d.ID+".md", strings.NewReader(FormatArticle(d)))
		if err != nil {
			t.Fatalf("%s: %v\n%s", d.ID, err, FormatArticle(d))
		}
		if diff := cmp.Diff(d, got); diff != "" {
			t.Errorf("round trip of %s (-want +got):\n%s", d.ID, diff)
		}
	}
}

func FuzzParseArticle(f *testing.F) {
	f.Add("a.md", "Title: x | Source: y\nCategory: c | Authority: d\n---\nbody")
	f.Add("b.txt", "Title: x | y | Source: z|w\r\nCategory: c | Authority: d\r\n---\r\n\r\nbody\r\n")
	f.Add("c", "---\n")
	f.Fuzz(func(t *testing.T, name, text string) {
		d, err := ParseArticle(name, strings.NewReader(text))
		if err != nil {
			var fe *flux.Error
			if !errors.As(err, &fe) || fe.Code != flux.EInvalid || len(fe.Fields) == 0 {
				t.Fatalf("error %v is not EInvalid with fields", err)
			}
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("parsed document does not validate: %v", err)
		}
		again, err := ParseArticle(d.ID+".md", strings.NewReader(FormatArticle(d)))
		if err != nil {
			t.Fatalf("formatted article does not parse: %v\n%q", err, FormatArticle(d))
		}
		if diff := cmp.Diff(d, again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

func TestDocumentNormalizeAndValidate(t *testing.T) {
	t.Parallel()
	d := Document{Title: "  How to Sleep Better! ", Source: " CDC ", Category: " Wellbeing", Authority: "gov", Content: "\r\n\r\nText  \r\nmore\r\n"}.Normalize()
	want := Document{ID: "how-to-sleep-better", Title: "How to Sleep Better!", Source: "CDC", Category: "wellbeing", Authority: "gov", Content: "Text\nmore"}
	want.Hash = want.SumHash()
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("Normalize (-want +got):\n%s", diff)
	}
	if err := d.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	bad := Document{ID: "Bad ID", Title: "a\nb", Source: "x | Title: y", Category: "", Authority: "a", Content: " "}
	if diff := cmp.Diff([]string{"id", "title", "source", "category", "content"}, fieldsOf(t, bad.Validate())); diff != "" {
		t.Errorf("Validate fields (-want +got):\n%s", diff)
	}
}

func TestSlug(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"starting-to-run.md":              "starting-to-run",
		"01_nhlbi_aim_healthy_weight.txt": "01_nhlbi_aim_healthy_weight",
		"  Hello, World!  ":               "hello-world",
		"dir/sub\\File Name.MD":           "file-name",
		"Ça va? Très bien":                "ça-va-très-bien",
		"!!!":                             "",
		strings.Repeat("ab ", 100):        strings.TrimRight(strings.Repeat("ab-", 34)[:MaxIDLength], "-"),
	}
	for in, want := range tests {
		got := Slug(in)
		if got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
		if got != "" && !ValidDocumentID(got) {
			t.Errorf("Slug(%q) = %q is not a valid id", in, got)
		}
	}
}
