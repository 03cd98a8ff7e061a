package twilio_test

import (
	"net/url"
	"testing"

	twclient "github.com/twilio/twilio-go/client"

	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/notify/twilio"
)

// Sign, the fake's Sign and twilio-go's validator agree.
func TestSignAgreesWithTwilioGo(t *testing.T) {
	t.Parallel()
	fake := fluxtest.NewTwilio(t)
	token := fake.AuthToken()
	rv := twclient.NewRequestValidator(token)
	tests := []struct {
		url  string
		form url.Values
	}{
		{"https://flux.example.com/api/v1/webhooks/twilio/whatsapp", url.Values{"Body": {"1"}, "From": {"whatsapp:+4915112345678"}, "MessageSid": {"SM1"}}},
		{"https://flux.example.com/notifications/call/gather?notification_id=0190-ab", url.Values{"Digits": {"1"}, "CallSid": {"CA1"}, "FinishedOnKey": {""}}},
		{"https://flux.example.com/status?CallSid=CA1", nil},
		{"http://127.0.0.1:8000/x", url.Values{"Body": {"Ünïcødé ✓ & <b> =+/?"}, "a": {"z"}, "B": {"y"}, "_": {"x"}}},
	}
	for _, tc := range tests {
		sig := twilio.Sign(token, tc.url, tc.form)
		if got := fake.Sign(tc.url, tc.form); got != sig {
			t.Errorf("%s: the fake signs %s, Sign %s", tc.url, got, sig)
		}
		params := map[string]string{}
		for k, vs := range tc.form {
			params[k] = vs[0]
		}
		if !rv.Validate(tc.url, params, sig) {
			t.Errorf("%s: twilio-go rejects Sign's signature", tc.url)
		}
		if rv.Validate(tc.url+"x", params, sig) {
			t.Errorf("%s: twilio-go accepts the signature for another URL", tc.url)
		}
	}
	// The vector of twilio-go's own request validator tests.
	vecURL := "https://mycompany.com/myapp.php?foo=1&bar=2"
	vecForm := url.Values{"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"}, "Caller": {"+14158675309"},
		"From": {"+14158675309"}, "ReasonConferenceEnded": {"test"}, "Reason": {"Participant"}}
	if got := twilio.Sign("12345", vecURL, vecForm); got != "vOEb5UThFn24KEfnOFLQY2AE5FY=" {
		t.Errorf("Sign of twilio-go's test vector = %s", got)
	}
}
