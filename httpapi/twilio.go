package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/escalation"
	"github.com/fluxlife/flux/notify"
	"github.com/fluxlife/flux/notify/twilio"
)

// The original WhatsApp and escalation-demo routes answered errors as
// {"success": false, "error": ...}; these routes keep that shape.
type legacyError struct {
	Success bool   `json:"success"`
	Error   string `json:"error"`
	Details string `json:"details,omitempty"`
	Detail  string `json:"detail"`
	Code    string `json:"code"`
}

// legacy writes err in the {"success": false, "error"} shape (with the
// API's detail and code too).
func (s *Server) legacy(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		err := h(w, r)
		if err == nil {
			return nil
		}
		code := flux.ErrorCode(err)
		status := statusOf(code)
		if status >= 500 && code != flux.EUnavailable {
			return err // logged and answered generically
		}
		if status == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", "60")
		}
		msg := flux.ErrorMessage(err)
		writeJSON(w, status, legacyError{Error: msg, Detail: msg, Code: code})
		return nil
	}
}

// ownNumber checks that to is the caller's own phone number (an admin may
// send to any number) and returns it in E.164 form.
func (s *Server) ownNumber(r *http.Request, u *flux.User, field, to string) (string, error) {
	to = strings.TrimPrefix(strings.TrimSpace(to), "whatsapp:")
	if !flux.ValidE164(to) {
		return "", unprocessable("invalid phone number", flux.FieldError{Field: field, Message: "must be a phone number in E.164 form, such as +14155550100"})
	}
	if p := principal(r.Context()); p != nil && p.Admin {
		return to, nil
	}
	if u.PhoneNumber == "" {
		return "", &flux.Error{Code: flux.EForbidden, Message: "set your phone number first (PATCH /api/v1/account/me); messages and calls go only to it"}
	}
	if to != u.PhoneNumber {
		return "", &flux.Error{Code: flux.EForbidden, Message: "messages and calls go only to your own phone number"}
	}
	if s.phone != nil && !u.PhoneVerified {
		return "", &flux.Error{Code: flux.EForbidden, Message: "verify your phone number first (POST /api/v1/account/phone/verify/send)"}
	}
	return to, nil
}

type whatsAppSend struct {
	TaskID          *string `json:"task_id"`
	TaskTitle       *string `json:"task_title"`
	RecipientNumber *string `json:"recipient_number"`
	CustomMessage   *string `json:"custom_message"`
	UserID          string  `json:"user_id"`
}

type whatsAppRecord struct {
	TaskID          string  `json:"task_id"`
	TaskTitle       string  `json:"task_title"`
	RecipientNumber string  `json:"recipient_number"`
	Message         string  `json:"message"`
	Status          string  `json:"status"`
	MessageSID      *string `json:"message_sid"`
	CreatedAt       string  `json:"created_at"`
	SentAt          *string `json:"sent_at"`
	ErrorMessage    *string `json:"error_message"`
	AppLink         string  `json:"app_link"`
	NotificationID  string  `json:"notification_id"`
}

type whatsAppSent struct {
	Success bool           `json:"success"`
	Message string         `json:"message"`
	Data    whatsAppRecord `json:"data"`
}

type whatsAppStatus struct {
	Success bool                 `json:"success"`
	Data    twilio.MessageStatus `json:"data"`
}

type callSend struct {
	PhoneNumber *string `json:"phone_number"`
	TaskTitle   *string `json:"task_title"`
	TaskID      *string `json:"task_id"`
	UserID      string  `json:"user_id"`
}

type callPlaced struct {
	CallSID        string `json:"call_sid"`
	Status         string `json:"status"`
	To             string `json:"to"`
	Message        string `json:"message"`
	InitiatedAt    string `json:"initiated_at"`
	NotificationID string `json:"notification_id"`
}

type callStatusAck struct {
	Status  string `json:"status"`
	CallSID string `json:"call_sid"`
}

