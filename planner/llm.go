package planner

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/fluxlife/flux"
)

// Defaults of LLMConfig.
const (
	DefaultTimeout = 60 * time.Second
	DefaultTopK    = 5
	// MaxRepairs is how many times the LLM planner asks again, listing the
	// violations, after a reply that is not a valid plan.
	MaxRepairs = 2
)

// LLMConfig configures the LLM planner and the LLM router. The zero value
// of every field means its default.
type LLMConfig struct {
	// Timeout bounds each call to the model and to the retriever;
	// DefaultTimeout when zero (DefaultRouterTimeout for the router).
	Timeout time.Duration
	// Retriever, when set, grounds the plan: its top passages go into the
	// prompt and the plan cites those it used.
	Retriever Retriever
	// TopK is how many passages to ask the retriever for; DefaultTopK when
	// zero.
	TopK int
	// Fallback makes the plan when the model fails or gives no valid plan
	// after MaxRepairs repairs; an Offline planner (with the same
	// Retriever) when nil.
	Fallback Planner
	// Logger receives a warning with the reason of every fallback;
	// slog.Default() when nil.
	Logger *slog.Logger
	// Clock supplies the time when Request.Now is zero; the system clock
	// when nil.
	Clock flux.Clock
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// LLM plans with a chat model (a [Model]; planner/openai is one on any
// OpenAI-compatible API, OpenRouter by default), asking for JSON-schema
// structured output. Each reply is decoded and validated; on violations the
// model is asked again with the violations listed, at most MaxRepairs
// times. When the model fails (an error status, a timeout) or no valid plan
// comes back, the Fallback planner makes the plan, which then says Planner
// "offline"; the reason is logged, not shown. Plans from the model say
// Planner "llm".
type LLM struct {
	cfg   LLMConfig
	model Model
	log   *slog.Logger
}

var _ Planner = (*LLM)(nil)

// NewLLM returns an LLM planner asking model, configured by cfg.
func NewLLM(model Model, cfg LLMConfig) *LLM {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.TopK <= 0 {
		cfg.TopK = DefaultTopK
	}
	if cfg.Clock == nil {
		cfg.Clock = flux.SystemClock{}
	}
	if cfg.Fallback == nil {
		cfg.Fallback = &Offline{Retriever: cfg.Retriever, Clock: cfg.Clock}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &LLM{cfg: cfg, model: model, log: log.With("component", "planner.llm")}
}

// Plan asks the model for a plan (see LLM). It returns an error only when
// ctx ends or the statement is empty; any provider failure falls back.
func (l *LLM) Plan(ctx context.Context, req Request) (*Plan, error) {
	if strings.TrimSpace(req.Statement) == "" {
		return nil, flux.Invalid("the goal is empty", flux.FieldError{Field: "statement", Message: "is required"})
	}
	if req.Now.IsZero() {
		req.Now = l.cfg.Clock.Now()
	}
	weeks, target := horizon(req)
	starts := milestoneStarts(weeks)
	passages := l.retrieve(ctx, req)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("llm planner: %w", err)
	}

	msgs := []ModelMessage{
		{Role: RoleSystem, Content: systemPrompt},
		{Role: RoleUser, Content: planPrompt(req, weeks, target, starts, passages)},
	}
	var problems []string
	for attempt := 0; attempt <= MaxRepairs; attempt++ {
		content, err := l.complete(ctx, msgs)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("llm planner: %w", ctx.Err())
			}
			return l.fallback(ctx, req, "provider error", err)
		}
		var plan *Plan
		plan, problems = decodePlan(content, req, weeks, target, starts, passages)
		if len(problems) == 0 {
			return plan, nil
		}
		l.log.Info("plan reply rejected", "attempt", attempt+1, "violations", len(problems), "first", problems[0])
		msgs = append(msgs,
			ModelMessage{Role: RoleAssistant, Content: content},
			ModelMessage{Role: RoleUser, Content: repairPrompt(problems)},
		)
	}
	return l.fallback(ctx, req, "no valid plan after repairs",
		fmt.Errorf("%d violation(s), first: %s", len(problems), problems[0]))
}

func (l *LLM) fallback(ctx context.Context, req Request, reason string, cause error) (*Plan, error) {
	l.log.Warn("falling back to the offline planner", "reason", reason, "error", cause.Error(), "model", modelName(l.model))
	p, err := l.cfg.Fallback.Plan(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("llm planner fallback: %w", err)
	}
	if p.Planner == "" || p.Planner == NameLLM {
		p.Planner = NameOffline
	}
	return p, nil
}

