package twilio_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/notify"
	"github.com/fluxlife/flux/notify/notifytest"
	"github.com/fluxlife/flux/notify/twilio"
)

const (
	recipient  = "+4915112345678"
	callerID   = "+15005550006"
	templateID = "HXabcdef0123456789abcdef0123456789"
)

// app stands in for fluxd's Twilio routes: it serves call TwiML for the
// messages sent through its channel wrapper, answers gathers, status
// callbacks and WhatsApp replies, and checks every signature.
type app struct {
	srv       *httptest.Server
	validator *twilio.Validator

	mu       sync.Mutex
	messages map[string]notify.Message // by notification id
	digits   []string
	statuses []url.Values
	rejected int
}

func newApp(t *testing.T, fake *fluxtest.Twilio) *app {
	t.Helper()
	a := &app{messages: map[string]notify.Message{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+twilio.CallTwiMLPath, func(w http.ResponseWriter, r *http.Request) {
		if !a.valid(w, r) {
			return
		}
		id := r.URL.Query().Get("notification_id")
		a.mu.Lock()
		m, ok := a.messages[id]
		a.mu.Unlock()
		if !ok {
			http.Error(w, "unknown notification", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write(twilio.CallTwiML(twilio.CallScript{Title: m.Title, Body: m.Body,
			GatherAction: a.srv.URL + twilio.CallGatherPath + "?" + twilio.Ref(r.URL.Query().Get("user_id"), id)}))
	})
	mux.HandleFunc("POST "+twilio.CallGatherPath, func(w http.ResponseWriter, r *http.Request) {
		if !a.valid(w, r) {
			return
		}
		a.mu.Lock()
		a.digits = append(a.digits, r.PostForm.Get("Digits"))
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write(twilio.SayTwiML("Thank you. Goodbye.", true))
	})
	status := func(w http.ResponseWriter, r *http.Request) {
		if !a.valid(w, r) {
			return
		}
		a.mu.Lock()
		a.statuses = append(a.statuses, r.PostForm)
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status": "received"}`)
	}
	mux.HandleFunc("POST "+twilio.CallStatusPath, status)
	mux.HandleFunc("POST "+twilio.WhatsAppStatusPath, status)
	mux.HandleFunc("POST /api/v1/webhooks/twilio/whatsapp", func(w http.ResponseWriter, r *http.Request) {
		if !a.valid(w, r) {
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write(twilio.MessageTwiML("You said: " + r.PostForm.Get("Body")))
	})
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	a.validator = &twilio.Validator{AuthToken: fake.AuthToken(), PublicBaseURL: a.srv.URL}
	return a
}

func (a *app) valid(w http.ResponseWriter, r *http.Request) bool {
	if err := a.validator.Validate(r); err != nil {
		a.mu.Lock()
		a.rejected++
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `{"detail": "Invalid Twilio signature"}`)
		return false
	}
	return true
}

func (a *app) Rejected() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rejected
}

// recording wraps a channel so that the app can answer for its messages.
type recording struct {
	notify.Channel
	app *app
}

func (r recording) Send(ctx context.Context, m notify.Message) (notify.Receipt, error) {
	r.app.mu.Lock()
	r.app.messages[m.ID] = m
	r.app.mu.Unlock()
	return r.Channel.Send(ctx, m)
}

type env struct {
	fake   *fluxtest.Twilio
	app    *app
	client *twilio.Client
	logs   *fluxtest.Logs
	clock  *fluxtest.Clock
}

func newEnv(t *testing.T, mod func(*twilio.Config)) *env {
	t.Helper()
	fake := fluxtest.NewTwilio(t)
	e := &env{fake: fake, app: newApp(t, fake), logs: &fluxtest.Logs{}, clock: fluxtest.NewClock(time.Date(2026, 3, 4, 18, 0, 0, 0, time.UTC))}
	cfg := twilio.Config{
		AccountSID:       fake.AccountSID(),
		AuthToken:        fake.AuthToken(),
		PhoneNumber:      callerID,
		VerifyServiceSID: fake.VerifyServiceSID(),
		APIBaseURL:       fake.URL(),
		WebhookBaseURL:   e.app.srv.URL + "/",
		Timeout:          5 * time.Second,
		Logger:           slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Clock:            e.clock,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := twilio.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	t.Cleanup(func() {
		logs := e.logs.String()
		for _, secret := range []string{fake.AuthToken(), recipient, callerID} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log shows %q:\n%s", secret, logs)
			}
		}
	})
	return e
}

func (e *env) call(t *testing.T) *twilio.Call {
	t.Helper()
	ch, err := twilio.NewCall(e.client)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func failer(fake *fluxtest.Twilio) func(notifytest.Failure) {
	return func(k notifytest.Failure) {
		switch k {
		case notifytest.FailTemporary:
			fake.Fail(http.StatusServiceUnavailable, 20503, 0)
		case notifytest.FailRateLimited:
			fake.Fail(http.StatusTooManyRequests, 20429, notifytest.RetryAfter*time.Second)
		case notifytest.FailPermanent:
			fake.Fail(http.StatusBadRequest, 21610, 0)
		}
	}
}

func TestWhatsAppConformance(t *testing.T) {
	t.Parallel()
	notifytest.Run(t, func(t *testing.T) notifytest.Harness {
		e := newEnv(t, nil)
		return notifytest.Harness{
			Channel: twilio.NewWhatsApp(e.client),
			Message: func(title, body string) notify.Message {
				return notify.Message{UserID: flux.NewID(), Title: title, Body: body, To: recipient}
			},
			Received: func() []notifytest.Delivery {
				var out []notifytest.Delivery
				for _, m := range e.fake.Messages() {
					out = append(out, notifytest.Delivery{ProviderID: m.SID, To: m.To, Body: m.Body})
				}
				return out
			},
			Fail: failer(e.fake),
			Contains: func(d notifytest.Delivery, title, body string) bool {
				return d.Body == twilio.WhatsAppText(title, body)
			},
		}
	})
}

func TestCallConformance(t *testing.T) {
	t.Parallel()
	notifytest.Run(t, func(t *testing.T) notifytest.Harness {
		e := newEnv(t, nil)
		return notifytest.Harness{
			Channel: recording{Channel: e.call(t), app: e.app},
			Message: func(title, body string) notify.Message {
				return notify.Message{UserID: flux.NewID(), Title: title, Body: body, To: recipient}
			},
			// What a call delivers is what it says: the Say texts of the
			// TwiML the fake fetched.
			Received: func() []notifytest.Delivery {
				var out []notifytest.Delivery
				for _, c := range e.fake.Calls() {
					c, err := e.fake.WaitCall(ctxT(t), c.SID)
					if err != nil || c.FetchErr != "" {
						t.Errorf("call %s: TwiML fetch: %v %s", c.SID, err, c.FetchErr)
					}
					out = append(out, notifytest.Delivery{ProviderID: c.SID, To: c.To, Body: strings.Join(c.Says, "\n")})
				}
				return out
			},
			Fail: failer(e.fake),
			Contains: func(d notifytest.Delivery, title, body string) bool {
				return d.Body == twilio.CallScript{Title: title, Body: body}.Prompt()+"\n"+twilio.NoInputText
			},
		}
	})
}

func TestWhatsAppMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *twilio.Config) { c.WhatsAppFrom = "+15551230000" })
	ch := twilio.NewWhatsApp(e.client)
	if ch.Name() != "whatsapp" {
		t.Errorf("Name() = %q", ch.Name())
	}
	m := notify.Message{ID: flux.NewID(), Title: "Evening run", Body: "5 km easy, due at 18:30", To: recipient}
	r, err := ch.Send(ctxT(t), m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Send(ctxT(t), notify.Message{ID: flux.NewID(), Body: "No title here", To: recipient}); err != nil {
		t.Fatal(err)
	}
	got := e.fake.Messages()
	if len(got) != 2 {
		t.Fatalf("the fake has %d messages, want 2", len(got))
	}
	if diff := cmp.Diff(notify.Receipt{Provider: "twilio", ProviderID: got[0].SID, Status: flux.NotificationSent}, r); diff != "" {
		t.Errorf("receipt (-want +got):\n%s", diff)
	}
	want := fluxtest.TwilioMessage{
		SID: got[0].SID, AccountSID: e.fake.AccountSID(), To: "whatsapp:" + recipient, From: "whatsapp:+15551230000",
		Body: "*Evening run*\n5 km easy, due at 18:30", BodyParam: "*Evening run*\n5 km easy, due at 18:30",
		StatusCallback: e.app.srv.URL + "/api/v1/webhooks/twilio/status", Status: "queued", IdempotencyToken: m.ID,
	}
	if diff := cmp.Diff(want, got[0], cmpIgnoreTimes()); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
	if got[1].BodyParam != "No title here" {
		t.Errorf("a message without a title has body %q, want the body alone", got[1].BodyParam)
	}
}

