package voice

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/google/go-cmp/cmp"
)

func TestGoalIntent(t *testing.T) {
	t.Parallel()
	t.Run("planned", func(t *testing.T) {
		t.Parallel()
		p := &stubPlanner{}
		e := newEnv(t, withPlanner(p))
		s := e.create()
		r := e.intent(s.SessionID, "g1", "submit_goal_intent", map[string]any{"goal_statement": "Run a 10k", "timeline": "10 weeks", "context_notes": "knee"})
		if r.Result != "Goal created: Run a 10k with a target of 10 weeks." || r.GoalID == "" {
			t.Fatalf("result %+v", r)
		}
		g, err := e.store.Goals().GetGoal(e.ctx, e.user.ID, r.GoalID)
		if err != nil || g.Planner != "stub" || g.Title != "Run a 10k" {
			t.Fatalf("goal %+v, %v", g, err)
		}
		if c := e.conversation(s.SessionID); c.GoalID != r.GoalID {
			t.Fatalf("session goal %q", c.GoalID)
		}
		r = e.intent(s.SessionID, "g2", "submit_goal_intent", map[string]any{"goal_statement": "Learn Spanish"})
		if r.Result != "Goal created: Learn Spanish." {
			t.Fatalf("result %q", r.Result)
		}
		if p.calls != 2 {
			t.Fatalf("planner called %d times", p.calls)
		}
	})
	t.Run("without planner", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		s := e.create()
		tests := []struct {
			timeline string
			weeks    int
			target   *time.Time
		}{
			{"3 months", 12, nil},
			{"6 months", 24, nil},
			{"10 weeks", 10, nil},
			{"three months", 12, nil},
			{"a year", 52, nil},
			{"", 6, nil},
			{"someday", 6, nil},
			{"March 31", 4, ptr(time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC))},
		}
		for i, tc := range tests {
			r := e.intent(s.SessionID, fmt.Sprint("g", i), "submit_goal_intent", map[string]any{"goal_statement": "Goal " + fmt.Sprint(i), "timeline": tc.timeline})
			if !strings.HasSuffix(r.Result, msgNoPlan) {
				t.Errorf("%q: result %q does not say the goal has no plan", tc.timeline, r.Result)
			}
			g, err := e.store.Goals().GetGoal(e.ctx, e.user.ID, r.GoalID)
			if err != nil {
				t.Fatal(err)
			}
			if g.TargetWeeks != tc.weeks || !cmp.Equal(g.TargetDate, tc.target) || g.Status != flux.GoalActive {
				t.Errorf("%q: weeks %d target %v, want %d %v", tc.timeline, g.TargetWeeks, g.TargetDate, tc.weeks, tc.target)
			}
		}
	})
	t.Run("asks", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		s := e.create()
		r := e.intent(s.SessionID, "g1", "submit_goal_intent", map[string]any{"timeline": "soon"})
		if r.Result != msgNeedGoal {
			t.Fatalf("result %q", r.Result)
		}
		r = e.intent(s.SessionID, "g2", "submit_goal_intent", map[string]any{"goal_statement": strings.Repeat("x", 501)})
		if !strings.Contains(r.Result, "shorter") {
			t.Fatalf("result %q", r.Result)
		}
	})
	t.Run("planner refuses or fails", func(t *testing.T) {
		t.Parallel()
		p := &stubPlanner{err: flux.Invalid("the goal is not specific enough")}
		e := newEnv(t, withPlanner(p))
		s := e.create()
		r := e.intent(s.SessionID, "g1", "submit_goal_intent", map[string]any{"goal_statement": "things"})
		if r.Result != "I couldn't create that goal: the goal is not specific enough." {
			t.Fatalf("result %q", r.Result)
		}
		// An unexpected failure is spoken generically and the call may be retried.
		p.err = errBoom
		r = e.intent(s.SessionID, "g2", "submit_goal_intent", map[string]any{"goal_statement": "Run"})
		if r.Result != msgFailed {
			t.Fatalf("result %q", r.Result)
		}
		if _, ok := e.data(s.SessionID).Intents["g2"]; ok {
			t.Fatal("a failed call stayed claimed")
		}
		p.err = nil
		r = e.intent(s.SessionID, "g2", "submit_goal_intent", map[string]any{"goal_statement": "Run"})
		if r.Result != "Goal created: Run." || r.Replayed {
			t.Fatalf("retry: %+v", r)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestNewTaskIntentWithoutScheduler(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.create()
	tests := []struct {
		name   string
		input  map[string]any
		result string
		at     *time.Time // nil: no task or unscheduled
		rule   string
		status flux.TaskStatus
	}{
		{name: "tonight", input: map[string]any{"title": "Call Mom", "trigger_type": "time", "scheduled_at": "at 7pm"},
			result: "Task created: Call Mom, today at 7 PM." + msgNotChecked, at: ptr(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)), status: flux.TaskScheduled},
		{name: "tomorrow morning", input: map[string]any{"title": "Stretch", "trigger_type": "time", "scheduled_at": "tomorrow morning"},
			result: "Task created: Stretch, tomorrow at 9 AM." + msgNotChecked, at: ptr(time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC)), status: flux.TaskScheduled},
		{name: "next friday", input: map[string]any{"title": "Dentist", "scheduled_at": "next Friday at 3"},
			result: "Task created: Dentist, Friday at 3 PM." + msgNotChecked, at: ptr(time.Date(2026, 3, 6, 20, 0, 0, 0, time.UTC)), status: flux.TaskScheduled},
		{name: "weekday routine", input: map[string]any{"title": "Standup notes", "trigger_type": "time", "scheduled_at": "8am", "recurrence_rule": "every weekday"},
			result: "Task created: Standup notes, every weekday at 8 AM." + msgNotChecked, at: ptr(time.Date(2026, 3, 5, 13, 0, 0, 0, time.UTC)),
			rule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8;BYMINUTE=0", status: flux.TaskScheduled},
		{name: "days only", input: map[string]any{"title": "Swim", "trigger_type": "time", "recurrence_rule": "every Monday and Thursday"},
			result: "Task created: Swim, every Monday and Thursday." + msgNotScheduled, rule: "FREQ=WEEKLY;BYDAY=MO,TH", status: flux.TaskPending},
		{name: "verbatim rrule", input: map[string]any{"title": "Review", "scheduled_at": "tomorrow at 5pm", "recurrence_rule": "FREQ=WEEKLY;BYDAY=TH"},
			result: "Task created: Review, on a repeating schedule at 5 PM." + msgNotChecked, at: ptr(time.Date(2026, 3, 5, 22, 0, 0, 0, time.UTC)),
			rule: "FREQ=WEEKLY;BYDAY=TH", status: flux.TaskScheduled},
		{name: "ambiguous hour", input: map[string]any{"title": "Read", "trigger_type": "time", "scheduled_at": "at 7"},
			result: "Did you mean 7 AM or 7 PM?"},
		{name: "past", input: map[string]any{"title": "Read", "scheduled_at": "today at 9am"},
			result: "Today at 9 AM has already passed. When should it be instead?"},
		{name: "no time", input: map[string]any{"title": "Read", "trigger_type": "time"},
			result: "When should I remind you about Read?"},
		// One recurrence policy (scheduler.ParseRule): the scheduler cannot
		// place a task every minute, so neither may the voice agent create one.
		{name: "minutely rrule", input: map[string]any{"title": "Drink water", "scheduled_at": "tomorrow at 5pm", "recurrence_rule": "FREQ=MINUTELY;INTERVAL=30"},
			result: "I couldn't use that repeat pattern. How often should Drink water repeat?"},
		{name: "hourly rrule", input: map[string]any{"title": "Stretch", "recurrence_rule": "RRULE:FREQ=HOURLY"},
			result: "I couldn't use that repeat pattern. How often should Stretch repeat?"},
		{name: "not a recurrence", input: map[string]any{"title": "Read", "scheduled_at": "8pm", "recurrence_rule": "tomorrow"},
			result: "How often should Read repeat?"},
		{name: "gibberish", input: map[string]any{"title": "Read", "scheduled_at": "when the moon is full"},
			result: notUnderstood("when the moon is full").Question},
		{name: "no title", input: map[string]any{"trigger_type": "time", "scheduled_at": "7pm"}, result: msgNeedTitle},
		{name: "bad trigger", input: map[string]any{"title": "Read", "trigger_type": "mood"}, result: "Should I remind you at a time, or when you get somewhere?"},
		{name: "location", input: map[string]any{"title": "Buy milk", "trigger_type": "location", "location_trigger": "at the supermarket"},
			result: "Task created: Buy milk.", status: flux.TaskPending},
		{name: "location without place", input: map[string]any{"title": "Buy milk", "trigger_type": "location"}, result: "Where should I remind you about Buy milk?"},
	}
	for i, tc := range tests {
		before := len(e.tasks())
		r := e.intent(s.SessionID, fmt.Sprint("t", i), "submit_new_task_intent", tc.input)
		if r.Result != tc.result {
			t.Errorf("%s: result %q, want %q", tc.name, r.Result, tc.result)
			continue
		}
		if tc.status == "" {
			if len(e.tasks()) != before || r.TaskID != "" {
				t.Errorf("%s: a task was created", tc.name)
			}
			continue
		}
		task, err := e.store.Tasks().GetTask(e.ctx, e.user.ID, r.TaskID)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if task.Status != tc.status || task.RecurrenceRule != tc.rule || !cmp.Equal(task.ScheduledAt, tc.at) {
			t.Errorf("%s: task status %s rule %q at %v; want %s %q %v", tc.name, task.Status, task.RecurrenceRule, task.ScheduledAt, tc.status, tc.rule, tc.at)
		}
		if tc.rule != "" && (task.SeriesID != task.ID || task.Occurrence != 1) {
			t.Errorf("%s: series %q occurrence %d", tc.name, task.SeriesID, task.Occurrence)
		}
	}
	// Every created task got a reference for later rescheduling.
	d := e.data(s.SessionID)
	if len(d.Refs) != 7 {
		t.Fatalf("refs %v", d.Refs)
	}
}

func TestNewTaskIntentWithScheduler(t *testing.T) {
	t.Parallel()
	sched := &stubScheduler{placeAt: time.Date(2026, 3, 5, 14, 30, 0, 0, time.UTC)}
	e := newEnv(t, withScheduler(sched))
	s := e.create()
	r := e.intent(s.SessionID, "t1", "submit_new_task_intent", map[string]any{"title": "Call Mom", "trigger_type": "time", "scheduled_at": "tomorrow at 7pm"})
	if r.Result != "Task created: Call Mom, tomorrow at 7 PM." {
		t.Fatalf("result %q", r.Result)
	}
	if len(sched.moves) != 1 || !sched.moves[0].Equal(time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("moves %v", sched.moves)
	}
	task, _ := e.store.Tasks().GetTask(e.ctx, e.user.ID, r.TaskID)
	if !task.AllowWorkHours || task.PreferredTime != "19:00" {
		t.Fatalf("task %+v", task)
	}
	r = e.intent(s.SessionID, "t2", "submit_new_task_intent", map[string]any{"title": "Stretch", "trigger_type": "time", "scheduled_at": "tomorrow morning"})
	if r.Result != "Task created: Stretch, tomorrow at 9:30 AM." || len(sched.places) != 1 {
		t.Fatalf("result %q, places %v", r.Result, sched.places)
	}
	task, _ = e.store.Tasks().GetTask(e.ctx, e.user.ID, r.TaskID)
	wantFrom := time.Date(2026, 3, 5, 11, 0, 0, 0, time.UTC) // 06:00 New York
	wantTo := time.Date(2026, 3, 5, 17, 0, 0, 0, time.UTC)   // 12:00
	if task.PreferredTime != "morning" || !cmp.Equal(task.EarliestStart, &wantFrom) || !cmp.Equal(task.Deadline, &wantTo) {
		t.Fatalf("placement hints: preferred %q earliest %v deadline %v", task.PreferredTime, task.EarliestStart, task.Deadline)
	}

	// A scheduler that refuses: the task exists, the answer says why.
	sched.err = flux.Errorf(flux.EConflict, "that slot overlaps Team meeting")
	r = e.intent(s.SessionID, "t3", "submit_new_task_intent", map[string]any{"title": "Nap", "trigger_type": "time", "scheduled_at": "tomorrow at 2pm"})
	if r.Result != "Task created: Nap, but I couldn't schedule it: that slot overlaps Team meeting." || r.TaskID == "" {
		t.Fatalf("result %+v", r)
	}
	sched.err = errBoom
	r = e.intent(s.SessionID, "t4", "submit_new_task_intent", map[string]any{"title": "Walk", "trigger_type": "time", "scheduled_at": "tomorrow at 3pm"})
	if r.Result != "Task created: Walk."+msgScheduleFailed || r.TaskID == "" {
		t.Fatalf("result %+v", r)
	}
}

func TestRescheduleIntent(t *testing.T) {
	t.Parallel()
	t.Run("without scheduler", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		gym := e.addTask(e.user, "Gym", time.Date(2026, 3, 4, 23, 0, 0, 0, time.UTC)) // 6 PM today
		done := e.addTask(e.user, "Laundry", time.Date(2026, 3, 4, 22, 0, 0, 0, time.UTC))
		if _, err := e.store.Tasks().UpdateTask(e.ctx, e.user.ID, done.ID, func(t *flux.Task) error {
			now := start
			t.Status, t.CompletedAt = flux.TaskDone, &now
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		s := e.create()
		// Today's open tasks: only Gym, as T1.
		if !strings.Contains(s.Config.SystemPrompt, "- T1: Gym (6 PM)") || strings.Contains(s.Config.SystemPrompt, "Laundry") {
			t.Fatalf("prompt:\n%s", s.Config.SystemPrompt)
		}
		tests := []struct {
			name, ref, when, result string
			at                      time.Time
		}{
			{"short ref", "T1", "7pm", "Rescheduled 'Gym' to today at 7 PM." + msgNotChecked, time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)},
			{"spoken ref", "task 1", "tomorrow", "Rescheduled 'Gym' to tomorrow at 7 PM." + msgNotChecked, time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)},
			{"full id", gym.ID, "Friday at 6:30 pm", "Rescheduled 'Gym' to Friday at 6:30 PM." + msgNotChecked, time.Date(2026, 3, 6, 23, 30, 0, 0, time.UTC)},
			{"title", "gym", "Saturday morning", "Rescheduled 'Gym' to Saturday at 9 AM." + msgNotChecked, time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC)},
		}
		for i, tc := range tests {
			r := e.intent(s.SessionID, fmt.Sprint("r", i), "submit_reschedule_intent", map[string]any{"task_id": tc.ref, "preferred_new_time": tc.when})
			if r.Result != tc.result {
				t.Errorf("%s: result %q, want %q", tc.name, r.Result, tc.result)
				continue
			}
			got, _ := e.store.Tasks().GetTask(e.ctx, e.user.ID, gym.ID)
			if !got.ScheduledAt.Equal(tc.at) || got.Status != flux.TaskScheduled {
				t.Errorf("%s: task at %v (%s), want %v", tc.name, got.ScheduledAt, got.Status, tc.at)
			}
		}
		asks := []struct{ ref, when, result string }{
			{"", "7pm", msgNeedTask},
			{"T9", "7pm", msgTaskNotFound},
			{flux.NewID(), "7pm", msgTaskNotFound},
			{"yoga", "7pm", msgTaskNotFound},
			{"T1", "", "When would you like to move 'Gym' to?"},
			{"T1", "at 8", "Did you mean 8 AM or 8 PM?"},
			{"T1", "every day", "I can move 'Gym' to one time. When should it be?"},
			{done.ID, "7pm", "'Laundry' is already done, so there is nothing to move."},
		}
		for i, tc := range asks {
			r := e.intent(s.SessionID, fmt.Sprint("a", i), "submit_reschedule_intent", map[string]any{"task_id": tc.ref, "preferred_new_time": tc.when})
			if r.Result != tc.result {
				t.Errorf("%q %q: result %q, want %q", tc.ref, tc.when, r.Result, tc.result)
			}
		}
	})
	t.Run("with scheduler", func(t *testing.T) {
		t.Parallel()
		sched := &stubScheduler{placeAt: time.Date(2026, 3, 5, 15, 0, 0, 0, time.UTC)}
		e := newEnv(t, withScheduler(sched))
		gym := e.addTask(e.user, "Gym", time.Date(2026, 3, 4, 23, 0, 0, 0, time.UTC))
		s := e.create()
		r := e.intent(s.SessionID, "r1", "submit_reschedule_intent", map[string]any{"task_id": "T1", "preferred_new_time": "tomorrow at 7:15 am", "reason": "busy"})
		if r.Result != "Rescheduled 'Gym' to tomorrow at 7:15 AM." || len(sched.moves) != 1 {
			t.Fatalf("result %q moves %v", r.Result, sched.moves)
		}
		// Without a time the scheduler finds one.
		r = e.intent(s.SessionID, "r2", "submit_reschedule_intent", map[string]any{"task_id": "T1"})
		if r.Result != "Rescheduled 'Gym' to tomorrow at 10 AM." || len(sched.places) != 1 || sched.places[0] != gym.ID {
			t.Fatalf("result %q places %v", r.Result, sched.places)
		}
		sched.err = flux.Errorf(flux.EConflict, "that slot overlaps Dinner")
		r = e.intent(s.SessionID, "r3", "submit_reschedule_intent", map[string]any{"task_id": "T1", "preferred_new_time": "tomorrow at 7pm"})
		if r.Result != "I couldn't move 'Gym': that slot overlaps Dinner." {
			t.Fatalf("result %q", r.Result)
		}
	})
}

func TestIntentRequestValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.create()
	_, err := e.svc.SubmitIntent(e.ctx, e.user, IntentInput{})
	wantCode(t, err, flux.EInvalid)
	var fe *flux.Error
	errors.As(err, &fe)
	var fields []string
	for _, f := range fe.Fields {
		fields = append(fields, f.Field)
	}
	if diff := cmp.Diff([]string{"session_id", "function_call_id", "function_name"}, fields); diff != "" {
		t.Fatal(diff)
	}
	r := e.intent(s.SessionID, "u1", "order_pizza", nil)
	if r.Result != "Sorry, I don't know how to handle 'order_pizza'." {
		t.Fatalf("result %q", r.Result)
	}
	// A numeric argument is read as text.
	r = e.intent(s.SessionID, "n1", "submit_new_task_intent", map[string]any{"title": 42.0, "scheduled_at": "19:30"})
	if r.Result != "Task created: 42, today at 7:30 PM."+msgNotChecked {
		t.Fatalf("result %q", r.Result)
	}
}

func TestIntentIdempotentSequential(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.create()
	in := map[string]any{"title": "Call Mom", "trigger_type": "time", "scheduled_at": "tomorrow at 6pm"}
	first := e.intent(s.SessionID, "call-1", "submit_new_task_intent", in)
	e.clock.Advance(time.Minute) // "tomorrow" would still be the same day, but nothing is re-parsed
	second := e.intent(s.SessionID, "call-1", "submit_new_task_intent", in)
	if first.Result != second.Result || first.TaskID != second.TaskID || !second.Replayed || first.Replayed {
		t.Fatalf("first %+v, second %+v", first, second)
	}
	if n := len(e.tasks()); n != 1 {
		t.Fatalf("%d tasks", n)
	}
	// The id cannot be reused for another function.
	_, err := e.svc.SubmitIntent(e.ctx, e.user, IntentInput{SessionID: s.SessionID, FunctionCallID: "call-1", FunctionName: "submit_goal_intent",
		Input: map[string]any{"goal_statement": "x"}})
	wantCode(t, err, flux.EConflict)
	// After close a repeat still answers; a new call is refused.
	if _, err := e.svc.Close(e.ctx, e.user, s.SessionID); err != nil {
		t.Fatal(err)
	}
	third := e.intent(s.SessionID, "call-1", "submit_new_task_intent", in)
	if third.Result != first.Result {
		t.Fatalf("after close: %q", third.Result)
	}
	_, err = e.svc.SubmitIntent(e.ctx, e.user, IntentInput{SessionID: s.SessionID, FunctionCallID: "call-2", FunctionName: "submit_new_task_intent", Input: in})
	wantCode(t, err, flux.EConflict)
}

