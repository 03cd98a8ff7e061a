package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/notify"
	"github.com/fluxlife/flux/notify/twilio"
	"github.com/google/go-cmp/cmp"
)

func TestPriorityModelRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	tok, _ := e.token("ada@example.com")

	var cfg map[string]escalationPath
	r := e.do("GET", "/api/v1/notifications/priority/config", tok, nil)
	r.json(t, &cfg)
	want := map[string]escalationPath{
		"standard":      {Priority: "standard", Steps: []pathStep{{"push", 0}}},
		"important":     {Priority: "important", Steps: []pathStep{{"push", 0}, {"whatsapp", 120}}},
		"must_not_miss": {Priority: "must_not_miss", Steps: []pathStep{{"push", 0}, {"whatsapp", 120}, {"call", 420}}},
	}
	if r.Code != 200 || !cmp.Equal(want, cfg) {
		t.Errorf("config = %d %s", r.Code, r.Body)
	}

	var timing priorityTiming
	r = e.do("GET", "/api/v1/notifications/priority/timing?priority=must_not_miss&multiplier=10", tok, nil)
	r.json(t, &timing)
	var cum []int
	var human []string
	for _, s := range timing.Steps {
		cum = append(cum, s.CumulativeSeconds)
		human = append(human, s.FromStart)
	}
	if r.Code != 200 || !cmp.Equal([]int{0, 12, 54}, cum) || !cmp.Equal([]string{"0s", "12s", "54s"}, human) {
		t.Errorf("timing ×10 = %d %s", r.Code, r.Body)
	}
	for _, q := range []string{"", "?priority=urgent", "?priority=important&multiplier=0.5", "?priority=important&multiplier=11", "?priority=important&multiplier=x"} {
		if r := e.do("GET", "/api/v1/notifications/priority/timing"+q, tok, nil); r.Code != 422 {
			t.Errorf("timing%s = %d %s", q, r.Code, r.Body)
		}
	}
	if r := e.do("GET", "/api/v1/notifications/priority/health", tok, nil); r.Code != 200 || !strings.Contains(string(r.Body), `"service":"notification_priority_model"`) {
		t.Errorf("health = %d %s", r.Code, r.Body)
	}

	// send ×10 really starts the escalation; the waits are the original's.
	var sent prioritySent
	r = e.do("POST", "/api/v1/notifications/priority/send", tok, `{"user_id": "someone-else", "priority": "must_not_miss", "escalation_speed_multiplier": 10, "message": "Take the pills"}`)
	r.json(t, &sent)
	if r.Code != 200 || !cmp.Equal([]int{0, 12, 42}, sent.ActualWaits) || sent.Status != "sent" || strings.HasSuffix(sent.CreatedAt, "Z") {
		t.Fatalf("send = %d %s", r.Code, r.Body)
	}
	if _, err := e.store.Escalations().GetEscalation(context.Background(), sent.UserID, sent.NotificationID); err != nil {
		t.Errorf("the escalation of the send: %v", err)
	}
	for _, body := range []string{
		`{"priority": "must_not_miss", "escalation_speed_multiplier": 3, "message": "x"}`,
		`{"priority": "must_not_miss", "escalation_speed_multiplier": 10}`,
		`{"priority": "urgent", "message": "x"}`,
	} {
		r := e.do("POST", "/api/v1/notifications/priority/send", tok, body)
		if r.Code != 422 {
			t.Errorf("send %s = %d %s", body, r.Code, r.Body)
		}
	}
	if r := e.do("POST", "/api/v1/notifications/priority/send", tok, `{"escalation_speed_multiplier": 3, "message": "x"}`); !strings.Contains(string(r.Body), "Escalation speed multiplier must be one of [1.0, 5.0, 10.0]") {
		t.Errorf("the multiplier's message: %s", r.Body)
	}
	// An Idempotency-Key repeated returns the first escalation.
	first := e.doHeader("POST", "/api/v1/notifications/priority/send", tok, `{"message": "once"}`, "Idempotency-Key", "k1")
	again := e.doHeader("POST", "/api/v1/notifications/priority/send", tok, `{"message": "once"}`, "Idempotency-Key", "k1")
	var a, b prioritySent
	first.json(t, &a)
	again.json(t, &b)
	if a.NotificationID == "" || a.NotificationID != b.NotificationID {
		t.Errorf("a repeated Idempotency-Key started %s, then %s", a.NotificationID, b.NotificationID)
	}
}