func cmpIgnoreTimes() cmp.Option {
	return cmp.FilterPath(func(p cmp.Path) bool {
		switch p.Last().String() {
		case ".Created", ".Updated", ".Sent":
			return true
		}
		return false
	}, cmp.Ignore())
}

func TestWhatsAppDefaultSender(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *twilio.Config) { c.WebhookBaseURL = "" })
	if _, err := twilio.NewWhatsApp(e.client).Send(ctxT(t), notify.Message{ID: flux.NewID(), Body: "hi", To: recipient}); err != nil {
		t.Fatal(err)
	}
	m := e.fake.Messages()[0]
	if m.From != twilio.DefaultWhatsAppFrom || m.StatusCallback != "" {
		t.Errorf("From %q StatusCallback %q, want the sandbox and no callback", m.From, m.StatusCallback)
	}
}

func TestWhatsAppTemplateOutsideWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *twilio.Config) { c.WhatsAppTemplateSID = templateID })
	e.fake.SetContentTemplate(templateID, "Reminder: {{1}}. {{2}}")
	ch := twilio.NewWhatsApp(e.client)
	now := e.clock.Now()
	at := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	tests := []struct {
		name     string
		last     *time.Time
		template bool
	}{
		{"never wrote", nil, true},
		{"wrote 1 minute ago", at(time.Minute), false},
		{"wrote 23h59m ago", at(24*time.Hour - time.Minute), false},
		{"wrote exactly 24h ago", at(24 * time.Hour), true},
		{"wrote 3 days ago", at(72 * time.Hour), true},
	}
	title, body := `Call <Mom> & "Dad"`, "Ünïcødé ✓\nsecond line"
	for i, tc := range tests {
		if _, err := ch.Send(ctxT(t), notify.Message{ID: flux.NewID(), Title: title, Body: body, To: recipient, LastInboundAt: tc.last}); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		m := e.fake.Messages()[i]
		if !tc.template {
			if m.ContentSID != "" || m.BodyParam != twilio.WhatsAppText(title, body) {
				t.Errorf("%s: ContentSid %q Body %q, want a free-form message", tc.name, m.ContentSID, m.BodyParam)
			}
			continue
		}
		if m.ContentSID != templateID || m.BodyParam != "" {
			t.Errorf("%s: ContentSid %q Body %q, want the template and no body", tc.name, m.ContentSID, m.BodyParam)
		}
		var vars map[string]string
		if err := json.Unmarshal([]byte(m.ContentVariables), &vars); err != nil {
			t.Fatalf("%s: ContentVariables %q: %v", tc.name, m.ContentVariables, err)
		}
		if diff := cmp.Diff(map[string]string{"1": title, "2": body}, vars); diff != "" {
			t.Errorf("%s: ContentVariables (-want +got):\n%s", tc.name, diff)
		}
		if want := "Reminder: " + title + ". " + body; m.Body != want {
			t.Errorf("%s: the person sees %q, want %q", tc.name, m.Body, want)
		}
	}

	// Without a template every message is free-form.
	e2 := newEnv(t, nil)
	if _, err := twilio.NewWhatsApp(e2.client).Send(ctxT(t), notify.Message{ID: flux.NewID(), Title: "t", Body: "b", To: recipient}); err != nil {
		t.Fatal(err)
	}
	if m := e2.fake.Messages()[0]; m.ContentSID != "" || m.BodyParam != "*t*\nb" {
		t.Errorf("without a template: ContentSid %q Body %q", m.ContentSID, m.BodyParam)
	}
}

