package fluxtest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Credentials and numbers of a new fake Twilio.
const (
	// DefaultTwilioAccountSID is the account a new fake accepts.
	DefaultTwilioAccountSID = "AC0123456789abcdef0123456789abcdef"
	// DefaultTwilioAuthToken is its auth token (it signs webhooks too).
	DefaultTwilioAuthToken = "fluxtestauthtoken0123456789abcdef"
	// DefaultTwilioVerifyServiceSID is the one Verify service the fake
	// has.
	DefaultTwilioVerifyServiceSID = "VA0123456789abcdef0123456789abcdef"
	// DefaultTwilioWhatsAppNumber is the business's WhatsApp address that
	// inbound messages (SendWhatsApp) are addressed to: the sandbox.
	DefaultTwilioWhatsAppNumber = "whatsapp:+14155238886"
)

// TwilioMessage is one message the fake accepted.
type TwilioMessage struct {
	SID        string
	AccountSID string
	// To and From are as sent, "whatsapp:" prefix included.
	To, From string
	// Body is the text as the recipient sees it: the Body parameter, or
	// a template registered with SetContentTemplate filled in with
	// ContentVariables ("" for an unknown template).
	Body string
	// BodyParam is the Body parameter as sent ("" for a template).
	BodyParam        string
	ContentSID       string
	ContentVariables string
	StatusCallback   string
	// Status is "queued" until SetMessageStatus changes it.
	Status           string
	ErrorCode        int
	ErrorMessage     string
	IdempotencyToken string
	Created, Updated time.Time
	// Sent is when the status became sent (or later); zero before.
	Sent time.Time
}

// TwilioCall is one call the fake accepted, with what its TwiML fetch
// found.
type TwilioCall struct {
	SID        string
	AccountSID string
	To, From   string
	// URL and Method are where the TwiML is fetched from; Twiml is the
	// inline TwiML when the call was created with one.
	URL, Method          string
	Twiml                string
	StatusCallback       string
	StatusCallbackMethod string
	StatusCallbackEvents []string
	// Status is "queued".
	Status           string
	IdempotencyToken string
	Created          time.Time

	// Fetched reports that the TwiML fetch is over (or inline TwiML was
	// parsed); the fields below are set then.
	Fetched bool
	// FetchStatus is the HTTP status the URL answered (0 when it could
	// not be reached).
	FetchStatus int
	// TwiML is the document as answered.
	TwiML []byte
	// FetchErr is empty when a well-formed TwiML document was received,
	// else what went wrong (unreachable URL, error status, parse error).
	FetchErr string
	// Says are the texts of the document's Say verbs, in order.
	Says []string
	// GatherAction is the absolute URL the document's Gather posts digits
	// to (the document's URL when the Gather names none), GatherMethod
	// its method; both empty when there is no Gather.
	GatherAction, GatherMethod string
}

// TwilioVerification is one Twilio Verify verification.
type TwilioVerification struct {
	SID        string
	ServiceSID string
	To         string
	Channel    string
	// Status is "pending", then "approved" on a check with Code, or
	// "max_attempts_reached".
	Status string
	// Code is the code sent.
	Code string
	// Sends counts the codes sent (a repeated send resends the same
	// code); Checks the checks made.
	Sends, Checks int
}

// TwilioRequest is one request the fake's REST API received.
type TwilioRequest struct {
	Method string
	Path   string
	// Host is the Twilio host the request was meant for: the
	// X-Forwarded-Host set by a client whose base URL was redirected to
	// the fake, else the Host header.
	Host             string
	IdempotencyToken string
	Form             url.Values
	// Status is what the fake answered (0 for a hang).
	Status int
	// Replayed reports an answer repeated for a known idempotency token.
	Replayed bool
}

// WebhookError is a webhook request (made by SendWhatsApp, PressDigits,
// StatusCallback, ...) that the server under test answered with a status
// other than 2xx.
type WebhookError struct {
	URL    string
	Status int
	Body   []byte
}

func (e *WebhookError) Error() string {
	return fmt.Sprintf("fluxtest: webhook %s answered %d: %s", e.URL, e.Status, bytes.TrimSpace(e.Body))
}

// twilioFailure is a scripted answer to the next create.
type twilioFailure struct {
	status, code int
	retryAfter   time.Duration
	hang         bool
}

// twilioCall is a call with the channel closed when its fetch is over.
type twilioCall struct {
	TwilioCall
	fetched chan struct{}
}

type twilioReplay struct {
	status int
	body   []byte
}