// doHeader is do with one extra request header.
func (e *testEnv) doHeader(method, path, token, body, key, value string) response {
	e.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(key, value)
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return response{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

func TestNotificationLogRoute(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newEnv(t, kind, auth.Config{})
		tok, u := e.token("ada@example.com")
		other, _ := e.token("bob@example.com")
		if r := e.do("PATCH", "/api/v1/account/me", tok, `{"phone_number": "+4915112345678"}`); r.Code != 200 {
			t.Fatal(r.Code)
		}
		for i := range 5 {
			if r := e.do("POST", "/notifications/whatsapp", tok, fmt.Sprintf(`{"task_id": "t%d", "task_title": "Task %d", "recipient_number": "+4915112345678"}`, i, i)); r.Code != 200 {
				t.Fatalf("whatsapp = %d %s", r.Code, r.Body)
			}
			if r := e.do("POST", "/notifications/call", tok, fmt.Sprintf(`{"phone_number": "+4915112345678", "task_title": "Call %d"}`, i)); r.Code != 201 {
				t.Fatalf("call = %d %s", r.Code, r.Body)
			}
		}
		var seen []notificationView
		cursor := ""
		for range 10 {
			var page notificationList
			r := e.do("GET", "/api/v1/notifications?limit=3&cursor="+url.QueryEscape(cursor), tok, nil)
			r.json(t, &page)
			if r.Code != 200 || len(page.Notifications) > 3 {
				t.Fatalf("page = %d %s", r.Code, r.Body)
			}
			seen = append(seen, page.Notifications...)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if len(seen) != 10 {
			t.Fatalf("walked %d entries, want 10", len(seen))
		}
		for i := 1; i < len(seen); i++ {
			if seen[i].CreatedAt.After(seen[i-1].CreatedAt) {
				t.Errorf("not newest first at %d", i)
			}
		}
		for _, n := range seen {
			if n.Recipient == nil || strings.Contains(*n.Recipient, "12345") || n.Provider != "log" || n.Status != "sent" {
				t.Errorf("entry %+v", n)
			}
		}
		var calls notificationList
		e.do("GET", "/api/v1/notifications?channel=call", tok, nil).json(t, &calls)
		if len(calls.Notifications) != 5 {
			t.Errorf("channel=call: %d entries", len(calls.Notifications))
		}
		for _, q := range []string{"?channel=pigeon", "?task_id=nope", "?escalation_id=1", "?limit=0", "?limit=201", "?cursor=zz"} {
			if r := e.do("GET", "/api/v1/notifications"+q, tok, nil); r.Code != 400 {
				t.Errorf("GET %s = %d %s", q, r.Code, r.Body)
			}
		}
		var theirs notificationList
		e.do("GET", "/api/v1/notifications", other, nil).json(t, &theirs)
		if len(theirs.Notifications) != 0 {
			t.Errorf("another user sees %d entries", len(theirs.Notifications))
		}
		if r := e.do("GET", "/api/v1/notifications", "", nil); r.Code != 401 {
			t.Errorf("no token = %d", r.Code)
		}
		_ = u
	})
}

func TestPushRoutesRefuseBadSubscriptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	tok, u := e.token("ada@example.com")
	keys := `"keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "auth": "tBHItJI5svbpez7KI4CCXg"}`
	for name, body := range map[string]string{
		"loopback":      `{"subscription": {"endpoint": "https://127.0.0.1/push/x", ` + keys + `}, "device_id": "d"}`,
		"unknown host":  `{"subscription": {"endpoint": "https://evil.example/push/x", ` + keys + `}, "device_id": "d"}`,
		"http FCM":      `{"subscription": {"endpoint": "http://fcm.googleapis.com/fcm/send/x", ` + keys + `}, "device_id": "d"}`,
		"bad keys":      `{"subscription": {"endpoint": "https://fcm.googleapis.com/fcm/send/x", "keys": {"p256dh": "nope", "auth": "x"}}, "device_id": "d"}`,
		"no device":     `{"subscription": {"endpoint": "https://fcm.googleapis.com/fcm/send/x", ` + keys + `}}`,
		"unknown field": `{"subscription": {"endpoint": "https://fcm.googleapis.com/fcm/send/x", ` + keys + `}, "device_id": "d", "admin": true}`,
	} {
		if r := e.do("POST", "/notifications/push/subscribe", tok, body); r.Code != 400 {
			t.Errorf("%s = %d %s", name, r.Code, r.Body)
		}
	}
	ok := `{"subscription": {"endpoint": "https://fcm.googleapis.com/fcm/send/abc", "expirationTime": null, ` + keys + `}, "device_id": "d1", "device_name": "Pixel"}`
	if r := e.do("POST", "/notifications/push/subscribe", tok, ok); r.Code != 200 {
		t.Fatalf("subscribe = %d %s", r.Code, r.Body)
	}
	if r := e.do("POST", "/notifications/push/subscribe", tok, ok); r.Code != 200 { // upsert
		t.Fatalf("subscribe again = %d %s", r.Code, r.Body)
	}
	subs, _ := e.store.PushSubscriptions().ListPushSubscriptions(context.Background(), u.ID)
	if len(subs) != 1 || subs[0].DeviceName != "Pixel" {
		t.Errorf("subscriptions %+v", subs)
	}
	if r := e.do("DELETE", "/notifications/push/unsubscribe", tok, `{"device_id": "d1"}`); r.Code != 200 {
		t.Errorf("unsubscribe = %d %s", r.Code, r.Body)
	}
	if r := e.do("DELETE", "/notifications/push/unsubscribe", tok, `{"device_id": "d1"}`); r.Code != 404 || !strings.Contains(string(r.Body), "Subscription not found") {
		t.Errorf("unsubscribe with none left = %d %s", r.Code, r.Body)
	}
	for name, body := range map[string]string{
		"no title":     `{"notification": {"body": "b"}}`,
		"long title":   `{"notification": {"title": "` + strings.Repeat("x", 101) + `", "body": "b"}}`,
		"bad action":   `{"notification": {"title": "t", "body": "b", "actions": [{"action": "rm -rf", "title": "x"}]}}`,
		"bad ttl":      `{"notification": {"title": "t", "body": "b"}, "ttl": -1}`,
		"foreign task": `{"notification": {"title": "t", "body": "b", "task_id": "` + flux.NewID() + `"}}`,
	} {
		if r := e.do("POST", "/notifications/push", tok, body); r.Code != 400 {
			t.Errorf("push %s = %d %s", name, r.Code, r.Body)
		}
	}
	var res pushSent
	e.do("POST", "/notifications/push", tok, `{"notification": {"title": "t", "body": "b"}}`).json(t, &res)
	if res.Success || res.Message != "No active subscriptions for user "+u.ID {
		t.Errorf("push with no subscriptions: %+v", res)
	}
	if r := e.do("GET", "/notifications/push/vapid-public-key", "", nil); r.Code != 200 || !strings.Contains(string(r.Body), "public_key") {
		t.Errorf("vapid key = %d %s", r.Code, r.Body)
	}
}

