package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/fluxlife/flux/store/postgres/pgtest"
)

// TestNotifyListen: a notification reaches every Listen of the channel in
// the same schema, and none in another schema; a channel that is not a
// plain identifier is refused.
func TestNotifyListen(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, other := pgtest.Open(t, nil), pgtest.Open(t, nil)
	listen := func(st interface {
		Listen(context.Context, string, func(string), func()) error
	}) <-chan string {
		got := make(chan string, 8)
		ready := make(chan struct{})
		go st.Listen(ctx, "things", func(p string) { got <- p }, func() { close(ready) }) //nolint:errcheck // ends with ctx
		select {
		case <-ready:
		case <-ctx.Done():
			t.Fatal("not listening")
		}
		return got
	}
	here, there := listen(a), listen(other)
	if err := a.Notify(ctx, "things", "hello"); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-here:
		if p != "hello" {
			t.Fatalf("payload %q", p)
		}
	case <-ctx.Done():
		t.Fatal("no notification")
	}
	select {
	case p := <-there:
		t.Fatalf("a store in another schema heard %q", p)
	case <-time.After(200 * time.Millisecond):
	}
	if err := a.Notify(ctx, "no good", "x"); err == nil {
		t.Fatal("a channel with a space was accepted")
	}
}