// Twilio is a fake of the parts of Twilio's REST API Flux uses, served by
// an httptest server for the length of one test, for twilio-go pointed at
// it (notify/twilio's Config.APIBaseURL = URL()):
//
//   - POST /2010-04-01/Accounts/{AccountSid}/Messages.json creates a
//     message (201, Message resource JSON) after Twilio's checks: To and
//     From present, E.164, on the same channel (both "whatsapp:" or
//     neither), Body or ContentSid present, ContentVariables a JSON object
//     of strings, Body at most 1600 characters, StatusCallback an absolute
//     URL; failures answer Twilio's error JSON and codes (21604, 21603,
//     21910, 21211, 21212, 21602, 21655, 21656, 21617, 21609). GET
//     .../Messages/{Sid}.json fetches one (20404 when unknown).
//   - POST /2010-04-01/Accounts/{AccountSid}/Calls.json creates a call
//     (201, Call resource JSON) after the checks of To, From (21201,
//     21213, 21211, 21212), Url or Twiml (21205), Method, StatusCallback
//     and its events (20001). Then, like Twilio, the fake fetches the
//     call's TwiML in the background: it requests Url with the fields
//     Twilio sends (CallSid, AccountSid, From, To, CallStatus
//     "in-progress", Direction "outbound-api", ApiVersion, ...), signed
//     with X-Twilio-Signature, parses the answer as TwiML and records its
//     Say texts and Gather action; an unreachable Url or a malformed
//     document is recorded (TwilioCall.FetchErr), not answered to the
//     create. WaitCall waits for that fetch. GET .../Calls/{Sid}.json
//     fetches a call.
//   - POST /v2/Services/{ServiceSid}/Verifications and
//     .../VerificationCheck are Twilio Verify: a code per number
//     (VerifyCode), status "pending" until the right code is checked
//     ("approved"); a wrong code leaves it "pending", the sixth wrong
//     check is 429 (60202), a check with nothing pending is 404 (20404).
//
// Every request must carry HTTP basic auth AccountSID():AuthToken(), else
// 401 with Twilio's error JSON (code 20003). A request redirected from a
// Twilio host (X-Forwarded-Host) must have been meant for the right one
// (api.twilio.com for /2010-04-01, verify.twilio.com for /v2). A create
// with an I-Twilio-Idempotency-Token seen before on the same endpoint is
// answered with the first answer and records nothing new. Fail and Hang
// script the answer to the next create.
//
// For webhook tests, Sign, SendWhatsApp, PressDigits, StatusCallback,
// SetMessageStatus and EndCall make the requests Twilio makes to the server
// under test, signed with the auth token.
//
// All methods are safe for concurrent use. The server is closed, and
// background fetches are waited for, when the test ends.
type Twilio struct {
	t     testing.TB
	srv   *httptest.Server
	done  chan struct{}
	hooks *http.Client
	wg    sync.WaitGroup

	createMu sync.Mutex // one create at a time, so idempotency tokens cannot race

	mu            sync.Mutex
	accountSID    string
	authToken     string
	verifyService string
	now           func() time.Time
	failures      []twilioFailure
	messages      []*TwilioMessage
	msgIndex      map[string]*TwilioMessage
	calls         []*twilioCall
	callIndex     map[string]*twilioCall
	replays       map[string]twilioReplay
	verifications map[string]*TwilioVerification // by service + "/" + to
	verifyList    []*TwilioVerification
	templates     map[string]string
	requests      []TwilioRequest
}

// NewTwilio starts a fake Twilio REST API; it is closed when the test ends.
func NewTwilio(t testing.TB) *Twilio {
	t.Helper()
	f := &Twilio{
		t:             t,
		done:          make(chan struct{}),
		hooks:         &http.Client{Timeout: 10 * time.Second},
		accountSID:    DefaultTwilioAccountSID,
		authToken:     DefaultTwilioAuthToken,
		verifyService: DefaultTwilioVerifyServiceSID,
		now:           time.Now,
		msgIndex:      map[string]*TwilioMessage{},
		callIndex:     map[string]*twilioCall{},
		replays:       map[string]twilioReplay{},
		verifications: map[string]*TwilioVerification{},
		templates:     map[string]string{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{account}/Messages.json", f.handle(true, f.createMessage))
	mux.HandleFunc("GET /2010-04-01/Accounts/{account}/Messages/{file}", f.handle(false, f.fetchMessage))
	mux.HandleFunc("POST /2010-04-01/Accounts/{account}/Calls.json", f.handle(true, f.createCall))
	mux.HandleFunc("GET /2010-04-01/Accounts/{account}/Calls/{file}", f.handle(false, f.fetchCall))
	mux.HandleFunc("POST /v2/Services/{service}/Verifications", f.handle(true, f.createVerification))
	mux.HandleFunc("POST /v2/Services/{service}/VerificationCheck", f.handle(true, f.checkVerification))
	mux.HandleFunc("/", f.handle(false, func(w http.ResponseWriter, r *http.Request, _ url.Values) int {
		return writeTwilioError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
	}))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		close(f.done) // release hanging handlers and fetches first
		f.srv.Close()
		f.wg.Wait()
	})
	return f
}

// URL is the base URL to use as TWILIO_API_BASE_URL.
func (f *Twilio) URL() string { return f.srv.URL }

// AccountSID returns the account the fake accepts.
func (f *Twilio) AccountSID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.accountSID
}

// AuthToken returns the auth token the fake accepts and signs with.
func (f *Twilio) AuthToken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.authToken
}

// SetAuthToken changes the auth token the fake accepts and signs with.
func (f *Twilio) SetAuthToken(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.authToken = token
}

// VerifyServiceSID returns the Verify service the fake has.
func (f *Twilio) VerifyServiceSID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.verifyService
}

// WhatsAppNumber returns the business's WhatsApp address,
// DefaultTwilioWhatsAppNumber.
func (f *Twilio) WhatsAppNumber() string { return DefaultTwilioWhatsAppNumber }

// SetClock makes the fake read the time from now (resource dates), such as
// a fluxtest.Clock's Now.
func (f *Twilio) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// SetContentTemplate registers a WhatsApp template: messages created with
// ContentSid sid get text with {{1}}, {{2}}, ... replaced by their
// ContentVariables as their Body.
func (f *Twilio) SetContentTemplate(sid, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.templates[sid] = text
}

// Fail makes the next create (message, call, verification or check) fail
// with status and Twilio error code, and a Retry-After header of
// retryAfter (rounded up to seconds) when it is not zero. Failures queue.
func (f *Twilio) Fail(status, code int, retryAfter time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures = append(f.failures, twilioFailure{status: status, code: code, retryAfter: retryAfter})
}

// Hang makes the next create answer nothing until the client gives up (or
// the test ends).
func (f *Twilio) Hang() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures = append(f.failures, twilioFailure{hang: true})
}

// Messages returns copies of the messages created so far, in order.
func (f *Twilio) Messages() []TwilioMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]TwilioMessage, len(f.messages))
	for i, m := range f.messages {
		out[i] = *m
	}
	return out
}

