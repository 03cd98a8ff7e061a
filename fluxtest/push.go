package fluxtest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// MaxPushBody is the largest request body the fake push service accepts, in
// bytes: the 4096-byte limit of RFC 8291 that real push services enforce.
const MaxPushBody = 4096

// MaxVAPIDLifetime is how far in the future a VAPID JWT's exp may be
// (RFC 8292 §2: no more than 24 hours from the time of the request).
const MaxVAPIDLifetime = 24 * time.Hour

// PushReply is one scripted answer of the fake push service. The zero
// Status (or 201) processes the request as usual: verified, decrypted,
// recorded and answered 201. Any other Status answers with it without
// looking at the request, with RetryAfter as the Retry-After header when
// not empty and Body as the response body. Hang blocks until the client
// gives up (its request context ends) or the test ends, and answers
// nothing.
type PushReply struct {
	Status     int
	RetryAfter string
	Body       string
	Hang       bool
}

// PushDevice is a browser's push subscription issued by the fake push
// service: the endpoint to post to and the subscription's public key and
// auth secret (unpadded base64url, as PushSubscription.toJSON() gives
// them). It holds the private key, so it can decrypt what is sent to it.
type PushDevice struct {
	// Endpoint is the URL a push message for this device is posted to.
	Endpoint string
	// P256DH is the device's ECDH P-256 public key, 65 bytes uncompressed,
	// unpadded base64url.
	P256DH string
	// Auth is the 16-byte authentication secret, unpadded base64url.
	Auth string

	priv *ecdh.PrivateKey
	auth []byte
}

// Subscription returns the device as a flux.PushSubscription of userID's
// device deviceID, ready for PushSubscriptionStore.SavePushSubscription.
func (d *PushDevice) Subscription(userID, deviceID string) *flux.PushSubscription {
	return &flux.PushSubscription{
		UserID:   userID,
		DeviceID: deviceID,
		Endpoint: d.Endpoint,
		P256DH:   d.P256DH,
		Auth:     d.Auth,
	}
}

// Decrypt decrypts a Web Push message body sent to the device: the
// aes128gcm content coding of RFC 8188 with the key derivation of RFC 8291.
// It accepts exactly one record, as RFC 8291 requires of an application
// server, and returns the plaintext without its padding.
func (d *PushDevice) Decrypt(body []byte) ([]byte, error) {
	// Header: salt (16) | rs (4) | idlen (1) | keyid (idlen) | ciphertext.
	if len(body) < 21 {
		return nil, errors.New("body shorter than the aes128gcm header")
	}
	salt := body[:16]
	rs := binary.BigEndian.Uint32(body[16:20])
	idlen := int(body[20])
	if rs < 18 {
		return nil, fmt.Errorf("record size %d is below the minimum of 18", rs)
	}
	if idlen != 65 || len(body) < 21+idlen {
		return nil, fmt.Errorf("keyid is %d bytes, want the 65-byte application server public key", idlen)
	}
	asPublicBytes := body[21 : 21+idlen]
	ciphertext := body[21+idlen:]
	if len(ciphertext) < 17 {
		return nil, errors.New("no record after the header")
	}
	if uint64(len(ciphertext)) > uint64(rs) {
		return nil, fmt.Errorf("%d bytes of records with record size %d: a push message must be one record", len(ciphertext), rs)
	}
	asPublic, err := ecdh.P256().NewPublicKey(asPublicBytes)
	if err != nil {
		return nil, fmt.Errorf("keyid is not a P-256 public key: %w", err)
	}
	shared, err := d.priv.ECDH(asPublic)
	if err != nil {
		return nil, fmt.Errorf("ecdh: %w", err)
	}
	uaPublic := d.priv.PublicKey().Bytes()
	keyInfo := "WebPush: info\x00" + string(uaPublic) + string(asPublicBytes)
	ikm, err := hkdf.Key(sha256.New, shared, d.auth, keyInfo, 32)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// One record, sequence number 0: the nonce is used as derived.
	plain, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		return nil, fmt.Errorf("aes-gcm: %w", err)
	}
	// The last record ends with the delimiter 0x02 followed by zero padding.
	end := len(plain)
	for end > 0 && plain[end-1] == 0 {
		end--
	}
	if end == 0 || plain[end-1] != 0x02 {
		return nil, errors.New("the last record has no 0x02 padding delimiter")
	}
	return plain[:end-1], nil
}

