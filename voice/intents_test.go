package voice

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDefaultIntents(t *testing.T) {
	t.Parallel()
	r, err := DefaultIntents()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range r.Intents() {
		var req []string
		for _, p := range in.Parameters {
			if p.Required {
				req = append(req, p.Name)
			}
		}
		got = append(got, in.Name+" "+in.Route+" "+strings.Join(req, ","))
	}
	want := []string{
		"submit_goal_intent GOAL goal_statement",
		"submit_new_task_intent NEW_TASK title,trigger_type",
		"submit_reschedule_intent RESCHEDULE_TASK task_id",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("intents (-want +got):\n%s", diff)
	}
	if in, ok := r.Lookup("submit_new_task_intent"); !ok || len(in.Parameters) != 5 {
		t.Fatalf("lookup: %+v", in)
	}
	if _, ok := r.Lookup("nope"); ok {
		t.Fatal("found an unknown intent")
	}
}

func TestFunctionsSchema(t *testing.T) {
	t.Parallel()
	r, err := ParseIntents("x.yaml", []byte(`
intents:
  - name: b_first
    route: NEW_TASK
    description: >
      Folded
      text.
    parameters:
      - {name: title, required: true, description: Short title}
      - {name: trigger_type, type: string, required: true, enum: [time, location]}
      - {name: count, type: integer}
  - name: a_second
    route: GOAL
    description: Goal.
    parameters:
      - {name: goal_statement, type: string, required: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	fns := r.Functions()
	if len(fns) != 2 || fns[0].Name != "b_first" || fns[1].Name != "a_second" {
		t.Fatalf("functions %+v", fns)
	}
	if fns[0].Description != "Folded text." {
		t.Fatalf("description %q", fns[0].Description)
	}
	// Properties keep the file's order; each is type, description, enum.
	want := `{"type":"object","properties":{"title":{"type":"string","description":"Short title"},` +
		`"trigger_type":{"type":"string","description":"","enum":["time","location"]},` +
		`"count":{"type":"integer","description":""}},"required":["title","trigger_type"]}`
	if string(fns[0].Parameters) != want {
		t.Fatalf("schema\n got %s\nwant %s", fns[0].Parameters, want)
	}
	var v any
	if err := json.Unmarshal(fns[1].Parameters, &v); err != nil {
		t.Fatal(err)
	}
	noParams, err := ParseIntents("y.yaml", []byte("intents:\n  - {name: g, route: GOAL, description: d, parameters: [{name: goal_statement}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(noParams.Functions()[0].Parameters); !strings.HasSuffix(s, `"required":[]}`) {
		t.Fatalf("schema without required parameters: %s", s)
	}
}

func TestParseIntentsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"empty", "", []string{`f.yaml: the file is empty: want a top-level "intents" list`}},
		// yaml.v3 places a syntax error at the start of the enclosing block.
		{"syntax", "intents:\n  - name: a\n   route: GOAL\n", []string{"f.yaml:1: did not find expected '-' indicator"}},
		{"unclosed", "intents:\n  - name: a\n    enum: [x\n", []string{"f.yaml:2: did not find expected ',' or ']'"}},
		{"unknown top-level key", "intent:\n  - name: a\n", []string{`f.yaml:1: intent: unknown field "intent"`}},
		{"unknown intent key", "intents:\n  - name: a\n    route: GOAL\n    descripton: typo\n", []string{
			`f.yaml:4: intents[0].descripton: unknown field "descripton"`,
		}},
		{"unknown parameter key", "intents:\n  - name: a\n    route: GOAL\n    description: d\n    parameters:\n      - name: goal_statement\n        optional: true\n", []string{
			`f.yaml:7: intents[0].parameters[0].optional: unknown field "optional"`,
		}},
		{"wrong type", "intents:\n  - name: a\n    route: GOAL\n    description: d\n    parameters:\n      - name: goal_statement\n        required: yes please\n", []string{
			"f.yaml:7: intents[0].parameters[0].required: cannot unmarshal !!str `yes please` into bool",
		}},
		{"duplicate key", "intents:\n  - name: a\n    name: b\n", []string{`f.yaml:3: intents[0].name: mapping key "name" already defined at line 2`}},
		{"not a list", "intents: {}\n", []string{"f.yaml:1: intents: cannot unmarshal !!map into []Intent"}},
		{"no intents", "intents: []\n", []string{"f.yaml:1: intents: want a non-empty list of intents"}},
		{"semantic", `intents:
  - name: submit_goal_intent
    route: GOAL
    description: d
    parameters:
      - name: goal_statement
  - name: submit_goal_intent
    route: PLAN
    parameters:
      - name: x
        type: strin
      - name: x
        type: integer
        enum: [a, a]
  - name: 9lives
    route: NEW_TASK
    description: d
    parameters:
      - name: title
      - name: ""
`, []string{
			`f.yaml:7: intents[1].name: "submit_goal_intent" is already the name of intents[0]`,
			`f.yaml:7: intents[1].description: is required: it tells the model when to call the intent`,
			`f.yaml:8: intents[1].route: unknown route "PLAN": want GOAL, NEW_TASK or RESCHEDULE_TASK`,
			`f.yaml:11: intents[1].parameters[0].type: unknown type "strin": want string, number, integer or boolean`,
			`f.yaml:12: intents[1].parameters[1].name: "x" is listed twice`,
			`f.yaml:14: intents[1].parameters[1].enum: is only allowed on a string parameter`,
			`f.yaml:14: intents[1].parameters[1].enum[1]: "a" is listed twice`,
			`f.yaml:15: intents[2].name: "9lives" must be letters, digits and underscores, starting with a letter, at most 64 long`,
			`f.yaml:20: intents[2].parameters[1].name: is required`,
		}},
		{"route needs its parameter", "intents:\n  - name: move\n    route: RESCHEDULE_TASK\n    description: d\n    parameters:\n      - name: task\n", []string{
			`f.yaml:5: intents[0].parameters: route RESCHEDULE_TASK needs a parameter named "task_id"`,
		}},
	}
	for _, tc := range tests {
		_, err := ParseIntents("f.yaml", []byte(tc.yaml))
		var fes FileErrors
		if !errors.As(err, &fes) {
			t.Errorf("%s: error %v is not FileErrors", tc.name, err)
			continue
		}
		var got []string
		for _, fe := range fes {
			got = append(got, fe.Error())
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestLoadIntentsFile(t *testing.T) {
	t.Parallel()
	_, err := LoadIntents("testdata/intents_bad.yaml")
	want := `intents_bad.yaml:7: intents[0].parameters[0].type: unknown type "strin": want string, number, integer or boolean`
	if err == nil || err.Error() != want {
		t.Fatalf("error %v\nwant %s", err, want)
	}
	r, err := LoadIntents("defaults/intents.yaml")
	if err != nil || len(r.Intents()) != 3 || r.File() != "intents.yaml" {
		t.Fatalf("%v %v", r, err)
	}
	if _, err := LoadIntents("testdata/nope.yaml"); err == nil {
		t.Fatal("a missing file loaded")
	}
}