func (s *Server) twilioRoutes() {
	send := s.legacy(s.paidLimited(s.whatsAppSend, flux.ChannelWhatsApp))
	for _, p := range []string{"/notifications/whatsapp", "/notifications/whatsapp/"} {
		s.handle(Route{Method: "POST", Path: p, Summary: "Send a WhatsApp message to the caller's own number", Tag: "notifications",
			Request: whatsAppSend{}, Response: whatsAppSent{}}, send)
	}
	s.handle(Route{Method: "GET", Path: "/notifications/whatsapp/status/{message_sid}", Summary: "Status of one of the caller's WhatsApp messages", Tag: "notifications",
		Response: whatsAppStatus{}}, s.legacy(s.whatsAppStatus))
	s.handle(Route{Method: "GET", Path: "/notifications/whatsapp/health", Summary: "Health of WhatsApp messaging", Tag: "notifications",
		Response: serviceHealth{}}, func(w http.ResponseWriter, r *http.Request) error {
		writeJSON(w, http.StatusOK, serviceHealth{Status: "healthy", Service: "whatsapp"})
		return nil
	})
	s.handle(Route{Method: "POST", Path: "/notifications/call", Summary: "Call the caller's own number and read a task reminder", Tag: "notifications",
		Request: callSend{}, Response: callPlaced{}, Status: http.StatusCreated}, s.paidLimited(s.callSend, flux.ChannelCall))

	// Twilio's webhooks: public, but signed.
	hook := func(method, path, summary string, h handlerFunc) {
		s.handle(Route{Method: method, Path: path, Summary: summary + " (Twilio webhook; X-Twilio-Signature required)", Tag: "webhooks", Public: true}, s.signed(h))
	}
	hook("POST", twilio.CallTwiMLPath, "TwiML of a reminder call", s.callTwiML)
	hook("POST", twilio.CallGatherPath, "The key pressed on a reminder call: 1 done, 2 reschedule, 3 missed", s.callGather)
	hook("POST", twilio.CallStatusPath, "Status callback of a reminder call", s.callStatus)
	for _, base := range []string{"/api/webhooks/twilio", "/api/v1/webhooks/twilio"} {
		hook("POST", base+"/whatsapp", "A WhatsApp reply: 1 done, 2 reschedule, 3 missed", s.whatsAppReply)
		hook("POST", base+"/voice", "A reminder call: its TwiML, or the key pressed", s.voiceHook)
	}
	hook("POST", twilio.WhatsAppStatusPath, "Status callback of a WhatsApp message", s.whatsAppStatusHook)
}