// VAPIDClaims are the claims of a request's VAPID JWT (RFC 8292).
type VAPIDClaims struct {
	// Aud is the origin of the push resource (scheme://host[:port]).
	Aud string
	// Exp is when the token expires.
	Exp time.Time
	// Sub is the contact of the application server: a mailto: or https:
	// URL.
	Sub string
}

// PushRequest is one request the fake push service received, accepted or
// not.
type PushRequest struct {
	// Endpoint is the URL the request was posted to.
	Endpoint string
	// Status is the status the fake answered with; 0 when the request
	// hung until the client gave up.
	Status int
	// Rejected says why the fake refused the request; empty when it was
	// accepted or answered by a scripted reply.
	Rejected string
	// Scripted reports that a scripted reply answered the request.
	Scripted bool
	// Header is the request's header as sent.
	Header http.Header
	// BodyLen is the length of the (encrypted) body in bytes.
	BodyLen int
}

// PushMessage is one push message the fake push service accepted.
type PushMessage struct {
	// ID names the message; Location is the URL the fake answered with in
	// the Location header (the message's resource, RFC 8030 §5).
	ID       string
	Location string
	// Endpoint is the subscription the message was sent to.
	Endpoint string
	// Payload is the decrypted message, without padding.
	Payload []byte
	// Title and Body are the payload's "title" and "body" when it is a
	// JSON object with those strings; empty otherwise.
	Title string
	Body  string
	// TTL, Urgency and Topic are the request's headers (TTL in seconds;
	// Urgency and Topic empty when absent).
	TTL     int
	Urgency string
	Topic   string
	// VAPIDKey is the k parameter of the Authorization header (the
	// application server's public key, unpadded base64url).
	VAPIDKey string
	// Claims are the verified claims of the VAPID JWT.
	Claims VAPIDClaims
	// ReceivedAt is when the fake accepted it, by its clock.
	ReceivedAt time.Time
}

// PushService is a fake Web Push service (RFC 8030) served by a plain-http
// httptest server for the length of one test. Subscribe issues a device
// subscription; the real webpush-go library posts to its endpoint; the fake
// checks the request as a push service would and decrypts the message:
//
//   - the VAPID Authorization header (RFC 8292), "vapid t=<JWT>, k=<key>":
//     an ES256 JWT signed by k, aud the endpoint's origin, exp in the future
//     and at most 24 hours ahead, sub a mailto: or https: URL; and, after
//     RequireVAPIDKey, k must be that key (403 otherwise);
//   - Content-Encoding aes128gcm, a TTL header, a valid Urgency and Topic
//     when present, a body of at most 4096 bytes;
//   - the body decrypts (RFC 8291, RFC 8188) with the device's keys.
//
// A request that fails a check is answered 400, 401, 403 or 413, with the
// reason in the body, and recorded with that reason; a post to an unknown
// endpoint is answered 404. An accepted message is recorded (Messages) and
// answered 201 Created with a Location header naming it. Scripted replies
// (Reply, ReplyFor, Gone) simulate failures. All methods are safe for
// concurrent use.
type PushService struct {
	t    testing.TB
	srv  *httptest.Server
	done chan struct{}

	mu        sync.Mutex
	now       func() time.Time
	devices   map[string]*PushDevice // by token
	replies   []PushReply
	perDevice map[string]PushReply // by endpoint
	vapidKey  string
	requests  []PushRequest
	messages  []PushMessage
	seq       int
}

