// Package escalation is the reminder ladder on durable timers: an
// escalation climbs its policy's steps (push, then WhatsApp, then a phone
// call, by default) until the person acknowledges it, and the notifier
// starts one for each task as it comes due.
//
// It keeps the promise the way an on-call pager does (Grafana OnCall,
// PagerDuty): the policy is copied into the escalation when it starts, each
// step is a durable job at its absolute time (River, on either store), an
// acknowledgement cancels every pending step in the transaction that
// records it, and a step sends at most once — its send is recorded as an
// intent together with the step, through notify.Dispatcher, whose provider
// calls carry the notification id as their idempotency key. With several
// fluxd processes on one PostgreSQL, River shares the jobs and a step's
// row lock makes sure only one of them sends it.
//
// The lifecycle of an escalation follows its task wherever the task is
// written: Watch wraps a store so that saving or moving a task schedules
// its reminder, and completing or missing it acknowledges its ladder, in the
// same transaction.
package escalation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/notify"
)

// Sender records a notification inside a transaction (with a job that
// sends it later should nobody send it sooner) and sends recorded ones;
// *notify.Dispatcher is one.
type Sender interface {
	Record(ctx context.Context, tx flux.Stores, req notify.Request) ([]flux.Notification, error)
	SendRecorded(ctx context.Context, n flux.Notification) (notify.Delivery, error)
}

