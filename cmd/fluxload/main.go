// Command fluxload drives load against a running fluxd with vegeta and
// reports, per route, the throughput and the latency percentiles.
//
// Two modes:
//
//	fluxload -url http://127.0.0.1:8080 -token $TOKEN -rate 200 -duration 30s
//
// sends a realistic mix at a constant rate: authenticated reads of today's
// tasks, the goals and the task list, task completions, calendar writes,
// schedule dry runs and RAG searches (it first creates the tasks it needs).
//
//	fluxload -url ... -token ... -route 'GET /api/v1/tasks/today' -route 'GET /health' \
//	    -conns 64 -duration 10s -bare http://127.0.0.1:9090/
//
// measures the most each route serves with -conns requests in flight (a
// closed loop, as wrk does), one route after the other, and with -bare
// first measures a bare net/http JSON handler (see bench/bare) the same way
// and prints each route's ratio to it: figures taken in one run on one
// machine compare.
//
// The token is a fluxd bearer token (`fluxd token --user ID`), from -token
// or FLUX_TOKEN.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"
)

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fluxload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fluxload", flag.ContinueOnError)
	var c config
	var routes multiFlag
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "fluxd's base URL")
	fs.StringVar(&c.token, "token", os.Getenv("FLUX_TOKEN"), "bearer token (default $FLUX_TOKEN)")
	fs.IntVar(&c.rate, "rate", 100, "requests per second (route mode: only when given, else as many as -conns in flight allow)")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long each attack lasts")
	fs.IntVar(&c.conns, "conns", 64, "connections (and, in route mode, requests in flight)")
	fs.Var(&routes, "route", "route mode: `METHOD /path` to measure at -conns (repeatable)")
	fs.StringVar(&c.bare, "bare", "", "route mode: URL of a bare handler to measure first, for the ratios")
	fs.DurationVar(&c.warmup, "warmup", 2*time.Second, "route mode: unmeasured load before each attack")
	fs.IntVar(&c.tasks, "tasks", 200, "mix mode: tasks created for the completions")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c.url = strings.TrimRight(c.url, "/")
	if c.conns <= 0 || c.duration <= 0 {
		return fmt.Errorf("-conns and -duration must be positive")
	}
	if len(routes) > 0 {
		// In route mode -rate, when given, replaces the closed loop with a
		// constant rate: latencies without the queueing of a saturated server.
		c.open = false
		fs.Visit(func(f *flag.Flag) { c.open = c.open || f.Name == "rate" })
		return routeMode(ctx, c, routes, out)
	}
	if c.token == "" {
		return fmt.Errorf("the mix needs a token: -token or FLUX_TOKEN (fluxd token --user ID)")
	}
	if c.rate <= 0 {
		return fmt.Errorf("-rate must be positive")
	}
	return mixMode(ctx, c, out)
}

// config is the command line.
type config struct {
	url, token, bare string
	rate, conns      int
	tasks            int
	duration, warmup time.Duration
	open             bool // route mode at a constant rate
}
