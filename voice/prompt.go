package voice

import (
	_ "embed"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/fluxlife/flux"
)

// DefaultPromptTemplate is the voice agent's prompt embedded in the binary, a
// text/template rendered with a PromptContext.
//
//go:embed defaults/voice_prompt.md
var DefaultPromptTemplate string

// contextSection is appended to a prompt file that has no template
// actions, as the original service appended its injected user context.
const contextSection = `

---
## User context

- Name: {{.Name}}
- Time zone: {{.Timezone}}. It is {{.Now}} on {{.Today}}.
{{- with .Chronotype}}
- Chronotype: {{.}}
{{- end}}
{{- with .WorkHours}}
- Work hours: {{.}}
{{- end}}
{{- with .SleepWindow}}
- Sleep window: {{.}}
{{- end}}

### Today's tasks
{{- range .Tasks}}
- {{.Ref}}: {{.Title}} ({{.Time}})
{{- else}}
No tasks today.
{{- end}}
`

// PromptContext is what a prompt template can use. Every string has been
// cleaned for the prompt: one line, no control characters, bounded length.
type PromptContext struct {
	// Name is the user's name, or "there" when they have none.
	Name string
	// Timezone is the user's IANA time zone.
	Timezone string
	// Today is the user's local date, spoken: "Wednesday, March 4, 2026".
	Today string
	// Now is the user's local time: "3:20 PM".
	Now string
	// Chronotype is "morning", "evening" or "neutral" (or empty).
	Chronotype string
	// WorkHours reads "09:00–18:00, Mon, Tue, Wed, Thu, Fri"; empty when
	// the user has no work days.
	WorkHours string
	// SleepWindow reads "23:00–07:00".
	SleepWindow string
	// Tasks are today's open tasks with their short references.
	Tasks []PromptTask
}

// PromptTask is one of today's tasks as the model sees it.
type PromptTask struct {
	// Ref is the short reference the model passes back ("T1").
	Ref   string
	Title string
	// Time is when it is scheduled, local: "6 PM".
	Time string
	// Status is the task's status ("scheduled", "drifted", ...).
	Status string
}

// Prompt is a parsed prompt template.
type Prompt struct {
	name string
	tmpl *template.Template
}

// DefaultPrompt parses the embedded prompt template.
func DefaultPrompt() (*Prompt, error) {
	return ParsePrompt("voice_prompt.md (embedded)", DefaultPromptTemplate)
}

// LoadPrompt reads a prompt template file; an empty path means the embedded
// default.
func LoadPrompt(path string) (*Prompt, error) {
	if path == "" {
		return DefaultPrompt()
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("voice prompt: %w", err)
	}
	return ParsePrompt(filepath.Base(path), string(b))
}

var templateLineRe = regexp.MustCompile(`^template: [^:]*:(\d+):(?:\d+:)? ?(.*)$`)

// ParsePrompt parses a prompt template (Go text/template syntax over a
// PromptContext). A text without any template action is taken as plain
// instructions, and the standard user-context section is appended to it.
// Errors are FileErrors naming name and the line; a template is also
// executed once against a sample context so that a misspelt field is caught
// here rather than when a session starts.
func ParsePrompt(name, text string) (*Prompt, error) {
	if strings.TrimSpace(text) == "" {
		return nil, FileErrors{{File: name, Message: "the prompt is empty"}}
	}
	if !strings.Contains(text, "{{") {
		text = strings.TrimRight(text, "\n") + contextSection
	}
	t, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, FileErrors{templateError(name, err)}
	}
	p := &Prompt{name: name, tmpl: t}
	sample := PromptContext{Name: "Ada", Timezone: "UTC", Today: "Monday, January 5, 2026", Now: "9 AM",
		Chronotype: "morning", WorkHours: "09:00–17:00, Mon", SleepWindow: "23:00–07:00",
		Tasks: []PromptTask{{Ref: "T1", Title: "Run", Time: "6 PM", Status: "scheduled"}}}
	if err := t.Execute(io.Discard, sample); err != nil {
		return nil, FileErrors{templateError(name, err)}
	}
	return p, nil
}

func templateError(name string, err error) *FileError {
	msg := err.Error()
	fe := &FileError{File: name, Message: msg}
	if m := templateLineRe.FindStringSubmatch(msg); m != nil {
		fe.Line, _ = strconv.Atoi(m[1])
		fe.Message = m[2]
	}
	return fe
}

// Render executes the template.
func (p *Prompt) Render(c PromptContext) (string, error) {
	var b strings.Builder
	if err := p.tmpl.Execute(&b, c); err != nil {
		return "", fmt.Errorf("render prompt %s: %w", p.name, err)
	}
	return b.String(), nil
}

// Limits on what user data may put into the prompt.
const (
	maxPromptName  = 80
	maxPromptTitle = 120
	maxPromptTasks = 25
)

// NewPromptContext describes the user and today's tasks (already ordered,
// with their references) at now.
func NewPromptContext(u *flux.User, now time.Time, tasks []PromptTask) PromptContext {
	loc := u.Location()
	local := now.In(loc)
	c := PromptContext{
		Name:        flux.OneLine(u.Name, maxPromptName),
		Timezone:    loc.String(),
		Today:       local.Format("Monday, January 2, 2006"),
		Now:         spokenClock(local.Hour(), local.Minute()),
		Chronotype:  flux.OneLine(u.Chronotype, 20),
		SleepWindow: fmt.Sprintf("%s–%s", u.SleepWindow.Start, u.SleepWindow.End),
		Tasks:       tasks,
	}
	if c.Name == "" {
		c.Name = "there"
	}
	if len(u.WorkHours.Days) > 0 {
		days := make([]string, len(u.WorkHours.Days))
		for i, d := range u.WorkHours.Days {
			days[i] = d.String()
		}
		c.WorkHours = fmt.Sprintf("%s–%s, %s", u.WorkHours.Start, u.WorkHours.End, strings.Join(days, ", "))
	}
	if u.SleepWindow.Start == u.SleepWindow.End {
		c.SleepWindow = ""
	}
	return c
}
