package twilio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/notify"
	twclient "github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"
	verify "github.com/twilio/twilio-go/rest/verify/v2"
)

// DefaultWhatsAppFrom is the sender of WhatsApp messages when
// Config.WhatsAppFrom is empty: Twilio's WhatsApp sandbox number.
const DefaultWhatsAppFrom = "whatsapp:+14155238886"

// DefaultTimeout bounds each request to Twilio when Config.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// Paths under Config.WebhookBaseURL that Twilio is told to call. fluxd
// serves them; they are exported so that its routes and these URLs agree.
const (
	// WhatsAppStatusPath receives WhatsApp message status callbacks.
	WhatsAppStatusPath = "/api/v1/webhooks/twilio/status"
	// CallTwiMLPath answers a call with its TwiML (CallTwiML); the query
	// names the notification: ?notification_id=<id>.
	CallTwiMLPath = "/notifications/call/twiml"
	// CallStatusPath receives a call's status callbacks, with the same
	// query.
	CallStatusPath = "/notifications/call/status"
	// CallGatherPath is where a call's Gather usually posts the digit
	// pressed (CallScript.GatherAction).
	CallGatherPath = "/notifications/call/gather"
)

// IdempotencyHeader is the request header that carries a create's
// idempotency token (the notification id).
const IdempotencyHeader = "I-Twilio-Idempotency-Token"

// Config configures a Client. Zero values are the documented defaults;
// AccountSID and AuthToken are required. cmd/fluxd fills it from the
// TWILIO_* environment variables named on each field.
type Config struct {
	// AccountSID (TWILIO_ACCOUNT_SID) is the account, "AC" and 32 hex
	// digits. Required.
	AccountSID string
	// AuthToken (TWILIO_AUTH_TOKEN) authenticates requests and signs
	// webhooks. Required; it never appears in an error or a log line.
	AuthToken string
	// WhatsAppFrom (TWILIO_WHATSAPP_FROM) is the WhatsApp sender; the
	// "whatsapp:" prefix is added when missing. Empty means
	// DefaultWhatsAppFrom, the sandbox.
	WhatsAppFrom string
	// PhoneNumber (TWILIO_PHONE_NUMBER) is the caller id of calls, in
	// E.164 form. Required by NewCall.
	PhoneNumber string
	// WhatsAppTemplateSID (TWILIO_WHATSAPP_TEMPLATE_SID) is an approved
	// WhatsApp template ("HX..." Content SID) with two variables, {{1}}
	// the title and {{2}} the body. When set, a message to a person who
	// has not written within WhatsApp's 24-hour customer-care window is
	// sent as this template; when empty, messages are always free-form
	// (which WhatsApp only delivers inside the window).
	WhatsAppTemplateSID string
	// VerifyServiceSID (TWILIO_VERIFY_SERVICE_SID) is the Twilio Verify
	// service ("VA..."). Required by NewVerifier.
	VerifyServiceSID string
	// APIBaseURL (TWILIO_API_BASE_URL), when set, replaces every Twilio
	// REST host (api.twilio.com, verify.twilio.com, ...): requests go to
	// this base URL with their path and query kept, and the host they
	// were meant for in X-Forwarded-Host. Empty means Twilio's own hosts.
	// Tests set it to a fluxtest.Twilio.
	APIBaseURL string
	// WebhookBaseURL (TWILIO_WEBHOOK_BASE_URL) is fluxd's public base
	// URL, as Twilio reaches it: the base of TwiML URLs, status callbacks
	// and signature checks. Required by NewCall; without it WhatsApp
	// messages ask for no status callback.
	WebhookBaseURL string
	// Timeout bounds each request to Twilio; 0 means DefaultTimeout.
	Timeout time.Duration
	// Transport sends the requests (an instrumented one, say); nil means
	// a clone of http.DefaultTransport.
	Transport http.RoundTripper
	// Logger receives one line per send; nil means slog.Default().
	Logger *slog.Logger
	// Clock tells the time (WhatsApp's 24-hour window, Retry-After
	// dates); nil means the system clock.
	Clock flux.Clock
}

// Client is a Twilio account configured for Flux. It is safe for
// concurrent use; the channels and the verifier built from it share it.
type Client struct {
	cfg     Config
	apiBase *url.URL // nil: Twilio's own hosts
	webhook string   // WebhookBaseURL without a trailing slash
	base    http.RoundTripper
	log     *slog.Logger
	clock   flux.Clock
}

