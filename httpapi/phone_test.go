package httpapi

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// stubVerifier stands in for Twilio Verify: the code of every number is
// "123456".
type stubVerifier struct {
	mu    sync.Mutex
	sent  []string
	fail  error
	check int
}

func (v *stubVerifier) Send(_ context.Context, to string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.fail != nil {
		return v.fail
	}
	v.sent = append(v.sent, to)
	return nil
}

func (v *stubVerifier) Check(_ context.Context, to, code string) (bool, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.check++
	if v.fail != nil {
		return false, v.fail
	}
	return code == "123456", nil
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestPhoneVerification(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		v := &stubVerifier{}
		e := newSignInEnv(t, kind, schedNow, Config{PhoneVerifier: v})
		logs := &syncBuf{}
		e.srv.log = slog.New(slog.NewTextHandler(logs, nil))
		alice, aliceU := e.token("alice@example.com")
		bob, bobU := e.token("bob@example.com")
		const number = "+4915112345678"

		// Bad input: 400 naming the field, before anything is sent.
		for _, c := range []struct{ path, body, field string }{
			{"send", `{"phone_number": ""}`, "phone_number"},
			{"send", `{"phone_number": "015112345678"}`, "phone_number"},
			{"send", `{"phone_number": "+0151"}`, "phone_number"},
			{"send", `{}`, "phone_number"},
			{"send", `{"phone_number": "+4915112345678", "extra": 1}`, "extra"},
			{"confirm", `{"phone_number": "+4915112345678"}`, "code"},
			{"confirm", `{"phone_number": "+4915112345678", "code": "12ab"}`, "code"},
			{"confirm", `{"phone_number": "12", "code": "123456"}`, "phone_number"},
		} {
			r := e.do("POST", "/api/v1/account/phone/verify/"+c.path, alice, c.body)
			var eb errorBody
			r.json(t, &eb)
			if r.Code != 400 || len(eb.Errors) == 0 || eb.Errors[0].Field != c.field {
				t.Errorf("%s %s = %d %s; want 400 naming %s", c.path, c.body, r.Code, r.Body, c.field)
			}
		}
		if len(v.sent) != 0 {
			t.Fatalf("bad input sent codes: %v", v.sent)
		}

		// A wrong code is refused; the number is not the user's yet.
		if r := e.do("POST", "/api/v1/account/phone/verify/send", alice, map[string]any{"phone_number": number}); r.Code != 200 ||
			strings.TrimSpace(string(r.Body)) != `{"status":"sent"}` {
			t.Fatalf("send = %d %s", r.Code, r.Body)
		}
		r := e.do("POST", "/api/v1/account/phone/verify/confirm", alice, map[string]any{"phone_number": number, "code": "654321"})
		var eb errorBody
		r.json(t, &eb)
		if r.Code != 400 || eb.Detail != "Invalid code" {
			t.Errorf("a wrong code = %d %s", r.Code, r.Body)
		}
		var me flux.User
		e.do("GET", "/api/v1/account/me", alice, nil).json(t, &me)
		if me.PhoneNumber != "" || me.PhoneVerified {
			t.Errorf("after a wrong code: %q verified %v", me.PhoneNumber, me.PhoneVerified)
		}
		// The right one sets the number, verified.
		r = e.do("POST", "/api/v1/account/phone/verify/confirm", alice, map[string]any{"phone_number": number, "code": "123456"})
		if r.Code != 200 || strings.TrimSpace(string(r.Body)) != `{"verified":true}` {
			t.Fatalf("confirm = %d %s", r.Code, r.Body)
		}
		e.do("GET", "/api/v1/account/me", alice, nil).json(t, &me)
		if me.PhoneNumber != number || !me.PhoneVerified {
			t.Errorf("after confirming: %q verified %v", me.PhoneNumber, me.PhoneVerified)
		}

		// Three sends an hour per user, then 429 with Retry-After.
		for i := range 2 {
			if r := e.do("POST", "/api/v1/account/phone/verify/send", alice, map[string]any{"phone_number": number}); r.Code != 200 {
				t.Fatalf("send %d = %d %s", i+2, r.Code, r.Body)
			}
		}
		r = e.do("POST", "/api/v1/account/phone/verify/send", alice, map[string]any{"phone_number": number})
		if r.Code != 429 || r.Header.Get("Retry-After") == "" {
			t.Errorf("a fourth send within the hour = %d %v", r.Code, r.Header)
		}
		if r := e.do("POST", "/api/v1/account/phone/verify/send", bob, map[string]any{"phone_number": "+14155550100"}); r.Code != 200 {
			t.Errorf("another user's send = %d %s", r.Code, r.Body)
		}
		// Idle for a while, the limit still holds (the bucket is not forgotten).
		e.clock.Advance(15 * time.Minute)
		e.do("POST", "/api/v1/account/phone/verify/send", bob, map[string]any{"phone_number": "+14155550100"}) // sweeps
		if r := e.do("POST", "/api/v1/account/phone/verify/send", alice, map[string]any{"phone_number": number}); r.Code != 429 {
			t.Errorf("a send 15 minutes later = %d %s", r.Code, r.Body)
		}
		e.clock.Advance(time.Hour)
		alice, bob = e.reissue(aliceU), e.reissue(bobU) // the tokens lasted an hour
		if r := e.do("POST", "/api/v1/account/phone/verify/send", alice, map[string]any{"phone_number": number}); r.Code != 200 {
			t.Errorf("a send an hour later = %d %s", r.Code, r.Body)
		}

		// A failing verifier is a 503 that shows nothing of it, and the log
		// has the number masked.
		v.fail = errors.New("twilio: 500 sending to " + number)
		r = e.do("POST", "/api/v1/account/phone/verify/confirm", bob, map[string]any{"phone_number": number, "code": "123456"})
		if r.Code != 503 || strings.Contains(string(r.Body), "twilio") || strings.Contains(string(r.Body), number) {
			t.Errorf("a failing verifier = %d %s", r.Code, r.Body)
		}
		if strings.Contains(logs.String(), number) || !strings.Contains(logs.String(), flux.MaskPhone(number)) {
			t.Errorf("the log holds the full number, or no masked one:\n%s", logs)
		}
	})
}

// reissue mints a new hour-long token for u.
func (e *signInEnv) reissue(u *flux.User) string {
	e.t.Helper()
	tok, err := e.auth.Issue(context.Background(), u, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func TestPhoneVerificationNotConfigured(t *testing.T) {
	t.Parallel()
	e := newSignInEnv(t, kindSQLite, schedNow, Config{})
	alice, _ := e.token("alice@example.com")
	for _, c := range []struct{ path, body string }{
		{"send", `{"phone_number": "+4915112345678"}`},
		{"confirm", `{"phone_number": "+4915112345678", "code": "123456"}`},
	} {
		r := e.do("POST", "/api/v1/account/phone/verify/"+c.path, alice, c.body)
		var eb errorBody
		r.json(t, &eb)
		if r.Code != 503 || !strings.Contains(eb.Detail, "TWILIO_VERIFY_SERVICE_SID") {
			t.Errorf("%s without a verifier = %d %s", c.path, r.Code, r.Body)
		}
	}
	if r := e.do("POST", "/api/v1/account/phone/verify/send", "", `{"phone_number": "+4915112345678"}`); r.Code != 401 {
		t.Errorf("send without a token = %d", r.Code)
	}
}
