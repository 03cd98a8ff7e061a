package planner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fluxlife/flux"
)

// Limits of the Service's inputs, in characters.
const (
	MaxTitleRunes       = 500
	MaxDescriptionRunes = 5000
	MaxTimelineRunes    = 200
	MaxFeedbackRunes    = maxAnswerRunes
	// MaxMessageRunes bounds one message of the clarifying conversation.
	MaxMessageRunes = 4000
	// MaxTargetYears is how far ahead a goal's target date may be.
	MaxTargetYears = 10
)

// AgentModifyGoal is the agent node a goal modification answers with, as the
// original chat agent named it.
const AgentModifyGoal = "MODIFY_GOAL"

// saveAttempts bounds how often a conversation turn is re-run when another
// turn of the same conversation was saved while it was being computed.
const saveAttempts = 5

// TaskPlacer puts a goal's open tasks into the user's calendar. The
// scheduler implements it; the Service calls it after each plan it saves.
type TaskPlacer interface {
	PlaceGoal(ctx context.Context, u *flux.User, goalID string) error
}

// ServiceOptions configures a Service. A nil *ServiceOptions, like every
// zero field, means the documented default.
type ServiceOptions struct {
	// Clock reads the time of planning; the system clock when nil.
	Clock flux.Clock
	// Logger receives placement failures; slog.Default() when nil.
	Logger *slog.Logger
	// Placer, when set, schedules the tasks of every plan the Service
	// saves. A placement error is logged and never fails the save. When
	// nil, tasks stay unscheduled (pending).
	Placer TaskPlacer
}

// Service is the goal workflow over a flux.Store: it creates and plans
// goals, re-plans them with feedback, abandons and deletes them, and runs
// the clarifying Conversation, persisting it so that it survives a
// restart. Every multi-row change is one store transaction. It is safe for
// concurrent use.
type Service struct {
	store   Store
	planner Planner
	clock   flux.Clock
	log     *slog.Logger
	placer  TaskPlacer
}

