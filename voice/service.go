package voice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fluxlife/flux"
)

// Session is the voice session control plane: one method per HTTP route.
// Every method takes the caller's stored user u, as the HTTP layer holds it
// after authentication (the methods use it as given and do not read it
// again); a nil u gives ENotFound, and so do a session of another user, an
// unknown id and a conversation that is not a voice session.
type Session interface {
	// Create starts a voice session for the user.
	Create(ctx context.Context, u *flux.User) (*SessionInfo, error)
	// SaveMessage appends a transcript line to an open session.
	SaveMessage(ctx context.Context, u *flux.User, in MessageInput) (*SavedMessage, error)
	// Messages returns a session's transcript, oldest first.
	Messages(ctx context.Context, u *flux.User, sessionID string) (*Transcript, error)
	// SubmitIntent runs one function call of the agent.
	SubmitIntent(ctx context.Context, u *flux.User, in IntentInput) (*IntentResult, error)
	// Close ends a session; closing a closed session is not an error.
	Close(ctx context.Context, u *flux.User, sessionID string) (*Closed, error)
}

// GoalPlanner creates a goal and plans it; *planner.Service satisfies it.
type GoalPlanner interface {
	// PlanGoal stores the user's goal with a plan made from statement,
	// timeline (spoken, such as "in 3 months") and notes.
	PlanGoal(ctx context.Context, u *flux.User, statement, timeline, notes string) (*flux.Goal, error)
}

// TaskScheduler puts tasks into the user's week; *scheduler.Service
// satisfies it.
type TaskScheduler interface {
	// PlaceTask schedules an unscheduled task at the best free slot
	// (honouring its EarliestStart, Deadline and PreferredTime) and returns
	// it, unscheduled when nothing fits.
	PlaceTask(ctx context.Context, u *flux.User, taskID string) (*flux.Task, error)
	// MoveTask puts a task at start and returns it.
	MoveTask(ctx context.Context, u *flux.User, taskID string, start time.Time) (*flux.Task, error)
}

// SessionInfo answers Create: the session, the browser's Deepgram grant,
// the agent config in the original shape, and the complete Settings message.
type SessionInfo struct {
	SessionID     string        `json:"session_id"`
	DeepgramToken string        `json:"deepgram_token"`
	Config        SessionConfig `json:"config"`
	Settings      Settings      `json:"settings"`
	// TokenExpiresAt is when DeepgramToken expires.
	TokenExpiresAt time.Time `json:"-"`
}

// LogValue hides the grant from log/slog.
func (s *SessionInfo) LogValue() slog.Value {
	return slog.GroupValue(slog.String("session_id", s.SessionID), slog.String("deepgram_token", "[redacted]"))
}

// MessageInput is a transcript line to save.
type MessageInput struct {
	SessionID string `json:"session_id"`
	// Role is user, assistant, system or function.
	Role    string `json:"role"`
	Content string `json:"content"`
}

// SavedMessage answers SaveMessage.
type SavedMessage struct {
	MessageID string `json:"message_id"`
	Status    string `json:"status"` // "saved"
}

// Transcript answers Messages.
type Transcript struct {
	SessionID string          `json:"session_id"`
	Messages  []MessageRecord `json:"messages"`
}

// MessageRecord is one transcript line.
type MessageRecord struct {
	ID        string    `json:"id"`
	Role      string    `json:"role"`
	Content   string    `json:"content"`
	CreatedAt time.Time `json:"created_at"`
}

// IntentInput is a function call forwarded by the browser.
type IntentInput struct {
	SessionID      string         `json:"session_id"`
	FunctionCallID string         `json:"function_call_id"`
	FunctionName   string         `json:"function_name"`
	Input          map[string]any `json:"input"`
}

// IntentResult answers SubmitIntent: the sentence the agent speaks.
type IntentResult struct {
	FunctionCallID string `json:"function_call_id"`
	Result         string `json:"result"`
	// TaskID and GoalID name what the call created or changed, if anything.
	TaskID string `json:"-"`
	GoalID string `json:"-"`
	// Replayed reports that the call had been handled before and this is
	// the recorded answer.
	Replayed bool `json:"-"`
}

// Response is the FunctionCallResponse message for the agent socket.
func (r *IntentResult) Response(functionName string) FunctionCallResponse {
	return FunctionCallResponse{Type: "FunctionCallResponse", ID: r.FunctionCallID, Name: functionName, Content: r.Result}
}

