package twilio

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/notify"
	twclient "github.com/twilio/twilio-go/client"
)

func TestMaskPhones(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Invalid 'To' Phone Number: +4915112345678", "Invalid 'To' Phone Number: +49*********78"},
		{"Invalid From Number (caller ID): whatsapp:+14155238886", "Invalid From Number (caller ID): whatsapp:+14*******86"},
		{"call +1 (415) 523-8886 now", "call +1 ************86 now"},
		{"/v2/Services/VA0123456789abcdef0123456789abcdef/Verifications", "/v2/Services/VA0123456789abcdef0123456789abcdef/Verifications"},
		{"error 21211 at 2026-03-04", "error 21211 at 2026-03-04"},
		{"number 4915112345678.", "number 491********78."},
		{"", ""},
	}
	for _, tc := range tests {
		if got := maskPhones(tc.in); got != tc.want {
			t.Errorf("maskPhones(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// roundTripFunc records what a transport sends on.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTransportRedirectsEveryHost(t *testing.T) {
	t.Parallel()
	base, err := baseURL("http://127.0.0.1:8123/twilio/")
	if err != nil {
		t.Fatal(err)
	}
	var got []*http.Request
	tr := &transport{ctx: context.Background(), apiBase: base, token: "n-1", base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = append(got, r)
		return &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"12"}}, Body: io.NopCloser(strings.NewReader("{}"))}, nil
	})}
	for _, u := range []string{
		"https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json",
		"https://verify.twilio.com/v2/Services/VA1/Verifications?x=1",
		"https://api.dublin.ie1.twilio.com/2010-04-01/Accounts/AC1/Calls.json",
		"https://lookups.twilio.com/v2/PhoneNumbers/%2B4915112345678",
	} {
		req, _ := http.NewRequest(http.MethodPost, u, nil)
		if _, err := tr.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
	get, _ := http.NewRequest(http.MethodGet, "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/SM1.json", nil)
	if _, err := tr.RoundTrip(get); err != nil {
		t.Fatal(err)
	}
	want := []struct{ url, host, token string }{
		{"http://127.0.0.1:8123/twilio/2010-04-01/Accounts/AC1/Messages.json", "api.twilio.com", "n-1"},
		{"http://127.0.0.1:8123/twilio/v2/Services/VA1/Verifications?x=1", "verify.twilio.com", "n-1"},
		{"http://127.0.0.1:8123/twilio/2010-04-01/Accounts/AC1/Calls.json", "api.dublin.ie1.twilio.com", "n-1"},
		{"http://127.0.0.1:8123/twilio/v2/PhoneNumbers/%2B4915112345678", "lookups.twilio.com", "n-1"},
		{"http://127.0.0.1:8123/twilio/2010-04-01/Accounts/AC1/Messages/SM1.json", "api.twilio.com", ""},
	}
	for i, w := range want {
		r := got[i]
		if r.URL.String() != w.url || r.Header.Get("X-Forwarded-Host") != w.host || r.Header.Get(IdempotencyHeader) != w.token || r.Host != "" {
			t.Errorf("request %d: %s host %q token %q Host %q; want %s %q %q", i, r.URL, r.Header.Get("X-Forwarded-Host"), r.Header.Get(IdempotencyHeader), r.Host, w.url, w.host, w.token)
		}
	}
	if status, after := tr.last(); status != 429 || after != "12" {
		t.Errorf("last() = %d, %q", status, after)
	}
}

func TestTransportWithoutBaseKeepsHost(t *testing.T) {
	t.Parallel()
	var got *http.Request
	tr := &transport{ctx: context.Background(), base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r
		return &http.Response{StatusCode: 201, Body: io.NopCloser(strings.NewReader("{}"))}, nil
	})}
	req, _ := http.NewRequest(http.MethodPost, "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json", nil)
	if _, err := tr.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if got.URL.Host != "api.twilio.com" || got.Header.Get("X-Forwarded-Host") != "" || got.Header.Get(IdempotencyHeader) != "" {
		t.Errorf("sent %s with headers %v", got.URL, got.Header)
	}
}

func TestTransportStopsWithItsContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	tr := &transport{ctx: ctx, base: roundTripFunc(func(*http.Request) (*http.Response, error) { called = true; return nil, errors.New("sent") })}
	req, _ := http.NewRequest(http.MethodPost, "https://api.twilio.com/x", strings.NewReader("a=b"))
	if _, err := tr.RoundTrip(req); !errors.Is(err, context.Canceled) || called {
		t.Errorf("err %v, sent %v; want context.Canceled before sending", err, called)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	c, err := New(Config{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "token123",
		Clock: flux.ClockFunc(func() time.Time { return time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC) })})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		status     int
		retryAfter string
		err        error
		temporary  bool
		after      time.Duration
		text       string
	}{
		{"rest 400", 400, "", &twclient.TwilioRestError{Status: 400, Code: 21211, Message: "Invalid 'To' Phone Number: +4915112345678"}, false, 0, "Twilio error: Invalid 'To' Phone Number: +49*********78 (Code: 21211)"},
		{"rest 429 date", 429, "Wed, 04 Mar 2026 12:01:00 GMT", &twclient.TwilioRestError{Status: 429, Code: 20429, Message: "Too Many Requests"}, true, time.Minute, "(Code: 20429)"},
		{"rest 502", 502, "", &twclient.TwilioRestError{Status: 502, Code: 20502, Message: "Bad Gateway"}, true, 0, ""},
		{"v1 error", 0, "", &twclient.RestErrorV1{HttpStatusCode: 422, Code: 20001, Message: "bad"}, false, 0, "Twilio error: bad (Code: 20001)"},
		{"html 503", 503, "5", errors.New("error decoding the response for an HTTP error code: 503"), true, 5 * time.Second, ""},
		{"html 403", 403, "", errors.New("error decoding the response for an HTTP error code: 403"), false, 0, ""},
		{"network", 0, "", &url.Error{Op: "Post", URL: "https://api.twilio.com/x", Err: errors.New("connection refused")}, true, 0, ""},
	}
	for _, tc := range tests {
		s := &session{tr: &transport{status: tc.status, retryAfter: tc.retryAfter}}
		err := c.classify(context.Background(), s, "op", tc.err)
		temp, after := notify.IsTemporary(err)
		if temp != tc.temporary || after != tc.after {
			t.Errorf("%s: IsTemporary(%v) = %v, %s; want %v, %s", tc.name, err, temp, after, tc.temporary, tc.after)
		}
		if tc.text != "" && !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: %q lacks %q", tc.name, err, tc.text)
		}
		if strings.Contains(err.Error(), "+4915112345678") {
			t.Errorf("%s: %q shows the phone number", tc.name, err)
		}
	}
}
