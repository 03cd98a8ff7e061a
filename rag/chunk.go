package rag

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fluxlife/flux"
)

// Chunking defaults: RAG_CHUNK_SIZE and RAG_CHUNK_OVERLAP of the original.
const (
	DefaultChunkSize    = 2000
	DefaultChunkOverlap = 200
)

// Metadata describes the document a chunk comes from.
type Metadata struct {
	Title     string `json:"title"`
	Source    string `json:"source"`
	Category  string `json:"category"`
	Authority string `json:"authority"`
}

// MetadataOf returns the metadata of d.
func MetadataOf(d Document) Metadata {
	return Metadata{Title: d.Title, Source: d.Source, Category: d.Category, Authority: d.Authority}
}

// Chunk is one passage of a document, the unit that is embedded, indexed and
// retrieved.
type Chunk struct {
	DocumentID string `json:"document_id"`
	// Index is the chunk's position in its document, from 0.
	Index int    `json:"chunk_index"`
	Text  string `json:"text"`
	Metadata
}

// ID returns the chunk's id in an index: "<document id>_<index>", as the
// original system named its vectors.
func (c Chunk) ID() string { return c.DocumentID + "_" + strconv.Itoa(c.Index) }

// IndexText returns the text that is embedded and keyword-indexed for the
// chunk: the document title, a blank line, and the chunk text. Indexing the
// title with every chunk lets a passage in the middle of an article match a
// question about the article's subject.
func (c Chunk) IndexText() string {
	if c.Title == "" {
		return c.Text
	}
	return c.Title + "\n\n" + c.Text
}

// Chunker splits text recursively: it cuts before a Markdown heading or at a
// paragraph break where it can (never just after a heading), else at a line
// break, else between sentences, else between words, and
// only as a last resort between two characters. Sizes count characters
// (runes), never bytes, and a cut never falls inside a UTF-8 sequence or
// before a combining mark.
//
// The zero Chunker uses the defaults (2000 and 200).
type Chunker struct {
	// Size is the largest chunk, in characters. 0 means DefaultChunkSize.
	Size int
	// Overlap is the most characters a chunk repeats from the end of the
	// chunk before it; the repeated part starts at a sentence or, failing
	// that, a word. 0 means Size/10 (200 for the default size); a negative
	// value means no overlap. An overlap of Size/2 or more is cut to
	// Size/2-1 so that every chunk brings new text.
	Overlap int
}

// DefaultChunker is the chunker of the original system: 2000 characters
// with an overlap of 200.
var DefaultChunker = Chunker{Size: DefaultChunkSize, Overlap: DefaultChunkOverlap}

// effective returns the size and overlap actually used.
func (c Chunker) effective() (size, overlap int) {
	size = c.Size
	if size <= 0 {
		size = DefaultChunkSize
	}
	overlap = c.Overlap
	switch {
	case overlap == 0:
		overlap = size / 10
	case overlap < 0:
		overlap = 0
	}
	if overlap >= size/2 {
		overlap = max(size/2-1, 0)
	}
	return size, overlap
}

// Validate reports a Chunker whose settings are not usable as they are, as
// an EInvalid *flux.Error (fields "chunk_size" and "chunk_overlap").
func (c Chunker) Validate() error {
	var fields []flux.FieldError
	if c.Size < 0 || (c.Size > 0 && c.Size < 20) {
		fields = append(fields, flux.FieldError{Field: "chunk_size", Message: "must be at least 20 characters"})
	}
	size, _ := c.effective()
	if c.Overlap > 0 && c.Overlap >= size/2 {
		fields = append(fields, flux.FieldError{Field: "chunk_overlap", Message: fmt.Sprintf("must be less than half the chunk size (%d)", size/2)})
	}
	if len(fields) > 0 {
		return flux.Invalid("invalid chunking settings", fields...)
	}
	return nil
}

// String describes the effective settings, e.g. "2000/200"; the ingester
// records it to notice a change of settings.
func (c Chunker) String() string {
	size, overlap := c.effective()
	return strconv.Itoa(size) + "/" + strconv.Itoa(overlap)
}