var (
	accountSIDPattern = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	alnum             = regexp.MustCompile(`^[A-Za-z0-9]+$`)
)

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if !accountSIDPattern.MatchString(cfg.AccountSID) {
		return nil, errors.New(`twilio: AccountSID (TWILIO_ACCOUNT_SID) must be "AC" and 32 hex digits`)
	}
	if !alnum.MatchString(cfg.AuthToken) {
		return nil, errors.New("twilio: AuthToken (TWILIO_AUTH_TOKEN) is required and must be letters and digits")
	}
	if cfg.WhatsAppFrom == "" {
		cfg.WhatsAppFrom = DefaultWhatsAppFrom
	}
	if !strings.HasPrefix(cfg.WhatsAppFrom, "whatsapp:") {
		cfg.WhatsAppFrom = "whatsapp:" + cfg.WhatsAppFrom
	}
	if !flux.ValidE164(strings.TrimPrefix(cfg.WhatsAppFrom, "whatsapp:")) {
		return nil, errors.New("twilio: WhatsAppFrom (TWILIO_WHATSAPP_FROM) must be an E.164 number such as +14155238886")
	}
	if cfg.PhoneNumber != "" && !flux.ValidE164(cfg.PhoneNumber) {
		return nil, errors.New("twilio: PhoneNumber (TWILIO_PHONE_NUMBER) must be an E.164 number such as +15005550006")
	}
	if cfg.WhatsAppTemplateSID != "" && !sidPattern("HX").MatchString(cfg.WhatsAppTemplateSID) {
		return nil, errors.New(`twilio: WhatsAppTemplateSID (TWILIO_WHATSAPP_TEMPLATE_SID) must be a Content SID, "HX" and 32 hex digits`)
	}
	if cfg.VerifyServiceSID != "" && !sidPattern("VA").MatchString(cfg.VerifyServiceSID) {
		return nil, errors.New(`twilio: VerifyServiceSID (TWILIO_VERIFY_SERVICE_SID) must be "VA" and 32 hex digits`)
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("twilio: Timeout must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	c := &Client{cfg: cfg, log: cfg.Logger, clock: cfg.Clock}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.clock == nil {
		c.clock = flux.SystemClock{}
	}
	if cfg.APIBaseURL != "" {
		u, err := baseURL(cfg.APIBaseURL)
		if err != nil {
			return nil, fmt.Errorf("twilio: APIBaseURL (TWILIO_API_BASE_URL): %w", err)
		}
		c.apiBase = u
	}
	if cfg.WebhookBaseURL != "" {
		u, err := baseURL(cfg.WebhookBaseURL)
		if err != nil {
			return nil, fmt.Errorf("twilio: WebhookBaseURL (TWILIO_WEBHOOK_BASE_URL): %w", err)
		}
		c.webhook = u.String()
	}
	if cfg.Transport != nil {
		c.base = cfg.Transport
	} else if t, ok := http.DefaultTransport.(*http.Transport); ok {
		c.base = t.Clone()
	} else {
		c.base = http.DefaultTransport
	}
	return c, nil
}

// baseURL parses an absolute http(s) URL with no query or fragment and
// trims its trailing slash.
func baseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("not a URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("%q must have no query, fragment or user info", s)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func sidPattern(prefix string) *regexp.Regexp {
	return regexp.MustCompile(`^` + prefix + `[0-9a-fA-F]{32}$`)
}

// AccountSID returns the account the client uses.
func (c *Client) AccountSID() string { return c.cfg.AccountSID }

// WebhookBaseURL returns Config.WebhookBaseURL without a trailing slash,
// "" when unset.
func (c *Client) WebhookBaseURL() string { return c.webhook }

// Validator returns a webhook signature validator for this account, whose
// public base URL is Config.WebhookBaseURL.
func (c *Client) Validator() *Validator {
	return &Validator{AuthToken: c.cfg.AuthToken, PublicBaseURL: c.webhook}
}

// session is one operation against Twilio: twilio-go services bound to a
// transport of their own, which carries the caller's context, the
// idempotency token and the host redirection, and remembers what the last
// response said about retrying.
type session struct {
	api    *api.ApiService
	verify *verify.ApiService
	tr     *transport
}

