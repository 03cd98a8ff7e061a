package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/scheduler"
)

// checkBerlinSlot fails when a slot breaks the rules of a Berlin user who
// works 09:00–17:00 Monday to Friday, sleeps 23:00–07:00 and stops at
// 21:00.
func checkBerlinSlot(t *testing.T, what string, start, end time.Time) {
	t.Helper()
	loc := bt(t, "2026-01-01 00:00").Location()
	s, en := start.In(loc), end.In(loc)
	if s.YearDay() != en.Add(-time.Nanosecond).YearDay() {
		t.Errorf("%s: %s–%s spans midnight", what, s, en)
		return
	}
	from, to := s.Hour()*60+s.Minute(), en.Hour()*60+en.Minute()
	if from < 7*60 || to > 21*60 || to == 0 {
		t.Errorf("%s: %s–%s is in the night or after the cutoff", what, s.Format("Mon 15:04"), en.Format("15:04"))
	}
	if wd := s.Weekday(); wd != time.Saturday && wd != time.Sunday && from < 17*60 && to > 9*60 {
		t.Errorf("%s: %s–%s is in work hours", what, s.Format("Mon 15:04"), en.Format("15:04"))
	}
}

// apart fails when two intervals are closer than the 15-minute buffer.
func apart(t *testing.T, what string, s1, e1, s2, e2 time.Time) {
	t.Helper()
	buf := 15 * time.Minute
	if s1.Before(e2.Add(buf)) && s2.Before(e1.Add(buf)) {
		t.Errorf("%s: %s–%s and %s–%s are closer than 15 minutes", what, s1, e1.Format("15:04"), s2, e2.Format("15:04"))
	}
}

