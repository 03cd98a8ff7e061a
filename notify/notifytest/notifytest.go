// Package notifytest is the conformance suite of notify.Channel
// implementations: a channel is correct when it passes Run against a fake of
// its provider. The suite checks what the Dispatcher relies on: the exact
// text arrives, a receipt names the provider's id, failures are classified
// as temporary or permanent, a cancelled context stops a send, hostile and
// non-ASCII text survives, and concurrent sends are all delivered.
//
// A channel's tests call Run with a function that builds a Harness: the
// channel pointed at a fresh fake, a way to build a deliverable message, a
// view of what the fake received, and a way to make the fake fail:
//
//	func TestConformance(t *testing.T) {
//		notifytest.Run(t, func(t *testing.T) notifytest.Harness {
//			fake := fluxtest.NewTwilio(t)
//			ch := ... // the channel, pointed at fake
//			return notifytest.Harness{Channel: ch, Message: ..., Received: ..., Fail: ...}
//		})
//	}
package notifytest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/notify"
)

// Failure is a way the fake provider can fail the next send.
type Failure int

// Failures a Harness can simulate.
const (
	// FailTemporary is a failure a retry may fix: a 5xx, or a 429 with
	// Retry-After.
	FailTemporary Failure = iota + 1
	// FailPermanent is a failure a retry will not fix: the provider
	// rejects the message or the recipient (a 4xx other than 404, 410,
	// 429).
	FailPermanent
	// FailRateLimited is a 429 with a Retry-After of RetryAfter seconds.
	FailRateLimited
)

// RetryAfter is the Retry-After, in seconds, of FailRateLimited.
const RetryAfter = 7

// Delivery is one message as the fake provider received it.
type Delivery struct {
	// ProviderID is the id the fake gave the message (what the channel's
	// Receipt must name).
	ProviderID string
	// To is the address it went to (a phone number, a push endpoint).
	To string
	// Title and Body are the text as it arrived (for a provider with no
	// separate title, Title is empty and Body holds the whole text).
	Title string
	Body  string
}

// Harness is a channel under test with its fake provider.
type Harness struct {
	// Channel is the channel, pointed at a fresh fake.
	Channel notify.Channel
	// Message returns a message the channel can deliver (a recipient the
	// fake knows: a subscribed user, a phone number) with the given text.
	// The suite sets ID.
	Message func(title, body string) notify.Message
	// Received returns every message the fake has accepted so far, in
	// order of arrival.
	Received func() []Delivery
	// Fail makes the fake fail the next send in the given way.
	Fail func(Failure)
	// Contains reports whether the text a person receives, as the fake
	// received it, shows title and body (a channel may format them
	// together, e.g. "*title*\n\nbody"). Nil means: Title == title and
	// Body == body, or Title is empty and Body contains both.
	Contains func(d Delivery, title, body string) bool
}

// Run runs the conformance suite; newHarness builds a fresh harness for
// each subtest.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	t.Helper()
	cases := []struct {
		name string
		f    func(t *testing.T, h Harness)
	}{
		{"Name", testName},
		{"Delivers", testDelivers},
		{"HostileText", testHostileText},
		{"Temporary", testTemporary},
		{"RateLimited", testRateLimited},
		{"Permanent", testPermanent},
		{"Cancelled", testCancelled},
		{"Concurrent", testConcurrent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.f(t, newHarness(t))
		})
	}
}

func message(h Harness, title, body string) notify.Message {
	m := h.Message(title, body)
	m.ID = flux.NewID()
	return m
}

func contains(h Harness, d Delivery, title, body string) bool {
	if h.Contains != nil {
		return h.Contains(d, title, body)
	}
	if d.Title == title && d.Body == body {
		return true
	}
	return d.Title == "" && strings.Contains(d.Body, title) && strings.Contains(d.Body, body)
}

func send(t *testing.T, h Harness, m notify.Message) notify.Receipt {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := h.Channel.Send(ctx, m)
	if err != nil {
		t.Fatalf("Send(%q): %v", m.Title, err)
	}
	return r
}

