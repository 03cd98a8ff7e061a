package twilio_test

import (
	"context"
	"fmt"
	"log"
	"net/url"

	"github.com/fluxlife/flux/notify"
	"github.com/fluxlife/flux/notify/twilio"
)

// A reminder call's TwiML: the title is escaped, so it cannot add verbs.
func ExampleCallTwiML() {
	doc := twilio.CallTwiML(twilio.CallScript{
		Title:        `Call <Mom> & "Dad"`,
		GatherAction: "https://flux.example.com/notifications/call/gather?notification_id=n1",
	})
	fmt.Println(string(doc))
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <Response><Gather numDigits="1" action="https://flux.example.com/notifications/call/gather?notification_id=n1" method="POST" timeout="10"><Say voice="alice" language="en-US">Hi! This is Flux. Your task Call &lt;Mom&gt; &amp; &#34;Dad&#34; is due. Press 1 if it is done, 2 to reschedule, or 3 if you missed it.</Say></Gather><Say voice="alice" language="en-US">We did not receive your input. Goodbye.</Say></Response>
}

// Webhook signatures: what Twilio sends in X-Twilio-Signature.
func ExampleSign() {
	form := url.Values{"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"}, "Caller": {"+14158675309"},
		"From": {"+14158675309"}, "ReasonConferenceEnded": {"test"}, "Reason": {"Participant"}}
	fmt.Println(twilio.Sign("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form))
	// Output: vOEb5UThFn24KEfnOFLQY2AE5FY=
}

// Sending a WhatsApp reminder. (Not run: it would reach Twilio.)
func ExampleNewWhatsApp() {
	tw, err := twilio.New(twilio.Config{
		AccountSID:     "AC0123456789abcdef0123456789abcdef",
		AuthToken:      "your_auth_token",
		WebhookBaseURL: "https://flux.example.com",
	})
	if err != nil {
		log.Fatal(err)
	}
	r, err := twilio.NewWhatsApp(tw).Send(context.Background(), notify.Message{
		ID: "0190f3c2-0000-7000-8000-000000000001", Title: "Evening run", Body: "5 km easy, due at 18:30", To: "+4915112345678",
	})
	if err != nil {
		if temp, wait := notify.IsTemporary(err); temp {
			log.Printf("try again in %s: %v", wait, err)
		}
		return
	}
	fmt.Println(r.ProviderID)
}