// Chunk splits the content of d into chunks carrying d's metadata.
func (c Chunker) Chunk(d Document) []Chunk {
	texts := c.Split(d.Content)
	out := make([]Chunk, len(texts))
	md := MetadataOf(d)
	for i, t := range texts {
		out[i] = Chunk{DocumentID: d.ID, Index: i, Text: t, Metadata: md}
	}
	return out
}

// Boundary strengths: where a chunk may end, from worst to best.
const (
	cutNever     = -1 // inside a character cluster
	cutRune      = 0
	cutWord      = 1
	cutSentence  = 2
	cutLine      = 3
	cutParagraph = 4
	cutSection   = 5 // a paragraph break before a Markdown heading
)

// Split returns the chunks of text, trimmed, none empty, each at most Size
// characters long.
func (c Chunker) Split(text string) []string {
	size, overlap := c.effective()
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	// ASCII text is cut by byte; other text by character, each chunk a
	// substring of text when it is valid UTF-8 (invalid bytes became
	// U+FFFD in runes; those chunks are encoded again from runes).
	var (
		runes    []rune
		offsets  []int32
		strength []int8
		n        int
	)
	if isASCII(text) {
		n = len(text)
		if n <= size {
			return []string{text}
		}
		strength = asciiBoundaries(text)
	} else {
		runes = []rune(text)
		n = len(runes)
		if n <= size {
			return []string{text}
		}
		if utf8.ValidString(text) {
			offsets = make([]int32, 0, n+1)
			for i := range text {
				offsets = append(offsets, int32(i))
			}
			offsets = append(offsets, int32(len(text)))
		}
		strength = boundaries(runes)
	}
	// A chunk must bring at least minNew characters of new text unless the
	// text ends sooner, so that a paragraph break just after the previous
	// cut does not make a chunk of little more than the overlap.
	minNew := max(size/4, 1)

	var out []string
	s, prevEnd := 0, 0
	for s < n {
		e := n
		if limit := s + size; limit < n {
			e = -1
			best := int8(cutNever)
			lo := max(s, prevEnd+minNew-1)
			if lo >= limit {
				lo = max(s, prevEnd)
			}
			for i := limit; i > lo; i-- {
				if st := strength[i]; st > best {
					e, best = i, st
					if st == cutSection {
						break
					}
				}
			}
			if e < 0 {
				e = limit // nowhere to cut cleanly: cut at the size
			}
		}
		var t string
		switch {
		case runes == nil:
			t = strings.TrimSpace(text[s:e])
		case offsets != nil:
			t = strings.TrimSpace(text[offsets[s]:offsets[e]])
		default:
			t = strings.TrimSpace(string(runes[s:e]))
		}
		if t != "" {
			out = append(out, t)
		}
		if e >= n {
			break
		}
		next := e
		if overlap > 0 {
			lo := max(e-overlap, s+1)
			next = firstAtLeast(strength, lo, e, cutSentence)
			if next < 0 {
				next = firstAtLeast(strength, lo, e, cutWord)
			}
			if next < 0 {
				next = e
			}
		}
		prevEnd = e
		s = next
	}
	return out
}

// firstAtLeast returns the first i in [lo, hi) whose strength is at least
// min, or -1.
func firstAtLeast(strength []int8, lo, hi int, min int8) int {
	for i := lo; i < hi; i++ {
		if strength[i] >= min {
			return i
		}
	}
	return -1
}

