// Package twilio delivers Flux notifications through Twilio: WhatsApp
// messages ([WhatsApp], channel "whatsapp") and phone calls ([Call],
// channel "call"), both notify.Channel implementations on top of
// github.com/twilio/twilio-go. It also holds what the HTTP layer needs to
// answer Twilio: the TwiML documents a call and a WhatsApp reply are
// answered with ([CallTwiML], [SayTwiML], [MessageTwiML], built with
// encoding/xml so that no task title can inject a verb), webhook signature
// checks ([Validator], [Sign]), a message status lookup
// ([Client.MessageStatus]) and phone number verification through Twilio
// Verify ([Verifier]).
//
// One [Client] holds the account's credentials and settings ([Config]); the
// channels and the verifier are built from it:
//
//	tw, err := twilio.New(twilio.Config{AccountSID: sid, AuthToken: token,
//		PhoneNumber: "+15005550006", WebhookBaseURL: "https://flux.example.com"})
//	whatsapp := twilio.NewWhatsApp(tw)
//	call, err := twilio.NewCall(tw)
//
// twilio-go takes no context.Context. This package bounds every request with
// the HTTP client's timeout (Config.Timeout) and still honours the caller's
// context: each operation runs on its own HTTP transport that ties the
// outgoing request to the context, so a cancelled send stops at once. The
// same transport adds the I-Twilio-Idempotency-Token header (the
// notification id) to every create, and, when Config.APIBaseURL is set,
// sends every Twilio REST host (api.twilio.com, verify.twilio.com, ...) to
// that one base URL, which is how tests point the real library at the fake
// in fluxtest.
//
// Failed sends are classified for the Dispatcher: a Twilio answer with
// status 429 or 5xx, a timeout and a connection error are temporary
// (notify.Temporary, with Twilio's Retry-After when it sent one); any other
// 4xx is permanent. Error texts keep Twilio's code and message ("Twilio
// error: <message> (Code: <code>)") with phone numbers masked; neither the
// auth token nor a full phone number appears in an error or a log line.
package twilio