func testName(t *testing.T, h Harness) {
	if strings.TrimSpace(h.Channel.Name()) == "" {
		t.Fatal("Name() is empty")
	}
}

func testDelivers(t *testing.T, h Harness) {
	m := message(h, "Evening run", "5 km easy, due at 18:30")
	r := send(t, h, m)
	got := h.Received()
	if len(got) != 1 {
		t.Fatalf("the fake received %d messages, want 1: %+v", len(got), got)
	}
	if !contains(h, got[0], m.Title, m.Body) {
		t.Errorf("the fake received %+v, want title %q and body %q", got[0], m.Title, m.Body)
	}
	if r.Provider == "" {
		t.Error("Receipt.Provider is empty")
	}
	if r.ProviderID == "" || !strings.Contains(r.ProviderID, got[0].ProviderID) {
		t.Errorf("Receipt.ProviderID = %q, want the fake's id %q", r.ProviderID, got[0].ProviderID)
	}
	switch r.Status {
	case flux.NotificationSent, flux.NotificationDelivered:
	default:
		t.Errorf("Receipt.Status = %q, want sent or delivered", r.Status)
	}
}

func testHostileText(t *testing.T, h Harness) {
	title := `Call <Mom> & "Dad" ' ]]> </Say><Hangup/>`
	body := "Ünïcødé ✓ — 日本語 🎯 & <b>bold</b>\nsecond line"
	m := message(h, title, body)
	send(t, h, m)
	got := h.Received()
	if len(got) != 1 || !contains(h, got[0], title, body) {
		t.Fatalf("the fake received %+v, want the hostile title %q and body %q intact", got, title, body)
	}
}

func wantFailure(t *testing.T, h Harness, kind Failure, wantTemp bool) (time.Duration, error) {
	t.Helper()
	h.Fail(kind)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := h.Channel.Send(ctx, message(h, "Fails", "this one fails"))
	if err == nil {
		t.Fatal("Send succeeded while the provider failed")
	}
	temp, after := notify.IsTemporary(err)
	if temp != wantTemp {
		t.Fatalf("IsTemporary(%v) = %v, want %v", err, temp, wantTemp)
	}
	// The next send goes through again.
	m := message(h, "After the failure", "delivered")
	send(t, h, m)
	got := h.Received()
	if len(got) == 0 || !contains(h, got[len(got)-1], m.Title, m.Body) {
		t.Fatalf("after a failure the fake received %+v, want the next message", got)
	}
	return after, err
}

func testTemporary(t *testing.T, h Harness) { wantFailure(t, h, FailTemporary, true) }

func testRateLimited(t *testing.T, h Harness) {
	after, err := wantFailure(t, h, FailRateLimited, true)
	if after != RetryAfter*time.Second {
		t.Errorf("a 429 with Retry-After %d: IsTemporary gives a wait of %s (error %v), want %ds", RetryAfter, after, err, RetryAfter)
	}
}

func testPermanent(t *testing.T, h Harness) { wantFailure(t, h, FailPermanent, false) }

func testCancelled(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := h.Channel.Send(ctx, message(h, "Never", "cancelled before sending"))
	if err == nil {
		t.Fatal("Send with a cancelled context succeeded")
	}
	if temp, _ := notify.IsTemporary(err); !temp {
		t.Errorf("IsTemporary(%v) = false for a cancelled send, want true (the send may be repeated)", err)
	}
	if n := len(h.Received()); n != 0 {
		t.Errorf("the fake received %d messages from a cancelled send", n)
	}
}

func testConcurrent(t *testing.T, h Harness) {
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, errs[i] = h.Channel.Send(ctx, message(h, fmt.Sprintf("Task %d", i), fmt.Sprintf("body %d", i)))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent sends: %v", err)
	}
	got := h.Received()
	if len(got) != n {
		t.Fatalf("the fake received %d of %d concurrent messages", len(got), n)
	}
	for i := range n {
		title, body := fmt.Sprintf("Task %d", i), fmt.Sprintf("body %d", i)
		found := false
		for _, d := range got {
			if contains(h, d, title, body) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("message %q was not received", title)
		}
	}
}