func TestNoRecipient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, ch := range []notify.Channel{twilio.NewWhatsApp(e.client), e.call(t)} {
		for _, to := range []string{"", "0151 1234567", "+0123", "whatsapp:" + recipient} {
			_, err := ch.Send(ctxT(t), notify.Message{ID: flux.NewID(), Title: "t", Body: "b", To: to})
			if !errors.Is(err, notify.ErrNoRecipient) {
				t.Errorf("%s to %q: err %v, want ErrNoRecipient", ch.Name(), to, err)
			}
			if temp, _ := notify.IsTemporary(err); temp {
				t.Errorf("%s to %q: a missing recipient is temporary", ch.Name(), to)
			}
		}
	}
	if n := len(e.fake.Requests()); n != 0 {
		t.Errorf("the fake received %d requests", n)
	}
}

func TestCallTwiMLWithHostileTitle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ch := recording{Channel: e.call(t), app: e.app}
	title := `<Mom> & "Dad" ]]>`
	m := notify.Message{ID: flux.NewID(), TaskID: flux.NewID(), Title: title, To: recipient}
	r, err := ch.Send(ctxT(t), m)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.fake.WaitCall(ctxT(t), r.ProviderID)
	if err != nil {
		t.Fatal(err)
	}
	if c.FetchErr != "" {
		t.Fatalf("TwiML fetch: %s\n%s", c.FetchErr, c.TwiML)
	}
	base := e.app.srv.URL
	want := fluxtest.TwilioCall{
		SID: r.ProviderID, AccountSID: e.fake.AccountSID(), To: recipient, From: callerID,
		URL: base + "/notifications/call/twiml?" + twilio.Ref(m.UserID, m.ID), Method: "POST",
		StatusCallback:       base + "/notifications/call/status?" + twilio.Ref(m.UserID, m.ID),
		StatusCallbackMethod: "POST", StatusCallbackEvents: []string{"answered", "completed"},
		Status: "queued", IdempotencyToken: m.ID, Fetched: true, FetchStatus: 200, TwiML: c.TwiML,
		Says:         []string{"Hi! This is Flux. Your task " + title + " is due. Press 1 if it is done, 2 to reschedule, or 3 if you missed it.", twilio.NoInputText},
		GatherAction: base + "/notifications/call/gather?" + twilio.Ref(m.UserID, m.ID), GatherMethod: "POST",
	}
	if diff := cmp.Diff(want, c, cmpIgnoreTimes()); diff != "" {
		t.Errorf("call (-want +got):\n%s", diff)
	}
	for _, part := range []string{"Mom", "Dad", m.TaskID} {
		if strings.Contains(c.URL+c.StatusCallback, part) {
			t.Errorf("a call URL contains %q", part)
		}
	}

	// The document decodes with encoding/xml to the exact title.
	var doc struct {
		Gather struct {
			Say string `xml:"Say"`
		} `xml:"Gather"`
	}
	if err := xml.Unmarshal(c.TwiML, &doc); err != nil {
		t.Fatalf("the TwiML is not well-formed: %v\n%s", err, c.TwiML)
	}
	if !strings.Contains(doc.Gather.Say, "Your task "+title+" is due.") {
		t.Errorf("decoded Say %q lacks the exact title", doc.Gather.Say)
	}

	// Pressing 1 reaches the gather action, signed, and gets a goodbye.
	answer, err := e.fake.PressDigits(ctxT(t), c.SID, "1")
	if err != nil {
		t.Fatalf("PressDigits: %v\n%s", err, answer)
	}
	tw, err := fluxtest.ParseTwiML(answer)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Thank you. Goodbye."}, tw.Says()); diff != "" || !tw.Hangup() {
		t.Errorf("gather answer %s", answer)
	}
	e.app.mu.Lock()
	digits := append([]string(nil), e.app.digits...)
	e.app.mu.Unlock()
	if diff := cmp.Diff([]string{"1"}, digits); diff != "" {
		t.Errorf("digits received (-want +got):\n%s", diff)
	}

	// The call ends; its status callback arrives, signed.
	if err := e.fake.EndCall(ctxT(t), c.SID, "completed", 42*time.Second); err != nil {
		t.Fatal(err)
	}
	e.app.mu.Lock()
	statuses := e.app.statuses
	e.app.mu.Unlock()
	if len(statuses) != 1 || statuses[0].Get("CallStatus") != "completed" || statuses[0].Get("CallSid") != c.SID {
		t.Errorf("status callbacks: %v", statuses)
	}
	if n := e.app.Rejected(); n != 0 {
		t.Errorf("the app rejected %d of the fake's signed requests", n)
	}
}

