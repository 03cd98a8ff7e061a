package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// stats are one route's figures.
type stats struct {
	name    string
	metrics vegeta.Metrics
}

// attack runs tr against the server for du: at rate requests per second,
// or, with rate 0, as fast as conns requests in flight allow. Results are
// grouped by label(result).
func attack(ctx context.Context, tr vegeta.Targeter, rate, conns int, du time.Duration, label func(*vegeta.Result) string) []*stats {
	opts := []func(*vegeta.Attacker){
		vegeta.Connections(conns), vegeta.MaxConnections(conns), vegeta.KeepAlive(true),
		vegeta.HTTP2(false), vegeta.Timeout(30 * time.Second),
	}
	pacer := vegeta.Rate{Freq: rate, Per: time.Second}
	if rate == 0 {
		// A closed loop: exactly conns workers, each sending its next
		// request when the last one is answered.
		opts = append(opts, vegeta.Workers(uint64(conns)), vegeta.MaxWorkers(uint64(conns)))
	} else {
		opts = append(opts, vegeta.MaxWorkers(uint64(4*conns)))
	}
	a := vegeta.NewAttacker(opts...)
	go func() {
		<-ctx.Done()
		a.Stop()
	}()
	by := map[string]*stats{}
	total := &stats{name: "all"}
	for res := range a.Attack(tr, pacer, du, "fluxload") {
		total.metrics.Add(res)
		k := label(res)
		s := by[k]
		if s == nil {
			s = &stats{name: k}
			by[k] = s
		}
		s.metrics.Add(res)
	}
	out := make([]*stats, 0, len(by))
	for _, s := range by {
		s.metrics.Close()
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	if len(out) > 1 {
		total.metrics.Close()
		out = append(out, total)
	}
	return out
}

// throughput is what a route served per second: successful responses over
// the attack's wall time.
func throughput(m *vegeta.Metrics) float64 { return m.Throughput }

// printTable writes the figures, with each route's ratio to base when base
// is not zero.
func printTable(w io.Writer, rows []*stats, base float64) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight|tabwriter.Debug)
	head := "route\trequests\treq/s ok\tsuccess\tp50\tp90\tp99\tmax\tcodes\t"
	if base > 0 {
		head += "× bare\t"
	}
	fmt.Fprintln(tw, head)
	for _, s := range rows {
		m := &s.metrics
		line := fmt.Sprintf("%s\t%d\t%.0f\t%.1f%%\t%s\t%s\t%s\t%s\t%s\t", s.name, m.Requests, throughput(m), 100*m.Success,
			ms(m.Latencies.P50), ms(m.Latencies.P90), ms(m.Latencies.P99), ms(m.Latencies.Max), codes(m))
		if base > 0 {
			line += fmt.Sprintf("%.2f\t", throughput(m)/base)
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

func codes(m *vegeta.Metrics) string {
	var ks []string
	for k := range m.StatusCodes {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var b strings.Builder
	for i, k := range ks {
		if i > 0 {
			b.WriteByte(' ')
		}
		name := k
		if k == "0" {
			name = "err"
		}
		fmt.Fprintf(&b, "%s:%d", name, m.StatusCodes[k])
	}
	return b.String()
}

// routeMode measures each route (and first the bare handler) at c.conns in
// flight.
func routeMode(ctx context.Context, c config, routes []string, out io.Writer) error {
	var targets []vegeta.Target
	for _, r := range routes {
		method, path, ok := strings.Cut(strings.TrimSpace(r), " ")
		if !ok || !strings.HasPrefix(path, "/") {
			return fmt.Errorf("-route %q: want METHOD /path", r)
		}
		t := vegeta.Target{Method: strings.ToUpper(method), URL: c.url + path, Header: http.Header{}}
		if c.token != "" {
			t.Header.Set("Authorization", "Bearer "+c.token)
		}
		if t.Method == "POST" || t.Method == "PATCH" || t.Method == "PUT" {
			t.Header.Set("Content-Type", "application/json")
		}
		targets = append(targets, t)
	}
	var rows []*stats
	var base float64
	rate := 0
	if c.open {
		rate = c.rate
	}
	one := func(name string, tr vegeta.Targeter) {
		if c.warmup > 0 {
			attack(ctx, tr, rate, c.conns, c.warmup, func(*vegeta.Result) string { return "" })
		}
		st := attack(ctx, tr, rate, c.conns, c.duration, func(*vegeta.Result) string { return name })
		rows = append(rows, st...)
	}
	if c.bare != "" {
		one("bare net/http", vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: c.bare}))
		if len(rows) > 0 {
			base = throughput(&rows[0].metrics)
		}
	}
	for i, t := range targets {
		if ctx.Err() != nil {
			break
		}
		one(routes[i], bodies(t))
	}
	if c.open {
		fmt.Fprintf(out, "%d req/s on up to %d connections, %s each\n", rate, c.conns, c.duration)
	} else {
		fmt.Fprintf(out, "%d connections, %s each\n", c.conns, c.duration)
	}
	printTable(out, rows, base)
	return ctx.Err()
}

// bodies returns a targeter of t that gives the write routes it knows a
// fresh body each time.
func bodies(t vegeta.Target) vegeta.Targeter {
	var n atomic.Int64
	u, _ := url.Parse(t.URL)
	return func(tgt *vegeta.Target) error {
		*tgt = t
		if t.Method == "POST" && u != nil && u.Path == "/api/v1/calendar/events" {
			tgt.Body = eventBody(n.Add(1))
		}
		return nil
	}
}

// eventStart is where the generated calendar events start: far from today,
// so that they do not change the schedule the other routes read.
var eventStart = time.Date(2030, 1, 7, 0, 0, 0, 0, time.UTC)

// eventBody is the body of the i-th generated calendar event: 30 minutes,
// one an hour.
func eventBody(i int64) []byte {
	start := eventStart.Add(time.Duration(i) * time.Hour)
	b, _ := json.Marshal(map[string]string{"title": fmt.Sprintf("Load %d", i),
		"start": start.Format(time.RFC3339), "end": start.Add(30 * time.Minute).Format(time.RFC3339)})
	return b
}

// client calls fluxd for the set-up of the mix.
type client struct {
	base, token string
	hc          *http.Client
}

func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(b)))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// mixMode creates c.tasks tasks for today, then sends the mix at c.rate.
func mixMode(ctx context.Context, c config, out io.Writer) error {
	cl := &client{base: c.url, token: c.token, hc: &http.Client{Timeout: 30 * time.Second}}
	now := time.Now().UTC()
	ids := make([]string, 0, c.tasks)
	for i := range c.tasks {
		at := now.Add(time.Duration(i%12) * time.Minute * 30).Truncate(time.Minute)
		var t struct {
			ID string `json:"id"`
		}
		body := map[string]any{"title": fmt.Sprintf("Load task %d", i), "duration_minutes": 15, "scheduled_at": at.Format(time.RFC3339)}
		if err := cl.do(ctx, "POST", "/api/v1/tasks", body, &t); err != nil {
			return fmt.Errorf("set-up: %w", err)
		}
		ids = append(ids, t.ID)
	}
	// A few unscheduled tasks for the schedule dry runs.
	for i := range 5 {
		body := map[string]any{"title": fmt.Sprintf("Load unscheduled %d", i), "duration_minutes": 30}
		if err := cl.do(ctx, "POST", "/api/v1/tasks", body, nil); err != nil {
			return fmt.Errorf("set-up: %w", err)
		}
	}
	tr := mix(c.url, c.token, ids)
	rows := attack(ctx, tr, c.rate, c.conns, c.duration, mixLabel)
	fmt.Fprintf(out, "mix at %d req/s for %s, %d connections\n", c.rate, c.duration, c.conns)
	printTable(out, rows, 0)
	return ctx.Err()
}

