package webpush

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/notify"
)

// Defaults of Options.
const (
	// DefaultSubscriber is the contact address in the VAPID JWT when
	// Options.Subscriber is empty, as the original system had it.
	DefaultSubscriber = "support@fluxassistant.com"
	// DefaultTimeout bounds the request to one device's push service when
	// Options.Timeout is 0.
	DefaultTimeout = 10 * time.Second
)

// MaxTTL is the longest TTL the channel asks a push service for (four
// weeks, what FCM allows and the original system's upper bound); a longer
// Message.TTL is shortened to it.
const MaxTTL = 28 * 24 * time.Hour

// MaxPayload is the largest push message the channel sends, in bytes: what
// webpush-go encrypts into its one 4096-byte record (4096 less the 86-byte
// header, the 16-byte tag and the padding delimiter). A longer message has
// its body, then its title, shortened with "…".
const MaxPayload = int(webpushgo.MaxRecordSize) - 86 - 16 - 1

// maxRetryAfter caps the wait a push service can ask for.
const maxRetryAfter = 24 * time.Hour

// parallel is how many devices of one user are sent to at once.
const parallel = 4

// Options configures a Channel. A nil *Options means all defaults.
type Options struct {
	// Subscriber is the contact of the application server in the VAPID
	// JWT's sub claim: an e-mail address (VAPID_CLAIMS_EMAIL; a leading
	// "mailto:" is removed, as webpush-go adds it) or an https: URL.
	// Empty means DefaultSubscriber.
	Subscriber string
	// AllowedHosts are push hosts accepted besides the known push
	// services, "host" or "host:port" (fluxd's FLUX_PUSH_ALLOWED_HOSTS);
	// see CheckEndpoint, which Send applies to every stored endpoint
	// before posting to it. Nil means the known push services only.
	AllowedHosts []string
	// HTTPClient sends the requests. Nil means a client with a
	// DefaultTimeout timeout. The channel uses a copy that never follows
	// redirects, so that a push service cannot send it elsewhere.
	HTTPClient *http.Client
	// Timeout bounds the request to one device's push service; 0 means
	// DefaultTimeout (10s).
	Timeout time.Duration
	// Icon and Badge are the URLs of the notification's icon and badge
	// image, as the service worker shows them; empty sends null.
	Icon  string
	Badge string
	// Clock reads the time (to turn a Retry-After date into a wait); nil
	// means flux.SystemClock. webpush-go signs the VAPID JWT's exp from the
	// wall clock, whatever this says.
	Clock flux.Clock
	// Logger receives a line per failed or gone device; nil means
	// slog.Default(). Endpoints are logged as their host only and keys
	// never.
	Logger *slog.Logger
}

// Channel is the "push" notify.Channel: it sends a Web Push message to
// every device the user subscribed, through webpush-go with VAPID. A device
// whose push service answers 404 or 410 has its subscription deleted. It
// is safe for concurrent use.
type Channel struct {
	subs       flux.PushSubscriptionStore
	keys       Keys
	subscriber string
	allowed    []string
	client     *http.Client
	timeout    time.Duration
	icon       string
	badge      string
	clock      flux.Clock
	log        *slog.Logger
}

var _ notify.Channel = (*Channel)(nil)

// New returns a push channel that sends to the subscriptions in subs,
// signing with keys (see LoadKeys).
func New(subs flux.PushSubscriptionStore, keys Keys, opts *Options) (*Channel, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if subs == nil {
		return nil, errors.New("webpush: New needs a push subscription store")
	}
	if err := keys.Validate(); err != nil {
		return nil, flux.Errorf(flux.EInvalid, "webpush: VAPID keys: %v", err)
	}
	sub, err := subscriber(o.Subscriber)
	if err != nil {
		return nil, err
	}
	c := &Channel{
		subs:       subs,
		keys:       keys,
		subscriber: sub,
		allowed:    append([]string(nil), o.AllowedHosts...),
		timeout:    o.Timeout,
		icon:       o.Icon,
		badge:      o.Badge,
		clock:      o.Clock,
		log:        o.Logger,
	}
	if o.HTTPClient != nil {
		copied := *o.HTTPClient
		c.client = &copied
	} else {
		c.client = &http.Client{Timeout: DefaultTimeout}
	}
	c.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.clock == nil {
		c.clock = flux.SystemClock{}
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	return c, nil
}

// subscriber normalises Options.Subscriber to what webpush-go expects: a
// bare e-mail address (it adds "mailto:") or an https: URL.
func subscriber(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultSubscriber, nil
	}
	if len(s) >= len("mailto:") && strings.EqualFold(s[:len("mailto:")], "mailto:") {
		s = s[len("mailto:"):]
	}
	if strings.HasPrefix(s, "https:") {
		if u, err := url.Parse(s); err == nil && u.Host != "" {
			return s, nil
		}
	} else if local, domain, ok := strings.Cut(s, "@"); ok && local != "" && domain != "" &&
		!strings.ContainsFunc(s, unicode.IsSpace) {
		return s, nil
	}
	return "", flux.Invalid("invalid web push settings",
		flux.FieldError{Field: "subscriber", Message: "must be an e-mail address or an https URL"})
}

