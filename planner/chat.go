package planner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fluxlife/flux"
)

// Agent nodes: what answered a chat message, as the original's orchestrator
// named its intents (agent_node of its ChatMessageResponse).
const (
	NodeOnboarding = "ONBOARDING"      // the first-run questions of a new user
	NodeGoal       = "GOAL"            // a new goal: the clarifying conversation and its plan
	NodeNewTask    = "NEW_TASK"        // a reminder or to-do in the user's words
	NodeReschedule = "RESCHEDULE_TASK" // moving one of the user's tasks
	NodeModifyGoal = AgentModifyGoal   // changing a saved goal's plan
	NodeClarify    = "CLARIFY"         // the message could not be placed: a question back
)

// Limits of the chat's reads.
const (
	// MaxChatHistory bounds the messages History returns.
	MaxChatHistory = 200
	// MaxChatConversations bounds the conversations one Conversations page
	// returns.
	MaxChatConversations = 50
	// maxRouteTasks and maxRouteGoals bound what a Router is shown.
	maxRouteTasks = 200
	maxRouteGoals = 50
	// maxChatScan bounds the conversations or messages read to sort or
	// window them.
	maxChatScan = 10000
	// previewRunes is the length of a conversation's preview.
	previewRunes = 80
)

// TaskScheduler places the tasks the chat creates and moves, inside the
// chat turn's own transaction (tx is the transaction's stores), so that a
// task, its slot and the messages that tell of it are stored together or
// not at all. *scheduler.Service implements it.
type TaskScheduler interface {
	// PlaceTaskIn schedules one of u's tasks at the best free slot of its
	// window; a task no slot fits comes back unscheduled, not as an error.
	PlaceTaskIn(ctx context.Context, tx flux.Stores, u *flux.User, taskID string) (*flux.Task, error)
	// MoveTaskIn puts one of u's tasks at start, refusing a past or busy
	// slot (EConflict).
	MoveTaskIn(ctx context.Context, tx flux.Stores, u *flux.User, taskID string, start time.Time) (*flux.Task, error)
}

// ChatOptions configures a Chat. A nil *ChatOptions, like every zero
// field, means the documented default.
type ChatOptions struct {
	// Router decides what each message asks for once the user is
	// onboarded; an OfflineRouter using Times when nil. An LLMRouter falls
	// back to an OfflineRouter on any failure.
	Router Router
	// Times understands time phrases ("tomorrow at 6pm", "every weekday at
	// 8"). When nil no phrase is understood: new tasks and moves are left
	// to the scheduler's choice of slot.
	Times TimeParser
	// Scheduler places new and moved tasks. When nil a task given an exact
	// time is kept at that time unchecked and any other stays unscheduled.
	Scheduler TaskScheduler
	// Logger receives routing fallbacks and placement failures; the
	// Service's logger when nil.
	Logger *slog.Logger
}

// Chat is the chat assistant of /api/v1/chat: it onboards a new user with
// a few questions that become their settings, then understands each
// message as a new goal (the clarifying Conversation and its plan, saved
// and scheduled once the user accepts it), a reminder or to-do in natural
// language, a move of one of their tasks, a change to one of their goals,
// or, when it cannot tell, answers with a question. Conversations and their
// messages are stored (kind chat), one transaction per message together
// with everything the message changed. It is safe for concurrent use.
type Chat struct {
	svc     *Service
	router  Router
	times   TimeParser
	sched   TaskScheduler
	log     *slog.Logger
	offline *OfflineRouter
}

// NewChat returns the chat assistant over the goal service svc (its store,
// planner, clock and placer).
func NewChat(svc *Service, opts *ChatOptions) *Chat {
	var o ChatOptions
	if opts != nil {
		o = *opts
	}
	c := &Chat{svc: svc, router: o.Router, times: o.Times, sched: o.Scheduler, log: o.Logger,
		offline: &OfflineRouter{Times: o.Times}}
	if c.log == nil {
		c.log = svc.log
	}
	if c.router == nil {
		c.router = c.offline
	}
	return c
}

