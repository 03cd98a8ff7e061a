package fluxtest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/google/go-cmp/cmp"

	"github.com/fluxlife/flux/fluxtest"
)

// pushKeys is one VAPID key pair for the tests of the fake push service.
type pushKeys struct{ private, public string }

func newPushKeys(t *testing.T) pushKeys {
	t.Helper()
	priv, pub, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	return pushKeys{priv, pub}
}

// sendPush sends message to d with webpush-go and returns the status and
// body of the fake's answer.
func sendPush(t *testing.T, client webpush.HTTPClient, d *fluxtest.PushDevice, keys pushKeys, message string, edit func(*webpush.Options)) (int, string) {
	t.Helper()
	o := &webpush.Options{
		HTTPClient:      client,
		Subscriber:      "reminders@example.com",
		VAPIDPublicKey:  keys.public,
		VAPIDPrivateKey: keys.private,
		TTL:             3600,
	}
	if edit != nil {
		edit(o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := webpush.SendNotificationWithContext(ctx, []byte(message),
		&webpush.Subscription{Endpoint: d.Endpoint, Keys: webpush.Keys{P256dh: d.P256DH, Auth: d.Auth}}, o)
	if err != nil {
		t.Fatalf("SendNotification: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPushServiceDecryptsWebpushGo(t *testing.T) {
	t.Parallel()
	push := fluxtest.NewPushService(t)
	keys := newPushKeys(t)
	d := push.Subscribe()
	payload := `{"title":"Evening run","body":"5 km — easy ✓","data":{"task_id":"t1"}}`

	before := time.Now()
	status, body := sendPush(t, push.HTTPClient(), d, keys, payload, func(o *webpush.Options) {
		o.Topic = "0123456789abcdef0123456789abcdef"
		o.Urgency = webpush.UrgencyHigh
	})
	if status != http.StatusCreated {
		t.Fatalf("status %d (%s), want 201", status, body)
	}
	msgs := push.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if string(m.Payload) != payload {
		t.Errorf("payload %q, want %q", m.Payload, payload)
	}
	if m.Title != "Evening run" || m.Body != "5 km — easy ✓" {
		t.Errorf("title %q body %q", m.Title, m.Body)
	}
	if m.Endpoint != d.Endpoint || m.TTL != 3600 || m.Urgency != "high" || m.Topic != "0123456789abcdef0123456789abcdef" {
		t.Errorf("endpoint %q TTL %d urgency %q topic %q", m.Endpoint, m.TTL, m.Urgency, m.Topic)
	}
	if m.VAPIDKey != keys.public {
		t.Errorf("VAPID key %q, want %q", m.VAPIDKey, keys.public)
	}
	if m.Claims.Aud != push.URL() || m.Claims.Sub != "mailto:reminders@example.com" {
		t.Errorf("claims %+v, want aud %q and sub mailto:reminders@example.com", m.Claims, push.URL())
	}
	if !m.Claims.Exp.After(before) || m.Claims.Exp.After(before.Add(24*time.Hour+time.Minute)) {
		t.Errorf("exp %s not within 24 h of %s", m.Claims.Exp, before)
	}
	if m.Location == "" || !strings.Contains(m.Location, m.ID) {
		t.Errorf("Location %q does not name the message %q", m.Location, m.ID)
	}
	reqs := push.Requests()
	if len(reqs) != 1 || reqs[0].Status != http.StatusCreated || reqs[0].Rejected != "" || reqs[0].BodyLen != fluxtest.MaxPushBody {
		t.Errorf("requests %+v, want one accepted 4096-byte request", reqs)
	}
	if got := push.MessagesTo(d.Endpoint); len(got) != 1 {
		t.Errorf("MessagesTo: %d messages, want 1", len(got))
	}
	if got := push.MessagesTo(push.Subscribe().Endpoint); len(got) != 0 {
		t.Errorf("MessagesTo another device: %d messages, want 0", len(got))
	}
}

func TestPushServiceSubscription(t *testing.T) {
	t.Parallel()
	push := fluxtest.NewPushService(t)
	d := push.Subscribe()
	if !strings.HasPrefix(d.Endpoint, push.URL()+"/push/") || len(d.P256DH) != 87 || len(d.Auth) != 22 {
		t.Fatalf("device %+v: want an endpoint on the fake, a 65-byte key and a 16-byte secret in unpadded base64url", d)
	}
	if push.Subscribe().Endpoint == d.Endpoint {
		t.Error("two subscriptions share an endpoint")
	}
	s := d.Subscription("user-1", "phone")
	if s.UserID != "user-1" || s.DeviceID != "phone" || s.Endpoint != d.Endpoint || s.P256DH != d.P256DH || s.Auth != d.Auth {
		t.Errorf("Subscription = %+v", s)
	}
	if push.Host() == "" || strings.Contains(push.Host(), "/") {
		t.Errorf("Host() = %q, want host:port", push.Host())
	}
}

// rewriter is an HTTP client that edits a request before sending it to the
// fake.
type rewriter struct {
	base *http.Client
	edit func(*http.Request)
}

func (c rewriter) Do(r *http.Request) (*http.Response, error) {
	c.edit(r)
	return c.base.Do(r)
}

func TestPushServiceRejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		setup  func(p *fluxtest.PushService, keys pushKeys)
		client func(p *fluxtest.PushService) webpush.HTTPClient
		edit   func(o *webpush.Options)
		// foreign makes the subscription's endpoint name another origin;
		// the client then sends the request to the fake.
		foreign bool
		status  int
		reason  string
	}{
		{
			name:   "key that did not sign",
			edit:   func(o *webpush.Options) { o.VAPIDPublicKey = newPushKeys(t).public },
			status: http.StatusUnauthorized, reason: "signature does not verify",
		},
		{
			name:   "key other than the subscription's",
			setup:  func(p *fluxtest.PushService, _ pushKeys) { p.RequireVAPIDKey(newPushKeys(t).public) },
			status: http.StatusForbidden, reason: "not the one the subscription was created with",
		},
		{
			name: "exp more than 24 h ahead",
			setup: func(p *fluxtest.PushService, _ pushKeys) {
				p.SetClock(func() time.Time { return time.Now().Add(-13 * time.Hour) })
			},
			status: http.StatusUnauthorized, reason: "more than 24 hours ahead",
		},
		{
			name: "expired",
			setup: func(p *fluxtest.PushService, _ pushKeys) {
				p.SetClock(func() time.Time { return time.Now().Add(13 * time.Hour) })
			},
			status: http.StatusUnauthorized, reason: "expired",
		},
		{
			name:    "aud of another origin",
			foreign: true,
			client: func(p *fluxtest.PushService) webpush.HTTPClient {
				return rewriter{p.HTTPClient(), func(r *http.Request) {
					u, _ := url.Parse(p.URL())
					r.URL.Host = u.Host
				}}
			},
			status: http.StatusUnauthorized, reason: "is not the push resource's origin",
		},
		{
			name:   "sub that is no mailto: address",
			edit:   func(o *webpush.Options) { o.Subscriber = "" },
			status: http.StatusUnauthorized, reason: "sub",
		},
		{
			name: "no Authorization",
			client: func(p *fluxtest.PushService) webpush.HTTPClient {
				return rewriter{p.HTTPClient(), func(r *http.Request) { r.Header.Del("Authorization") }}
			},
			status: http.StatusUnauthorized, reason: "vapid scheme",
		},
		{
			name: "other content coding",
			client: func(p *fluxtest.PushService) webpush.HTTPClient {
				return rewriter{p.HTTPClient(), func(r *http.Request) { r.Header.Set("Content-Encoding", "aesgcm") }}
			},
			status: http.StatusBadRequest, reason: "aes128gcm",
		},
		{
			name: "no TTL",
			client: func(p *fluxtest.PushService) webpush.HTTPClient {
				return rewriter{p.HTTPClient(), func(r *http.Request) { r.Header.Del("TTL") }}
			},
			status: http.StatusBadRequest, reason: "TTL",
		},
		{
			name: "bad urgency",
			client: func(p *fluxtest.PushService) webpush.HTTPClient {
				return rewriter{p.HTTPClient(), func(r *http.Request) { r.Header.Set("Urgency", "urgent") }}
			},
			status: http.StatusBadRequest, reason: "Urgency",
		},
		{
			name:   "topic too long",
			edit:   func(o *webpush.Options) { o.Topic = strings.Repeat("a", 33) },
			status: http.StatusBadRequest, reason: "Topic",
		},
		{
			name: "tampered ciphertext",
			client: func(p *fluxtest.PushService) webpush.HTTPClient {
				return rewriter{p.HTTPClient(), func(r *http.Request) {
					b, _ := io.ReadAll(r.Body)
					b[len(b)-1] ^= 1
					r.Body = io.NopCloser(bytes.NewReader(b))
				}}
			},
			status: http.StatusBadRequest, reason: "decrypting",
		},
		{
			name:   "body over 4096 bytes",
			edit:   func(o *webpush.Options) { o.RecordSize = 8192 },
			status: http.StatusRequestEntityTooLarge, reason: "larger than 4096",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			push := fluxtest.NewPushService(t)
			keys := newPushKeys(t)
			d := push.Subscribe()
			if c.setup != nil {
				c.setup(push, keys)
			}
			var client webpush.HTTPClient = push.HTTPClient()
			if c.client != nil {
				client = c.client(push)
			}
			target := *d
			if c.foreign {
				target.Endpoint = strings.Replace(d.Endpoint, push.Host(), "push.example.net", 1)
			}
			status, body := sendPush(t, client, &target, keys, `{"title":"x"}`, c.edit)
			if status != c.status || !strings.Contains(body, c.reason) {
				t.Errorf("answer %d %q, want %d mentioning %q", status, body, c.status, c.reason)
			}
			if n := len(push.Messages()); n != 0 {
				t.Errorf("%d messages accepted, want 0", n)
			}
			reqs := push.Requests()
			if len(reqs) != 1 || reqs[0].Status != c.status || !strings.Contains(reqs[0].Rejected, c.reason) {
				t.Errorf("requests %+v, want one rejected with %d and %q", reqs, c.status, c.reason)
			}
		})
	}
}

func TestPushServiceUnknownEndpoint(t *testing.T) {
	t.Parallel()
	push := fluxtest.NewPushService(t)
	d := *push.Subscribe()
	d.Endpoint = push.URL() + "/push/0000"
	status, _ := sendPush(t, push.HTTPClient(), &d, newPushKeys(t), "hi", nil)
	if status != http.StatusNotFound {
		t.Errorf("status %d, want 404", status)
	}
}

func TestPushServiceScriptedReplies(t *testing.T) {
	t.Parallel()
	push := fluxtest.NewPushService(t)
	keys := newPushKeys(t)
	a, b := push.Subscribe(), push.Subscribe()
	push.Reply(
		fluxtest.PushReply{Status: http.StatusTooManyRequests, RetryAfter: "7"},
		fluxtest.PushReply{Status: http.StatusInternalServerError, Body: "boom"},
		fluxtest.PushReply{Status: http.StatusCreated}, // normal behaviour
	)
	push.Gone(b.Endpoint)

	type answer struct {
		Status int
		Body   string
	}
	var got []answer
	for _, d := range []*fluxtest.PushDevice{b, a, a, b, a, a} {
		s, body := sendPush(t, push.HTTPClient(), d, keys, "m", nil)
		got = append(got, answer{s, strings.TrimSpace(body)})
	}
	want := []answer{{410, ""}, {429, ""}, {500, "boom"}, {410, ""}, {201, ""}, {201, ""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
	push.ClearReplyFor(b.Endpoint)
	if s, _ := sendPush(t, push.HTTPClient(), b, keys, "m", nil); s != http.StatusCreated {
		t.Errorf("after ClearReplyFor: %d, want 201", s)
	}
	reqs := push.Requests()
	if len(reqs) != 7 || !reqs[0].Scripted || reqs[4].Scripted {
		t.Errorf("requests %+v", reqs)
	}
	if n := len(push.Messages()); n != 3 {
		t.Errorf("%d messages accepted, want 3", n)
	}
}

func TestPushServiceRetryAfterHeader(t *testing.T) {
	t.Parallel()
	push := fluxtest.NewPushService(t)
	d := push.Subscribe()
	push.Reply(fluxtest.PushReply{Status: http.StatusTooManyRequests, RetryAfter: "7"})
	keys := newPushKeys(t)
	resp, err := webpush.SendNotification([]byte("m"), &webpush.Subscription{Endpoint: d.Endpoint, Keys: webpush.Keys{P256dh: d.P256DH, Auth: d.Auth}},
		&webpush.Options{HTTPClient: push.HTTPClient(), Subscriber: "a@example.com", VAPIDPublicKey: keys.public, VAPIDPrivateKey: keys.private})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
		t.Errorf("answer %d with Retry-After %q, want 429 with 7", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestPushServiceHang(t *testing.T) {
	t.Parallel()
	push := fluxtest.NewPushService(t)
	d := push.Subscribe()
	keys := newPushKeys(t)
	push.Reply(fluxtest.PushReply{Hang: true})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := webpush.SendNotificationWithContext(ctx, []byte("m"),
		&webpush.Subscription{Endpoint: d.Endpoint, Keys: webpush.Keys{P256dh: d.P256DH, Auth: d.Auth}},
		&webpush.Options{HTTPClient: push.HTTPClient(), Subscriber: "a@example.com", VAPIDPublicKey: keys.public, VAPIDPrivateKey: keys.private})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	// The next request is answered normally.
	if s, _ := sendPush(t, push.HTTPClient(), d, keys, "m", nil); s != http.StatusCreated {
		t.Errorf("after a hang: %d, want 201", s)
	}
}

func TestPushServiceConcurrent(t *testing.T) {
	t.Parallel()
	push := fluxtest.NewPushService(t)
	keys := newPushKeys(t)
	devices := []*fluxtest.PushDevice{push.Subscribe(), push.Subscribe()}
	push.Gone(devices[1].Endpoint)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sendPush(t, push.HTTPClient(), devices[i%2], keys, fmt.Sprintf("m%d", i), nil)
		}()
	}
	wg.Wait()
	if n, r := len(push.Messages()), len(push.Requests()); n != 8 || r != 16 {
		t.Errorf("%d messages of %d requests, want 8 of 16", n, r)
	}
}

func TestPushDeviceDecryptRejectsGarbage(t *testing.T) {
	t.Parallel()
	d := fluxtest.NewPushService(t).Subscribe()
	for _, body := range [][]byte{nil, make([]byte, 20), make([]byte, 200), bytes.Repeat([]byte{0xff}, 300)} {
		if _, err := d.Decrypt(body); err == nil {
			t.Errorf("Decrypt(%d bytes of garbage) succeeded", len(body))
		}
	}
}
