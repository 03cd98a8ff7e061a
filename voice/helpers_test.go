package voice

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/store/sqlite"
)

// start is Wednesday 4 March 2026, 15:20 in New York (20:20 UTC).
var start = time.Date(2026, 3, 4, 20, 20, 0, 0, time.UTC)

// env is a voice service over a real SQLite store and the fake Deepgram.
type env struct {
	t     *testing.T
	ctx   context.Context
	clock *fluxtest.Clock
	store *sqlite.Store
	dg    *fluxtest.Deepgram
	svc   *Service
	user  *flux.User
	cfg   Config
	opts  Options
	grant GrantConfig
}

// GrantConfig configures the Deepgram minter of an env.
type GrantConfig struct {
	APIKey, BaseURL string
	TTL, Timeout    time.Duration
}

// NewGrantMinter returns the real Deepgram minter (voice/deepgram) for the
// env's fake Deepgram. It is set by an external test file
// (deepgram_link_test.go), since voice/deepgram imports voice.
var NewGrantMinter func(g GrantConfig, clock flux.Clock) (TokenMinter, error)

func withGrant(fn func(*GrantConfig)) envOption { return func(e *env) { fn(&e.grant) } }

type envOption func(*env)

func withConfig(fn func(*Config)) envOption { return func(e *env) { fn(&e.cfg) } }

func withPlanner(p *stubPlanner) envOption {
	return func(e *env) { p.st, e.opts.Planner = e.store, p }
}

func withScheduler(s *stubScheduler) envOption {
	return func(e *env) { s.st, e.opts.Scheduler = e.store, s }
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	ctx := context.Background()
	clock := fluxtest.NewClock(start)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "flux.db"), &sqlite.Options{Clock: clock})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	dg := fluxtest.NewDeepgram(t)
	dg.SetClock(clock.Now)
	e := &env{t: t, ctx: ctx, clock: clock, store: st, dg: dg,
		grant: GrantConfig{APIKey: dg.APIKey(), BaseURL: dg.URL(), TTL: 10 * time.Minute},
		opts:  Options{Clock: clock, Logger: quietLogger()},
	}
	for _, o := range opts {
		o(e)
	}
	e.user = e.newUser("Ada", "America/New_York")
	if e.opts.Minter == nil && e.grant.APIKey != "" {
		m, err := NewGrantMinter(e.grant, clock)
		if err != nil {
			t.Fatalf("deepgram minter: %v", err)
		}
		e.opts.Minter = m
	}
	svc, err := New(st, e.cfg, &e.opts)
	if err != nil {
		t.Fatalf("voice.New: %v", err)
	}
	e.svc = svc
	return e
}

func (e *env) newUser(name, tz string) *flux.User {
	e.t.Helper()
	u := flux.NewUser(flux.NewID(), "", name)
	u.Timezone = tz
	u.Chronotype = flux.ChronotypeMorning
	if err := e.store.Users().CreateUser(e.ctx, u); err != nil {
		e.t.Fatalf("create user: %v", err)
	}
	return u
}

// addTask stores a scheduled task for the user at the given UTC time.
func (e *env) addTask(u *flux.User, title string, at time.Time) *flux.Task {
	e.t.Helper()
	at = at.UTC()
	task := &flux.Task{UserID: u.ID, Title: title, Status: flux.TaskScheduled, Priority: flux.PriorityStandard,
		DurationMinutes: 30, TriggerType: flux.TriggerTime, ScheduledAt: &at}
	if err := e.store.Tasks().CreateTask(e.ctx, task); err != nil {
		e.t.Fatalf("create task: %v", err)
	}
	return task
}

func (e *env) create() *SessionInfo {
	e.t.Helper()
	info, err := e.svc.Create(e.ctx, e.user)
	if err != nil {
		e.t.Fatalf("Create: %v", err)
	}
	return info
}

func (e *env) intent(sessionID, fcid, name string, input map[string]any) *IntentResult {
	e.t.Helper()
	r, err := e.svc.SubmitIntent(e.ctx, e.user, IntentInput{SessionID: sessionID, FunctionCallID: fcid, FunctionName: name, Input: input})
	if err != nil {
		e.t.Fatalf("SubmitIntent(%s %v): %v", name, input, err)
	}
	return r
}

func (e *env) conversation(id string) *flux.Conversation {
	e.t.Helper()
	c, err := e.store.Conversations().GetConversation(e.ctx, e.user.ID, id)
	if err != nil {
		e.t.Fatalf("get conversation: %v", err)
	}
	return c
}

func (e *env) data(id string) *sessionData {
	e.t.Helper()
	d, err := decodeData(e.conversation(id).Data)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func (e *env) tasks() []flux.Task {
	e.t.Helper()
	ts, _, err := e.store.Tasks().ListTasks(e.ctx, e.user.ID, flux.TaskFilter{}, flux.Page{Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	return ts
}

func (e *env) voiceSessions(u *flux.User) []flux.Conversation {
	e.t.Helper()
	cs, _, err := e.store.Conversations().ListConversations(e.ctx, u.ID, flux.ConversationFilter{Kind: flux.ConversationVoice}, flux.Page{Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	return cs
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if flux.ErrorCode(err) != code {
		t.Fatalf("error %v: code %q, want %q", err, flux.ErrorCode(err), code)
	}
}

// stubPlanner stores the goal with a one-milestone "plan" (a goal with
// Planner "stub").
type stubPlanner struct {
	st    flux.Store
	mu    sync.Mutex
	calls int
	err   error
}

func (p *stubPlanner) PlanGoal(ctx context.Context, u *flux.User, statement, timeline, notes string) (*flux.Goal, error) {
	p.mu.Lock()
	p.calls++
	err := p.err
	p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	g := &flux.Goal{UserID: u.ID, Title: statement, Description: notes, Status: flux.GoalActive, TargetWeeks: 10, Planner: "stub", PlanVersion: 1}
	if err := p.st.Goals().CreateGoal(ctx, g); err != nil {
		return nil, err
	}
	return g, nil
}

// stubScheduler places every task at placeAt, and moves tasks where asked.
type stubScheduler struct {
	st      flux.Store
	placeAt time.Time
	delay   time.Duration
	mu      sync.Mutex
	places  []string
	moves   []time.Time
	err     error
}

func (s *stubScheduler) PlaceTask(ctx context.Context, u *flux.User, taskID string) (*flux.Task, error) {
	time.Sleep(s.delay)
	s.mu.Lock()
	s.places = append(s.places, taskID)
	err := s.err
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	at := s.placeAt.UTC()
	return s.st.Tasks().UpdateTask(ctx, u.ID, taskID, func(t *flux.Task) error {
		t.ScheduledAt, t.Status = &at, flux.TaskScheduled
		return nil
	})
}

func (s *stubScheduler) MoveTask(ctx context.Context, u *flux.User, taskID string, start time.Time) (*flux.Task, error) {
	time.Sleep(s.delay)
	s.mu.Lock()
	s.moves = append(s.moves, start)
	err := s.err
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	at := start.UTC()
	return s.st.Tasks().UpdateTask(ctx, u.ID, taskID, func(t *flux.Task) error {
		t.ScheduledAt, t.Status = &at, flux.TaskScheduled
		return nil
	})
}

// staticMinter hands out a fixed token.
type staticMinter struct{ err error }

func (m staticMinter) Mint(context.Context) (Token, error) {
	if m.err != nil {
		return Token{}, m.err
	}
	return Token{AccessToken: "static-token", ExpiresAt: start.Add(time.Hour)}, nil
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var errBoom = errors.New("boom")