// NewService returns a Service over store that plans with p (an Offline
// planner when p is nil).
func NewService(store Store, p Planner, opts *ServiceOptions) *Service {
	if opts == nil {
		opts = &ServiceOptions{}
	}
	s := &Service{store: store, planner: p, clock: opts.Clock, log: opts.Logger, placer: opts.Placer}
	if s.clock == nil {
		s.clock = flux.SystemClock{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.planner == nil {
		s.planner = &Offline{Clock: s.clock}
	}
	return s
}

// GoalDetail is a goal with its milestones (ordered by plan version and
// week) and its tasks (by time, unscheduled last).
type GoalDetail struct {
	Goal       flux.Goal
	Milestones []flux.Milestone
	Tasks      []flux.Task
}

// CreateGoalInput is a goal to create.
type CreateGoalInput struct {
	// Title is the goal in the user's words ("Run a 10k in 10 weeks").
	// Required, at most MaxTitleRunes characters.
	Title string
	// Description is free text kept with the goal.
	Description string
	// Timeline is the user's timing ("in 3 months"); the title is also
	// searched for one.
	Timeline string
	// TargetDate, when set, is the day to be done by; it wins over
	// Timeline. Only its calendar date counts. It must not be before the
	// user's today, nor more than MaxTargetYears ahead.
	TargetDate *time.Time
	// Plan plans the goal now: milestones and tasks are saved with it.
	Plan bool
}

// Validate checks the input against the user's today (now in loc) and
// returns an EInvalid error listing every problem.
func (in *CreateGoalInput) Validate(now time.Time, loc *time.Location) error {
	var fs []flux.FieldError
	add := func(field, msg string) { fs = append(fs, flux.FieldError{Field: field, Message: msg}) }
	switch title := strings.TrimSpace(in.Title); {
	case title == "":
		add("title", "is required")
	case utf8.RuneCountInString(title) > MaxTitleRunes:
		add("title", fmt.Sprintf("is longer than %d characters", MaxTitleRunes))
	}
	if utf8.RuneCountInString(in.Description) > MaxDescriptionRunes {
		add("description", fmt.Sprintf("is longer than %d characters", MaxDescriptionRunes))
	}
	if utf8.RuneCountInString(in.Timeline) > MaxTimelineRunes {
		add("timeline", fmt.Sprintf("is longer than %d characters", MaxTimelineRunes))
	}
	if in.TargetDate != nil {
		if loc == nil {
			loc = time.UTC
		}
		d := calendarDate(*in.TargetDate)
		y, m, dd := now.In(loc).Date()
		today := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
		switch {
		case d.Before(today):
			add("target_date", "must not be in the past")
		case d.After(today.AddDate(MaxTargetYears, 0, 0)):
			add("target_date", fmt.Sprintf("must be within %d years", MaxTargetYears))
		}
	}
	if len(fs) > 0 {
		return flux.Invalid("invalid goal", fs...)
	}
	return nil
}

// calendarDate returns midnight UTC of t's calendar date in t's own
// location, as flux.Goal.TargetDate keeps it.
func calendarDate(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// CreateGoal creates a goal for u. With in.Plan it is planned first and the
// goal, its milestones and tasks are saved in one transaction (then the
// Placer, if any, schedules the tasks); without, the goal is saved alone,
// with its category and horizon read from the title and timeline.
func (s *Service) CreateGoal(ctx context.Context, u *flux.User, in CreateGoalInput) (*GoalDetail, error) {
	now := s.clock.Now()
	if err := in.Validate(now, u.Location()); err != nil {
		return nil, err
	}
	title := strings.TrimSpace(in.Title)
	req := Request{Statement: title, Timeline: strings.TrimSpace(in.Timeline), Profile: ProfileFromUser(u), Now: now}
	if in.TargetDate != nil {
		d := calendarDate(*in.TargetDate)
		req.TargetDate = &d
	}
	base := flux.Goal{UserID: u.ID, Title: title, Description: strings.TrimSpace(in.Description), Status: flux.GoalActive}
	if !in.Plan {
		base.Category = ClassifyDomain(title)
		if req.TargetDate != nil || hasTimeline(req) {
			base.TargetWeeks, base.TargetDate = horizon(req)
		}
		if err := s.store.Goals().CreateGoal(ctx, &base); err != nil {
			return nil, fmt.Errorf("create goal: %w", err)
		}
		return &GoalDetail{Goal: base, Milestones: []flux.Milestone{}, Tasks: []flux.Task{}}, nil
	}
	p, err := s.planner.Plan(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("create goal: plan: %w", err)
	}
	gp := p.GoalPlan(base, now)
	if err := createGoalPlan(ctx, s.store.Goals(), gp); err != nil {
		return nil, fmt.Errorf("create goal: save plan: %w", err)
	}
	s.place(ctx, u, gp.Goal.ID)
	return s.Goal(ctx, u, gp.Goal.ID)
}

func hasTimeline(req Request) bool {
	for _, t := range []string{req.Timeline, req.Statement} {
		if _, _, ok := ParseTimeline(t, req.Now, req.Profile.Location()); ok {
			return true
		}
	}
	return false
}

// Goal returns one of u's goals with its milestones and tasks.
func (s *Service) Goal(ctx context.Context, u *flux.User, goalID string) (*GoalDetail, error) {
	g, err := s.store.Goals().GetGoal(ctx, u.ID, goalID)
	if err != nil {
		return nil, err
	}
	ms, err := s.store.Goals().ListMilestones(ctx, u.ID, goalID)
	if err != nil {
		return nil, err
	}
	if ms == nil {
		ms = []flux.Milestone{}
	}
	ts, err := s.listTasks(ctx, s.store, u.ID, flux.TaskFilter{GoalID: goalID})
	if err != nil {
		return nil, err
	}
	return &GoalDetail{Goal: *g, Milestones: ms, Tasks: ts}, nil
}

// ListGoals returns all of u's goals, newest first, in one of statuses
// (any status when empty).
func (s *Service) ListGoals(ctx context.Context, u *flux.User, statuses []flux.GoalStatus) ([]flux.Goal, error) {
	return allPages(func(p flux.Page) ([]flux.Goal, string, error) {
		return s.store.Goals().ListGoals(ctx, u.ID, flux.GoalFilter{Statuses: statuses}, p)
	})
}

// GoalTasks returns all tasks of one of u's goals by time, unscheduled
// last; ENotFound when the goal is not u's.
func (s *Service) GoalTasks(ctx context.Context, u *flux.User, goalID string) ([]flux.Task, error) {
	if _, err := s.store.Goals().GetGoal(ctx, u.ID, goalID); err != nil {
		return nil, err
	}
	return s.listTasks(ctx, s.store, u.ID, flux.TaskFilter{GoalID: goalID})
}

// DeleteGoal deletes one of u's goals with its milestones and tasks.
func (s *Service) DeleteGoal(ctx context.Context, u *flux.User, goalID string) error {
	return s.store.Goals().DeleteGoal(ctx, u.ID, goalID)
}

// Replan makes a new plan for one of u's goals, taking feedback (what to
// change; may be empty) into account, and installs it as the next plan
// version: open tasks are replaced, done and missed tasks stay. An
// abandoned or completed goal is EConflict, and so is a goal re-planned by
// someone else meanwhile.
func (s *Service) Replan(ctx context.Context, u *flux.User, goalID, feedback string) (*GoalDetail, error) {
	d, _, err := s.replan(ctx, u, goalID, feedback, "feedback")
	return d, err
}

func (s *Service) replan(ctx context.Context, u *flux.User, goalID, feedback, field string) (*GoalDetail, *Plan, error) {
	w, err := s.prepareReplan(ctx, u, goalID, feedback, field)
	if err != nil {
		return nil, nil, err
	}
	if err := s.store.Atomic(ctx, w.apply); err != nil {
		return nil, nil, fmt.Errorf("replan goal: %w", err)
	}
	s.place(ctx, u, goalID)
	d, err := s.Goal(ctx, u, goalID)
	return d, w.plan, err
}

// replanWork is a re-plan made and waiting to be installed.
type replanWork struct {
	userID, goalID string
	// version is the plan version the new plan replaces.
	version int
	gp      *flux.GoalPlan
	plan    *Plan
}

// prepareReplan makes a new plan for one of u's goals (see Replan) without
// storing anything: the planner may take a while, and a caller may install
// it in a transaction of its own (apply).
func (s *Service) prepareReplan(ctx context.Context, u *flux.User, goalID, feedback, field string) (*replanWork, error) {
	feedback = strings.TrimSpace(feedback)
	if utf8.RuneCountInString(feedback) > MaxFeedbackRunes {
		return nil, flux.Invalid("invalid "+field, flux.FieldError{Field: field, Message: fmt.Sprintf("is longer than %d characters", MaxFeedbackRunes)})
	}
	cur, err := s.Goal(ctx, u, goalID)
	if err != nil {
		return nil, err
	}
	if err := replannable(&cur.Goal); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	g := cur.Goal
	req := Request{Statement: g.Title, Feedback: feedback, Profile: ProfileFromUser(u), Now: now}
	elapsed := 0
	if d := now.Sub(g.CreatedAt); d > 0 {
		elapsed = int(d.Hours() / 24 / 7)
	}
	switch {
	case g.TargetDate != nil:
		td := *g.TargetDate
		req.TargetDate = &td
	case g.TargetWeeks-elapsed > 0:
		req.Timeline = fmt.Sprintf("in %d weeks", g.TargetWeeks-elapsed)
	}
	if feedback != "" {
		req.Previous = previousPlan(cur)
	}
	p, err := s.planner.Plan(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("replan goal: %w", err)
	}
	base := g
	base.PlanVersion = g.PlanVersion + 1
	gp := p.GoalPlan(base, now)
	if g.TargetDate == nil {
		// The horizon counts from the goal's creation, not from this plan.
		gp.Goal.TargetWeeks = min(elapsed+p.Weeks, 520)
	}
	return &replanWork{userID: u.ID, goalID: goalID, version: g.PlanVersion, gp: gp, plan: p}, nil
}

// apply installs the new plan through tx, unless the goal was re-planned
// meanwhile or is no longer active (EConflict).
func (w *replanWork) apply(ctx context.Context, tx flux.Stores) error {
	_, err := tx.Goals().UpdateGoal(ctx, w.userID, w.goalID, func(stored *flux.Goal) error {
		if stored.PlanVersion != w.version {
			return flux.Errorf(flux.EConflict, "the goal was re-planned meanwhile; try again")
		}
		return replannable(stored)
	})
	if err != nil {
		return err
	}
	return replacePlan(ctx, tx.Goals(), w.gp)
}

func replannable(g *flux.Goal) error {
	switch g.Status {
	case flux.GoalAbandoned, flux.GoalCompleted:
		return flux.Errorf(flux.EConflict, "the goal is %s; only an active goal can be re-planned", g.Status)
	}
	return nil
}

// previousPlan rebuilds the current plan version of a stored goal, for a
// re-plan request; nil when it has none.
func previousPlan(d *GoalDetail) *Plan {
	g := d.Goal
	p := &Plan{Title: g.Title, Category: g.Category, Weeks: max(g.TargetWeeks, MinWeeks), Sources: g.Sources, Planner: g.Planner}
	if g.TargetDate != nil {
		td := *g.TargetDate
		p.TargetDate = &td
	}
	byMilestone := map[string][]Task{}
	for _, t := range d.Tasks {
		rule := t.RecurrenceRule
		if i := strings.Index(strings.ToUpper(rule), ";UNTIL="); i >= 0 {
			rest := rule[i+1:]
			rule = rule[:i]
			if j := strings.Index(rest, ";"); j >= 0 {
				rule += rest[j:]
			}
		}
		byMilestone[t.MilestoneID] = append(byMilestone[t.MilestoneID], Task{
			Title: t.Title, Description: t.Description, DurationMinutes: t.DurationMinutes,
			Recurrence: rule, TimeOfDay: t.PreferredTime, Priority: t.Priority,
		})
	}
	for _, m := range d.Milestones {
		if m.PlanVersion != g.PlanVersion {
			continue
		}
		p.Milestones = append(p.Milestones, Milestone{Week: m.Week, Title: m.Title, Tasks: byMilestone[m.ID]})
	}
	if len(p.Milestones) == 0 {
		return nil
	}
	return p
}

// Abandon marks one of u's goals abandoned and cancels its open tasks
// (pending, scheduled, drifted) in one transaction; done and missed tasks
// stay. Abandoning an abandoned goal changes nothing; a completed goal is
// EConflict.
func (s *Service) Abandon(ctx context.Context, u *flux.User, goalID string) (*GoalDetail, error) {
	err := s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		_, err := tx.Goals().UpdateGoal(ctx, u.ID, goalID, func(g *flux.Goal) error {
			if g.Status == flux.GoalCompleted {
				return flux.Errorf(flux.EConflict, "the goal is completed; it cannot be abandoned")
			}
			g.Status = flux.GoalAbandoned
			return nil
		})
		if err != nil {
			return err
		}
		open, err := s.listTasks(ctx, tx, u.ID, flux.TaskFilter{GoalID: goalID,
			Statuses: []flux.TaskStatus{flux.TaskPending, flux.TaskScheduled, flux.TaskDrifted}})
		if err != nil {
			return err
		}
		for _, t := range open {
			if _, err := tx.Tasks().UpdateTask(ctx, u.ID, t.ID, func(t *flux.Task) error {
				if t.Status.Open() {
					t.Status = flux.TaskCancelled
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("abandon goal: %w", err)
	}
	return s.Goal(ctx, u, goalID)
}

// ProposedMilestone is one milestone of a modified plan as the chat
// response shows it (proposed_plan).
type ProposedMilestone struct {
	Week      int      `json:"week"`
	Milestone string   `json:"milestone"`
	Tasks     []string `json:"tasks"`
}

// ModifyReply is the answer to a conversational goal change, with the
// fields of the original ChatMessageResponse.
type ModifyReply struct {
	// Message is the assistant's reply.
	Message string
	// AgentNode is AgentModifyGoal.
	AgentNode string
	// ProposedPlan is the new plan, milestone by milestone.
	ProposedPlan []ProposedMilestone
	// RequiresUserAction is false: the change is applied.
	RequiresUserAction bool
	// Goal is the goal with its new plan.
	Goal *GoalDetail
}

// Modify applies a change asked for in words ("fewer sessions, and
// mornings instead") to one of u's goals: it re-plans with message as
// feedback, installs the new plan as Replan does, and answers in the shape
// of the chat agent.
func (s *Service) Modify(ctx context.Context, u *flux.User, goalID, message string) (*ModifyReply, error) {
	if strings.TrimSpace(message) == "" {
		return nil, flux.Invalid("invalid message", flux.FieldError{Field: "message", Message: "is required"})
	}
	d, p, err := s.replan(ctx, u, goalID, message, "message")
	if err != nil {
		return nil, err
	}
	r := &ModifyReply{AgentNode: AgentModifyGoal, Goal: d, ProposedPlan: make([]ProposedMilestone, 0, len(p.Milestones))}
	for _, m := range p.Legacy() {
		r.ProposedPlan = append(r.ProposedPlan, ProposedMilestone{Week: m.Week, Milestone: m.Title, Tasks: m.Tasks})
	}
	r.Message = fmt.Sprintf("Done! I've updated your plan for \"%s\": %d weeks, %d milestones, %d tasks.",
		d.Goal.Title, p.Weeks, len(p.Milestones), p.TaskCount())
	if p.Summary != "" {
		r.Message += " " + p.Summary
	}
	return r, nil
}

// ConversationReply is one turn of a stored clarifying conversation.
type ConversationReply struct {
	ConversationID string
	Turn           Turn
	// GoalID is the goal saved by this turn: set only on the turn that
	// confirmed the plan.
	GoalID string
}

// errStale reports that a conversation changed while a turn was computed.
var errStale = errors.New("planner service: conversation changed meanwhile")

// StartConversation starts a clarifying conversation for u with its first
// message and stores it (kind planner) with both messages.
func (s *Service) StartConversation(ctx context.Context, u *flux.User, message string) (*ConversationReply, error) {
	if err := checkMessage(message); err != nil {
		return nil, err
	}
	c := NewConversation(s.planner, s.clock, ProfileFromUser(u))
	turn, err := c.Start(ctx, message)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("start conversation: encode: %w", err)
	}
	row := &flux.Conversation{UserID: u.ID, Kind: flux.ConversationPlanner, State: string(turn.State), Data: data}
	err = s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		if err := tx.Conversations().CreateConversation(ctx, row); err != nil {
			return err
		}
		return addTurnMessages(ctx, tx, u.ID, row.ID, message, turn)
	})
	if err != nil {
		return nil, fmt.Errorf("start conversation: %w", err)
	}
	return &ConversationReply{ConversationID: row.ID, Turn: turn}, nil
}

// Respond runs the next turn of one of u's conversations and stores it.
// On the turn that confirms the plan, the goal, its milestones and tasks
// are saved together with the conversation's new state in one
// transaction, exactly once however many confirmations race; the reply
// then carries the goal's id. A turn computed while another turn of the
// same conversation was saved is computed again on the new state.
func (s *Service) Respond(ctx context.Context, u *flux.User, conversationID, message string) (*ConversationReply, error) {
	if err := checkMessage(message); err != nil {
		return nil, err
	}
	for range saveAttempts {
		row, c, err := s.load(ctx, u, conversationID)
		if err != nil {
			return nil, err
		}
		turn, err := c.Respond(ctx, message)
		if err != nil {
			return nil, err
		}
		data, err := json.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("respond: encode: %w", err)
		}
		var gp *flux.GoalPlan
		if turn.Confirmed && c.Plan != nil {
			gp = c.Plan.GoalPlan(flux.Goal{UserID: u.ID, Description: describeAnswers(c.Answers)}, s.clock.Now())
		}
		err = s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
			_, err := tx.Conversations().UpdateConversation(ctx, u.ID, conversationID, func(cur *flux.Conversation) error {
				if cur.State != row.State || !sameJSON(cur.Data, row.Data) {
					return errStale
				}
				cur.State = string(turn.State)
				cur.Data = data
				return nil
			})
			if err != nil {
				return err
			}
			if gp != nil {
				// The conversation row is locked: no other confirmation of
				// it gets here before this transaction ends. The goal must
				// exist before the conversation can name it.
				if err := createGoalPlan(ctx, tx.Goals(), gp); err != nil {
					return err
				}
				if _, err := tx.Conversations().UpdateConversation(ctx, u.ID, conversationID, func(cur *flux.Conversation) error {
					cur.GoalID = gp.Goal.ID
					return nil
				}); err != nil {
					return err
				}
			}
			return addTurnMessages(ctx, tx, u.ID, conversationID, message, turn)
		})
		if errors.Is(err, errStale) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("respond: %w", err)
		}
		r := &ConversationReply{ConversationID: conversationID, Turn: turn}
		if gp != nil {
			r.GoalID = gp.Goal.ID
			s.place(ctx, u, gp.Goal.ID)
		}
		return r, nil
	}
	return nil, flux.Errorf(flux.EConflict, "the conversation is busy with another message; try again")
}

