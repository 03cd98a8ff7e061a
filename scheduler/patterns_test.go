package scheduler_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/scheduler"
	"github.com/fluxlife/flux/store/sqlite"
	"github.com/google/go-cmp/cmp"
)

// berlinHistory stores four weeks of history for the user, Monday 30
// March to Sunday 26 April 2026: a run at 07:30 every morning, done (goal
// category "fitness"), and a review every Monday at 19:00, missed.
func berlinHistory(t testing.TB, ctx context.Context, st flux.Store, u *flux.User) {
	t.Helper()
	loc := u.Location()
	g := &flux.Goal{UserID: u.ID, Title: "Run a 10k", Category: "Fitness", Status: flux.GoalActive, TargetWeeks: 8}
	if err := st.Goals().CreateGoal(ctx, g); err != nil {
		t.Fatal(err)
	}
	var ts []flux.Task
	for d := range 28 {
		run := time.Date(2026, 3, 30+d, 7, 30, 0, 0, loc)
		done := run.Add(35 * time.Minute)
		ts = append(ts, flux.Task{UserID: u.ID, GoalID: g.ID, Title: "Morning run", Status: flux.TaskDone, Priority: flux.PriorityStandard,
			DurationMinutes: 30, ScheduledAt: &run, CompletedAt: &done, TriggerType: flux.TriggerTime})
		if d%7 == 0 {
			review := time.Date(2026, 3, 30+d, 19, 0, 0, 0, loc)
			ts = append(ts, flux.Task{UserID: u.ID, Title: "Weekly review", Status: flux.TaskMissed, Priority: flux.PriorityStandard,
				DurationMinutes: 60, ScheduledAt: &review, TriggerType: flux.TriggerTime})
		}
	}
	if err := st.Tasks().CreateTasks(ctx, ts); err != nil {
		t.Fatal(err)
	}
}