// TestScheduleBerlin is the done-when: work hours 09:00–17:00
// Monday to Friday in Europe/Berlin, two calendar events, a goal; POST
// /api/v1/schedule places its tasks outside work hours, sleep and the
// cutoff, with buffers, in Berlin local time, and a task that cannot fit
// comes back in unplaced with its reason.
func TestScheduleBerlin(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newSchedEnv(t, kind, "")
		alice, _ := e.token("alice@example.com")
		e.berlin(alice)
		events := [][2]string{{"2026-04-13T17:30:00+02:00", "2026-04-13T18:30:00+02:00"}, {"2026-04-14T19:00:00+02:00", "2026-04-14T20:30:00+02:00"}}
		for i, ev := range events {
			if r := e.do("POST", "/api/v1/calendar/events", alice, map[string]any{"title": fmt.Sprint("Event ", i), "start": ev[0], "end": ev[1]}); r.Code != 201 {
				t.Fatalf("event = %d %s", r.Code, r.Body)
			}
		}
		r := e.do("POST", "/api/v1/goals", alice, map[string]any{"title": "Run a 10k in 10 weeks"})
		if r.Code != 201 {
			t.Fatalf("goal = %d %s", r.Code, r.Body)
		}
		var g goalView
		r.json(t, &g)
		ultra := e.createTask(alice, map[string]any{"title": "Ultra run", "goal_id": g.ID, "duration_minutes": 900})

		var ids []string
		r = e.do("GET", "/api/v1/goals/"+g.ID+"/tasks", alice, nil)
		var tasks []taskView
		r.json(t, &tasks)
		for _, x := range tasks {
			ids = append(ids, x.ID)
		}
		if len(ids) < 30 {
			t.Fatalf("the goal has %d tasks", len(ids))
		}
		body := map[string]any{"from": "2026-04-13T08:00:00+02:00", "to": "2026-04-27T08:00:00+02:00", "task_ids": ids, "dry_run": true}

		r = e.do("POST", "/api/v1/schedule", alice, body)
		if r.Code != 200 {
			t.Fatalf("dry run = %d %s", r.Code, r.Body)
		}
		dry := string(r.Body)
		after := e.do("GET", "/api/v1/goals/"+g.ID+"/tasks", alice, nil)
		var unchanged []taskView
		after.json(t, &unchanged)
		for i := range tasks {
			if !sameTimePtr(tasks[i].ScheduledAt, unchanged[i].ScheduledAt) || tasks[i].Status != unchanged[i].Status {
				t.Fatalf("a dry run changed task %s", tasks[i].Title)
			}
		}

		body["dry_run"] = false
		r = e.do("POST", "/api/v1/schedule", alice, body)
		if r.Code != 200 || string(r.Body) != dry {
			t.Fatalf("schedule = %d %s\ndry run was %s", r.Code, r.Body, dry)
		}
		var raw struct {
			Placements []struct {
				TaskID string `json:"task_id"`
				Start  string `json:"start"`
				End    string `json:"end"`
			} `json:"placements"`
			Unplaced []struct {
				TaskID string `json:"task_id"`
				Reason string `json:"reason"`
			} `json:"unplaced"`
		}
		if err := json.Unmarshal(r.Body, &raw); err != nil {
			t.Fatal(err)
		}
		if len(raw.Placements) < 8 {
			t.Fatalf("only %d placements: %s", len(raw.Placements), r.Body)
		}
		type slot struct {
			id         string
			start, end time.Time
		}
		var slots []slot
		for _, p := range raw.Placements {
			// Berlin local time, summer time: +02:00.
			if !strings.HasSuffix(p.Start, "+02:00") || !strings.HasSuffix(p.End, "+02:00") {
				t.Errorf("placement %s–%s is not in Berlin local time", p.Start, p.End)
			}
			s, _ := time.Parse(time.RFC3339, p.Start)
			en, _ := time.Parse(time.RFC3339, p.End)
			if s.Before(bt(t, "2026-04-13 08:00")) || en.After(bt(t, "2026-04-27 08:00")) {
				t.Errorf("placement %s–%s is outside the horizon", p.Start, p.End)
			}
			checkBerlinSlot(t, p.TaskID, s, en)
			for _, ev := range events {
				es, _ := time.Parse(time.RFC3339, ev[0])
				ee, _ := time.Parse(time.RFC3339, ev[1])
				apart(t, "placement and event", s, en, es, ee)
			}
			for _, o := range slots {
				apart(t, "two placements", s, en, o.start, o.end)
			}
			slots = append(slots, slot{p.TaskID, s, en})
			// Saved.
			var v taskView
			e.do("GET", "/api/v1/tasks/"+p.TaskID, alice, nil).json(t, &v)
			if v.Status != flux.TaskScheduled || v.ScheduledAt == nil || !v.ScheduledAt.Equal(s) {
				t.Errorf("task %s was not saved at its placement: %+v", p.TaskID, v)
			}
		}
		if len(raw.Placements)+len(raw.Unplaced) != len(ids) {
			t.Errorf("%d placements and %d unplaced for %d tasks", len(raw.Placements), len(raw.Unplaced), len(ids))
		}
		reasons := map[string]string{}
		for _, u := range raw.Unplaced {
			if u.Reason == "" {
				t.Errorf("unplaced %s without a reason", u.TaskID)
			}
			reasons[u.TaskID] = u.Reason
		}
		if reasons[ultra.ID] != string(scheduler.ReasonLongerThanAnySlot) {
			t.Errorf("the 15-hour task: reason %q, want %s (%s)", reasons[ultra.ID], scheduler.ReasonLongerThanAnySlot, r.Body)
		}
	})
}