// Closed answers Close.
type Closed struct {
	SessionID    string `json:"session_id"`
	Status       string `json:"status"` // "closed"
	MessageCount int    `json:"message_count"`
}

// Options are New's optional collaborators. A nil *Options means all
// defaults.
type Options struct {
	// Clock is the time source; default flux.SystemClock.
	Clock flux.Clock
	// Minter mints the browser's Deepgram grants (voice/deepgram.NewMinter);
	// nil means voice is not configured: Create answers EUnavailable.
	Minter TokenMinter
	// Planner plans goals; nil stores voice goals without a plan and says so.
	Planner GoalPlanner
	// Scheduler places tasks; nil keeps tasks at the time the user said and
	// says so.
	Scheduler TaskScheduler
	// Intents replaces the registry named by Config.IntentsFile.
	Intents *Registry
	// Prompt replaces the template named by Config.PromptFile.
	Prompt *Prompt
	// Logger receives one line per session event; default slog.Default().
	Logger *slog.Logger
}

// Limits that keep one session's storage bounded.
const (
	// MaxMessageRunes caps a transcript line.
	MaxMessageRunes = 8000
	// MaxSessionMessages caps the lines of one session.
	MaxSessionMessages = 2000
	// MaxSessionIntents caps the function calls of one session.
	MaxSessionIntents = 200
	// defaultTaskMinutes is the length of a task made by voice.
	defaultTaskMinutes = 30
)

// Service is the default Session, over a flux.Store.
type Service struct {
	store     Store
	cfg       Config
	clock     flux.Clock
	minter    TokenMinter
	planner   GoalPlanner
	scheduler TaskScheduler
	intents   *Registry
	prompt    *Prompt
	functions []Function
	log       *slog.Logger
	burst     *burstLimiter
	creating  keyedMutex

	// claimTTL is how long a claimed function call may run before another
	// submission of it may take it over; intentWait is how long a repeat
	// waits for a running call to finish.
	claimTTL   time.Duration
	intentWait time.Duration
}

var _ Session = (*Service)(nil)

