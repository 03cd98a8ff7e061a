package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/fluxlife/flux"
)

// NotesWriter phrases the general notes of an analysis, for example with
// an LLM. It only phrases: every number of the summary is computed, and a
// failure falls back to PatternNotes.
type NotesWriter interface {
	PatternNotes(ctx context.Context, a *PatternAnalysis) (string, error)
}

// PatternOptions tune a PatternService. A nil *PatternOptions means the
// defaults.
type PatternOptions struct {
	// Clock tells the time; nil means the system clock.
	Clock flux.Clock
	// Logger; nil means slog.Default().
	Logger *slog.Logger
	// Lookback is the history a recomputation reads; DefaultLookbackDays
	// days when 0.
	Lookback time.Duration
	// Debounce groups recomputations: after a task is done or missed, the
	// user's patterns are recomputed at the end of the current Debounce
	// window (once for all the tasks closed in it). Default 2 minutes.
	Debounce time.Duration
	// NightlyHour is the user's local hour of the nightly recomputation;
	// 0 means 3 (03:00). Use 24 for midnight.
	NightlyHour int
	// Notes, when set, phrases general_notes.
	Notes NotesWriter
}

// PatternService is the pattern observer over a Flux store: it learns from
// the user's closed tasks (AnalysePatterns), keeps what it learnt as
// patterns (best_time, avoidance, category_performance, user_preference,
// replaced on each recomputation except where the user overrode them),
// recomputes through a durable job after each completion or miss and
// nightly, and feeds the scheduler (Weights) and the notifier
// (ReminderLead). It is the escalation notifier's Observer.
type PatternService struct {
	store    PatternServiceStore
	clock    flux.Clock
	log      *slog.Logger
	lookback time.Duration
	debounce time.Duration
	nightly  int
	notes    NotesWriter
}