// Conversation returns the current state of one of u's conversations: the
// last reply and the plan on offer, no suggestion and no goal id.
func (s *Service) Conversation(ctx context.Context, u *flux.User, conversationID string) (*ConversationReply, error) {
	_, c, err := s.load(ctx, u, conversationID)
	if err != nil {
		return nil, err
	}
	return &ConversationReply{ConversationID: conversationID, Turn: c.Current()}, nil
}

// load reads a stored planner conversation, ready to continue.
func (s *Service) load(ctx context.Context, u *flux.User, id string) (*flux.Conversation, *Conversation, error) {
	row, err := s.store.Conversations().GetConversation(ctx, u.ID, id)
	if err != nil {
		if flux.IsCode(err, flux.ENotFound) {
			return nil, nil, flux.NotFound("Conversation")
		}
		return nil, nil, err
	}
	if row.Kind != flux.ConversationPlanner {
		return nil, nil, flux.NotFound("Conversation")
	}
	var c Conversation
	if len(row.Data) == 0 || json.Unmarshal(row.Data, &c) != nil || c.State == "" {
		return nil, nil, &flux.Error{Code: flux.ENotFound, Message: "Conversation state corrupted or not found"}
	}
	c.Planner, c.Clock, c.Profile = s.planner, s.clock, ProfileFromUser(u)
	return row, &c, nil
}