// Options tune a Service. A nil *Options means the defaults.
type Options struct {
	// Clock tells the time; nil means the system clock.
	Clock flux.Clock
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// Service starts, runs and stops escalations. It is safe for concurrent
// use. Register Service.Step as the worker of StepArgs.
type Service struct {
	store flux.Store
	send  Sender
	clock flux.Clock
	log   *slog.Logger
}

// NewService returns a Service over store (which needs a job queue
// attached) that sends through send.
func NewService(store flux.Store, send Sender, opts *Options) *Service {
	var o Options
	if opts != nil {
		o = *opts
	}
	s := &Service{store: store, send: send, clock: o.Clock, log: o.Logger}
	if s.clock == nil {
		s.clock = flux.SystemClock{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// Request asks to start an escalation.
type Request struct {
	UserID string
	// TaskID, when set, makes it the task's reminder; empty for an ad-hoc
	// message.
	TaskID   string
	Title    string
	Message  string
	Priority flux.Priority
	// Speed divides every wait (the priority model's 1, 5 or 10); 0 means
	// 1.
	Speed float64
	// Policy is the ladder to copy; nil means the user's ladder for
	// Priority (notify.PolicyFor).
	Policy []flux.PolicyStep
	// Start is when the first step is due; zero means now.
	Start time.Time
	// Anchor, when set (a task's time), is what the steps after the first
	// count their waits from: a reminder is sent ahead of the task, and
	// nothing after it comes before the task's time. Zero means Start.
	Anchor time.Time
	// Key, when set, makes the start idempotent per user: a second start
	// with the key returns the first escalation.
	Key string
}

// StepArgs is the durable job of one step.
type StepArgs struct {
	UserID       string `json:"user_id"`
	EscalationID string `json:"escalation_id"`
	Step         int    `json:"step"`
}

// Kind implements flux.JobArgs.
func (StepArgs) Kind() string { return "escalation.step" }

// Start starts an escalation and schedules its steps, in one transaction.
// created is false when req.Key repeats an earlier start, whose escalation
// is returned.
func (s *Service) Start(ctx context.Context, req Request) (esc *flux.Escalation, created bool, err error) {
	err = s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		esc, created, err = s.StartTx(ctx, tx, req)
		return err
	})
	if flux.IsCode(err, flux.EConflict) && req.Key != "" {
		// Started concurrently with the same key.
		if prev, perr := s.byKey(ctx, s.store, req.UserID, req.Key); perr == nil && prev != nil {
			return prev, false, nil
		}
	}
	if err != nil {
		return nil, false, err
	}
	return esc, created, nil
}

// StartTx is Start inside the caller's transaction tx.
func (s *Service) StartTx(ctx context.Context, tx flux.Stores, req Request) (*flux.Escalation, bool, error) {
	if req.Key != "" {
		prev, err := s.byKey(ctx, tx, req.UserID, req.Key)
		if err != nil || prev != nil {
			return prev, false, err
		}
	}
	u, err := tx.Users().GetUser(ctx, req.UserID)
	if err != nil {
		return nil, false, err
	}
	if err := check(&req); err != nil {
		return nil, false, err
	}
	policy := req.Policy
	if policy == nil {
		policy = notify.PolicyFor(u, req.Priority)
	}
	if fs := flux.ValidatePolicy("policy", policy); len(fs) > 0 {
		return nil, false, flux.Invalid("invalid escalation policy", fs...)
	}
	now := s.clock.Now()
	if req.Start.IsZero() || req.Start.Before(now) {
		req.Start = now
	}
	esc := &flux.Escalation{
		ID: flux.NewID(), UserID: u.ID, TaskID: req.TaskID, Title: req.Title, Message: req.Message,
		Priority: req.Priority, Speed: req.Speed, Status: flux.EscalationRunning, IdempotencyKey: req.Key,
		Steps: Plan(policy, req.Speed, req.Start, req.Anchor),
	}
	for i := range esc.Steps {
		id, err := tx.Jobs().Enqueue(ctx, StepArgs{UserID: u.ID, EscalationID: esc.ID, Step: i}, &flux.JobOptions{RunAt: esc.Steps[i].DueAt})
		if err != nil {
			return nil, false, err
		}
		esc.Steps[i].JobID = id
	}
	if err := tx.Escalations().CreateEscalation(ctx, esc); err != nil {
		return nil, false, err
	}
	s.log.InfoContext(ctx, "escalation started", "escalation_id", esc.ID, "user_id", u.ID, "task_id", esc.TaskID,
		"priority", esc.Priority, "steps", len(esc.Steps), "first_at", esc.Steps[0].DueAt)
	return esc, true, nil
}

func check(req *Request) error {
	var fs []flux.FieldError
	req.Title, req.Message = strings.TrimSpace(req.Title), strings.TrimSpace(req.Message)
	if req.Title == "" && req.Message == "" {
		fs = append(fs, flux.FieldError{Field: "title", Message: "an escalation needs a title or a message"})
	}
	if len(req.Title) > 200 {
		fs = append(fs, flux.FieldError{Field: "title", Message: "is longer than 200 characters"})
	}
	if len(req.Message) > 1000 {
		fs = append(fs, flux.FieldError{Field: "message", Message: "is longer than 1000 characters"})
	}
	if req.Priority == "" {
		req.Priority = flux.PriorityStandard
	}
	if !req.Priority.Valid() {
		fs = append(fs, flux.FieldError{Field: "priority", Message: "must be standard, important or must_not_miss"})
	}
	if req.Speed == 0 {
		req.Speed = 1
	}
	if req.Speed < 1 || req.Speed > 10 {
		fs = append(fs, flux.FieldError{Field: "speed", Message: "must be between 1 and 10"})
	}
	if req.TaskID != "" && !flux.ValidID(req.TaskID) {
		fs = append(fs, flux.FieldError{Field: "task_id", Message: "must be a UUID"})
	}
	if len(fs) > 0 {
		return flux.Invalid("invalid escalation", fs...)
	}
	return nil
}

// Plan lays policy out in time: the first step at start, each later step
// its wait (divided by speed) after the one before; when anchor is after
// start, the waits of the later steps count from anchor instead, so that
// none of them comes before it.
func Plan(policy []flux.PolicyStep, speed float64, start, anchor time.Time) []flux.EscalationStep {
	steps := make([]flux.EscalationStep, len(policy))
	at := start
	for i, p := range policy {
		wait := time.Duration(notify.ActualWait(p.WaitSeconds, speed)) * time.Second
		switch {
		case i == 0:
			at = start.Add(wait)
		case i == 1 && anchor.After(at):
			at = anchor.Add(wait)
		default:
			at = at.Add(wait)
		}
		steps[i] = flux.EscalationStep{
			Channel: p.Channel, Status: flux.StepPending, WaitSeconds: p.WaitSeconds,
			Conditions: append([]string(nil), p.Conditions...), DueAt: at,
		}
	}
	return steps
}

func (s *Service) byKey(ctx context.Context, st flux.Stores, userID, key string) (*flux.Escalation, error) {
	got, _, err := st.Escalations().ListEscalations(ctx, userID, flux.EscalationFilter{IdempotencyKey: key}, flux.Page{Limit: 1})
	if err != nil || len(got) == 0 {
		return nil, err
	}
	return &got[0], nil
}

// errStop ends an update that finds nothing to do.
var errStop = errors.New("escalation: nothing to do")

// early is the error of a step job that ran before its time.
type early struct{ wait time.Duration }

func (e early) Error() string { return "escalation: step ran early by " + e.wait.String() }

// Step is the worker of StepArgs: when the escalation still runs and the
// step is still pending, it sends the step (recording the send's intent in
// the same transaction as the step's new state) or skips it when its
// conditions say so; otherwise it sends nothing. A job that runs before
// the step's time (by the Clock) waits until then.
func (s *Service) Step(ctx context.Context, a StepArgs) error {
	var (
		wait time.Duration
		sent []flux.Notification
	)
	err := s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		u, err := tx.Users().GetUser(ctx, a.UserID)
		if err != nil {
			return err
		}
		if cur, err := tx.Escalations().GetEscalation(ctx, a.UserID, a.EscalationID); err != nil {
			return err
		} else if cur.TaskID != "" && cur.Status == flux.EscalationRunning {
			// A reminder of a task that is no longer open (deleted with its
			// goal, say) ends without sending.
			t, err := tx.Tasks().GetTask(ctx, a.UserID, cur.TaskID)
			if flux.IsCode(err, flux.ENotFound) || (err == nil && !t.Status.Open()) {
				_, err = s.stop(ctx, tx, a.UserID, cur.ID, flux.EscalationCancelled, "task closed")
				return err
			} else if err != nil {
				return err
			}
		}
		now := s.clock.Now()
		var skip string
		nid := flux.NewID() // the step's send, recorded with the step
		esc, err := tx.Escalations().UpdateEscalation(ctx, a.UserID, a.EscalationID, func(e *flux.Escalation) error {
			if e.Status != flux.EscalationRunning || a.Step < 0 || a.Step >= len(e.Steps) || e.Steps[a.Step].Status != flux.StepPending {
				return errStop
			}
			st := &e.Steps[a.Step]
			if d := st.DueAt.Sub(now); d > time.Second {
				return early{d}
			}
			skip = skipReason(u, st, e.Priority, now)
			if skip != "" {
				st.Status, st.Error = flux.StepSkipped, skip
			} else {
				st.Status, st.SentAt, st.NotificationID = flux.StepSent, &now, nid
			}
			if last(e, a.Step) {
				e.Status, e.EndedAt = flux.EscalationExhausted, &now
			}
			return nil
		})
		var e early
		switch {
		case errors.As(err, &e):
			wait = e.wait
			return nil
		case err != nil:
			return err
		}
		if skip != "" {
			s.log.InfoContext(ctx, "escalation step skipped", "escalation_id", esc.ID, "step", a.Step, "reason", skip)
			return nil
		}
		st := esc.Steps[a.Step]
		ns, err := s.send.Record(ctx, tx, notify.Request{
			ID: nid, UserID: u.ID, TaskID: esc.TaskID, EscalationID: esc.ID, Priority: esc.Priority,
			Channels: []flux.Channel{st.Channel}, Title: esc.Title, Body: esc.Message,
			Key: fmt.Sprintf("escalation:%s:%d", esc.ID, a.Step),
		})
		sent = ns
		return err
	})
	switch {
	case errors.Is(err, errStop), flux.IsCode(err, flux.ENotFound):
		return nil
	case err != nil:
		return err
	case wait > 0:
		return flux.SnoozeJob(wait)
	}
	// The step and its send's intent are committed: send it now. Should
	// this process die first, the dispatcher's job sends it later.
	for _, n := range sent {
		if _, err := s.send.SendRecorded(ctx, n); err != nil {
			s.log.WarnContext(ctx, "escalation step recorded but not sent now; its job will send it", "escalation_id", a.EscalationID, "step", a.Step, "error", err)
		}
	}
	return nil
}