// ChatReply is the answer to one chat message, with the fields of the
// original ChatMessageResponse.
type ChatReply struct {
	ConversationID string `json:"conversation_id"`
	// Message is the assistant's reply.
	Message string `json:"message"`
	// AgentNode says what answered: one of the Node* constants.
	AgentNode string `json:"agent_node"`
	// ProposedPlan is the plan on offer, milestone by milestone, while a
	// new goal's plan waits for acceptance, or the new plan of a modified
	// goal; nil otherwise.
	ProposedPlan []ProposedMilestone `json:"proposed_plan"`
	// RequiresUserAction is true while a plan waits for the user's "OK".
	RequiresUserAction bool `json:"requires_user_action"`
	// GoalID is the goal this message saved or changed, if any.
	GoalID string `json:"-"`
	// TaskID is the task this message created or moved, if any.
	TaskID string `json:"-"`
}

// chatState is a chat conversation's progress, stored in
// flux.Conversation.Data.
type chatState struct {
	// Preview is the conversation's first user message, shortened.
	Preview string `json:"preview,omitempty"`
	// Onboarding holds the answers so far while the user is onboarded.
	Onboarding *onboarding `json:"onboarding,omitempty"`
	// Goal is a goal's clarifying conversation in progress.
	Goal *Conversation `json:"goal,omitempty"`
	// Pending is a question about a task that the next message may answer.
	Pending *pendingAsk `json:"pending,omitempty"`
	// GoalID is the goal this conversation last saved or changed.
	GoalID string `json:"goal_id,omitempty"`
}

// stateName is what flux.Conversation.State says of s.
func (s *chatState) stateName() string {
	switch {
	case s.Onboarding != nil:
		return NodeOnboarding + ":" + s.Onboarding.Step
	case s.Goal != nil:
		return NodeGoal + ":" + string(s.Goal.state())
	case s.Pending != nil:
		return "ASK:" + s.Pending.Kind
	}
	return "IDLE"
}

// chatTurn is what one message does: the reply, and the writes that go
// into the message's transaction.
type chatTurn struct {
	node   string
	reply  string
	plan   []ProposedMilestone
	action bool
	goalID string
	taskID string
	// write runs inside the transaction, after the conversation is saved
	// and before the messages are; it may change the reply. An error rolls
	// everything back.
	write func(ctx context.Context, tx flux.Stores, t *chatTurn) error
	// after runs once the transaction has committed.
	after func(ctx context.Context)
}

// chatMeta is the metadata of an assistant message.
type chatMeta struct {
	AgentNode          string              `json:"agent_node"`
	ProposedPlan       []ProposedMilestone `json:"proposed_plan,omitempty"`
	RequiresUserAction bool                `json:"requires_user_action,omitempty"`
}

// Send handles one message of u in the chat conversation conversationID,
// or in a new conversation when it is empty, and stores both messages with
// the conversation's new state and everything the message changed in one
// transaction. A conversation that is not one of u's chats is ENotFound; a
// blank message or one over MaxMessageRunes characters is EInvalid. A
// message computed while another message of the same conversation was
// stored is computed again on the new state.
func (c *Chat) Send(ctx context.Context, u *flux.User, conversationID, message string) (*ChatReply, error) {
	msg := strings.TrimSpace(message)
	if msg == "" {
		return nil, flux.Invalid("invalid message", flux.FieldError{Field: "message", Message: "is required"})
	}
	if err := checkMessage(msg); err != nil {
		return nil, err
	}
	store := c.svc.store
	for range saveAttempts {
		user, err := store.Users().GetUser(ctx, u.ID)
		if err != nil {
			return nil, fmt.Errorf("chat: %w", err)
		}
		var row *flux.Conversation
		st := &chatState{}
		if conversationID != "" {
			if row, st, err = c.load(ctx, user.ID, conversationID); err != nil {
				return nil, err
			}
		}
		t, err := c.turn(ctx, user, st, msg)
		if err != nil {
			return nil, err
		}
		if st.Preview == "" {
			st.Preview = clipRunes(msg, previewRunes)
		}
		if t.goalID != "" {
			st.GoalID = t.goalID
		}
		data, err := json.Marshal(st)
		if err != nil {
			return nil, fmt.Errorf("chat: encode state: %w", err)
		}
		id := conversationID
		err = store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
			if row == nil {
				conv := &flux.Conversation{UserID: user.ID, Kind: flux.ConversationChat, State: st.stateName(), Data: data}
				if err := tx.Conversations().CreateConversation(ctx, conv); err != nil {
					return err
				}
				id = conv.ID
			} else if _, err := tx.Conversations().UpdateConversation(ctx, user.ID, id, func(cur *flux.Conversation) error {
				if cur.State != row.State || !sameJSON(cur.Data, row.Data) {
					return errStale
				}
				cur.State, cur.Data = st.stateName(), data
				return nil
			}); err != nil {
				return err
			}
			if t.write != nil {
				if err := t.write(ctx, tx, t); err != nil {
					return err
				}
			}
			if t.goalID != "" && (row == nil || row.GoalID != t.goalID) {
				// The goal exists by now: the conversation may name it.
				if _, err := tx.Conversations().UpdateConversation(ctx, user.ID, id, func(cur *flux.Conversation) error {
					cur.GoalID = t.goalID
					return nil
				}); err != nil {
					return err
				}
			}
			return c.addMessages(ctx, tx, user.ID, id, msg, t)
		})
		if errors.Is(err, errStale) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("chat: %w", err)
		}
		if t.after != nil {
			t.after(ctx)
		}
		return &ChatReply{ConversationID: id, Message: t.reply, AgentNode: t.node, ProposedPlan: t.plan,
			RequiresUserAction: t.action, GoalID: t.goalID, TaskID: t.taskID}, nil
	}
	return nil, flux.Errorf(flux.EConflict, "the conversation is busy with another message; try again")
}

