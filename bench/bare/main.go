// Command bare is the yardstick of fluxd's load tests: a bare net/http
// server that answers every GET with a small JSON array (three tasks, the
// size of a short GET /api/v1/tasks/today), encoded on each request. It does
// what any Go JSON API must do and nothing else, so a fluxd route's
// throughput divided by bare's, measured in the same run on the same
// machine (fluxload -bare), says what fluxd's own work costs.
//
//	go run ./bench/bare -addr 127.0.0.1:9090
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"time"
)

type task struct {
	ID              string    `json:"id"`
	Title           string    `json:"title"`
	Status          string    `json:"status"`
	Priority        string    `json:"priority"`
	DurationMinutes int       `json:"duration_minutes"`
	ScheduledAt     time.Time `json:"scheduled_at"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9090", "listen address")
	flag.Parse()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tasks := []task{
		{"01JNB0000000000000000000A1", "Read chapter 3", "scheduled", "standard", 30, at},
		{"01JNB0000000000000000000A2", "Run 5 km", "scheduled", "important", 45, at.Add(2 * time.Hour)},
		{"01JNB0000000000000000000A3", "Review flashcards", "scheduled", "standard", 15, at.Add(5 * time.Hour)},
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(tasks); err != nil {
			log.Print(err)
		}
	})
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