// last reports whether every step after i is settled (none still pending).
func last(e *flux.Escalation, i int) bool {
	for j := range e.Steps {
		if j != i && e.Steps[j].Status == flux.StepPending {
			return false
		}
	}
	return true
}

// skipReason says why step st is not sent now, or "" to send it: a
// WhatsApp or call step for a user without a phone number, or a step that
// must stay outside quiet hours while the user is in them.
func skipReason(u *flux.User, st *flux.EscalationStep, p flux.Priority, now time.Time) string {
	if (st.Channel == flux.ChannelWhatsApp || st.Channel == flux.ChannelCall) && u.PhoneNumber == "" {
		return "no phone number"
	}
	for _, c := range st.Conditions {
		if c == flux.ConditionOutsideQuietHours && InQuietHours(u, now) {
			return "quiet hours"
		}
	}
	return ""
}

// InQuietHours reports whether t falls in user u's quiet hours, in their
// time zone.
func InQuietHours(u *flux.User, t time.Time) bool {
	if u.QuietHours == nil {
		return false
	}
	l := t.In(u.Location())
	return u.QuietHours.Contains(flux.ClockTime{Hour: l.Hour(), Minute: l.Minute()})
}

// Acknowledge stops one of the user's escalations because they answered:
// its pending steps are skipped and their jobs cancelled, sends not yet
// made are called off, and the step answered (the last one sent) is marked
// acknowledged — all in one transaction. response says how ("done",
// "missed", "reschedule", "acknowledged"). Acknowledging a stopped
// escalation changes nothing.
func (s *Service) Acknowledge(ctx context.Context, userID, id, response string) (*flux.Escalation, error) {
	var out *flux.Escalation
	err := s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		var err error
		out, err = s.stop(ctx, tx, userID, id, flux.EscalationAcknowledged, response)
		return err
	})
	return out, err
}