// NewPatternService returns a PatternService over store. Register
// PatternService.Work as the worker of PatternArgs.
func NewPatternService(store PatternServiceStore, opts *PatternOptions) *PatternService {
	var o PatternOptions
	if opts != nil {
		o = *opts
	}
	s := &PatternService{store: store, clock: o.Clock, log: o.Logger, lookback: o.Lookback, debounce: o.Debounce, nightly: o.NightlyHour, notes: o.Notes}
	if s.clock == nil {
		s.clock = flux.SystemClock{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.lookback <= 0 {
		s.lookback = DefaultLookbackDays * 24 * time.Hour
	}
	if s.debounce <= 0 {
		s.debounce = 2 * time.Minute
	}
	if s.nightly <= 0 || s.nightly > 24 {
		s.nightly = 3
	}
	return s
}

// Consultation is the answer of Consult, in the original's shape.
type Consultation struct {
	UserID             string         `json:"user_id"`
	PatternSummary     PatternSummary `json:"pattern_summary"`
	GeneratedAt        time.Time      `json:"generated_at"`
	DataPointsAnalysed int            `json:"data_points_analysed"`
}

// History returns the user's tasks done or missed with a time in
// [now − lookback, now), as the observer sees them; a task's category is
// its goal's.
func (s *PatternService) History(ctx context.Context, st Stores, userID string, lookback time.Duration) ([]HistoryItem, error) {
	now := s.clock.Now()
	from := now.Add(-lookback)
	cats := map[string]string{}
	var out []HistoryItem
	p := flux.Page{Limit: flux.MaxPageLimit}
	for {
		ts, next, err := st.Tasks().ListTasks(ctx, userID, flux.TaskFilter{From: &from, To: &now,
			Statuses: []flux.TaskStatus{flux.TaskDone, flux.TaskMissed}}, p)
		if err != nil {
			return nil, err
		}
		for i := range ts {
			t := &ts[i]
			if t.ScheduledAt == nil {
				continue
			}
			h := HistoryItem{ScheduledAt: *t.ScheduledAt, DurationMinutes: t.DurationMinutes, Done: t.Status == flux.TaskDone}
			if h.Done && t.CompletedAt != nil {
				h.CompletedAt = *t.CompletedAt
			}
			if t.GoalID != "" {
				c, ok := cats[t.GoalID]
				if !ok {
					if g, err := st.Goals().GetGoal(ctx, userID, t.GoalID); err == nil {
						c = strings.ToLower(strings.TrimSpace(g.Category))
					} else if !flux.IsCode(err, flux.ENotFound) {
						return nil, err
					}
					cats[t.GoalID] = c
				}
				h.Category = c
			}
			out = append(out, h)
		}
		if next == "" {
			return out, nil
		}
		p.Cursor = next
	}
}

// Analyse learns the user's patterns from the history of lookback (the
// service's when 0), with the general notes phrased.
func (s *PatternService) Analyse(ctx context.Context, u *flux.User, lookback time.Duration) (*PatternAnalysis, error) {
	if lookback <= 0 {
		lookback = s.lookback
	}
	hist, err := s.History(ctx, s.store, u.ID, lookback)
	if err != nil {
		return nil, err
	}
	a := AnalysePatterns(hist, u.Location(), u.Chronotype)
	if s.notes != nil && !a.ColdStart {
		nctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		notes, err := s.notes.PatternNotes(nctx, a)
		cancel()
		switch {
		case err != nil:
			s.log.WarnContext(ctx, "patterns: notes writer failed; plain notes used", "error", err)
		case strings.TrimSpace(notes) != "":
			a.Summary.GeneralNotes = strings.TrimSpace(notes)
		}
	}
	return a, nil
}

// Consult analyses the user's history of the last lookbackDays days (1 to
// 365; 0 means the service's lookback) and answers in the original's shape.
// With the service's lookback, what it learnt is also stored.
func (s *PatternService) Consult(ctx context.Context, u *flux.User, lookbackDays int) (*Consultation, error) {
	if lookbackDays < 0 || lookbackDays > 365 {
		return nil, flux.Invalid("invalid consultation", flux.FieldError{Field: "lookback_days", Message: "must be between 1 and 365"})
	}
	lookback := time.Duration(lookbackDays) * 24 * time.Hour
	if lookbackDays == 0 {
		lookback = s.lookback
	}
	a, err := s.Analyse(ctx, u, lookback)
	if err != nil {
		return nil, err
	}
	if lookback == s.lookback {
		if err := s.store.Patterns().SyncPatterns(ctx, u.ID, PatternTypes, s.patternsOf(a)); err != nil {
			return nil, err
		}
	}
	return &Consultation{UserID: u.ID, PatternSummary: a.Summary, GeneratedAt: s.clock.Now().UTC(), DataPointsAnalysed: a.DataPoints}, nil
}

// Recompute analyses the user's history and stores what it learnt,
// keeping the patterns the user overrode.
func (s *PatternService) Recompute(ctx context.Context, userID string) (*PatternAnalysis, error) {
	u, err := s.store.Users().GetUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	a, err := s.Analyse(ctx, u, s.lookback)
	if err != nil {
		return nil, err
	}
	if err := s.store.Patterns().SyncPatterns(ctx, u.ID, PatternTypes, s.patternsOf(a)); err != nil {
		return nil, err
	}
	return a, nil
}

// PreferenceData is the data of the user_preference pattern the observer
// keeps: the scheduler's weights and the notifier's lead.
type PreferenceData struct {
	// Weights per local weekday (Sunday 0) and hour, in [−1, 1].
	Weights             *[7][24]float64 `json:"weights"`
	TypicalDelayMinutes *float64        `json:"typical_delay_minutes"`
	ReminderLeadMinutes int             `json:"reminder_lead_minutes"`
	DataPoints          int             `json:"data_points"`
	LowConfidence       bool            `json:"low_confidence"`
	GeneralNotes        string          `json:"general_notes"`
	GeneratedAt         time.Time       `json:"generated_at"`
}

// patternsOf turns an analysis into the patterns to store. A cold start
// stores nothing (its defaults are not learnt).
func (s *PatternService) patternsOf(a *PatternAnalysis) []flux.Pattern {
	if a.ColdStart {
		return nil
	}
	var out []flux.Pattern
	add := func(typ, key, desc string, conf float64, data any) {
		raw, err := json.Marshal(data)
		if err != nil {
			panic(err) // plain values
		}
		out = append(out, flux.Pattern{Type: typ, Key: key, Description: desc, Data: raw, Confidence: max(0, min(1, conf))})
	}
	lowConf := func(c float64) float64 {
		if a.Summary.LowConfidence {
			return min(c, 0.45)
		}
		return c
	}
	for _, b := range a.Best {
		tr := fmt.Sprintf("%02d:00-%02d:00", b.Start, b.End)
		add(PatternBestTime, tr, "Reliably gets things done between "+tr+".", lowConf(round2(b.Rate)),
			map[string]any{"time_range": tr, "completion_rate": round2(b.Rate), "data_points": b.DataPoints})
	}
	for _, v := range a.Avoid {
		key := v.Day + " " + v.TimeRange
		add(PatternAvoidance, key,
			fmt.Sprintf("User consistently misses tasks on %s between %s. Detected over %d consecutive weeks.", v.Day, v.TimeRange, v.Weeks),
			v.Confidence, map[string]any{"day": v.Day, "time_range": v.TimeRange, "reason": v.Reason, "confidence": v.Confidence,
				"miss_count": v.Misses, "weeks": v.Weeks})
	}
	for _, c := range a.Categories {
		add(PatternCategoryPerformance, c.Category, fmt.Sprintf("Completes %.0f%% of %s tasks.", 100*c.CompletionRate, c.Category),
			lowConf(min(1, float64(c.DataPoints)/10)), map[string]any{"category": c.Category, "completion_rate": c.CompletionRate, "data_points": c.DataPoints})
	}
	conf := 0.9
	if a.Summary.LowConfidence {
		conf = 0.4
	}
	add(PatternUserPreference, hourOfWeekKey, "When the user gets things done, per hour of the week (learnt).", conf, PreferenceData{
		Weights: a.Weights, TypicalDelayMinutes: a.TypicalDelayMinutes, ReminderLeadMinutes: a.ReminderLeadMinutes,
		DataPoints: a.DataPoints, LowConfidence: a.Summary.LowConfidence, GeneralNotes: a.Summary.GeneralNotes, GeneratedAt: s.clock.Now().UTC(),
	})
	return out
}

// EffectiveData is a pattern's data with its user override merged over it
// (top-level keys; "user_overridden" set when there is an override). Data
// that is not a JSON object is returned under "value".
func EffectiveData(p *flux.Pattern) map[string]any {
	out := map[string]any{}
	if len(p.Data) > 0 {
		if err := json.Unmarshal(p.Data, &out); err != nil || out == nil {
			var v any
			_ = json.Unmarshal(p.Data, &v)
			out = map[string]any{"value": v}
		}
	}
	if len(p.UserOverride) > 0 {
		var o map[string]any
		if err := json.Unmarshal(p.UserOverride, &o); err == nil {
			for k, v := range o {
				out[k] = v
			}
		}
		out["user_overridden"] = true
	}
	return out
}

// userPatterns returns the user's patterns of the observer's types.
func userPatterns(ctx context.Context, st PatternReader, userID string) ([]flux.Pattern, error) {
	var out []flux.Pattern
	p := flux.Page{Limit: flux.MaxPageLimit}
	for {
		ps, next, err := st.Patterns().ListPatterns(ctx, userID, flux.PatternFilter{}, p)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
		if next == "" {
			return out, nil
		}
		p.Cursor = next
	}
}

// Weights returns the scheduler weights from the user's stored patterns,
// read through st (a transaction's stores or the store): the learnt
// per-hour-of-week weights (with the user's override of them), every avoid
// slot not dismissed at −1 (including one the user added or moved), and a
// dismissed one ({"dismissed": true} in its override) not below 0. nil when
// nothing is stored. It is the ServiceOptions.Weights of the scheduler.
func (s *PatternService) Weights(ctx context.Context, st PatternReader, userID string) (*[7][24]float64, error) {
	ps, err := userPatterns(ctx, st, userID)
	if err != nil {
		return nil, err
	}
	return WeightsFromPatterns(ps), nil
}

// WeightsFromPatterns computes the scheduler weights of stored patterns
// (see PatternService.Weights).
func WeightsFromPatterns(ps []flux.Pattern) *[7][24]float64 {
	var w *[7][24]float64
	for i := range ps {
		if ps[i].Type != PatternUserPreference || ps[i].Key != hourOfWeekKey {
			continue
		}
		var d PreferenceData
		raw, _ := json.Marshal(EffectiveData(&ps[i]))
		if json.Unmarshal(raw, &d) == nil && d.Weights != nil {
			w = d.Weights
		}
	}
	for i := range ps {
		if ps[i].Type != PatternAvoidance {
			continue
		}
		d := EffectiveData(&ps[i])
		day, ok1 := d["day"].(string)
		tr, ok2 := d["time_range"].(string)
		wd, werr := flux.ParseWeekday(day)
		var h, m, h2, m2 int
		if !ok1 || !ok2 || werr != nil {
			continue
		}
		if n, _ := fmt.Sscanf(tr, "%d:%d-%d:%d", &h, &m, &h2, &m2); n != 4 || h < 0 || h > 23 {
			continue
		}
		end := h2
		if m2 > 0 || end <= h {
			end++
		}
		if w == nil {
			w = new([7][24]float64)
		}
		dismissed, _ := d["dismissed"].(bool)
		for hr := h; hr < min(end, 24); hr++ {
			if dismissed {
				w[wd][hr] = max(w[wd][hr], 0)
			} else {
				w[wd][hr] = -1
			}
		}
	}
	return w
}

// ReminderLead returns how long before a task's time the user's first
// reminder should go out: the lead learnt from when they start tasks
// (reminder_lead_minutes of the user_preference pattern, with the user's
// override); 0 when nothing is learnt. It is the notifier's timing.
func (s *PatternService) ReminderLead(ctx context.Context, st flux.Stores, userID string) (time.Duration, error) {
	ps, _, err := st.Patterns().ListPatterns(ctx, userID, flux.PatternFilter{Type: PatternUserPreference}, flux.Page{Limit: flux.MaxPageLimit})
	if err != nil {
		return 0, err
	}
	for i := range ps {
		if ps[i].Key != hourOfWeekKey {
			continue
		}
		if m, ok := EffectiveData(&ps[i])["reminder_lead_minutes"].(float64); ok && m > 0 {
			return time.Duration(min(m, 24*60)) * time.Minute, nil
		}
	}
	return 0, nil
}

// MissSignal is the original's miss signal: a task was missed.
type MissSignal struct {
	TaskID      string    `json:"task_id"`
	ScheduledAt time.Time `json:"scheduled_at"`
	Category    string    `json:"category"`
	// ConsecutiveMissCount is accepted and, as in the original, unused.
	ConsecutiveMissCount int `json:"consecutive_miss_count"`
}

// MissSignalResult is the answer to a miss signal, in the original's
// shape.
type MissSignalResult struct {
	UserID           string  `json:"user_id"`
	TaskID           string  `json:"task_id"`
	AvoidanceFlagged bool    `json:"avoidance_flagged"`
	PatternID        *string `json:"pattern_id"`
	Message          string  `json:"message"`
}

// Signal applies the original's avoidance rule to one miss: the user's
// missed tasks of the last MissSignalDays days on the same local weekday
// within SlotToleranceHours of its hour, plus this one (counted once, even
// when it is among them: the original counted it twice), flag the slot when
// they are at least AvoidanceMissThreshold over at least AvoidanceWeekSpan
// distinct ISO weeks. A flagged slot is stored as an avoidance pattern
// (updated in place when one exists for the slot, left alone when the user
// overrode it).
func (s *PatternService) Signal(ctx context.Context, u *flux.User, sig MissSignal) (*MissSignalResult, error) {
	var fs []flux.FieldError
	if !flux.ValidID(sig.TaskID) {
		fs = append(fs, flux.FieldError{Field: "task_id", Message: "must be a UUID"})
	}
	if sig.ScheduledAt.IsZero() {
		fs = append(fs, flux.FieldError{Field: "scheduled_at", Message: "is required"})
	}
	if sig.ConsecutiveMissCount < 0 {
		fs = append(fs, flux.FieldError{Field: "consecutive_miss_count", Message: "must be at least 1"})
	}
	if len(fs) > 0 {
		return nil, flux.Invalid("invalid miss signal", fs...)
	}
	loc := u.Location()
	lt := sig.ScheduledAt.In(loc)
	day, hour := lt.Weekday(), lt.Hour()
	now := s.clock.Now()
	from := now.Add(-MissSignalDays * 24 * time.Hour)
	out := &MissSignalResult{UserID: u.ID, TaskID: sig.TaskID, Message: "Miss signal recorded. Monitoring for recurring avoidance."}
	err := s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		y, w := lt.ISOWeek()
		weeks := map[[2]int]bool{{y, w}: true}
		count := 1
		p := flux.Page{Limit: flux.MaxPageLimit}
		for {
			ts, next, err := tx.Tasks().ListTasks(ctx, u.ID, flux.TaskFilter{From: &from, To: &now, Statuses: []flux.TaskStatus{flux.TaskMissed}}, p)
			if err != nil {
				return err
			}
			for _, t := range ts {
				if t.ID == sig.TaskID || t.ScheduledAt == nil {
					continue
				}
				mt := t.ScheduledAt.In(loc)
				if mt.Weekday() == day && abs(mt.Hour()-hour) <= SlotToleranceHours {
					count++
					y, w := mt.ISOWeek()
					weeks[[2]int{y, w}] = true
				}
			}
			if next == "" {
				break
			}
			p.Cursor = next
		}
		if count < AvoidanceMissThreshold || len(weeks) < AvoidanceWeekSpan {
			return nil
		}
		out.AvoidanceFlagged = true
		out.Message = fmt.Sprintf("Avoidance pattern flagged for slot %s %02d:00.", day, hour)
		slot := avoidSlot(day, hour, count, len(weeks))
		key := slot.Day + " " + slot.TimeRange
		data, err := json.Marshal(map[string]any{"day": slot.Day, "time_range": slot.TimeRange, "reason": slot.Reason, "confidence": slot.Confidence,
			"miss_count": count, "weeks": len(weeks), "category": sig.Category, "last_miss_task_id": sig.TaskID})
		if err != nil {
			return err
		}
		desc := fmt.Sprintf("User consistently misses tasks on %s between %s. Detected over %d consecutive weeks.", slot.Day, slot.TimeRange, len(weeks))
		existing, _, err := tx.Patterns().ListPatterns(ctx, u.ID, flux.PatternFilter{Type: PatternAvoidance}, flux.Page{Limit: flux.MaxPageLimit})
		if err != nil {
			return err
		}
		for _, e := range existing {
			if e.Key != key {
				continue
			}
			id := e.ID
			out.PatternID = &id
			if len(e.UserOverride) > 0 {
				return nil
			}
			_, err := tx.Patterns().UpdatePattern(ctx, u.ID, e.ID, func(p *flux.Pattern) error {
				p.Description, p.Data, p.Confidence = desc, data, slot.Confidence
				return nil
			})
			return err
		}
		np := flux.Pattern{UserID: u.ID, Type: PatternAvoidance, Key: key, Description: desc, Data: data, Confidence: slot.Confidence}
		if err := tx.Patterns().CreatePattern(ctx, &np); err != nil {
			return err
		}
		out.PatternID = &np.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PatternArgs is the job that recomputes a user's patterns. At is the end
// of the debounce window the job stands for (or the night, when Nightly):
// every task closed in one window enqueues the same job, which the unique
// arguments make one.
type PatternArgs struct {
	UserID  string    `json:"user_id" river:"unique"`
	At      time.Time `json:"at" river:"unique"`
	Nightly bool      `json:"nightly" river:"unique"`
}

// Kind implements flux.JobArgs.
func (PatternArgs) Kind() string { return "patterns.recompute" }

// TaskClosed implements the escalation notifier's Observer: when a task
// becomes done or missed it enqueues, in the same transaction, the
// debounced recomputation of its user's patterns and their nightly one.
// Without a job queue (EUnavailable) it does nothing.
func (s *PatternService) TaskClosed(ctx context.Context, tx flux.Stores, before, after *flux.Task) error {
	if after == nil || (after.Status != flux.TaskDone && after.Status != flux.TaskMissed) || (before != nil && before.Status == after.Status) {
		return nil
	}
	now := s.clock.Now().UTC()
	at := now.Truncate(s.debounce).Add(s.debounce)
	_, err := tx.Jobs().Enqueue(ctx, PatternArgs{UserID: after.UserID, At: at}, &flux.JobOptions{RunAt: at, Unique: true})
	if flux.IsCode(err, flux.EUnavailable) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.enqueueNightly(ctx, tx, after.UserID, now)
}

// enqueueNightly enqueues the user's next nightly recomputation.
func (s *PatternService) enqueueNightly(ctx context.Context, st PatternServiceStores, userID string, now time.Time) error {
	u, err := st.Users().GetUser(ctx, userID)
	if err != nil {
		return err
	}
	loc := u.Location()
	l := now.In(loc)
	at := time.Date(l.Year(), l.Month(), l.Day(), s.nightly, 0, 0, 0, loc)
	if !at.After(now) {
		at = time.Date(l.Year(), l.Month(), l.Day()+1, s.nightly, 0, 0, 0, loc)
	}
	at = at.UTC()
	_, err = st.Jobs().Enqueue(ctx, PatternArgs{UserID: userID, At: at, Nightly: true}, &flux.JobOptions{RunAt: at, Unique: true})
	return err
}

// Work is the worker of PatternArgs: at its time it recomputes the user's
// patterns; a nightly job then enqueues the next night's while the user has
// history in the lookback.
func (s *PatternService) Work(ctx context.Context, a PatternArgs) error {
	now := s.clock.Now()
	if d := a.At.Sub(now); d > time.Second {
		return flux.SnoozeJob(d)
	}
	res, err := s.Recompute(ctx, a.UserID)
	if flux.IsCode(err, flux.ENotFound) {
		return nil // the user is gone
	}
	if err != nil {
		return err
	}
	if a.Nightly && res.DataPoints > 0 {
		err := s.enqueueNightly(ctx, s.store, a.UserID, now.UTC())
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return nil
}
