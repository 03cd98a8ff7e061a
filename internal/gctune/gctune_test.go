package gctune

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, floor uint64
		want        int
	}{
		{0, 64 * mib, MaxPercent},
		{1 * mib, 64 * mib, 2000},  // 6300 capped
		{4 * mib, 64 * mib, 1500},  // goal 64 MiB
		{16 * mib, 64 * mib, 300},  // goal 64 MiB
		{32 * mib, 64 * mib, 100},  // half the floor: GOGC's own
		{500 * mib, 64 * mib, 100}, // above: GOGC's own
	} {
		if got := Percent(c.live, c.floor); got != c.want {
			t.Errorf("Percent(%d MiB, %d MiB) = %d, want %d", c.live/mib, c.floor/mib, got, c.want)
		}
	}
}

func gogc() uint64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestTunerFollowsTheLiveHeap: with a small live heap the percent rises
// after a collection; with a live heap above half the floor it is 100;
// stop restores the percent from before.
func TestTunerFollowsTheLiveHeap(t *testing.T) {
	old := debug.SetGCPercent(80)
	defer debug.SetGCPercent(old)
	const floor = 256 << 20
	stop := Start(floor)
	for range 3 { // a finalizer runs after the collection that finds it
		runtime.GC()
	}
	waitPercent(t, func(p uint64) bool { return p > 100 }, "above 100 with a small live heap")

	keep := make([][]byte, 0, 200)
	for range 200 {
		keep = append(keep, make([]byte, 1<<20)) // 200 MiB live: above half the floor
	}
	waitPercent(t, func(p uint64) bool { return p == 100 }, "100 with 200 MiB live")
	runtime.KeepAlive(keep)

	stop()
	if p := gogc(); p != 80 {
		t.Fatalf("after stop: %d, want the 80 from before", p)
	}
	runtime.GC()
	runtime.GC()
	if p := gogc(); p != 80 {
		t.Fatalf("a stopped tuner changed the percent to %d", p)
	}
}

// waitPercent collects until the percent satisfies ok (up to 20 cycles).
func waitPercent(t *testing.T, ok func(uint64) bool, what string) {
	t.Helper()
	for range 20 {
		runtime.GC()
		runtime.Gosched()
		if ok(gogc()) {
			return
		}
	}
	t.Fatalf("GC percent %d, want %s", gogc(), what)
}

// TestStartReplaces: a second Start replaces the first; the first's stop
// does nothing, the second's restores the percent from before both.
func TestStartReplaces(t *testing.T) {
	old := debug.SetGCPercent(70)
	defer debug.SetGCPercent(old)
	stopA := Start(256 << 20)
	stopB := Start(256 << 20)
	waitPercent(t, func(p uint64) bool { return p > 100 }, "above 100")
	stopA()
	waitPercent(t, func(p uint64) bool { return p > 100 }, "still tuned after the replaced tuner's stop")
	stopB()
	if p := gogc(); p != 70 {
		t.Fatalf("after both: %d, want 70", p)
	}
}