// addMessages stores the user's message and the assistant's reply.
func (c *Chat) addMessages(ctx context.Context, tx flux.Stores, userID, conversationID, msg string, t *chatTurn) error {
	if err := tx.Conversations().AddMessage(ctx, &flux.Message{
		UserID: userID, ConversationID: conversationID, Role: flux.RoleUser, Content: msg,
	}); err != nil {
		return err
	}
	meta, err := json.Marshal(chatMeta{AgentNode: t.node, ProposedPlan: t.plan, RequiresUserAction: t.action})
	if err != nil {
		return err
	}
	return tx.Conversations().AddMessage(ctx, &flux.Message{
		UserID: userID, ConversationID: conversationID, Role: flux.RoleAssistant, Content: t.reply, Metadata: meta,
	})
}

// load reads one of the user's chat conversations and its state.
func (c *Chat) load(ctx context.Context, userID, id string) (*flux.Conversation, *chatState, error) {
	row, err := c.svc.store.Conversations().GetConversation(ctx, userID, id)
	if err != nil {
		if flux.IsCode(err, flux.ENotFound) {
			return nil, nil, flux.NotFound("Conversation")
		}
		return nil, nil, fmt.Errorf("chat: %w", err)
	}
	if row.Kind != flux.ConversationChat {
		return nil, nil, flux.NotFound("Conversation")
	}
	st := &chatState{}
	if len(row.Data) > 0 {
		if err := json.Unmarshal(row.Data, st); err != nil {
			return nil, nil, &flux.Error{Code: flux.ENotFound, Message: "Conversation state corrupted or not found", Err: err}
		}
	}
	if st.Goal != nil {
		st.Goal.Planner, st.Goal.Clock = c.svc.planner, c.svc.clock
	}
	return row, st, nil
}

// turn decides what msg does, without writing anything.
func (c *Chat) turn(ctx context.Context, u *flux.User, st *chatState, msg string) (*chatTurn, error) {
	if !u.Onboarded {
		return c.onboard(u, st, msg), nil
	}
	st.Onboarding = nil
	if st.Goal != nil {
		st.Goal.Profile = ProfileFromUser(u)
	}
	in, err := c.routeInput(ctx, u, st, msg)
	if err != nil {
		return nil, err
	}
	if st.Pending != nil {
		p := st.Pending
		st.Pending = nil
		t, ok, err := c.resume(ctx, u, st, p, in)
		if err != nil {
			return nil, err
		}
		if ok {
			return t, nil
		}
	}
	intent, err := c.router.Route(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("chat: route: %w", err)
	}
	if st.Goal != nil && (intent.Node == NodeGoal || intent.Node == NodeClarify) {
		return c.goalTurn(ctx, u, st, msg)
	}
	switch intent.Node {
	case NodeGoal:
		st.Goal = NewConversation(c.svc.planner, c.svc.clock, ProfileFromUser(u))
		return c.goalTurn(ctx, u, st, cmpOr(strings.TrimSpace(intent.Goal), msg))
	case NodeNewTask:
		return c.newTask(u, st, in, intent), nil
	case NodeReschedule:
		return c.reschedule(u, st, in, intent), nil
	case NodeModifyGoal:
		return c.modifyGoal(ctx, u, st, in, intent)
	}
	q := strings.TrimSpace(intent.Question)
	if q == "" {
		q = clarifyText
	}
	return &chatTurn{node: NodeClarify, reply: q}, nil
}

