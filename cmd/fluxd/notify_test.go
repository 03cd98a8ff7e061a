package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux/fluxtest"
)

// callJSON is f.do decoding the body into v, which it must fit.
func (f *fluxd) callJSON(t *testing.T, method, path, token, body string, v any) int {
	t.Helper()
	code, b := f.do(t, method, path, token, body)
	if v != nil && len(b) > 0 {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return code
}

type logEntry struct {
	ID           string  `json:"id"`
	Channel      string  `json:"channel"`
	Status       string  `json:"status"`
	Provider     string  `json:"provider"`
	TaskID       *string `json:"task_id"`
	EscalationID *string `json:"escalation_id"`
	ProviderID   *string `json:"provider_id"`
	Title        string  `json:"title"`
	Body         string  `json:"body"`
	Error        *string `json:"error"`
	Response     *string `json:"response"`
	Attempts     int     `json:"attempts"`
	SentAt       *string `json:"sent_at"`
}

func (f *fluxd) notifications(t *testing.T, token, query string) []logEntry {
	t.Helper()
	var out struct {
		Notifications []logEntry `json:"notifications"`
	}
	if code := f.callJSON(t, "GET", "/api/v1/notifications"+query, token, "", &out); code != 200 {
		t.Fatalf("GET /api/v1/notifications%s = %d", query, code)
	}
	return out.Notifications
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// subscribeBody is a browser's subscription of device d.
func subscribeBody(d *fluxtest.PushDevice, deviceID string) string {
	b, _ := json.Marshal(map[string]any{
		"subscription": map[string]any{"endpoint": d.Endpoint, "keys": map[string]string{"p256dh": d.P256DH, "auth": d.Auth}, "expirationTime": nil},
		"device_id":    deviceID, "device_name": "Laptop", "user_agent": "Mozilla/5.0",
	})
	return string(b)
}

// TestNotificationsWithNoKeys is the first trial, as a new user with
// no keys: the VAPID public key is there and survives a restart; a push to
// a subscribed device, a WhatsApp and a call all succeed (the last two
// through the log channel) and appear in the notification log.
func TestNotificationsWithNoKeys(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			push := fluxtest.NewPushService(t)
			vars := map[string]string{"FLUX_DATA_DIR": t.TempDir(), "FLUX_PUSH_ALLOWED_HOSTS": push.Host()}
			if backend == "postgres" {
				vars["DATABASE_URL"] = freshPostgresURL(t)
			}
			f := start(t, vars)
			for _, want := range []string{"name=push provider=\"webpush (VAPID keys generated", "name=whatsapp provider=\"log", "name=call provider=\"log"} {
				if !strings.Contains(f.logs.String(), want) {
					t.Errorf("startup log lacks %q", want)
				}
			}
			var key struct {
				PublicKey string `json:"public_key"`
			}
			if code := f.callJSON(t, "GET", "/notifications/push/vapid-public-key", "", "", &key); code != 200 || len(key.PublicKey) < 80 {
				t.Fatalf("vapid key = %d %q", code, key.PublicKey)
			}
			push.RequireVAPIDKey(key.PublicKey)
			alice := mintToken(t, vars, "alice@example.com")
			dev := push.Subscribe()
			if code, body := f.call(t, "POST", "/notifications/push/subscribe", alice, subscribeBody(dev, "laptop")); code != 200 || body["success"] != true {
				t.Fatalf("subscribe = %d %v", code, body)
			}
			if code, body := f.call(t, "POST", "/notifications/push", alice, `{"notification": {"title": "Evening run", "body": "5 km easy"}}`); code != 200 || body["sent_to"] != 1.0 {
				t.Fatalf("push = %d %v", code, body)
			}
			if m := push.Messages(); len(m) != 1 || m[0].Title != "Evening run" || m[0].Body != "5 km easy" {
				t.Fatalf("the push service received %+v", m)
			}
			if code, _ := f.call(t, "PATCH", "/api/v1/account/me", alice, `{"phone_number": "+4915112345678"}`); code != 200 {
				t.Fatal("set phone")
			}
			if code, body := f.call(t, "POST", "/notifications/whatsapp", alice, `{"task_id": "t1", "task_title": "Buy milk", "recipient_number": "whatsapp:+4915112345678"}`); code != 200 || body["success"] != true {
				t.Fatalf("whatsapp = %d %v", code, body)
			}
			if code, body := f.call(t, "POST", "/notifications/call", alice, `{"phone_number": "+4915112345678", "task_title": "Take the pills"}`); code != 201 || !strings.HasPrefix(fmt.Sprint(body["call_sid"]), "log-") {
				t.Fatalf("call = %d %v", code, body)
			}
			log := f.notifications(t, alice, "")
			got := map[string]logEntry{}
			for _, n := range log {
				got[n.Channel] = n
			}
			for ch, provider := range map[string]string{"push": "webpush", "whatsapp": "log", "call": "log"} {
				n, ok := got[ch]
				if !ok || n.Status != "sent" || n.Provider != provider || n.ProviderID == nil || n.SentAt == nil {
					t.Errorf("%s in the log: %+v", ch, n)
				}
			}
			if !strings.Contains(f.logs.String(), "no provider configured") || strings.Contains(f.logs.String(), "+4915112345678") {
				t.Errorf("the server log should show the log channel's sends and never the full number")
			}
			// Another user sees nothing of it.
			bob := mintToken(t, vars, "bob@example.com")
			if n := f.notifications(t, bob, ""); len(n) != 0 {
				t.Errorf("bob sees %d notifications", len(n))
			}
			// The VAPID key survives a restart.
			f.stop()
			f2 := start(t, vars)
			var again struct {
				PublicKey string `json:"public_key"`
			}
			f2.callJSON(t, "GET", "/notifications/push/vapid-public-key", "", "", &again)
			if again.PublicKey != key.PublicKey {
				t.Errorf("the VAPID key changed across a restart: %q, then %q", key.PublicKey, again.PublicKey)
			}
		})
	}
}

