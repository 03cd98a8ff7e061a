package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/escalation"
	"github.com/fluxlife/flux/notify"
	"github.com/fluxlife/flux/notify/twilio"
	"github.com/fluxlife/flux/notify/webpush"
)

// Notify wires the notification, escalation, notifier and Twilio webhook
// routes. The Dispatcher, Escalations and Notifier are required; the rest
// is optional.
type Notify struct {
	Dispatcher  *notify.Dispatcher
	Escalations *escalation.Service
	Notifier    *escalation.Notifier
	// VAPIDPublicKey is what /notifications/push/vapid-public-key serves.
	VAPIDPublicKey string
	// PushAllowedHosts are push services allowed besides the known ones
	// (FLUX_PUSH_ALLOWED_HOSTS, "host[:port]"); they may use plain http.
	PushAllowedHosts []string
	// Twilio, when set, checks the signatures of Twilio's webhooks and
	// serves live message status. Nil: Twilio is not configured, its
	// webhooks answer 403 (no signature can be valid).
	Twilio *twilio.Client
	// Paid lists the channels whose provider costs money per send
	// (WhatsApp and calls through Twilio): routes that send on them are
	// rate limited per user. Nil means none.
	Paid map[flux.Channel]bool
}

func (s *Server) notifyReady() error {
	if s.notify == nil {
		return &flux.Error{Code: flux.EUnavailable, Message: "notifications are not configured"}
	}
	return nil
}

// paidLimited rate limits h, in Twilio's bucket, when any of channels
// costs money.
func (s *Server) paidLimited(h handlerFunc, channels ...flux.Channel) handlerFunc {
	limited := s.limitedBy(ProviderTwilio, h)
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.notifyReady(); err != nil {
			return err
		}
		for _, c := range channels {
			if s.notify.Paid[c] {
				return limited(w, r)
			}
		}
		return h(w, r)
	}
}