// clarifyText is the reply to a message that could not be placed.
const clarifyText = "Could you clarify what you mean? I can help you reach a goal (\"I want to run a 10k in 10 weeks\"), " +
	"add a reminder (\"remind me to call mom tomorrow at 6pm\"), move a task (\"move my run to Friday evening\"), " +
	"or change a goal's plan (\"make my running plan easier\")."

// routeInput gathers what a Router needs: the user's open tasks and active
// goals, the last messages, and whether a goal is being discussed.
func (c *Chat) routeInput(ctx context.Context, u *flux.User, st *chatState, msg string) (RouteInput, error) {
	now := c.svc.clock.Now()
	in := RouteInput{Message: msg, Now: now, Location: u.Location(), GoalDraft: st.Goal != nil, ConversationGoalID: st.GoalID}
	if sw := u.SleepWindow; sw.Start != sw.End {
		in.Sleep = &sw
	}
	tasks, _, err := c.svc.store.Tasks().ListTasks(ctx, u.ID, flux.TaskFilter{Statuses: []flux.TaskStatus{flux.TaskPending, flux.TaskScheduled, flux.TaskDrifted}},
		flux.Page{Limit: maxRouteTasks})
	if err != nil {
		return in, fmt.Errorf("chat: %w", err)
	}
	goals, _, err := c.svc.store.Goals().ListGoals(ctx, u.ID, flux.GoalFilter{Statuses: []flux.GoalStatus{flux.GoalActive}}, flux.Page{Limit: maxRouteGoals})
	if err != nil {
		return in, fmt.Errorf("chat: %w", err)
	}
	in.Tasks, in.Goals = tasks, goals
	return in, nil
}

// goalTurn runs one message of the goal's clarifying conversation: it
// asks, plans, re-plans, or, on the user's acceptance, saves the goal with
// its milestones and tasks (scheduled once the message is stored).
func (c *Chat) goalTurn(ctx context.Context, u *flux.User, st *chatState, msg string) (*chatTurn, error) {
	conv := st.Goal
	if cancelRe.MatchString(strings.ToLower(msg)) {
		st.Goal = nil
		return &chatTurn{node: NodeGoal, reply: "OK, I've dropped that plan. What would you like to do instead?"}, nil
	}
	var (
		turn Turn
		err  error
	)
	if conv.state() == StateIdle && conv.Answers.Goal == "" {
		turn, err = conv.Start(ctx, msg)
	} else {
		turn, err = conv.Respond(ctx, msg)
	}
	if err != nil {
		return nil, fmt.Errorf("chat: goal: %w", err)
	}
	t := &chatTurn{node: NodeGoal, reply: turn.Message}
	if turn.Confirmed && conv.Plan != nil {
		st.Goal = nil
		gp := conv.Plan.GoalPlan(flux.Goal{UserID: u.ID, Description: describeAnswers(conv.Answers)}, c.svc.clock.Now())
		t.goalID = gp.Goal.ID
		n := len(gp.Tasks)
		t.reply = fmt.Sprintf("%s\n\nI saved \"%s\" with %d milestones and %d tasks.", turn.Message, gp.Goal.Title, len(gp.Milestones), n)
		t.write = func(ctx context.Context, tx flux.Stores, _ *chatTurn) error {
			return createGoalPlan(ctx, tx.Goals(), gp)
		}
		t.after = func(ctx context.Context) { c.svc.place(ctx, u, gp.Goal.ID) }
		return t, nil
	}
	if turn.State == StateConfirmed {
		st.Goal = nil
	}
	if turn.State == StateAwaitingConfirmation && turn.Plan != nil {
		t.plan = proposed(turn.Plan)
		t.action = true
	}
	return t, nil
}

