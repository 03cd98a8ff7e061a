package notify

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

// Options tune a Dispatcher. A nil *Options means all defaults; a zero field
// takes the default its comment names.
type Options struct {
	// Channels are the configured providers, by their Name. A channel of
	// the model (push, whatsapp, call) with no provider here is served by
	// a LogChannel, so that every send succeeds visibly.
	Channels []Channel
	// Clock tells the time; nil means the system clock.
	Clock flux.Clock
	// Logger; nil means slog.Default().
	Logger *slog.Logger
	// MaxAttempts is how often a send is tried before it is recorded as
	// failed; default 5.
	MaxAttempts int
	// RetryBase is the wait before the first retry; each further retry
	// waits twice as long, up to RetryMax, and never less than a
	// provider's Retry-After. Defaults 30s and 10m.
	RetryBase time.Duration
	RetryMax  time.Duration
	// SendTimeout bounds one call to a provider; default 30s. An attempt
	// that recorded no outcome within twice this is taken for one whose
	// process died, and is tried again.
	SendTimeout time.Duration
	// AppURL is the base URL of the app, for links to a task
	// (AppURL/tasks/<id>); default "https://flux-life-assistant.app".
	AppURL string
	// RequireVerifiedPhone refuses WhatsApp messages and calls to a number
	// the user has not verified (set it when phone verification is
	// configured).
	RequireVerifiedPhone bool
	// Observer, when set, is told the outcome of every send attempt (for
	// metrics).
	Observer Observer
}

// Observer is told the outcome of each attempt to send a notification: its
// channel, the outcome ("sent", "retry" when it failed and will be tried
// again, "failed" when it failed for good) and how long the provider took.
// It is called on the sending goroutine and must be quick.
type Observer interface {
	NotificationAttempt(channel flux.Channel, outcome string, took time.Duration)
}

// DefaultAppURL is the app's base URL when Options.AppURL is empty, as the
// original had it.
const DefaultAppURL = "https://flux-life-assistant.app"

// Dispatcher sends notifications through the configured channels and keeps
// the notification log. Every send is recorded before it leaves (status
// pending, its attempt counted), and its outcome after; a send that fails
// temporarily is retried by a durable job (DeliverArgs) with backoff; a
// request with an idempotency key is sent at most once per channel. It is
// safe for concurrent use.
type Dispatcher struct {
	store    flux.Store
	channels map[string]Channel
	clock    flux.Clock
	log      *slog.Logger
	max      int
	base     time.Duration
	maxWait  time.Duration
	timeout  time.Duration
	appURL   string
	verified bool
	observer Observer
}