// route is one entry of the mix.
type route struct {
	weight int
	target func(i int64) vegeta.Target
}

// mix returns the targeter of the mix: by weight, today's tasks 25, goals
// 15, the task list 15, a completion 10, a calendar write 10, a schedule
// dry run 10, a RAG search 10, one task 5.
func mix(base, token string, ids []string) vegeta.Targeter {
	h := http.Header{"Authorization": {"Bearer " + token}}
	jh := http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {"application/json"}}
	get := func(path string) func(int64) vegeta.Target {
		return func(int64) vegeta.Target { return vegeta.Target{Method: "GET", URL: base + path, Header: h} }
	}
	dry, _ := json.Marshal(map[string]any{"dry_run": true})
	queries := []string{"how to build a habit", "deep work", "sleep and focus", "procrastination", "goal setting"}
	routes := []route{
		{25, get("/api/v1/tasks/today")},
		{15, get("/api/v1/goals")},
		{15, get("/api/v1/tasks?limit=50")},
		{10, func(i int64) vegeta.Target {
			return vegeta.Target{Method: "PATCH", URL: base + "/api/v1/tasks/" + ids[int(i)%len(ids)] + "/complete", Header: jh, Body: []byte("{}")}
		}},
		{10, func(i int64) vegeta.Target {
			return vegeta.Target{Method: "POST", URL: base + "/api/v1/calendar/events", Header: jh, Body: eventBody(i)}
		}},
		{10, func(int64) vegeta.Target {
			return vegeta.Target{Method: "POST", URL: base + "/api/v1/schedule", Header: jh, Body: dry}
		}},
		{10, func(i int64) vegeta.Target {
			return vegeta.Target{Method: "GET", URL: base + "/api/v1/rag/search?q=" + url.QueryEscape(queries[int(i)%len(queries)]), Header: h}
		}},
		{5, func(i int64) vegeta.Target {
			return vegeta.Target{Method: "GET", URL: base + "/api/v1/tasks/" + ids[int(i)%len(ids)], Header: h}
		}},
	}
	// A fixed interleaving of the weights, walked in turn by all workers.
	var seq []int
	for len(seq) < 100 {
		for i, r := range routes {
			if r.weight > countOf(seq, i) {
				seq = append(seq, i)
			}
		}
	}
	var n atomic.Int64
	return func(t *vegeta.Target) error {
		i := n.Add(1)
		*t = routes[seq[int(i)%len(seq)]].target(i)
		return nil
	}
}

func countOf(s []int, v int) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

// mixLabel names a result's route, with ids and queries taken out.
func mixLabel(r *vegeta.Result) string {
	u, err := url.Parse(r.URL)
	if err != nil {
		return r.Method + " ?"
	}
	p := u.Path
	if strings.HasPrefix(p, "/api/v1/tasks/") && p != "/api/v1/tasks/today" {
		if strings.HasSuffix(p, "/complete") {
			p = "/api/v1/tasks/{id}/complete"
		} else {
			p = "/api/v1/tasks/{id}"
		}
	}
	return r.Method + " " + p
}
