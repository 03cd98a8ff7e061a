package rag

import (
	"cmp"
	"container/heap"
	"slices"
)

// topK keeps the k best of a stream of scored slots, best meaning a higher
// score, then a smaller ID (the order of sortMatches), in a heap whose root
// is the worst kept. Nothing is copied for the slots that do not make it.
type topK struct {
	k     int
	ids   []string // ID by slot
	items []scored
}

type scored struct {
	score float64
	slot  int
}

func newTopK(k int, ids []string) *topK {
	return &topK{k: k, ids: ids, items: make([]scored, 0, min(k, len(ids)))}
}

// better reports whether a ranks before b.
func (t *topK) better(a, b scored) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return t.ids[a.slot] < t.ids[b.slot]
}

// admits reports whether a slot with this score would be kept, were it to
// pass the filter: cheap, so that the filter runs on few slots.
func (t *topK) admits(score float64, slot int) bool {
	return len(t.items) < t.k || t.better(scored{score, slot}, t.items[0])
}

// push offers a slot; it is kept when it is among the k best so far.
func (t *topK) push(score float64, slot int) {
	s := scored{score, slot}
	if len(t.items) < t.k {
		heap.Push((*topHeap)(t), s)
		return
	}
	if t.better(s, t.items[0]) {
		t.items[0] = s
		heap.Fix((*topHeap)(t), 0)
	}
}

// matches returns the kept slots best first, with their chunks.
func (t *topK) matches(chunks []Chunk) []Match {
	return t.matchesFunc(func(slot int) Chunk { return chunks[slot] })
}

// matchesFunc returns the kept slots best first, with the chunks chunk
// gives.
func (t *topK) matchesFunc(chunk func(slot int) Chunk) []Match {
	if len(t.items) == 0 {
		return nil
	}
	slices.SortFunc(t.items, func(a, b scored) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(t.ids[a.slot], t.ids[b.slot])
	})
	out := make([]Match, len(t.items))
	for i, s := range t.items {
		out[i] = Match{ID: t.ids[s.slot], Score: s.score, Chunk: chunk(s.slot)}
	}
	return out
}

// topHeap is a topK as a heap.Interface: a min-heap by rank.
type topHeap topK

func (h *topHeap) Len() int           { return len(h.items) }
func (h *topHeap) Less(i, j int) bool { return (*topK)(h).better(h.items[j], h.items[i]) }
func (h *topHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *topHeap) Push(x any)         { h.items = append(h.items, x.(scored)) }
func (h *topHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