// Calls returns copies of the calls created so far, in order.
func (f *Twilio) Calls() []TwilioCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]TwilioCall, len(f.calls))
	for i, c := range f.calls {
		out[i] = c.copy()
	}
	return out
}

func (c *twilioCall) copy() TwilioCall {
	out := c.TwilioCall
	out.StatusCallbackEvents = append([]string(nil), c.StatusCallbackEvents...)
	out.TwiML = bytes.Clone(c.TwiML)
	out.Says = append([]string(nil), c.Says...)
	return out
}

// Verifications returns copies of the verifications started so far.
func (f *Twilio) Verifications() []TwilioVerification {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]TwilioVerification, len(f.verifyList))
	for i, v := range f.verifyList {
		out[i] = *v
	}
	return out
}

// VerifyCode returns the code of the verification pending for the number
// to, "" when none is pending.
func (f *Twilio) VerifyCode(to string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := f.verifications[f.verifyService+"/"+to]
	if v == nil || v.Status != "pending" {
		return ""
	}
	return v.Code
}

// Requests returns the REST requests received so far, in order.
func (f *Twilio) Requests() []TwilioRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]TwilioRequest, len(f.requests))
	for i, r := range f.requests {
		out[i] = r
		out[i].Form = cloneValues(r.Form)
	}
	return out
}

// WaitCall waits until the TwiML fetch of call sid is over and returns the
// call. It fails when no such call exists or ctx ends first.
func (f *Twilio) WaitCall(ctx context.Context, sid string) (TwilioCall, error) {
	f.mu.Lock()
	c := f.callIndex[sid]
	f.mu.Unlock()
	if c == nil {
		return TwilioCall{}, fmt.Errorf("fluxtest: no call %s", sid)
	}
	select {
	case <-c.fetched:
	case <-ctx.Done():
		return TwilioCall{}, fmt.Errorf("fluxtest: waiting for the TwiML fetch of %s: %w", sid, ctx.Err())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return c.copy(), nil
}

// handle wraps an API handler: it reads the form, checks credentials and
// the intended host, plays scripted failures (on creates) and records the
// request.
func (f *Twilio) handle(create bool, h func(w http.ResponseWriter, r *http.Request, form url.Values) int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		_ = r.ParseForm()
		form := r.PostForm
		if r.Method == http.MethodGet {
			form = r.URL.Query()
		}
		host := r.Header.Get("X-Forwarded-Host")
		if host == "" {
			host = r.Host
		}
		req := TwilioRequest{Method: r.Method, Path: r.URL.Path, Host: host, IdempotencyToken: r.Header.Get("I-Twilio-Idempotency-Token"), Form: cloneValues(form)}
		req.Status, req.Replayed = f.serve(w, r, form, create, req.IdempotencyToken, h)
		f.mu.Lock()
		f.requests = append(f.requests, req)
		f.mu.Unlock()
	}
}

