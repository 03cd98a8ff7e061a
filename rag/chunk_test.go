package rag

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// sentences returns n numbered sentences of about 60 characters.
func sentences(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "Sentence number %d talks about training, sleep and habits. ", i)
	}
	return strings.TrimSpace(b.String())
}

// numbered repeats format n times with the repetition's number, so that
// no two parts of the text are alike.
func numbered(format string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, format, i)
	}
	return b.String()
}

// paragraphs returns n paragraphs of m sentences each.
func paragraphs(n, m int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = fmt.Sprintf("Paragraph %d. ", i) + sentences(m)
	}
	return strings.Join(ps, "\n\n")
}

func TestChunkerSplitProperties(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		chunker Chunker
		text    string
		overlap bool // consecutive chunks must overlap (else they must not)
	}{
		{"default on one long paragraph", Chunker{}, sentences(120), true},
		{"default on paragraphs", Chunker{}, paragraphs(12, 8), true},
		{"small chunks on paragraphs", Chunker{Size: 300, Overlap: 60}, paragraphs(6, 6), true},
		{"lines", Chunker{Size: 200, Overlap: 40}, numbered("list item %d with some words\n", 40), true},
		{"no overlap", Chunker{Size: 300, Overlap: -1}, sentences(40), false},
		{"unicode text", Chunker{Size: 100, Overlap: 20}, numbered("Schlaf %d ist wichtig – 睡眠は大切です。 Ça va très bien. ", 30), true},
		{"one huge word", Chunker{Size: 50, Overlap: 10}, strings.Repeat("x", 1000), false},
		{"huge word of multibyte runes", Chunker{Size: 50, Overlap: 10}, strings.Repeat("日本", 300), false},
		{"combining marks", Chunker{Size: 30, Overlap: 5}, strings.Repeat("e\u0301", 200), false},
		{"emoji with modifiers", Chunker{Size: 25, Overlap: 5}, strings.Repeat("👍🏽👩\u200d💻", 100), false},
		{"whitespace heavy", Chunker{Size: 60, Overlap: 25}, "\n\n   " + numbered("w%d   \n\n\n  ", 100), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			size, overlap := tt.chunker.effective()
			chunks := tt.chunker.Split(tt.text)
			if len(chunks) < 2 {
				t.Fatalf("got %d chunks, want several", len(chunks))
			}
			for i, c := range chunks {
				if n := utf8.RuneCountInString(c); n > size {
					t.Errorf("chunk %d has %d characters, more than %d", i, n, size)
				}
				if strings.TrimSpace(c) != c || c == "" {
					t.Errorf("chunk %d is empty or not trimmed: %q", i, c)
				}
				if !utf8.ValidString(c) {
					t.Errorf("chunk %d is not valid UTF-8", i)
				}
				if r, _ := utf8.DecodeRuneInString(c); r == '\u0301' || r == '\u200d' || (r >= 0x1F3FB && r <= 0x1F3FF) {
					t.Errorf("chunk %d starts inside a character cluster: %q", i, c[:min(len(c), 12)])
				}
			}
			// Every character of the text is in some chunk, in order (white
			// space aside).
			squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
			joined := strings.Join(chunks, "")
			if tt.overlap {
				joined = strings.Join(dedupOverlap(chunks), "")
			}
			if got, want := squash(joined), squash(tt.text); got != want {
				t.Errorf("text lost or reordered:\n got %q\nwant %q", head(got), head(want))
			}
			if tt.overlap && overlap > 0 {
				for i := 1; i < len(chunks); i++ {
					ov := sharedOverlap(chunks[i-1], chunks[i])
					if ov == 0 {
						t.Errorf("chunks %d and %d do not overlap:\n%q\n%q", i-1, i, tail(chunks[i-1]), head(chunks[i]))
					}
					if ov > overlap {
						t.Errorf("chunks %d and %d overlap by %d characters, more than %d", i-1, i, ov, overlap)
					}
				}
			}
		})
	}
}

// sharedOverlap returns the length in characters of the longest suffix of a
// that is a prefix of b.
func sharedOverlap(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	for n := min(len(ra), len(rb)); n > 0; n-- {
		if string(ra[len(ra)-n:]) == string(rb[:n]) {
			return n
		}
	}
	return 0
}

// dedupOverlap removes from each chunk the part it repeats from the one
// before.
func dedupOverlap(chunks []string) []string {
	out := []string{chunks[0]}
	for i := 1; i < len(chunks); i++ {
		n := sharedOverlap(chunks[i-1], chunks[i])
		out = append(out, string([]rune(chunks[i])[n:]))
	}
	return out
}

func head(s string) string { r := []rune(s); return string(r[:min(40, len(r))]) }
func tail(s string) string { r := []rune(s); return string(r[max(0, len(r)-40):]) }