// proposed returns a plan as the chat shows it.
func proposed(p *Plan) []ProposedMilestone {
	out := make([]ProposedMilestone, 0, len(p.Milestones))
	for _, m := range p.Legacy() {
		out = append(out, ProposedMilestone{Week: m.Week, Milestone: m.Title, Tasks: m.Tasks})
	}
	return out
}

// modifyGoal re-plans one of the user's goals with the message as the
// change asked for; the new plan is installed in the message's
// transaction and scheduled after it.
func (c *Chat) modifyGoal(ctx context.Context, u *flux.User, st *chatState, in RouteInput, intent Intent) (*chatTurn, error) {
	g := pickGoal(in, intent.GoalID)
	if g == nil {
		return &chatTurn{node: NodeModifyGoal, reply: "You don't have an active goal to change yet. Tell me about a goal you'd like to reach, and I'll make a plan for it."}, nil
	}
	change := cmpOr(strings.TrimSpace(intent.Change), in.Message)
	w, err := c.svc.prepareReplan(ctx, u, g.ID, change, "message")
	if err != nil {
		if flux.IsCode(err, flux.EConflict) || flux.IsCode(err, flux.ENotFound) {
			return &chatTurn{node: NodeModifyGoal, reply: "I couldn't change \"" + g.Title + "\": " + flux.ErrorMessage(err) + "."}, nil
		}
		return nil, fmt.Errorf("chat: modify goal: %w", err)
	}
	p := w.plan
	t := &chatTurn{node: NodeModifyGoal, goalID: g.ID, plan: proposed(p)}
	t.reply = fmt.Sprintf("Done! I've updated your plan for \"%s\": %d weeks, %d milestones, %d tasks.", g.Title, p.Weeks, len(p.Milestones), p.TaskCount())
	if p.Summary != "" {
		t.reply += " " + p.Summary
	}
	t.write = func(ctx context.Context, tx flux.Stores, _ *chatTurn) error { return w.apply(ctx, tx) }
	t.after = func(ctx context.Context) { c.svc.place(ctx, u, g.ID) }
	return t, nil
}

// pickGoal returns the goal a change is about: the one named by id, else
// the one the conversation made, else the newest active goal.
func pickGoal(in RouteInput, id string) *flux.Goal {
	for _, want := range []string{id, in.ConversationGoalID} {
		for i := range in.Goals {
			if want != "" && in.Goals[i].ID == want {
				return &in.Goals[i]
			}
		}
	}
	if len(in.Goals) > 0 {
		return &in.Goals[0]
	}
	return nil
}

// ChatMessage is one stored message of a chat conversation.
type ChatMessage struct {
	ID      string `json:"id"`
	Role    string `json:"role"`
	Content string `json:"content"`
	// AgentNode is what answered, on assistant messages; empty on the
	// user's.
	AgentNode string `json:"agent_node"`
	// ProposedPlan is the plan the message offered, if any.
	ProposedPlan []ProposedMilestone `json:"proposed_plan"`
	CreatedAt    time.Time           `json:"created_at"`
}

// ChatHistory is the end of one chat conversation.
type ChatHistory struct {
	// ConversationID is empty when the user has no chat conversation.
	ConversationID string
	// Messages are the last messages, oldest first.
	Messages []ChatMessage
}