func (s *Server) whatsAppSend(w http.ResponseWriter, r *http.Request) error {
	var body whatsAppSend
	if err := decodeLenient(w, r, &body); err != nil {
		if flux.ErrorCode(err) == flux.EInvalid {
			return flux.Invalid("Request body must be JSON")
		}
		return err
	}
	u, err := s.user(r, body.UserID)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"task_id", body.TaskID}, {"task_title", body.TaskTitle}, {"recipient_number", body.RecipientNumber}} {
		if f.v == nil || strings.TrimSpace(*f.v) == "" {
			return flux.Invalid("Missing required field: "+f.name, flux.FieldError{Field: f.name, Message: "is required"})
		}
	}
	to, err := s.ownNumber(r, u, "recipient_number", *body.RecipientNumber)
	if err != nil {
		return err
	}
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	taskID, title := strings.TrimSpace(*body.TaskID), strings.TrimSpace(*body.TaskTitle)
	if len([]rune(title)) > 500 {
		return flux.Invalid("task_title is longer than 500 characters", flux.FieldError{Field: "task_title", Message: "is longer than 500 characters"})
	}
	link := s.notify.Dispatcher.TaskURL(taskID)
	text := "Hey! Don't forget: " + title + " 🎯\n\n" + link
	if body.CustomMessage != nil && strings.TrimSpace(*body.CustomMessage) != "" {
		text = *body.CustomMessage
		if len([]rune(text)) > 1600 {
			return flux.Invalid("custom_message is longer than 1600 characters", flux.FieldError{Field: "custom_message", Message: "is longer than 1600 characters"})
		}
	}
	req := notify.Request{UserID: u.ID, Channels: []flux.Channel{flux.ChannelWhatsApp}, Body: text, To: to, URL: link}
	if flux.ValidID(taskID) {
		if _, err := s.store.Tasks().GetTask(r.Context(), u.ID, taskID); err == nil {
			req.TaskID = taskID
		}
	}
	if key != "" {
		req.Key = "whatsapp:" + key
	}
	dels, err := s.notify.Dispatcher.Send(r.Context(), req)
	if err != nil {
		return err
	}
	d := dels[0]
	n := d.Notification
	rec := whatsAppRecord{TaskID: taskID, TaskTitle: title, RecipientNumber: "whatsapp:" + to, Message: text,
		Status: string(n.Status), MessageSID: opt(n.ExternalID), CreatedAt: naiveUTC(n.CreatedAt), AppLink: link, NotificationID: n.ID}
	if n.SentAt != nil {
		rec.SentAt = opt(naiveUTC(*n.SentAt))
	}
	if d.Err != nil && !d.Repeated {
		rec.ErrorMessage = opt(d.Err.Error())
		if temp, _ := notify.IsTemporary(d.Err); temp && n.Status == flux.NotificationPending {
			writeJSON(w, http.StatusAccepted, whatsAppSent{Success: true, Message: "WhatsApp message queued: the provider failed, it will be retried", Data: rec})
			return nil
		}
		writeJSON(w, http.StatusBadGateway, legacyError{Error: "Failed to send WhatsApp message", Details: d.Err.Error(),
			Detail: "Failed to send WhatsApp message", Code: flux.EUnavailable})
		return nil
	}
	writeJSON(w, http.StatusOK, whatsAppSent{Success: true, Message: "WhatsApp message sent successfully", Data: rec})
	return nil
}

func (s *Server) whatsAppStatus(w http.ResponseWriter, r *http.Request) error {
	if err := s.notifyReady(); err != nil {
		return err
	}
	u, err := s.user(r, "")
	if err != nil {
		return err
	}
	sid := r.PathValue("message_sid")
	n, err := s.store.Notifications().NotificationByExternalID(r.Context(), sid)
	if err != nil || n.UserID != u.ID || n.Channel != flux.ChannelWhatsApp {
		return flux.NotFound("Message")
	}
	if s.notify.Twilio != nil && twilio.ValidMessageSID(sid) {
		st, err := s.notify.Twilio.MessageStatus(r.Context(), sid)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, whatsAppStatus{Success: true, Data: st})
		return nil
	}
	st := twilio.MessageStatus{SID: sid, Status: string(n.Status), DateSent: n.SentAt, DateUpdated: &n.UpdatedAt}
	if n.Error != "" {
		st.ErrorMessage = &n.Error
	}
	writeJSON(w, http.StatusOK, whatsAppStatus{Success: true, Data: st})
	return nil
}

