package webpush_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/notify"
	"github.com/fluxlife/flux/notify/notifytest"
	"github.com/fluxlife/flux/notify/webpush"
	"github.com/fluxlife/flux/store/sqlite"
)

// env is a push channel on a SQLite store, pointed at a fake push service.
type env struct {
	push  *fluxtest.PushService
	store *sqlite.Store
	keys  webpush.Keys
	ch    *webpush.Channel
	user  string
	logs  *fluxtest.Logs
}

// shared is the store of the channel tests, one SQLite file for the
// package (opening a store migrates it, which is slow under -race); each env
// has its own user in it.
var shared *sqlite.Store

func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "webpush-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		shared, err = sqlite.Open(context.Background(), filepath.Join(dir, "flux.db"), nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer shared.Close()
		return m.Run()
	}())
}

// newEnv builds an env; edit, when not nil, changes the channel's options.
func newEnv(t testing.TB, edit func(*webpush.Options)) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{push: fluxtest.NewPushService(t), store: shared, logs: &fluxtest.Logs{}}
	u := flux.NewUser(flux.NewID(), "", "Ada")
	if err := e.store.Users().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	e.user = u.ID
	keys, err := webpush.LoadKeys(ctx, e.store.Secrets(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	e.keys = keys
	opts := &webpush.Options{
		HTTPClient:   e.push.HTTPClient(),
		AllowedHosts: []string{e.push.Host()},
		Logger:       slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(opts)
	}
	e.ch, err = webpush.New(e.store.PushSubscriptions(), keys, opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// subscribe registers a new device of the env's user with the fake.
func (e *env) subscribe(t testing.TB, deviceID string) *fluxtest.PushDevice {
	t.Helper()
	d := e.push.Subscribe()
	if err := e.store.PushSubscriptions().SavePushSubscription(context.Background(), d.Subscription(e.user, deviceID)); err != nil {
		t.Fatal(err)
	}
	return d
}

func (e *env) devices(t testing.TB) []string {
	t.Helper()
	subs, err := e.store.PushSubscriptions().ListPushSubscriptions(context.Background(), e.user)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range subs {
		ids = append(ids, s.DeviceID)
	}
	return ids
}

func (e *env) send(m notify.Message) (notify.Receipt, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if m.UserID == "" {
		m.UserID = e.user
	}
	if m.ID == "" {
		m.ID = flux.NewID()
	}
	return e.ch.Send(ctx, m)
}

func TestConformance(t *testing.T) {
	t.Parallel()
	notifytest.Run(t, func(t *testing.T) notifytest.Harness {
		e := newEnv(t, nil)
		e.subscribe(t, "laptop")
		return notifytest.Harness{
			Channel: e.ch,
			Message: func(title, body string) notify.Message {
				return notify.Message{UserID: e.user, Title: title, Body: body}
			},
			Received: func() []notifytest.Delivery {
				var out []notifytest.Delivery
				for _, m := range e.push.Messages() {
					out = append(out, notifytest.Delivery{ProviderID: m.Location, To: m.Endpoint, Title: m.Title, Body: m.Body})
				}
				return out
			},
			Fail: func(f notifytest.Failure) {
				switch f {
				case notifytest.FailTemporary:
					e.push.Reply(fluxtest.PushReply{Status: http.StatusServiceUnavailable})
				case notifytest.FailPermanent:
					e.push.Reply(fluxtest.PushReply{Status: http.StatusBadRequest, Body: "malformed"})
				case notifytest.FailRateLimited:
					e.push.Reply(fluxtest.PushReply{Status: http.StatusTooManyRequests, RetryAfter: "7"})
				}
			},
		}
	})
}

func TestSendPayloadAndHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *webpush.Options) {
		o.Subscriber = "mailto:ops@example.com"
		o.Icon = "/icons/icon-192.png"
	})
	d := e.subscribe(t, "phone")
	id, task := flux.NewID(), flux.NewID()
	before := time.Now()
	r, err := e.send(notify.Message{
		ID: id, TaskID: task, Priority: flux.PriorityImportant,
		Title: "Evening run", Body: "5 km easy, due at 18:30",
		URL:  "https://app.example.com/tasks/" + task,
		Data: map[string]string{"kind": "reminder", "task_id": "spoofed"},
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs := e.push.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Title != "Evening run" || m.Body != "5 km easy, due at 18:30" || m.Endpoint != d.Endpoint {
		t.Errorf("received %q / %q at %q", m.Title, m.Body, m.Endpoint)
	}
	var got map[string]any
	if err := json.Unmarshal(m.Payload, &got); err != nil {
		t.Fatalf("payload %s: %v", m.Payload, err)
	}
	want := map[string]any{
		"title": "Evening run", "body": "5 km easy, due at 18:30",
		"task_id": task, "task_name": "Evening run", // where the frontend's service worker reads them
		"icon": "/icons/icon-192.png", "badge": nil,
		"tag": task, "requireInteraction": true, "silent": false,
		"data": map[string]any{
			"task_id": task, "notification_id": id, "kind": "reminder",
			"url": "https://app.example.com/tasks/" + task,
		},
		"actions": []any{
			map[string]any{"action": "done", "title": "✓ Done"},
			map[string]any{"action": "reschedule", "title": "⏰ Reschedule"},
			map[string]any{"action": "missed", "title": "✗ Missed"},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("payload (-want +got):\n%s", diff)
	}
	if m.TTL != 86400 || m.Urgency != "high" || m.Topic != strings.ReplaceAll(id, "-", "") || len(m.Topic) != 32 {
		t.Errorf("TTL %d, Urgency %q, Topic %q; want 86400, high, %q", m.TTL, m.Urgency, m.Topic, strings.ReplaceAll(id, "-", ""))
	}
	if m.VAPIDKey != e.keys.Public {
		t.Errorf("VAPID key %q, want the channel's %q", m.VAPIDKey, e.keys.Public)
	}
	if m.Claims.Aud != e.push.URL() || m.Claims.Sub != "mailto:ops@example.com" {
		t.Errorf("claims %+v, want aud %q and sub mailto:ops@example.com", m.Claims, e.push.URL())
	}
	if !m.Claims.Exp.After(before) || m.Claims.Exp.Sub(before) > 24*time.Hour {
		t.Errorf("exp %s is not within 24 h after %s", m.Claims.Exp, before)
	}
	wantReceipt := notify.Receipt{Provider: "webpush", ProviderID: m.Location, Status: flux.NotificationSent,
		Targets: []notify.Target{{ID: "phone", ProviderID: m.Location}}}
	if diff := cmp.Diff(wantReceipt, r); diff != "" {
		t.Errorf("receipt (-want +got):\n%s", diff)
	}
	if e.ch.Name() != "push" || e.ch.Keys() != e.keys {
		t.Errorf("Name() = %q, Keys() = %+v", e.ch.Name(), e.ch.Keys())
	}
}

func TestSendOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		m           notify.Message
		ttl         int
		urgency     string
		interaction bool
		tag         string // "id" = the notification id
		actions     any    // nil = no "actions" key
	}{
		{"standard, no task", notify.Message{Title: "Hi"}, 86400, "normal", false, "id", nil},
		{"must not miss", notify.Message{Title: "Hi", Priority: flux.PriorityMustNotMiss}, 86400, "high", true, "id", nil},
		{"own TTL", notify.Message{Title: "Hi", TTL: 90 * time.Second}, 90, "normal", false, "id", nil},
		{"TTL over four weeks", notify.Message{Title: "Hi", TTL: 60 * 24 * time.Hour}, 28 * 86400, "normal", false, "id", nil},
		{"negative TTL", notify.Message{Title: "Hi", TTL: -time.Second}, 86400, "normal", false, "id", nil},
		{"task, no actions wanted", notify.Message{Title: "Hi", TaskID: "t-1", Actions: []notify.Action{}}, 86400, "normal", false, "t-1", nil},
		{"own actions", notify.Message{Title: "Hi", Actions: []notify.Action{{Action: "view", Title: "Open", Icon: "/v.png"}}}, 86400, "normal", false, "id",
			[]any{map[string]any{"action": "view", "title": "Open", "icon": "/v.png"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			e.subscribe(t, "laptop")
			c.m.ID = flux.NewID()
			if _, err := e.send(c.m); err != nil {
				t.Fatal(err)
			}
			m := e.push.Messages()[0]
			var p map[string]any
			if err := json.Unmarshal(m.Payload, &p); err != nil {
				t.Fatal(err)
			}
			tag := c.tag
			if tag == "id" {
				tag = c.m.ID
			}
			if m.TTL != c.ttl || m.Urgency != c.urgency || p["requireInteraction"] != c.interaction || p["tag"] != tag {
				t.Errorf("TTL %d urgency %q requireInteraction %v tag %v; want %d %q %v %q", m.TTL, m.Urgency, p["requireInteraction"], p["tag"], c.ttl, c.urgency, c.interaction, tag)
			}
			if diff := cmp.Diff(c.actions, p["actions"]); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
			if p["icon"] != nil || p["badge"] != nil {
				t.Errorf("icon %v badge %v, want null", p["icon"], p["badge"])
			}
		})
	}
}

func TestSendTopicOfOtherIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.subscribe(t, "laptop")
	for _, id := range []string{"notification/42 with spaces", strings.Repeat("x", 40)} {
		if _, err := e.send(notify.Message{ID: id, Title: "Hi"}); err != nil {
			t.Fatal(err)
		}
	}
	msgs := e.push.Messages()
	if len(msgs) != 2 || len(msgs[0].Topic) != 32 || len(msgs[1].Topic) != 32 || msgs[0].Topic == msgs[1].Topic {
		t.Errorf("topics %q and %q, want two different 32-character topics", msgs[0].Topic, msgs[1].Topic)
	}
}

func TestSendShortensLongMessages(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, title, body string
	}{
		{"long ASCII body", "Read", strings.Repeat("word ", 2000)},
		{"long multi-byte body", "Read", strings.Repeat("ü✓日本🎯", 800)},
		{"long body to escape", "Read", strings.Repeat(`<&>"\`+"\n", 1500)},
		{"long title and body", strings.Repeat("T", 5000), strings.Repeat("b", 5000)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			e.subscribe(t, "laptop")
			if _, err := e.send(notify.Message{Title: c.title, Body: c.body, TaskID: flux.NewID(), Data: map[string]string{"k": "v"}}); err != nil {
				t.Fatal(err)
			}
			m := e.push.Messages()[0]
			if len(m.Payload) > webpush.MaxPayload {
				t.Errorf("payload of %d bytes, over %d", len(m.Payload), webpush.MaxPayload)
			}
			if len(m.Payload) < webpush.MaxPayload-40 {
				t.Errorf("payload of %d bytes: shortened more than needed", len(m.Payload))
			}
			if !utf8.ValidString(m.Title) || !utf8.ValidString(m.Body) {
				t.Error("shortened text is not valid UTF-8")
			}
			if len(c.title) < 1000 {
				if m.Title != c.title {
					t.Errorf("title %q, want it whole", m.Title)
				}
				body, ok := strings.CutSuffix(m.Body, "…")
				if !ok || !strings.HasPrefix(c.body, body) || len(body) < 1000 {
					t.Errorf("body %q…: want a long prefix of the body followed by …", m.Body[:min(len(m.Body), 40)])
				}
			} else {
				title, ok := strings.CutSuffix(m.Title, "…")
				if !ok || !strings.HasPrefix(c.title, title) || m.Body != "" {
					t.Errorf("title %d bytes, body %q: want a shortened title and no body", len(m.Title), m.Body)
				}
			}
		})
	}
}

func TestSendTooMuchData(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.subscribe(t, "laptop")
	_, err := e.send(notify.Message{Title: "Hi", Data: map[string]string{"blob": strings.Repeat("x", 5000)}})
	if temp, _ := notify.IsTemporary(err); err == nil || temp {
		t.Fatalf("err = %v, want a permanent failure", err)
	}
	if n := len(e.push.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestSendGoneRemovesSubscription(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	laptop := e.subscribe(t, "laptop")
	phone := e.subscribe(t, "phone")
	e.push.Gone(phone.Endpoint)

	r, err := e.send(notify.Message{Title: "One", Body: "first"})
	if err != nil {
		t.Fatalf("Send with one device gone: %v", err)
	}
	if len(r.Targets) != 2 || r.Targets[0].ID != "laptop" || r.Targets[0].Err != nil || r.Targets[0].Gone ||
		r.Targets[1].ID != "phone" || !r.Targets[1].Gone || r.Targets[1].Err == nil {
		t.Fatalf("targets %+v, want laptop accepted and phone gone", r.Targets)
	}
	if r.ProviderID != r.Targets[0].ProviderID || r.Status != flux.NotificationSent {
		t.Errorf("receipt %+v", r)
	}
	if diff := cmp.Diff([]string{"laptop"}, e.devices(t)); diff != "" {
		t.Errorf("devices after a 410 (-want +got):\n%s", diff)
	}

	if _, err := e.send(notify.Message{Title: "Two", Body: "second"}); err != nil {
		t.Fatal(err)
	}
	phoneRequests := 0
	for _, req := range e.push.Requests() {
		if req.Endpoint == phone.Endpoint {
			phoneRequests++
		}
	}
	if phoneRequests != 1 {
		t.Errorf("%d requests to the gone device, want only the first", phoneRequests)
	}
	if n := len(e.push.MessagesTo(laptop.Endpoint)); n != 2 {
		t.Errorf("laptop got %d messages, want 2", n)
	}
}

func TestSendAllGone(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusNotFound, http.StatusGone} {
		e := newEnv(t, nil)
		d := e.subscribe(t, "laptop")
		e.push.ReplyFor(d.Endpoint, fluxtest.PushReply{Status: status})
		r, err := e.send(notify.Message{Title: "Hi"})
		if temp, _ := notify.IsTemporary(err); err == nil || temp || !errors.Is(err, notify.ErrNoRecipient) {
			t.Fatalf("%d: err = %v, want a permanent ErrNoRecipient", status, err)
		}
		if len(r.Targets) != 1 || !r.Targets[0].Gone || r.Status != flux.NotificationFailed {
			t.Errorf("%d: receipt %+v, want one gone target", status, r)
		}
		if len(e.devices(t)) != 0 {
			t.Errorf("%d: the subscription was not removed", status)
		}
		_, err = e.send(notify.Message{Title: "Again"})
		if !errors.Is(err, notify.ErrNoRecipient) {
			t.Errorf("%d: next send: %v, want ErrNoRecipient", status, err)
		}
	}
}

func TestSendGoneKeepsNewSubscription(t *testing.T) {
	t.Parallel()
	// The device subscribes again (new endpoint) while the old endpoint's
	// 410 is on its way: the new subscription stays.
	e := newEnv(t, nil)
	old := e.subscribe(t, "laptop")
	var fresh *fluxtest.PushDevice
	e.push.ReplyFor(old.Endpoint, fluxtest.PushReply{Status: http.StatusGone})
	store := e.store.PushSubscriptions()
	racing := &listHook{PushSubscriptionStore: store, after: func() {
		if fresh == nil {
			fresh = e.subscribe(t, "laptop")
		}
	}}
	ch, err := webpush.New(racing, e.keys, &webpush.Options{HTTPClient: e.push.HTTPClient(), AllowedHosts: []string{e.push.Host()}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Send(context.Background(), notify.Message{ID: flux.NewID(), UserID: e.user, Title: "Hi"}); err == nil {
		t.Fatal("Send to a gone device succeeded")
	}
	subs, _ := store.ListPushSubscriptions(context.Background(), e.user)
	if len(subs) != 1 || subs[0].Endpoint != fresh.Endpoint {
		t.Errorf("subscriptions %+v, want the fresh one kept", subs)
	}
}

// listHook calls after once the first list has returned.
type listHook struct {
	flux.PushSubscriptionStore
	mu    sync.Mutex
	n     int
	after func()
}

func (h *listHook) ListPushSubscriptions(ctx context.Context, userID string) ([]flux.PushSubscription, error) {
	subs, err := h.PushSubscriptionStore.ListPushSubscriptions(ctx, userID)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n++
	if h.n == 1 {
		h.after()
	}
	return subs, err
}

func TestSendRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		reply fluxtest.PushReply
		wait  time.Duration
	}{
		{"429 in seconds", fluxtest.PushReply{Status: 429, RetryAfter: "120"}, 120 * time.Second},
		{"429 as a date", fluxtest.PushReply{Status: 429, RetryAfter: now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second},
		{"429 with a past date", fluxtest.PushReply{Status: 429, RetryAfter: now.Add(-time.Hour).Format(http.TimeFormat)}, 0},
		{"429 without Retry-After", fluxtest.PushReply{Status: 429}, 0},
		{"429 with garbage", fluxtest.PushReply{Status: 429, RetryAfter: "soon"}, 0},
		{"429 asking for years", fluxtest.PushReply{Status: 429, RetryAfter: "99999999999999999"}, 24 * time.Hour},
		{"503 with Retry-After", fluxtest.PushReply{Status: 503, RetryAfter: "30"}, 30 * time.Second},
		{"500", fluxtest.PushReply{Status: 500}, 0},
		{"502", fluxtest.PushReply{Status: 502}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(o *webpush.Options) { o.Clock = fluxtest.NewClock(now) })
			e.subscribe(t, "laptop")
			e.push.Reply(c.reply)
			_, err := e.send(notify.Message{Title: "Hi"})
			temp, wait := notify.IsTemporary(err)
			if !temp || wait != c.wait {
				t.Errorf("IsTemporary(%v) = %v, %s; want true, %s", err, temp, wait, c.wait)
			}
		})
	}
}

func TestSendPermanentStatuses(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 401, 403, 413, 301, 307} {
		e := newEnv(t, nil)
		e.subscribe(t, "laptop")
		e.push.Reply(fluxtest.PushReply{Status: status})
		_, err := e.send(notify.Message{Title: "Hi"})
		if temp, _ := notify.IsTemporary(err); err == nil || temp {
			t.Errorf("%d: err = %v, want a permanent failure", status, err)
		}
		if len(e.devices(t)) != 1 {
			t.Errorf("%d: the subscription was removed", status)
		}
	}
}

func TestSendTwoDevicesFailing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	a, b, c := e.subscribe(t, "a"), e.subscribe(t, "b"), e.subscribe(t, "c")
	e.push.ReplyFor(a.Endpoint, fluxtest.PushReply{Status: 429, RetryAfter: "30"})
	e.push.ReplyFor(b.Endpoint, fluxtest.PushReply{Status: 500, RetryAfter: "90"})
	e.push.ReplyFor(c.Endpoint, fluxtest.PushReply{Status: 400})
	r, err := e.send(notify.Message{Title: "Hi"})
	if temp, wait := notify.IsTemporary(err); !temp || wait != 90*time.Second {
		t.Errorf("IsTemporary(%v) = %v, %s; want true with the longest wait, 90s", err, temp, wait)
	}
	if errors.Is(err, notify.ErrNoRecipient) {
		t.Error("the error says there is no recipient")
	}
	if len(r.Targets) != 3 {
		t.Errorf("targets %+v, want 3", r.Targets)
	}
}

func TestSendSeveralDevices(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		e.subscribe(t, id)
	}
	r, err := e.send(notify.Message{Title: "Hi"})
	if err != nil {
		t.Fatal(err)
	}
	msgs := e.push.Messages()
	if len(msgs) != 6 || len(r.Targets) != 6 {
		t.Fatalf("%d messages and %d targets, want 6", len(msgs), len(r.Targets))
	}
	ids := strings.Split(r.ProviderID, ",")
	if len(ids) != 6 {
		t.Errorf("ProviderID %q, want six ids", r.ProviderID)
	}
	for i, target := range r.Targets {
		if target.ID != string(rune('a'+i)) || target.ProviderID != ids[i] {
			t.Errorf("target %d = %+v, want device %c with id %q", i, target, 'a'+i, ids[i])
		}
	}
}

func TestSendTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *webpush.Options) { o.Timeout = 200 * time.Millisecond })
	d := e.subscribe(t, "laptop")
	e.push.Reply(fluxtest.PushReply{Hang: true})
	start := time.Now()
	_, err := e.send(notify.Message{Title: "Hi"})
	if temp, _ := notify.IsTemporary(err); !temp {
		t.Fatalf("err = %v, want a temporary failure", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want it to wrap the deadline", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Send took %s with a 200ms timeout", elapsed)
	}
	token := d.Endpoint[strings.LastIndex(d.Endpoint, "/")+1:]
	if strings.Contains(err.Error(), token) {
		t.Errorf("the error %q shows the endpoint's token", err)
	}
}

func TestSendConnectionRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	dead := httptest.NewServer(http.NotFoundHandler())
	host := strings.TrimPrefix(dead.URL, "http://")
	dead.Close()
	ch, err := webpush.New(e.store.PushSubscriptions(), e.keys, &webpush.Options{AllowedHosts: []string{host}})
	if err != nil {
		t.Fatal(err)
	}
	d := e.push.Subscribe()
	s := d.Subscription(e.user, "laptop")
	s.Endpoint = dead.URL + "/push/secret-token"
	if err := e.store.PushSubscriptions().SavePushSubscription(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	_, err = ch.Send(context.Background(), notify.Message{ID: flux.NewID(), UserID: e.user, Title: "Hi"})
	if temp, _ := notify.IsTemporary(err); !temp {
		t.Fatalf("err = %v, want a temporary failure", err)
	}
	if strings.Contains(err.Error(), "secret-token") {
		t.Errorf("the error %q shows the endpoint's token", err)
	}
}

func TestSendRefusesUnsafeEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *webpush.Options) { o.AllowedHosts = nil })
	// Subscriptions stored without CheckEndpoint (by an older version, or
	// directly): the fake's own endpoint is not allowed now, nor is a
	// metadata service.
	d := e.subscribe(t, "laptop")
	s := d.Subscription(e.user, "metadata")
	s.Endpoint = "http://169.254.169.254/latest/meta-data/"
	if err := e.store.PushSubscriptions().SavePushSubscription(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	r, err := e.send(notify.Message{Title: "Hi"})
	if temp, _ := notify.IsTemporary(err); err == nil || temp {
		t.Fatalf("err = %v, want a permanent failure", err)
	}
	for _, target := range r.Targets {
		if flux.ErrorCode(target.Err) != flux.EInvalid || !strings.Contains(target.Err.Error(), "endpoint") {
			t.Errorf("target %s: error %v, want the endpoint refused", target.ID, target.Err)
		}
	}
	if n := len(e.push.Requests()); n != 0 {
		t.Errorf("%d requests reached the fake", n)
	}
	if len(e.devices(t)) != 2 {
		t.Error("a refused subscription was removed")
	}
}

func TestSendInvalidStoredKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	d := e.push.Subscribe()
	s := d.Subscription(e.user, "laptop")
	s.P256DH = "not-a-key"
	if err := e.store.PushSubscriptions().SavePushSubscription(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	_, err := e.send(notify.Message{Title: "Hi"})
	if temp, _ := notify.IsTemporary(err); err == nil || temp {
		t.Fatalf("err = %v, want a permanent failure", err)
	}
	if n := len(e.push.Requests()); n != 0 {
		t.Errorf("%d requests reached the fake", n)
	}
}

func TestSendDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	d := e.subscribe(t, "laptop")
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, d.Endpoint, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirect.Close)
	ch, err := webpush.New(e.store.PushSubscriptions(), e.keys, &webpush.Options{
		HTTPClient:   redirect.Client(),
		AllowedHosts: []string{e.push.Host(), strings.TrimPrefix(redirect.URL, "http://")},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := d.Subscription(e.user, "laptop")
	s.Endpoint = redirect.URL + "/push/x"
	if err := e.store.PushSubscriptions().SavePushSubscription(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	_, err = ch.Send(context.Background(), notify.Message{ID: flux.NewID(), UserID: e.user, Title: "Hi"})
	if temp, _ := notify.IsTemporary(err); err == nil || temp {
		t.Fatalf("err = %v, want a permanent failure", err)
	}
	if n := len(e.push.Requests()); n != 0 {
		t.Errorf("the redirect was followed: %d requests reached the fake", n)
	}
}

func TestSendWithoutLocation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated) // no Location
	}))
	t.Cleanup(bare.Close)
	ch, err := webpush.New(e.store.PushSubscriptions(), e.keys, &webpush.Options{
		HTTPClient:   bare.Client(),
		AllowedHosts: []string{strings.TrimPrefix(bare.URL, "http://")},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"laptop", "phone"} {
		s := e.push.Subscribe().Subscription(e.user, id)
		s.Endpoint = bare.URL + "/push/" + id
		if err := e.store.PushSubscriptions().SavePushSubscription(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	id := flux.NewID()
	r, err := ch.Send(context.Background(), notify.Message{ID: id, UserID: e.user, Title: "Hi"})
	if err != nil {
		t.Fatal(err)
	}
	if want := id + "/laptop," + id + "/phone"; r.ProviderID != want {
		t.Errorf("ProviderID %q, want %q", r.ProviderID, want)
	}
}

func TestSendNoSubscription(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, user := range []string{e.user, flux.NewID(), "not-an-id"} {
		_, err := e.ch.Send(context.Background(), notify.Message{ID: flux.NewID(), UserID: user, Title: "Hi"})
		if temp, _ := notify.IsTemporary(err); !errors.Is(err, notify.ErrNoRecipient) || temp {
			t.Errorf("user %q: err = %v, want a permanent ErrNoRecipient", user, err)
		}
	}
}

func TestSendLogsNoSecrets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *webpush.Options) { o.Timeout = 200 * time.Millisecond })
	a, b, c := e.subscribe(t, "a"), e.subscribe(t, "b"), e.subscribe(t, "c")
	e.push.Gone(a.Endpoint)
	e.push.ReplyFor(b.Endpoint, fluxtest.PushReply{Status: 500})
	e.push.ReplyFor(c.Endpoint, fluxtest.PushReply{Hang: true})
	_, err := e.send(notify.Message{Title: "Hi"})
	if err == nil {
		t.Fatal("Send succeeded")
	}
	logs := e.logs.String() + err.Error()
	if !strings.Contains(logs, e.push.Host()) {
		t.Errorf("the log does not name the push host:\n%s", logs)
	}
	for _, d := range []*fluxtest.PushDevice{a, b, c} {
		token := d.Endpoint[strings.LastIndex(d.Endpoint, "/")+1:]
		for _, secret := range []string{token, d.P256DH, d.Auth} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log or error shows %q:\n%s", secret, logs)
			}
		}
	}
	if strings.Contains(logs, e.keys.Private) {
		t.Error("the log shows the VAPID private key")
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	other, err := webpush.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	subs := e.store.PushSubscriptions()
	cases := []struct {
		name string
		subs flux.PushSubscriptionStore
		keys webpush.Keys
		opts *webpush.Options
		ok   bool
	}{
		{"defaults", subs, e.keys, nil, true},
		{"https subscriber", subs, e.keys, &webpush.Options{Subscriber: "https://flux.example.com/contact"}, true},
		{"MAILTO: subscriber", subs, e.keys, &webpush.Options{Subscriber: "MAILTO:ops@example.com"}, true},
		{"no store", nil, e.keys, nil, false},
		{"no keys", subs, webpush.Keys{}, nil, false},
		{"mismatched keys", subs, webpush.Keys{Public: other.Public, Private: e.keys.Private}, nil, false},
		{"bad subscriber", subs, e.keys, &webpush.Options{Subscriber: "ops at example"}, false},
		{"http subscriber", subs, e.keys, &webpush.Options{Subscriber: "http://flux.example.com"}, false},
	}
	for _, c := range cases {
		ch, err := webpush.New(c.subs, c.keys, c.opts)
		if (err == nil) != c.ok || (ch != nil) != c.ok {
			t.Errorf("%s: New = %v, %v; want ok %v", c.name, ch, err, c.ok)
		}
	}
}

func TestSubscriberMailtoNotDoubled(t *testing.T) {
	t.Parallel()
	for _, sub := range []string{"", "MAILTO:ops@example.com", "https://flux.example.com/contact"} {
		e := newEnv(t, func(o *webpush.Options) { o.Subscriber = sub })
		e.subscribe(t, "laptop")
		if _, err := e.send(notify.Message{Title: "Hi"}); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"": "mailto:support@fluxassistant.com", "MAILTO:ops@example.com": "mailto:ops@example.com",
			"https://flux.example.com/contact": "https://flux.example.com/contact"}[sub]
		if got := e.push.Messages()[0].Claims.Sub; got != want {
			t.Errorf("Subscriber %q: sub %q, want %q", sub, got, want)
		}
	}
}
