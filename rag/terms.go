package rag

import (
	"context"
	"strings"
)

// termDict interns the terms of one ingest. When the embedder is the
// hashing embedder and the keyword index the memory one, the ingester finds
// each chunk's terms once, as ids in a termDict, and hands them to both
// (termEmbedder, termIndexer) instead of letting each tokenize the text
// again. Not safe for concurrent use, except that termEmbedder may read it
// from several goroutines while nothing is interned.
type termDict struct {
	words  map[string]int32  // a lower-cased word -> its term's id, -1 for none
	ids    map[string]uint32 // a term -> its id
	terms  []string          // by id
	hashes []uint64          // by id: the hashing embedder's word feature
	// lists caches the memory keyword index's posting list of each id;
	// it is valid while listsOf has removed no posting list since
	// listsEpoch.
	lists      []*postingList
	listsOf    *MemoryKeywordIndex
	listsEpoch uint64
	buf        []byte
	dst        []uint32 // of appendIDs, while it scans
}

func newTermDict() *termDict { return &termDict{words: map[string]int32{}, ids: map[string]uint32{}} }

// appendIDs appends the ids of the terms of text (see Terms) to dst.
func (d *termDict) appendIDs(dst []uint32, text string) []uint32 {
	d.dst = dst
	scanWords(text, &d.buf, d)
	dst, d.dst = d.dst, nil
	return dst
}

// word implements wordSink: a word seen before costs one lookup.
func (d *termDict) word(clean string, dirty []byte) {
	var id int32
	var ok bool
	if dirty != nil {
		id, ok = d.words[string(dirty)]
	} else {
		id, ok = d.words[clean]
	}
	if !ok {
		w := clean
		if dirty != nil {
			w = string(dirty)
		} else {
			w = strings.Clone(w) // not a piece of a long text
		}
		id = -1
		if t, keep := termOf(w); keep {
			tid, seen := d.ids[t]
			if !seen {
				tid = uint32(len(d.terms))
				d.ids[t] = tid
				d.terms = append(d.terms, t)
				d.hashes = append(d.hashes, fnv64(1, t, ""))
			}
			id = int32(tid)
		}
		d.words[w] = id
	}
	if id >= 0 {
		d.dst = append(d.dst, uint32(id))
	}
}

// termEmbedder embeds texts given as term ids: texts[k] has the terms
// ids[bounds[k]:bounds[k+1]].
type termEmbedder interface {
	embedIDs(ctx context.Context, d *termDict, ids []uint32, bounds []int) ([][]float32, error)
}

// termIndexer keyword-indexes chunks given with their term ids: chunks[k]
// has the terms ids[bounds[k]:bounds[k+1]].
type termIndexer interface {
	indexIDs(ctx context.Context, chunks []Chunk, d *termDict, ids []uint32, bounds []int) error
}

var (
	_ termEmbedder = (*HashEmbedder)(nil)
	_ termIndexer  = (*MemoryKeywordIndex)(nil)
)
