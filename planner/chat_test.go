package planner_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/planner"
	"github.com/fluxlife/flux/scheduler"
	"github.com/fluxlife/flux/store/sqlite"
	"github.com/fluxlife/flux/voice"
	"github.com/google/go-cmp/cmp"
)

// voiceTimes adapts the voice package's time parser to the chat, as
// httpapi.ChatTimes does for fluxd.
type voiceTimes struct{}

func (voiceTimes) ParseTime(phrase string, c planner.TimeContext) (planner.When, error) {
	w, err := voice.ParseWhen(phrase, voice.WhenContext{Now: c.Now, Location: c.Location, Sleep: c.Sleep})
	var q *voice.Clarification
	if errors.As(err, &q) {
		return planner.When{}, &planner.TimeQuestion{Question: q.Question, Unknown: q.Unknown}
	} else if err != nil {
		return planner.When{}, err
	}
	from, to := w.Window()
	return planner.When{Start: w.Start, Exact: w.HasTime, From: from, To: to, Slot: w.Slot(), Period: string(w.Period), Rule: w.Rule, Text: w.Describe(c.Now)}, nil
}

func (voiceTimes) DescribeTime(t time.Time, c planner.TimeContext) string {
	return voice.When{Start: t.In(c.Location), HasTime: true}.Describe(c.Now)
}

// chatNow is Tuesday 24 March 2026, 10:00 in Berlin (CET; summer time
// starts on Sunday the 29th).
var chatNow = time.Date(2026, 3, 24, 10, 0, 0, 0, berlin)

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return l
}()

// chatEnv is a Chat on a SQLite store with the scheduler, the voice time
// parser, a fake clock, and a user (Ada) in Berlin.
type chatEnv struct {
	t     *testing.T
	ctx   context.Context
	clock *fluxtest.Clock
	store flux.Store
	sched *scheduler.Service
	goals *planner.Service
	chat  *planner.Chat
	user  *flux.User
}