func TestCallTwiMLUnreachable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	// The app does not know the notification: its TwiML route answers 404.
	r, err := e.call(t).Send(ctxT(t), notify.Message{ID: flux.NewID(), Title: "t", To: recipient})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.fake.WaitCall(ctxT(t), r.ProviderID)
	if err != nil {
		t.Fatal(err)
	}
	if c.FetchStatus != http.StatusNotFound || c.FetchErr == "" {
		t.Errorf("FetchStatus %d FetchErr %q, want a recorded 404", c.FetchStatus, c.FetchErr)
	}
}

func TestNewCallNeedsNumberAndWebhook(t *testing.T) {
	t.Parallel()
	fake := fluxtest.NewTwilio(t)
	for _, cfg := range []twilio.Config{
		{AccountSID: fake.AccountSID(), AuthToken: fake.AuthToken(), WebhookBaseURL: "https://flux.example.com"},
		{AccountSID: fake.AccountSID(), AuthToken: fake.AuthToken(), PhoneNumber: callerID},
	} {
		c, err := twilio.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := twilio.NewCall(c); err == nil {
			t.Errorf("NewCall with %+v succeeded", cfg)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	ok := twilio.Config{AccountSID: fluxtest.DefaultTwilioAccountSID, AuthToken: fluxtest.DefaultTwilioAuthToken}
	tests := map[string]func(*twilio.Config){
		"no account":        func(c *twilio.Config) { c.AccountSID = "" },
		"bad account":       func(c *twilio.Config) { c.AccountSID = "AC123" },
		"no token":          func(c *twilio.Config) { c.AuthToken = "" },
		"token with symbol": func(c *twilio.Config) { c.AuthToken = "abc$def" },
		"bad whatsapp from": func(c *twilio.Config) { c.WhatsAppFrom = "whatsapp:12345" },
		"bad phone":         func(c *twilio.Config) { c.PhoneNumber = "555-1234" },
		"bad template":      func(c *twilio.Config) { c.WhatsAppTemplateSID = "template" },
		"bad verify":        func(c *twilio.Config) { c.VerifyServiceSID = "VA1" },
		"relative api url":  func(c *twilio.Config) { c.APIBaseURL = "/twilio" },
		"api url query":     func(c *twilio.Config) { c.APIBaseURL = "http://127.0.0.1:9/?x=1" },
		"webhook not http":  func(c *twilio.Config) { c.WebhookBaseURL = "ftp://flux.example.com" },
		"negative timeout":  func(c *twilio.Config) { c.Timeout = -time.Second },
	}
	for name, mod := range tests {
		cfg := ok
		mod(&cfg)
		_, err := twilio.New(cfg)
		if err == nil {
			t.Errorf("%s: New succeeded", name)
			continue
		}
		if strings.Contains(err.Error(), ok.AuthToken) {
			t.Errorf("%s: the error shows the auth token: %v", name, err)
		}
	}
	if _, err := twilio.New(ok); err != nil {
		t.Errorf("New with the minimum: %v", err)
	}
}

func TestIdempotencyToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, ch := range []notify.Channel{twilio.NewWhatsApp(e.client), recording{Channel: e.call(t), app: e.app}} {
		m := notify.Message{ID: flux.NewID(), Title: "Once", Body: "only once", To: recipient}
		r1, err := ch.Send(ctxT(t), m)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := ch.Send(ctxT(t), m)
		if err != nil {
			t.Fatal(err)
		}
		if r1.ProviderID != r2.ProviderID {
			t.Errorf("%s: a repeated send got %s then %s, want the same resource", ch.Name(), r1.ProviderID, r2.ProviderID)
		}
	}
	if n, c := len(e.fake.Messages()), len(e.fake.Calls()); n != 1 || c != 1 {
		t.Errorf("the fake recorded %d messages and %d calls, want 1 and 1", n, c)
	}
	var replayed int
	for _, r := range e.fake.Requests() {
		if r.IdempotencyToken == "" {
			t.Errorf("%s %s carried no idempotency token", r.Method, r.Path)
		}
		if r.Replayed {
			replayed++
		}
	}
	if replayed != 2 {
		t.Errorf("%d replayed answers, want 2", replayed)
	}
}

func TestFailureClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		script     func(*fluxtest.Twilio)
		mod        func(*twilio.Config)
		temporary  bool
		retryAfter time.Duration
		text       string
	}{
		{name: "429", script: func(f *fluxtest.Twilio) { f.Fail(429, 20429, 3*time.Second) }, temporary: true, retryAfter: 3 * time.Second, text: "(Code: 20429)"},
		{name: "500", script: func(f *fluxtest.Twilio) { f.Fail(500, 20500, 0) }, temporary: true, text: "Twilio error: Scripted failure: Internal Server Error (Code: 20500)"},
		{name: "503 with retry", script: func(f *fluxtest.Twilio) { f.Fail(503, 20503, 90*time.Second) }, temporary: true, retryAfter: 90 * time.Second},
		{name: "400", script: func(f *fluxtest.Twilio) { f.Fail(400, 21211, 0) }, temporary: false, text: "Twilio error: Scripted failure: Bad Request (Code: 21211)"},
		{name: "404", script: func(f *fluxtest.Twilio) { f.Fail(404, 20404, 0) }, temporary: false},
		{name: "wrong token", mod: func(c *twilio.Config) { c.AuthToken = "wrongtoken0123" }, temporary: false, text: "Twilio error: Authenticate (Code: 20003)"},
		{name: "timeout", script: func(f *fluxtest.Twilio) { f.Hang() }, mod: func(c *twilio.Config) { c.Timeout = 300 * time.Millisecond }, temporary: true},
		{name: "unreachable", mod: func(c *twilio.Config) { c.APIBaseURL = "http://127.0.0.1:1" }, temporary: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.mod)
			if tc.script != nil {
				tc.script(e.fake)
			}
			_, err := twilio.NewWhatsApp(e.client).Send(ctxT(t), notify.Message{ID: flux.NewID(), Title: "t", Body: "b", To: recipient})
			if err == nil {
				t.Fatal("Send succeeded")
			}
			temp, after := notify.IsTemporary(err)
			if temp != tc.temporary || after != tc.retryAfter {
				t.Errorf("IsTemporary(%v) = %v, %s; want %v, %s", err, temp, after, tc.temporary, tc.retryAfter)
			}
			if tc.text != "" && !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q lacks %q", err, tc.text)
			}
			for _, secret := range []string{e.fake.AuthToken(), recipient} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows %q", err, secret)
				}
			}
			var ae *twilio.APIError
			if strings.HasPrefix(tc.name, "4") && (!errors.As(err, &ae) || ae.Status == 0 || ae.Code == 0) {
				t.Errorf("error %v does not carry Twilio's status and code", err)
			}
		})
	}
}

func TestContextCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil) // a 5 s timeout
	e.fake.Hang()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := twilio.NewWhatsApp(e.client).Send(ctx, notify.Message{ID: flux.NewID(), Body: "b", To: recipient})
	if err == nil {
		t.Fatal("Send succeeded")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Send returned after %s, want soon after its context ended", d)
	}
	if temp, _ := notify.IsTemporary(err); !temp || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v: want a temporary deadline error", err)
	}
}

func TestMessageStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	r, err := twilio.NewWhatsApp(e.client).Send(ctxT(t), notify.Message{ID: flux.NewID(), Body: "b", To: recipient})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.client.MessageStatus(ctxT(t), r.ProviderID)
	if err != nil {
		t.Fatal(err)
	}
	if st.SID != r.ProviderID || st.Status != "queued" || st.DateSent != nil || st.DateUpdated == nil || st.ErrorCode != nil || st.ErrorMessage != nil {
		t.Errorf("status %+v, want a queued message", st)
	}

	// Delivery fails; the status callback reaches the app, and the lookup
	// sees it.
	if err := e.fake.SetMessageStatus(ctxT(t), r.ProviderID, "undelivered", 63016); err != nil {
		t.Fatal(err)
	}
	st, err = e.client.MessageStatus(ctxT(t), r.ProviderID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != "undelivered" || st.ErrorCode == nil || *st.ErrorCode != 63016 || st.ErrorMessage == nil {
		t.Errorf("status %+v, want undelivered with error 63016", st)
	}
	e.app.mu.Lock()
	statuses := e.app.statuses
	e.app.mu.Unlock()
	if len(statuses) != 1 || statuses[0].Get("MessageStatus") != "undelivered" || statuses[0].Get("ErrorCode") != "63016" {
		t.Errorf("status callbacks %v", statuses)
	}
	b, _ := json.Marshal(st)
	var keys map[string]any
	_ = json.Unmarshal(b, &keys)
	for _, k := range []string{"sid", "status", "date_sent", "date_updated", "error_code", "error_message"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("the JSON %s lacks %q", b, k)
		}
	}

	before := len(e.fake.Requests())
	for _, bad := range []string{"", "SM123", "CA0123456789abcdef0123456789abcdef", "SM0123456789abcdef0123456789abcdeg", "SM0123456789abcdef0123456789abcdef/../x"} {
		if _, err := e.client.MessageStatus(ctxT(t), bad); flux.ErrorCode(err) != flux.EInvalid {
			t.Errorf("MessageStatus(%q): %v, want invalid", bad, err)
		}
	}
	if after := len(e.fake.Requests()); after != before {
		t.Errorf("bad SIDs reached Twilio (%d requests)", after-before)
	}
	if _, err := e.client.MessageStatus(ctxT(t), "MM0123456789abcdef0123456789abcdef"); flux.ErrorCode(err) != flux.ENotFound {
		t.Errorf("an unknown message: %v, want not found", err)
	}
}