// NewPushService starts a fake push service; it is closed when the test
// ends.
func NewPushService(t testing.TB) *PushService {
	t.Helper()
	p := &PushService{
		t:         t,
		done:      make(chan struct{}),
		now:       time.Now,
		devices:   map[string]*PushDevice{},
		perDevice: map[string]PushReply{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/push/{token}", p.servePush)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "fluxtest: no route for "+r.Method+" "+r.URL.Path, http.StatusNotFound)
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		close(p.done) // release hanging handlers first, or Close would wait for them
		p.srv.Close()
	})
	return p
}

// URL returns the service's base URL ("http://127.0.0.1:port").
func (p *PushService) URL() string { return p.srv.URL }

// Host returns the service's host and port, as an allowed push host for
// webpush.CheckEndpoint (FLUX_PUSH_ALLOWED_HOSTS).
func (p *PushService) Host() string { return strings.TrimPrefix(p.srv.URL, "http://") }

// HTTPClient returns an HTTP client for the fake server.
func (p *PushService) HTTPClient() *http.Client { return p.srv.Client() }

// SetClock makes the fake read the time from now (for the VAPID exp
// checks), such as a fluxtest.Clock's Now. Note that webpush-go signs exp
// from the wall clock, whatever clock its caller uses.
func (p *PushService) SetClock(now func() time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.now = now
}

// RequireVAPIDKey makes the fake refuse, with 403 as FCM does, a request
// whose VAPID public key is not key (unpadded base64url), as if every
// subscription had been created with that applicationServerKey. Empty
// accepts any key again.
func (p *PushService) RequireVAPIDKey(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.vapidKey = key
}

// Subscribe issues a new subscription: a fresh endpoint, an ECDH P-256 key
// pair and a 16-byte auth secret, as a browser's pushManager.subscribe
// would. It fails the test if the system's random source fails.
func (p *PushService) Subscribe() *PushDevice {
	p.t.Helper()
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		p.t.Fatalf("fluxtest: push subscribe: %v", err)
	}
	auth := make([]byte, 16)
	token := make([]byte, 16)
	_, _ = rand.Read(auth)
	_, _ = rand.Read(token)
	tok := hex.EncodeToString(token)
	d := &PushDevice{
		Endpoint: p.srv.URL + "/push/" + tok,
		P256DH:   base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()),
		Auth:     base64.RawURLEncoding.EncodeToString(auth),
		priv:     priv,
		auth:     auth,
	}
	p.mu.Lock()
	p.devices[tok] = d
	p.mu.Unlock()
	return d
}

// Reply queues scripted answers, used one per request (to any endpoint)
// before the normal behaviour resumes. An answer set with ReplyFor for the
// request's endpoint takes precedence and leaves the queue as it is.
func (p *PushService) Reply(rs ...PushReply) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.replies = append(p.replies, rs...)
}

// ReplyFor makes the fake answer every request to endpoint with r, until
// ClearReplyFor. (A PushReply with Status 0 or 201 and no Hang means normal
// behaviour.)
func (p *PushService) ReplyFor(endpoint string, r PushReply) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.perDevice[endpoint] = r
}

// ClearReplyFor ends the answer set with ReplyFor or Gone for endpoint.
func (p *PushService) ClearReplyFor(endpoint string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.perDevice, endpoint)
}

// Gone makes every request to endpoint answer 410 Gone, as a push service
// does for a subscription the browser dropped.
func (p *PushService) Gone(endpoint string) {
	p.ReplyFor(endpoint, PushReply{Status: http.StatusGone})
}

// Requests returns every request received so far, in order of arrival.
func (p *PushService) Requests() []PushRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]PushRequest, len(p.requests))
	for i, r := range p.requests {
		r.Header = r.Header.Clone()
		out[i] = r
	}
	return out
}

// Messages returns the messages accepted so far, in order of arrival.
func (p *PushService) Messages() []PushMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]PushMessage, len(p.messages))
	for i, m := range p.messages {
		m.Payload = append([]byte(nil), m.Payload...)
		out[i] = m
	}
	return out
}

// MessagesTo returns the messages accepted for endpoint, in order of
// arrival.
func (p *PushService) MessagesTo(endpoint string) []PushMessage {
	var out []PushMessage
	for _, m := range p.Messages() {
		if m.Endpoint == endpoint {
			out = append(out, m)
		}
	}
	return out
}