// Keys returns the channel's VAPID keys; Keys().Public is what browsers
// subscribe with.
func (c *Channel) Keys() Keys { return c.keys }

// Name returns "push".
func (c *Channel) Name() string { return string(flux.ChannelPush) }

// Send sends m to every device m.UserID subscribed, in one request per
// device with TTL m.TTL (or notify.DefaultTTL), Urgency "normal" for a
// standard message and "high" for important and must_not_miss ones, and a
// Topic derived from m.ID, so that a push service holding an undelivered
// copy of a repeated send replaces it instead of showing it twice.
//
// A device's push service answering 2xx accepted the message; 404 or 410
// means the subscription is gone, and it is deleted; 429 and 5xx are
// temporary failures (with the Retry-After, in seconds or as a date), as
// are network errors and timeouts; any other answer is a permanent failure.
// An endpoint that CheckEndpoint refuses is not posted to (a permanent
// failure of that device).
//
// The receipt lists every device in Targets and names the accepted
// messages in ProviderID, comma separated: the push services' Location
// headers, or where a service sends none "<m.ID>/<device id>" (the device
// id alone would not be unique in the notification log). Send succeeds
// when at least one device accepted. When none did, it returns the receipt
// (status failed) with an error that is temporary when any device failed
// temporarily, with the longest Retry-After, and permanent otherwise; it
// wraps notify.ErrNoRecipient when the user has no subscription left.
func (c *Channel) Send(ctx context.Context, m notify.Message) (notify.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return notify.Receipt{}, notify.Temporary(err, 0)
	}
	subs, err := c.subs.ListPushSubscriptions(ctx, m.UserID)
	if err != nil {
		return notify.Receipt{}, notify.Temporary(fmt.Errorf("webpush: list push subscriptions: %w", err), 0)
	}
	if len(subs) == 0 {
		return notify.Receipt{}, notify.Permanent(fmt.Errorf("webpush: user %s has no push subscription: %w", m.UserID, notify.ErrNoRecipient))
	}
	payload, err := c.message(m)
	if err != nil {
		return notify.Receipt{}, notify.Permanent(err)
	}
	opts := webpushgo.Options{
		HTTPClient:      c.client,
		Subscriber:      c.subscriber,
		VAPIDPublicKey:  c.keys.Public,
		VAPIDPrivateKey: c.keys.Private,
		TTL:             ttlSeconds(m.TTL),
		Urgency:         urgency(m.Priority),
		Topic:           topic(m.ID),
	}

	targets := make([]notify.Target, len(subs))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			targets[i] = c.sendOne(ctx, m, &subs[i], payload, opts)
		}()
	}
	wg.Wait()

	r := notify.Receipt{Provider: "webpush", Status: flux.NotificationSent, Targets: targets}
	var (
		ids     []string
		errs    []error
		temp    bool
		wait    time.Duration
		allGone = true
	)
	for _, t := range targets {
		if t.Err == nil {
			ids = append(ids, t.ProviderID)
			continue
		}
		errs = append(errs, t.Err)
		if tmp, after := notify.IsTemporary(t.Err); tmp {
			temp, wait = true, max(wait, after)
		}
		allGone = allGone && t.Gone
	}
	if len(ids) > 0 {
		r.ProviderID = strings.Join(ids, ",")
		return r, nil
	}
	r.Status = flux.NotificationFailed
	cause := fmt.Errorf("webpush: no device of user %s accepted the message: %w", m.UserID, errors.Join(errs...))
	if allGone {
		cause = fmt.Errorf("%w: %w", notify.ErrNoRecipient, cause)
	}
	if temp {
		return r, notify.Temporary(cause, wait)
	}
	return r, notify.Permanent(cause)
}