// NewDispatcher returns a Dispatcher over store. The store needs a job
// queue attached for retries (store/jobs), and the job DeliverArgs must be
// registered with Dispatcher.Deliver as its worker.
func NewDispatcher(store flux.Store, opts *Options) *Dispatcher {
	var o Options
	if opts != nil {
		o = *opts
	}
	d := &Dispatcher{
		store: store, channels: map[string]Channel{}, clock: o.Clock, log: o.Logger,
		max: o.MaxAttempts, base: o.RetryBase, maxWait: o.RetryMax, timeout: o.SendTimeout,
		appURL: strings.TrimRight(o.AppURL, "/"), verified: o.RequireVerifiedPhone, observer: o.Observer,
	}
	if d.clock == nil {
		d.clock = flux.SystemClock{}
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	if d.max <= 0 {
		d.max = 5
	}
	if d.base <= 0 {
		d.base = 30 * time.Second
	}
	if d.maxWait <= 0 {
		d.maxWait = 10 * time.Minute
	}
	if d.timeout <= 0 {
		d.timeout = 30 * time.Second
	}
	if d.appURL == "" {
		d.appURL = DefaultAppURL
	}
	for _, name := range []flux.Channel{flux.ChannelPush, flux.ChannelWhatsApp, flux.ChannelCall} {
		d.channels[string(name)] = NewLogChannel(string(name), d.log)
	}
	for _, c := range o.Channels {
		d.channels[c.Name()] = c
	}
	return d
}

// TaskURL is the app's link to a task.
func (d *Dispatcher) TaskURL(taskID string) string { return d.appURL + "/tasks/" + taskID }

// Request asks for one notification to one user, on one or more channels.
type Request struct {
	// ID, when set, is the id of the log entry of a request on a single
	// channel (a caller that records the id beside its own state before
	// the entry exists); empty means new ids.
	ID           string
	UserID       string
	TaskID       string
	EscalationID string
	Priority     flux.Priority
	// Channels to send on, in order; each gets its own notification log
	// entry.
	Channels []flux.Channel
	Title    string
	Body     string
	// URL is the link of the message; empty means the task's link when
	// TaskID is set.
	URL     string
	Data    map[string]string
	Actions []Action
	TTL     time.Duration
	// To, when set, is the phone number for WhatsApp and calls instead of
	// the user's own (the caller has checked that they may).
	To string
	// Key, when set, makes the request idempotent: the entry of each
	// channel has the idempotency key Key + ":" + channel, and a request
	// repeating a key sends nothing on that channel and returns what the
	// first one recorded.
	Key string
}

// Delivery is what became of a request on one channel.
type Delivery struct {
	Channel flux.Channel
	// Notification is the log entry as it stands after the send.
	Notification flux.Notification
	// Receipt is the provider's answer; nil when nothing was sent now
	// (a repeat, or a failure before any provider was called).
	Receipt *Receipt
	// Err is why the send failed, nil when it succeeded; a temporary
	// failure is retried by a job.
	Err error
	// Repeated reports that the request repeated an idempotency key: the
	// notification was recorded earlier and nothing was sent now.
	Repeated bool
}

// payload is what a log entry keeps to send its message again.
type payload struct {
	URL      string            `json:"url,omitempty"`
	Data     map[string]string `json:"data,omitempty"`
	Actions  []Action          `json:"actions,omitempty"`
	TTL      int               `json:"ttl_seconds,omitempty"`
	Priority flux.Priority     `json:"priority,omitempty"`
}

// DeliverArgs is the durable job that sends, or sends again, one
// notification log entry. Register Dispatcher.Deliver as its worker.
type DeliverArgs struct {
	UserID         string `json:"user_id"`
	NotificationID string `json:"notification_id"`
}

// Kind implements flux.JobArgs.
func (DeliverArgs) Kind() string { return "notify.deliver" }

// Send records req on each of its channels and sends it now, returning one
// Delivery per channel. A temporary failure leaves the entry pending with
// a retry job that will send it again; a permanent one records it failed.
// The error is for failures of the request itself (EInvalid for a bad
// request, ENotFound for an unknown user, a store error); a channel's
// failure is in its Delivery.
func (d *Dispatcher) Send(ctx context.Context, req Request) ([]Delivery, error) {
	if err := d.check(req); err != nil {
		return nil, err
	}
	u, err := d.store.Users().GetUser(ctx, req.UserID)
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(req.Channels))
	for _, ch := range req.Channels {
		del, err := d.sendOne(ctx, u, req, ch)
		if err != nil {
			return out, err
		}
		out = append(out, del)
	}
	return out, nil
}

// Enqueue records req on each of its channels inside tx and enqueues the
// job that sends each, so the entries and their sends commit together with
// the caller's other changes. It returns the entries. A repeated
// idempotency key returns the entry recorded first, with nothing enqueued
// again.
func (d *Dispatcher) Enqueue(ctx context.Context, tx flux.Stores, req Request) ([]flux.Notification, error) {
	return d.recordAll(ctx, tx, req, time.Time{})
}

// Record records req on each of its channels inside tx, for the caller to
// send with SendRecorded once tx has committed (an escalation step). Each
// entry also gets a job that sends it later, twice SendTimeout from now,
// should the caller's process die before it sends: at least once, and the
// entry's claim makes it at most once.
func (d *Dispatcher) Record(ctx context.Context, tx flux.Stores, req Request) ([]flux.Notification, error) {
	return d.recordAll(ctx, tx, req, d.clock.Now().Add(2*d.timeout))
}