// pushRejection is a refused request: the status and the reason.
type pushRejection struct {
	status int
	reason string
}

func reject(status int, format string, args ...any) *pushRejection {
	return &pushRejection{status: status, reason: fmt.Sprintf(format, args...)}
}

func (p *PushService) servePush(w http.ResponseWriter, r *http.Request) {
	body, readErr := io.ReadAll(io.LimitReader(r.Body, MaxPushBody+1))
	endpoint := p.srv.URL + r.URL.Path
	rec := PushRequest{Endpoint: endpoint, Header: r.Header.Clone(), BodyLen: len(body)}
	defer func() {
		p.mu.Lock()
		p.requests = append(p.requests, rec)
		p.mu.Unlock()
	}()

	p.mu.Lock()
	device := p.devices[r.PathValue("token")]
	reply, perDevice := p.perDevice[endpoint]
	if !perDevice && len(p.replies) > 0 {
		reply = p.replies[0]
		p.replies = p.replies[1:]
	}
	now, wantKey := p.now(), p.vapidKey
	p.mu.Unlock()

	if reply.Hang {
		select {
		case <-r.Context().Done():
		case <-p.done:
		}
		return
	}
	if reply.Status != 0 && reply.Status != http.StatusCreated {
		rec.Status, rec.Scripted = reply.Status, true
		if reply.RetryAfter != "" {
			w.Header().Set("Retry-After", reply.RetryAfter)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(reply.Status)
		_, _ = io.WriteString(w, reply.Body)
		return
	}

	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		rec.Status, rec.Rejected = http.StatusMethodNotAllowed, "method "+r.Method+" is not POST"
		http.Error(w, rec.Rejected, rec.Status)
		return
	}
	if device == nil {
		rec.Status, rec.Rejected = http.StatusNotFound, "no such subscription"
		http.Error(w, rec.Rejected, rec.Status)
		return
	}
	msg, rej := p.verify(r, body, readErr, device, endpoint, now, wantKey)
	if rej != nil {
		rec.Status, rec.Rejected = rej.status, rej.reason
		http.Error(w, rej.reason, rej.status)
		return
	}

	p.mu.Lock()
	p.seq++
	msg.ID = fmt.Sprintf("msg-%d", p.seq)
	msg.Location = p.srv.URL + "/m/" + msg.ID
	p.messages = append(p.messages, msg)
	p.mu.Unlock()
	rec.Status = http.StatusCreated
	w.Header().Set("Location", msg.Location)
	w.WriteHeader(http.StatusCreated)
}

// verify checks a request as a push service would and decrypts it.
func (p *PushService) verify(r *http.Request, body []byte, readErr error, d *PushDevice, endpoint string, now time.Time, wantKey string) (PushMessage, *pushRejection) {
	msg := PushMessage{Endpoint: endpoint, ReceivedAt: now}
	if readErr != nil {
		return msg, reject(http.StatusBadRequest, "reading the body: %v", readErr)
	}
	if len(body) > MaxPushBody {
		return msg, reject(http.StatusRequestEntityTooLarge, "body is larger than %d bytes", MaxPushBody)
	}

	// VAPID (RFC 8292).
	claims, key, why := verifyVAPID(r.Header.Get("Authorization"), originOf(endpoint), now)
	if why != "" {
		return msg, reject(http.StatusUnauthorized, "vapid: %s", why)
	}
	if wantKey != "" && key != wantKey {
		return msg, reject(http.StatusForbidden, "vapid: the key is not the one the subscription was created with")
	}
	msg.Claims, msg.VAPIDKey = claims, key

	// Headers (RFC 8030, RFC 8291).
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		return msg, reject(http.StatusBadRequest, "Content-Encoding is %q, want aes128gcm", ce)
	}
	ttl := r.Header.Get("TTL")
	n, err := strconv.Atoi(ttl)
	if ttl == "" || err != nil || n < 0 {
		return msg, reject(http.StatusBadRequest, "TTL header %q is not a non-negative number of seconds", ttl)
	}
	msg.TTL = n
	msg.Urgency = r.Header.Get("Urgency")
	switch msg.Urgency {
	case "", "very-low", "low", "normal", "high":
	default:
		return msg, reject(http.StatusBadRequest, "Urgency %q is not very-low, low, normal or high", msg.Urgency)
	}
	msg.Topic = r.Header.Get("Topic")
	if !validTopic(msg.Topic) {
		return msg, reject(http.StatusBadRequest, "Topic %q is not at most 32 characters of the base64url alphabet", msg.Topic)
	}

	// The message.
	plain, err := d.Decrypt(body)
	if err != nil {
		return msg, reject(http.StatusBadRequest, "decrypting the message: %v", err)
	}
	msg.Payload = plain
	var text struct {
		Title string `json:"title"`
		Body  string `json:"body"`
	}
	if json.Unmarshal(plain, &text) == nil {
		msg.Title, msg.Body = text.Title, text.Body
	}
	return msg, nil
}

