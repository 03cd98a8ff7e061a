package fluxtest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	twclient "github.com/twilio/twilio-go/client"
)

// twilioDo sends a form to the fake with the given credentials and returns
// the status, the headers and the decoded JSON.
func twilioDo(t *testing.T, f *Twilio, method, path, user, pass string, form url.Values, header http.Header) (int, http.Header, map[string]any) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, f.URL()+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s %s: not JSON: %s", method, path, b)
	}
	return resp.StatusCode, resp.Header, out
}

func (f *Twilio) post(t *testing.T, path string, form url.Values, header http.Header) (int, http.Header, map[string]any) {
	t.Helper()
	return twilioDo(t, f, http.MethodPost, path, f.AccountSID(), f.AuthToken(), form, header)
}

func messagesPath(f *Twilio) string {
	return "/2010-04-01/Accounts/" + f.AccountSID() + "/Messages.json"
}
func callsPath(f *Twilio) string { return "/2010-04-01/Accounts/" + f.AccountSID() + "/Calls.json" }

func TestTwilioAuth(t *testing.T) {
	t.Parallel()
	f := NewTwilio(t)
	form := url.Values{"To": {"+4915112345678"}, "From": {"+15005550006"}, "Body": {"hi"}}
	for _, tc := range []struct{ name, user, pass, path string }{
		{"none", "", "", messagesPath(f)},
		{"wrong token", f.AccountSID(), "nope", messagesPath(f)},
		{"wrong account", "AC00000000000000000000000000000000", f.AuthToken(), messagesPath(f)},
		{"another account's path", f.AccountSID(), f.AuthToken(), "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json"},
	} {
		status, _, out := twilioDo(t, f, http.MethodPost, tc.path, tc.user, tc.pass, form, nil)
		if status != 401 || out["code"] != float64(20003) || out["status"] != float64(401) || out["message"] != "Authenticate" || out["more_info"] != "https://www.twilio.com/docs/errors/20003" {
			t.Errorf("%s: %d %v", tc.name, status, out)
		}
	}
	if len(f.Messages()) != 0 {
		t.Error("an unauthenticated request created a message")
	}
}

func TestTwilioMessageValidation(t *testing.T) {
	t.Parallel()
	f := NewTwilio(t)
	wa := "whatsapp:+4915112345678"
	from := "whatsapp:+14155238886"
	tests := []struct {
		name string
		form url.Values
		code float64
	}{
		{"no To", url.Values{"From": {from}, "Body": {"x"}}, 21604},
		{"no From", url.Values{"To": {wa}, "Body": {"x"}}, 21603},
		{"mixed channels", url.Values{"To": {wa}, "From": {"+14155238886"}, "Body": {"x"}}, 21910},
		{"bad To", url.Values{"To": {"whatsapp:0151"}, "From": {from}, "Body": {"x"}}, 21211},
		{"bad From", url.Values{"To": {wa}, "From": {"whatsapp:abc"}, "Body": {"x"}}, 21212},
		{"no body", url.Values{"To": {wa}, "From": {from}}, 21602},
		{"bad content sid", url.Values{"To": {wa}, "From": {from}, "ContentSid": {"HX1"}}, 21655},
		{"bad variables", url.Values{"To": {wa}, "From": {from}, "ContentSid": {"HX0123456789abcdef0123456789abcdef"}, "ContentVariables": {`{"1": 2}`}}, 21656},
		{"too long", url.Values{"To": {wa}, "From": {from}, "Body": {strings.Repeat("é", 1601)}}, 21617},
		{"bad callback", url.Values{"To": {wa}, "From": {from}, "Body": {"x"}, "StatusCallback": {"/relative"}}, 21609},
	}
	for _, tc := range tests {
		status, _, out := f.post(t, messagesPath(f), tc.form, nil)
		if status != 400 || out["code"] != tc.code {
			t.Errorf("%s: %d %v, want 400 code %v", tc.name, status, out, tc.code)
		}
	}
	status, _, out := f.post(t, messagesPath(f), url.Values{"To": {wa}, "From": {from}, "Body": {strings.Repeat("é", 1600)}}, nil)
	if status != 201 {
		t.Fatalf("a valid message: %d %v", status, out)
	}
	sid, _ := out["sid"].(string)
	if len(sid) != 34 || !strings.HasPrefix(sid, "SM") || out["status"] != "queued" || out["to"] != wa || out["from"] != from || out["direction"] != "outbound-api" {
		t.Errorf("resource %v", out)
	}
	if _, err := time.Parse(time.RFC1123Z, out["date_created"].(string)); err != nil {
		t.Errorf("date_created: %v", err)
	}
	status, _, got := twilioDo(t, f, http.MethodGet, "/2010-04-01/Accounts/"+f.AccountSID()+"/Messages/"+sid+".json", f.AccountSID(), f.AuthToken(), nil, nil)
	if status != 200 || got["sid"] != sid {
		t.Errorf("fetch: %d %v", status, got)
	}
	status, _, got = twilioDo(t, f, http.MethodGet, "/2010-04-01/Accounts/"+f.AccountSID()+"/Messages/SM0123456789abcdef0123456789abcdef.json", f.AccountSID(), f.AuthToken(), nil, nil)
	if status != 404 || got["code"] != float64(20404) {
		t.Errorf("fetch unknown: %d %v", status, got)
	}
	if n := len(f.Messages()); n != 1 {
		t.Errorf("%d messages recorded, want 1", n)
	}
}