// New returns the voice service over store. It loads the intents registry
// and the prompt template (errors name file, line and field) and checks the
// configuration; zero Config fields take their defaults.
func New(store Store, cfg Config, opts *Options) (*Service, error) {
	if store == nil {
		return nil, errors.New("voice.New: nil store")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Service{
		store: store, cfg: cfg, clock: o.Clock, minter: o.Minter, planner: o.Planner, scheduler: o.Scheduler,
		intents: o.Intents, prompt: o.Prompt, log: o.Logger,
		burst:    newBurstLimiter(cfg.BurstLimit, cfg.BurstWindow),
		claimTTL: 5 * time.Minute, intentWait: 30 * time.Second,
	}
	if s.clock == nil {
		s.clock = flux.SystemClock{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	var err error
	if s.intents == nil {
		if s.intents, err = LoadIntents(cfg.IntentsFile); err != nil {
			return nil, err
		}
	}
	if s.prompt == nil {
		if s.prompt, err = LoadPrompt(cfg.PromptFile); err != nil {
			return nil, err
		}
	}
	s.functions = s.intents.Functions()
	return s, nil
}

// Configured reports whether sessions can be created (a minter is set).
func (s *Service) Configured() bool { return s.minter != nil }

// Functions returns the function definitions sent to the agent.
func (s *Service) Functions() []Function { return append([]Function(nil), s.functions...) }

// Create starts a voice session for u, the caller's stored user (used as
// given, not read again). In order: u must not be nil (ENotFound); the burst
// and daily limits must allow it (ETooMany); an open session used within
// Config.StaleAfter blocks it (EConflict naming the session), an idle one is
// closed; the grant is minted (EUnavailable without a key
// or when Deepgram fails, and then nothing is stored); the session is stored
// with the stale one's closing in one transaction.
func (s *Service) Create(ctx context.Context, u *flux.User) (*SessionInfo, error) {
	if s.minter == nil {
		return nil, errNotConfigured()
	}
	if _, err := callerID(u); err != nil {
		return nil, err
	}
	unlock := s.creating.lock(u.ID)
	defer unlock()

	now := s.clock.Now()
	if ok, wait := s.burst.allow(u.ID, now); !ok {
		return nil, flux.WithRetryAfter(flux.Errorf(flux.ETooMany, "too many voice sessions started in a short time; try again in a few minutes"), wait)
	}
	open, today, err := s.recentSessions(ctx, u, now)
	if err != nil {
		return nil, err
	}
	if lim := s.cfg.DailySessionLimit; lim > 0 && today >= lim {
		l := now.In(u.Location())
		midnight := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, l.Location())
		return nil, flux.WithRetryAfter(flux.Errorf(flux.ETooMany, "you have started %d voice sessions today, the daily limit; it resets at midnight", lim), midnight.Sub(now))
	}
	var stale []string
	for _, c := range open {
		if now.Sub(lastActivity(&c)) < s.cfg.StaleAfter {
			return nil, flux.Errorf(flux.EConflict, "voice session %s is still open; close it before starting a new one", c.ID)
		}
		stale = append(stale, c.ID)
	}

	tok, err := s.minter.Mint(ctx)
	if err != nil {
		if flux.ErrorCode(err) == flux.EInternal {
			err = unavailable("could not get a voice token from Deepgram; try again later", err)
		}
		s.log.WarnContext(ctx, "voice: token mint failed", "user_id", u.ID, "err", err)
		return nil, err
	}

	tasks, refs, err := s.todayTasks(ctx, u, now)
	if err != nil {
		return nil, err
	}
	prompt, err := s.prompt.Render(NewPromptContext(u, now, tasks))
	if err != nil {
		return nil, fmt.Errorf("voice: %w", err)
	}
	data := &sessionData{Timezone: u.Location().String(), Refs: refs, NextRef: len(refs) + 1, Intents: map[string]*intentRecord{}}
	exp := tok.ExpiresAt
	data.TokenExpiresAt = &exp
	conv := &flux.Conversation{UserID: u.ID, Kind: flux.ConversationVoice, State: stateOpen, Data: data.encode()}
	create := func() error {
		return s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
			for _, id := range stale {
				if _, err := tx.Conversations().UpdateConversation(ctx, u.ID, id, s.closeFn(now, closedAsStale)); err != nil {
					return err
				}
			}
			c := *conv
			if err := tx.Conversations().CreateConversation(ctx, &c); err != nil {
				return err
			}
			*conv = c
			return nil
		})
	}
	err = create()
	if flux.IsCode(err, flux.EConflict) {
		// The store holds one open voice session per user: another one is
		// open, created meanwhile (by another fluxd on the same database)
		// or older than the scan above. A fresh one refuses; stale ones are
		// closed and the creation tried once more.
		if stale, err = s.staleOpenSessions(ctx, u.ID, now); err != nil {
			return nil, err
		}
		if err = create(); flux.IsCode(err, flux.EConflict) {
			err = flux.Errorf(flux.EConflict, "another voice session is open; close it before starting a new one")
		}
	}
	if err != nil {
		return nil, err
	}
	for _, id := range stale {
		s.log.InfoContext(ctx, "voice: closed stale session", "user_id", u.ID, "session_id", id)
	}
	s.log.InfoContext(ctx, "voice: session created", "user_id", u.ID, "session_id", conv.ID, "tasks", len(tasks))

	sc := SessionConfig{
		SystemPrompt: prompt, Functions: s.Functions(), VoiceModel: s.cfg.VoiceModel,
		ListenModel: s.cfg.ListenModel, LLMModel: s.cfg.LLMModel, Greeting: s.cfg.Greeting,
	}
	return &SessionInfo{
		SessionID: conv.ID, DeepgramToken: tok.AccessToken, Config: sc,
		Settings: NewSettings(sc, s.cfg.Language), TokenExpiresAt: tok.ExpiresAt,
	}, nil
}

// staleOpenSessions returns the ids of the user's open voice sessions, of
// any age, when all are stale at now; an open session used within
// Config.StaleAfter is an EConflict naming it.
func (s *Service) staleOpenSessions(ctx context.Context, userID string, now time.Time) ([]string, error) {
	var stale []string
	page := flux.Page{Limit: flux.MaxPageLimit}
	for {
		cs, next, err := s.store.Conversations().ListConversations(ctx, userID, flux.ConversationFilter{Kind: flux.ConversationVoice}, page)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if c.EndedAt != nil {
				continue
			}
			if now.Sub(lastActivity(&c)) < s.cfg.StaleAfter {
				return nil, flux.Errorf(flux.EConflict, "voice session %s is still open; close it before starting a new one", c.ID)
			}
			stale = append(stale, c.ID)
		}
		if next == "" {
			return stale, nil
		}
		page.Cursor = next
	}
}