// recordAll records req on each channel with a deliver job at runAt (zero:
// now).
func (d *Dispatcher) recordAll(ctx context.Context, tx flux.Stores, req Request, runAt time.Time) ([]flux.Notification, error) {
	if err := d.check(req); err != nil {
		return nil, err
	}
	u, err := tx.Users().GetUser(ctx, req.UserID)
	if err != nil {
		return nil, err
	}
	out := make([]flux.Notification, 0, len(req.Channels))
	for _, ch := range req.Channels {
		n, fresh, err := d.record(ctx, tx, u, req, ch)
		if err != nil {
			return out, err
		}
		if fresh && n.Status == flux.NotificationPending {
			if _, err := tx.Jobs().Enqueue(ctx, DeliverArgs{UserID: n.UserID, NotificationID: n.ID}, &flux.JobOptions{RunAt: runAt}); err != nil {
				return out, err
			}
		}
		out = append(out, *n)
	}
	return out, nil
}

// SendRecorded sends an entry recorded by Record (or Enqueue) now, unless
// it was sent already or an attempt is under way; a temporary failure
// schedules its retry. The error is the store's; the send's own outcome is
// in the Delivery.
func (d *Dispatcher) SendRecorded(ctx context.Context, n flux.Notification) (Delivery, error) {
	if n.Status != flux.NotificationPending {
		return Delivery{Channel: n.Channel, Notification: n, Repeated: true}, nil
	}
	o, err := d.attempt(ctx, n.UserID, n.ID)
	if err != nil {
		return Delivery{}, err
	}
	if o.retryIn > 0 && o.err != nil {
		// The safety-net job may run later than the backoff asks: a retry
		// job at the backoff's time.
		if _, err := d.store.Jobs().Enqueue(ctx, DeliverArgs{UserID: n.UserID, NotificationID: n.ID},
			&flux.JobOptions{RunAt: d.clock.Now().Add(o.retryIn)}); err != nil {
			d.log.ErrorContext(ctx, "cannot schedule the retry of a notification; the safety-net job will", "notification_id", n.ID, "error", err)
		}
	}
	return Delivery{Channel: n.Channel, Notification: *o.n, Receipt: o.r, Err: o.err}, nil
}

func (d *Dispatcher) check(req Request) error {
	var fs []flux.FieldError
	if !flux.ValidID(req.UserID) {
		return flux.NotFound("user")
	}
	if len(req.Channels) == 0 {
		fs = append(fs, flux.FieldError{Field: "channels", Message: "name at least one channel"})
	}
	if req.ID != "" && (len(req.Channels) > 1 || !flux.ValidID(req.ID)) {
		fs = append(fs, flux.FieldError{Field: "id", Message: "a chosen id must be a UUID, for a request on one channel"})
	}
	for _, ch := range req.Channels {
		if _, ok := d.channels[string(ch)]; !ok {
			fs = append(fs, flux.FieldError{Field: "channels", Message: fmt.Sprintf("unknown channel %q", ch)})
		}
	}
	if strings.TrimSpace(req.Title) == "" && strings.TrimSpace(req.Body) == "" {
		fs = append(fs, flux.FieldError{Field: "body", Message: "a notification needs a title or a body"})
	}
	if req.Priority != "" && !req.Priority.Valid() {
		fs = append(fs, flux.FieldError{Field: "priority", Message: "must be standard, important or must_not_miss"})
	}
	if req.To != "" && !flux.ValidE164(req.To) {
		fs = append(fs, flux.FieldError{Field: "to", Message: "must be a phone number in E.164 form, such as +14155550100"})
	}
	if len(fs) > 0 {
		return flux.Invalid("invalid notification", fs...)
	}
	return nil
}