func TestTwilioFailuresAndIdempotency(t *testing.T) {
	t.Parallel()
	f := NewTwilio(t)
	form := url.Values{"To": {"+4915112345678"}, "From": {"+15005550006"}, "Body": {"hi"}}
	tok := http.Header{"I-Twilio-Idempotency-Token": {"n-1"}}
	f.Fail(429, 20429, 1500*time.Millisecond)
	status, h, out := f.post(t, messagesPath(f), form, tok)
	if status != 429 || h.Get("Retry-After") != "2" || out["code"] != float64(20429) {
		t.Errorf("scripted failure: %d %v %v", status, h, out)
	}
	_, _, first := f.post(t, messagesPath(f), form, tok)
	_, _, again := f.post(t, messagesPath(f), form, tok)
	_, _, other := f.post(t, messagesPath(f), form, http.Header{"I-Twilio-Idempotency-Token": {"n-2"}})
	if first["sid"] != again["sid"] || first["sid"] == other["sid"] {
		t.Errorf("sids %v %v %v: want the first two equal and the third new", first["sid"], again["sid"], other["sid"])
	}
	if n := len(f.Messages()); n != 2 {
		t.Errorf("%d messages recorded, want 2", n)
	}
	reqs := f.Requests()
	if len(reqs) != 4 || reqs[0].Status != 429 || !reqs[2].Replayed || reqs[1].Replayed || reqs[2].IdempotencyToken != "n-1" {
		t.Errorf("requests %+v", reqs)
	}

	// A hang lasts until the client gives up.
	f.Hang()
	client := &http.Client{Timeout: 200 * time.Millisecond}
	req, _ := http.NewRequest(http.MethodPost, f.URL()+messagesPath(f), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(f.AccountSID(), f.AuthToken())
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Error("a hanging create answered")
	}
}

func TestTwilioForwardedHost(t *testing.T) {
	t.Parallel()
	f := NewTwilio(t)
	form := url.Values{"To": {"+4915112345678"}, "Channel": {"sms"}}
	path := "/v2/Services/" + f.VerifyServiceSID() + "/Verifications"
	if status, _, out := f.post(t, path, form, http.Header{"X-Forwarded-Host": {"api.twilio.com"}}); status != 404 {
		t.Errorf("verify on the api host: %d %v", status, out)
	}
	if status, _, out := f.post(t, path, form, http.Header{"X-Forwarded-Host": {"verify.twilio.com"}}); status != 201 {
		t.Errorf("verify on its host: %d %v", status, out)
	}
	if got := f.Requests()[1].Host; got != "verify.twilio.com" {
		t.Errorf("recorded host %q", got)
	}
}