func validTopic(s string) bool {
	if len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// originOf returns scheme://host[:port] of a URL.
func originOf(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// verifyVAPID checks an Authorization header of the vapid scheme and returns
// its claims and key, or why it is refused.
func verifyVAPID(header, aud string, now time.Time) (VAPIDClaims, string, string) {
	var claims VAPIDClaims
	scheme, params, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "vapid") {
		return claims, "", "Authorization is not of the vapid scheme"
	}
	var token, key string
	for _, part := range strings.Split(params, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch strings.ToLower(name) {
		case "t":
			token = value
		case "k":
			key = value
		}
	}
	if token == "" || key == "" {
		return claims, "", "Authorization lacks t= or k="
	}
	keyBytes, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(key, "="))
	if err != nil {
		return claims, "", "k is not base64url"
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), keyBytes)
	if err != nil {
		return claims, "", "k is not an uncompressed P-256 public key"
	}

	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return claims, "", "t is not a JWT"
	}
	headerJSON, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	claimsJSON, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return claims, "", "t is not a base64url JWT"
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(headerJSON, &h) != nil || h.Alg != "ES256" {
		return claims, "", "the JWT's alg is not ES256"
	}
	if len(sig) != 64 {
		return claims, "", "the JWT's signature is not 64 bytes"
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return claims, "", "the JWT's signature does not verify with k"
	}
	var c struct {
		Aud string   `json:"aud"`
		Exp *float64 `json:"exp"`
		Sub string   `json:"sub"`
	}
	if err := json.Unmarshal(claimsJSON, &c); err != nil {
		return claims, "", "the JWT's claims are not a JSON object"
	}
	if c.Exp == nil {
		return claims, "", "the JWT has no exp"
	}
	claims = VAPIDClaims{Aud: c.Aud, Exp: time.Unix(int64(*c.Exp), 0), Sub: c.Sub}
	switch {
	case c.Aud != aud:
		return claims, "", fmt.Sprintf("aud %q is not the push resource's origin %q", c.Aud, aud)
	case !claims.Exp.After(now):
		return claims, "", fmt.Sprintf("the JWT expired at %s", claims.Exp.UTC().Format(time.RFC3339))
	case claims.Exp.Sub(now) > MaxVAPIDLifetime:
		return claims, "", fmt.Sprintf("exp %s is more than 24 hours ahead", claims.Exp.UTC().Format(time.RFC3339))
	case !validVAPIDSubject(c.Sub):
		return claims, "", fmt.Sprintf("sub %q is not a mailto: or https: URL", c.Sub)
	}
	return claims, key, ""
}

func validVAPIDSubject(sub string) bool {
	if rest, ok := strings.CutPrefix(sub, "mailto:"); ok {
		local, domain, ok := strings.Cut(rest, "@")
		return ok && local != "" && domain != "" && !strings.ContainsAny(rest, " \t\r\n")
	}
	u, err := url.Parse(sub)
	return err == nil && u.Scheme == "https" && u.Host != ""
}