// twilioEnv is a server whose WhatsApp and calls go to a fake Twilio that
// reaches the server's webhooks.
type twilioEnv struct {
	*testEnv
	tw  *fluxtest.Twilio
	url string
}

func newTwilioEnv(t *testing.T, kind storeKind) *twilioEnv {
	t.Helper()
	tw := fluxtest.NewTwilio(t)
	var h http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	client, err := twilio.New(twilio.Config{AccountSID: tw.AccountSID(), AuthToken: tw.AuthToken(), APIBaseURL: tw.URL(),
		PhoneNumber: "+15005550006", WebhookBaseURL: ts.URL, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	call, err := twilio.NewCall(client)
	if err != nil {
		t.Fatal(err)
	}
	m := newMachinery(t, kind, machineryOptions{channels: []notify.Channel{twilio.NewWhatsApp(client), call}, twilio: client,
		paid: map[flux.Channel]bool{flux.ChannelWhatsApp: true, flux.ChannelCall: true}})
	a, err := auth.New(context.Background(), auth.Config{Store: m.store})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Store: m.store, Auth: a, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		ExpensivePerMinute: 60000, ExpensiveBurst: 10000, Scheduler: m.sched, Notify: m.n})
	h = s
	return &twilioEnv{testEnv: &testEnv{t: t, store: m.store, auth: a, srv: s, m: m}, tw: tw, url: ts.URL}
}

