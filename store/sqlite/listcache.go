package sqlite

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fluxlife/flux"
)

// maxCachedLists and maxCachedTasks cap the task lists one Store keeps and
// the tasks in them (a page holds at most flux.MaxPageLimit, so a few MB);
// when either is reached the cache starts again empty.
const (
	maxCachedLists = 4096
	maxCachedTasks = 16384
)

// generations holds, per database file, the count of write transactions
// that every Store of this process on that file has ended: a task list read
// at one count is current for as long as the count has not moved. It is per
// file, not per Store, so that two Stores of one process on the same file
// see each other's writes.
var generations sync.Map // absolute path → *atomic.Uint64

func generationOf(path string) *atomic.Uint64 {
	g, _ := generations.LoadOrStore(path, new(atomic.Uint64))
	return g.(*atomic.Uint64)
}

// listCache keeps the results of recent ListTasks calls made outside a
// transaction (today's tasks, the timeline, a goal's tasks: the reads a
// client repeats), each with the write count it was read at. A hit costs a
// map lookup and a copy instead of a query; any write through a Store of
// this process on the same file (see stores.wrote) makes every entry stale
// at once, so a list is never older than the last write that returned.
//
// Writes made by another process, or straight through WriteDB, are not
// counted: the SQLite store is meant to be the only writer of its file, as
// fluxd is. Options.NoListCache turns the cache off for a file that is
// shared.
type listCache struct {
	gen *atomic.Uint64
	mu  sync.Mutex
	m   map[string]listEntry
	n   int // tasks in m
}

type listEntry struct {
	gen   uint64
	tasks []flux.Task
	next  string
}

// newListCache returns an empty cache whose entries are current while gen,
// the write count of its file, does not move.
func newListCache(gen *atomic.Uint64) *listCache {
	return &listCache{gen: gen, m: map[string]listEntry{}}
}

// listKey is the cache key of one ListTasks call.
func listKey(userID string, f flux.TaskFilter, p flux.Page) string {
	var b strings.Builder
	b.Grow(len(userID) + len(p.Cursor) + 64)
	b.WriteString(userID)
	b.WriteByte('|')
	for _, st := range f.Statuses {
		b.WriteString(string(st))
		b.WriteByte(',')
	}
	b.WriteByte('|')
	b.WriteString(f.GoalID)
	b.WriteByte('|')
	b.WriteString(f.SeriesID)
	b.WriteByte('|')
	writeMicros := func(t *time.Time) {
		if t != nil {
			b.WriteString(strconv.FormatInt(micros(*t), 10))
		}
		b.WriteByte('|')
	}
	writeMicros(f.From)
	writeMicros(f.To)
	if f.Unscheduled {
		b.WriteByte('u')
	}
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(p.Size()))
	b.WriteByte('|')
	b.WriteString(p.Cursor)
	return b.String()
}

// get returns a copy of the list cached under key when it is current.
func (c *listCache) get(key string) ([]flux.Task, string, bool) {
	now := c.gen.Load()
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if !ok || e.gen != now {
		return nil, "", false
	}
	return cloneTasks(e.tasks), e.next, true
}

// put keeps a list read at write count gen (loaded before the read began).
func (c *listCache) put(key string, gen uint64, tasks []flux.Task, next string) {
	if c.gen.Load() != gen {
		return // a write ended while reading: the list may be older than it
	}
	e := listEntry{gen: gen, tasks: cloneTasks(tasks), next: next}
	c.mu.Lock()
	if old, ok := c.m[key]; ok {
		c.n -= len(old.tasks)
	}
	if len(c.m) >= maxCachedLists || c.n+len(tasks) > maxCachedTasks {
		clear(c.m)
		c.n = 0
	}
	c.m[key] = e
	c.n += len(tasks)
	c.mu.Unlock()
}

// cloneTasks copies ts, with the times its tasks point to, so that neither
// the cache nor its callers see what the other changes.
func cloneTasks(ts []flux.Task) []flux.Task {
	if ts == nil {
		return nil
	}
	out := make([]flux.Task, len(ts))
	copy(out, ts)
	for i := range out {
		t := &out[i]
		t.ScheduledAt = cloneTime(t.ScheduledAt)
		t.Deadline = cloneTime(t.Deadline)
		t.EarliestStart = cloneTime(t.EarliestStart)
		t.CompletedAt = cloneTime(t.CompletedAt)
	}
	return out
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := *t
	return &v
}
