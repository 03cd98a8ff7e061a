package logbuf

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// sink records each write it gets.
type sink struct {
	mu     sync.Mutex
	writes []string
	err    error
}

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes = append(s.writes, string(p))
	return len(p), s.err
}

func (s *sink) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.writes...)
}

func TestLinesWaitForFlushThenGoInOneWrite(t *testing.T) {
	out := &sink{}
	w := New(out, time.Hour, 0)
	for i := range 3 {
		fmt.Fprintf(w, "line %d\n", i)
	}
	if got := out.got(); len(got) != 0 {
		t.Fatalf("written before a flush: %q", got)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := out.got(); len(got) != 1 || got[0] != "line 0\nline 1\nline 2\n" {
		t.Fatalf("after Flush: %q", got)
	}
	if err := w.Flush(); err != nil || len(out.got()) != 1 {
		t.Fatalf("an empty flush wrote: %q %v", out.got(), err)
	}
}

func TestTheIntervalFlushes(t *testing.T) {
	out := &sink{}
	w := New(out, 10*time.Millisecond, 0)
	defer w.Close()
	for round := range 3 { // the timer is armed again after each flush
		line := fmt.Sprintf("round %d\n", round)
		_, _ = w.Write([]byte(line))
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(strings.Join(out.got(), ""), line) {
			if time.Now().After(deadline) {
				t.Fatalf("round %d not written after 5 s: %q", round, out.got())
			}
			time.Sleep(time.Millisecond)
		}
	}
}

func TestMaxBytesFlushesAtOnce(t *testing.T) {
	out := &sink{}
	w := New(out, time.Hour, 10)
	_, _ = w.Write([]byte("12345\n"))
	if len(out.got()) != 0 {
		t.Fatal("flushed below the bound")
	}
	_, _ = w.Write([]byte("67890\n"))
	if got := out.got(); len(got) != 1 || got[0] != "12345\n67890\n" {
		t.Fatalf("at the bound: %q", got)
	}
}

func TestCloseFlushesAndLaterWritesGoThrough(t *testing.T) {
	out := &sink{}
	w := New(out, time.Hour, 0)
	_, _ = w.Write([]byte("before\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte("after\n"))
	if got := out.got(); len(got) != 2 || got[0] != "before\n" || got[1] != "after\n" {
		t.Fatalf("%q", got)
	}
}

func TestFlushReportsTheWriteError(t *testing.T) {
	out := &sink{err: errors.New("disk full")}
	w := New(out, time.Hour, 0)
	if _, err := w.Write([]byte("x\n")); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := w.Flush(); err == nil || err.Error() != "disk full" {
		t.Fatalf("Flush: %v", err)
	}
}

// TestConcurrentWritersKeepLinesWholeAndInOrder: 8 writers, small bounds
// so that flushes by size, by time and by Close all happen; every line
// arrives once, whole, and each writer's lines in its order.
func TestConcurrentWritersKeepLinesWholeAndInOrder(t *testing.T) {
	out := &sink{}
	w := New(out, time.Millisecond, 512)
	const writers, lines = 8, 2000
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				fmt.Fprintf(w, "writer %d line %d\n", g, i)
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	next := make([]int, writers)
	all := strings.Join(out.got(), "")
	for _, l := range strings.Split(strings.TrimSuffix(all, "\n"), "\n") {
		var g, i int
		if _, err := fmt.Sscanf(l, "writer %d line %d", &g, &i); err != nil || g < 0 || g >= writers {
			t.Fatalf("a broken line %q: %v", l, err)
		}
		if i != next[g] {
			t.Fatalf("writer %d: line %d after %d", g, i, next[g]-1)
		}
		next[g]++
	}
	for g, n := range next {
		if n != lines {
			t.Fatalf("writer %d: %d lines, want %d", g, n, lines)
		}
	}
	if !bytes.HasSuffix([]byte(all), []byte("\n")) {
		t.Fatal("output does not end with a whole line")
	}
}