// TestRepliesAnswerReminders: a WhatsApp reply and a key pressed on a call
// answer the reminder they belong to — the task is done or missed, the
// escalation stops — once, however often Twilio delivers them.
func TestRepliesAnswerReminders(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newTwilioEnv(t, kind)
		ctx := context.Background()
		tok, u := e.token("ada@example.com")
		const phone = "+4915112345678"
		if r := e.do("PATCH", "/api/v1/account/me", tok, `{"phone_number": "`+phone+`"}`); r.Code != 200 {
			t.Fatal(r.Code)
		}
		// A task due soon with an important reminder: WhatsApp after 1 s.
		if r := e.do("PUT", "/api/v1/escalation/policies", tok, `{"policies": {"important": [{"channel": "whatsapp", "wait_time_seconds": 0}, {"channel": "call", "wait_time_seconds": 30}]}}`); r.Code != 200 {
			t.Fatalf("policies = %d %s", r.Code, r.Body)
		}
		at := time.Now().Add(5 * time.Minute).UTC().Format(time.RFC3339)
		var task taskView
		if r := e.do("POST", "/api/v1/tasks", tok, `{"title": "Call the bank", "duration_minutes": 15, "priority": "important", "scheduled_at": "`+at+`"}`); r.Code != 201 {
			t.Fatalf("task = %d %s", r.Code, r.Body)
		} else {
			r.json(t, &task)
		}
		// Saving it scheduled its reminder (inside the lead time): the
		// WhatsApp goes out.
		waitFor(t, "the reminder's WhatsApp", func() bool { return len(e.tw.Messages()) == 1 })
		msg := e.tw.Messages()[0]
		if !strings.Contains(msg.Body, "Call the bank") || msg.To != "whatsapp:"+phone {
			t.Errorf("the reminder: %+v", msg)
		}
		hook := e.url + "/api/v1/webhooks/twilio/whatsapp"
		extra := url.Values{"MessageSid": {"SM" + strings.Repeat("1", 32)}}
		for i := range 3 { // Twilio may deliver a webhook more than once
			answer, err := e.tw.SendWhatsApp(ctx, hook, "whatsapp:"+phone, " 1 ", extra)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 && !strings.Contains(string(answer), "Great work! Task marked as done.") {
				t.Errorf("the reply's answer: %s", answer)
			}
			if i > 0 && strings.Contains(string(answer), "<Message>") {
				t.Errorf("a repeated delivery answered again: %s", answer)
			}
		}
		x, err := e.store.Tasks().GetTask(ctx, u.ID, task.ID)
		if err != nil || x.Status != flux.TaskDone {
			t.Fatalf("after replying 1 the task is %v (%v)", x.Status, err)
		}
		escs, _, _ := e.store.Escalations().ListEscalations(ctx, u.ID, flux.EscalationFilter{TaskID: task.ID}, flux.Page{})
		if len(escs) != 1 || escs[0].Status != flux.EscalationAcknowledged || escs[0].Steps[1].Status != flux.StepSkipped {
			t.Fatalf("the escalation after the reply: %+v", escs)
		}
		ns, _, _ := e.store.Notifications().ListNotifications(ctx, u.ID, flux.NotificationFilter{TaskID: task.ID}, flux.Page{})
		replies := 0
		for _, n := range ns {
			if n.Title == "Reply" {
				replies++
			} else if n.Response != "done" || n.RespondedAt == nil {
				t.Errorf("the answered reminder: %+v", n)
			}
		}
		if replies != 1 {
			t.Errorf("%d reply entries for three deliveries of one reply", replies)
		}
		if u2, _ := e.store.Users().GetUser(ctx, u.ID); u2.WhatsAppLastInboundAt == nil {
			t.Error("the reply did not open WhatsApp's 24-hour window")
		}
		// A reply from an unknown number is answered politely.
		if answer, err := e.tw.SendWhatsApp(ctx, hook, "whatsapp:+14155550100", "1", nil); err != nil || !strings.Contains(string(answer), "could not find") {
			t.Errorf("unknown number: %v %s", err, answer)
		}

		// A call: pressing 3 marks its task missed.
		var other taskView
		e.do("POST", "/api/v1/tasks", tok, `{"title": "Gym", "duration_minutes": 30}`).json(t, &other)
		var placed callPlaced
		if r := e.do("POST", "/notifications/call", tok, `{"phone_number": "`+phone+`", "task_title": "Gym", "task_id": "`+other.ID+`"}`); r.Code != 201 {
			t.Fatalf("call = %d %s", r.Code, r.Body)
		} else {
			r.json(t, &placed)
		}
		c, err := e.tw.WaitCall(ctx, placed.CallSID)
		if err != nil || c.FetchErr != "" {
			t.Fatalf("the call's TwiML: %v %q", err, c.FetchErr)
		}
		answer, err := e.tw.PressDigits(ctx, placed.CallSID, "3")
		if err != nil || !strings.Contains(string(answer), "marked as missed") {
			t.Fatalf("pressing 3: %v %s", err, answer)
		}
		if x, _ := e.store.Tasks().GetTask(ctx, u.ID, other.ID); x.Status != flux.TaskMissed {
			t.Errorf("after pressing 3 the task is %s", x.Status)
		}
		if err := e.tw.EndCall(ctx, placed.CallSID, "completed", 20*time.Second); err != nil {
			t.Errorf("the call's status callback: %v", err)
		}
		if n, _ := e.store.Notifications().NotificationByExternalID(ctx, placed.CallSID); n.Status != flux.NotificationDelivered || n.DeliveredAt == nil {
			t.Errorf("after the call completed its entry is %+v", n)
		}
	})
}