func TestIntentIdempotentConcurrent(t *testing.T) {
	t.Parallel()
	for _, withSched := range []bool{false, true} {
		t.Run(fmt.Sprint("scheduler=", withSched), func(t *testing.T) {
			t.Parallel()
			var opts []envOption
			sched := &stubScheduler{delay: 30 * time.Millisecond}
			if withSched {
				opts = append(opts, withScheduler(sched))
			}
			e := newEnv(t, opts...)
			s := e.create()
			in := IntentInput{SessionID: s.SessionID, FunctionCallID: "dup", FunctionName: "submit_new_task_intent",
				Input: map[string]any{"title": "Water plants", "trigger_type": "time", "scheduled_at": "tomorrow at 8am"}}
			const n = 10
			var wg sync.WaitGroup
			results := make([]*IntentResult, n)
			errs := make([]error, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i], errs[i] = e.svc.SubmitIntent(e.ctx, e.user, in)
				}()
			}
			wg.Wait()
			replays := 0
			for i := 0; i < n; i++ {
				if errs[i] != nil {
					t.Fatalf("submission %d: %v", i, errs[i])
				}
				if results[i].Result != results[0].Result || results[i].TaskID != results[0].TaskID {
					t.Fatalf("submission %d answered %+v, submission 0 %+v", i, results[i], results[0])
				}
				if results[i].Replayed {
					replays++
				}
			}
			if replays != n-1 {
				t.Fatalf("%d replays, want %d", replays, n-1)
			}
			if ts := e.tasks(); len(ts) != 1 {
				t.Fatalf("%d tasks created", len(ts))
			}
			if withSched && len(sched.moves) != 1 {
				t.Fatalf("scheduler called %d times", len(sched.moves))
			}
		})
	}
}

