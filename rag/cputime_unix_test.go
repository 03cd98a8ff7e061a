//go:build unix

package rag

import (
	"syscall"
	"testing"
	"time"
)

// reportCPU reports, when the returned function is called at the end of a
// benchmark, the process CPU time (user and system, garbage collection
// included) per iteration as cpu-ns/op: on a machine shared with other
// work, it varies far less than the wall-clock ns/op.
func reportCPU(b *testing.B) func() {
	start := processCPU()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