// begin starts an operation bounded by ctx and the configured timeout. The
// returned function ends it; call it once the twilio-go call returned.
func (c *Client) begin(ctx context.Context, idempotencyToken string) (*session, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	tr := &transport{ctx: ctx, base: c.base, apiBase: c.apiBase, token: idempotencyToken}
	hc := &http.Client{
		Transport: tr,
		Timeout:   c.cfg.Timeout,
		// As twilio-go's own default client: answer 3xx as they are.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	tc := &twclient.Client{Credentials: twclient.NewCredentials(c.cfg.AccountSID, c.cfg.AuthToken), HTTPClient: hc}
	tc.SetAccountSid(c.cfg.AccountSID)
	rh := twclient.NewRequestHandler(tc)
	// Hosts come from this package's configuration, not from the
	// TWILIO_EDGE and TWILIO_REGION variables twilio-go reads.
	rh.Edge, rh.Region = "", ""
	return &session{api: api.NewApiService(rh), verify: verify.NewApiService(rh), tr: tr}, cancel
}

// transport is the http.RoundTripper of one session.
type transport struct {
	ctx     context.Context
	base    http.RoundTripper
	apiBase *url.URL
	token   string

	mu         sync.Mutex
	status     int
	retryAfter string
}

// RoundTrip sends r tied to the session's context (as well as to the
// http.Client's timeout), with the idempotency token on creates, to
// APIBaseURL when one is set.
func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := t.ctx.Err(); err != nil {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, err
	}
	// The request's own context carries the http.Client's timeout; the
	// session's carries the caller's. Either ends the request. The merged
	// context is released when the session ends (t.ctx is cancelled
	// then), after twilio-go has read the response.
	ctx, cancel := context.WithCancelCause(r.Context())
	context.AfterFunc(t.ctx, func() { cancel(context.Cause(t.ctx)) })
	out := r.Clone(ctx)
	if t.token != "" && r.Method == http.MethodPost {
		out.Header.Set(IdempotencyHeader, t.token)
	}
	if t.apiBase != nil {
		u := *out.URL
		out.Header.Set("X-Forwarded-Host", u.Host)
		u.Scheme = t.apiBase.Scheme
		u.Host = t.apiBase.Host
		u.Path = t.apiBase.Path + u.Path
		if u.RawPath != "" {
			u.RawPath = t.apiBase.EscapedPath() + u.RawPath
		}
		out.URL = &u
		out.Host = ""
	}
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.status = resp.StatusCode
	t.retryAfter = resp.Header.Get("Retry-After")
	t.mu.Unlock()
	return resp, nil
}

// last returns the status and Retry-After of the last response.
func (t *transport) last() (int, string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status, t.retryAfter
}

// APIError is an error answer of Twilio's REST API. Phone numbers in
// Message are masked.
type APIError struct {
	// Status is the HTTP status.
	Status int
	// Code is Twilio's error code (https://www.twilio.com/docs/errors).
	Code int
	// Message is Twilio's message.
	Message string
	// MoreInfo is the link to the code's documentation.
	MoreInfo string
}

// Error returns "Twilio error: <message> (Code: <code>)", as the original
// system reported Twilio's errors.
func (e *APIError) Error() string {
	return fmt.Sprintf("Twilio error: %s (Code: %d)", e.Message, e.Code)
}

// Temporary reports whether the same request may succeed later (429, 5xx).
func (e *APIError) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// phoneLike matches an international number ("+" and digits, perhaps
// spaced or dashed) or a bare run of 8 to 15 digits.
var phoneLike = regexp.MustCompile(`\+[0-9][0-9 ()-]{5,}[0-9]|[0-9]{8,15}`)