func sameTimePtr(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func TestScheduleRoutes(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newSchedEnv(t, kind, "")
		alice, a := e.token("alice@example.com")
		bob, b := e.token("bob@example.com")
		e.berlin(alice)
		for _, d := range []int{30, 45, 60} {
			e.createTask(alice, map[string]any{"title": fmt.Sprint("Task ", d), "duration_minutes": d})
		}
		theirs := e.createTask(bob, map[string]any{"title": "Bob's"})

		// Without a body's task ids: every unscheduled task of the caller.
		r := e.do("POST", "/api/v1/schedule", alice, map[string]any{})
		var res scheduler.ScheduleResult
		r.json(t, &res)
		if r.Code != 200 || len(res.Placements) != 3 || len(res.Unplaced) != 0 {
			t.Fatalf("schedule = %d %s", r.Code, r.Body)
		}
		for _, p := range res.Placements {
			checkBerlinSlot(t, p.TaskID, p.Start, p.End)
		}
		if n := len(mustList(t, e, a.ID, flux.TaskFilter{Statuses: []flux.TaskStatus{flux.TaskScheduled}})); n != 3 {
			t.Errorf("%d tasks scheduled", n)
		}

		for _, tc := range []struct {
			body   any
			status int
			fields []string
		}{
			{map[string]any{"from": "2026-04-20T00:00:00Z", "to": "2026-04-19T00:00:00Z"}, 400, []string{"to"}},
			{map[string]any{"to": "2026-08-01T00:00:00Z"}, 400, []string{"to"}},
			{map[string]any{"from": "monday"}, 400, []string{"from"}},
			{map[string]any{"dry": true}, 400, []string{"dry"}},
			{map[string]any{"task_ids": "all"}, 400, []string{"task_ids"}},
			{map[string]any{"task_ids": []string{theirs.ID}}, 404, nil},
			{map[string]any{"task_ids": []string{"nope"}}, 404, nil},
		} {
			wantStatus(t, fmt.Sprintf("POST /api/v1/schedule %v", tc.body), e.do("POST", "/api/v1/schedule", alice, tc.body), tc.status, tc.fields...)
		}
		if v, _ := e.store.Tasks().GetTask(context.Background(), b.ID, theirs.ID); v.Status != flux.TaskPending {
			t.Errorf("bob's task became %s", v.Status)
		}

		// Availability.
		r = e.do("GET", "/api/v1/availability?from=2026-04-14T00:00:00%2B02:00&to=2026-04-16T00:00:00%2B02:00", alice, nil)
		var av availabilityResponse
		r.json(t, &av)
		if r.Code != 200 || len(av.Slots) == 0 {
			t.Fatalf("availability = %d %s", r.Code, r.Body)
		}
		for _, s := range av.Slots {
			checkBerlinSlot(t, "free slot", s.Start, s.End)
			if _, off := s.Start.Zone(); off != 2*3600 {
				t.Errorf("slot %s is not in Berlin time", s.Start)
			}
		}
		for _, q := range []struct{ query, field string }{
			{"?from=2026-04-14T00:00:00Z&to=2026-06-14T00:00:00Z", "to"},
			{"?from=2026-04-14T00:00:00Z&to=2026-04-13T00:00:00Z", "to"},
			{"?from=today", "from"},
		} {
			wantStatus(t, "availability"+q.query, e.do("GET", "/api/v1/availability"+q.query, alice, nil), 400, q.field)
		}
	})
}

func TestScheduleReplan(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newSchedEnv(t, kind, "")
		alice, a := e.token("alice@example.com")
		e.berlin(alice)
		x := e.createTask(alice, map[string]any{"title": "Yesterday", "scheduled_at": "2026-04-12T10:00:00+02:00"})
		y := e.createTask(alice, map[string]any{"title": "Skipped", "scheduled_at": "2026-04-12T18:00:00+02:00"})
		e.do("PATCH", "/api/v1/tasks/"+y.ID+"/missed", alice, nil)
		if err := scheduler.DriftWorker(e.store, e.clock)(context.Background(), scheduler.DriftArgs{}); err != nil {
			t.Fatal(err)
		}
		if v, _ := e.store.Tasks().GetTask(context.Background(), a.ID, x.ID); v.Status != flux.TaskDrifted {
			t.Fatalf("the drift job left the task %s", v.Status)
		}
		r := e.do("POST", "/api/v1/schedule/replan", alice, nil)
		var res scheduler.ReplanResult
		r.json(t, &res)
		if r.Code != 200 || len(res.Moved) != 2 || len(res.Unplaced) != 0 {
			t.Fatalf("replan = %d %s", r.Code, r.Body)
		}
		for _, m := range res.Moved {
			checkBerlinSlot(t, m.TaskID, m.Start, m.End)
			if m.Reason == "" || m.Previous == nil || m.Start.Before(schedNow) {
				t.Errorf("moved %+v", m)
			}
		}
	})
}