// TestNotificationsThroughFakes is the second trial: with the fakes
// configured through the environment, the real libraries deliver through a
// running fluxd; webhooks are checked; numbers are the caller's own.
func TestNotificationsThroughFakes(t *testing.T) {
	t.Parallel()
	push := fluxtest.NewPushService(t)
	tw := fluxtest.NewTwilio(t)
	ln := listen(t)
	base := "http://" + ln.Addr().String()
	vars := map[string]string{
		"FLUX_DATA_DIR": t.TempDir(), "FLUX_PUSH_ALLOWED_HOSTS": push.Host(), "VAPID_CLAIMS_EMAIL": "ops@flux.example",
		"TWILIO_ACCOUNT_SID": tw.AccountSID(), "TWILIO_AUTH_TOKEN": tw.AuthToken(), "TWILIO_API_BASE_URL": tw.URL(),
		"TWILIO_PHONE_NUMBER": "+15005550006", "TWILIO_WHATSAPP_FROM": "+14155238886", "TWILIO_WEBHOOK_BASE_URL": base,
	}
	f := startOn(t, vars, ln)
	for _, want := range []string{"name=whatsapp provider=\"twilio via", "name=call provider=\"twilio via"} {
		if !strings.Contains(f.logs.String(), want) {
			t.Errorf("startup log lacks %q", want)
		}
	}
	alice := mintToken(t, vars, "alice@example.com")
	const phone = "+4915112345678"
	if code, _ := f.call(t, "PATCH", "/api/v1/account/me", alice, `{"phone_number": "`+phone+`"}`); code != 200 {
		t.Fatal("set phone")
	}

	// Web Push: the push service decrypts exactly what was sent and
	// verifies VAPID (aud = its origin, exp under 24 h, the contact).
	var key struct {
		PublicKey string `json:"public_key"`
	}
	f.callJSON(t, "GET", "/notifications/push/vapid-public-key", "", "", &key)
	push.RequireVAPIDKey(key.PublicKey)
	phoneDev, laptop := push.Subscribe(), push.Subscribe()
	for id, d := range map[string]*fluxtest.PushDevice{"phone": phoneDev, "laptop": laptop} {
		if code, _ := f.call(t, "POST", "/notifications/push/subscribe", alice, subscribeBody(d, id)); code != 200 {
			t.Fatalf("subscribe %s = %d", id, code)
		}
	}
	title, body := "Run <5 km> & \"stretch\"", "Ünïcødé ✓ 🎯"
	b, _ := json.Marshal(map[string]any{"notification": map[string]any{"title": title, "body": body}})
	if code, res := f.call(t, "POST", "/notifications/push", alice, string(b)); code != 200 || res["sent_to"] != 2.0 {
		t.Fatalf("push = %d %v", code, res)
	}
	msgs := push.Messages()
	if len(msgs) != 2 {
		t.Fatalf("the push service received %d messages", len(msgs))
	}
	for _, m := range msgs {
		if m.Title != title || m.Body != body || m.TTL <= 0 || m.Urgency == "" || m.Topic == "" {
			t.Errorf("received %+v", m)
		}
		if m.Claims.Aud != push.URL() || !m.Claims.Exp.After(time.Now()) || m.Claims.Exp.After(time.Now().Add(24*time.Hour)) || m.Claims.Sub != "mailto:ops@flux.example" {
			t.Errorf("VAPID claims %+v", m.Claims)
		}
	}
	// A 410 removes the subscription: the next push goes to the other
	// device only.
	push.Gone(laptop.Endpoint)
	if code, res := f.call(t, "POST", "/notifications/push", alice, `{"notification": {"title": "a", "body": "b"}}`); code != 200 || res["sent_to"] != 1.0 || res["failed"] != 1.0 {
		t.Fatalf("push to a gone device = %d %v", code, res)
	}
	if code, res := f.call(t, "POST", "/notifications/push", alice, `{"notification": {"title": "c", "body": "d"}}`); code != 200 || res["sent_to"] != 1.0 || res["failed"] != 0.0 {
		t.Fatalf("push after the 410 = %d %v", code, res)
	}
	if n := len(push.MessagesTo(laptop.Endpoint)); n != 1 {
		t.Errorf("the gone device got %d messages, want only the first", n)
	}

	// WhatsApp: the exact body arrives.
	if code, res := f.call(t, "POST", "/notifications/whatsapp", alice, `{"task_id": "t1", "task_title": "Buy milk", "recipient_number": "`+phone+`", "custom_message": "Milk 🥛 & <bread>"}`); code != 200 {
		t.Fatalf("whatsapp = %d %v", code, res)
	}
	if m := tw.Messages(); len(m) != 1 || m[0].Body != "Milk 🥛 & <bread>" || m[0].To != "whatsapp:"+phone || m[0].From != "whatsapp:+14155238886" {
		t.Fatalf("twilio received %+v", m)
	}
	// A number that is not the caller's is refused.
	if code, _ := f.call(t, "POST", "/notifications/whatsapp", alice, `{"task_id": "t1", "task_title": "x", "recipient_number": "+14155550100"}`); code != 403 {
		t.Errorf("whatsapp to another number = %d, want 403", code)
	}
	if code, _ := f.call(t, "POST", "/notifications/call", alice, `{"task_title": "x", "phone_number": "+14155550100"}`); code != 403 {
		t.Errorf("call to another number = %d, want 403", code)
	}

	// A call for a task with a hostile title: Twilio fetches well-formed
	// TwiML from fluxd (signed), and pressing 1 completes the task.
	hostile := `Call <Mom> & "Dad" ]]> </Say><Hangup/>`
	var task struct {
		ID string `json:"id"`
	}
	tb, _ := json.Marshal(map[string]any{"title": hostile, "duration_minutes": 15})
	if code := f.callJSON(t, "POST", "/api/v1/tasks", alice, string(tb), &task); code != 201 {
		t.Fatalf("create task = %d", code)
	}
	cb, _ := json.Marshal(map[string]any{"task_title": hostile, "phone_number": phone, "task_id": task.ID})
	var placed struct {
		CallSID string `json:"call_sid"`
	}
	if code := f.callJSON(t, "POST", "/notifications/call", alice, string(cb), &placed); code != 201 || !strings.HasPrefix(placed.CallSID, "CA") {
		t.Fatalf("call = %d %+v", code, placed)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := tw.WaitCall(ctx, placed.CallSID)
	if err != nil || c.FetchErr != "" || len(c.Says) == 0 || !strings.Contains(c.Says[0], hostile) {
		t.Fatalf("the call's TwiML: err %v, fetch %q, says %q\n%s", err, c.FetchErr, c.Says, c.TwiML)
	}
	answer, err := tw.PressDigits(ctx, placed.CallSID, "1")
	if err != nil || !strings.Contains(string(answer), "marked as done") {
		t.Fatalf("pressing 1: %v %s", err, answer)
	}
	var got struct {
		Status string `json:"status"`
	}
	f.callJSON(t, "GET", "/api/v1/tasks/"+task.ID, alice, "", &got)
	if got.Status != "done" {
		t.Errorf("after pressing 1 the task is %q", got.Status)
	}

	// Webhooks: unsigned or forged → 403; signed → 200.
	hook := base + "/api/v1/webhooks/twilio/whatsapp"
	form := url.Values{"From": {"whatsapp:" + phone}, "Body": {"1"}, "MessageSid": {"SM" + strings.Repeat("a", 32)}}
	for name, sig := range map[string]string{"unsigned": "", "forged": "bm90IGEgc2lnbmF0dXJl", "signed for another URL": tw.Sign(base+"/api/webhooks/twilio/whatsapp", form)} {
		req, _ := http.NewRequest("POST", hook, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if sig != "" {
			req.Header.Set("X-Twilio-Signature", sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rb, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 403 || !strings.Contains(string(rb), "Invalid Twilio signature") {
			t.Errorf("%s webhook = %d %s", name, resp.StatusCode, rb)
		}
	}
	if _, err := tw.SendWhatsApp(ctx, hook, "whatsapp:"+phone, "2", nil); err != nil {
		t.Errorf("a signed WhatsApp reply: %v", err)
	}
	// Another user sees nothing of Alice's log.
	bob := mintToken(t, vars, "bob@example.com")
	if n := f.notifications(t, bob, ""); len(n) != 0 {
		t.Errorf("bob sees %d notifications", len(n))
	}
	if n := f.notifications(t, alice, "?channel=call"); len(n) != 1 || n[0].Response == nil || *n[0].Response != "done" {
		t.Errorf("alice's call in the log: %+v", n)
	}
}

// TestPhoneVerificationThroughTwilioVerify: with TWILIO_VERIFY_SERVICE_SID
// set, a number is verified through Twilio Verify (the fake), and WhatsApp
// messages and calls go only to a verified number.
func TestPhoneVerificationThroughTwilioVerify(t *testing.T) {
	t.Parallel()
	tw := fluxtest.NewTwilio(t)
	ln := listen(t)
	vars := map[string]string{
		"FLUX_DATA_DIR": t.TempDir(), "TWILIO_ACCOUNT_SID": tw.AccountSID(), "TWILIO_AUTH_TOKEN": tw.AuthToken(),
		"TWILIO_API_BASE_URL": tw.URL(), "TWILIO_VERIFY_SERVICE_SID": tw.VerifyServiceSID(),
		"TWILIO_PHONE_NUMBER": "+15005550006", "TWILIO_WEBHOOK_BASE_URL": "http://" + ln.Addr().String(),
	}
	f := startOn(t, vars, ln)
	if !strings.Contains(f.logs.String(), `name="phone verification" provider="twilio verify`) {
		t.Errorf("no phone verification capability line:\n%s", f.logs)
	}
	alice := mintToken(t, vars, "alice@example.com")
	const phone = "+4915112345678"
	if code, _ := f.call(t, "PATCH", "/api/v1/account/me", alice, `{"phone_number": "`+phone+`"}`); code != 200 {
		t.Fatal("set phone")
	}
	wa := `{"task_id": "t1", "task_title": "Buy milk", "recipient_number": "` + phone + `"}`
	if code, body := f.call(t, "POST", "/notifications/whatsapp", alice, wa); code != 403 {
		t.Errorf("whatsapp to an unverified number = %d %v", code, body)
	}
	if code, body := f.call(t, "POST", "/api/v1/account/phone/verify/send", alice, `{"phone_number": "`+phone+`"}`); code != 200 {
		t.Fatalf("verify/send = %d %v", code, body)
	}
	if code, body := f.call(t, "POST", "/api/v1/account/phone/verify/confirm", alice, `{"phone_number": "`+phone+`", "code": "000000"}`); code == 200 && body["verified"] == true {
		t.Fatalf("a wrong code verified the number: %v", body)
	}
	if code, body := f.call(t, "POST", "/api/v1/account/phone/verify/confirm", alice, `{"phone_number": "`+phone+`", "code": "`+tw.VerifyCode(phone)+`"}`); code != 200 || body["verified"] != true {
		t.Fatalf("verify/confirm = %d %v", code, body)
	}
	if _, me := f.call(t, "GET", "/api/v1/account/me", alice, ""); me["phone_verified"] != true {
		t.Errorf("after confirming: %v", me)
	}
	if code, body := f.call(t, "POST", "/notifications/whatsapp", alice, wa); code != 200 {
		t.Errorf("whatsapp to the verified number = %d %v", code, body)
	}
	if m := tw.Messages(); len(m) != 1 || m[0].To != "whatsapp:"+phone {
		t.Errorf("twilio received %+v", m)
	}
}