// Cancel stops one of the user's escalations without an answer, as
// Acknowledge does.
func (s *Service) Cancel(ctx context.Context, userID, id string) (*flux.Escalation, error) {
	var out *flux.Escalation
	err := s.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		var err error
		out, err = s.stop(ctx, tx, userID, id, flux.EscalationCancelled, "")
		return err
	})
	return out, err
}

// AcknowledgeTask stops, inside tx, the escalations of the user's task
// with status to: acknowledged stops running and exhausted ones (the
// person answered, even after the last step), cancelled the running ones.
func (s *Service) AcknowledgeTask(ctx context.Context, tx flux.Stores, userID, taskID string, to flux.EscalationStatus, response string) error {
	from := []flux.EscalationStatus{flux.EscalationRunning}
	if to == flux.EscalationAcknowledged {
		from = append(from, flux.EscalationExhausted)
	}
	return s.stopTask(ctx, tx, userID, taskID, from, to, response)
}

// stopRunning stops, inside tx, the running escalations of the user's
// task with status to.
func (s *Service) stopRunning(ctx context.Context, tx flux.Stores, userID, taskID string, to flux.EscalationStatus, response string) error {
	return s.stopTask(ctx, tx, userID, taskID, []flux.EscalationStatus{flux.EscalationRunning}, to, response)
}

func (s *Service) stopTask(ctx context.Context, tx flux.Stores, userID, taskID string, from []flux.EscalationStatus, to flux.EscalationStatus, response string) error {
	escs, _, err := tx.Escalations().ListEscalations(ctx, userID, flux.EscalationFilter{TaskID: taskID, Statuses: from},
		flux.Page{Limit: flux.MaxPageLimit})
	if err != nil {
		return err
	}
	for _, e := range escs {
		if _, err := s.stop(ctx, tx, userID, e.ID, to, response); err != nil {
			return err
		}
	}
	return nil
}

// stop ends an escalation with status to, inside tx.
func (s *Service) stop(ctx context.Context, tx flux.Stores, userID, id string, to flux.EscalationStatus, response string) (*flux.Escalation, error) {
	now := s.clock.Now()
	var jobs []int64
	var calledOff []string
	esc, err := tx.Escalations().UpdateEscalation(ctx, userID, id, func(e *flux.Escalation) error {
		switch {
		case e.Status == flux.EscalationRunning:
		case e.Status == flux.EscalationExhausted && to == flux.EscalationAcknowledged:
		default:
			return errStop
		}
		answered := -1
		for i := range e.Steps {
			st := &e.Steps[i]
			switch st.Status {
			case flux.StepPending:
				st.Status, st.Error = flux.StepSkipped, string(to)
				if st.JobID != 0 {
					jobs = append(jobs, st.JobID)
				}
			case flux.StepSent:
				answered = i
				if st.NotificationID != "" {
					calledOff = append(calledOff, st.NotificationID)
				}
			}
		}
		if to == flux.EscalationAcknowledged && answered >= 0 {
			e.Steps[answered].Status = flux.StepAcknowledged
		}
		e.Status = to
		if e.EndedAt == nil || to == flux.EscalationAcknowledged {
			e.EndedAt = &now
		}
		return nil
	})
	if errors.Is(err, errStop) {
		return tx.Escalations().GetEscalation(ctx, userID, id)
	}
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		if err := tx.Jobs().Cancel(ctx, j); err != nil {
			return nil, err
		}
	}
	// A send the step recorded but whose job has not sent it yet is called
	// off: the deliver job finds it no longer pending.
	for _, nid := range calledOff {
		_, err := tx.Notifications().UpdateNotification(ctx, userID, nid, func(n *flux.Notification) error {
			if n.Status != flux.NotificationPending || n.Attempts > 0 {
				return errStop
			}
			n.Status, n.Error = flux.NotificationCancelled, "the escalation was "+string(to)+" first"
			return nil
		})
		if err != nil && !errors.Is(err, errStop) && !flux.IsCode(err, flux.ENotFound) {
			return nil, err
		}
	}
	s.log.InfoContext(ctx, "escalation stopped", "escalation_id", esc.ID, "status", esc.Status, "response", response)
	return esc, nil
}