const demoID = "a1000000-0000-0000-0000-000000000001"

func TestSchedulerCompat(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newSchedEnv(t, kind, demoID)
		ctx := context.Background()
		// 15:00 in New York on Monday 13 April.
		e.clock.Set(at(t, "America/New_York", "2026-04-13 15:00"))

		// Without a token the routes act for the demo user, created on the
		// first request.
		r := e.do("GET", "/scheduler/tasks", "", nil)
		if r.Code != 200 || strings.TrimSpace(string(r.Body)) != `{"tasks":[]}` {
			t.Fatalf("GET /scheduler/tasks = %d %s", r.Code, r.Body)
		}
		demo, err := e.store.Users().UpdateUser(ctx, demoID, func(u *flux.User) error { u.Timezone = "America/New_York"; return nil })
		if err != nil {
			t.Fatal(err)
		}
		ny := demo.Location()
		mk := func(title string, local string, status flux.TaskStatus) *flux.Task {
			x := &flux.Task{UserID: demoID, Title: title, Status: status, Priority: flux.PriorityMustNotMiss, DurationMinutes: 60,
				TriggerType: flux.TriggerTime, ScheduledAt: ptrTime(at(t, "America/New_York", local))}
			if err := e.store.Tasks().CreateTask(ctx, x); err != nil {
				t.Fatal(err)
			}
			return x
		}
		drifted := mk("Write report", "2026-04-13 07:30", flux.TaskDrifted)
		scheduled := mk("Call mum", "2026-04-14 19:00", flux.TaskScheduled)
		mk("Old", "2026-04-12 19:00", flux.TaskScheduled)   // yesterday
		mk("Later", "2026-04-15 19:00", flux.TaskScheduled) // after the 48 hours
		mk("Done", "2026-04-13 09:00", flux.TaskDone)

		r = e.do("GET", "/scheduler/tasks", "", nil)
		var tl struct {
			Tasks []map[string]any `json:"tasks"`
		}
		r.json(t, &tl)
		if r.Code != 200 || len(tl.Tasks) != 2 || tl.Tasks[0]["id"] != drifted.ID || tl.Tasks[0]["state"] != "drifted" ||
			tl.Tasks[1]["id"] != scheduled.ID || tl.Tasks[1]["state"] != "scheduled" || tl.Tasks[0]["priority"] != "must-not-miss" ||
			tl.Tasks[0]["start_time"] != "2026-04-13T11:30:00Z" || tl.Tasks[0]["end_time"] != "2026-04-13T12:30:00Z" || tl.Tasks[0]["goal_id"] != nil {
			t.Fatalf("timeline = %d %s", r.Code, r.Body)
		}

		// Suggest: labels and rationales in New York time.
		r = e.do("POST", "/scheduler/suggest", "", map[string]any{"event_id": drifted.ID})
		var sg scheduler.SuggestResult
		r.json(t, &sg)
		if r.Code != 200 || sg.EventID != drifted.ID || sg.TaskTitle != "Write report" || !sg.SkipOption ||
			sg.AIMessage != "Write report drifted. I can do:" || len(sg.Suggestions) != 2 {
			t.Fatalf("suggest = %d %s", r.Code, r.Body)
		}
		today, tomorrow := sg.Suggestions[0], sg.Suggestions[1]
		if today.Label != "6:00 PM Today" || today.Rationale != "Suggested 6:00 PM — it's your outside work hours today." ||
			!today.NewStart.Equal(at(t, "America/New_York", "2026-04-13 18:00")) || today.NewStart.Location() != time.UTC {
			t.Errorf("today = %+v", today)
		}
		if tomorrow.Label != "7:00 AM Tuesday" || !tomorrow.NewStart.Equal(at(t, "America/New_York", "2026-04-14 07:00")) {
			t.Errorf("tomorrow = %+v", tomorrow)
		}
		for _, tc := range []struct {
			body   any
			status int
			detail string
		}{
			{map[string]any{"event_id": scheduled.ID}, 400, "Task " + scheduled.ID + " is 'scheduled', not 'drifted'. Only drifted tasks can be rescheduled via suggestions."},
			{map[string]any{"event_id": "missing"}, 404, "Task missing not found"},
			{map[string]any{}, 422, "Field required: event_id"},
		} {
			r := e.do("POST", "/scheduler/suggest", "", tc.body)
			var b errorBody
			r.json(t, &b)
			if r.Code != tc.status || b.Detail != tc.detail {
				t.Errorf("suggest %v = %d %s", tc.body, r.Code, r.Body)
			}
		}

		// Apply.
		apply := func(token string, body map[string]any) (int, errorBody, applyResponse) {
			t.Helper()
			r := e.do("POST", "/scheduler/apply", token, body)
			var eb errorBody
			var ar applyResponse
			if r.Code == 200 {
				r.json(t, &ar)
			} else {
				r.json(t, &eb)
			}
			return r.Code, eb, ar
		}
		for _, tc := range []struct {
			body   map[string]any
			status int
			detail string
		}{
			{map[string]any{"event_id": flux.NewID(), "action": "skip"}, 404, "Task not found"},
			{map[string]any{"event_id": drifted.ID, "action": "snooze"}, 400, "Invalid action 'snooze'. Use 'reschedule' or 'skip'."},
			{map[string]any{"event_id": drifted.ID, "action": "reschedule", "new_start": "2026-04-13T22:00:00Z"}, 400, "new_start and new_end required for reschedule action"},
			{map[string]any{"event_id": drifted.ID}, 422, "Field required: action"},
		} {
			if code, eb, _ := apply("", tc.body); code != tc.status || eb.Detail != tc.detail {
				t.Errorf("apply %v = %d %+v", tc.body, code, eb)
			}
		}
		// Into busy time (the call tomorrow, with its buffer) or the past: 409.
		for _, slot := range [][2]string{{"2026-04-14T19:30:00-04:00", "2026-04-14T20:30:00-04:00"}, {"2026-04-14T17:30:00-04:00", "2026-04-14T18:50:00-04:00"},
			{"2026-04-13T13:00:00-04:00", "2026-04-13T14:00:00-04:00"}} {
			if code, eb, _ := apply("", map[string]any{"event_id": drifted.ID, "action": "reschedule", "new_start": slot[0], "new_end": slot[1]}); code != 409 || eb.Code != flux.EConflict {
				t.Errorf("apply into %v = %d %+v", slot, code, eb)
			}
		}
		// The suggestion comes in UTC (22:00Z); apply speaks the user's
		// time, as the label did ("6:00 PM Today").
		code, _, ar := apply("", map[string]any{"event_id": drifted.ID, "action": "reschedule",
			"new_start": today.NewStart.Format(time.RFC3339), "new_end": today.NewEnd.Format(time.RFC3339)})
		if code != 200 || ar.NewState != "scheduled" || ar.Action != "reschedule" || ar.Message != "Done! Moved to 6:00 PM. You've got this!" ||
			!ar.NewStart.Equal(today.NewStart) {
			t.Errorf("apply a suggestion = %d %+v", code, ar)
		}
		// A time without an offset is the user's local time.
		code, _, ar = apply("", map[string]any{"event_id": drifted.ID, "action": "reschedule", "new_start": "2026-04-13T20:00:00", "new_end": "2026-04-13T20:45:00"})
		got, _ := e.store.Tasks().GetTask(ctx, demoID, drifted.ID)
		if code != 200 || ar.Message != "Done! Moved to 8:00 PM. You've got this!" || !got.ScheduledAt.Equal(at(t, "America/New_York", "2026-04-13 20:00")) ||
			got.DurationMinutes != 45 || got.Status != flux.TaskScheduled || got.ScheduledAt.In(ny).Hour() != 20 {
			t.Errorf("apply a local time = %d %+v; task %+v", code, ar, got)
		}
		code, _, ar = apply("", map[string]any{"event_id": scheduled.ID, "action": "skip"})
		if code != 200 || ar.NewState != "missed" || ar.NewStart != nil || ar.Message != "Task skipped. I'll keep the next occurrence on your schedule." {
			t.Errorf("skip = %d %+v", code, ar)
		}

		// With a token the caller acts for themself: the demo user's tasks
		// are not theirs.
		alice, _ := e.token("alice@example.com")
		r = e.do("GET", "/scheduler/tasks", alice, nil)
		if r.Code != 200 || strings.TrimSpace(string(r.Body)) != `{"tasks":[]}` {
			t.Errorf("alice's timeline = %d %s", r.Code, r.Body)
		}
		r = e.do("POST", "/scheduler/suggest", alice, map[string]any{"event_id": drifted.ID})
		if r.Code != 404 {
			t.Errorf("alice suggests for the demo user's task = %d %s", r.Code, r.Body)
		}
		if code, _, _ := apply(alice, map[string]any{"event_id": drifted.ID, "action": "skip"}); code != 404 {
			t.Errorf("alice skips the demo user's task = %d", code)
		}
		// A bad token is refused even with the demo user on.
		if r := e.do("GET", "/scheduler/tasks", "not-a-token", nil); r.Code != 401 {
			t.Errorf("a bad token = %d", r.Code)
		}
		// Other routes never act for the demo user.
		if r := e.do("GET", "/api/v1/tasks", "", nil); r.Code != 401 {
			t.Errorf("GET /api/v1/tasks without a token = %d", r.Code)
		}
	})
}

