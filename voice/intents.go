package voice

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DefaultIntentsYAML is the intents registry embedded in the binary: the
// original service's three intents (goal, new task, reschedule) with their
// parameters, their descriptions adapted to Flux.
//
//go:embed defaults/intents.yaml
var DefaultIntentsYAML []byte

// Routes name what an intent does; the registry's route field picks the
// handler.
const (
	RouteGoal       = "GOAL"            // create and plan a goal
	RouteNewTask    = "NEW_TASK"        // create and schedule a task
	RouteReschedule = "RESCHEDULE_TASK" // move an existing task
)

// routeParams is the parameter each route's handler cannot do without.
var routeParams = map[string]string{
	RouteGoal:       "goal_statement",
	RouteNewTask:    "title",
	RouteReschedule: "task_id",
}

// Parameter types an intent may declare (JSON Schema scalar types).
var paramTypes = map[string]bool{"string": true, "number": true, "integer": true, "boolean": true}

// Intent is one function the voice agent may call.
type Intent struct {
	// Name is the function name the model calls.
	Name string `yaml:"name"`
	// Route picks the handler: RouteGoal, RouteNewTask or RouteReschedule.
	Route string `yaml:"route"`
	// Description tells the model when to call the function.
	Description string `yaml:"description"`
	// Parameters are the function's arguments, in order.
	Parameters []Parameter `yaml:"parameters"`
}

// Parameter is one argument of an intent.
type Parameter struct {
	Name string `yaml:"name"`
	// Type is a JSON Schema type: string (the default), number, integer or
	// boolean.
	Type        string   `yaml:"type"`
	Required    bool     `yaml:"required"`
	Description string   `yaml:"description"`
	Enum        []string `yaml:"enum"`
}

// Registry is a validated set of intents, in file order.
type Registry struct {
	file    string
	intents []Intent
}

// intentsDoc is the file's shape, decoded strictly.
type intentsDoc struct {
	Intents []Intent `yaml:"intents"`
}

// FileError is one problem in a configuration file: where it is, which
// field, and what is wrong.
type FileError struct {
	File    string
	Line    int    // 1-based; 0 when the problem has no one line
	Field   string // a path such as intents[1].parameters[0].type; may be empty
	Message string
}

// Error returns "file:line: field: message".
func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// FileErrors lists every problem found in one file, in line order.
type FileErrors []*FileError

// Error returns one problem per line.
func (es FileErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// DefaultIntents parses the embedded registry, DefaultIntentsYAML.
func DefaultIntents() (*Registry, error) {
	return ParseIntents("intents.yaml (embedded)", DefaultIntentsYAML)
}

// LoadIntents reads and validates an intents file. An empty path means the
// embedded default.
func LoadIntents(path string) (*Registry, error) {
	if path == "" {
		return DefaultIntents()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("voice intents: %w", err)
	}
	return ParseIntents(filepath.Base(path), data)
}

var (
	lineRe       = regexp.MustCompile(`line (\d+): (.*)`)
	notFoundRe   = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
	identifierRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
)

// ParseIntents decodes an intents registry strictly (unknown keys, wrong
// types and duplicate keys are errors) and validates it. file names the
// source in errors, which are FileErrors naming file, line and field.
func ParseIntents(file string, data []byte) (*Registry, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, FileErrors{yamlError(file, err, nil)}
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, FileErrors{{File: file, Message: "the file is empty: want a top-level \"intents\" list"}}
	}
	idx := indexPaths(&root)

	var doc intentsDoc
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			var es FileErrors
			for _, msg := range te.Errors {
				es = append(es, yamlError(file, errors.New(msg), idx))
			}
			return nil, es
		}
		return nil, FileErrors{yamlError(file, err, idx)}
	}
	es := validateIntents(file, doc.Intents, idx)
	if len(es) > 0 {
		sort.SliceStable(es, func(i, j int) bool { return es[i].Line < es[j].Line })
		return nil, es
	}
	for i := range doc.Intents {
		in := &doc.Intents[i]
		in.Description = strings.TrimSpace(in.Description)
		for j := range in.Parameters {
			p := &in.Parameters[j]
			if p.Type == "" {
				p.Type = "string"
			}
			p.Description = strings.TrimSpace(p.Description)
		}
	}
	return &Registry{file: file, intents: doc.Intents}, nil
}

// yamlError turns a yaml.v3 message ("line 5: field foo not found in type
// ...", "yaml: line 3: did not find expected key") into a FileError.
func yamlError(file string, err error, idx *pathIndex) *FileError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	fe := &FileError{File: file, Message: msg}
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		fe.Line, _ = strconv.Atoi(m[1])
		fe.Message = m[2]
	}
	if m := notFoundRe.FindStringSubmatch(fe.Message); m != nil {
		fe.Message = fmt.Sprintf("unknown field %q", m[1])
	}
	fe.Message = strings.ReplaceAll(fe.Message, "voice.", "")
	if idx != nil && fe.Line > 0 {
		fe.Field = idx.byLine[fe.Line]
	}
	return fe
}

// pathIndex knows, for the decoded document, the line of each path and the
// path at each line.
type pathIndex struct {
	byPath map[string]int
	byLine map[int]string
}