func (l *LLM) retrieve(ctx context.Context, req Request) []Passage {
	if l.cfg.Retriever == nil {
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	ps, err := l.cfg.Retriever.Retrieve(rctx, retrievalQuery(req), l.cfg.TopK)
	if err != nil {
		if ctx.Err() == nil {
			l.log.Warn("retrieval failed; planning without expert content", "error", err.Error())
		}
		return nil
	}
	out := ps[:0:0]
	for _, p := range ps {
		if strings.TrimSpace(p.Text) != "" && strings.TrimSpace(p.Title) != "" {
			out = append(out, p)
		}
	}
	return out
}

// complete makes one model call with the plan schema and returns the
// reply's content.
func (l *LLM) complete(ctx context.Context, msgs []ModelMessage) (string, error) {
	return completeJSON(ctx, l.model, l.cfg.Timeout, ModelRequest{
		Messages: msgs, Temperature: 0.4, SchemaName: "goal_plan",
		SchemaDescription: "A goal broken into milestones with concrete tasks.", Schema: planSchema,
	})
}

// llmPlan is the JSON the model is asked for.
type llmPlan struct {
	Title      string `json:"title"`
	Category   string `json:"category"`
	Summary    string `json:"summary"`
	Milestones []struct {
		Week  int    `json:"week"`
		Title string `json:"title"`
		Tasks []struct {
			Title           string `json:"title"`
			Description     string `json:"description"`
			DurationMinutes int    `json:"duration_minutes"`
			Recurrence      string `json:"recurrence"`
			TimeOfDay       string `json:"time_of_day"`
			Priority        string `json:"priority"`
		} `json:"tasks"`
	} `json:"milestones"`
	Sources []flux.Source `json:"sources"`
}

// decodePlan turns a reply into a plan, or lists what is wrong with it.
func decodePlan(content string, req Request, weeks int, target *time.Time, starts []int, passages []Passage) (*Plan, []string) {
	raw := stripFences(content)
	if raw == "" {
		return nil, []string{"the reply was empty; reply with the JSON object"}
	}
	var lp llmPlan
	if err := json.Unmarshal([]byte(raw), &lp); err != nil {
		return nil, []string{fmt.Sprintf("the reply is not valid JSON for the schema (%v); reply with only the JSON object", err)}
	}
	p := &Plan{
		Title:      strings.TrimSpace(lp.Title),
		Category:   strings.ToLower(strings.TrimSpace(lp.Category)),
		Weeks:      weeks,
		TargetDate: target,
		Planner:    NameLLM,
		Summary:    strings.TrimSpace(lp.Summary),
		Sources:    citedSources(lp.Sources, passages),
	}
	if p.Title == "" {
		p.Title = cleanTitle(req.Statement)
	}
	if !slices.Contains(Domains, p.Category) {
		p.Category = ClassifyDomain(req.Statement)
	}
	var problems []string
	for _, m := range lp.Milestones {
		ms := Milestone{Week: m.Week, Title: strings.TrimSpace(m.Title)}
		for _, t := range m.Tasks {
			task := Task{
				Title:           strings.TrimSpace(t.Title),
				Description:     strings.TrimSpace(t.Description),
				DurationMinutes: t.DurationMinutes,
				Recurrence:      normalizeRule(t.Recurrence),
				TimeOfDay:       strings.ToLower(strings.TrimSpace(t.TimeOfDay)),
			}
			if task.TimeOfDay == "any" || task.TimeOfDay == "anytime" {
				task.TimeOfDay = ""
			}
			if prio, err := flux.ParsePriority(t.Priority); err == nil {
				task.Priority = prio
			} else {
				task.Priority = flux.Priority(t.Priority)
			}
			ms.Tasks = append(ms.Tasks, task)
		}
		p.Milestones = append(p.Milestones, ms)
	}
	for _, v := range Violations(p) {
		problems = append(problems, v.Field+": "+v.Message)
	}
	if len(p.Milestones) != len(starts) {
		problems = append(problems, fmt.Sprintf("milestones: want exactly %d, got %d", len(starts), len(p.Milestones)))
	} else {
		for i, w := range starts {
			if p.Milestones[i].Week != w {
				problems = append(problems, fmt.Sprintf("milestones[%d].week: must be %d", i, w))
			}
		}
	}
	if len(problems) > 0 {
		return nil, dedupe(problems)
	}
	return p, nil
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	out := ss[:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// citedSources keeps the sources the model cited that are among the
// retrieved passages (matched by title or by source), in the passages'
// spelling; when it cited none of them, every retrieved article is listed.
// Without passages there are no sources: the model may not invent any.
func citedSources(cited []flux.Source, passages []Passage) []flux.Source {
	all := sourcesOf(passages)
	if len(all) == 0 {
		return []flux.Source{}
	}
	var out []flux.Source
	for _, s := range all {
		for _, c := range cited {
			t := strings.TrimSpace(c.Title)
			if strings.EqualFold(t, s.Title) || (s.Source != "" && strings.TrimSpace(c.Source) == s.Source) {
				out = append(out, s)
				break
			}
		}
	}
	if len(out) == 0 {
		return all
	}
	return out
}

// normalizeRule upper-cases an RRULE and drops an "RRULE:" prefix.
func normalizeRule(r string) string {
	r = strings.TrimSpace(r)
	if strings.EqualFold(r, "none") || strings.EqualFold(r, "once") || r == "null" {
		return ""
	}
	r = strings.ToUpper(r)
	r = strings.TrimPrefix(r, "RRULE:")
	return strings.TrimSuffix(r, ";")
}

// stripFences removes a Markdown code fence around a JSON reply.
func stripFences(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "```") {
		return s
	}
	s = strings.TrimPrefix(s, "```")
	s = strings.TrimPrefix(s, "json")
	s = strings.TrimSuffix(strings.TrimSpace(s), "```")
	return strings.TrimSpace(s)
}