func TestSchedulerCompatNeedsATokenByDefault(t *testing.T) {
	t.Parallel()
	e := newSchedEnv(t, kindSQLite, "")
	for _, c := range []struct{ method, path string }{{"GET", "/scheduler/tasks"}, {"POST", "/scheduler/suggest"}, {"POST", "/scheduler/apply"}} {
		if r := e.do(c.method, c.path, "", nil); r.Code != 401 {
			t.Errorf("%s %s without a token = %d %s", c.method, c.path, r.Code, r.Body)
		}
	}
	if _, err := e.store.Users().GetUser(context.Background(), demoID); !flux.IsCode(err, flux.ENotFound) {
		t.Errorf("the demo user exists: %v", err)
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

// Concurrent placements of one user never take the same slot.
func TestScheduleConcurrent(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newSchedEnv(t, kind, "")
		alice, _ := e.token("alice@example.com")
		e.berlin(alice)
		var ids []string
		for i := range 6 {
			ids = append(ids, e.createTask(alice, map[string]any{"title": fmt.Sprint("Task ", i), "duration_minutes": 60}).ID)
		}
		results := make([]response, len(ids))
		var wg sync.WaitGroup
		for i, id := range ids {
			wg.Go(func() {
				results[i] = e.do("POST", "/api/v1/schedule", alice, map[string]any{"task_ids": []string{id}, "to": "2026-04-15T00:00:00+02:00"})
			})
		}
		wg.Wait()
		var slots [][2]time.Time
		for i, r := range results {
			var res scheduler.ScheduleResult
			r.json(t, &res)
			if r.Code != 200 || len(res.Placements) != 1 {
				t.Fatalf("schedule %d = %d %s", i, r.Code, r.Body)
			}
			p := res.Placements[0]
			for _, o := range slots {
				apart(t, "concurrent placements", p.Start, p.End, o[0], o[1])
			}
			slots = append(slots, [2]time.Time{p.Start, p.End})
		}
	})
}
