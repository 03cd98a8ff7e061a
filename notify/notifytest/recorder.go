package notifytest

import (
	"context"
	"fmt"
	"sync"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/notify"
)

// Recorder is a notify.Channel for tests of what sends through channels
// (the Dispatcher, escalations): it records every message it is given and
// answers with scripted errors, in order, then with success. Its receipts
// name provider "recorder" and a provider id made of the message id and a
// count. It is safe for concurrent use.
type Recorder struct {
	name  string
	mu    sync.Mutex
	sent  []notify.Message
	errs  []error
	block chan struct{}
}

// NewRecorder returns a Recorder serving the channel name ("push",
// "whatsapp", "call", ...).
func NewRecorder(name string) *Recorder { return &Recorder{name: name} }

// Name returns the channel's name.
func (r *Recorder) Name() string { return r.name }

// Send records m, or returns the next scripted error (nil entries are
// successes). While Block is in force it waits first, until the block is
// lifted or ctx ends.
func (r *Recorder) Send(ctx context.Context, m notify.Message) (notify.Receipt, error) {
	r.mu.Lock()
	block := r.block
	r.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return notify.Receipt{}, notify.Temporary(ctx.Err(), 0)
		}
	}
	if err := ctx.Err(); err != nil {
		return notify.Receipt{}, notify.Temporary(err, 0)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) > 0 {
		err := r.errs[0]
		r.errs = r.errs[1:]
		if err != nil {
			return notify.Receipt{}, err
		}
	}
	r.sent = append(r.sent, m)
	return notify.Receipt{Provider: "recorder", ProviderID: fmt.Sprintf("rec-%s-%d", m.ID, len(r.sent)), Status: flux.NotificationSent}, nil
}

// Fail queues errors for the next sends (nil for a success).
func (r *Recorder) Fail(errs ...error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, errs...)
}

// Block makes sends wait until the returned function is called.
func (r *Recorder) Block() (release func()) {
	ch := make(chan struct{})
	r.mu.Lock()
	r.block = ch
	r.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			r.block = nil
			r.mu.Unlock()
			close(ch)
		})
	}
}

// Messages returns the messages sent so far, in order.
func (r *Recorder) Messages() []notify.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]notify.Message(nil), r.sent...)
}