// TestPatternsBerlinScenario: a user in Europe/Berlin with four weeks of
// history gets a best time covering 07:30 and the avoid slot Monday
// 19:00-20:00 with confidence 0.6; both are stored; a new task preferring
// 19:00 is then kept off Monday 19:00-20:00, while for a user without that
// history it goes there.
func TestPatternsBerlinScenario(t *testing.T) {
	t.Parallel()
	e := newSvcEnv(t, "2026-04-27 12:00") // a Monday
	ps := scheduler.NewPatternService(e.store, &scheduler.PatternOptions{Clock: e.clock})
	svc := scheduler.NewService(e.store, &scheduler.ServiceOptions{Clock: e.clock, Weights: ps})
	berlinHistory(t, e.ctx, e.store, e.user)

	c, err := ps.Consult(e.ctx, e.user, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataPointsAnalysed != 32 || c.UserID != e.user.ID || !c.GeneratedAt.Equal(e.clock.Now().UTC()) {
		t.Errorf("consultation = %+v", c)
	}
	s := c.PatternSummary
	if d := cmp.Diff([]string{"07:00-08:00"}, s.BestTimes); d != "" {
		t.Errorf("best times (-want +got):\n%s", d)
	}
	wantAvoid := []scheduler.AvoidSlot{{Day: "Monday", TimeRange: "19:00-20:00", Confidence: 0.6,
		Reason: "4 misses detected in slot Monday 19:00-20:00 across 4 consecutive weeks."}}
	if d := cmp.Diff(wantAvoid, s.AvoidSlots); d != "" {
		t.Errorf("avoid slots (-want +got):\n%s", d)
	}
	wantCats := []scheduler.CategoryRate{{Category: "fitness", CompletionRate: 1}, {Category: "uncategorised", CompletionRate: 0}}
	if d := cmp.Diff(wantCats, s.CategoryPerformance); d != "" {
		t.Errorf("category performance (-want +got):\n%s", d)
	}
	if s.LowConfidence || s.GeneralNotes == "" {
		t.Errorf("low_confidence %v, notes %q", s.LowConfidence, s.GeneralNotes)
	}

	stored, _, err := e.store.Patterns().ListPatterns(e.ctx, e.user.ID, flux.PatternFilter{}, flux.Page{})
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]flux.Pattern{}
	for _, p := range stored {
		keys[p.Type+"/"+p.Key] = p
	}
	for _, k := range []string{"best_time/07:00-08:00", "avoidance/Monday 19:00-20:00", "category_performance/fitness", "user_preference/hour_of_week"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("pattern %s not stored; stored: %v", k, keys)
		}
	}
	if a := keys["avoidance/Monday 19:00-20:00"]; a.Confidence != 0.6 {
		t.Errorf("stored avoidance confidence = %v, want 0.6", a.Confidence)
	}

	// The same task for this user and for one without history.
	fresh := flux.NewUser(flux.NewID(), "bo@example.com", "Bo")
	fresh.Timezone, fresh.WorkHours.End = "Europe/Berlin", flux.ClockTime{Hour: 17}
	if err := e.store.Users().CreateUser(e.ctx, fresh); err != nil {
		t.Fatal(err)
	}
	place := func(u *flux.User) scheduler.Placement {
		t.Helper()
		task := &flux.Task{Title: "Plan the week", Priority: flux.PriorityStandard, DurationMinutes: 60, TriggerType: flux.TriggerTime, PreferredTime: "19:00"}
		if err := svc.CreateTask(e.ctx, u, task); err != nil {
			t.Fatal(err)
		}
		res, err := svc.Schedule(e.ctx, u, scheduler.ScheduleRequest{TaskIDs: []string{task.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Placements) != 1 {
			t.Fatalf("schedule = %+v", res)
		}
		return res.Placements[0]
	}
	avoidStart, avoidEnd := e.at("2026-04-27 19:00"), e.at("2026-04-27 20:00")
	got := place(e.user)
	if got.Start.Before(avoidEnd) && got.End.After(avoidStart) {
		t.Errorf("with the history, the task was placed %s–%s, in the avoided Monday 19:00-20:00", got.Start, got.End)
	}
	checkRules(t, e.loc, "placement with weights", got.Start, got.End)
	t.Logf("with the history: %s–%s", got.Start, got.End)
	if other := place(fresh); !other.Start.Equal(avoidStart) {
		t.Errorf("without history, the task was placed at %s, want Monday 19:00", other.Start)
	}

	// The user dismisses the avoid slot: it no longer keeps tasks away,
	// and a recomputation keeps the dismissal.
	if _, err := e.store.Patterns().UpdatePattern(e.ctx, e.user.ID, keys["avoidance/Monday 19:00-20:00"].ID, func(p *flux.Pattern) error {
		p.UserOverride = json.RawMessage(`{"dismissed": true}`)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Recompute(e.ctx, e.user.ID); err != nil {
		t.Fatal(err)
	}
	p, err := e.store.Patterns().GetPattern(e.ctx, e.user.ID, keys["avoidance/Monday 19:00-20:00"].ID)
	if err != nil || string(p.UserOverride) != `{"dismissed": true}` {
		t.Fatalf("override after recomputation: %+v, %v", p, err)
	}
	w, err := ps.Weights(e.ctx, e.store, e.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	if w[time.Monday][19] != 0 || w[time.Tuesday][7] != 1 {
		t.Errorf("weights after dismissal: Monday 19:00 %v (want 0), Tuesday 07:00 %v (want 1)", w[time.Monday][19], w[time.Tuesday][7])
	}

	// The runs are done five minutes after their end: no earlier reminder.
	if lead, err := ps.ReminderLead(e.ctx, e.store, e.user.ID); err != nil || lead != 0 {
		t.Errorf("reminder lead = %v, %v; want 0", lead, err)
	}
}

// TestAnalysePatterns covers the cold start, the low confidence and the
// avoidance rule's edges.
func TestAnalysePatterns(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(day, hour, minute int) time.Time { return time.Date(2026, 3, day, hour, minute, 0, 0, loc) }
	miss := func(ts ...time.Time) []scheduler.HistoryItem {
		var out []scheduler.HistoryItem
		for _, t := range ts {
			out = append(out, scheduler.HistoryItem{ScheduledAt: t, DurationMinutes: 30})
		}
		return out
	}

	cold := scheduler.AnalysePatterns(miss(at(2, 9, 0), at(3, 9, 0)), loc, "")
	if !cold.ColdStart || cold.Weights != nil || !cold.Summary.LowConfidence ||
		cmp.Diff([]string{"06:00-09:00", "17:00-19:00"}, cold.Summary.BestTimes) != "" ||
		len(cold.Summary.AvoidSlots) != 1 || cold.Summary.AvoidSlots[0].Confidence != 0.3 {
		t.Errorf("cold start = %+v", cold.Summary)
	}

	tests := []struct {
		name    string
		history []scheduler.HistoryItem
		want    []scheduler.AvoidSlot
		lowConf bool
	}{
		{"three misses in three weeks, within an hour", miss(at(2, 19, 0), at(9, 20, 0), at(16, 19, 30)),
			[]scheduler.AvoidSlot{{Day: "Monday", TimeRange: "19:00-20:00", Confidence: 0.5, Reason: "3 misses detected in slot Monday 19:00-20:00 across 3 consecutive weeks."}}, false},
		{"three misses in two weeks", miss(at(2, 19, 0), at(2, 19, 30), at(9, 19, 0)), []scheduler.AvoidSlot{}, true},
		{"two hours apart", miss(at(2, 18, 0), at(9, 20, 0), at(16, 22, 0)), []scheduler.AvoidSlot{}, false},
		{"other weekdays", miss(at(2, 19, 0), at(10, 19, 0), at(18, 19, 0)), []scheduler.AvoidSlot{}, false},
		{"nine misses cap at 0.95", miss(at(2, 8, 0), at(9, 8, 0), at(16, 8, 0), at(23, 8, 0), at(30, 8, 0), at(2, 9, 0), at(9, 9, 0), at(16, 9, 0), at(23, 9, 0)),
			[]scheduler.AvoidSlot{{Day: "Monday", TimeRange: "08:00-09:00", Confidence: 0.95, Reason: "9 misses detected in slot Monday 08:00-09:00 across 5 consecutive weeks."}}, false},
	}
	for _, tc := range tests {
		a := scheduler.AnalysePatterns(tc.history, loc, flux.ChronotypeMorning)
		if d := cmp.Diff(tc.want, a.Summary.AvoidSlots); d != "" {
			t.Errorf("%s: avoid slots (-want +got):\n%s", tc.name, d)
		}
		if a.Summary.LowConfidence != tc.lowConf {
			t.Errorf("%s: low_confidence = %v, want %v", tc.name, a.Summary.LowConfidence, tc.lowConf)
		}
	}
	for misses, want := range map[int]float64{3: 0.5, 4: 0.6, 5: 0.7, 8: 0.95, 20: 0.95} {
		if got := scheduler.AvoidanceConfidence(misses); got != want {
			t.Errorf("AvoidanceConfidence(%d) = %v, want %v", misses, got, want)
		}
	}

	// An early starter: done 20 minutes before the end of a 30-minute
	// slot's start, i.e. started 50 minutes early, gets a 50-minute lead.
	var early []scheduler.HistoryItem
	for d := range 5 {
		s := at(2+d, 9, 0)
		early = append(early, scheduler.HistoryItem{ScheduledAt: s, CompletedAt: s.Add(-20 * time.Minute), DurationMinutes: 30, Done: true})
	}
	if a := scheduler.AnalysePatterns(early, loc, ""); a.ReminderLeadMinutes != 50 || a.TypicalDelayMinutes == nil || *a.TypicalDelayMinutes != -20 {
		t.Errorf("early starter: lead %d, delay %v", a.ReminderLeadMinutes, a.TypicalDelayMinutes)
	}
}

// TestPatternSignal covers the original's miss signal.
func TestPatternSignal(t *testing.T) {
	t.Parallel()
	e := newSvcEnv(t, "2026-04-27 20:00")
	ps := scheduler.NewPatternService(e.store, &scheduler.PatternOptions{Clock: e.clock})
	var ts []flux.Task
	for _, day := range []int{6, 13} { // two earlier Mondays, 19:00
		at := time.Date(2026, 4, day, 19, 0, 0, 0, e.loc)
		ts = append(ts, flux.Task{UserID: e.user.ID, Title: "Review", Status: flux.TaskMissed, Priority: flux.PriorityStandard, DurationMinutes: 60, ScheduledAt: &at, TriggerType: flux.TriggerTime})
	}
	if err := e.store.Tasks().CreateTasks(e.ctx, ts); err != nil {
		t.Fatal(err)
	}
	res, err := ps.Signal(e.ctx, e.user, scheduler.MissSignal{TaskID: flux.NewID(), ScheduledAt: e.at("2026-04-20 19:00"), ConsecutiveMissCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !res.AvoidanceFlagged || res.PatternID == nil || res.Message != "Avoidance pattern flagged for slot Monday 19:00." {
		t.Fatalf("signal = %+v", res)
	}
	p, err := e.store.Patterns().GetPattern(e.ctx, e.user.ID, *res.PatternID)
	if err != nil || p.Type != "avoidance" || p.Key != "Monday 19:00-20:00" || p.Confidence != 0.5 {
		t.Fatalf("pattern = %+v, %v", p, err)
	}
	again, err := ps.Signal(e.ctx, e.user, scheduler.MissSignal{TaskID: flux.NewID(), ScheduledAt: e.at("2026-04-20 19:00")})
	if err != nil || again.PatternID == nil || *again.PatternID != *res.PatternID {
		t.Errorf("a second signal for the slot made another pattern: %+v, %v", again, err)
	}
	calm, err := ps.Signal(e.ctx, e.user, scheduler.MissSignal{TaskID: flux.NewID(), ScheduledAt: e.at("2026-04-21 09:00")})
	if err != nil || calm.AvoidanceFlagged || calm.PatternID != nil || calm.Message != "Miss signal recorded. Monitoring for recurring avoidance." {
		t.Errorf("unflagged signal = %+v, %v", calm, err)
	}
	_, err = ps.Signal(e.ctx, e.user, scheduler.MissSignal{TaskID: "x"})
	wantCode(t, err, flux.EInvalid)
}

// BenchmarkRecomputePatterns recomputes a user's patterns from a year of
// history (2,000 closed tasks) on SQLite: the history read, the analysis,
// and the patterns written.
func BenchmarkRecomputePatterns(b *testing.B) {
	ctx := context.Background()
	loc, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, loc)
	clock := fluxtest.NewClock(now)
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "flux.db"), &sqlite.Options{Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	u := flux.NewUser(flux.NewID(), "bench@example.com", "Bench")
	u.Timezone = "Europe/Berlin"
	if err := st.Users().CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	hist := yearOfTasks(u.ID, now, loc, 2000)
	for i := 0; i < len(hist); i += 500 {
		if err := st.Tasks().CreateTasks(ctx, hist[i:min(i+500, len(hist))]); err != nil {
			b.Fatal(err)
		}
	}
	ps := scheduler.NewPatternService(st, &scheduler.PatternOptions{Clock: clock, Lookback: 366 * 24 * time.Hour})
	b.ResetTimer()
	for b.Loop() {
		a, err := ps.Recompute(ctx, u.ID)
		if err != nil {
			b.Fatal(err)
		}
		if a.DataPoints != 2000 {
			b.Fatalf("data points = %d", a.DataPoints)
		}
	}
}

// BenchmarkAnalysePatterns is the analysis alone over the same year.
func BenchmarkAnalysePatterns(b *testing.B) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, loc)
	var hist []scheduler.HistoryItem
	for _, t := range yearOfTasks(flux.NewID(), now, loc, 2000) {
		h := scheduler.HistoryItem{ScheduledAt: *t.ScheduledAt, DurationMinutes: t.DurationMinutes, Done: t.Status == flux.TaskDone}
		if t.CompletedAt != nil {
			h.CompletedAt = *t.CompletedAt
		}
		hist = append(hist, h)
	}
	for b.Loop() {
		scheduler.AnalysePatterns(hist, loc, flux.ChronotypeMorning)
	}
}

// yearOfTasks makes n closed tasks spread over the year before now: about
// five a day at varied hours, four in five done.
func yearOfTasks(userID string, now time.Time, loc *time.Location, n int) []flux.Task {
	hours := []int{7, 9, 12, 18, 20, 8, 17}
	out := make([]flux.Task, 0, n)
	for i := range n {
		day := now.AddDate(0, 0, -365+i*365/n)
		at := time.Date(day.Year(), day.Month(), day.Day(), hours[i%len(hours)], (i*13)%60, 0, 0, loc)
		t := flux.Task{UserID: userID, Title: fmt.Sprintf("Task %d", i), Priority: flux.PriorityStandard, DurationMinutes: 30,
			ScheduledAt: &at, TriggerType: flux.TriggerTime, Status: flux.TaskMissed}
		if i%5 != 0 {
			done := at.Add(40 * time.Minute)
			t.Status, t.CompletedAt = flux.TaskDone, &done
		}
		out = append(out, t)
	}
	return out
}
