package sqlite_test

import (
	"testing"

	"github.com/fluxlife/flux/store/storetest"
)

// TestConformance runs the shared store suite, each subtest on a fresh file.
func TestConformance(t *testing.T) {
	storetest.Run(t, open)
}

func BenchmarkListTasksWindow(b *testing.B) {
	storetest.BenchmarkListTasksWindow(b, open)
}

func BenchmarkCreateGoalPlan(b *testing.B) {
	storetest.BenchmarkCreateGoalPlan(b, open)
}