// History returns the last limit messages (MaxChatHistory at most, 50 when
// limit is 0 or less) of one of u's chat conversations, oldest first, or
// of their most recent one when conversationID is empty (an empty history
// when they have none). A conversation that is not one of u's chats is
// ENotFound.
func (c *Chat) History(ctx context.Context, u *flux.User, conversationID string, limit int) (*ChatHistory, error) {
	if limit <= 0 {
		limit = flux.DefaultPageLimit
	}
	limit = min(limit, MaxChatHistory)
	if conversationID == "" {
		convs, err := c.sortedConversations(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		if len(convs) == 0 {
			return &ChatHistory{Messages: []ChatMessage{}}, nil
		}
		conversationID = convs[0].ID
	} else if _, _, err := c.load(ctx, u.ID, conversationID); err != nil {
		return nil, err
	}
	msgs, err := allPages(func(p flux.Page) ([]flux.Message, string, error) {
		return c.svc.store.Conversations().ListMessages(ctx, u.ID, conversationID, p)
	})
	if err != nil {
		return nil, fmt.Errorf("chat history: %w", err)
	}
	if len(msgs) > limit {
		msgs = msgs[len(msgs)-limit:]
	}
	out := &ChatHistory{ConversationID: conversationID, Messages: make([]ChatMessage, 0, len(msgs))}
	for _, m := range msgs {
		cm := ChatMessage{ID: m.ID, Role: string(m.Role), Content: m.Content, CreatedAt: m.CreatedAt}
		var meta chatMeta
		if m.Role == flux.RoleAssistant && len(m.Metadata) > 0 && json.Unmarshal(m.Metadata, &meta) == nil {
			cm.AgentNode, cm.ProposedPlan = meta.AgentNode, meta.ProposedPlan
		}
		out.Messages = append(out.Messages, cm)
	}
	return out, nil
}

// ChatConversation is one chat conversation in a list.
type ChatConversation struct {
	ID            string     `json:"id"`
	LastMessageAt *time.Time `json:"last_message_at"`
	CreatedAt     time.Time  `json:"created_at"`
	// Preview is the first user message, at most 80 characters.
	Preview string `json:"preview"`
}

// Conversations returns one page of u's chat conversations, the most
// recently active first (last message, then creation, then id, all
// descending), and the cursor of the next page ("" after the last). A
// page holds p.Limit conversations, 20 when it is 0 or less, at most
// MaxChatConversations; a cursor this method did not issue is EInvalid.
func (c *Chat) Conversations(ctx context.Context, u *flux.User, p flux.Page) ([]ChatConversation, string, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, MaxChatConversations)
	var after *flux.Cursor
	if p.Cursor != "" {
		cur, err := flux.DecodeCursor(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		after = &cur
	}
	convs, err := c.sortedConversations(ctx, u.ID)
	if err != nil {
		return nil, "", err
	}
	start := 0
	if after != nil {
		start = sort.Search(len(convs), func(i int) bool { return activityBefore(convs[i], after.Time, after.ID) })
	}
	out := []ChatConversation{}
	for i := start; i < len(convs) && len(out) < limit; i++ {
		cv := convs[i]
		var st chatState
		_ = json.Unmarshal(cv.Data, &st) // a corrupt state only loses the preview
		out = append(out, ChatConversation{ID: cv.ID, LastMessageAt: cv.LastMessageAt, CreatedAt: cv.CreatedAt, Preview: st.Preview})
	}
	next := ""
	if end := start + len(out); end < len(convs) && len(out) > 0 {
		last := convs[end-1]
		next = flux.EncodeCursor(flux.Cursor{Time: lastActivity(last), ID: last.ID})
	}
	return out, next, nil
}

// sortedConversations returns the user's chat conversations, most recently
// active first.
func (c *Chat) sortedConversations(ctx context.Context, userID string) ([]flux.Conversation, error) {
	var convs []flux.Conversation
	cursor := ""
	for {
		page, next, err := c.svc.store.Conversations().ListConversations(ctx, userID,
			flux.ConversationFilter{Kind: flux.ConversationChat}, flux.Page{Limit: flux.MaxPageLimit, Cursor: cursor})
		if err != nil {
			return nil, fmt.Errorf("chat conversations: %w", err)
		}
		convs = append(convs, page...)
		if next == "" || len(page) == 0 || len(convs) >= maxChatScan {
			break
		}
		cursor = next
	}
	sort.SliceStable(convs, func(i, j int) bool {
		return activityBefore(convs[j], lastActivity(convs[i]), convs[i].ID)
	})
	return convs, nil
}

// lastActivity is when a conversation last had a message, else when it
// was created.
func lastActivity(c flux.Conversation) time.Time {
	if c.LastMessageAt != nil {
		return *c.LastMessageAt
	}
	return c.CreatedAt
}

// activityBefore reports whether c comes after the position (t, id) in the
// most-recent-first order.
func activityBefore(c flux.Conversation, t time.Time, id string) bool {
	a := lastActivity(c)
	if !a.Equal(t) {
		return a.Before(t)
	}
	return c.ID < id
}

// clipRunes shortens s to n characters, ending in "…" when cut.
func clipRunes(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n-1])) + "…"
}