func TestTwilioVerify(t *testing.T) {
	t.Parallel()
	f := NewTwilio(t)
	to := "+4915112345678"
	sendPath := "/v2/Services/" + f.VerifyServiceSID() + "/Verifications"
	checkPath := "/v2/Services/" + f.VerifyServiceSID() + "/VerificationCheck"
	if status, _, out := f.post(t, "/v2/Services/VA00000000000000000000000000000000/Verifications", url.Values{"To": {to}, "Channel": {"sms"}}, nil); status != 404 {
		t.Errorf("unknown service: %d %v", status, out)
	}
	if status, _, out := f.post(t, sendPath, url.Values{"To": {to}, "Channel": {"pigeon"}}, nil); status != 400 || out["code"] != float64(60200) {
		t.Errorf("bad channel: %d %v", status, out)
	}
	if status, _, out := f.post(t, checkPath, url.Values{"To": {to}, "Code": {"123456"}}, nil); status != 404 {
		t.Errorf("check with nothing pending: %d %v", status, out)
	}
	status, _, out := f.post(t, sendPath, url.Values{"To": {to}, "Channel": {"sms"}}, nil)
	if status != 201 || out["status"] != "pending" || out["channel"] != "sms" || !strings.HasPrefix(out["sid"].(string), "VE") {
		t.Fatalf("send: %d %v", status, out)
	}
	code := f.VerifyCode(to)
	f.post(t, sendPath, url.Values{"To": {to}, "Channel": {"sms"}}, nil)
	if f.VerifyCode(to) != code || f.Verifications()[0].Sends != 2 {
		t.Errorf("a resend changed the code or was not counted: %+v", f.Verifications())
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 1; i <= 5; i++ {
		status, _, out := f.post(t, checkPath, url.Values{"To": {to}, "Code": {wrong}}, nil)
		if status != 200 || out["status"] != "pending" || out["valid"] != false {
			t.Fatalf("wrong code %d: %d %v", i, status, out)
		}
	}
	if status, _, out := f.post(t, checkPath, url.Values{"To": {to}, "Code": {code}}, nil); status != 200 || out["status"] != "approved" || out["valid"] != true {
		t.Errorf("the right code after 5 wrong: %d %v", status, out)
	}
	if f.VerifyCode(to) != "" {
		t.Error("an approved verification still has a pending code")
	}

	// Six wrong codes end the verification.
	to2 := "+4917000000001"
	f.post(t, sendPath, url.Values{"To": {to2}, "Channel": {"sms"}}, nil)
	code2 := f.VerifyCode(to2)
	wrong2 := "000000"
	if code2 == wrong2 {
		wrong2 = "111111"
	}
	var last int
	for range 6 {
		last, _, out = f.post(t, checkPath, url.Values{"To": {to2}, "Code": {wrong2}}, nil)
	}
	if last != 429 || out["code"] != float64(60202) {
		t.Errorf("sixth wrong code: %d %v", last, out)
	}
}

func TestTwilioCallFetchesTwiML(t *testing.T) {
	t.Parallel()
	f := NewTwilio(t)
	var mu sync.Mutex
	var seen []*http.Request
	var forms []url.Values
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		seen = append(seen, r)
		forms = append(forms, r.PostForm)
		mu.Unlock()
		switch r.URL.Path {
		case "/twiml":
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Gather numDigits="1" action="/gather?n=1"><Say>Press 1 &amp; go</Say></Gather><Say>Bye</Say></Response>`)
		case "/gather":
			_, _ = io.WriteString(w, `<Response><Say>Thanks</Say><Hangup/></Response>`)
		case "/broken":
			_, _ = io.WriteString(w, `<Response><Say>unclosed</Response>`)
		case "/status":
			w.WriteHeader(204)
		}
	}))
	t.Cleanup(app.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	create := func(form url.Values) string {
		t.Helper()
		status, _, out := f.post(t, callsPath(f), form, nil)
		if status != 201 {
			t.Fatalf("create %v: %d %v", form, status, out)
		}
		sid := out["sid"].(string)
		if !strings.HasPrefix(sid, "CA") || len(sid) != 34 || out["status"] != "queued" {
			t.Errorf("call resource %v", out)
		}
		return sid
	}
	base := url.Values{"To": {"+4915112345678"}, "From": {"+15005550006"}}
	with := func(kv ...string) url.Values {
		v := cloneValues(base)
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}

	sid := create(with("Url", app.URL+"/twiml", "StatusCallback", app.URL+"/status", "StatusCallbackEvent", "completed"))
	c, err := f.WaitCall(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	if c.FetchErr != "" || c.FetchStatus != 200 || len(c.Says) != 2 || c.Says[0] != "Press 1 & go" || c.GatherAction != app.URL+"/gather?n=1" || c.GatherMethod != "POST" {
		t.Fatalf("call %+v", c)
	}
	mu.Lock()
	r0, f0 := seen[0], forms[0]
	mu.Unlock()
	rv := twclient.NewRequestValidator(f.AuthToken())
	params := map[string]string{}
	for k, v := range f0 {
		params[k] = v[0]
	}
	if !rv.Validate(app.URL+"/twiml", params, r0.Header.Get("X-Twilio-Signature")) {
		t.Error("the TwiML fetch is not validly signed")
	}
	for k, want := range map[string]string{"CallSid": sid, "AccountSid": f.AccountSID(), "From": "+15005550006", "To": "+4915112345678", "CallStatus": "in-progress", "Direction": "outbound-api", "ApiVersion": "2010-04-01"} {
		if f0.Get(k) != want {
			t.Errorf("TwiML fetch %s = %q, want %q", k, f0.Get(k), want)
		}
	}

	answer, err := f.PressDigits(ctx, sid, "1")
	if err != nil || !strings.Contains(string(answer), "Thanks") {
		t.Errorf("PressDigits: %s %v", answer, err)
	}
	mu.Lock()
	f1 := forms[1]
	mu.Unlock()
	if f1.Get("Digits") != "1" || f1.Get("CallSid") != sid {
		t.Errorf("gather form %v", f1)
	}
	if err := f.EndCall(ctx, sid, "completed", 30*time.Second); err != nil {
		t.Error(err)
	}
	mu.Lock()
	f2 := forms[2]
	mu.Unlock()
	if f2.Get("CallStatus") != "completed" || f2.Get("CallDuration") != "30" {
		t.Errorf("status callback %v", f2)
	}

	// A malformed document and an unreachable URL are recorded, not
	// answered to the create.
	c, _ = f.WaitCall(ctx, create(with("Url", app.URL+"/broken")))
	if !strings.Contains(c.FetchErr, "not well-formed") {
		t.Errorf("broken TwiML: FetchErr %q", c.FetchErr)
	}
	c, _ = f.WaitCall(ctx, create(with("Url", "http://127.0.0.1:1/twiml")))
	if c.FetchErr == "" || c.FetchStatus != 0 {
		t.Errorf("unreachable: %+v", c)
	}
	if _, err := f.PressDigits(ctx, c.SID, "1"); err == nil {
		t.Error("PressDigits on a call without TwiML succeeded")
	}
	// Inline TwiML is parsed as it is.
	c, _ = f.WaitCall(ctx, create(with("Twiml", "<Response><Say>Inline</Say></Response>")))
	if len(c.Says) != 1 || c.Says[0] != "Inline" {
		t.Errorf("inline: %+v", c)
	}

	for _, tc := range []struct {
		form url.Values
		code float64
	}{
		{url.Values{"From": {"+15005550006"}, "Url": {app.URL}}, 21201},
		{url.Values{"To": {"+4915112345678"}, "Url": {app.URL}}, 21213},
		{url.Values{"To": {"whatsapp:+4915112345678"}, "From": {"+15005550006"}, "Url": {app.URL}}, 21211},
		{base, 21205},
		{with("Url", "twiml.xml"), 21205},
		{with("Url", app.URL, "StatusCallbackEvent", "failed"), 20001},
		{with("Url", app.URL, "Method", "PUT"), 20001},
	} {
		status, _, out := f.post(t, callsPath(f), tc.form, nil)
		if status != 400 || out["code"] != tc.code {
			t.Errorf("%v: %d %v, want code %v", tc.form, status, out, tc.code)
		}
	}
	if n := len(f.Calls()); n != 4 {
		t.Errorf("%d calls recorded, want 4", n)
	}
}

func TestTwilioWebhookHelpers(t *testing.T) {
	t.Parallel()
	f := NewTwilio(t)
	var mu sync.Mutex
	var got url.Values
	var sigOK bool
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		got = r.PostForm
		sigOK = r.Header.Get("X-Twilio-Signature") == f.Sign("http://"+r.Host+r.URL.RequestURI(), r.PostForm)
		mu.Unlock()
		switch r.URL.Path {
		case "/reply":
			_, _ = io.WriteString(w, "<Response><Message>ok</Message></Response>")
		case "/json":
			_, _ = io.WriteString(w, `{"ok": true}`)
		default:
			w.WriteHeader(403)
		}
	}))
	t.Cleanup(app.Close)
	ctx := context.Background()
	last := func() (url.Values, bool) {
		mu.Lock()
		defer mu.Unlock()
		return got, sigOK
	}
	b, err := f.SendWhatsApp(ctx, app.URL+"/reply", "+4915112345678", "done", url.Values{"ProfileName": {"Ada"}})
	form, signed := last()
	if err != nil || string(b) != "<Response><Message>ok</Message></Response>" || !signed {
		t.Errorf("SendWhatsApp: %s %v (signature ok %v)", b, err, signed)
	}
	want := map[string]string{"From": "whatsapp:+4915112345678", "To": DefaultTwilioWhatsAppNumber, "Body": "done", "WaId": "4915112345678", "ProfileName": "Ada", "NumMedia": "0", "AccountSid": f.AccountSID()}
	for k, v := range want {
		if form.Get(k) != v {
			t.Errorf("inbound %s = %q, want %q", k, form.Get(k), v)
		}
	}
	if !strings.HasPrefix(form.Get("MessageSid"), "SM") {
		t.Errorf("MessageSid %q", form.Get("MessageSid"))
	}
	if _, err := f.SendWhatsApp(ctx, app.URL+"/json", "+4915112345678", "x", nil); err == nil {
		t.Error("a JSON answer to a WhatsApp webhook passed as TwiML")
	}
	_, err = f.StatusCallback(ctx, app.URL+"/forbidden", url.Values{"CallSid": {"CA1"}})
	var we *WebhookError
	if !errors.As(err, &we) || we.Status != 403 {
		t.Errorf("a refused webhook: %v", err)
	}
}

func TestParseTwiML(t *testing.T) {
	t.Parallel()
	good := `<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Gather numDigits="1" action="/g"><Say voice="alice">One &lt;two&gt;</Say></Gather>
  <Say>Three</Say>
  <Message><Body>Hi</Body></Message>
  <Hangup/>
</Response>`
	tw, err := ParseTwiML([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	g, ok := tw.Gather()
	if !ok || g.Attrs["action"] != "/g" || len(tw.Says()) != 2 || tw.Says()[0] != "One <two>" || !tw.Hangup() || tw.Messages()[0] != "Hi" {
		t.Errorf("parsed %+v", tw)
	}
	if tw, err := ParseTwiML([]byte("<Response/>")); err != nil || len(tw.Verbs) != 0 {
		t.Errorf("empty response: %+v %v", tw, err)
	}
	for _, bad := range []string{
		"", "not xml", "<Response>", "<Response><Say>a</Response>", "<Reply><Say>a</Say></Reply>",
		"<Response><Say>a</Say><Script>x</Script></Response>", "<Response>text</Response>",
		"<Response></Response><Response></Response>", "<Response><Say>a & b</Say></Response>",
	} {
		if _, err := ParseTwiML([]byte(bad)); err == nil {
			t.Errorf("ParseTwiML(%q) succeeded", bad)
		}
	}
}