func TestIntentClaimTakeover(t *testing.T) {
	t.Parallel()
	sched := &stubScheduler{}
	e := newEnv(t, withScheduler(sched))
	s := e.create()
	// A claim left by a process that stopped after creating the task.
	task := e.addTask(e.user, "Water plants", start.Add(time.Hour))
	if _, err := e.store.Conversations().UpdateConversation(e.ctx, e.user.ID, s.SessionID, func(c *flux.Conversation) error {
		d, _ := decodeData(c.Data)
		d.Intents["lost"] = &intentRecord{Function: "submit_new_task_intent", Route: RouteNewTask, Status: intentPending, ClaimedAt: start, TaskID: task.ID}
		c.Data = d.encode()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	in := IntentInput{SessionID: s.SessionID, FunctionCallID: "lost", FunctionName: "submit_new_task_intent",
		Input: map[string]any{"title": "Water plants", "scheduled_at": "tomorrow at 8am"}}
	// While the claim is young, a repeat waits and gives up.
	e.svc.intentWait = 50 * time.Millisecond
	_, err := e.svc.SubmitIntent(e.ctx, e.user, in)
	wantCode(t, err, flux.EConflict)
	// Once it is old, the repeat takes over and resumes with the task.
	e.clock.Advance(6 * time.Minute)
	r, err := e.svc.SubmitIntent(e.ctx, e.user, in)
	if err != nil {
		t.Fatal(err)
	}
	if r.TaskID != task.ID || len(e.tasks()) != 1 || len(sched.moves) != 1 {
		t.Fatalf("takeover: %+v, %d tasks, %d moves", r, len(e.tasks()), len(sched.moves))
	}
}
