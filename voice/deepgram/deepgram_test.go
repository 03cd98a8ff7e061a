package deepgram

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
)

func TestMinter(t *testing.T) {
	t.Parallel()
	dg := fluxtest.NewDeepgram(t)
	clock := fluxtest.NewClock(start)
	dg.SetClock(clock.Now)
	m, err := NewMinter(dg.APIKey(), &Options{BaseURL: dg.URL() + "/", TTL: 5 * time.Minute, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := m.Mint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !dg.Valid(tok.AccessToken) || !tok.ExpiresAt.Equal(start.Add(5*time.Minute)) {
		t.Fatalf("token %v valid=%v", tok, dg.Valid(tok.AccessToken))
	}
	req := dg.Requests()[0]
	if req.Authorization != "Token "+dg.APIKey() || req.ContentType != "application/json" || string(req.Body) != `{"ttl_seconds":300}` {
		t.Fatalf("request %+v body %s", req, req.Body)
	}
	// Nothing prints the secret.
	for _, s := range []string{tok.String(), fmt.Sprintf("%v %+v %#v", tok, tok, tok), slog.AnyValue(tok).String()} {
		if strings.Contains(s, tok.AccessToken) {
			t.Fatalf("%q shows the token", s)
		}
	}
}

func TestMinterErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		reply  fluxtest.DeepgramReply
		key    string
		code   string
		msg    string
		detail string
	}{
		{name: "bad key", key: "wrong-key", code: flux.EUnavailable, msg: "rejected the server's API key", detail: "HTTP 401: INVALID_AUTH: Invalid credentials."},
		{name: "forbidden", reply: fluxtest.DeepgramReply{Status: 403}, code: flux.EUnavailable, msg: "rejected"},
		{name: "rate limited", reply: fluxtest.DeepgramReply{Status: 429}, code: flux.ETooMany, msg: "busy"},
		{name: "bad request", reply: fluxtest.DeepgramReply{Status: 400, Body: `{"err_code":"Bad Request","err_msg":"ttl_seconds\nout of range"}`},
			code: flux.EUnavailable, msg: "could not issue", detail: "HTTP 400: Bad Request: ttl_seconds out of range"},
		{name: "server error", reply: fluxtest.DeepgramReply{Status: 502, Body: "<html>bad gateway</html>"}, code: flux.EUnavailable, msg: "could not issue", detail: "HTTP 502"},
		{name: "timeout", reply: fluxtest.DeepgramReply{Hang: true}, code: flux.EUnavailable, msg: "did not answer in time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dg := fluxtest.NewDeepgram(t)
			if tc.reply != (fluxtest.DeepgramReply{}) {
				dg.Reply(tc.reply)
			}
			key := dg.APIKey()
			if tc.key != "" {
				key = tc.key
			}
			m, err := NewMinter(key, &Options{BaseURL: dg.URL(), Timeout: 100 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			_, err = m.Mint(context.Background())
			wantCode(t, err, tc.code)
			if !strings.Contains(flux.ErrorMessage(err), tc.msg) {
				t.Errorf("message %q lacks %q", flux.ErrorMessage(err), tc.msg)
			}
			if tc.detail != "" && !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("error %q lacks %q", err.Error(), tc.detail)
			}
			if strings.Contains(err.Error(), key) {
				t.Errorf("error %q shows the key", err.Error())
			}
		})
	}
}

func TestMinterBadResponse(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{}`, `not json`, `{"access_token":""}`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, body)
		}))
		m, _ := NewMinter("k", &Options{BaseURL: srv.URL})
		_, err := m.Mint(context.Background())
		srv.Close()
		wantCode(t, err, flux.EUnavailable)
	}
	// Without expires_in the TTL asked for is assumed.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"access_token":"abc"}`)
	}))
	defer srv.Close()
	m, _ := NewMinter("k", &Options{BaseURL: srv.URL, TTL: time.Minute, Clock: flux.ClockFunc(func() time.Time { return start })})
	tok, err := m.Mint(context.Background())
	if err != nil || !tok.ExpiresAt.Equal(start.Add(time.Minute)) {
		t.Fatalf("%v %v", tok, err)
	}
	// Unreachable.
	m, _ = NewMinter("k", &Options{BaseURL: "http://127.0.0.1:1"})
	_, err = m.Mint(context.Background())
	wantCode(t, err, flux.EUnavailable)
}

func TestNewMinterOptions(t *testing.T) {
	t.Parallel()
	_, err := NewMinter(" ", nil)
	wantCode(t, err, flux.EUnavailable)
	_, err = NewMinter("k", &Options{TTL: 2 * time.Hour})
	wantCode(t, err, flux.EInvalid)
	_, err = NewMinter("k", &Options{BaseURL: "ftp://x"})
	wantCode(t, err, flux.EInvalid)
	if m, err := NewMinter("k", nil); err != nil || m.baseURL != DefaultBaseURL || m.ttl != time.Hour {
		t.Fatalf("defaults: %+v %v", m, err)
	}
}

var start = time.Date(2026, 3, 4, 20, 20, 0, 0, time.UTC)

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := flux.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}
