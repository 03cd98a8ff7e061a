// Command custom-channel shows a team plugging its own channel into Flux's
// notifications: a Slack-style incoming webhook (a JSON POST of
// {"text": ...} to a URL, answered "ok") that serves the "push" step of a
// must_not_miss escalation on the embedded SQLite store with its durable
// job queue. The ladder climbs from the webhook to WhatsApp and a call
// (both on the log channel here: no provider configured) until the person
// acknowledges. The webhook is a local httptest server, so the example
// needs no network and no account.
//
//	go run ./examples/custom-channel
//
// A channel is a type with two methods, Name and Send; everything around a
// send (the notification log, retries, idempotency, escalation) is Flux's.
// Send says whether a failure is worth retrying: notify.Temporary for a
// 5xx or a timeout, notify.Permanent for a refused request.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/escalation"
	"github.com/fluxlife/flux/notify"
	"github.com/fluxlife/flux/store/jobs"
	"github.com/fluxlife/flux/store/sqlite"
)

// webhookChannel posts each message to a Slack-style incoming webhook. It
// serves "push".
type webhookChannel struct {
	url    string
	client *http.Client
}

// Name implements notify.Channel.
func (c webhookChannel) Name() string { return string(flux.ChannelPush) }

// Send implements notify.Channel.
func (c webhookChannel) Send(ctx context.Context, m notify.Message) (notify.Receipt, error) {
	body, err := json.Marshal(map[string]string{"text": "*" + m.Title + "*\n" + m.Body})
	if err != nil {
		return notify.Receipt{}, notify.Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return notify.Receipt{}, notify.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	// The notification id as an idempotency key, for a receiver that
	// honours one: a send repeated after a crash is then not shown twice.
	req.Header.Set("Idempotency-Key", m.ID)
	resp, err := c.client.Do(req)
	if err != nil {
		return notify.Receipt{}, notify.Temporary(err, 0)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return notify.Receipt{}, notify.Temporary(fmt.Errorf("webhook: %s", resp.Status), 0)
	case resp.StatusCode != http.StatusOK:
		return notify.Receipt{}, notify.Permanent(fmt.Errorf("webhook: %s: %s", resp.Status, answer))
	}
	return notify.Receipt{Provider: "team-webhook", ProviderID: "hook-" + m.ID, Status: flux.NotificationSent}, nil
}

// chatServer stands in for the team's chat: it accepts incoming-webhook
// posts and prints them.
type chatServer struct {
	start time.Time
	mu    sync.Mutex
	posts []string
}

func (s *chatServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var msg struct {
		Text string `json:"text"`
	}
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&msg) != nil || msg.Text == "" {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.posts = append(s.posts, msg.Text)
	s.mu.Unlock()
	fmt.Printf("+%4.1fs  chat webhook: %s\n", time.Since(s.start).Seconds(), strings.ReplaceAll(msg.Text, "\n", " — "))
	_, _ = io.WriteString(w, "ok")
}

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	start := time.Now()
	chat := &chatServer{start: start}
	hook := httptest.NewServer(chat)
	defer hook.Close()

	dir, err := os.MkdirTemp("", "flux-example-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "flux.db"), nil)
	if err != nil {
		return err
	}
	defer st.Close()

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ch := webhookChannel{url: hook.URL, client: &http.Client{Timeout: 10 * time.Second}}
	d := notify.NewDispatcher(st, &notify.Options{Channels: []notify.Channel{ch}, Logger: quiet})
	esc := escalation.NewService(st, d, &escalation.Options{Logger: quiet})

	// The durable job queue in the same SQLite file works the dispatcher's
	// and the escalation's jobs; NewQueue attaches it to the store.
	ws := jobs.NewWorkers()
	if err := jobs.Register(ws, d.Deliver); err != nil {
		return err
	}
	if err := jobs.Register(ws, esc.Step); err != nil {
		return err
	}
	q, err := st.NewQueue(jobs.Config{Workers: ws, PollInterval: 100 * time.Millisecond, Logger: quiet})
	if err != nil {
		return err
	}
	if err := q.Start(ctx); err != nil {
		return err
	}
	defer q.Stop(context.Background())

	u := flux.NewUser(flux.NewID(), "ada@example.com", "Ada")
	u.PhoneNumber = "+4915112345678"
	if err := st.Users().CreateUser(ctx, u); err != nil {
		return err
	}
	// A quick ladder for the demonstration: the webhook, WhatsApp 1 s
	// later, a call 1 s after that.
	e, _, err := esc.Start(ctx, escalation.Request{
		UserID: u.ID, Title: "Take your medication", Message: "the 8 pm dose", Priority: flux.PriorityMustNotMiss,
		Policy: []flux.PolicyStep{{Channel: flux.ChannelPush}, {Channel: flux.ChannelWhatsApp, WaitSeconds: 1}, {Channel: flux.ChannelCall, WaitSeconds: 1}},
	})
	if err != nil {
		return err
	}
	// Wait (with a deadline) until the ladder has reached the call.
	deadline := time.Now().Add(30 * time.Second)
	var ns []flux.Notification
	for {
		ns, _, err = st.Notifications().ListNotifications(ctx, u.ID, flux.NotificationFilter{EscalationID: e.ID}, flux.Page{})
		if err != nil {
			return err
		}
		if len(ns) == 3 && ns[0].Status != flux.NotificationPending {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the escalation did not reach its third step within 30s: %d notifications", len(ns))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := esc.Acknowledge(ctx, u.ID, e.ID, "acknowledged"); err != nil {
		return err
	}
	fmt.Println("the notification log, newest first:")
	for _, n := range ns {
		fmt.Printf("  %-8s %-10s via %s\n", n.Channel, n.Status, n.Provider)
	}
	chat.mu.Lock()
	defer chat.mu.Unlock()
	if len(chat.posts) != 1 {
		return fmt.Errorf("the chat webhook got %d posts, want 1", len(chat.posts))
	}
	return nil
}
