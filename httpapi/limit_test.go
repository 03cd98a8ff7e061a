package httpapi

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/voice"
)

// TestOfflineRoutesAreNotLimited: with no paid provider configured the
// offline planner answers for free, so the planner conversation, goal
// creation, chat and voice intents are never limited (the original's test
// suite failed at its 11th planner call; 20 parallel offline goal
// creations got ten 429s).
func TestOfflineRoutesAreNotLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	e.srv = New(Config{Store: e.store, Auth: e.auth, Logger: e.srv.log, Scheduler: e.srv.sched, ExpensivePerMinute: 1, ExpensiveBurst: 1})
	alice, _ := e.token("alice@example.com")
	for i := range 30 {
		if r := e.do("POST", "/goals/start", alice, `{"message": "Run a 10k in 10 weeks"}`); r.Code != 200 {
			t.Fatalf("planner call %d = %d %s", i+1, r.Code, r.Body)
		}
	}
	var wg sync.WaitGroup
	codes := make([]int, 20)
	for i := range codes {
		wg.Go(func() {
			codes[i] = e.do("POST", "/api/v1/goals", alice, fmt.Sprintf(`{"title": "Read book %d", "plan": true}`, i)).Code
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != 201 {
			t.Errorf("parallel goal creation %d = %d", i, c)
		}
	}
	for i := range 15 {
		if r := e.do("POST", "/api/v1/chat/message", alice, `{"message": "hello"}`); r.Code == 429 {
			t.Fatalf("chat message %d = 429", i+1)
		}
	}
}

// TestOneBucketPerProvider: with the LLM and Twilio both paid, using up the
// LLM's bucket leaves the voice session (Deepgram, not configured here:
// unlimited) and the other providers alone; a negative limit turns the
// limits off.
func TestOneBucketPerProvider(t *testing.T) {
	t.Parallel()
	e := newVoiceEnv(t, kindSQLite, true)
	alice, _ := e.user("alice@example.com")
	s := e.srv
	clock := fluxtest.NewClock(voiceNow)
	e.srv = New(Config{Store: e.store, Auth: e.auth, Clock: clock, Logger: s.log, Scheduler: s.sched, Voice: s.voice,
		Paid: []Provider{ProviderLLM}, ExpensivePerMinute: 2, ExpensiveBurst: 2})
	for range 2 {
		if r := e.do("POST", "/goals/start", alice, `{"message": "Run a 10k"}`); r.Code != 200 {
			t.Fatalf("goal start = %d %s", r.Code, r.Body)
		}
	}
	r := e.do("POST", "/api/v1/goals", alice, `{"title": "Read", "plan": false}`)
	if r.Code != 429 {
		t.Fatalf("third LLM call = %d %s", r.Code, r.Body)
	}
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 30 {
		t.Errorf("Retry-After = %q, want the seconds until a token (30 at 2/min)", r.Header.Get("Retry-After"))
	}
	// Deepgram is not listed as paid here: its route is not limited by the
	// LLM's empty bucket.
	if r := e.do("POST", "/api/v1/voice/session", alice, nil); r.Code != 200 {
		t.Fatalf("voice session with the LLM's bucket empty = %d %s", r.Code, r.Body)
	}
	clock.Advance(31 * time.Second)
	if r := e.do("POST", "/api/v1/goals", alice, `{"title": "Read", "plan": false}`); r.Code != 201 {
		t.Fatalf("after Retry-After = %d %s", r.Code, r.Body)
	}

	off := New(Config{Store: e.store, Auth: e.auth, Clock: clock, Logger: s.log, Scheduler: s.sched,
		Paid: []Provider{ProviderLLM, ProviderDeepgram, ProviderTwilio}, ExpensivePerMinute: -1})
	e.srv = off
	for i := range 15 {
		if r := e.do("POST", "/goals/start", alice, `{"message": "Run a 10k"}`); r.Code != 200 {
			t.Fatalf("limits off: call %d = %d", i+1, r.Code)
		}
	}
}

// TestVoiceSessionLimitRetryAfter: the voice service's own limit on how
// fast sessions start answers 429 with Retry-After too.
func TestVoiceSessionLimitRetryAfter(t *testing.T) {
	t.Parallel()
	e := newVoiceEnv(t, kindSQLite, true)
	alice, _ := e.user("alice@example.com")
	var last response
	for i := range voice.DefaultBurstLimit + 1 {
		last = e.do("POST", "/api/v1/voice/session", alice, nil)
		if last.Code == 200 {
			var info voice.SessionInfo
			last.json(t, &info)
			e.do("DELETE", "/api/v1/voice/session/"+info.SessionID, alice, nil)
		} else if i < voice.DefaultBurstLimit {
			t.Fatalf("session %d = %d %s", i+1, last.Code, last.Body)
		}
	}
	if last.Code != 429 {
		t.Fatalf("session past the burst = %d %s", last.Code, last.Body)
	}
	ra, err := strconv.Atoi(last.Header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > int(voice.DefaultBurstWindow.Seconds()) {
		t.Errorf("Retry-After = %q", last.Header.Get("Retry-After"))
	}
}
