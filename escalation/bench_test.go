package escalation_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/escalation"
	"github.com/fluxlife/flux/store/jobs/jobstest"
)

// BenchmarkStart measures escalations started per second on each store:
// one transaction each, the escalation row and a durable job per step of
// the must_not_miss ladder (push, WhatsApp, call). The queue is not working
// jobs, so this is the cost of starting alone.
func BenchmarkStart(b *testing.B) {
	for _, kind := range jobstest.Kinds {
		b.Run(kind, func(b *testing.B) {
			e := newEnv(b, kind, envOptions{manual: true})
			u := flux.NewUser(flux.NewID(), "", "Ada")
			u.PhoneNumber = "+4915112345678"
			if err := e.raw.Users().CreateUser(e.ctx, u); err != nil {
				b.Fatal(err)
			}
			later := time.Now().Add(time.Hour)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, _, err := e.esc.Start(e.ctx, escalation.Request{UserID: u.ID, Title: "Take the pills", Message: "now",
					Priority: flux.PriorityMustNotMiss, Start: later, Key: fmt.Sprint("bench-", i)}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "escalations/s")
		})
	}
}