// maskPhones masks everything in s that looks like a phone number (seven
// digits or more, standing alone: not part of a SID or another word; a date
// is left alone).
func maskPhones(s string) string {
	var b strings.Builder
	last := 0
	for _, loc := range phoneLike.FindAllStringIndex(s, -1) {
		start, end := loc[0], loc[1]
		m := s[start:end]
		digits := 0
		for _, r := range m {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		glued := (start > 0 && isWordByte(s[start-1])) || (end < len(s) && isWordByte(s[end]))
		if digits < 7 || glued {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(flux.MaskPhone(m))
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// classify turns what a twilio-go call returned into a notify error:
// temporary for 429, 5xx, timeouts and network errors, permanent for other
// 4xx. op names the operation in the message.
func (c *Client) classify(ctx context.Context, s *session, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		// The caller gave up; whether Twilio acted is unknown, and a
		// repeat is safe with the idempotency token.
		return notify.Temporary(fmt.Errorf("%s: %w", op, ctxErr), 0)
	}
	status, retryAfter := s.tr.last()
	var te *twclient.TwilioRestError
	var te1 *twclient.RestErrorV1
	var ae *APIError
	switch {
	case errors.As(err, &te):
		if te.Status == 0 {
			te.Status = status
		}
		ae = &APIError{Status: te.Status, Code: te.Code, Message: maskPhones(te.Message), MoreInfo: te.MoreInfo}
	case errors.As(err, &te1):
		st := te1.HttpStatusCode
		if st == 0 {
			st = status
		}
		ae = &APIError{Status: st, Code: te1.Code, Message: maskPhones(te1.Message)}
	case status >= 400:
		// An error answer that was not Twilio's JSON (a proxy's page).
		ae = &APIError{Status: status, Message: http.StatusText(status)}
	}
	if ae != nil {
		wrapped := fmt.Errorf("%s: %w", op, ae)
		if ae.Temporary() {
			return notify.Temporary(wrapped, c.parseRetryAfter(retryAfter))
		}
		return notify.Permanent(wrapped)
	}
	// Timeouts, refused connections, a response cut short or unreadable:
	// temporary (a repeat is safe with the idempotency token). twilio-go's
	// error texts carry the request URL but no credentials.
	return notify.Temporary(fmt.Errorf("%s: %w", op, err), 0)
}

// parseRetryAfter reads a Retry-After value: seconds or an HTTP date.
func (c *Client) parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(c.clock.Now()); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}

// MessageStatus is what Twilio knows of a sent message, for
// GET /notifications/whatsapp/status/{sid}.
type MessageStatus struct {
	SID string `json:"sid"`
	// Status is Twilio's: queued, sending, sent, delivered, read,
	// undelivered, failed, ...
	Status string `json:"status"`
	// DateSent and DateUpdated are nil when Twilio has none.
	DateSent    *time.Time `json:"date_sent"`
	DateUpdated *time.Time `json:"date_updated"`
	// ErrorCode and ErrorMessage say why a message failed; nil otherwise.
	ErrorCode    *int    `json:"error_code"`
	ErrorMessage *string `json:"error_message"`
}

var messageSIDPattern = regexp.MustCompile(`^(SM|MM)[0-9a-fA-F]{32}$`)

// ValidMessageSID reports whether sid has the form of a Twilio message SID
// ("SM" or "MM" and 32 hex digits).
func ValidMessageSID(sid string) bool { return messageSIDPattern.MatchString(sid) }

// MessageStatus fetches the status of the message sid. A sid of the wrong
// form is refused (flux.EInvalid) before any request; a message Twilio does
// not know is flux.ENotFound; any other failure is flux.EUnavailable, with
// the cause (a notify error saying whether a retry may help) wrapped.
func (c *Client) MessageStatus(ctx context.Context, sid string) (MessageStatus, error) {
	if !ValidMessageSID(sid) {
		return MessageStatus{}, flux.Invalid("not a Twilio message SID", flux.FieldError{Field: "message_sid", Message: `must be "SM" or "MM" and 32 hex digits`})
	}
	if err := ctx.Err(); err != nil {
		return MessageStatus{}, err
	}
	s, done := c.begin(ctx, "")
	defer done()
	m, err := s.api.FetchMessage(sid, nil)
	if err != nil {
		err = c.classify(ctx, s, "twilio: fetch message", err)
		var ae *APIError
		if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
			return MessageStatus{}, &flux.Error{Code: flux.ENotFound, Message: "message not found", Err: err}
		}
		return MessageStatus{}, &flux.Error{Code: flux.EUnavailable, Message: "could not fetch the message status from Twilio", Err: err}
	}
	out := MessageStatus{SID: deref(m.Sid), Status: deref(m.Status), ErrorCode: m.ErrorCode, ErrorMessage: m.ErrorMessage}
	if out.SID == "" {
		out.SID = sid
	}
	out.DateSent = parseRFC2822(m.DateSent)
	out.DateUpdated = parseRFC2822(m.DateUpdated)
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// parseRFC2822 reads Twilio's dates ("Mon, 02 Jan 2006 15:04:05 +0000");
// nil when absent or unreadable.
func parseRFC2822(s *string) *time.Time {
	if s == nil || *s == "" {
		return nil
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, time.RFC3339} {
		if t, err := time.Parse(layout, *s); err == nil {
			t = t.UTC()
			return &t
		}
	}
	return nil
}