func TestTwilioWebhooksNeedSignatures(t *testing.T) {
	t.Parallel()
	e := newTwilioEnv(t, kindSQLite)
	paths := []string{"/notifications/call/twiml", "/notifications/call/gather", "/notifications/call/status",
		"/api/webhooks/twilio/whatsapp", "/api/webhooks/twilio/voice", "/api/v1/webhooks/twilio/whatsapp",
		"/api/v1/webhooks/twilio/voice", "/api/v1/webhooks/twilio/status"}
	form := url.Values{"CallSid": {"CA" + strings.Repeat("0", 32)}, "Digits": {"1"}, "From": {"whatsapp:+4915112345678"}, "Body": {"1"}}
	for _, p := range paths {
		for name, sig := range map[string]string{"unsigned": "", "forged": "AAAA", "for another path": e.tw.Sign(e.url+"/elsewhere", form)} {
			req, _ := http.NewRequest("POST", e.url+p, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if sig != "" {
				req.Header.Set("X-Twilio-Signature", sig)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 403 || !strings.Contains(string(b), `"detail":"Invalid Twilio signature"`) {
				t.Errorf("%s %s = %d %s", name, p, resp.StatusCode, b)
			}
		}
	}
	// Without Twilio configured nothing can be signed: 403 too.
	plain := newEnv(t, kindSQLite, auth.Config{})
	if r := plain.do("POST", "/api/v1/webhooks/twilio/whatsapp", "", "Body=1"); r.Code != 403 {
		t.Errorf("a webhook with Twilio off = %d %s", r.Code, r.Body)
	}
}

func TestEscalationDemoRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	tok, u := e.token("ada@example.com")
	for body, want := range map[string]string{
		``:               `"error":"Request body is required"`,
		`{"title": "x"}`: `"error":"Missing required fields"`,
		`{"title": "x", "message": "y", "speed": "2x"}`: `"error":"Invalid speed value: 2x"`,
	} {
		r := e.do("POST", "/api/escalation-demo/trigger", tok, body)
		if r.Code != 400 || !strings.Contains(string(r.Body), want) {
			t.Errorf("trigger %q = %d %s", body, r.Code, r.Body)
		}
	}
	var created demoCreated
	r := e.do("POST", "/api/escalation-demo/trigger", tok, `{"title": "Pills", "message": "now", "speed": "10x"}`)
	r.json(t, &created)
	esc := created.Escalation
	if r.Code != 201 || !created.Success || esc.Speed != "10x" || esc.Priority != flux.PriorityMustNotMiss || len(esc.Steps) != 3 {
		t.Fatalf("trigger = %d %s", r.Code, r.Body)
	}
	var delays []int
	var channels []string
	for _, s := range esc.Steps {
		delays, channels = append(delays, s.DelaySeconds), append(channels, s.Channel)
	}
	if !cmp.Equal([]int{0, 12, 42}, delays) || !cmp.Equal([]string{"push", "whatsapp", "phone_call"}, channels) {
		t.Errorf("steps %v %v", delays, channels)
	}
	if d := esc.Steps[2].DueAt.Sub(esc.Steps[0].DueAt); d != 54*time.Second {
		t.Errorf("the call is due %s after the push, want 54s at 10x", d)
	}
	var one demoOne
	e.do("GET", "/api/escalation-demo/escalations/"+esc.ID, tok, nil).json(t, &one)
	if one.Escalation.ID != esc.ID || !one.IsRunning {
		t.Errorf("get %+v", one)
	}
	var acked demoCreated
	e.do("POST", "/api/escalation-demo/escalations/"+esc.ID+"/acknowledge", tok, nil).json(t, &acked)
	if !acked.Escalation.IsAcknowledged || !acked.Escalation.IsComplete {
		t.Errorf("acknowledged %+v", acked.Escalation)
	}
	for _, p := range []string{"/api/escalation-demo/escalations/" + flux.NewID(), "/api/escalation-demo/escalations/nope"} {
		r := e.do("GET", p, tok, nil)
		if r.Code != 404 || !strings.Contains(string(r.Body), `"error":"Escalation not found"`) || !strings.Contains(string(r.Body), `"escalation_id"`) {
			t.Errorf("GET %s = %d %s", p, r.Code, r.Body)
		}
	}
	var list demoList
	e.do("GET", "/api/escalation-demo/escalations", tok, nil).json(t, &list)
	if list.Count != 1 || list.Escalations[0].ID != esc.ID {
		t.Errorf("list %+v", list)
	}
	if r := e.do("POST", "/api/escalation-demo/escalations/"+esc.ID+"/cancel", tok, nil); r.Code != 200 || !strings.Contains(string(r.Body), "Escalation cancelled successfully") {
		t.Errorf("cancel = %d %s", r.Code, r.Body)
	}
	if r := e.do("GET", "/api/escalation-demo", "", nil); r.Code != 200 || !strings.Contains(string(r.Body), "<title>Flux — escalation demo</title>") {
		t.Errorf("the page = %d", r.Code)
	}
	_ = u
}

func TestEscalationPolicyRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	tok, u := e.token("ada@example.com")
	var v policiesView
	e.do("GET", "/api/v1/escalation/policies", tok, nil).json(t, &v)
	if len(v.Custom) != 0 || len(v.Policies[flux.PriorityMustNotMiss]) != 3 {
		t.Errorf("defaults %+v", v)
	}
	for name, body := range map[string]string{
		"no policies":      `{}`,
		"unknown priority": `{"policies": {"urgent": [{"channel": "push"}]}}`,
		"unknown channel":  `{"policies": {"important": [{"channel": "pigeon"}]}}`,
		"negative wait":    `{"policies": {"important": [{"channel": "push", "wait_time_seconds": -1}]}}`,
		"no steps":         `{"policies": {"important": []}}`,
		"bad condition":    `{"policies": {"important": [{"channel": "push", "conditions": ["sometimes"]}]}}`,
		"eleven steps":     `{"policies": {"important": [` + strings.TrimSuffix(strings.Repeat(`{"channel": "push"},`, 11), ",") + `]}}`,
	} {
		if r := e.do("PUT", "/api/v1/escalation/policies", tok, body); r.Code != 400 {
			t.Errorf("%s = %d %s", name, r.Code, r.Body)
		}
	}
	r := e.do("PUT", "/api/v1/escalation/policies", tok, `{"policies": {"important": [{"channel": "call", "wait_time_seconds": 5}]}}`)
	r.json(t, &v)
	if r.Code != 200 || !cmp.Equal([]flux.Priority{flux.PriorityImportant}, v.Custom) || v.Policies[flux.PriorityImportant][0].Channel != flux.ChannelCall {
		t.Fatalf("put = %d %s", r.Code, r.Body)
	}
	// A started escalation copies the policy: changing it later does not
	// change the escalation.
	var created demoCreated
	e.do("POST", "/api/escalation-demo/trigger", tok, `{"title": "x", "message": "y", "priority": "important"}`).json(t, &created)
	e.do("PUT", "/api/v1/escalation/policies", tok, `{"policies": {"important": null}}`).json(t, &v)
	if len(v.Custom) != 0 {
		t.Errorf("after null: %+v", v.Custom)
	}
	esc, err := e.store.Escalations().GetEscalation(context.Background(), u.ID, created.Escalation.ID)
	if err != nil || len(esc.Steps) != 1 || esc.Steps[0].Channel != flux.ChannelCall {
		t.Errorf("the started escalation: %+v %v", esc, err)
	}
}

func TestNotifierRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	tok, u := e.token("ada@example.com")
	at := time.Now().Add(5 * time.Minute).UTC().Format(time.RFC3339)
	var due, away taskView
	e.do("POST", "/api/v1/tasks", tok, `{"title": "Stretch", "duration_minutes": 10, "scheduled_at": "`+at+`"}`).json(t, &due)
	// must_not_miss: its ladder waits two minutes before the next step, so
	// the first location escalation is still running at the second
	// trigger below (a standard ladder is one push and ends as soon as the
	// job queue has sent it, which may come between the two triggers).
	e.do("POST", "/api/v1/tasks", tok, `{"title": "Buy bread", "duration_minutes": 10, "priority": "must_not_miss", "trigger_type": "location", "location_trigger": "near the bakery"}`).json(t, &away)
	waitFor(t, "the reminder of the task inside its lead time", func() bool {
		escs, _, _ := e.store.Escalations().ListEscalations(context.Background(), u.ID, flux.EscalationFilter{TaskID: due.ID}, flux.Page{})
		return len(escs) == 1
	})
	var st notifierStatus
	e.do("GET", "/api/status", tok, nil).json(t, &st)
	if !st.SchedulerRunning || st.PendingTaskCount != 1 || st.TrackedTasks[0].TaskID != due.ID || st.TrackedTasks[0].EscalationID == nil {
		t.Errorf("status %+v", st)
	}
	if r := e.do("POST", "/api/demo/location-trigger", tok, `{"is_away": false}`); r.Code != 200 || !strings.Contains(string(r.Body), "User is at home. No trigger.") {
		t.Errorf("at home = %d %s", r.Code, r.Body)
	}
	var fired locationTriggered
	if r := e.do("POST", "/api/v1/demo/trigger-location", tok, nil); r.Code != 200 {
		t.Fatalf("trigger-location = %d %s", r.Code, r.Body)
	} else {
		r.json(t, &fired)
	}
	if fired.Triggered != 1 || fired.Message == "" {
		t.Errorf("trigger-location %+v", fired)
	}
	var again locationTriggered
	e.do("POST", "/api/v1/demo/trigger-location", tok, nil).json(t, &again)
	if again.Triggered != 0 {
		t.Errorf("a second trigger while the first runs fired %d", again.Triggered)
	}
	for path, status := range map[string]flux.TaskStatus{"/api/tasks/complete": flux.TaskDone, "/api/tasks/missed": flux.TaskMissed} {
		var x taskView
		e.do("POST", "/api/v1/tasks", tok, `{"title": "t", "duration_minutes": 10}`).json(t, &x)
		r := e.do("POST", path, tok, `{"task_id": "`+x.ID+`", "note": "ok"}`)
		if r.Code != 200 || !strings.Contains(string(r.Body), `"success":true`) {
			t.Errorf("%s = %d %s", path, r.Code, r.Body)
		}
		if got, _ := e.store.Tasks().GetTask(context.Background(), u.ID, x.ID); got.Status != status {
			t.Errorf("%s: the task is %s", path, got.Status)
		}
	}
	if r := e.do("POST", "/api/tasks/complete", tok, `{"task_id": "`+flux.NewID()+`"}`); r.Code != 404 {
		t.Errorf("completing an unknown task = %d", r.Code)
	}
	// Completing the due task stops its reminder.
	if r := e.do("POST", "/api/tasks/complete", tok, `{"task_id": "`+due.ID+`"}`); r.Code != 200 {
		t.Fatal(r.Code)
	}
	escs, _, _ := e.store.Escalations().ListEscalations(context.Background(), u.ID, flux.EscalationFilter{TaskID: due.ID}, flux.Page{})
	if escs[0].Status != flux.EscalationAcknowledged {
		t.Errorf("after completing the task its escalation is %s", escs[0].Status)
	}
}

