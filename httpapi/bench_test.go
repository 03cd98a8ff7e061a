package httpapi

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/scheduler"
)

// BenchmarkTodayRoute serves GET /api/v1/tasks/today (8 tasks today) from
// the whole handler, authentication, access log and store included, on
// each store: the CPU and allocations fluxd spends on it, less the network.
// cmd/fluxload and bench/run.sh measure it over the network.
func BenchmarkTodayRoute(b *testing.B) {
	for _, kind := range []storeKind{kindSQLite, kindPostgres} {
		b.Run(string(kind), func(b *testing.B) {
			e := newEnv(b, kind, auth.Config{})
			tok, u := e.token("bench@example.com")
			day := time.Now().UTC().Truncate(24 * time.Hour)
			for h := 8; h < 16; h++ {
				at := day.Add(time.Duration(h) * time.Hour)
				t := &flux.Task{UserID: u.ID, Title: fmt.Sprintf("Task at %d", h), DurationMinutes: 30, ScheduledAt: &at, Priority: flux.PriorityStandard}
				if err := e.m.sched.CreateTaskWith(context.Background(), u, t, scheduler.CreateOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			if r := e.do("GET", "/api/v1/tasks/today", tok, nil); r.Code != 200 {
				b.Fatalf("today: %d %s", r.Code, r.Body)
			}
			req := httptest.NewRequest("GET", "/api/v1/tasks/today", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			b.ReportAllocs()
			b.ResetTimer()
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					rec := httptest.NewRecorder()
					e.srv.ServeHTTP(rec, req.Clone(context.Background()))
					if rec.Code != 200 {
						b.Errorf("today: %d %s", rec.Code, rec.Body)
						return
					}
				}
			})
		})
	}
}