func TestVerifier(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	v, err := twilio.NewVerifier(e.client)
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	if err := v.Send(ctx, recipient); err != nil {
		t.Fatal(err)
	}
	vs := e.fake.Verifications()
	if len(vs) != 1 || vs[0].Channel != "sms" || vs[0].To != recipient || vs[0].Status != "pending" {
		t.Fatalf("verifications %+v", vs)
	}
	code := e.fake.VerifyCode(recipient)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if ok, err := v.Check(ctx, recipient, wrong); ok || err != nil {
		t.Errorf("a wrong code: %v, %v; want false, nil", ok, err)
	}
	if ok, err := v.Check(ctx, recipient, "12"); ok || err != nil {
		t.Errorf("a malformed code: %v, %v; want false, nil", ok, err)
	}
	if ok, err := v.Check(ctx, recipient, code); !ok || err != nil {
		t.Errorf("the right code: %v, %v; want true, nil", ok, err)
	}
	if _, err := v.Check(ctx, recipient, code); flux.ErrorCode(err) != flux.ENotFound {
		t.Errorf("a second check of an approved code: %v, want not found", err)
	}
	if _, err := v.Check(ctx, "+4917000000000", "123456"); flux.ErrorCode(err) != flux.ENotFound {
		t.Errorf("a check with nothing sent: %v, want not found", err)
	}
	if err := v.Send(ctx, "12345"); flux.ErrorCode(err) != flux.EInvalid {
		t.Errorf("Send to a non-number: %v, want invalid", err)
	}
	e.fake.Fail(429, 60203, 0)
	if err := v.Send(ctx, recipient); flux.ErrorCode(err) != flux.ETooMany {
		t.Errorf("Send when Twilio limits: %v, want rate_limited", err)
	}

	e2 := newEnv(t, func(c *twilio.Config) { c.VerifyServiceSID = "" })
	if _, err := twilio.NewVerifier(e2.client); err == nil {
		t.Error("NewVerifier without a service SID succeeded")
	}
}