func (s *Server) callSend(w http.ResponseWriter, r *http.Request) error {
	var body callSend
	if err := decode(w, r, &body); err != nil {
		return err
	}
	u, err := s.user(r, body.UserID)
	if err != nil {
		return err
	}
	var fs []flux.FieldError
	if body.PhoneNumber == nil || !strings.HasPrefix(*body.PhoneNumber, "+") || len(*body.PhoneNumber) < 10 {
		fs = append(fs, flux.FieldError{Field: "phone_number", Message: "must start with + and have at least 10 characters"})
	}
	if body.TaskTitle == nil || strings.TrimSpace(*body.TaskTitle) == "" {
		fs = append(fs, flux.FieldError{Field: "task_title", Message: "is required"})
	} else if len([]rune(*body.TaskTitle)) > 500 {
		fs = append(fs, flux.FieldError{Field: "task_title", Message: "is longer than 500 characters"})
	}
	if len(fs) > 0 {
		return unprocessable("invalid call request", fs...)
	}
	to, err := s.ownNumber(r, u, "phone_number", *body.PhoneNumber)
	if err != nil {
		return err
	}
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	req := notify.Request{UserID: u.ID, Channels: []flux.Channel{flux.ChannelCall}, Title: strings.TrimSpace(*body.TaskTitle),
		Priority: flux.PriorityMustNotMiss, To: to}
	if body.TaskID != nil && flux.ValidID(*body.TaskID) {
		if _, err := s.store.Tasks().GetTask(r.Context(), u.ID, *body.TaskID); err == nil {
			req.TaskID = *body.TaskID
		}
	}
	if key != "" {
		req.Key = "call:" + key
	}
	dels, err := s.notify.Dispatcher.Send(r.Context(), req)
	if err != nil {
		return err
	}
	d := dels[0]
	if d.Err != nil && !d.Repeated {
		if temp, _ := notify.IsTemporary(d.Err); !temp || d.Notification.Status != flux.NotificationPending {
			return &flux.Error{Code: flux.EUnavailable, Message: "Failed to initiate call: " + d.Err.Error(), Err: d.Err}
		}
	}
	sid := d.Notification.ExternalID
	status := "queued"
	if sid == "" {
		status = string(d.Notification.Status)
	}
	writeJSON(w, http.StatusCreated, callPlaced{CallSID: sid, Status: status, To: to, Message: "Call initiated successfully to " + to,
		InitiatedAt: naiveUTC(d.Notification.CreatedAt), NotificationID: d.Notification.ID})
	return nil
}

// signed checks a Twilio webhook's signature before h: 403 {"detail":
// "Invalid Twilio signature"} when it does not hold, or when Twilio is not
// configured.
func (s *Server) signed(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		if s.notify == nil || s.notify.Twilio == nil {
			return &flux.Error{Code: flux.EForbidden, Message: "Invalid Twilio signature"}
		}
		if err := s.notify.Twilio.Validator().Validate(r); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return decodeError(err)
			}
			return &flux.Error{Code: flux.EForbidden, Message: "Invalid Twilio signature", Err: err}
		}
		return h(w, r)
	}
}

func writeXML(w http.ResponseWriter, b []byte) error {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b)
	return err
}

// callNotification finds the notification a signed call webhook names:
// by the user and notification ids in its query, else by its CallSid.
func (s *Server) callNotification(ctx context.Context, r *http.Request) (*flux.Notification, error) {
	q := r.URL.Query()
	if uid, id := q.Get("user_id"), q.Get("notification_id"); uid != "" && id != "" {
		return s.store.Notifications().GetNotification(ctx, uid, id)
	}
	if sid := r.PostFormValue("CallSid"); sid != "" {
		return s.store.Notifications().NotificationByExternalID(ctx, sid)
	}
	return nil, flux.NotFound("notification")
}

func (s *Server) gatherURL(n *flux.Notification) string {
	return s.notify.Twilio.WebhookBaseURL() + twilio.CallGatherPath + "?" + twilio.Ref(n.UserID, n.ID)
}

func (s *Server) callTwiML(w http.ResponseWriter, r *http.Request) error {
	n, err := s.callNotification(r.Context(), r)
	if err != nil {
		// The original's compatibility form: the title in the query.
		if t := strings.TrimSpace(r.URL.Query().Get("task_title")); t != "" {
			return writeXML(w, twilio.CallTwiML(twilio.CallScript{Title: t,
				GatherAction: s.notify.Twilio.WebhookBaseURL() + twilio.CallGatherPath}))
		}
		return writeXML(w, twilio.SayTwiML("Sorry, this reminder is no longer available. Goodbye.", true))
	}
	return writeXML(w, twilio.CallTwiML(twilio.CallScript{Title: n.Title, Body: n.Body, GatherAction: s.gatherURL(n)}))
}

