package planner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/fluxtest/openaifake"
	"github.com/fluxlife/flux/planner"
	"github.com/fluxlife/flux/planner/openai"
	"github.com/fluxlife/flux/store/postgres/pgtest"
	"github.com/fluxlife/flux/store/sqlite"
	"github.com/google/go-cmp/cmp"
)

// serviceNow is a Monday morning.
var serviceNow = time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)

type serviceEnv struct {
	t     *testing.T
	path  string
	clock *fluxtest.Clock
	store flux.Store
	svc   *planner.Service
	user  *flux.User
	other *flux.User
}

func openSQLite(t *testing.T, path string, clock flux.Clock) flux.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path, &sqlite.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newServiceEnv(t *testing.T, opts *planner.ServiceOptions) *serviceEnv {
	t.Helper()
	e := &serviceEnv{t: t, path: filepath.Join(t.TempDir(), "flux.db"), clock: fluxtest.NewClock(serviceNow)}
	e.store = openSQLite(t, e.path, e.clock)
	e.setup(opts)
	return e
}

func (e *serviceEnv) setup(opts *planner.ServiceOptions) {
	e.t.Helper()
	var o planner.ServiceOptions
	if opts != nil {
		o = *opts
	}
	o.Clock = e.clock
	e.svc = planner.NewService(e.store, nil, &o)
	e.user = e.newUser("alice@example.com")
	e.other = e.newUser("bob@example.com")
}