// lastActivity is when a session was last used: created, written to, or
// changed by an intent.
func lastActivity(c *flux.Conversation) time.Time {
	t := c.CreatedAt
	if c.UpdatedAt.After(t) {
		t = c.UpdatedAt
	}
	if c.LastMessageAt != nil && c.LastMessageAt.After(t) {
		t = *c.LastMessageAt
	}
	return t
}

// sessionScan is how far back Create looks for open sessions: a session
// idle this long is stale under any sensible StaleAfter, and older ones no
// longer block.
const sessionScan = 24 * time.Hour

// recentSessions returns the user's open voice sessions of the last day
// (those that may still block a new one) and the number started since the
// user's local midnight.
func (s *Service) recentSessions(ctx context.Context, u *flux.User, now time.Time) (open []flux.Conversation, today int, err error) {
	loc := u.Location()
	l := now.In(loc)
	midnight := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	horizon := midnight
	if h := now.Add(-max(sessionScan, s.cfg.StaleAfter+time.Minute)); h.Before(horizon) {
		horizon = h
	}
	page := flux.Page{Limit: flux.MaxPageLimit}
	for {
		cs, next, err := s.store.Conversations().ListConversations(ctx, u.ID, flux.ConversationFilter{Kind: flux.ConversationVoice}, page)
		if err != nil {
			return nil, 0, err
		}
		for _, c := range cs {
			if c.CreatedAt.Before(horizon) {
				return open, today, nil
			}
			if !c.CreatedAt.Before(midnight) {
				today++
			}
			if c.EndedAt == nil {
				open = append(open, c)
			}
		}
		if next == "" {
			return open, today, nil
		}
		page.Cursor = next
	}
}

// todayTasks lists the user's open tasks scheduled today (local), with
// references T1, T2, ... in time order.
func (s *Service) todayTasks(ctx context.Context, u *flux.User, now time.Time) ([]PromptTask, map[string]string, error) {
	loc := u.Location()
	l := now.In(loc)
	from := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	to := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc)
	ts, _, err := s.store.Tasks().ListTasks(ctx, u.ID, flux.TaskFilter{
		From: &from, To: &to, Statuses: []flux.TaskStatus{flux.TaskPending, flux.TaskScheduled, flux.TaskDrifted},
	}, flux.Page{Limit: maxPromptTasks})
	if err != nil {
		return nil, nil, err
	}
	out := make([]PromptTask, 0, len(ts))
	refs := map[string]string{}
	for i, t := range ts {
		ref := fmt.Sprintf("T%d", i+1)
		refs[ref] = t.ID
		when := "no time set"
		if t.ScheduledAt != nil {
			at := t.ScheduledAt.In(loc)
			when = spokenClock(at.Hour(), at.Minute())
		}
		out = append(out, PromptTask{Ref: ref, Title: flux.OneLine(t.Title, maxPromptTitle), Time: when, Status: string(t.Status)})
	}
	return out, refs, nil
}

// callerID returns the id of u, the caller's stored user; a nil u is
// ENotFound, as an unknown user was when the methods took an id.
func callerID(u *flux.User) (string, error) {
	if u == nil {
		return "", flux.NotFound("user")
	}
	return u.ID, nil
}

// session returns the user's voice session id through st.
func session(ctx context.Context, st Stores, userID, id string) (*flux.Conversation, error) {
	c, err := st.Conversations().GetConversation(ctx, userID, strings.TrimSpace(id))
	if flux.IsCode(err, flux.ENotFound) || (err == nil && c.Kind != flux.ConversationVoice) {
		return nil, flux.NotFound("voice session")
	}
	return c, err
}

// closeFn ends a session at now, unless it has ended already.
func (s *Service) closeFn(now time.Time, reason string) func(*flux.Conversation) error {
	return func(c *flux.Conversation) error {
		if c.Kind != flux.ConversationVoice {
			return flux.NotFound("voice session")
		}
		if c.EndedAt != nil {
			return nil
		}
		d, err := decodeData(c.Data)
		if err != nil {
			return err
		}
		d.ClosedReason = reason
		end := now
		c.EndedAt = &end
		c.DurationSeconds = max(0, int(now.Sub(c.CreatedAt)/time.Second))
		c.State = stateClosed
		c.Data = d.encode()
		return nil
	}
}