func (f *Twilio) serve(w http.ResponseWriter, r *http.Request, form url.Values, create bool, token string, h func(http.ResponseWriter, *http.Request, url.Values) int) (int, bool) {
	f.mu.Lock()
	account, authToken := f.accountSID, f.authToken
	f.mu.Unlock()
	user, pass, ok := r.BasicAuth()
	if !ok || !hmac.Equal([]byte(user), []byte(account)) || !hmac.Equal([]byte(pass), []byte(authToken)) {
		return writeTwilioError(w, http.StatusUnauthorized, 20003, "Authenticate"), false
	}
	if a := r.PathValue("account"); a != "" && a != account {
		return writeTwilioError(w, http.StatusUnauthorized, 20003, "Authenticate"), false
	}
	if fwd := r.Header.Get("X-Forwarded-Host"); fwd != "" {
		want := "api.twilio.com"
		if strings.HasPrefix(r.URL.Path, "/v2/") {
			want = "verify.twilio.com"
		}
		if fwd != want {
			return writeTwilioError(w, http.StatusNotFound, 20404, fmt.Sprintf("The requested resource %s was not found on %s (it is served by %s)", r.URL.Path, fwd, want)), false
		}
	}
	if !create {
		return h(w, r, form), false
	}
	f.mu.Lock()
	var fail *twilioFailure
	if len(f.failures) > 0 {
		fail = &f.failures[0]
		f.failures = f.failures[1:]
	}
	f.mu.Unlock()
	switch {
	case fail != nil && fail.hang:
		select {
		case <-r.Context().Done():
		case <-f.done:
		}
		return 0, false
	case fail != nil:
		if fail.retryAfter > 0 {
			secs := int((fail.retryAfter + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
		return writeTwilioError(w, fail.status, fail.code, "Scripted failure: "+http.StatusText(fail.status)), false
	}
	f.createMu.Lock()
	defer f.createMu.Unlock()
	key := r.URL.Path + "\x00" + token
	f.mu.Lock()
	replay, seen := f.replays[key]
	f.mu.Unlock()
	if token != "" && seen {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(replay.status)
		_, _ = w.Write(replay.body)
		return replay.status, true
	}
	rec := httptest.NewRecorder()
	status := h(rec, r, form)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	_, _ = w.Write(rec.Body.Bytes())
	if token != "" && status < 300 {
		f.mu.Lock()
		f.replays[key] = twilioReplay{status: status, body: rec.Body.Bytes()}
		f.mu.Unlock()
	}
	return status, false
}

var (
	twilioE164        = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	twilioContentSID  = regexp.MustCompile(`^HX[0-9a-fA-F]{32}$`)
	twilioPlaceholder = regexp.MustCompile(`\{\{\s*([0-9A-Za-z_]+)\s*\}\}`)
)

func (f *Twilio) createMessage(w http.ResponseWriter, r *http.Request, form url.Values) int {
	to, from := form.Get("To"), form.Get("From")
	body, contentSID, vars := form.Get("Body"), form.Get("ContentSid"), form.Get("ContentVariables")
	switch {
	case to == "":
		return writeTwilioError(w, 400, 21604, "A 'To' phone number is required.")
	case from == "" && form.Get("MessagingServiceSid") == "":
		return writeTwilioError(w, 400, 21603, "A 'From' phone number is required.")
	case strings.HasPrefix(to, "whatsapp:") != strings.HasPrefix(from, "whatsapp:"):
		return writeTwilioError(w, 400, 21910, "Invalid From and To pair. From and To should be of the same channel")
	case !twilioE164.MatchString(strings.TrimPrefix(to, "whatsapp:")):
		return writeTwilioError(w, 400, 21211, "Invalid 'To' Phone Number: "+to)
	case from != "" && !twilioE164.MatchString(strings.TrimPrefix(from, "whatsapp:")):
		return writeTwilioError(w, 400, 21212, "Invalid From Number (caller ID): "+from)
	case body == "" && contentSID == "" && len(form["MediaUrl"]) == 0:
		return writeTwilioError(w, 400, 21602, "Message body is required.")
	case contentSID != "" && !twilioContentSID.MatchString(contentSID):
		return writeTwilioError(w, 400, 21655, "The ContentSid is Invalid.")
	case utf8.RuneCountInString(body) > 1600:
		return writeTwilioError(w, 400, 21617, "The concatenated message body exceeds the 1600 character limit.")
	case form.Get("StatusCallback") != "" && !absoluteHTTPURL(form.Get("StatusCallback")):
		return writeTwilioError(w, 400, 21609, "Invalid StatusCallback url: "+form.Get("StatusCallback"))
	}
	var variables map[string]string
	if vars != "" {
		if err := json.Unmarshal([]byte(vars), &variables); err != nil {
			return writeTwilioError(w, 400, 21656, "The ContentVariables Parameter is invalid.")
		}
	}
	f.mu.Lock()
	now := f.now().UTC()
	m := &TwilioMessage{
		SID: newTwilioSID("SM"), AccountSID: f.accountSID, To: to, From: from,
		Body: body, BodyParam: body, ContentSID: contentSID, ContentVariables: vars,
		StatusCallback: form.Get("StatusCallback"), Status: "queued",
		IdempotencyToken: r.Header.Get("I-Twilio-Idempotency-Token"), Created: now, Updated: now,
	}
	if contentSID != "" {
		m.Body = ""
		if tmpl, ok := f.templates[contentSID]; ok {
			m.Body = twilioPlaceholder.ReplaceAllStringFunc(tmpl, func(p string) string {
				return variables[twilioPlaceholder.FindStringSubmatch(p)[1]]
			})
		}
	}
	f.messages = append(f.messages, m)
	f.msgIndex[m.SID] = m
	out := m.resource()
	f.mu.Unlock()
	return writeTwilioJSON(w, http.StatusCreated, out)
}

func (f *Twilio) fetchMessage(w http.ResponseWriter, r *http.Request, _ url.Values) int {
	sid, ok := strings.CutSuffix(r.PathValue("file"), ".json")
	f.mu.Lock()
	m := f.msgIndex[sid]
	var out map[string]any
	if ok && m != nil {
		out = m.resource()
	}
	f.mu.Unlock()
	if out == nil {
		return writeTwilioError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
	}
	return writeTwilioJSON(w, http.StatusOK, out)
}

// resource is the Message resource JSON. Call with f.mu held.
func (m *TwilioMessage) resource() map[string]any {
	uri := "/2010-04-01/Accounts/" + m.AccountSID + "/Messages/" + m.SID + ".json"
	out := map[string]any{
		"account_sid": m.AccountSID, "api_version": "2010-04-01", "body": m.Body,
		"date_created": rfc2822(m.Created), "date_updated": rfc2822(m.Updated), "date_sent": nil,
		"direction": "outbound-api", "error_code": nil, "error_message": nil,
		"from": m.From, "messaging_service_sid": nil, "num_media": "0", "num_segments": "1",
		"price": nil, "price_unit": "USD", "sid": m.SID, "status": m.Status, "to": m.To, "uri": uri,
		"subresource_uris": map[string]string{"media": strings.TrimSuffix(uri, ".json") + "/Media.json"},
	}
	if !m.Sent.IsZero() {
		out["date_sent"] = rfc2822(m.Sent)
	}
	if m.ErrorCode != 0 {
		out["error_code"] = m.ErrorCode
		out["error_message"] = m.ErrorMessage
	}
	return out
}

// callStatusEvents are the events a call's StatusCallbackEvent may name.
var callStatusEvents = map[string]bool{"initiated": true, "ringing": true, "answered": true, "completed": true}

func (f *Twilio) createCall(w http.ResponseWriter, r *http.Request, form url.Values) int {
	to, from, u, twiml := form.Get("To"), form.Get("From"), form.Get("Url"), form.Get("Twiml")
	method := strings.ToUpper(form.Get("Method"))
	cbMethod := strings.ToUpper(form.Get("StatusCallbackMethod"))
	switch {
	case to == "":
		return writeTwilioError(w, 400, 21201, "No 'To' number is specified")
	case from == "":
		return writeTwilioError(w, 400, 21213, "No 'From' number is specified")
	case !twilioE164.MatchString(to):
		return writeTwilioError(w, 400, 21211, "Invalid 'To' Phone Number: "+to)
	case !twilioE164.MatchString(from):
		return writeTwilioError(w, 400, 21212, "Invalid 'From' Phone Number: "+from)
	case u == "" && twiml == "" && form.Get("ApplicationSid") == "":
		return writeTwilioError(w, 400, 21205, "Url parameter is required.")
	case u != "" && !absoluteHTTPURL(u):
		return writeTwilioError(w, 400, 21205, "Url is not a valid URL: "+u)
	case method != "" && method != http.MethodGet && method != http.MethodPost:
		return writeTwilioError(w, 400, 20001, "Method must be GET or POST")
	case form.Get("StatusCallback") != "" && !absoluteHTTPURL(form.Get("StatusCallback")):
		return writeTwilioError(w, 400, 21609, "Invalid StatusCallback url: "+form.Get("StatusCallback"))
	case cbMethod != "" && cbMethod != http.MethodGet && cbMethod != http.MethodPost:
		return writeTwilioError(w, 400, 20001, "StatusCallbackMethod must be GET or POST")
	}
	for _, ev := range form["StatusCallbackEvent"] {
		for _, e := range strings.Fields(ev) {
			if !callStatusEvents[e] {
				return writeTwilioError(w, 400, 20001, "Invalid StatusCallbackEvent: "+e+" (want initiated, ringing, answered or completed)")
			}
		}
	}
	if method == "" {
		method = http.MethodPost
	}
	if cbMethod == "" {
		cbMethod = http.MethodPost
	}
	f.mu.Lock()
	now := f.now().UTC()
	c := &twilioCall{fetched: make(chan struct{})}
	c.TwilioCall = TwilioCall{
		SID:                  newTwilioSID("CA"),
		AccountSID:           f.accountSID,
		To:                   to,
		From:                 from,
		URL:                  u,
		Method:               method,
		Twiml:                twiml,
		StatusCallback:       form.Get("StatusCallback"),
		StatusCallbackMethod: cbMethod,
		StatusCallbackEvents: append([]string(nil), form["StatusCallbackEvent"]...),
		Status:               "queued",
		IdempotencyToken:     r.Header.Get("I-Twilio-Idempotency-Token"),
		Created:              now,
	}
	f.calls = append(f.calls, c)
	f.callIndex[c.SID] = c
	out := c.resource()
	authToken := f.authToken
	f.mu.Unlock()

	f.wg.Add(1)
	go f.fetchTwiML(c, authToken)
	return writeTwilioJSON(w, http.StatusCreated, out)
}

func (f *Twilio) fetchCall(w http.ResponseWriter, r *http.Request, _ url.Values) int {
	sid, ok := strings.CutSuffix(r.PathValue("file"), ".json")
	f.mu.Lock()
	c := f.callIndex[sid]
	var out map[string]any
	if ok && c != nil {
		out = c.resource()
	}
	f.mu.Unlock()
	if out == nil {
		return writeTwilioError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
	}
	return writeTwilioJSON(w, http.StatusOK, out)
}

// resource is the Call resource JSON. Call with f.mu held.
func (c *twilioCall) resource() map[string]any {
	uri := "/2010-04-01/Accounts/" + c.AccountSID + "/Calls/" + c.SID + ".json"
	base := strings.TrimSuffix(uri, ".json")
	return map[string]any{
		"sid": c.SID, "account_sid": c.AccountSID, "api_version": "2010-04-01",
		"to": c.To, "to_formatted": c.To, "from": c.From, "from_formatted": c.From,
		"status": c.Status, "direction": "outbound-api", "answered_by": nil, "caller_name": nil,
		"date_created": rfc2822(c.Created), "date_updated": rfc2822(c.Created),
		"start_time": nil, "end_time": nil, "duration": nil, "price": nil, "price_unit": "USD",
		"forwarded_from": nil, "group_sid": nil, "parent_call_sid": nil, "phone_number_sid": nil,
		"queue_time": "0", "trunk_sid": nil, "uri": uri,
		"subresource_uris": map[string]string{
			"notifications": base + "/Notifications.json", "recordings": base + "/Recordings.json",
			"events": base + "/Events.json", "payments": base + "/Payments.json",
		},
	}
}

// callForm is what Twilio posts to a call's URLs.
func (f *Twilio) callForm(c *TwilioCall) url.Values {
	return url.Values{
		"AccountSid": {c.AccountSID}, "ApiVersion": {"2010-04-01"}, "CallSid": {c.SID},
		"CallStatus": {"in-progress"}, "Called": {c.To}, "Caller": {c.From},
		"Direction": {"outbound-api"}, "From": {c.From}, "To": {c.To},
	}
}

// fetchTwiML fetches (or parses) a new call's TwiML, as Twilio does when
// the call is answered, and records what it found.
func (f *Twilio) fetchTwiML(c *twilioCall, authToken string) {
	defer f.wg.Done()
	defer close(c.fetched)
	f.mu.Lock()
	call := c.copy()
	f.mu.Unlock()

	var doc []byte
	var status int
	var fetchErr string
	if call.URL == "" {
		doc = []byte(call.Twiml)
	} else {
		ctx, cancel := f.context()
		var err error
		status, doc, err = f.request(ctx, call.Method, call.URL, f.callForm(&call), authToken)
		cancel()
		switch {
		case err != nil:
			fetchErr = "fetching the TwiML: " + err.Error()
		case status < 200 || status > 299:
			fetchErr = fmt.Sprintf("fetching the TwiML: %s answered %d", call.URL, status)
		}
	}
	var tw TwiML
	if fetchErr == "" {
		var err error
		if tw, err = ParseTwiML(doc); err != nil {
			fetchErr = err.Error()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c.Fetched, c.FetchStatus, c.TwiML, c.FetchErr = true, status, doc, fetchErr
	if fetchErr == "" {
		c.Says = tw.Says()
		c.setGather(tw)
	}
}

// setGather records tw's Gather, if any, resolved against the call's URL.
// Call with f.mu held.
func (c *twilioCall) setGather(tw TwiML) {
	g, ok := tw.Gather()
	if !ok {
		return
	}
	action := g.Attrs["action"]
	if base, err := url.Parse(c.URL); err == nil && c.URL != "" {
		if ref, err := url.Parse(action); err == nil {
			action = base.ResolveReference(ref).String()
		}
	}
	c.GatherAction = action
	c.GatherMethod = strings.ToUpper(g.Attrs["method"])
	if c.GatherMethod == "" {
		c.GatherMethod = http.MethodPost
	}
}

// context returns a context that ends when the test does (or when cancel
// is called).
func (f *Twilio) context() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-f.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// request makes a signed webhook request as Twilio does: a POST carries
// form in its body, a GET in its query (and is signed without params).
func (f *Twilio) request(ctx context.Context, method, fullURL string, form url.Values, authToken string) (int, []byte, error) {
	var body io.Reader
	target := fullURL
	signForm := form
	if method == http.MethodGet {
		u, err := url.Parse(fullURL)
		if err != nil {
			return 0, nil, err
		}
		q := u.Query()
		for k, vs := range form {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		u.RawQuery = q.Encode()
		target = u.String()
		signForm = nil
	} else {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Twilio-Signature", twilioSign(authToken, target, signForm))
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("Accept", "*/*")
	resp, err := f.hooks.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}

// webhook posts a signed form and returns the answer; a status other than
// 2xx is a *WebhookError.
func (f *Twilio) webhook(ctx context.Context, method, fullURL string, form url.Values) ([]byte, error) {
	status, b, err := f.request(ctx, method, fullURL, form, f.AuthToken())
	if err != nil {
		return nil, err
	}
	if status < 200 || status > 299 {
		return b, &WebhookError{URL: fullURL, Status: status, Body: b}
	}
	return b, nil
}

// Sign returns the X-Twilio-Signature of a request to fullURL with form (nil
// for a GET), made with the fake's auth token.
func (f *Twilio) Sign(fullURL string, form url.Values) string {
	return twilioSign(f.AuthToken(), fullURL, form)
}

// twilioSign is Twilio's webhook signature: base64 HMAC-SHA1 of the URL
// followed by each key and value, sorted by key (a key's values sorted).
func twilioSign(authToken, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	mac := hmac.New(sha1.New, []byte(authToken))
	io.WriteString(mac, fullURL)
	for _, k := range keys {
		vs := append([]string(nil), form[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			io.WriteString(mac, k)
			io.WriteString(mac, v)
		}
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// PressDigits plays a person pressing digits on call callSid: it waits for
// the call's TwiML fetch, then requests the recorded Gather action (with
// the Gather's method) with the call's fields plus Digits, signed, and
// returns the answer. An answer that is not well-formed TwiML is an error
// (the bytes are returned too); a Gather in it becomes the call's next
// Gather.
func (f *Twilio) PressDigits(ctx context.Context, callSid, digits string) (twimlAnswer []byte, err error) {
	call, err := f.WaitCall(ctx, callSid)
	if err != nil {
		return nil, err
	}
	if call.FetchErr != "" {
		return nil, fmt.Errorf("fluxtest: call %s has no TwiML to press digits in: %s", callSid, call.FetchErr)
	}
	if call.GatherAction == "" {
		return nil, fmt.Errorf("fluxtest: call %s's TwiML has no Gather", callSid)
	}
	form := f.callForm(&call)
	form.Set("Digits", digits)
	form.Set("FinishedOnKey", "")
	form.Set("msg", "Gather End")
	b, err := f.webhook(ctx, call.GatherMethod, call.GatherAction, form)
	if err != nil {
		return b, err
	}
	tw, err := ParseTwiML(b)
	if err != nil {
		return b, fmt.Errorf("fluxtest: the Gather action %s answered: %w", call.GatherAction, err)
	}
	f.mu.Lock()
	if c := f.callIndex[callSid]; c != nil {
		c.setGather(tw)
	}
	f.mu.Unlock()
	return b, nil
}

// SendWhatsApp posts an inbound WhatsApp message to webhookURL as Twilio
// does: MessageSid (and SmsMessageSid, SmsSid), AccountSid, From
// ("whatsapp:" added when missing), To (WhatsAppNumber()), Body, WaId (From's
// digits), ProfileName, NumMedia "0", NumSegments "1", SmsStatus
// "received", MessageType "text", ApiVersion; extra sets or adds fields.
// It returns the answer, which must be empty or well-formed TwiML.
func (f *Twilio) SendWhatsApp(ctx context.Context, webhookURL, from, body string, extra url.Values) ([]byte, error) {
	if !strings.HasPrefix(from, "whatsapp:") {
		from = "whatsapp:" + from
	}
	sid := newTwilioSID("SM")
	form := url.Values{
		"MessageSid": {sid}, "SmsMessageSid": {sid}, "SmsSid": {sid},
		"AccountSid": {f.AccountSID()}, "From": {from}, "To": {f.WhatsAppNumber()},
		"Body": {body}, "WaId": {strings.TrimPrefix(strings.TrimPrefix(from, "whatsapp:"), "+")},
		"ProfileName": {"Fluxtest"}, "NumMedia": {"0"}, "NumSegments": {"1"},
		"SmsStatus": {"received"}, "MessageType": {"text"}, "ApiVersion": {"2010-04-01"},
	}
	for k, vs := range extra {
		form[k] = append([]string(nil), vs...)
	}
	b, err := f.webhook(ctx, http.MethodPost, webhookURL, form)
	if err != nil {
		return b, err
	}
	if len(bytes.TrimSpace(b)) > 0 {
		if _, err := ParseTwiML(b); err != nil {
			return b, fmt.Errorf("fluxtest: the WhatsApp webhook %s answered: %w", webhookURL, err)
		}
	}
	return b, nil
}

// StatusCallback posts form to fullURL, signed, as Twilio posts a status
// callback, and returns the answer.
func (f *Twilio) StatusCallback(ctx context.Context, fullURL string, form url.Values) ([]byte, error) {
	return f.webhook(ctx, http.MethodPost, fullURL, form)
}

// SetMessageStatus moves message sid to status (sent, delivered, read,
// undelivered, failed, ...; errorCode with failed and undelivered) and, when
// the message has a StatusCallback, posts it there as Twilio does
// (MessageSid, MessageStatus, SmsSid, SmsStatus, AccountSid, From, To,
// ApiVersion, ErrorCode).
func (f *Twilio) SetMessageStatus(ctx context.Context, sid, status string, errorCode int) error {
	f.mu.Lock()
	m := f.msgIndex[sid]
	if m == nil {
		f.mu.Unlock()
		return fmt.Errorf("fluxtest: no message %s", sid)
	}
	now := f.now().UTC()
	m.Status, m.Updated, m.ErrorCode = status, now, errorCode
	m.ErrorMessage = ""
	if errorCode != 0 {
		m.ErrorMessage = fmt.Sprintf("Error %d", errorCode)
	}
	if m.Sent.IsZero() && (status == "sent" || status == "delivered" || status == "read") {
		m.Sent = now
	}
	cb := m.StatusCallback
	form := url.Values{
		"MessageSid": {m.SID}, "SmsSid": {m.SID}, "MessageStatus": {status}, "SmsStatus": {status},
		"AccountSid": {m.AccountSID}, "From": {m.From}, "To": {m.To}, "ApiVersion": {"2010-04-01"},
	}
	if errorCode != 0 {
		form.Set("ErrorCode", strconv.Itoa(errorCode))
	}
	f.mu.Unlock()
	if cb == "" {
		return nil
	}
	_, err := f.StatusCallback(ctx, cb, form)
	return err
}

// EndCall ends call sid with callStatus (completed, busy, no-answer,
// failed, canceled) and, when the call asked for the "completed" event,
// posts its status callback as Twilio does (the call's fields with
// CallStatus, CallDuration, Timestamp, CallbackSource, SequenceNumber).
func (f *Twilio) EndCall(ctx context.Context, sid, callStatus string, duration time.Duration) error {
	f.mu.Lock()
	c := f.callIndex[sid]
	if c == nil {
		f.mu.Unlock()
		return fmt.Errorf("fluxtest: no call %s", sid)
	}
	c.Status = callStatus
	call := c.copy()
	now := f.now().UTC()
	f.mu.Unlock()
	wants := false
	for _, ev := range call.StatusCallbackEvents {
		for _, e := range strings.Fields(ev) {
			wants = wants || e == "completed"
		}
	}
	if call.StatusCallback == "" || (!wants && len(call.StatusCallbackEvents) > 0) {
		return nil
	}
	form := f.callForm(&call)
	form.Set("CallStatus", callStatus)
	form.Set("CallDuration", strconv.Itoa(int(duration/time.Second)))
	form.Set("Timestamp", rfc2822(now))
	form.Set("CallbackSource", "call-progress-events")
	form.Set("SequenceNumber", "0")
	_, err := f.webhook(ctx, call.StatusCallbackMethod, call.StatusCallback, form)
	return err
}

func (f *Twilio) createVerification(w http.ResponseWriter, r *http.Request, form url.Values) int {
	service := r.PathValue("service")
	to, channel := form.Get("To"), form.Get("Channel")
	f.mu.Lock()
	known := service == f.verifyService
	f.mu.Unlock()
	switch {
	case !known:
		return writeTwilioError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
	case to == "":
		return writeTwilioError(w, 400, 60200, "Invalid parameter: To")
	case channel != "sms" && channel != "call" && channel != "whatsapp" && channel != "email" && channel != "sna":
		return writeTwilioError(w, 400, 60200, "Invalid parameter: Channel")
	case channel != "email" && !twilioE164.MatchString(to):
		return writeTwilioError(w, 400, 60200, "Invalid parameter `To`: "+to)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	key := service + "/" + to
	v := f.verifications[key]
	if v == nil || v.Status != "pending" {
		v = &TwilioVerification{SID: newTwilioSID("VE"), ServiceSID: service, To: to, Status: "pending", Code: newVerifyCode()}
		f.verifications[key] = v
		f.verifyList = append(f.verifyList, v)
	}
	v.Channel = channel
	v.Sends++
	return writeTwilioJSON(w, http.StatusCreated, f.verificationResource(v, true))
}

func (f *Twilio) checkVerification(w http.ResponseWriter, r *http.Request, form url.Values) int {
	service := r.PathValue("service")
	to, code := form.Get("To"), form.Get("Code")
	if code == "" {
		return writeTwilioError(w, 400, 60200, "Invalid parameter: Code")
	}
	if to == "" && form.Get("VerificationSid") == "" {
		return writeTwilioError(w, 400, 60200, "Invalid parameter: To")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var v *TwilioVerification
	if to != "" {
		v = f.verifications[service+"/"+to]
	} else {
		for _, x := range f.verifyList {
			if x.SID == form.Get("VerificationSid") && x.ServiceSID == service {
				v = x
			}
		}
	}
	if service != f.verifyService || v == nil || v.Status != "pending" {
		return writeTwilioError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
	}
	v.Checks++
	if hmac.Equal([]byte(code), []byte(v.Code)) {
		v.Status = "approved"
	} else if v.Checks > 5 {
		v.Status = "max_attempts_reached"
		return writeTwilioError(w, http.StatusTooManyRequests, 60202, "Max check attempts reached")
	}
	return writeTwilioJSON(w, http.StatusOK, f.verificationResource(v, false))
}

// verificationResource is a Verification (or, with send false, a
// VerificationCheck) resource. Call with f.mu held.
func (f *Twilio) verificationResource(v *TwilioVerification, send bool) map[string]any {
	now := f.now().UTC().Format(time.RFC3339)
	out := map[string]any{
		"sid": v.SID, "service_sid": v.ServiceSID, "account_sid": f.accountSID,
		"to": v.To, "channel": v.Channel, "status": v.Status, "valid": v.Status == "approved",
		"amount": nil, "payee": nil, "date_created": now, "date_updated": now,
	}
	if send {
		out["lookup"] = map[string]any{"carrier": nil}
		out["send_code_attempts"] = []map[string]any{{"time": now, "channel": v.Channel, "attempt_sid": newTwilioSID("VL")}}
		out["sna"] = nil
		out["url"] = "https://verify.twilio.com/v2/Services/" + v.ServiceSID + "/Verifications/" + v.SID
	} else {
		out["sna_attempts_error_codes"] = []any{}
	}
	return out
}

// TwiML is a parsed TwiML document: the verbs under <Response>.
type TwiML struct {
	Verbs []TwiMLVerb
}

// TwiMLVerb is one TwiML element.
type TwiMLVerb struct {
	// Name is the element's name: Say, Gather, Hangup, Message, ...
	Name  string
	Attrs map[string]string
	// Text is the element's text (a Say's words, a Message's body).
	Text string
	// Children are nested verbs (a Gather's Say).
	Children []TwiMLVerb
}

// twimlVerbs are the elements a TwiML document may contain.
var twimlVerbs = map[string]bool{
	"Say": true, "Play": true, "Pause": true, "Gather": true, "Hangup": true, "Redirect": true,
	"Reject": true, "Dial": true, "Number": true, "Record": true, "Message": true, "Body": true,
	"Media": true, "Enqueue": true, "Leave": true, "Connect": true, "Stream": true, "Sms": true,
}

// ParseTwiML parses b as a TwiML document: well-formed XML (the XML
// declaration optional) whose root is <Response> and whose elements are
// TwiML verbs and nouns. It is strict: anything else is an error, as it is
// a document Twilio cannot use.
func ParseTwiML(b []byte) (TwiML, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	var stack []*TwiMLVerb
	var root *TwiMLVerb
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return TwiML{}, fmt.Errorf("fluxtest: not well-formed TwiML: %w", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			v := &TwiMLVerb{Name: tok.Name.Local, Attrs: map[string]string{}}
			for _, a := range tok.Attr {
				v.Attrs[a.Name.Local] = a.Value
			}
			switch {
			case len(stack) == 0 && root != nil:
				return TwiML{}, errors.New("fluxtest: not well-formed TwiML: more than one root element")
			case len(stack) == 0 && v.Name != "Response":
				return TwiML{}, fmt.Errorf("fluxtest: TwiML root is <%s>, want <Response>", v.Name)
			case len(stack) == 0:
				root = v
			case !twimlVerbs[v.Name]:
				return TwiML{}, fmt.Errorf("fluxtest: <%s> is not a TwiML verb", v.Name)
			}
			stack = append(stack, v)
		case xml.EndElement:
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.Children = append(parent.Children, *v)
			}
		case xml.CharData:
			if len(stack) > 1 {
				stack[len(stack)-1].Text += string(tok)
			} else if len(stack) == 1 && len(bytes.TrimSpace(tok)) > 0 {
				return TwiML{}, errors.New("fluxtest: TwiML has text directly under <Response>")
			}
		}
	}
	if root == nil {
		return TwiML{}, errors.New("fluxtest: not TwiML: no <Response> element")
	}
	return TwiML{Verbs: root.Children}, nil
}

// Says returns the text of every Say, in document order (a Gather's
// nested Say included).
func (t TwiML) Says() []string {
	var out []string
	var walk func([]TwiMLVerb)
	walk = func(vs []TwiMLVerb) {
		for _, v := range vs {
			if v.Name == "Say" {
				out = append(out, v.Text)
			}
			walk(v.Children)
		}
	}
	walk(t.Verbs)
	return out
}

// Gather returns the document's first Gather.
func (t TwiML) Gather() (TwiMLVerb, bool) {
	for _, v := range t.Verbs {
		if v.Name == "Gather" {
			return v, true
		}
	}
	return TwiMLVerb{}, false
}

// Messages returns the text of every Message (a WhatsApp or SMS reply).
func (t TwiML) Messages() []string {
	var out []string
	for _, v := range t.Verbs {
		if v.Name != "Message" {
			continue
		}
		text := v.Text
		for _, c := range v.Children {
			if c.Name == "Body" {
				text += c.Text
			}
		}
		out = append(out, text)
	}
	return out
}

// Hangup reports whether the document hangs up.
func (t TwiML) Hangup() bool {
	for _, v := range t.Verbs {
		if v.Name == "Hangup" {
			return true
		}
	}
	return false
}

func writeTwilioJSON(w http.ResponseWriter, status int, v any) int {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
	return status
}

// writeTwilioError answers in Twilio's error shape.
func writeTwilioError(w http.ResponseWriter, status, code int, msg string) int {
	return writeTwilioJSON(w, status, map[string]any{
		"code": code, "message": msg, "more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": status,
	})
}

func absoluteHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func rfc2822(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

// newTwilioSID returns prefix and 32 random hex digits.
func newTwilioSID(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// newVerifyCode returns six random digits.
func newVerifyCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1000000))
	if err != nil {
		return "123456"
	}
	return fmt.Sprintf("%06d", n.Int64())
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