func TestAPIBaseURLCoversEveryHost(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	if _, err := twilio.NewWhatsApp(e.client).Send(ctxT(t), notify.Message{ID: flux.NewID(), Body: "b", To: recipient}); err != nil {
		t.Fatal(err)
	}
	v, _ := twilio.NewVerifier(e.client)
	if err := v.Send(ctxT(t), recipient); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range e.fake.Requests() {
		got = append(got, r.Host+" "+r.Method+" "+r.Path)
	}
	want := []string{
		"api.twilio.com POST /2010-04-01/Accounts/" + e.fake.AccountSID() + "/Messages.json",
		"verify.twilio.com POST /v2/Services/" + e.fake.VerifyServiceSID() + "/Verifications",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestValidator(t *testing.T) {
	t.Parallel()
	fake := fluxtest.NewTwilio(t)
	a := newApp(t, fake)
	hook := a.srv.URL + "/api/v1/webhooks/twilio/whatsapp"
	ctx := ctxT(t)

	// Signed by the fake: accepted, and answered with TwiML.
	answer, err := fake.SendWhatsApp(ctx, hook, recipient, "1", nil)
	if err != nil {
		t.Fatalf("a signed request: %v", err)
	}
	tw, err := fluxtest.ParseTwiML(answer)
	if err != nil || len(tw.Messages()) != 1 || tw.Messages()[0] != "You said: 1" {
		t.Errorf("answer %s (%v)", answer, err)
	}

	form := url.Values{"From": {"whatsapp:" + recipient}, "Body": {"1"}, "MessageSid": {"SM0123456789abcdef0123456789abcdef"}}
	post := func(target, sig string, form url.Values) int {
		req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if sig != "" {
			req.Header.Set(twilio.SignatureHeader, sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == http.StatusForbidden && !strings.Contains(string(b), "Invalid Twilio signature") {
			t.Errorf("a 403 answered %s", b)
		}
		return resp.StatusCode
	}
	tampered := url.Values{"From": form["From"], "Body": {"3"}, "MessageSid": form["MessageSid"]}
	tests := []struct {
		name   string
		target string
		sig    string
		form   url.Values
		want   int
	}{
		{"signed", hook, fake.Sign(hook, form), form, 200},
		{"unsigned", hook, "", form, 403},
		{"forged with another token", hook, twilio.Sign("someoneelsestoken", hook, form), form, 403},
		{"garbage signature", hook, "bm90IGEgc2lnbmF0dXJl", form, 403},
		{"replayed to another URL", a.srv.URL + twilio.CallGatherPath, fake.Sign(hook, form), form, 403},
		{"replayed with another query", hook + "?notification_id=x", fake.Sign(hook, form), form, 403},
		{"tampered form", hook, fake.Sign(hook, form), tampered, 403},
	}
	for _, tc := range tests {
		if got := post(tc.target, tc.sig, tc.form); got != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.want)
		}
	}

	// Behind a proxy the server sees another URL than Twilio signed; the
	// public base URL rebuilds it.
	public := "https://flux.example.com/"
	v := &twilio.Validator{AuthToken: fake.AuthToken(), PublicBaseURL: public}
	signed := "https://flux.example.com/api/v1/webhooks/twilio/voice?task_id=a%20b"
	req := httptest.NewRequest(http.MethodPost, "http://10.0.0.7:8000/api/v1/webhooks/twilio/voice?task_id=a%20b", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twilio.SignatureHeader, fake.Sign(signed, form))
	if err := v.Validate(req); err != nil {
		t.Errorf("behind a proxy: %v", err)
	}
	if req.PostForm.Get("Body") != "1" {
		t.Errorf("after Validate the form reads %v", req.PostForm)
	}

	// A GET is signed over its URL alone.
	get := httptest.NewRequest(http.MethodGet, "http://10.0.0.7/status?CallSid=CA1&CallStatus=completed", nil)
	get.Header.Set(twilio.SignatureHeader, fake.Sign("https://flux.example.com/status?CallSid=CA1&CallStatus=completed", nil))
	if err := v.Validate(get); err != nil {
		t.Errorf("a signed GET: %v", err)
	}

	// A form that repeats a key is signed with every value.
	rep := url.Values{"StatusCallbackEvent": {"completed", "answered"}, "CallSid": {"CA1"}}
	req = httptest.NewRequest(http.MethodPost, "http://10.0.0.7/x", strings.NewReader(rep.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twilio.SignatureHeader, fake.Sign("https://flux.example.com/x", rep))
	if err := v.Validate(req); err != nil {
		t.Errorf("a repeated key: %v", err)
	}

	unsigned := httptest.NewRequest(http.MethodPost, "http://10.0.0.7/x", nil)
	if err := v.Validate(unsigned); !errors.Is(err, twilio.ErrInvalidSignature) {
		t.Errorf("unsigned: %v, want ErrInvalidSignature", err)
	}
}
