package sqlite

import (
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/fluxlife/flux"
)

// TestListCacheBounded: however many lists are put, the cache holds at most
// maxCachedLists of them and maxCachedTasks tasks, and a list put again
// replaces the old one in the count.
func TestListCacheBounded(t *testing.T) {
	c := newListCache(new(atomic.Uint64))
	page := make([]flux.Task, flux.MaxPageLimit)
	for i := range 3 * maxCachedTasks / flux.MaxPageLimit {
		c.put(strconv.Itoa(i), c.gen.Load(), page, "")
		if c.n > maxCachedTasks || len(c.m) > maxCachedLists {
			t.Fatalf("after %d puts: %d tasks in %d lists", i+1, c.n, len(c.m))
		}
	}
	small := page[:1]
	for i := range 2 * maxCachedLists {
		c.put("s"+strconv.Itoa(i%7), c.gen.Load(), small, "")
		c.put("t"+strconv.Itoa(i), c.gen.Load(), small, "")
		if c.n > maxCachedTasks || len(c.m) > maxCachedLists {
			t.Fatalf("after %d small puts: %d tasks in %d lists", i+1, c.n, len(c.m))
		}
	}
	n := 0
	for _, e := range c.m {
		n += len(e.tasks)
	}
	if n != c.n {
		t.Fatalf("counted %d tasks, holds %d", c.n, n)
	}
	if _, _, ok := c.get("s1"); !ok {
		t.Fatal("a list just put is not served")
	}
	c.gen.Add(1)
	if _, _, ok := c.get("s1"); ok {
		t.Fatal("a list read before a write is served after it")
	}
}