// sendOne sends the payload to one device and returns its result.
func (c *Channel) sendOne(ctx context.Context, m notify.Message, s *flux.PushSubscription, payload []byte, opts webpushgo.Options) notify.Target {
	t := notify.Target{ID: s.DeviceID}
	host := endpointHost(s.Endpoint)
	logAttrs := []any{"user_id", m.UserID, "notification_id", m.ID, "device_id", s.DeviceID, "push_host", host}
	fail := func(err error) notify.Target {
		t.Err = err
		c.log.WarnContext(ctx, "web push to a device failed", append(logAttrs, "err", err)...)
		return t
	}
	if err := CheckEndpoint(s.Endpoint, c.allowed); err != nil {
		return fail(notify.Permanent(fmt.Errorf("webpush: device %s: refused endpoint on %s: %w", s.DeviceID, host, err)))
	}
	if err := CheckKeys(s.P256DH, s.Auth); err != nil {
		return fail(notify.Permanent(fmt.Errorf("webpush: device %s: %w", s.DeviceID, err)))
	}

	dctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	// webpush-go appends its padding to the message slice it is given:
	// with no spare capacity the append copies, and the payload shared by
	// the devices' goroutines stays untouched.
	payload = payload[:len(payload):len(payload)]
	resp, err := webpushgo.SendNotificationWithContext(dctx, payload,
		&webpushgo.Subscription{Endpoint: s.Endpoint, Keys: webpushgo.Keys{P256dh: s.P256DH, Auth: s.Auth}}, &opts)
	if err != nil {
		// The error of the HTTP client names the URL, which holds the
		// subscription's token: keep only its cause.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			return fail(notify.Temporary(fmt.Errorf("webpush: device %s: post to %s: %w", s.DeviceID, host, uerr.Err), 0))
		}
		if ctxErr := dctx.Err(); ctxErr != nil {
			return fail(notify.Temporary(fmt.Errorf("webpush: device %s: %w", s.DeviceID, ctxErr), 0))
		}
		return fail(notify.Permanent(fmt.Errorf("webpush: device %s: %w", s.DeviceID, err)))
	}
	snippet := readAndClose(resp.Body)

	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		t.ProviderID = resp.Header.Get("Location")
		if t.ProviderID == "" {
			// Unique per message and device, since the notification log
			// keeps provider ids unique.
			t.ProviderID = s.DeviceID
			if m.ID != "" {
				t.ProviderID = m.ID + "/" + s.DeviceID
			}
		}
		return t
	case code == http.StatusNotFound || code == http.StatusGone:
		t.Gone = true
		t.Err = notify.Permanent(fmt.Errorf("webpush: device %s: the push service on %s answered %d: the subscription is gone",
			s.DeviceID, host, code))
		c.removeGone(ctx, s, logAttrs)
		return t
	case code == http.StatusTooManyRequests || code >= 500:
		return fail(notify.Temporary(statusError(s.DeviceID, host, resp.StatusCode, snippet),
			retryAfter(resp.Header.Get("Retry-After"), c.clock.Now())))
	default:
		return fail(notify.Permanent(statusError(s.DeviceID, host, resp.StatusCode, snippet)))
	}
}

// removeGone deletes a subscription its push service no longer knows,
// unless the device has subscribed again with another endpoint since it
// was read.
func (c *Channel) removeGone(ctx context.Context, s *flux.PushSubscription, logAttrs []any) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
	defer cancel()
	current, err := c.subs.ListPushSubscriptions(ctx, s.UserID)
	if err == nil {
		for _, cur := range current {
			if cur.DeviceID == s.DeviceID && cur.Endpoint != s.Endpoint {
				c.log.InfoContext(ctx, "web push subscription gone, but the device has subscribed again", logAttrs...)
				return
			}
		}
		err = c.subs.DeletePushSubscription(ctx, s.UserID, s.DeviceID)
	}
	if err != nil && !flux.IsCode(err, flux.ENotFound) {
		c.log.WarnContext(ctx, "web push subscription gone, but removing it failed", append(logAttrs, "err", err)...)
		return
	}
	c.log.InfoContext(ctx, "web push subscription gone; removed", logAttrs...)
}

func statusError(device, host string, code int, snippet string) error {
	if snippet != "" {
		return fmt.Errorf("webpush: device %s: the push service on %s answered %d %s: %s", device, host, code, http.StatusText(code), snippet)
	}
	return fmt.Errorf("webpush: device %s: the push service on %s answered %d %s", device, host, code, http.StatusText(code))
}