// sendOne records req on channel ch, with a retry job as the safety net,
// and sends it now.
func (d *Dispatcher) sendOne(ctx context.Context, u *flux.User, req Request, ch flux.Channel) (Delivery, error) {
	var (
		n     *flux.Notification
		fresh bool
	)
	err := d.store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		var err error
		n, fresh, err = d.record(ctx, tx, u, req, ch)
		if err != nil || !fresh || n.Status != flux.NotificationPending {
			return err
		}
		// Should this process die before the outcome is recorded, the job
		// sends it: at least once.
		_, err = tx.Jobs().Enqueue(ctx, DeliverArgs{UserID: n.UserID, NotificationID: n.ID},
			&flux.JobOptions{RunAt: d.clock.Now().Add(2 * d.timeout)})
		return err
	})
	if flux.IsCode(err, flux.EConflict) && req.Key != "" {
		// A concurrent request with the same key recorded it first.
		prev, _, lerr := d.store.Notifications().ListNotifications(ctx, u.ID,
			flux.NotificationFilter{IdempotencyKey: req.Key + ":" + string(ch)}, flux.Page{Limit: 1})
		if lerr == nil && len(prev) == 1 {
			return Delivery{Channel: ch, Notification: prev[0], Repeated: true}, nil
		}
	}
	if err != nil {
		return Delivery{}, err
	}
	if !fresh {
		return Delivery{Channel: ch, Notification: *n, Repeated: true}, nil
	}
	if n.Status != flux.NotificationPending {
		return Delivery{Channel: ch, Notification: *n, Err: errors.New(n.Error)}, nil
	}
	return d.SendRecorded(ctx, *n)
}

// record creates the log entry of req on ch (or returns the one its key
// already made, fresh false). An entry that cannot be sent at all (no
// recipient) is recorded failed.
func (d *Dispatcher) record(ctx context.Context, tx flux.Stores, u *flux.User, req Request, ch flux.Channel) (*flux.Notification, bool, error) {
	key := ""
	if req.Key != "" {
		key = req.Key + ":" + string(ch)
		prev, _, err := tx.Notifications().ListNotifications(ctx, u.ID, flux.NotificationFilter{IdempotencyKey: key}, flux.Page{Limit: 1})
		if err != nil {
			return nil, false, err
		}
		if len(prev) > 0 {
			return &prev[0], false, nil
		}
	}
	p := payload{URL: req.URL, Data: req.Data, Actions: req.Actions, Priority: req.Priority, TTL: int(req.TTL / time.Second)}
	if p.URL == "" && req.TaskID != "" {
		p.URL = d.TaskURL(req.TaskID)
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, false, fmt.Errorf("notify: encode payload: %w", err)
	}
	n := &flux.Notification{
		ID: req.ID, UserID: u.ID, TaskID: req.TaskID, EscalationID: req.EscalationID, Channel: ch,
		Status: flux.NotificationPending, Title: req.Title, Body: req.Body, IdempotencyKey: key,
		Payload: raw,
	}
	if ch == flux.ChannelWhatsApp || ch == flux.ChannelCall {
		n.Recipient = req.To
		if n.Recipient == "" {
			n.Recipient = u.PhoneNumber
		}
		switch {
		case n.Recipient == "":
			n.Status, n.Error = flux.NotificationFailed, "no phone number: set phone_number in the account settings"
		case d.verified && req.To == "" && !u.PhoneVerified:
			n.Status, n.Error = flux.NotificationFailed, "the phone number is not verified"
		}
	}
	if err := tx.Notifications().CreateNotification(ctx, n); err != nil {
		return nil, false, err // EConflict: created concurrently with the same key
	}
	return n, true, nil
}

// outcome is what one attempt came to.
type outcome struct {
	// n is the entry after the attempt.
	n *flux.Notification
	// r is the provider's receipt; nil when no provider was called.
	r *Receipt
	// retryIn, when not zero, is when to try again: after a temporary
	// failure, or when another attempt is under way.
	retryIn time.Duration
	// err is why the send failed (recorded in the entry).
	err error
}

// errClaimed stops an update that finds nothing to do.
var errClaimed = errors.New("notify: nothing to claim")

