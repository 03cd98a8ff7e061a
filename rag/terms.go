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
	ids    map[string]uint32
	terms  []string // by id
	hashes []uint64 // by id: the hashing embedder's word feature
	// lists caches the memory keyword index's posting list of each id;
	// it is valid while listsOf has removed no posting list since
	// listsEpoch.
	lists      []*postingList
	listsOf    *MemoryKeywordIndex
	listsEpoch uint64
	scratch    []string
	buf        []byte
}

func newTermDict() *termDict { return &termDict{ids: map[string]uint32{}} }

// appendIDs appends the ids of the terms of text (see Terms) to dst.
func (d *termDict) appendIDs(dst []uint32, text string) []uint32 {
	d.scratch = appendTerms(d.scratch[:0], text, &d.buf)
	for _, t := range d.scratch {
		id, ok := d.ids[t]
		if !ok {
			t = strings.Clone(t) // not a piece of a long text
			id = uint32(len(d.terms))
			d.ids[t] = id
			d.terms = append(d.terms, t)
			d.hashes = append(d.hashes, fnv64(1, t, ""))
		}
		dst = append(dst, id)
	}
	return dst
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