// indexPaths walks a YAML document and records the line of every mapping
// key and sequence item by path ("intents[0].parameters[1].name").
func indexPaths(root *yaml.Node) *pathIndex {
	idx := &pathIndex{byPath: map[string]int{}, byLine: map[int]string{}}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				if _, ok := idx.byPath[p]; !ok {
					idx.byPath[p] = k.Line
				}
				idx.byLine[k.Line] = p
				if v.Line != k.Line {
					if _, taken := idx.byLine[v.Line]; !taken {
						idx.byLine[v.Line] = p
					}
				}
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				idx.byPath[p] = c.Line
				if _, taken := idx.byLine[c.Line]; !taken {
					idx.byLine[c.Line] = p
				}
				walk(c, p)
			}
		}
	}
	walk(root, "")
	return idx
}

// line returns the line of path, or of its nearest ancestor that has one.
func (idx *pathIndex) line(path string) int {
	for path != "" {
		if l, ok := idx.byPath[path]; ok {
			return l
		}
		if i := strings.LastIndexAny(path, ".["); i > 0 {
			path = path[:i]
		} else {
			break
		}
	}
	return 0
}

// validateIntents checks the decoded intents and returns every problem.
func validateIntents(file string, intents []Intent, idx *pathIndex) FileErrors {
	var es FileErrors
	add := func(path, format string, args ...any) {
		es = append(es, &FileError{File: file, Line: idx.line(path), Field: path, Message: fmt.Sprintf(format, args...)})
	}
	if len(intents) == 0 {
		add("intents", "want a non-empty list of intents")
		return es
	}
	names := map[string]string{}
	for i, in := range intents {
		base := fmt.Sprintf("intents[%d]", i)
		switch {
		case in.Name == "":
			add(base+".name", "is required")
		case !identifierRe.MatchString(in.Name):
			add(base+".name", "%q must be letters, digits and underscores, starting with a letter, at most 64 long", in.Name)
		case names[in.Name] != "":
			add(base+".name", "%q is already the name of %s", in.Name, names[in.Name])
		default:
			names[in.Name] = base
		}
		if in.Route == "" {
			add(base+".route", "is required: one of GOAL, NEW_TASK, RESCHEDULE_TASK")
		} else if _, ok := routeParams[in.Route]; !ok {
			add(base+".route", "unknown route %q: want GOAL, NEW_TASK or RESCHEDULE_TASK", in.Route)
		}
		if strings.TrimSpace(in.Description) == "" {
			add(base+".description", "is required: it tells the model when to call the intent")
		}
		params := map[string]bool{}
		for j, p := range in.Parameters {
			pb := fmt.Sprintf("%s.parameters[%d]", base, j)
			switch {
			case p.Name == "":
				add(pb+".name", "is required")
			case !identifierRe.MatchString(p.Name):
				add(pb+".name", "%q must be letters, digits and underscores, starting with a letter", p.Name)
			case params[p.Name]:
				add(pb+".name", "%q is listed twice", p.Name)
			}
			params[p.Name] = true
			if p.Type != "" && !paramTypes[p.Type] {
				add(pb+".type", "unknown type %q: want string, number, integer or boolean", p.Type)
			}
			if len(p.Enum) > 0 {
				if p.Type != "" && p.Type != "string" {
					add(pb+".enum", "is only allowed on a string parameter")
				}
				seen := map[string]bool{}
				for k, v := range p.Enum {
					if v == "" {
						add(fmt.Sprintf("%s.enum[%d]", pb, k), "must not be empty")
					} else if seen[v] {
						add(fmt.Sprintf("%s.enum[%d]", pb, k), "%q is listed twice", v)
					}
					seen[v] = true
				}
			}
		}
		if need, ok := routeParams[in.Route]; ok && !params[need] {
			add(base+".parameters", "route %s needs a parameter named %q", in.Route, need)
		}
	}
	return es
}

// File names where the registry came from.
func (r *Registry) File() string { return r.file }

// Intents returns the intents in file order.
func (r *Registry) Intents() []Intent {
	out := make([]Intent, len(r.intents))
	copy(out, r.intents)
	return out
}

// Lookup returns the intent with the function name.
func (r *Registry) Lookup(name string) (Intent, bool) {
	for _, in := range r.intents {
		if in.Name == name {
			return in, true
		}
	}
	return Intent{}, false
}

// Functions returns the intents as function definitions: a JSON Schema
// object per intent with its properties in file order (each with type,
// description and, when set, enum) and the required ones listed.
func (r *Registry) Functions() []Function {
	out := make([]Function, len(r.intents))
	for i, in := range r.intents {
		out[i] = Function{Name: in.Name, Description: in.Description, Parameters: in.schema()}
	}
	return out
}

// schema writes the intent's parameters as a JSON Schema object, keeping
// the file's order of properties.
func (in Intent) schema() json.RawMessage {
	type property struct {
		Type        string   `json:"type"`
		Description string   `json:"description"`
		Enum        []string `json:"enum,omitempty"`
	}
	var b bytes.Buffer
	b.WriteString(`{"type":"object","properties":{`)
	required := []string{}
	for i, p := range in.Parameters {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(p.Name)
		v, _ := json.Marshal(property{Type: p.Type, Description: p.Description, Enum: p.Enum})
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
		if p.Required {
			required = append(required, p.Name)
		}
	}
	b.WriteString(`},"required":`)
	rq, _ := json.Marshal(required)
	b.Write(rq)
	b.WriteByte('}')
	return json.RawMessage(b.Bytes())
}