// TestFrontendPushAndOptInRoutes: the original frontend's own routes for
// Web Push (a browser's PushSubscription.toJSON(), {} to forget) and the
// WhatsApp opt-in.
func TestFrontendPushAndOptInRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	tok, u := e.token("ada@example.com")
	ctx := context.Background()
	sub := `{"subscription": {"endpoint": "https://fcm.googleapis.com/fcm/send/abc", "expirationTime": null,
		"keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "auth": "tBHItJI5svbpez7KI4CCXg"}}}`
	for range 2 { // saved again at each login: still one device
		if r := e.do("POST", "/api/v1/account/push-subscription", tok, sub); r.Code != 200 {
			t.Fatalf("save = %d %s", r.Code, r.Body)
		}
	}
	subs, _ := e.store.PushSubscriptions().ListPushSubscriptions(ctx, u.ID)
	if len(subs) != 1 || !strings.HasPrefix(subs[0].DeviceID, "browser-") {
		t.Fatalf("subscriptions %+v", subs)
	}
	if r := e.do("POST", "/api/v1/account/push-subscription", tok, `{"subscription": {"endpoint": "https://10.0.0.1/x", "keys": {"p256dh": "x", "auth": "y"}}}`); r.Code != 400 {
		t.Errorf("a private endpoint = %d %s", r.Code, r.Body)
	}
	if r := e.do("POST", "/api/v1/account/push-subscription", tok, `{"subscription": {}}`); r.Code != 200 {
		t.Fatalf("forget = %d %s", r.Code, r.Body)
	}
	if subs, _ := e.store.PushSubscriptions().ListPushSubscriptions(ctx, u.ID); len(subs) != 0 {
		t.Errorf("after {}: %+v", subs)
	}
	if r := e.do("GET", "/api/v1/account/push-subscription/vapid-key", "", nil); r.Code != 200 || !strings.Contains(string(r.Body), "public_key") {
		t.Errorf("vapid key = %d %s", r.Code, r.Body)
	}
	if r := e.do("POST", "/api/v1/account/whatsapp/opt-in", tok, nil); r.Code != 400 {
		t.Errorf("opt-in without a phone = %d %s", r.Code, r.Body)
	}
	e.do("PATCH", "/api/v1/account/me", tok, `{"phone_number": "+4915112345678"}`)
	if r := e.do("POST", "/api/v1/account/whatsapp/opt-in", tok, nil); r.Code != 200 || !strings.Contains(string(r.Body), `"opted_in":true`) {
		t.Errorf("opt-in = %d %s", r.Code, r.Body)
	}
	if got, _ := e.store.Users().GetUser(ctx, u.ID); got.WhatsAppOptInAt == nil || got.NotificationPreferences["whatsapp_opted_in"] != true {
		t.Errorf("after opting in: %+v", got)
	}
}
