package rag

import (
	"context"
	"errors"
	"math"
	"runtime"
	"strconv"
	"sync"
)

// Embedder turns texts into vectors of Dimensions() numbers, one per text,
// in order. Vectors of similar texts point in similar directions; the
// indexes compare them by cosine similarity.
type Embedder interface {
	// Embed returns one vector per text. It fails as a whole: either every
	// text has its vector or an error is returned.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// Dimensions is the length of every vector Embed returns.
	Dimensions() int
	// Name identifies the model, e.g. "openai/text-embedding-3-small";
	// vectors made under different names are not comparable.
	Name() string
}

// DefaultHashDimensions is the vector length of NewHashEmbedder(0).
const DefaultHashDimensions = 1024

// maxHashDimensions bounds NewHashEmbedder's vector length.
const maxHashDimensions = 1 << 16

// Feature weights of the hashing embedder. Word pairs weigh less than words:
// they sharpen matches on phrases ("emergency fund", "spaced repetition")
// without drowning single-word matches.
const (
	hashWordWeight = 1.0
	hashPairWeight = 0.5
)

// HashEmbedder is an offline Embedder: it hashes the terms of a text (see
// Terms) and the pairs of adjacent terms into a fixed number of signed
// buckets, weighs repeated features sublinearly (1 + ln count) and
// normalises the vector to unit length. It needs no network and no model,
// is deterministic across runs and machines, and is fast enough to index the
// bundled library at every start. It matches words, not meanings: "budget"
// does not find "spending plan". Safe for concurrent use.
type HashEmbedder struct {
	dims int
}

// NewHashEmbedder returns a hashing embedder making vectors of dims numbers;
// dims <= 0 means DefaultHashDimensions, and dims is at most 65536.
func NewHashEmbedder(dims int) *HashEmbedder {
	if dims <= 0 {
		dims = DefaultHashDimensions
	}
	if dims > maxHashDimensions {
		dims = maxHashDimensions
	}
	return &HashEmbedder{dims: dims}
}

// Name returns "flux-hash-v1"; the version changes whenever the features
// change, so indexed vectors are rebuilt.
func (h *HashEmbedder) Name() string { return "flux-hash-v1" }

// Dimensions returns the vector length.
func (h *HashEmbedder) Dimensions() int { return h.dims }

// String describes the embedder, e.g. "flux-hash-v1/1024".
func (h *HashEmbedder) String() string { return h.Name() + "/" + strconv.Itoa(h.dims) }

// Embed returns the vector of each text. A text without any term has the
// zero vector, which is similar to nothing. Large batches are embedded on
// up to GOMAXPROCS goroutines.
func (h *HashEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return h.embedAll(ctx, len(texts), func(s *hashScratch, i int) {
		s.terms = appendTerms(s.terms[:0], texts[i], &s.buf)
		terms := s.terms
		s.features.reset(2 * len(terms))
		for j, t := range terms {
			s.features.add(fnv64(1, t, ""), hashWordWeight)
			if j > 0 {
				s.features.add(fnv64(2, terms[j-1], t), hashPairWeight)
			}
		}
	})
}

// embedIDs implements termEmbedder: Embed of texts given as term ids.
func (h *HashEmbedder) embedIDs(ctx context.Context, d *termDict, ids []uint32, bounds []int) ([][]float32, error) {
	return h.embedAll(ctx, len(bounds)-1, func(s *hashScratch, i int) {
		terms := ids[bounds[i]:bounds[i+1]]
		s.features.reset(2 * len(terms))
		for j, id := range terms {
			s.features.add(d.hashes[id], hashWordWeight)
			if j > 0 {
				s.features.add(fnv64(2, d.terms[terms[j-1]], d.terms[id]), hashPairWeight)
			}
		}
	})
}

