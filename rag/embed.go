package rag

import (
	"context"
	"math"
	"slices"
	"strconv"
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
// zero vector, which is similar to nothing.
func (h *HashEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	values := make([]float32, len(texts)*h.dims) // one allocation for the batch
	var s hashScratch
	for i, t := range texts {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		s.terms = appendTerms(s.terms[:0], t, &s.buf)
		out[i] = values[i*h.dims : (i+1)*h.dims : (i+1)*h.dims]
		h.embed(&s, out[i])
	}
	return out, nil
}

// hashScratch is the working space of HashEmbedder.embed, reused from one
// text to the next.
type hashScratch struct {
	terms        []string
	buf          []byte
	words, pairs []uint64 // feature hashes
	vec          []float64
}

// embed writes the vector of s.terms into out, which is zero.
func (h *HashEmbedder) embed(s *hashScratch, out []float32) {
	terms := s.terms
	// Count each feature once per hash so that repetitions are weighed
	// sublinearly: sort the hashes of words and of word pairs and take the
	// runs.
	words, pairs := s.words[:0], s.pairs[:0]
	for i, t := range terms {
		words = append(words, fnv64(1, t, ""))
		if i > 0 {
			pairs = append(pairs, fnv64(2, terms[i-1], t))
		}
	}
	s.words, s.pairs = words, pairs
	if cap(s.vec) < h.dims {
		s.vec = make([]float64, h.dims)
	}
	vec := s.vec[:h.dims]
	clear(vec)
	for _, f := range [2]struct {
		hashes []uint64
		weight float64
	}{{words, hashWordWeight}, {pairs, hashPairWeight}} {
		slices.Sort(f.hashes)
		for i := 0; i < len(f.hashes); {
			j := i + 1
			for j < len(f.hashes) && f.hashes[j] == f.hashes[i] {
				j++
			}
			hash := f.hashes[i]
			w := f.weight * (1 + math.Log(float64(j-i)))
			bucket := int(hash % uint64(h.dims))
			if hash>>63 == 1 {
				w = -w
			}
			vec[bucket] += w
			i = j
		}
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