// boundaries returns, for each position i in [0, len(runes)], how good a
// place it is to cut the text before runes[i].
func boundaries(runes []rune) []int8 {
	n := len(runes)
	st := make([]int8, n+1)
	st[0], st[n] = cutSection, cutSection
	for i := 1; i < n; i++ {
		r, prev := runes[i], runes[i-1]
		if r < utf8.RuneSelf && prev < utf8.RuneSelf {
			// The common case, without the tests for marks, joiners and
			// full-width punctuation that ASCII never meets.
			switch {
			case asciiSpace[r]:
				st[i] = cutRune
			case asciiSpace[prev]:
				st[i] = spaceRunStrength(runes, i)
			default:
				st[i] = cutRune
			}
			continue
		}
		switch {
		case unicode.IsSpace(r):
			// Cut at the start of the next word instead; trailing space is
			// trimmed anyway.
			st[i] = cutRune
		case unicode.IsSpace(prev):
			st[i] = spaceRunStrength(runes, i)
		case strings.ContainsRune("。！？", prev):
			st[i] = cutSentence
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc) || r == '\u200d' || prev == '\u200d' ||
			unicode.In(r, unicode.Variation_Selector) || (r >= 0x1F3FB && r <= 0x1F3FF):
			st[i] = cutNever
		default:
			st[i] = cutRune
		}
	}
	return st
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// asciiBoundaries is boundaries for ASCII text, by byte.
func asciiBoundaries(text string) []int8 {
	n := len(text)
	st := make([]int8, n+1) // cutRune everywhere but at word starts
	st[0], st[n] = cutSection, cutSection
	prevSpace := asciiSpace[text[0]]
	for i := 1; i < n; i++ {
		space := asciiSpace[text[i]]
		if prevSpace && !space {
			st[i] = asciiSpaceRunStrength(text, i)
		}
		prevSpace = space
	}
	return st
}

// asciiSpaceRunStrength is spaceRunStrength for ASCII text.
func asciiSpaceRunStrength(text string, i int) int8 {
	j := i - 1
	newlines := 0
	for j >= 0 && asciiSpace[text[j]] {
		if text[j] == '\n' {
			newlines++
		}
		j--
	}
	if newlines > 0 {
		lineStart := j
		for lineStart > 0 && text[lineStart-1] != '\n' {
			lineStart--
		}
		switch {
		case j >= 0 && text[lineStart] == '#':
			return cutWord
		case text[i] == '#':
			return cutSection
		case newlines >= 2:
			return cutParagraph
		default:
			return cutLine
		}
	}
	for j >= 0 && isCloser(rune(text[j])) {
		j--
	}
	if j >= 0 && isSentenceEnd(rune(text[j])) {
		return cutSentence
	}
	return cutWord
}

// asciiSpace reports the ASCII characters unicode.IsSpace accepts.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// spaceRunStrength grades a cut at i, the first character after a run of
// white space: a blank line makes a paragraph break, a newline a line break,
// sentence-ending punctuation before the run a sentence break.
func spaceRunStrength(runes []rune, i int) int8 {
	j := i - 1
	newlines := 0
	for j >= 0 && unicode.IsSpace(runes[j]) {
		if runes[j] == '\n' {
			newlines++
		}
		j--
	}
	if newlines > 0 {
		// Never leave a Markdown heading at the end of a chunk, away from
		// its section: cut before the heading, not after it.
		lineStart := j
		for lineStart > 0 && runes[lineStart-1] != '\n' {
			lineStart--
		}
		switch {
		case j >= 0 && runes[lineStart] == '#':
			return cutWord
		case runes[i] == '#':
			return cutSection
		case newlines >= 2:
			return cutParagraph
		default:
			return cutLine
		}
	}
	// Skip closing quotes and brackets after the punctuation: `end." Next`.
	for j >= 0 && isCloser(runes[j]) {
		j--
	}
	if j >= 0 && isSentenceEnd(runes[j]) {
		return cutSentence
	}
	return cutWord
}

// isCloser reports a closing quote or bracket: one of "')]»”’.
func isCloser(r rune) bool {
	switch r {
	case '"', '\'', ')', ']', '»', '”', '’':
		return true
	}
	return false
}

// isSentenceEnd reports sentence-ending punctuation: one of .!?….
func isSentenceEnd(r rune) bool {
	switch r {
	case '.', '!', '?', '…':
		return true
	}
	return false
}
