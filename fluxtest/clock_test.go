package fluxtest

import (
	"sync"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

func TestClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	var c flux.Clock = NewClock(start)
	fc := c.(*Clock)
	if !c.Now().Equal(start) {
		t.Fatalf("Now = %v", c.Now())
	}
	if got := fc.Advance(90 * time.Minute); !got.Equal(start.Add(90*time.Minute)) || !c.Now().Equal(got) {
		t.Errorf("Advance = %v, Now = %v", got, c.Now())
	}
	fc.Advance(-30 * time.Minute)
	if !c.Now().Equal(start.Add(time.Hour)) {
		t.Errorf("after moving back: %v", c.Now())
	}
	later := start.AddDate(0, 1, 0)
	fc.Set(later)
	if !c.Now().Equal(later) {
		t.Errorf("Set: %v", c.Now())
	}
}

func TestClockConcurrent(t *testing.T) {
	t.Parallel()
	c := NewClock(time.Unix(0, 0).UTC())
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Second)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got := c.Now(); !got.Equal(time.Unix(800, 0).UTC()) {
		t.Errorf("after 800 advances of 1s: %v", got)
	}
}
