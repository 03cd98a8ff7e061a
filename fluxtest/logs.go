package fluxtest

import (
	"bytes"
	"sync"
)

// Logs is an io.Writer that keeps what is written, safe for the many
// goroutines of a server under test: point a slog handler at it and read
// the log lines back with String.
type Logs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