// readAndClose reads what is left of a response body (up to a limit, so the
// connection can be reused), closes it, and returns its start as one short
// line of printable text.
func readAndClose(body io.ReadCloser) string {
	defer body.Close()
	b, _ := io.ReadAll(io.LimitReader(body, 64<<10))
	const limit = 200
	if len(b) > limit {
		b = b[:limit]
	}
	s := strings.ToValidUTF8(string(b), "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, s)
	return strings.TrimSpace(s)
}

// endpointHost returns the host of an endpoint for messages and logs: the
// rest of the URL is the subscription's capability.
func endpointHost(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return "(invalid endpoint)"
	}
	return u.Host
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

func ttlSeconds(ttl time.Duration) int {
	if ttl <= 0 {
		ttl = notify.DefaultTTL
	}
	return int(min(ttl, MaxTTL) / time.Second)
}

func urgency(p flux.Priority) webpushgo.Urgency {
	switch p {
	case flux.PriorityImportant, flux.PriorityMustNotMiss:
		return webpushgo.UrgencyHigh
	}
	return webpushgo.UrgencyNormal
}

// topic derives the Topic header from a notification id: the UUID without
// its hyphens (32 characters of the base64url alphabet, RFC 8030 §5.4), or
// for an id of another shape the first 32 hex digits of its SHA-256.
func topic(id string) string {
	if id == "" {
		return ""
	}
	t := strings.ReplaceAll(id, "-", "")
	if len(t) > 0 && len(t) <= 32 && !strings.ContainsFunc(t, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_')
	}) {
		return t
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:16])
}

// maxTaskName caps the task_name of a push message (the service worker puts
// it in a URL); the title itself is shortened only as the size demands.
const maxTaskName = 100

// payload is the push message as the service worker reads it; its shape is
// the original system's: the notification fields, a data object, and, as
// the original frontend's service worker reads them, the task's id and
// name at the top level too.
type payload struct {
	Title              string            `json:"title"`
	Body               string            `json:"body"`
	TaskID             string            `json:"task_id,omitempty"`
	TaskName           string            `json:"task_name,omitempty"`
	Icon               *string           `json:"icon"`
	Badge              *string           `json:"badge"`
	Tag                string            `json:"tag"`
	RequireInteraction bool              `json:"requireInteraction"`
	Silent             bool              `json:"silent"`
	Data               map[string]string `json:"data"`
	Actions            []notify.Action   `json:"actions,omitempty"`
}

// message encodes m as the push message, shortening its body and then its
// title with "…" to fit MaxPayload.
func (c *Channel) message(m notify.Message) ([]byte, error) {
	p := payload{
		Title:              m.Title,
		Body:               m.Body,
		TaskID:             m.TaskID,
		Tag:                m.TaskID,
		RequireInteraction: m.Priority == flux.PriorityImportant || m.Priority == flux.PriorityMustNotMiss,
		Data:               make(map[string]string, len(m.Data)+4),
		Actions:            m.Actions,
	}
	if p.Tag == "" {
		p.Tag = m.ID
	}
	if m.TaskID != "" {
		p.TaskName = m.Title
		if r := []rune(p.TaskName); len(r) > maxTaskName {
			p.TaskName = string(r[:maxTaskName-1]) + "…"
		}
	}
	if c.icon != "" {
		p.Icon = &c.icon
	}
	if c.badge != "" {
		p.Badge = &c.badge
	}
	for k, v := range m.Data {
		p.Data[k] = v
	}
	// The ids the service worker acts on win over Data's keys.
	for k, v := range map[string]string{"task_id": m.TaskID, "notification_id": m.ID, "escalation_id": m.EscalationID, "url": m.URL} {
		if v != "" {
			p.Data[k] = v
		}
	}
	if p.Actions == nil && m.TaskID != "" {
		p.Actions = notify.ReminderActions()
	}

	b, err := encode(&p)
	if err != nil || len(b) <= MaxPayload {
		return b, err
	}
	if b, ok := shorten(&p, &p.Body); ok {
		return b, nil
	}
	if b, err := encode(&p); err == nil && len(b) <= MaxPayload {
		return b, nil // fits without its body
	}
	if b, ok := shorten(&p, &p.Title); ok {
		return b, nil
	}
	return nil, fmt.Errorf("webpush: the message does not fit in a push message (%d bytes) even without its title and body", MaxPayload)
}

// shorten cuts *field to the longest prefix that, followed by "…", lets p
// fit MaxPayload, and returns the encoding. When even an empty field is too
// long it leaves *field empty and reports false.
func shorten(p *payload, field *string) ([]byte, bool) {
	full := *field
	// Rune boundaries of full: cut[i] is the byte length of the first i
	// runes.
	cuts := []int{0}
	for i := range full {
		if i > 0 {
			cuts = append(cuts, i)
		}
	}
	fits := func(n int) ([]byte, bool) {
		*field = strings.TrimRightFunc(full[:cuts[n]], unicode.IsSpace) + "…"
		b, err := encode(p)
		return b, err == nil && len(b) <= MaxPayload
	}
	// Binary search for the largest n in [0, len(cuts)) that fits.
	if _, ok := fits(0); !ok {
		*field = ""
		return nil, false
	}
	lo, hi := 0, len(cuts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if _, ok := fits(mid); ok {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	b, _ := fits(lo)
	return b, true
}

func encode(p *payload) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("webpush: encode the message: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
