package voice

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/teambition/rrule-go"
)

// FuzzParseIntents: any intents file either loads into a registry whose
// function definitions are valid JSON, or is refused with FileErrors that
// name the file; it never panics.
func FuzzParseIntents(f *testing.F) {
	f.Add(DefaultIntentsYAML)
	f.Add([]byte("intents:\n  - name: x\n    description: y\n"))
	f.Add([]byte("intents: [{name: a, parameters: [{name: p, type: integer, required: true}]}]"))
	f.Add([]byte("intents:\n  - name: x\n    unknown: 1\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte(""))
	f.Add([]byte("\x00\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		r, err := ParseIntents("fuzz.yaml", data)
		if err != nil {
			var es FileErrors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %v (%T) is not FileErrors", err, err)
			}
			for _, e := range es {
				if e.File != "fuzz.yaml" || e.Message == "" {
					t.Fatalf("file error %+v does not name the file or say what is wrong", e)
				}
			}
			return
		}
		for _, fn := range r.Functions() {
			if _, err := json.Marshal(fn); err != nil {
				t.Fatalf("function %q: %v", fn.Name, err)
			}
			if _, ok := r.Lookup(fn.Name); !ok {
				t.Fatalf("function %q cannot be looked up", fn.Name)
			}
		}
	})
}

// FuzzParseRule: a verbatim RRULE is accepted only when the RRULE library
// can build it, and comes back without its prefix.
func FuzzParseRule(f *testing.F) {
	for _, s := range []string{"FREQ=WEEKLY;BYDAY=MO", "RRULE:FREQ=DAILY;COUNT=3", "rrule:freq=monthly;bymonthday=-1",
		"FREQ=YEARLY;BYMONTH=13", "FREQ=", "FREQ=DAILY;UNTIL=20261301T000000Z", "FREQ=HOURLY;INTERVAL=0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseRule(s)
		if err != nil {
			return
		}
		if strings.HasPrefix(got, "RRULE:") {
			t.Fatalf("%q: kept its prefix: %q", s, got)
		}
		if _, err := rrule.StrToRRule(got); err != nil {
			t.Fatalf("%q: accepted as %q, which does not parse: %v", s, got, err)
		}
	})
}
