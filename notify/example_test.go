package notify_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/notify"
	"github.com/fluxlife/flux/store/jobs"
	"github.com/fluxlife/flux/store/sqlite"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// printChannel is a channel of one's own: it prints what it sends.
type printChannel struct{}

func (printChannel) Name() string { return "push" }

func (printChannel) Send(_ context.Context, m notify.Message) (notify.Receipt, error) {
	fmt.Printf("push: %s\n", m.Title)
	return notify.Receipt{Provider: "printer", ProviderID: "p-" + m.ID, Status: flux.NotificationSent}, nil
}

// A Dispatcher over an embedded store: the push channel is one's own, the
// others fall back to the log channel; every send is in the notification
// log, and a repeated idempotency key sends nothing again.
func ExampleDispatcher_Send() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "flux-example-")
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "flux.db"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	// Retries run as durable jobs: attach a queue (here without workers;
	// cmd/fluxd registers Dispatcher.Deliver and starts it).
	q, err := jobs.New(riversqlite.New(st.WriteDB()), jobs.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	st.AttachJobs(q)

	u := flux.NewUser(flux.NewID(), "ada@example.com", "Ada")
	u.PhoneNumber = "+4915112345678"
	if err := st.Users().CreateUser(ctx, u); err != nil {
		fmt.Println(err)
		return
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	d := notify.NewDispatcher(st, &notify.Options{Channels: []notify.Channel{printChannel{}}, Logger: quiet})
	req := notify.Request{UserID: u.ID, Channels: []flux.Channel{flux.ChannelPush, flux.ChannelWhatsApp},
		Title: "Evening run", Body: "5 km easy", Key: "run-2026-12-02"}
	for range 2 {
		dels, err := d.Send(ctx, req)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, del := range dels {
			fmt.Printf("%s: %s via %s (repeated: %v)\n", del.Channel, del.Notification.Status, del.Notification.Provider, del.Repeated)
		}
	}
	// Output:
	// push: Evening run
	// push: sent via printer (repeated: false)
	// whatsapp: sent via log (repeated: false)
	// push: sent via printer (repeated: true)
	// whatsapp: sent via log (repeated: true)
}

// The priority model's timing view: when each step of a must_not_miss
// reminder goes out at ten times the speed.
func ExampleTiming() {
	for _, s := range notify.Timing(notify.DefaultPolicy(flux.PriorityMustNotMiss), 10) {
		fmt.Printf("%d %-8s after %s\n", s.StepNumber, s.Channel, s.FromStart)
	}
	// Output:
	// 1 push     after 0s
	// 2 whatsapp after 12s
	// 3 call     after 54s
}