func newChatEnv(t *testing.T, onboarded bool, router planner.Router) *chatEnv {
	t.Helper()
	e := &chatEnv{t: t, ctx: context.Background(), clock: fluxtest.NewClock(chatNow)}
	st, err := sqlite.Open(e.ctx, filepath.Join(t.TempDir(), "flux.db"), &sqlite.Options{Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.store = st
	e.sched = scheduler.NewService(st, &scheduler.ServiceOptions{Clock: e.clock})
	e.goals = planner.NewService(st, nil, &planner.ServiceOptions{Clock: e.clock, Placer: e.sched})
	e.chat = planner.NewChat(e.goals, &planner.ChatOptions{Times: voiceTimes{}, Scheduler: e.sched, Router: router})
	e.user = e.newUser("ada@example.com", onboarded)
	return e
}

func (e *chatEnv) newUser(email string, onboarded bool) *flux.User {
	e.t.Helper()
	u := flux.NewUser(flux.NewID(), email, "")
	if onboarded {
		u.Name, u.Timezone, u.Onboarded = "Ada", "Europe/Berlin", true
		u.WorkHours.End = flux.ClockTime{Hour: 17}
	}
	if err := e.store.Users().CreateUser(e.ctx, u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *chatEnv) reload() *flux.User {
	e.t.Helper()
	u, err := e.store.Users().GetUser(e.ctx, e.user.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// task stores an open task of the user through the scheduler.
func (e *chatEnv) task(title string, at time.Time) *flux.Task {
	e.t.Helper()
	t := &flux.Task{Title: title, Priority: flux.PriorityStandard, DurationMinutes: 30, TriggerType: flux.TriggerTime}
	if !at.IsZero() {
		t.ScheduledAt = &at
	}
	if err := e.sched.CreateTask(e.ctx, e.user, t); err != nil {
		e.t.Fatal(err)
	}
	return t
}

func (e *chatEnv) get(id string) *flux.Task {
	e.t.Helper()
	t, err := e.store.Tasks().GetTask(e.ctx, e.user.ID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

func (e *chatEnv) tasks() []flux.Task {
	e.t.Helper()
	ts, _, err := e.store.Tasks().ListTasks(e.ctx, e.user.ID, flux.TaskFilter{}, flux.Page{Limit: flux.MaxPageLimit})
	if err != nil {
		e.t.Fatal(err)
	}
	return ts
}

// step is one message and what its reply must say.
type step struct {
	msg  string
	node string
	// has are substrings the reply must contain.
	has []string
	// plan: the reply shows a plan; action: it waits for the user's OK.
	plan, action bool
}

// run sends the steps in one conversation and returns the replies.
func (e *chatEnv) run(steps []step) []*planner.ChatReply {
	e.t.Helper()
	var out []*planner.ChatReply
	conv := ""
	for i, s := range steps {
		r, err := e.chat.Send(e.ctx, e.user, conv, s.msg)
		if err != nil {
			e.t.Fatalf("step %d %q: %v", i, s.msg, err)
		}
		conv = r.ConversationID
		if r.AgentNode != s.node {
			e.t.Errorf("step %d %q: node %s, want %s (reply %q)", i, s.msg, r.AgentNode, s.node, r.Message)
		}
		for _, h := range s.has {
			if !strings.Contains(r.Message, h) {
				e.t.Errorf("step %d %q: reply %q does not contain %q", i, s.msg, r.Message, h)
			}
		}
		if s.action != r.RequiresUserAction || s.plan != (len(r.ProposedPlan) > 0) {
			e.t.Errorf("step %d %q: requires_user_action %v with %d milestones, want %v with a plan: %v", i, s.msg, r.RequiresUserAction, len(r.ProposedPlan), s.action, s.plan)
		}
		out = append(out, r)
	}
	return out
}

func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, berlin)
}

// TestChatFlows runs whole conversations on the offline router, each from
// a fresh store.
func TestChatFlows(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		onboarded bool
		setup     func(e *chatEnv) map[string]string
		steps     []step
		check     func(t *testing.T, e *chatEnv, ids map[string]string, replies []*planner.ChatReply)
	}{{
		name: "onboarding from zero, bad answers asked again",
		steps: []step{
			{msg: "hi", node: planner.NodeOnboarding, has: []string{"what should I call you?"}},
			{msg: "I'm Ana", node: planner.NodeOnboarding, has: []string{"Nice to meet you, Ana!", "wake up"}},
			{msg: "at 25 o'clock", node: planner.NodeOnboarding, has: []string{"couldn't read", "wake up"}},
			{msg: "6:30", node: planner.NodeOnboarding, has: []string{"go to sleep"}},
			{msg: "6:30 am", node: planner.NodeOnboarding, has: []string{"That's when you wake up"}},
			{msg: "11", node: planner.NodeOnboarding, has: []string{"work hours"}},
			{msg: "9 to 5, Monday to Thursday", node: planner.NodeOnboarding, has: []string{"morning person"}},
			{msg: "definitely a night owl", node: planner.NodeOnboarding, has: []string{"time zone"}},
			{msg: "Mars/Olympus_Mons", node: planner.NodeOnboarding, has: []string{"don't know the time zone"}},
			{msg: "new york", node: planner.NodeOnboarding, has: []string{"mobile number"}},
			{msg: "call me maybe", node: planner.NodeOnboarding, has: []string{"doesn't look like a phone number"}},
			{msg: "+1 (415) 555-0100", node: planner.NodeOnboarding, has: []string{"WhatsApp"}},
			{msg: "hmm", node: planner.NodeOnboarding, has: []string{"yes or a no"}},
			{msg: "yes please", node: planner.NodeOnboarding, has: []string{"Great, Ana! You're all set."}},
			{msg: "I want to learn Spanish by the summer", node: planner.NodeGoal},
		},
		check: func(t *testing.T, e *chatEnv, _ map[string]string, _ []*planner.ChatReply) {
			u := e.reload()
			got := struct {
				Name, TZ, Phone, Chrono string
				Sleep                   flux.TimeWindow
				Work                    flux.WorkHours
				Onboarded, WhatsApp     bool
				Pref                    any
			}{u.Name, u.Timezone, u.PhoneNumber, u.Chronotype, u.SleepWindow, u.WorkHours, u.Onboarded, u.WhatsAppOptInAt != nil, u.NotificationPreferences["whatsapp_opted_in"]}
			want := got
			want.Name, want.TZ, want.Phone, want.Chrono = "Ana", "America/New_York", "+14155550100", flux.ChronotypeEvening
			want.Sleep = flux.TimeWindow{Start: flux.ClockTime{Hour: 23}, End: flux.ClockTime{Hour: 6, Minute: 30}}
			want.Work = flux.WorkHours{Start: flux.ClockTime{Hour: 9}, End: flux.ClockTime{Hour: 17},
				Days: []flux.Weekday{flux.Weekday(time.Monday), flux.Weekday(time.Tuesday), flux.Weekday(time.Wednesday), flux.Weekday(time.Thursday)}}
			want.Onboarded, want.WhatsApp, want.Pref = true, true, true
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("settings after onboarding (-want +got):\n%s", d)
			}
			if u.PhoneVerified {
				t.Error("the number is verified by onboarding")
			}
		},
	}, {
		name: "nothing is stored before the last answer",
		steps: []step{
			{msg: "Hello, my name is Bea", node: planner.NodeOnboarding, has: []string{"Hi Bea", "wake up"}},
			{msg: "7", node: planner.NodeOnboarding},
			{msg: "23:30", node: planner.NodeOnboarding},
			{msg: "none", node: planner.NodeOnboarding},
			{msg: "in between", node: planner.NodeOnboarding},
			{msg: "europe/paris", node: planner.NodeOnboarding, has: []string{"mobile number"}},
		},
		check: func(t *testing.T, e *chatEnv, _ map[string]string, _ []*planner.ChatReply) {
			u := e.reload()
			if u.Onboarded || u.Timezone != "UTC" || u.Name != "" {
				t.Errorf("settings stored before onboarding ended: %+v", u)
			}
			r, err := e.chat.Send(e.ctx, e.user, "", "skip")
			if err != nil || r.AgentNode != planner.NodeOnboarding || !strings.Contains(r.Message, "what should I call you") {
				t.Errorf("a new conversation starts onboarding over: %+v, %v", r, err)
			}
		},
	}, {
		name:      "goal, plan, accept: saved and placed",
		onboarded: true,
		steps: []step{
			{msg: "I want to run a 10k in 10 weeks", node: planner.NodeGoal, has: []string{"Where are you starting from?"}},
			{msg: "I can run 3 km", node: planner.NodeGoal, has: []string{"how do you like to work on it?"}},
			{msg: "weekday mornings", node: planner.NodeGoal, has: []string{"10-week plan"}, plan: true, action: true},
			{msg: "fewer sessions please", node: planner.NodeGoal, has: []string{"updated your plan"}, plan: true, action: true},
			{msg: "OK", node: planner.NodeGoal, has: []string{"locked in", "I saved \"Run a 10k in 10 weeks\""}},
			{msg: "OK", node: planner.NodeClarify},
		},
		check: func(t *testing.T, e *chatEnv, _ map[string]string, replies []*planner.ChatReply) {
			if replies[2].ProposedPlan[0].Week != 1 || replies[2].ProposedPlan[0].Milestone == "" || len(replies[2].ProposedPlan[0].Tasks) == 0 {
				t.Errorf("proposed plan = %+v", replies[2].ProposedPlan[0])
			}
			gs, _, err := e.store.Goals().ListGoals(e.ctx, e.user.ID, flux.GoalFilter{}, flux.Page{})
			if err != nil || len(gs) != 1 || gs[0].ID != replies[4].GoalID || gs[0].Title != "Run a 10k in 10 weeks" {
				t.Fatalf("goals = %+v, %v (reply goal %s)", gs, err, replies[4].GoalID)
			}
			scheduled := 0
			for _, x := range e.tasks() {
				if x.GoalID == gs[0].ID && x.Status == flux.TaskScheduled {
					scheduled++
				}
			}
			if scheduled == 0 {
				t.Error("no task of the saved goal was placed")
			}
			c, err := e.store.Conversations().GetConversation(e.ctx, e.user.ID, replies[0].ConversationID)
			if err != nil || c.GoalID != gs[0].ID || c.Kind != flux.ConversationChat || c.MessageCount != 12 {
				t.Errorf("conversation = %+v, %v", c, err)
			}
		},
	}, {
		name:      "remind me: placed at the local time said",
		onboarded: true,
		steps: []step{
			{msg: "Remind me to call mom tomorrow at 6pm", node: planner.NodeNewTask, has: []string{`"Call mom" is set for tomorrow at 6 PM`}},
			{msg: "don't let me forget to renew my passport on Friday morning for 45 minutes", node: planner.NodeNewTask, has: []string{`"Renew my passport"`, "Friday"}},
			{msg: "remind me to stretch every weekday at 8am", node: planner.NodeNewTask, has: []string{`"Stretch" repeats every weekday at 8 AM, starting tomorrow at 8 AM`}},
		},
		check: func(t *testing.T, e *chatEnv, _ map[string]string, r []*planner.ChatReply) {
			mom := e.get(r[0].TaskID)
			if mom.Status != flux.TaskScheduled || !mom.ScheduledAt.Equal(at(2026, 3, 25, 18, 0)) || mom.DurationMinutes != 30 {
				t.Errorf("call mom = %s at %v", mom.Status, mom.ScheduledAt)
			}
			pass := e.get(r[1].TaskID)
			local := pass.ScheduledAt.In(berlin)
			if pass.Priority != flux.PriorityMustNotMiss || pass.DurationMinutes != 45 || local.Day() != 27 || local.Hour() < 6 || local.Hour() >= 12 {
				t.Errorf("passport = %s %d min at %v", pass.Priority, pass.DurationMinutes, local)
			}
			st := e.get(r[2].TaskID)
			if st.RecurrenceRule == "" || st.SeriesID != st.ID || !st.ScheduledAt.Equal(at(2026, 3, 25, 8, 0)) {
				t.Errorf("stretch = %q %s at %v", st.RecurrenceRule, st.SeriesID, st.ScheduledAt)
			}
		},
	}, {
		name:      "a reminder tied to a place is a location-triggered task",
		onboarded: true,
		steps: []step{
			{msg: "remind me to buy milk when I'm near the store", node: planner.NodeNewTask, has: []string{`I'll remind you about "Buy milk" when you're near the store.`}},
			{msg: "remind me to take the parcel when I leave home", node: planner.NodeNewTask, has: []string{`"Take the parcel" when you leave home.`}},
		},
		check: func(t *testing.T, e *chatEnv, _ map[string]string, r []*planner.ChatReply) {
			for i, place := range []string{"near the store", "leave home"} {
				x := e.get(r[i].TaskID)
				if x.TriggerType != flux.TriggerLocation || x.LocationTrigger != place || x.ScheduledAt != nil {
					t.Errorf("task %d = %s %q at %v", i, x.TriggerType, x.LocationTrigger, x.ScheduledAt)
				}
			}
		},
	}, {
		name:      "a task without a time is asked for one; an ambiguous time is asked about",
		onboarded: true,
		steps: []step{
			{msg: "remind me to buy milk", node: planner.NodeNewTask, has: []string{`When should I remind you about "Buy milk"?`}},
			{msg: "tomorrow at 9am", node: planner.NodeNewTask, has: []string{`"Buy milk" is set for tomorrow at 9 AM`}},
			{msg: "add a task to water the plants on Thursday at 8", node: planner.NodeNewTask, has: []string{"8 AM or 8 PM?"}},
			{msg: "pm", node: planner.NodeNewTask, has: []string{`"Water the plants" is set for Thursday at 8 PM`}},
			{msg: "remind me to book a haircut", node: planner.NodeNewTask},
			{msg: "whenever", node: planner.NodeNewTask, has: []string{`"Book a haircut" is set for`}},
		},
		check: func(t *testing.T, e *chatEnv, _ map[string]string, r []*planner.ChatReply) {
			if got := e.get(r[3].TaskID).ScheduledAt; !got.Equal(at(2026, 3, 26, 20, 0)) {
				t.Errorf("water the plants at %v", got)
			}
		},
	}, {
		name:      "reschedule by description",
		onboarded: true,
		setup: func(e *chatEnv) map[string]string {
			run := e.task("Morning run", at(2026, 3, 25, 7, 30))
			bank := e.task("Call the bank", at(2026, 3, 25, 12, 0))
			return map[string]string{"run": run.ID, "bank": bank.ID}
		},
		steps: []step{
			{msg: "move my run to Friday evening", node: planner.NodeReschedule, has: []string{`Rescheduled "Morning run" to Friday at 7 PM`}},
			{msg: "can you push the bank call to tomorrow?", node: planner.NodeReschedule, has: []string{`Rescheduled "Call the bank" to tomorrow at noon`}},
			{msg: "reschedule my dentist appointment to Monday", node: planner.NodeReschedule, has: []string{"Which task should I move?"}},
			{msg: "postpone the run", node: planner.NodeReschedule, has: []string{`When should I move "Morning run" to?`}},
			{msg: "Saturday at 10:15", node: planner.NodeReschedule, has: []string{"10:15 AM or 10:15 PM?"}},
			{msg: "AM", node: planner.NodeReschedule, has: []string{`Rescheduled "Morning run" to Saturday at 10:15 AM`}},
		},
		check: func(t *testing.T, e *chatEnv, ids map[string]string, _ []*planner.ChatReply) {
			if got := e.get(ids["run"]).ScheduledAt; !got.Equal(at(2026, 3, 28, 10, 15)) {
				t.Errorf("run at %v", got)
			}
			if got := e.get(ids["bank"]).ScheduledAt; !got.Equal(at(2026, 3, 25, 12, 0)) {
				t.Errorf("bank call at %v", got)
			}
		},
	}, {
		name:      "a message it cannot place gets a question back",
		onboarded: true,
		steps: []step{
			{msg: "hello there", node: planner.NodeClarify, has: []string{"Could you clarify what you mean?"}},
			{msg: "purple elephants", node: planner.NodeClarify},
			{msg: "move it", node: planner.NodeReschedule, has: []string{"You don't have any open tasks to move."}},
			{msg: "make my plan easier", node: planner.NodeModifyGoal, has: []string{"don't have an active goal"}},
		},
	}, {
		name:      "questions can be dropped",
		onboarded: true,
		steps: []step{
			{msg: "I want to learn Spanish", node: planner.NodeGoal, has: []string{"By when"}},
			{msg: "remind me to buy a phrasebook on Saturday at 10am", node: planner.NodeNewTask, has: []string{`"Buy a phrasebook" is set for Saturday at 10 AM`}},
			{msg: "in 3 months", node: planner.NodeGoal, has: []string{"How much Spanish"}},
			{msg: "never mind", node: planner.NodeGoal, has: []string{"dropped that plan"}},
			{msg: "remind me to book the dentist", node: planner.NodeNewTask, has: []string{"When should I remind you"}},
			{msg: "forget it", node: planner.NodeNewTask, has: []string{"OK, I'll leave it."}},
			{msg: "remind me to call Tom", node: planner.NodeNewTask},
			{msg: "I want to run a marathon next year", node: planner.NodeGoal},
		},
		check: func(t *testing.T, e *chatEnv, _ map[string]string, _ []*planner.ChatReply) {
			var titles []string
			for _, x := range e.tasks() {
				titles = append(titles, x.Title)
			}
			if d := cmp.Diff([]string{"Buy a phrasebook"}, titles); d != "" {
				t.Errorf("tasks (-want +got):\n%s", d)
			}
		},
	}, {
		name:      "modify a saved goal",
		onboarded: true,
		setup: func(e *chatEnv) map[string]string {
			d, err := e.goals.CreateGoal(e.ctx, e.user, planner.CreateGoalInput{Title: "Learn conversational Spanish in 8 weeks", Plan: true})
			if err != nil {
				e.t.Fatal(err)
			}
			return map[string]string{"goal": d.Goal.ID}
		},
		steps: []step{
			{msg: "make my spanish plan lighter, mornings only", node: planner.NodeModifyGoal, has: []string{"updated your plan", "Spanish"}, plan: true},
		},
		check: func(t *testing.T, e *chatEnv, ids map[string]string, r []*planner.ChatReply) {
			g, err := e.store.Goals().GetGoal(e.ctx, e.user.ID, ids["goal"])
			if err != nil || g.PlanVersion != 2 || r[0].GoalID != g.ID || len(r[0].ProposedPlan) == 0 || r[0].RequiresUserAction {
				t.Errorf("goal %+v, %v; reply %+v", g, err, r[0])
			}
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newChatEnv(t, tc.onboarded, nil)
			var ids map[string]string
			if tc.setup != nil {
				ids = tc.setup(e)
			}
			replies := e.run(tc.steps)
			if tc.check != nil && !t.Failed() {
				tc.check(t, e, ids, replies)
			}
		})
	}
}

// TestChatConversationsAreTheUsers: another user's conversation, a voice or
// planner conversation and an unknown id are all not found, and a bad
// message changes nothing.
func TestChatConversationsAreTheUsers(t *testing.T) {
	t.Parallel()
	e := newChatEnv(t, true, nil)
	r, err := e.chat.Send(e.ctx, e.user, "", "remind me to call mom tomorrow at 6pm")
	if err != nil {
		t.Fatal(err)
	}
	bob := e.newUser("bob@example.com", true)
	planned, err := e.goals.StartConversation(e.ctx, e.user, "I want to read more")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		who *flux.User
		id  string
	}{{bob, r.ConversationID}, {e.user, planned.ConversationID}, {e.user, flux.NewID()}, {e.user, "not-a-uuid"}} {
		if _, err := e.chat.Send(e.ctx, c.who, c.id, "hello"); !flux.IsCode(err, flux.ENotFound) {
			t.Errorf("Send to %s as %s: %v, want not found", c.id, c.who.Email, err)
		}
		if _, err := e.chat.History(e.ctx, c.who, c.id, 0); !flux.IsCode(err, flux.ENotFound) {
			t.Errorf("History of %s as %s: %v, want not found", c.id, c.who.Email, err)
		}
	}
	for _, m := range []string{"", "   ", strings.Repeat("x", planner.MaxMessageRunes+1)} {
		if _, err := e.chat.Send(e.ctx, e.user, r.ConversationID, m); !flux.IsCode(err, flux.EInvalid) {
			t.Errorf("Send(%d characters) = %v, want invalid", len(m), err)
		}
	}
	h, err := e.chat.History(e.ctx, e.user, "", 0)
	if err != nil || h.ConversationID != r.ConversationID || len(h.Messages) != 2 {
		t.Fatalf("history = %+v, %v", h, err)
	}
	if h.Messages[0].Role != "user" || h.Messages[1].AgentNode != planner.NodeNewTask || h.Messages[0].AgentNode != "" {
		t.Errorf("history = %+v", h.Messages)
	}
	if h, err := e.chat.History(e.ctx, bob, "", 0); err != nil || h.ConversationID != "" || len(h.Messages) != 0 {
		t.Errorf("bob's history = %+v, %v", h, err)
	}
}

// TestChatHistoryAndConversations: history is the end of a conversation;
// conversations come most recently active first, page by page.
func TestChatHistoryAndConversations(t *testing.T) {
	t.Parallel()
	e := newChatEnv(t, true, nil)
	var ids []string
	for i, m := range []string{"hello", "purple elephants", "what?"} {
		r, err := e.chat.Send(e.ctx, e.user, "", m)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ConversationID)
		e.clock.Advance(time.Duration(i+1) * time.Minute)
	}
	// The first conversation becomes the most recent.
	if _, err := e.chat.Send(e.ctx, e.user, ids[0], "still there?"); err != nil {
		t.Fatal(err)
	}
	var got []string
	cursor := ""
	for {
		page, next, err := e.chat.Conversations(e.ctx, e.user, flux.Page{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			got = append(got, c.ID+" "+c.Preview)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	want := []string{ids[0] + " hello", ids[2] + " what?", ids[1] + " purple elephants"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("conversations (-want +got):\n%s", d)
	}
	h, err := e.chat.History(e.ctx, e.user, ids[0], 3)
	if err != nil || len(h.Messages) != 3 || h.Messages[2].Content == "" || h.Messages[1].Content != "still there?" {
		t.Errorf("last 3 messages = %+v, %v", h, err)
	}
	if _, _, err := e.chat.Conversations(e.ctx, e.user, flux.Page{Cursor: "bogus"}); !flux.IsCode(err, flux.EInvalid) {
		t.Errorf("bad cursor: %v", err)
	}
}
