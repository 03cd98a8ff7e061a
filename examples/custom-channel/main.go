// Command custom-channel shows a team plugging its own channel into Flux's
// notifications: a "push" channel that posts to the team's chat instead of
// browsers (here it prints), in an embedded SQLite store with the durable
// job queue, and a must_not_miss escalation that climbs from it to
// WhatsApp and a call (both on the log channel: no provider configured)
// until the person acknowledges.
//
//	go run ./examples/custom-channel
//
// A channel is a type with two methods, Name and Send; everything around a
// send (the notification log, retries, idempotency, escalation) is Flux's.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/escalation"
	"github.com/fluxlife/flux/notify"
	"github.com/fluxlife/flux/store/jobs"
	"github.com/fluxlife/flux/store/sqlite"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// chatChannel is the team's own channel: it serves "push".
type chatChannel struct{ start time.Time }

func (c chatChannel) Name() string { return string(flux.ChannelPush) }

func (c chatChannel) Send(ctx context.Context, m notify.Message) (notify.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return notify.Receipt{}, notify.Temporary(err, 0)
	}
	fmt.Printf("+%4.1fs  chat: %s — %s\n", time.Since(c.start).Seconds(), m.Title, m.Body)
	return notify.Receipt{Provider: "team-chat", ProviderID: "chat-" + m.ID, Status: flux.NotificationSent}, nil
}

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
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
	start := time.Now()
	d := notify.NewDispatcher(st, &notify.Options{Channels: []notify.Channel{chatChannel{start}}, Logger: quiet})
	esc := escalation.NewService(st, d, &escalation.Options{Logger: quiet})

	// The durable job queue on the same SQLite file works the dispatcher's
	// and the escalation's jobs.
	ws := jobs.NewWorkers()
	if err := jobs.Register(ws, d.Deliver); err != nil {
		return err
	}
	if err := jobs.Register(ws, esc.Step); err != nil {
		return err
	}
	q, err := jobs.New(riversqlite.New(st.WriteDB()), jobs.Config{Workers: ws, PollOnly: true, PollInterval: 100 * time.Millisecond, Logger: quiet})
	if err != nil {
		return err
	}
	st.AttachJobs(q)
	if err := q.Start(ctx); err != nil {
		return err
	}
	defer q.Stop(context.Background())

	u := flux.NewUser(flux.NewID(), "ada@example.com", "Ada")
	u.PhoneNumber = "+4915112345678"
	if err := st.Users().CreateUser(ctx, u); err != nil {
		return err
	}
	// A quick ladder for the demonstration: chat, WhatsApp 1 s later, a
	// call 1 s after that.
	e, _, err := esc.Start(ctx, escalation.Request{
		UserID: u.ID, Title: "Take your medication", Message: "the 8 pm dose", Priority: flux.PriorityMustNotMiss,
		Policy: []flux.PolicyStep{{Channel: flux.ChannelPush}, {Channel: flux.ChannelWhatsApp, WaitSeconds: 1}, {Channel: flux.ChannelCall, WaitSeconds: 1}},
	})
	if err != nil {
		return err
	}
	time.Sleep(2500 * time.Millisecond)
	if _, err := esc.Acknowledge(ctx, u.ID, e.ID, "acknowledged"); err != nil {
		return err
	}
	ns, _, err := st.Notifications().ListNotifications(ctx, u.ID, flux.NotificationFilter{EscalationID: e.ID}, flux.Page{})
	if err != nil {
		return err
	}
	fmt.Println("the notification log, newest first:")
	for _, n := range ns {
		fmt.Printf("  %-8s %-10s via %s\n", n.Channel, n.Status, n.Provider)
	}
	return nil
}
