package storetest_test

import (
	"path/filepath"
	"testing"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/store/sqlite"
	"github.com/fluxlife/flux/store/storetest"
)

// A store's test file runs the suite with an Opener that gives every
// subtest a fresh, empty store. These functions go in the store package's
// _test.go file; go test then runs TestConformance and, with -bench, the two
// shared benchmarks.
func ExampleRun() {
	open := func(tb testing.TB, clock flux.Clock) flux.Store {
		s, err := sqlite.Open(tb.Context(), filepath.Join(tb.TempDir(), "flux.db"), &sqlite.Options{Clock: clock})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { s.Close() })
		return s
	}

	// func TestConformance(t *testing.T) { storetest.Run(t, open) }
	testConformance := func(t *testing.T) { storetest.Run(t, open) }
	// func BenchmarkListTasksWindow(b *testing.B) { storetest.BenchmarkListTasksWindow(b, open) }
	benchmarkListTasksWindow := func(b *testing.B) { storetest.BenchmarkListTasksWindow(b, open) }
	// func BenchmarkCreateGoalPlan(b *testing.B) { storetest.BenchmarkCreateGoalPlan(b, open) }
	benchmarkCreateGoalPlan := func(b *testing.B) { storetest.BenchmarkCreateGoalPlan(b, open) }

	_, _, _ = testConformance, benchmarkListTasksWindow, benchmarkCreateGoalPlan
}