// SaveMessage appends a transcript line to a session of u, the caller's
// stored user (nil is ENotFound). The session id, a known role and
// non-blank content are required (EInvalid listing each problem); content is
// at most MaxMessageRunes; a closed session answers EConflict; a session
// with MaxSessionMessages lines answers ETooMany.
func (s *Service) SaveMessage(ctx context.Context, u *flux.User, in MessageInput) (*SavedMessage, error) {
	var fs []flux.FieldError
	if strings.TrimSpace(in.SessionID) == "" {
		fs = append(fs, flux.FieldError{Field: "session_id", Message: "is required"})
	}
	if !flux.MessageRole(in.Role).Valid() {
		fs = append(fs, flux.FieldError{Field: "role", Message: "must be user, assistant, system or function"})
	}
	if strings.TrimSpace(in.Content) == "" {
		fs = append(fs, flux.FieldError{Field: "content", Message: "is required"})
	} else if utf8.RuneCountInString(in.Content) > MaxMessageRunes {
		fs = append(fs, flux.FieldError{Field: "content", Message: fmt.Sprintf("is longer than %d characters", MaxMessageRunes)})
	}
	fs = append(fs, flux.TextErrors("", &in)...)
	if len(fs) > 0 {
		return nil, flux.Invalid("invalid message", fs...)
	}
	userID, err := callerID(u)
	if err != nil {
		return nil, err
	}
	c, err := session(ctx, s.store, userID, in.SessionID)
	if err != nil {
		return nil, err
	}
	if c.EndedAt != nil {
		return nil, flux.Errorf(flux.EConflict, "the voice session is closed")
	}
	if c.MessageCount >= MaxSessionMessages {
		return nil, flux.Errorf(flux.ETooMany, "the voice session has reached %d messages; start a new one", MaxSessionMessages)
	}
	m := &flux.Message{
		UserID: c.UserID, ConversationID: c.ID, Role: flux.MessageRole(in.Role), Content: in.Content,
		Metadata: json.RawMessage(`{"input_modality":"voice"}`),
	}
	if err := s.store.Conversations().AddMessage(ctx, m); err != nil {
		return nil, err
	}
	return &SavedMessage{MessageID: m.ID, Status: "saved"}, nil
}

// Messages returns the whole transcript of a session of u, the caller's
// stored user (nil is ENotFound), oldest first.
func (s *Service) Messages(ctx context.Context, u *flux.User, sessionID string) (*Transcript, error) {
	userID, err := callerID(u)
	if err != nil {
		return nil, err
	}
	c, err := session(ctx, s.store, userID, sessionID)
	if err != nil {
		return nil, err
	}
	out := &Transcript{SessionID: c.ID, Messages: []MessageRecord{}}
	page := flux.Page{Limit: flux.MaxPageLimit}
	for {
		ms, next, err := s.store.Conversations().ListMessages(ctx, userID, c.ID, page)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			out.Messages = append(out.Messages, MessageRecord{ID: m.ID, Role: string(m.Role), Content: m.Content, CreatedAt: m.CreatedAt})
		}
		if next == "" {
			return out, nil
		}
		page.Cursor = next
	}
}

// Close ends a session of u, the caller's stored user (nil is ENotFound):
// it records the end time and the duration in whole seconds, and answers the
// message count. Closing a closed session answers the same without changing
// it.
func (s *Service) Close(ctx context.Context, u *flux.User, sessionID string) (*Closed, error) {
	userID, err := callerID(u)
	if err != nil {
		return nil, err
	}
	c, err := session(ctx, s.store, userID, sessionID)
	if err != nil {
		return nil, err
	}
	if c.EndedAt == nil {
		c, err = s.store.Conversations().UpdateConversation(ctx, userID, c.ID, s.closeFn(s.clock.Now(), closedByUser))
		if err != nil {
			return nil, err
		}
		s.log.InfoContext(ctx, "voice: session closed", "user_id", userID, "session_id", c.ID,
			"duration_seconds", c.DurationSeconds, "messages", c.MessageCount)
	}
	return &Closed{SessionID: c.ID, Status: "closed", MessageCount: c.MessageCount}, nil
}