func (e *serviceEnv) newUser(email string) *flux.User {
	e.t.Helper()
	u := flux.NewUser(flux.NewID(), email, strings.Split(email, "@")[0])
	if err := e.store.Users().CreateUser(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *serviceEnv) create(title string) *planner.GoalDetail {
	e.t.Helper()
	d, err := e.svc.CreateGoal(context.Background(), e.user, planner.CreateGoalInput{Title: title, Plan: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func (e *serviceEnv) setStatus(taskID string, st flux.TaskStatus) {
	e.t.Helper()
	if _, err := e.store.Tasks().UpdateTask(context.Background(), e.user.ID, taskID, func(t *flux.Task) error {
		t.Status = st
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
}

// checkPlanShape checks what every saved plan must satisfy.
func checkPlanShape(t *testing.T, d *planner.GoalDetail, milestones int) {
	t.Helper()
	if len(d.Milestones) != milestones {
		t.Fatalf("%d milestones, want %d", len(d.Milestones), milestones)
	}
	per := map[string]int{}
	for i := range d.Tasks {
		task := &d.Tasks[i]
		if err := task.Validate(); err != nil {
			t.Errorf("task %q: %v", task.Title, err)
		}
		if task.GoalID != d.Goal.ID || task.UserID != d.Goal.UserID || task.Status != flux.TaskPending {
			t.Errorf("task %q: goal %q user %q status %q", task.Title, task.GoalID, task.UserID, task.Status)
		}
		if task.AllowWorkHours != (d.Goal.Category == planner.DomainCareer) {
			t.Errorf("task %q: allow_work_hours %v for a %s goal", task.Title, task.AllowWorkHours, d.Goal.Category)
		}
		per[task.MilestoneID]++
	}
	for _, m := range d.Milestones {
		if n := per[m.ID]; n < planner.MinTasks || n > planner.MaxTasks {
			t.Errorf("milestone %d %q has %d tasks", m.Week, m.Title, n)
		}
	}
}

func TestServiceCreateGoal(t *testing.T) {
	t.Parallel()
	e := newServiceEnv(t, nil)
	ctx := context.Background()

	d := e.create("Run a 10k in 10 weeks")
	g := d.Goal
	if g.Category != planner.DomainRunning || g.Status != flux.GoalActive || g.TargetWeeks != 10 || g.PlanVersion != 1 ||
		g.Planner != planner.NameOffline || g.Title != "Run a 10k in 10 weeks" || g.UserID != e.user.ID {
		t.Errorf("goal = %+v", g)
	}
	checkPlanShape(t, d, 10)
	for i, m := range d.Milestones {
		if m.Week != i+1 || m.PlanVersion != 1 || m.Status != flux.MilestonePending {
			t.Errorf("milestone %d = %+v", i, m)
		}
	}

	// Read back, the same.
	got, err := e.svc.Goal(ctx, e.user, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(d, got); diff != "" {
		t.Errorf("Goal differs from CreateGoal (-create +get):\n%s", diff)
	}

	// Without a plan: category and horizon from the words, nothing else.
	np, err := e.svc.CreateGoal(ctx, e.user, planner.CreateGoalInput{Title: "Save money", Description: "for a bike", Timeline: "in 3 months"})
	if err != nil {
		t.Fatal(err)
	}
	if np.Goal.Category != planner.DomainMoney || np.Goal.TargetWeeks != 13 || np.Goal.PlanVersion != 0 || np.Goal.Planner != "" ||
		np.Goal.Description != "for a bike" || len(np.Milestones) != 0 || len(np.Tasks) != 0 {
		t.Errorf("goal without plan = %+v", np)
	}
	if ts, err := e.svc.GoalTasks(ctx, e.user, np.Goal.ID); err != nil || len(ts) != 0 {
		t.Errorf("tasks of a goal without plan = %v, %v", ts, err)
	}
	goals, err := e.svc.ListGoals(ctx, e.user, nil)
	if err != nil || len(goals) != 2 || goals[0].ID != np.Goal.ID {
		t.Errorf("ListGoals = %v, %v", goals, err)
	}
	if goals, err := e.svc.ListGoals(ctx, e.other, nil); err != nil || len(goals) != 0 {
		t.Errorf("another user's ListGoals = %v, %v", goals, err)
	}
}

func TestServiceDoneWhenGoals(t *testing.T) {
	t.Parallel()
	e := newServiceEnv(t, nil)
	ctx := context.Background()

	es := e.create("Learn conversational Spanish by 2027-03-01")
	if es.Goal.Category != planner.DomainLanguage {
		t.Fatalf("Spanish goal category = %q", es.Goal.Category)
	}
	if es.Goal.TargetDate == nil || !es.Goal.TargetDate.Equal(time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("target date = %v", es.Goal.TargetDate)
	}
	checkPlanShape(t, es, len(es.Milestones))
	if n := len(es.Milestones); n < 1 || n > planner.MaxWeeklyMilestones {
		t.Errorf("%d milestones", n)
	}
	all := ""
	for _, task := range es.Tasks {
		all += " " + strings.ToLower(task.Title+" "+task.Description)
	}
	if !strings.Contains(all, "spanish") {
		t.Errorf("no task mentions Spanish: %s", all)
	}
	for _, w := range []string{" run ", "gym", "push-up", "cardio"} {
		if strings.Contains(all, w) {
			t.Errorf("a fitness word %q in the language plan: %s", w, all)
		}
	}

	// A target date given apart from the title wins over the title's.
	td := time.Date(2026, 7, 13, 15, 0, 0, 0, time.FixedZone("X", 5*3600))
	d, err := e.svc.CreateGoal(ctx, e.user, planner.CreateGoalInput{Title: "Run a half marathon", TargetDate: &td, Plan: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Goal.TargetDate == nil || d.Goal.TargetDate.Format(time.DateOnly) != "2026-07-13" || d.Goal.TargetWeeks != 10 {
		t.Errorf("target date %v, weeks %d", d.Goal.TargetDate, d.Goal.TargetWeeks)
	}
}

func TestServiceCreateGoalInvalid(t *testing.T) {
	t.Parallel()
	e := newServiceEnv(t, nil)
	ctx := context.Background()
	past := serviceNow.AddDate(0, 0, -1)
	far := serviceNow.AddDate(11, 0, 0)
	today := serviceNow
	for _, tc := range []struct {
		name   string
		in     planner.CreateGoalInput
		fields []string
	}{
		{"empty title", planner.CreateGoalInput{Title: "  ", Plan: true}, []string{"title"}},
		{"long title", planner.CreateGoalInput{Title: strings.Repeat("x", 501)}, []string{"title"}},
		{"past date", planner.CreateGoalInput{Title: "Read", TargetDate: &past}, []string{"target_date"}},
		{"far date", planner.CreateGoalInput{Title: "Read", TargetDate: &far, Plan: true}, []string{"target_date"}},
		{"everything", planner.CreateGoalInput{Description: strings.Repeat("d", 5001), Timeline: strings.Repeat("t", 201), TargetDate: &past},
			[]string{"title", "description", "timeline", "target_date"}},
	} {
		_, err := e.svc.CreateGoal(ctx, e.user, tc.in)
		var fe *flux.Error
		if !errors.As(err, &fe) || fe.Code != flux.EInvalid {
			t.Errorf("%s: err = %v, want invalid", tc.name, err)
			continue
		}
		var got []string
		for _, f := range fe.Fields {
			got = append(got, f.Field)
		}
		if diff := cmp.Diff(tc.fields, got); diff != "" {
			t.Errorf("%s: fields (-want +got):\n%s", tc.name, diff)
		}
	}
	if goals, _ := e.svc.ListGoals(ctx, e.user, nil); len(goals) != 0 {
		t.Errorf("%d goals stored after invalid input", len(goals))
	}
	// Today, in the user's time zone, is fine.
	if _, err := e.svc.CreateGoal(ctx, e.user, planner.CreateGoalInput{Title: "Tidy the garage", TargetDate: &today, Plan: true}); err != nil {
		t.Errorf("target date today: %v", err)
	}
}

func TestServiceReplanKeepsDoneTasks(t *testing.T) {
	t.Parallel()
	e := newServiceEnv(t, nil)
	ctx := context.Background()
	d := e.create("Run a 10k in 10 weeks")
	done, missed := d.Tasks[0], d.Tasks[1]
	e.setStatus(done.ID, flux.TaskDone)
	e.setStatus(missed.ID, flux.TaskMissed)

	e.clock.Advance(7 * 24 * time.Hour)
	r, err := e.svc.Replan(ctx, e.user, d.Goal.ID, "fewer sessions please")
	if err != nil {
		t.Fatal(err)
	}
	if r.Goal.PlanVersion != 2 || r.Goal.ID != d.Goal.ID || !r.Goal.CreatedAt.Equal(d.Goal.CreatedAt) || r.Goal.TargetWeeks != 10 {
		t.Errorf("replanned goal = %+v", r.Goal)
	}
	byID := map[string]flux.Task{}
	for _, task := range r.Tasks {
		byID[task.ID] = task
	}
	if byID[done.ID].Status != flux.TaskDone || byID[missed.ID].Status != flux.TaskMissed {
		t.Errorf("done/missed tasks did not stay: %+v / %+v", byID[done.ID], byID[missed.ID])
	}
	var v1, v2 int
	for _, m := range r.Milestones {
		switch m.PlanVersion {
		case 1:
			v1++
			if m.ID != done.MilestoneID && m.ID != missed.MilestoneID {
				t.Errorf("v1 milestone %q stayed without a done task", m.Title)
			}
		case 2:
			v2++
		}
	}
	// One week later, 9 weeks are left.
	if v1 == 0 || v2 != 9 {
		t.Errorf("milestones: %d of v1, %d of v2", v1, v2)
	}
	old := map[string]bool{}
	for _, task := range d.Tasks {
		old[task.ID] = true
	}
	open := 0
	for _, task := range r.Tasks {
		if task.Status.Open() {
			open++
			if old[task.ID] {
				t.Errorf("open task %q of plan 1 survived the replan", task.Title)
			}
		}
	}
	if open == 0 {
		t.Error("the new plan has no open tasks")
	}

	// Stale or foreign goals.
	if _, err := e.svc.Replan(ctx, e.other, d.Goal.ID, ""); !flux.IsCode(err, flux.ENotFound) {
		t.Errorf("another user's replan: %v", err)
	}
	if _, err := e.svc.Replan(ctx, e.user, d.Goal.ID, strings.Repeat("f", 2001)); !flux.IsCode(err, flux.EInvalid) {
		t.Errorf("long feedback: %v", err)
	}
}

func TestServiceAbandon(t *testing.T) {
	t.Parallel()
	e := newServiceEnv(t, nil)
	ctx := context.Background()
	d := e.create("Write a short story in 4 weeks")
	e.setStatus(d.Tasks[0].ID, flux.TaskDone)
	e.setStatus(d.Tasks[1].ID, flux.TaskMissed)

	if _, err := e.svc.Abandon(ctx, e.other, d.Goal.ID); !flux.IsCode(err, flux.ENotFound) {
		t.Errorf("another user's abandon: %v", err)
	}
	a, err := e.svc.Abandon(ctx, e.user, d.Goal.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Goal.Status != flux.GoalAbandoned {
		t.Errorf("status %q", a.Goal.Status)
	}
	for i, task := range a.Tasks {
		want := flux.TaskCancelled
		switch task.ID {
		case d.Tasks[0].ID:
			want = flux.TaskDone
		case d.Tasks[1].ID:
			want = flux.TaskMissed
		}
		if task.Status != want {
			t.Errorf("task %d %q: %s, want %s", i, task.Title, task.Status, want)
		}
	}
	if len(a.Tasks) != len(d.Tasks) {
		t.Errorf("%d tasks after abandon, %d before", len(a.Tasks), len(d.Tasks))
	}
	// Again: nothing changes. Re-planning an abandoned goal: conflict.
	if _, err := e.svc.Abandon(ctx, e.user, d.Goal.ID); err != nil {
		t.Errorf("abandon twice: %v", err)
	}
	if _, err := e.svc.Replan(ctx, e.user, d.Goal.ID, ""); !flux.IsCode(err, flux.EConflict) {
		t.Errorf("replan abandoned: %v", err)
	}
	if _, err := e.svc.Modify(ctx, e.user, d.Goal.ID, "make it easier"); !flux.IsCode(err, flux.EConflict) {
		t.Errorf("modify abandoned: %v", err)
	}
}

func TestServiceModifyAndDelete(t *testing.T) {
	t.Parallel()
	e := newServiceEnv(t, nil)
	ctx := context.Background()
	d := e.create("Run a 10k in 10 weeks")

	if _, err := e.svc.Modify(ctx, e.user, d.Goal.ID, "  "); !flux.IsCode(err, flux.EInvalid) {
		t.Errorf("blank modify: %v", err)
	}
	if _, err := e.svc.Modify(ctx, e.other, d.Goal.ID, "fewer sessions"); !flux.IsCode(err, flux.ENotFound) {
		t.Errorf("another user's modify: %v", err)
	}
	r, err := e.svc.Modify(ctx, e.user, d.Goal.ID, "Fewer sessions please, and evenings instead")
	if err != nil {
		t.Fatal(err)
	}
	if r.AgentNode != "MODIFY_GOAL" || r.RequiresUserAction || len(r.ProposedPlan) != 10 || r.Goal.Goal.PlanVersion != 2 ||
		!strings.Contains(r.Message, "updated your plan") {
		t.Errorf("modify = %+v", r)
	}
	for _, m := range r.ProposedPlan {
		if m.Milestone == "" || len(m.Tasks) < 3 || len(m.Tasks) > 5 {
			t.Errorf("proposed milestone %+v", m)
		}
	}
	evening := 0
	for _, task := range r.Goal.Tasks {
		if task.PreferredTime == planner.Evening {
			evening++
		}
	}
	if evening == 0 {
		t.Error("no task moved to the evening")
	}

	if err := e.svc.DeleteGoal(ctx, e.other, d.Goal.ID); !flux.IsCode(err, flux.ENotFound) {
		t.Errorf("another user's delete: %v", err)
	}
	if err := e.svc.DeleteGoal(ctx, e.user, d.Goal.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Goal(ctx, e.user, d.Goal.ID); !flux.IsCode(err, flux.ENotFound) {
		t.Errorf("deleted goal: %v", err)
	}
	if ts, _, err := e.store.Tasks().ListTasks(ctx, e.user.ID, flux.TaskFilter{GoalID: d.Goal.ID}, flux.Page{}); err != nil || len(ts) != 0 {
		t.Errorf("tasks of a deleted goal: %d, %v", len(ts), err)
	}
}

// placer records placements and fails when told to.
type placer struct {
	mu    sync.Mutex
	calls []string
	err   error
}

func (p *placer) PlaceGoal(_ context.Context, u *flux.User, goalID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, u.ID+"/"+goalID)
	return p.err
}

func TestServicePlacer(t *testing.T) {
	t.Parallel()
	pl := &placer{err: errors.New("calendar unavailable")}
	var logs bytes.Buffer
	e := newServiceEnv(t, &planner.ServiceOptions{Placer: pl, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	d := e.create("Meditate daily for 3 weeks")
	if _, err := e.svc.Replan(context.Background(), e.user, d.Goal.ID, ""); err != nil {
		t.Fatal(err)
	}
	want := []string{e.user.ID + "/" + d.Goal.ID, e.user.ID + "/" + d.Goal.ID}
	if diff := cmp.Diff(want, pl.calls); diff != "" {
		t.Errorf("placements (-want +got):\n%s", diff)
	}
	if !strings.Contains(logs.String(), "placing the goal's tasks failed") || !strings.Contains(logs.String(), "calendar unavailable") {
		t.Errorf("placement failure not logged: %s", logs.String())
	}
}

func TestServiceConversationFlowSurvivesRestart(t *testing.T) {
	t.Parallel()
	e := newServiceEnv(t, nil)
	ctx := context.Background()

	r, err := e.svc.StartConversation(ctx, e.user, "Run a 10k in 10 weeks")
	if err != nil {
		t.Fatal(err)
	}
	// The timeline and target came with the first message.
	if r.Turn.State != planner.StateGatheringCurrentState || r.GoalID != "" || !flux.ValidID(r.ConversationID) {
		t.Fatalf("start = %+v", r)
	}
	id := r.ConversationID
	if r, err = e.svc.Respond(ctx, e.user, id, "I can run 3 km"); err != nil || r.Turn.State != planner.StateGatheringPreferences {
		t.Fatalf("respond = %+v, %v", r, err)
	}
	// Another user sees nothing.
	if _, err := e.svc.Conversation(ctx, e.other, id); !flux.IsCode(err, flux.ENotFound) || flux.ErrorMessage(err) != "Conversation not found" {
		t.Errorf("another user's conversation: %v", err)
	}
	if _, err := e.svc.Respond(ctx, e.other, id, "mornings"); !flux.IsCode(err, flux.ENotFound) {
		t.Errorf("another user's respond: %v", err)
	}

	// Restart: close the store, open the file again, new Service.
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	e.store = openSQLite(t, e.path, e.clock)
	e.svc = planner.NewService(e.store, nil, &planner.ServiceOptions{Clock: e.clock})

	cur, err := e.svc.Conversation(ctx, e.user, id)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Turn.State != planner.StateGatheringPreferences || !strings.Contains(cur.Turn.Message, "how do you like to work") || cur.Turn.Plan != nil {
		t.Errorf("after restart = %+v", cur.Turn)
	}
	r, err = e.svc.Respond(ctx, e.user, id, "weekday mornings")
	if err != nil || r.Turn.State != planner.StateAwaitingConfirmation || r.Turn.Plan == nil || len(r.Turn.Plan.Milestones) != 10 {
		t.Fatalf("plan turn = %+v, %v", r, err)
	}
	r, err = e.svc.Respond(ctx, e.user, id, "Fewer sessions please")
	if err != nil || r.Turn.State != planner.StateAwaitingConfirmation || r.GoalID != "" {
		t.Fatalf("change turn = %+v, %v", r, err)
	}
	if goals, _ := e.svc.ListGoals(ctx, e.user, nil); len(goals) != 0 {
		t.Fatalf("a goal was saved before confirmation")
	}
	plan := r.Turn.Plan
	r, err = e.svc.Respond(ctx, e.user, id, "Looks good!")
	if err != nil || r.Turn.State != planner.StateConfirmed || !flux.ValidID(r.GoalID) || !r.Turn.Confirmed {
		t.Fatalf("confirm = %+v, %v", r, err)
	}
	d, err := e.svc.Goal(ctx, e.user, r.GoalID)
	if err != nil {
		t.Fatal(err)
	}
	checkPlanShape(t, d, 10)
	if d.Goal.Category != planner.DomainRunning || d.Goal.Title != plan.Title ||
		!strings.Contains(d.Goal.Description, "Starting point: I can run 3 km") || d.Tasks[0].Title != plan.Milestones[0].Tasks[0].Title {
		t.Errorf("saved goal = %+v", d.Goal)
	}
	row, err := e.store.Conversations().GetConversation(ctx, e.user.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	if row.GoalID != r.GoalID || row.State != "CONFIRMED" || row.Kind != flux.ConversationPlanner || row.MessageCount != 10 {
		t.Errorf("stored conversation = %+v", row)
	}
	msgs, _, err := e.store.Conversations().ListMessages(ctx, e.user.ID, id, flux.Page{})
	if err != nil || len(msgs) != 10 || msgs[0].Content != "Run a 10k in 10 weeks" || msgs[0].Role != flux.RoleUser ||
		msgs[9].Role != flux.RoleAssistant || !strings.Contains(msgs[9].Content, "locked in") {
		t.Errorf("messages = %d %v", len(msgs), err)
	}

	// Once confirmed: the original's message, no second goal.
	r, err = e.svc.Respond(ctx, e.user, id, "yes")
	if err != nil || r.Turn.State != planner.StateConfirmed || r.GoalID != "" || r.Turn.Plan != nil ||
		!strings.Contains(r.Turn.Message, "already been completed") {
		t.Errorf("after confirmation = %+v, %v", r, err)
	}
	if goals, _ := e.svc.ListGoals(ctx, e.user, nil); len(goals) != 1 {
		t.Errorf("%d goals", len(goals))
	}
	cur, err = e.svc.Conversation(ctx, e.user, id)
	if err != nil || cur.Turn.State != planner.StateConfirmed || cur.Turn.Plan == nil || cur.GoalID != "" {
		t.Errorf("GET after confirmation = %+v, %v", cur, err)
	}
}

func TestServiceConversationStorageErrors(t *testing.T) {
	t.Parallel()
	e := newServiceEnv(t, nil)
	ctx := context.Background()
	chat := &flux.Conversation{UserID: e.user.ID, Kind: flux.ConversationChat}
	corrupt := &flux.Conversation{UserID: e.user.ID, Kind: flux.ConversationPlanner, Data: json.RawMessage(`{"answers":{}}`)}
	for _, c := range []*flux.Conversation{chat, corrupt} {
		if err := e.store.Conversations().CreateConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ id, msg string }{
		{chat.ID, "Conversation not found"},
		{corrupt.ID, "Conversation state corrupted or not found"},
		{flux.NewID(), "Conversation not found"},
		{"not-an-id", "Conversation not found"},
	} {
		_, err := e.svc.Respond(ctx, e.user, tc.id, "hello")
		if !flux.IsCode(err, flux.ENotFound) || flux.ErrorMessage(err) != tc.msg {
			t.Errorf("respond %s: %v", tc.id, err)
		}
		_, err = e.svc.Conversation(ctx, e.user, tc.id)
		if !flux.IsCode(err, flux.ENotFound) || flux.ErrorMessage(err) != tc.msg {
			t.Errorf("get %s: %v", tc.id, err)
		}
	}
	long := strings.Repeat("x", planner.MaxMessageRunes+1)
	if _, err := e.svc.StartConversation(ctx, e.user, long); !flux.IsCode(err, flux.EInvalid) {
		t.Errorf("long start: %v", err)
	}
	// An empty first message is answered and stored without a user message.
	r, err := e.svc.StartConversation(ctx, e.user, "")
	if err != nil || r.Turn.State != planner.StateIdle {
		t.Fatalf("empty start = %+v, %v", r, err)
	}
	if row, err := e.store.Conversations().GetConversation(ctx, e.user.ID, r.ConversationID); err != nil || row.MessageCount != 1 {
		t.Errorf("empty start stored = %+v, %v", row, err)
	}
}

func TestServiceConcurrentConfirmationsSaveOneGoal(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			clock := fluxtest.NewClock(serviceNow)
			var st flux.Store
			if kind == "postgres" {
				st = pgtest.Open(t, nil)
			} else {
				st = openSQLite(t, filepath.Join(t.TempDir(), "flux.db"), clock)
			}
			e := &serviceEnv{t: t, clock: clock, store: st}
			e.setup(nil)
			ctx := context.Background()
			r, err := e.svc.StartConversation(ctx, e.user, "Learn to play guitar in 4 weeks")
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range []string{"complete beginner", "play one song all the way through", "evenings"} {
				if r, err = e.svc.Respond(ctx, e.user, r.ConversationID, m); err != nil {
					t.Fatal(err)
				}
			}
			if r.Turn.State != planner.StateAwaitingConfirmation {
				t.Fatalf("state %s: %s", r.Turn.State, r.Turn.Message)
			}

			const n = 8
			var wg sync.WaitGroup
			replies := make([]*planner.ConversationReply, n)
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() {
					replies[i], errs[i] = e.svc.Respond(ctx, e.user, r.ConversationID, "yes")
				})
			}
			wg.Wait()
			var goalIDs []string
			for i := range n {
				if errs[i] != nil {
					t.Errorf("respond %d: %v", i, errs[i])
					continue
				}
				if replies[i].Turn.State != planner.StateConfirmed {
					t.Errorf("respond %d: state %s", i, replies[i].Turn.State)
				}
				if replies[i].GoalID != "" {
					goalIDs = append(goalIDs, replies[i].GoalID)
				}
			}
			goals, err := e.svc.ListGoals(ctx, e.user, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(goals) != 1 || len(goalIDs) != 1 || goals[0].ID != goalIDs[0] {
				t.Fatalf("%d goals saved, %d replies with a goal id", len(goals), len(goalIDs))
			}
			row, err := e.store.Conversations().GetConversation(ctx, e.user.ID, r.ConversationID)
			if err != nil || row.GoalID != goals[0].ID {
				t.Errorf("conversation goal id = %q, %v", row.GoalID, err)
			}
		})
	}
}

func TestServiceWithLLM(t *testing.T) {
	t.Parallel()
	fake := openaifake.NewLLM(t)
	clock := fluxtest.NewClock(serviceNow)
	llm := openai.NewPlanner(openai.Config{BaseURL: fake.URL(), APIKey: fake.APIKey(), HTTPClient: fake.HTTPClient()},
		planner.LLMConfig{Timeout: 5 * time.Second, Clock: clock, Logger: slog.New(slog.DiscardHandler)})
	st := openSQLite(t, filepath.Join(t.TempDir(), "flux.db"), clock)
	svc := planner.NewService(st, llm, &planner.ServiceOptions{Clock: clock})
	u := flux.NewUser(flux.NewID(), "carol@example.com", "carol")
	if err := st.Users().CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	fake.ReplyJSON(modelPlanFor(3))
	d, err := svc.CreateGoal(context.Background(), u, planner.CreateGoalInput{Title: "Get a promotion in 3 weeks", Plan: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Goal.Planner != planner.NameLLM || d.Goal.Category != planner.DomainCareer || len(d.Milestones) != 3 || len(d.Tasks) != 9 {
		t.Errorf("goal = %+v, %d milestones, %d tasks", d.Goal, len(d.Milestones), len(d.Tasks))
	}
	checkPlanShape(t, d, 3)
	if reqs := fake.Requests(); len(reqs) != 1 {
		t.Errorf("%d requests to the model", len(reqs))
	}
}

// modelPlanFor is a model's valid reply for a career plan of n weeks.
func modelPlanFor(n int) map[string]any {
	var ms []map[string]any
	for w := 1; w <= n; w++ {
		ms = append(ms, map[string]any{
			"week": w, "title": fmt.Sprintf("Week %d", w),
			"tasks": []map[string]any{
				{"title": "List this week's wins", "description": "Write them down.", "duration_minutes": 15, "recurrence": "FREQ=WEEKLY;BYDAY=FR", "time_of_day": "afternoon", "priority": "standard"},
				{"title": "Talk to your manager", "description": "Ask what the next level needs.", "duration_minutes": 30, "recurrence": "", "time_of_day": "morning", "priority": "important"},
				{"title": "Learn one skill", "description": "An hour of deliberate practice.", "duration_minutes": 60, "recurrence": "FREQ=WEEKLY;BYDAY=TU,TH", "time_of_day": "evening", "priority": "standard"},
			},
		})
	}
	return map[string]any{"title": "Get a promotion", "category": "career", "summary": "Make your impact visible.", "milestones": ms, "sources": []any{}}
}

func ExampleService() {
	ctx := context.Background()
	clock := flux.ClockFunc(func() time.Time { return time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC) })
	dir, err := os.MkdirTemp("", "flux-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "flux.db"), &sqlite.Options{Clock: clock})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	u := flux.NewUser(flux.NewID(), "ada@example.com", "Ada")
	if err := st.Users().CreateUser(ctx, u); err != nil {
		log.Fatal(err)
	}

	// The offline planner; pass openai.NewPlanner(...) (planner/openai) for the LLM one.
	svc := planner.NewService(st, nil, &planner.ServiceOptions{Clock: clock})
	d, err := svc.CreateGoal(ctx, u, planner.CreateGoalInput{Title: "Run a 10k in 10 weeks", Plan: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Goal.Category, d.Goal.TargetWeeks, "weeks,", len(d.Milestones), "milestones, plan", d.Goal.PlanVersion)

	// The clarifying conversation, stored as it goes.
	r, _ := svc.StartConversation(ctx, u, "Learn conversational Spanish by 2027-03-01")
	for _, msg := range []string{"complete beginner", "order food and chat with my in-laws", "evenings, 20 minutes", "Looks good!"} {
		if r, err = svc.Respond(ctx, u, r.ConversationID, msg); err != nil {
			log.Fatal(err)
		}
		fmt.Println(r.Turn.State)
	}
	g, _ := svc.Goal(ctx, u, r.GoalID)
	fmt.Println(g.Goal.Category, g.Goal.TargetDate.Format(time.DateOnly))
	// Output:
	// running 10 weeks, 10 milestones, plan 1
	// GATHERING_TARGET
	// GATHERING_PREFERENCES
	// AWAITING_CONFIRMATION
	// CONFIRMED
	// language 2027-03-01
}