func (s *Server) callGather(w http.ResponseWriter, r *http.Request) error {
	n, err := s.callNotification(r.Context(), r)
	if err != nil {
		return writeXML(w, twilio.SayTwiML(escalation.SpokenReply(nil), true))
	}
	a, err := s.notify.Notifier.Answer(r.Context(), n, escalation.ParseReply(r.PostFormValue("Digits")))
	if err != nil {
		return err
	}
	return writeXML(w, twilio.SayTwiML(escalation.SpokenReply(a), true))
}

func (s *Server) voiceHook(w http.ResponseWriter, r *http.Request) error {
	if r.PostFormValue("Digits") == "" && r.URL.Query().Get("Digits") == "" {
		return s.callTwiML(w, r)
	}
	if r.PostFormValue("Digits") == "" {
		// The original read Digits from the query; the query is signed.
		r.PostForm.Set("Digits", r.URL.Query().Get("Digits"))
	}
	return s.callGather(w, r)
}

// callStatus records what became of a call: answered means delivered;
// busy, no-answer, failed or canceled a failure.
func (s *Server) callStatus(w http.ResponseWriter, r *http.Request) error {
	sid, status := r.PostFormValue("CallSid"), r.PostFormValue("CallStatus")
	if sid == "" || status == "" {
		return unprocessable("CallSid and CallStatus are required")
	}
	if n, err := s.callNotification(r.Context(), r); err == nil {
		if err := s.notify.Dispatcher.RecordStatus(r.Context(), n, status); err != nil {
			s.log.WarnContext(r.Context(), "cannot record a provider status", "notification_id", n.ID, "status", status, "error", err)
		}
	}
	writeJSON(w, http.StatusOK, callStatusAck{Status: "received", CallSID: sid})
	return nil
}

func (s *Server) whatsAppStatusHook(w http.ResponseWriter, r *http.Request) error {
	sid, status := r.PostFormValue("MessageSid"), r.PostFormValue("MessageStatus")
	if sid == "" || status == "" {
		return unprocessable("MessageSid and MessageStatus are required")
	}
	if n, err := s.store.Notifications().NotificationByExternalID(r.Context(), sid); err == nil {
		if err := s.notify.Dispatcher.RecordStatus(r.Context(), n, status); err != nil {
			s.log.WarnContext(r.Context(), "cannot record a provider status", "notification_id", n.ID, "status", status, "error", err)
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// whatsAppReply answers an inbound WhatsApp message: matched to the
// reminder it answers, it records the answer and acts on it. The reply is
// logged as an entry of its own whose provider id is its MessageSid, so a
// delivery Twilio repeats is recognised and acts once.
func (s *Server) whatsAppReply(w http.ResponseWriter, r *http.Request) error {
	from := r.PostFormValue("From")
	if wa := r.PostFormValue("WaId"); wa != "" && !strings.HasPrefix(wa, "+") {
		from = "+" + wa
	}
	a, err := s.notify.Notifier.ReplyWhatsApp(r.Context(), escalation.Reply{MessageSID: r.PostFormValue("MessageSid"), From: from,
		RepliedSID: r.PostFormValue("OriginalRepliedMessageSid"), Body: r.PostFormValue("Body")})
	switch {
	case flux.IsCode(err, flux.ENotFound):
		return writeXML(w, twilio.MessageTwiML(escalation.ReplyText(nil, "")))
	case err != nil:
		return err
	case a == nil:
		return writeXML(w, twilio.MessageTwiML("")) // a repeated delivery
	}
	link := ""
	if a.Notification.TaskID != "" {
		link = s.notify.Dispatcher.TaskURL(a.Notification.TaskID)
	}
	return writeXML(w, twilio.MessageTwiML(escalation.ReplyText(a, link)))
}
