package webpush_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/notify"
	"github.com/fluxlife/flux/notify/webpush"
	"github.com/fluxlife/flux/store/jobs"
	"github.com/fluxlife/flux/store/jobs/jobstest"
)

// BenchmarkDispatcherPush measures push sends per second through the
// Dispatcher to the fake push service, on each store, one at a time and
// from 4×GOMAXPROCS goroutines (sends wait on the network and the store):
// recording the send with its safety-net job, encrypting it for the device
// (RFC 8291), posting it with its VAPID JWT, the fake decrypting it, and
// recording the outcome.
func BenchmarkDispatcherPush(b *testing.B) {
	for _, kind := range jobstest.Kinds {
		for _, parallel := range []bool{false, true} {
			name := kind
			if parallel {
				name += "/parallel"
			}
			b.Run(name, func(b *testing.B) { benchmarkDispatcherPush(b, kind, parallel) })
		}
	}
}

func benchmarkDispatcherPush(b *testing.B, kind string, parallel bool) {
	ctx := context.Background()
	var d *notify.Dispatcher
	st, _ := jobstest.Open(b, kind, &jobstest.Options{NoStart: true, Register: func(ws *jobs.Workers) error {
		return jobs.Register(ws, func(ctx context.Context, a notify.DeliverArgs) error { return d.Deliver(ctx, a) })
	}})
	push := fluxtest.NewPushService(b)
	u := flux.NewUser(flux.NewID(), "", "Ada")
	if err := st.Users().CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	if err := st.PushSubscriptions().SavePushSubscription(ctx, push.Subscribe().Subscription(u.ID, "phone")); err != nil {
		b.Fatal(err)
	}
	keys, err := webpush.LoadKeys(ctx, st.Secrets(), "", "")
	if err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ch, err := webpush.New(st.PushSubscriptions(), keys, &webpush.Options{HTTPClient: push.HTTPClient(), AllowedHosts: []string{push.Host()}, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	d = notify.NewDispatcher(st, &notify.Options{Channels: []notify.Channel{ch}, Logger: quiet})
	req := notify.Request{UserID: u.ID, Channels: []flux.Channel{flux.ChannelPush}, Title: "Evening run", Body: "5 km easy"}
	send := func() {
		dels, err := d.Send(ctx, req)
		if err != nil || dels[0].Err != nil {
			b.Error(err, dels)
		}
	}
	b.ResetTimer()
	if parallel {
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				send()
			}
		})
	} else {
		for b.Loop() {
			send()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
	if got := len(push.Messages()); got < b.N {
		b.Fatalf("the push service decrypted %d of %d", got, b.N)
	}
}
