// Package logbuf gathers log lines and writes them in batches: one write
// for the lines of an interval instead of one system call per line. fluxd
// writes its access log (a line per request) through it.
package logbuf

import (
	"io"
	"sync"
	"time"
)

// Writer is an io.Writer that buffers what is written to it and writes it
// to the underlying writer at most Interval after the first unwritten
// byte, as soon as MaxBytes are waiting, on Flush, and on Close. Each
// Write is kept whole: a log handler's line is never split between two
// writes of the underlying writer. It is safe for concurrent use.
type Writer struct {
	out      io.Writer
	interval time.Duration
	max      int

	mu     sync.Mutex
	buf    []byte
	armed  bool // the timer will flush buf
	closed bool
	timer  *time.Timer

	flushMu sync.Mutex // orders the underlying writes
	spare   []byte     // the buffer written last, reused
}

// New returns a Writer over out flushing after interval or at maxBytes
// (defaults 100 ms and 64 KiB when ≤ 0).
func New(out io.Writer, interval time.Duration, maxBytes int) *Writer {
	if interval <= 0 {
		interval = 100 * time.Millisecond
	}
	if maxBytes <= 0 {
		maxBytes = 64 << 10
	}
	w := &Writer{out: out, interval: interval, max: maxBytes}
	w.timer = time.AfterFunc(time.Hour, func() { _ = w.Flush() })
	w.timer.Stop()
	return w
}

// Write buffers p. It does not fail: an error of the underlying writer is
// returned by the Flush that meets it. After Close it writes through.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		w.flushMu.Lock() // after a flush in progress, in order
		defer w.flushMu.Unlock()
		return w.out.Write(p)
	}
	w.buf = append(w.buf, p...)
	full := len(w.buf) >= w.max
	if !full && !w.armed {
		w.armed = true
		w.timer.Reset(w.interval)
	}
	w.mu.Unlock()
	if full {
		_ = w.Flush()
	}
	return len(p), nil
}

// Flush writes what is buffered.
func (w *Writer) Flush() error {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	w.mu.Lock()
	b := w.buf
	w.buf = w.spare[:0]
	w.spare = nil
	w.armed = false
	w.mu.Unlock()
	if len(b) == 0 {
		w.spare = b
		return nil
	}
	_, err := w.out.Write(b)
	if cap(b) <= 4*w.max {
		w.spare = b[:0]
	}
	return err
}

// Close flushes and stops the timer; later writes go straight to the
// underlying writer, so a line logged while shutting down is not lost.
// It does not close the underlying writer.
func (w *Writer) Close() error {
	w.mu.Lock()
	w.closed = true
	w.timer.Stop()
	w.mu.Unlock()
	return w.Flush()
}
