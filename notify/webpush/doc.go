// Package webpush is the Web Push channel of Flux: a notify.Channel named
// "push" that sends a reminder to every browser or device a person
// subscribed, through github.com/SherClockHolmes/webpush-go (message
// encryption of RFC 8291, VAPID of RFC 8292).
//
// The pieces:
//
//   - Keys and LoadKeys: the server's VAPID key pair, taken from the
//     configuration (VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY) or generated
//     once and kept in the flux.SecretStore, so that subscriptions survive
//     restarts. Browsers subscribe with Keys.Public.
//   - CheckEndpoint and CheckKeys: what a subscription must look like
//     before it is stored. An endpoint must be an https URL on a known push
//     service (FCM, Mozilla, Apple, Windows) or on a host the operator
//     allowed, so that the server cannot be made to post into its own
//     network.
//   - Channel: sends one message to each of the user's devices with a TTL,
//     an Urgency that follows the message's priority and a Topic derived
//     from the notification id (a repeated send replaces an undelivered
//     copy instead of showing twice); removes subscriptions whose push
//     service answers 404 or 410; classifies failures as temporary (429
//     with its Retry-After, 5xx, network errors) or permanent, as the
//     notify.Dispatcher expects.
//
// The message a service worker receives is JSON, the original system's
// shape:
//
//	{"title": "...", "body": "...", "icon": null, "badge": null,
//	 "tag": "<task id, or else notification id>", "requireInteraction": false,
//	 "silent": false,
//	 "data": {"task_id": "...", "notification_id": "...", "url": "...", ...},
//	 "actions": [{"action": "done", "title": "✓ Done"}, ...]}
//
// requireInteraction is true for important and must_not_miss messages;
// actions default to notify.ReminderActions for a message about a task and
// are left out when there are none. A message that would not fit in one
// encrypted 4096-byte record has its body shortened with "…".
//
// In tests, fluxtest.PushService is a push service that webpush-go posts
// to: it verifies the VAPID JWT and decrypts the message.
package webpush