func TestChunkerNoOverlapPreservesText(t *testing.T) {
	t.Parallel()
	text := paragraphs(5, 7)
	chunks := Chunker{Size: 250, Overlap: -1}.Split(text)
	if got, want := strings.Join(strings.Fields(strings.Join(chunks, " ")), " "), strings.Join(strings.Fields(text), " "); got != want {
		t.Errorf("joined chunks differ from the text:\n got %q\nwant %q", got, want)
	}
}

func TestChunkerPrefersParagraphs(t *testing.T) {
	t.Parallel()
	p := func(i int) string { return fmt.Sprintf("Paragraph %d. ", i) + sentences(3) } // about 190 characters
	text := strings.Join([]string{p(1), p(2), p(3), p(4)}, "\n\n")
	chunks := Chunker{Size: 420, Overlap: -1}.Split(text)
	want := []string{p(1) + "\n\n" + p(2), p(3) + "\n\n" + p(4)}
	if diff := cmp.Diff(want, chunks); diff != "" {
		t.Errorf("chunks (-want +got):\n%s", diff)
	}
}

func TestChunkerSentencesBeforeWords(t *testing.T) {
	t.Parallel()
	chunks := Chunker{Size: 130, Overlap: -1}.Split(sentences(6))
	for i, c := range chunks[:len(chunks)-1] {
		if !strings.HasSuffix(c, ".") {
			t.Errorf("chunk %d does not end at a sentence: %q", i, c)
		}
	}
}

func TestChunkerSmallAndEmpty(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want []string
	}{
		{"", nil},
		{" \n\n\t ", nil},
		{"  short text \n", []string{"short text"}},
		{"a\r\nb", []string{"a\nb"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Chunker{}.Split(tt.text)); diff != "" {
			t.Errorf("Split(%q) (-want +got):\n%s", tt.text, diff)
		}
	}
}

func TestChunkerSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c             Chunker
		size, overlap int
		str           string
		valid         bool
	}{
		{Chunker{}, 2000, 200, "2000/200", true},
		{DefaultChunker, 2000, 200, "2000/200", true},
		{Chunker{Size: 500}, 500, 50, "500/50", true},
		{Chunker{Size: 500, Overlap: -1}, 500, 0, "500/0", true},
		{Chunker{Size: 100, Overlap: 80}, 100, 49, "100/49", false},
		{Chunker{Size: 10}, 10, 1, "10/1", false},
		{Chunker{Size: -5}, 2000, 200, "2000/200", false},
	}
	for _, tt := range tests {
		size, overlap := tt.c.effective()
		if size != tt.size || overlap != tt.overlap || tt.c.String() != tt.str {
			t.Errorf("%+v: effective = %d/%d (%s), want %d/%d (%s)", tt.c, size, overlap, tt.c.String(), tt.size, tt.overlap, tt.str)
		}
		if err := tt.c.Validate(); (err == nil) != tt.valid {
			t.Errorf("%+v: Validate = %v, want valid %v", tt.c, err, tt.valid)
		}
	}
}

func TestChunkerChunk(t *testing.T) {
	t.Parallel()
	d := Document{ID: "doc", Title: "T", Source: "S", Category: "study", Authority: "A", Content: sentences(60)}
	chunks := Chunker{Size: 500}.Chunk(d)
	if len(chunks) < 3 {
		t.Fatalf("got %d chunks", len(chunks))
	}
	for i, c := range chunks {
		want := Metadata{Title: "T", Source: "S", Category: "study", Authority: "A"}
		if c.DocumentID != "doc" || c.Index != i || c.Metadata != want {
			t.Errorf("chunk %d = %+v", i, c)
		}
		if c.ID() != fmt.Sprintf("doc_%d", i) {
			t.Errorf("chunk %d ID = %q", i, c.ID())
		}
		if !strings.HasPrefix(c.IndexText(), "T\n\n") {
			t.Errorf("IndexText does not start with the title: %q", head(c.IndexText()))
		}
	}
}

func TestBundledArticlesChunkLikeTheOriginal(t *testing.T) {
	t.Parallel()
	docs, err := Articles()
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, d := range docs {
		n := len(DefaultChunker.Chunk(d))
		if n < 2 || n > 6 {
			t.Errorf("%s: %d chunks, want 2 to 6 for a 400-1200 word article", d.ID, n)
		}
		total += n
	}
	t.Logf("%d articles, %d chunks", len(docs), total)
}

func TestChunkerKeepsHeadingsWithTheirSection(t *testing.T) {
	t.Parallel()
	var parts []string
	for i := range 8 {
		parts = append(parts, fmt.Sprintf("## Section %d", i), fmt.Sprintf("Body of section %d. ", i)+sentences(4))
	}
	text := strings.Join(parts, "\n\n")
	for _, c := range (Chunker{Size: 700}).Split(text) {
		lines := strings.Split(c, "\n")
		if last := lines[len(lines)-1]; strings.HasPrefix(last, "#") {
			t.Errorf("chunk ends with a heading: %q", tail(c))
		}
	}
}
