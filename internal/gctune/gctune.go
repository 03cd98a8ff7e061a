// Package gctune keeps the garbage collector's heap goal at or above a
// floor. With GOGC=100 a server with a small live heap (fluxd's is a few
// MiB) collects every few MiB allocated, dozens of times a second under
// load; each cycle costs marking the roots and its assists whatever the
// heap. After every cycle, Start's tuner sets the GC percent so that the
// next goal is about the floor (Go adds the stacks and globals) while the
// live heap is below half of it, and leaves GOGC's 100 (the heap grows to
// twice the live heap) above that: memory is bounded by about
// max(floor, 2 × live), as without the tuner once the live heap passes
// half the floor. GOMEMLIMIT still applies.
package gctune

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// MaxPercent caps the percent the tuner sets.
const MaxPercent = 2000

var (
	mu      sync.Mutex
	running bool
	gen     uint64 // bumped by each Start and stop, so an old tuner ends
	before  int    // the percent in force before the first Start
)

// Start tunes the GC percent after every collection until stop is called,
// which restores the percent in force before. floor is in bytes. Only one
// tuner runs at a time: Start while one runs replaces it, and its stop
// restores the percent from before the first.
func Start(floor uint64) (stop func()) {
	mu.Lock()
	gen++
	g := gen
	if !running {
		before = debug.SetGCPercent(100)
		debug.SetGCPercent(before)
		running = true
	}
	mu.Unlock()
	arm(g, floor)
	return func() {
		mu.Lock()
		defer mu.Unlock()
		if gen != g {
			return
		}
		gen++
		running = false
		debug.SetGCPercent(before)
	}
}

// sentinel is an object whose finalizer runs once per collection.
type sentinel struct{ _ [16]byte }

// arm sets a finalizer on a new unreachable object: it runs after the
// next collection, tunes, and arms again.
func arm(g, floor uint64) {
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
		mu.Lock()
		if !running || gen != g {
			mu.Unlock()
			return
		}
		debug.SetGCPercent(Percent(liveHeap(), floor))
		mu.Unlock()
		arm(g, floor)
	})
}

// Percent is the GC percent that puts the heap goal at floor for a live
// heap of live bytes: at least 100, at most MaxPercent.
func Percent(live, floor uint64) int {
	if live == 0 {
		return MaxPercent
	}
	if floor <= 2*live {
		return 100
	}
	p := (floor - live) * 100 / live
	if p > MaxPercent {
		return MaxPercent
	}
	return int(p)
}

var liveSample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

// liveHeap is the heap marked live by the last collection. It runs with mu
// held, which guards liveSample.
func liveHeap() uint64 {
	metrics.Read(liveSample)
	if liveSample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return liveSample[0].Value.Uint64()
}