func checkMessage(message string) error {
	if utf8.RuneCountInString(message) > MaxMessageRunes {
		return flux.Invalid("invalid message", flux.FieldError{Field: "message", Message: fmt.Sprintf("is longer than %d characters", MaxMessageRunes)})
	}
	return nil
}

// addTurnMessages stores the user's message (when not blank) and the
// assistant's reply.
func addTurnMessages(ctx context.Context, tx flux.Stores, userID, conversationID, message string, turn Turn) error {
	if strings.TrimSpace(message) != "" {
		if err := tx.Conversations().AddMessage(ctx, &flux.Message{
			UserID: userID, ConversationID: conversationID, Role: flux.RoleUser, Content: message,
		}); err != nil {
			return err
		}
	}
	meta, err := json.Marshal(map[string]any{"state": turn.State, "suggested_action": turn.SuggestedAction})
	if err != nil {
		return err
	}
	return tx.Conversations().AddMessage(ctx, &flux.Message{
		UserID: userID, ConversationID: conversationID, Role: flux.RoleAssistant, Content: turn.Message, Metadata: meta,
	})
}

// describeAnswers is the description of a goal made by the conversation.
func describeAnswers(a Answers) string {
	var b strings.Builder
	for _, kv := range [][2]string{
		{"Timeline", a.Timeline}, {"Starting point", a.CurrentState}, {"Target", a.Target}, {"Preferences", a.Preferences},
	} {
		if v := strings.TrimSpace(kv[1]); v != "" {
			fmt.Fprintf(&b, "%s: %s\n", kv[0], v)
		}
	}
	return strings.TrimSpace(b.String())
}

// sameJSON reports whether two JSON documents hold the same value.
func sameJSON(a, b json.RawMessage) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// place schedules a saved goal's tasks; a failure is logged only.
func (s *Service) place(ctx context.Context, u *flux.User, goalID string) {
	if s.placer == nil {
		return
	}
	if err := s.placer.PlaceGoal(ctx, u, goalID); err != nil {
		s.log.WarnContext(ctx, "placing the goal's tasks failed; they stay unscheduled",
			"user_id", u.ID, "goal_id", goalID, "error", err)
	}
}

// listTasks returns every task matching f, page by page.
func (s *Service) listTasks(ctx context.Context, st Stores, userID string, f flux.TaskFilter) ([]flux.Task, error) {
	return allPages(func(p flux.Page) ([]flux.Task, string, error) {
		return st.Tasks().ListTasks(ctx, userID, f, p)
	})
}

// allPages collects every page of a list.
func allPages[T any](fetch func(flux.Page) ([]T, string, error)) ([]T, error) {
	out := []T{}
	cursor := ""
	for {
		items, next, err := fetch(flux.Page{Limit: flux.MaxPageLimit, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" || len(items) == 0 {
			return out, nil
		}
		cursor = next
	}
}
