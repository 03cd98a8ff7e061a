package keyrate

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	l := New(6, 2) // a token every 10 s, bursts of 2
	for i := range 2 {
		if ok, _ := l.Allow("a", now); !ok {
			t.Fatalf("burst token %d refused", i)
		}
	}
	ok, wait := l.Allow("a", now)
	if ok || wait != 10*time.Second {
		t.Fatalf("past the burst: %v, wait %s; want refused, 10s", ok, wait)
	}
	if ok, _ := l.Allow("b", now); !ok {
		t.Error("another key shares a's bucket")
	}
	if ok, _ := l.Allow("a", now.Add(10*time.Second)); !ok {
		t.Error("a's refill was refused")
	}
	// A slow bucket (one token an hour) is not forgotten before it refilled,
	// which would hand out a fresh burst.
	slow := New(1.0/60, 1)
	if ok, _ := slow.Allow("a", now); !ok {
		t.Fatal("first token refused")
	}
	for _, after := range []time.Duration{11 * time.Minute, 30 * time.Minute, 59 * time.Minute} {
		slow.Allow("other", now.Add(after)) // sweeps
		if ok, _ := slow.Allow("a", now.Add(after)); ok {
			t.Errorf("a second token %s later, before the hour's refill", after)
		}
	}
}