// attempt claims the entry (counting the attempt before the send, so that a
// crash after it is known), sends it, and records the outcome. Its error is
// a failure of the store, not of the send.
func (d *Dispatcher) attempt(ctx context.Context, userID, id string) (outcome, error) {
	now := d.clock.Now()
	var busy time.Duration
	n, err := d.store.Notifications().UpdateNotification(ctx, userID, id, func(n *flux.Notification) error {
		switch {
		case n.Status != flux.NotificationPending:
			return errClaimed
		case n.Attempts > 0 && n.Error == "" && now.Sub(n.UpdatedAt) < 2*d.timeout:
			// Claimed by an attempt that has recorded nothing yet, recently
			// enough to be still running.
			busy = min(2*d.timeout-now.Sub(n.UpdatedAt), 2*d.timeout)
			return errClaimed
		case n.Attempts >= d.max:
			n.Status = flux.NotificationFailed
			if n.Error == "" {
				n.Error = "gave up: no outcome recorded"
			}
			return nil
		}
		n.Attempts++
		n.Error = ""
		return nil
	})
	if errors.Is(err, errClaimed) {
		cur, err := d.store.Notifications().GetNotification(ctx, userID, id)
		return outcome{n: cur, retryIn: busy}, err
	}
	if err != nil {
		return outcome{}, err
	}
	if n.Status != flux.NotificationPending {
		return outcome{n: n, err: errors.New(n.Error)}, nil
	}
	var lastInbound *time.Time
	if n.Channel == flux.ChannelWhatsApp {
		// WhatsApp's 24-hour window is the user's, as it stands now.
		u, err := d.store.Users().GetUser(ctx, userID)
		if err != nil {
			return outcome{n: n}, err
		}
		lastInbound = u.WhatsAppLastInboundAt
	}
	m, err := message(n, lastInbound)
	if err != nil {
		o, err := d.finish(ctx, n, nil, Permanent(err))
		d.observe(n.Channel, o, 0)
		return o, err
	}
	start := time.Now()
	sctx, cancel := context.WithTimeout(ctx, d.timeout)
	r, serr := d.channels[string(n.Channel)].Send(sctx, m)
	cancel()
	took := time.Since(start)
	o, err := d.finish(ctx, n, &r, serr)
	d.observe(n.Channel, o, took)
	return o, err
}

// observe tells the Observer, if any, how an attempt ended.
func (d *Dispatcher) observe(ch flux.Channel, o outcome, took time.Duration) {
	if d.observer == nil {
		return
	}
	result := "sent"
	switch {
	case o.err != nil && o.retryIn > 0:
		result = "retry"
	case o.err != nil:
		result = "failed"
	}
	d.observer.NotificationAttempt(ch, result, took)
}

// finish records the outcome of an attempt.
func (d *Dispatcher) finish(ctx context.Context, n *flux.Notification, r *Receipt, serr error) (outcome, error) {
	now := d.clock.Now()
	o := outcome{n: n, r: r, err: serr}
	if temp, after := IsTemporary(serr); serr != nil && temp && n.Attempts < d.max {
		o.retryIn = d.backoff(n.Attempts, after)
	}
	// Record even when the caller's context is gone: the send happened.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	record := func(keepID bool) (*flux.Notification, error) {
		return d.store.Notifications().UpdateNotification(rctx, n.UserID, n.ID, func(x *flux.Notification) error {
			if serr != nil {
				x.Error = truncate(serr.Error(), 500)
				if o.retryIn == 0 {
					x.Status = flux.NotificationFailed
				}
				return nil
			}
			x.Status, x.Provider, x.SentAt, x.Error = r.Status, r.Provider, &now, ""
			if x.Status == "" {
				x.Status = flux.NotificationSent
			}
			if keepID {
				x.ExternalID = r.ProviderID
			}
			if x.Status == flux.NotificationDelivered {
				x.DeliveredAt = &now
			}
			return nil
		})
	}
	got, err := record(true)
	if err != nil && serr == nil && flux.IsCode(err, flux.EConflict) {
		// The provider's id is recorded already (the provider recognised a
		// repeated send): keep the entry without it.
		got, err = record(false)
	}
	if err != nil {
		return o, err
	}
	o.n = got
	attrs := []any{"notification_id", n.ID, "user_id", n.UserID, "channel", n.Channel, "attempt", n.Attempts}
	switch {
	case serr == nil:
		d.log.InfoContext(ctx, "notification sent", append(attrs, "provider", got.Provider, "status", got.Status)...)
	case o.retryIn > 0:
		d.log.WarnContext(ctx, "notification failed; will retry", append(attrs, "error", serr, "retry_in", o.retryIn.String())...)
	default:
		d.log.WarnContext(ctx, "notification failed", append(attrs, "error", serr)...)
	}
	return o, nil
}