// naiveUTC writes t as the original's Python services did: UTC without an
// offset, microseconds.
func naiveUTC(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000") }

// idempotencyKey reads the Idempotency-Key header.
func idempotencyKey(r *http.Request) (string, error) {
	k := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(k) > 200 {
		return "", flux.Invalid("invalid Idempotency-Key", flux.FieldError{Field: "Idempotency-Key", Message: "is longer than 200 characters"})
	}
	return k, nil
}

// ---- the priority model -------------------------------------------------

type pathStep struct {
	Channel     flux.Channel `json:"channel"`
	WaitSeconds int          `json:"wait_time_seconds"`
}

type escalationPath struct {
	Priority flux.Priority `json:"priority"`
	Steps    []pathStep    `json:"steps"`
}

func newPath(p flux.Priority, steps []flux.PolicyStep) escalationPath {
	out := escalationPath{Priority: p, Steps: []pathStep{}}
	for _, s := range steps {
		out.Steps = append(out.Steps, pathStep{Channel: s.Channel, WaitSeconds: s.WaitSeconds})
	}
	return out
}

type prioritySend struct {
	UserID     string         `json:"user_id"`
	Priority   *string        `json:"priority"`
	Multiplier *float64       `json:"escalation_speed_multiplier"`
	Message    *string        `json:"message"`
	Metadata   map[string]any `json:"metadata"`
	Title      *string        `json:"title"`
	TaskID     *string        `json:"task_id"`
}

type prioritySent struct {
	NotificationID string         `json:"notification_id"`
	EscalationID   string         `json:"escalation_id"`
	UserID         string         `json:"user_id"`
	Priority       flux.Priority  `json:"priority"`
	Path           escalationPath `json:"escalation_path"`
	ActualWaits    []int          `json:"actual_wait_times"`
	CreatedAt      string         `json:"created_at"`
	Status         string         `json:"status"`
}

type priorityTiming struct {
	Priority   flux.Priority       `json:"priority"`
	Multiplier float64             `json:"multiplier"`
	Steps      []notify.TimingStep `json:"steps"`
}

type serviceHealth struct {
	Status  string `json:"status"`
	Service string `json:"service"`
	Version string `json:"version,omitempty"`
}

func unprocessable(msg string, fs ...flux.FieldError) error {
	return &flux.Error{Code: flux.EUnprocessable, Message: msg, Fields: fs}
}

func parsePriority(field, v string) (flux.Priority, error) {
	p := flux.Priority(strings.TrimSpace(v))
	if !p.Valid() {
		return "", unprocessable("invalid priority", flux.FieldError{Field: field, Message: "must be standard, important or must_not_miss"})
	}
	return p, nil
}

func (s *Server) priorityRoutes() {
	s.handle(Route{Method: "POST", Path: "/api/v1/notifications/priority/send", Summary: "Start an escalation on the priority model's ladder (push, WhatsApp, call) at speed 1, 5 or 10", Tag: "notifications",
		Request: prioritySend{}, Response: prioritySent{}}, s.paidLimited(s.prioritySend, flux.ChannelWhatsApp, flux.ChannelCall))
	s.handle(Route{Method: "GET", Path: "/api/v1/notifications/priority/config", Summary: "The priority model: the ladder of each priority", Tag: "notifications",
		Response: map[string]escalationPath{}}, func(w http.ResponseWriter, r *http.Request) error {
		out := map[string]escalationPath{}
		for _, p := range notify.Priorities {
			out[string(p)] = newPath(p, notify.DefaultPolicy(p))
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/api/v1/notifications/priority/timing", Summary: "When each step of a priority's ladder is sent at a speed multiplier (1–10)", Tag: "notifications",
		Response: priorityTiming{}}, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		p, err := parsePriority("priority", q.Get("priority"))
		if err != nil {
			return err
		}
		m := 1.0
		if v := q.Get("multiplier"); v != "" {
			m, err = strconv.ParseFloat(v, 64)
			if err != nil || m < 1 || m > 10 {
				return unprocessable("invalid multiplier", flux.FieldError{Field: "multiplier", Message: "must be a number from 1.0 to 10.0"})
			}
		}
		writeJSON(w, http.StatusOK, priorityTiming{Priority: p, Multiplier: m, Steps: notify.Timing(notify.DefaultPolicy(p), m)})
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/api/v1/notifications/priority/health", Summary: "Health of the priority model", Tag: "notifications",
		Response: serviceHealth{}}, func(w http.ResponseWriter, r *http.Request) error {
		writeJSON(w, http.StatusOK, serviceHealth{Status: "healthy", Service: "notification_priority_model", Version: "1.0.0"})
		return nil
	})
}

func (s *Server) prioritySend(w http.ResponseWriter, r *http.Request) error {
	var body prioritySend
	if err := decodeLenient(w, r, &body); err != nil {
		return err
	}
	u, err := s.user(r, body.UserID)
	if err != nil {
		return err
	}
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	var fs []flux.FieldError
	p := flux.PriorityStandard
	if body.Priority != nil {
		if p, err = parsePriority("priority", *body.Priority); err != nil {
			return err
		}
	}
	m := 1.0
	if body.Multiplier != nil {
		m = *body.Multiplier
	}
	if !notify.ValidSpeed(m) {
		fs = append(fs, flux.FieldError{Field: "escalation_speed_multiplier", Message: "Escalation speed multiplier must be one of [1.0, 5.0, 10.0]"})
	}
	msg := ""
	if body.Message != nil {
		msg = strings.TrimSpace(*body.Message)
	}
	if msg == "" {
		fs = append(fs, flux.FieldError{Field: "message", Message: "is required"})
	}
	if len(fs) > 0 {
		return unprocessable(fs[0].Message, fs...)
	}
	title := "Flux reminder"
	if body.Title != nil && strings.TrimSpace(*body.Title) != "" {
		title = strings.TrimSpace(*body.Title)
	} else if t, ok := body.Metadata["title"].(string); ok && strings.TrimSpace(t) != "" {
		title = strings.TrimSpace(t)
	}
	req := escalation.Request{UserID: u.ID, Title: title, Message: msg, Priority: p, Speed: m}
	if key != "" {
		req.Key = "priority:" + key
	}
	if body.TaskID != nil && *body.TaskID != "" {
		if _, err := s.store.Tasks().GetTask(r.Context(), u.ID, *body.TaskID); err != nil {
			return unprocessable("unknown task", flux.FieldError{Field: "task_id", Message: "is not one of your tasks"})
		}
		req.TaskID = *body.TaskID
	}
	esc, _, err := s.notify.Escalations.Start(r.Context(), req)
	if err != nil {
		return err
	}
	policy := make([]flux.PolicyStep, len(esc.Steps))
	for i, st := range esc.Steps {
		policy[i] = flux.PolicyStep{Channel: st.Channel, WaitSeconds: st.WaitSeconds}
	}
	writeJSON(w, http.StatusOK, prioritySent{
		NotificationID: esc.ID, EscalationID: esc.ID, UserID: u.ID, Priority: esc.Priority,
		Path: newPath(esc.Priority, policy), ActualWaits: notify.ActualWaits(policy, esc.Speed),
		CreatedAt: naiveUTC(esc.CreatedAt), Status: "sent",
	})
	return nil
}

// ---- the notification log ------------------------------------------------

// notificationView is an entry of the notification log.
type notificationView struct {
	ID           string                  `json:"id"`
	Channel      flux.Channel            `json:"channel"`
	Status       flux.NotificationStatus `json:"status"`
	Provider     string                  `json:"provider"`
	TaskID       *string                 `json:"task_id"`
	EscalationID *string                 `json:"escalation_id"`
	ProviderID   *string                 `json:"provider_id"`
	Title        string                  `json:"title"`
	Body         string                  `json:"body"`
	Recipient    *string                 `json:"recipient"`
	Attempts     int                     `json:"attempts"`
	Error        *string                 `json:"error"`
	Response     *string                 `json:"response"`
	CreatedAt    time.Time               `json:"created_at"`
	SentAt       *time.Time              `json:"sent_at"`
	DeliveredAt  *time.Time              `json:"delivered_at"`
	RespondedAt  *time.Time              `json:"responded_at"`
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func newNotificationView(n *flux.Notification) notificationView {
	v := notificationView{
		ID: n.ID, Channel: n.Channel, Status: n.Status, Provider: n.Provider, TaskID: opt(n.TaskID),
		EscalationID: opt(n.EscalationID), ProviderID: opt(n.ExternalID), Title: n.Title, Body: n.Body,
		Attempts: n.Attempts, Error: opt(n.Error), Response: opt(n.Response), CreatedAt: n.CreatedAt,
		SentAt: n.SentAt, DeliveredAt: n.DeliveredAt, RespondedAt: n.RespondedAt,
	}
	if n.Recipient != "" {
		m := flux.MaskPhone(n.Recipient)
		v.Recipient = &m
	}
	return v
}

type notificationList struct {
	Notifications []notificationView `json:"notifications"`
	NextCursor    string             `json:"next_cursor"`
}

func (s *Server) notificationLogRoutes() {
	s.handle(Route{Method: "GET", Path: "/api/v1/notifications", Summary: "The caller's notification log, newest first; filters task_id, escalation_id, channel", Tag: "notifications",
		Response: notificationList{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var fs fieldErrs
		q := r.URL.Query()
		f := flux.NotificationFilter{TaskID: q.Get("task_id"), EscalationID: q.Get("escalation_id"), Channel: flux.Channel(q.Get("channel"))}
		switch f.Channel {
		case "", flux.ChannelPush, flux.ChannelWhatsApp, flux.ChannelCall, flux.ChannelLog:
		default:
			fs.add("channel", "must be push, whatsapp, call or log")
		}
		for field, v := range map[string]string{"task_id": f.TaskID, "escalation_id": f.EscalationID} {
			if v != "" && !flux.ValidID(v) {
				fs.add(field, "must be a UUID")
			}
		}
		p := queryPage(r, &fs)
		if err := fs.err("invalid query"); err != nil {
			return err
		}
		ns, next, err := s.store.Notifications().ListNotifications(r.Context(), u.ID, f, p)
		if err != nil {
			return err
		}
		out := notificationList{Notifications: make([]notificationView, len(ns)), NextCursor: next}
		for i := range ns {
			out.Notifications[i] = newNotificationView(&ns[i])
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})
}

// ---- Web Push ------------------------------------------------------------

type pushAction struct {
	Action string `json:"action"`
	Title  string `json:"title"`
	Icon   string `json:"icon,omitempty"`
}

type pushContent struct {
	Title              string         `json:"title"`
	Body               string         `json:"body"`
	TaskID             string         `json:"task_id"`
	Icon               string         `json:"icon"`
	Badge              string         `json:"badge"`
	Image              string         `json:"image"`
	Actions            []pushAction   `json:"actions"`
	Data               map[string]any `json:"data"`
	Tag                string         `json:"tag"`
	RequireInteraction bool           `json:"require_interaction"`
	Silent             bool           `json:"silent"`
	Urgency            string         `json:"urgency"`
}

type pushSend struct {
	UserID       string      `json:"user_id"`
	Notification pushContent `json:"notification"`
	TTL          *int        `json:"ttl"`
	Topic        string      `json:"topic"`
}

type deviceResult struct {
	DeviceID string  `json:"device_id"`
	Status   string  `json:"status"`
	Message  *string `json:"message,omitempty"`
	Error    *string `json:"error,omitempty"`
}

type pushSent struct {
	Success        bool           `json:"success"`
	SentTo         int            `json:"sent_to"`
	Failed         int            `json:"failed"`
	Message        string         `json:"message"`
	DeviceResults  []deviceResult `json:"device_results"`
	NotificationID string         `json:"notification_id,omitempty"`
}

type pushKeys struct {
	P256DH string `json:"p256dh"`
	Auth   string `json:"auth"`
}

type pushSubscriptionBody struct {
	Endpoint       string   `json:"endpoint"`
	Keys           pushKeys `json:"keys"`
	ExpirationTime *float64 `json:"expirationTime"`
	ExpirationSnk  *float64 `json:"expiration_time"`
}

type pushSubscribe struct {
	UserID       string               `json:"user_id"`
	Subscription pushSubscriptionBody `json:"subscription"`
	DeviceID     string               `json:"device_id"`
	DeviceName   string               `json:"device_name"`
	UserAgent    string               `json:"user_agent"`
}

type pushUnsubscribe struct {
	UserID   string `json:"user_id"`
	DeviceID string `json:"device_id"`
}

type successMessage struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

type vapidKey struct {
	PublicKey string `json:"public_key"`
}

// maxDevices caps the push subscriptions of one user.
const maxDevices = 20

var pushActions = map[string]bool{"acknowledge": true, "snooze": true, "view": true, "dismiss": true, "done": true, "missed": true}

func (s *Server) pushRoutes() {
	s.handle(Route{Method: "POST", Path: "/notifications/push", Summary: "Send a Web Push notification to the caller's devices; a result per device", Tag: "notifications",
		Request: pushSend{}, Response: pushSent{}}, s.pushSend)
	s.handle(Route{Method: "POST", Path: "/notifications/push/subscribe", Summary: "Register a browser's push subscription (upsert by device); the endpoint must be a known push service", Tag: "notifications",
		Request: pushSubscribe{}, Response: successMessage{}}, s.pushSubscribe)
	s.handle(Route{Method: "DELETE", Path: "/notifications/push/unsubscribe", Summary: "Remove a device's push subscription", Tag: "notifications",
		Request: pushUnsubscribe{}, Response: successMessage{}}, func(w http.ResponseWriter, r *http.Request) error {
		var body pushUnsubscribe
		if err := decode(w, r, &body); err != nil {
			return err
		}
		u, err := s.user(r, body.UserID)
		if err != nil {
			return err
		}
		if strings.TrimSpace(body.DeviceID) == "" {
			return flux.Invalid("device_id is required", flux.FieldError{Field: "device_id", Message: "is required"})
		}
		subs, err := s.store.PushSubscriptions().ListPushSubscriptions(r.Context(), u.ID)
		if err != nil {
			return err
		}
		if len(subs) == 0 {
			return flux.NotFound("Subscription")
		}
		if err := s.store.PushSubscriptions().DeletePushSubscription(r.Context(), u.ID, body.DeviceID); err != nil && !flux.IsCode(err, flux.ENotFound) {
			return err
		}
		writeJSON(w, http.StatusOK, successMessage{Success: true, Message: "Subscription removed successfully"})
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/notifications/push/vapid-public-key", Summary: "The VAPID public key browsers subscribe with", Tag: "notifications", Public: true,
		Response: vapidKey{}}, s.vapidKey)
}

// vapidKey serves the VAPID public key (under both of its paths).
func (s *Server) vapidKey(w http.ResponseWriter, r *http.Request) error {
	if err := s.notifyReady(); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, vapidKey{PublicKey: s.notify.VAPIDPublicKey})
	return nil
}

func (s *Server) pushSubscribe(w http.ResponseWriter, r *http.Request) error {
	if err := s.notifyReady(); err != nil {
		return err
	}
	var body pushSubscribe
	if err := decode(w, r, &body); err != nil {
		return err
	}
	u, err := s.user(r, body.UserID)
	if err != nil {
		return err
	}
	return s.savePushSubscription(w, r, u, body)
}

// savePushSubscription checks and saves a subscription of user u.
func (s *Server) savePushSubscription(w http.ResponseWriter, r *http.Request, u *flux.User, body pushSubscribe) error {
	var fs fieldErrs
	sub := body.Subscription
	if err := webpush.CheckEndpoint(sub.Endpoint, s.notify.PushAllowedHosts); err != nil {
		var fe *flux.Error
		if !errors.As(err, &fe) {
			return err
		}
		fs = append(fs, fe.Fields...)
	}
	if err := webpush.CheckKeys(sub.Keys.P256DH, sub.Keys.Auth); err != nil {
		var fe *flux.Error
		if !errors.As(err, &fe) {
			return err
		}
		fs = append(fs, fe.Fields...)
	}
	body.DeviceID = strings.TrimSpace(body.DeviceID)
	switch {
	case body.DeviceID == "":
		fs.add("device_id", "is required")
	case len(body.DeviceID) > 200:
		fs.add("device_id", "is longer than 200 characters")
	}
	if len(body.DeviceName) > 200 {
		fs.add("device_name", "is longer than 200 characters")
	}
	if len(body.UserAgent) > 1000 {
		fs.add("user_agent", "is longer than 1000 characters")
	}
	var expires *time.Time
	for _, e := range []*float64{sub.ExpirationTime, sub.ExpirationSnk} {
		if e != nil {
			if *e <= 0 || *e > 253402300799000 {
				fs.add("subscription.expirationTime", "must be a time in milliseconds since 1970")
				continue
			}
			t := time.UnixMilli(int64(*e)).UTC()
			expires = &t
		}
	}
	if err := fs.err("invalid push subscription"); err != nil {
		return err
	}
	subs, err := s.store.PushSubscriptions().ListPushSubscriptions(r.Context(), u.ID)
	if err != nil {
		return err
	}
	known := false
	for _, x := range subs {
		known = known || x.DeviceID == body.DeviceID
	}
	if !known && len(subs) >= maxDevices {
		return flux.Errorf(flux.EConflict, "you have %d devices subscribed, the most allowed; unsubscribe one first", len(subs))
	}
	if err := s.store.PushSubscriptions().SavePushSubscription(r.Context(), &flux.PushSubscription{
		UserID: u.ID, DeviceID: body.DeviceID, Endpoint: sub.Endpoint, P256DH: sub.Keys.P256DH, Auth: sub.Keys.Auth,
		DeviceName: body.DeviceName, UserAgent: body.UserAgent, ExpiresAt: expires,
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, successMessage{Success: true, Message: "Subscription registered successfully"})
	return nil
}

func (s *Server) pushSend(w http.ResponseWriter, r *http.Request) error {
	if err := s.notifyReady(); err != nil {
		return err
	}
	var body pushSend
	if err := decode(w, r, &body); err != nil {
		return err
	}
	u, err := s.user(r, body.UserID)
	if err != nil {
		return err
	}
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	n := body.Notification
	var fs fieldErrs
	n.Title, n.Body = strings.TrimSpace(n.Title), strings.TrimSpace(n.Body)
	switch {
	case n.Title == "":
		fs.add("notification.title", "is required")
	case len([]rune(n.Title)) > 100:
		fs.add("notification.title", "is longer than 100 characters")
	}
	switch {
	case n.Body == "":
		fs.add("notification.body", "is required")
	case len([]rune(n.Body)) > 200:
		fs.add("notification.body", "is longer than 200 characters")
	}
	if len(n.Actions) > 4 {
		fs.add("notification.actions", "at most 4 actions")
	}
	var actions []notify.Action
	for i, a := range n.Actions {
		if !pushActions[a.Action] {
			fs.add(fmt.Sprintf("notification.actions[%d].action", i), "must be acknowledge, snooze, view, dismiss, done or missed")
		}
		actions = append(actions, notify.Action{Action: a.Action, Title: a.Title, Icon: a.Icon})
	}
	ttl := notify.DefaultTTL
	if body.TTL != nil {
		if *body.TTL < 0 || *body.TTL > 2419200 {
			fs.add("ttl", "must be between 0 and 2419200 seconds")
		}
		ttl = time.Duration(*body.TTL) * time.Second
	}
	taskID := ""
	if n.TaskID != "" {
		if !flux.ValidID(n.TaskID) {
			fs.add("notification.task_id", "must be the id of one of your tasks")
		} else if _, err := s.store.Tasks().GetTask(r.Context(), u.ID, n.TaskID); err != nil {
			fs.add("notification.task_id", "is not one of your tasks")
		} else {
			taskID = n.TaskID
		}
	}
	data := map[string]string{}
	for k, v := range n.Data {
		switch x := v.(type) {
		case string:
			data[k] = x
		case nil:
		default:
			data[k] = fmt.Sprint(x)
		}
	}
	if len(data) > 50 {
		fs.add("notification.data", "at most 50 keys")
	}
	if err := fs.err("invalid push notification"); err != nil {
		return err
	}
	if actions == nil {
		actions = []notify.Action{} // as asked: none, not the reminder actions
	}
	p := flux.PriorityStandard
	if n.RequireInteraction || n.Urgency == "high" {
		p = flux.PriorityImportant
	}
	req := notify.Request{UserID: u.ID, TaskID: taskID, Priority: p, Channels: []flux.Channel{flux.ChannelPush},
		Title: n.Title, Body: n.Body, Data: data, Actions: actions, TTL: ttl}
	if key != "" {
		req.Key = "push:" + key
	}
	subs, err := s.store.PushSubscriptions().ListPushSubscriptions(r.Context(), u.ID)
	if err != nil {
		return err
	}
	if len(subs) == 0 && key == "" {
		writeJSON(w, http.StatusOK, pushSent{Message: "No active subscriptions for user " + u.ID})
		return nil
	}
	dels, err := s.notify.Dispatcher.Send(r.Context(), req)
	if err != nil {
		return err
	}
	d := dels[0]
	out := pushSent{NotificationID: d.Notification.ID, DeviceResults: []deviceResult{}}
	if d.Receipt != nil && len(d.Receipt.Targets) > 0 {
		for _, t := range d.Receipt.Targets {
			if t.Err == nil {
				out.SentTo++
				out.DeviceResults = append(out.DeviceResults, deviceResult{DeviceID: t.ID, Status: "success", Message: opt("Notification sent successfully")})
			} else {
				out.Failed++
				out.DeviceResults = append(out.DeviceResults, deviceResult{DeviceID: t.ID, Status: "failed", Error: opt(t.Err.Error())})
			}
		}
	} else if d.Err == nil {
		out.SentTo = max(len(subs), 1)
	} else if !d.Repeated {
		out.Failed = len(subs)
	}
	switch {
	case d.Repeated:
		out.Success = d.Notification.Status == flux.NotificationSent || d.Notification.Status == flux.NotificationDelivered
		out.Message = "Already sent with this Idempotency-Key"
	case out.SentTo > 0:
		out.Success, out.Message = true, fmt.Sprintf("Sent to %d device(s)", out.SentTo)
	case len(subs) == 0:
		out.Message = "No active subscriptions for user " + u.ID
	default:
		out.Message = fmt.Sprintf("Failed to send to all devices (%d failed)", out.Failed)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ---- the frontend's own account routes for push and WhatsApp ------------

// accountPushSubscription is the body of POST
// /api/v1/account/push-subscription: a browser's PushSubscription.toJSON(),
// or {} to forget the browser subscriptions saved this way.
type accountPushSubscription struct {
	Subscription *pushSubscriptionBody `json:"subscription"`
}

type optedIn struct {
	OptedIn bool `json:"opted_in"`
}

// browserDevice is the device id of a subscription saved without one: the
// same endpoint is the same device.
func browserDevice(endpoint string) string {
	sum := sha256.Sum256([]byte(endpoint))
	return "browser-" + hex.EncodeToString(sum[:8])
}

func (s *Server) accountPushRoutes() {
	s.handle(Route{Method: "POST", Path: "/api/v1/account/push-subscription", Summary: "Save this browser's push subscription (the frontend's form of subscribe); {\"subscription\": {}} forgets them",
		Tag: "notifications", Request: accountPushSubscription{}, Response: successMessage{}}, func(w http.ResponseWriter, r *http.Request) error {
		if err := s.notifyReady(); err != nil {
			return err
		}
		var body accountPushSubscription
		if err := decodeLenient(w, r, &body); err != nil {
			return err
		}
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		if body.Subscription == nil || body.Subscription.Endpoint == "" {
			subs, err := s.store.PushSubscriptions().ListPushSubscriptions(r.Context(), u.ID)
			if err != nil {
				return err
			}
			for _, sub := range subs {
				if strings.HasPrefix(sub.DeviceID, "browser-") {
					if err := s.store.PushSubscriptions().DeletePushSubscription(r.Context(), u.ID, sub.DeviceID); err != nil && !flux.IsCode(err, flux.ENotFound) {
						return err
					}
				}
			}
			writeJSON(w, http.StatusOK, successMessage{Success: true, Message: "Subscription removed successfully"})
			return nil
		}
		sub := *body.Subscription
		return s.savePushSubscription(w, r, u, pushSubscribe{Subscription: sub, DeviceID: browserDevice(sub.Endpoint),
			DeviceName: "browser", UserAgent: r.UserAgent()})
	})
	s.handle(Route{Method: "GET", Path: "/api/v1/account/push-subscription/vapid-key", Summary: "The VAPID public key (the frontend's path)", Tag: "notifications", Public: true,
		Response: vapidKey{}}, s.vapidKey)
	s.handle(Route{Method: "POST", Path: "/api/v1/account/whatsapp/opt-in", Summary: "Opt in to WhatsApp reminders (needs a phone number, verified once verification is configured)",
		Tag: "account", OptionalBody: true, Response: optedIn{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		switch {
		case u.PhoneNumber == "":
			return flux.Invalid("Set a phone number before opting in to WhatsApp.")
		case s.phone != nil && !u.PhoneVerified:
			return flux.Invalid("Phone number must be verified before opting in to WhatsApp.")
		}
		now := s.now()
		if _, err := s.store.Users().UpdateUser(r.Context(), u.ID, func(x *flux.User) error {
			x.WhatsAppOptInAt = &now
			if x.NotificationPreferences == nil {
				x.NotificationPreferences = map[string]any{}
			}
			x.NotificationPreferences["whatsapp_opted_in"] = true
			return nil
		}); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, optedIn{OptedIn: true})
		return nil
	})
}