// embedAll returns n vectors: count(s, i) fills s.features with the
// features of text i, and the vector is made of them. Large batches are
// split between up to GOMAXPROCS goroutines.
func (h *HashEmbedder) embedAll(ctx context.Context, n int, count func(s *hashScratch, i int)) ([][]float32, error) {
	out := make([][]float32, n)
	values := make([]float32, n*h.dims) // one allocation for the batch
	embed := func(lo, hi int) error {
		var s hashScratch
		for i := lo; i < hi; i++ {
			if (i-lo)%64 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			count(&s, i)
			out[i] = values[i*h.dims : (i+1)*h.dims : (i+1)*h.dims]
			h.embed(&s, out[i])
		}
		return nil
	}
	workers := min(runtime.GOMAXPROCS(0), n/hashParallelMin)
	if workers <= 1 {
		if err := embed(0, n); err != nil {
			return nil, err
		}
		return out, nil
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Go(func() { errs[w] = embed(lo, hi) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, ctx.Err()
	}
	return out, nil
}

// hashParallelMin is the fewest texts per goroutine when HashEmbedder.Embed
// splits a batch.
const hashParallelMin = 32

// hashScratch is the working space of HashEmbedder.embed, reused from one
// text to the next.
type hashScratch struct {
	terms    []string
	buf      []byte
	features featureTable
	vec      []float64
}

// featureTable counts feature hashes: an open-addressing hash table whose
// used slots are listed, so that emptying it costs what was used.
type featureTable struct {
	keys    []uint64
	weights []float64 // the weight of the first occurrence
	counts  []uint32  // 0 for an empty slot
	used    []int
}

// reset empties the table and makes room for n features.
func (t *featureTable) reset(n int) {
	for _, i := range t.used {
		t.counts[i] = 0
	}
	t.used = t.used[:0]
	if size := len(t.keys); size < 2*n || size == 0 {
		size = 64
		for size < 2*n {
			size *= 2
		}
		t.keys, t.weights, t.counts = make([]uint64, size), make([]float64, size), make([]uint32, size)
	}
}

// add counts one occurrence of a feature.
func (t *featureTable) add(hash uint64, weight float64) {
	mask := uint64(len(t.keys) - 1)
	i := int(hash & mask)
	for t.counts[i] != 0 && t.keys[i] != hash {
		i = int((uint64(i) + 1) & mask)
	}
	if t.counts[i] == 0 {
		t.keys[i], t.weights[i] = hash, weight
		t.used = append(t.used, i)
	}
	t.counts[i]++
}

// embed writes the vector of the features counted in s.features into
// out, which is zero.
func (h *HashEmbedder) embed(s *hashScratch, out []float32) {
	t := &s.features
	if cap(s.vec) < h.dims {
		s.vec = make([]float64, h.dims)
	}
	vec := s.vec[:h.dims]
	clear(vec)
	for _, slot := range t.used {
		hash, w := t.keys[slot], t.weights[slot]
		if n := t.counts[slot]; n > 1 {
			w *= 1 + math.Log(float64(n))
		}
		bucket := int(hash % uint64(h.dims))
		if hash>>63 == 1 {
			w = -w
		}
		vec[bucket] += w
	}
	var norm float64
	for _, v := range vec {
		norm += v * v
	}
	if norm == 0 {
		return
	}
	norm = math.Sqrt(norm)
	for i, v := range vec {
		out[i] = float32(v / norm)
	}
}

// fnv64 is FNV-1a over a kind byte, a, a separator and b.
func fnv64(kind byte, a, b string) uint64 {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	h ^= uint64(kind)
	h *= prime
	for i := 0; i < len(a); i++ {
		h ^= uint64(a[i])
		h *= prime
	}
	if b != "" {
		h ^= 0
		h *= prime
		for i := 0; i < len(b); i++ {
			h ^= uint64(b[i])
			h *= prime
		}
	}
	// FNV's high bits mix poorly for short inputs; finish with a
	// multiply-xorshift so that both the bucket and the sign bit are well
	// spread.
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}