// backoff is the wait before retry number attempt (1 for the first): base
// doubled per attempt, capped, and never under the provider's wish.
func (d *Dispatcher) backoff(attempt int, after time.Duration) time.Duration {
	w := d.base
	for i := 1; i < attempt && w < d.maxWait; i++ {
		w *= 2
	}
	w = min(w, d.maxWait)
	return max(w, after)
}

// Deliver is the worker of DeliverArgs: it sends the entry when it is still
// pending, and asks to run again after the backoff when the send failed
// temporarily (or another attempt is under way). A sent, failed or unknown
// entry ends the job.
func (d *Dispatcher) Deliver(ctx context.Context, a DeliverArgs) error {
	o, err := d.attempt(ctx, a.UserID, a.NotificationID)
	switch {
	case flux.IsCode(err, flux.ENotFound):
		return nil // deleted, with its user
	case err != nil:
		return err
	case o.retryIn > 0:
		return flux.SnoozeJob(o.retryIn)
	}
	return nil
}

// message rebuilds the Message of entry n; lastInbound is when its user
// last wrote on WhatsApp.
func message(n *flux.Notification, lastInbound *time.Time) (Message, error) {
	var p payload
	if len(n.Payload) > 0 {
		if err := json.Unmarshal(n.Payload, &p); err != nil {
			return Message{}, fmt.Errorf("notify: stored payload: %w", err)
		}
	}
	m := Message{
		ID: n.ID, UserID: n.UserID, TaskID: n.TaskID, EscalationID: n.EscalationID,
		Priority: p.Priority, Title: n.Title, Body: n.Body, To: n.Recipient, URL: p.URL,
		Data: p.Data, Actions: p.Actions, TTL: time.Duration(p.TTL) * time.Second,
		LastInboundAt: lastInbound,
	}
	if m.Priority == "" {
		m.Priority = flux.PriorityStandard
	}
	return m, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// RecordStatus records what a provider's status callback says of entry n
// ("delivered", "read", "answered", "completed", "failed", "undelivered",
// "busy", "no-answer", "canceled"; others are ignored). Callbacks repeated
// or out of order never move an entry backwards: a delivered or read entry
// does not become failed.
func (d *Dispatcher) RecordStatus(ctx context.Context, n *flux.Notification, status string) error {
	now := d.clock.Now()
	_, err := d.store.Notifications().UpdateNotification(ctx, n.UserID, n.ID, func(x *flux.Notification) error {
		reached := x.Status == flux.NotificationDelivered || x.Status == flux.NotificationRead
		switch status {
		case "delivered", "in-progress", "answered", "completed":
			if reached {
				return errClaimed
			}
			x.Status = flux.NotificationDelivered
		case "read":
			x.Status = flux.NotificationRead
		case "failed", "undelivered", "busy", "no-answer", "canceled":
			if reached {
				return errClaimed
			}
			x.Status, x.Error = flux.NotificationFailed, "the provider reported "+status
			return nil
		default:
			return errClaimed
		}
		if x.DeliveredAt == nil {
			x.DeliveredAt = &now
		}
		return nil
	})
	if errors.Is(err, errClaimed) {
		return nil
	}
	return err
}
