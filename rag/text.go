package rag

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terms returns the index terms of text as the offline embedder and the
// in-memory keyword index see them: words (runs of letters and digits, with
// apostrophes inside a word dropped) lower-cased, English stop words
// removed, and English words lightly stemmed ("running" and "runs" become
// "run"; "study", "studies" and "studied" become "studi"). Stores that implement KeywordIndex
// with their own full-text engine need not use it.
func Terms(text string) []string {
	return appendTerms(nil, text, nil)
}

// appendTerms appends the terms of text to dst and returns it; buf, when
// not nil, is scratch space kept for the next call. A term is a substring of
// text whenever the word is already lower case and its stem a prefix of it,
// which is most words: then it costs no allocation.
func appendTerms(dst []string, text string, buf *[]byte) []string {
	s := termSink{dst: dst}
	scanWords(text, buf, &s)
	return s.dst
}

// termSink collects the terms of the words scanWords finds.
type termSink struct{ dst []string }

func (s *termSink) word(clean string, dirty []byte) {
	w := clean
	if dirty != nil {
		w = string(dirty)
	}
	if t, ok := termOf(w); ok {
		s.dst = append(s.dst, t)
	}
}

// termOf returns the term of a lower-cased word: none for a stop word or a
// single character other than a digit, else its stem.
func termOf(w string) (string, bool) {
	if isStopWord(w) || len(w) < 5 && utf8.RuneCountInString(w) < 2 && !isDigits(w) {
		return "", false
	}
	return stem(w), true
}

// wordSink receives the words of a text from scanWords, lower-cased: as
// clean, a substring of the text, or, when it differs from the text, as
// dirty, valid until the next word.
type wordSink interface {
	word(clean string, dirty []byte)
}

// scanWords finds the words of text as Terms defines them (runs of letters,
// digits and marks, apostrophes inside a word dropped), lower-cases them and
// hands them to sink; buf, when not nil, is scratch space kept for the next
// call.
func scanWords(text string, buf *[]byte, sink wordSink) {
	var word []byte // the word lower-cased, once it differs from text
	if buf != nil {
		word = (*buf)[:0]
	}
	start := -1    // byte offset of the current word in text; -1 when none
	dirty := false // the word is in word, not text[start:i]
	emit := func(end int) {
		if dirty {
			sink.word("", word)
		} else {
			sink.word(text[start:end], nil)
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if lc := asciiWordByte[c]; lc != 0 {
				switch {
				case start < 0:
					start, dirty = i, false
					if lc != c {
						word, dirty = append(word[:0], lc), true
					}
				case dirty:
					word = append(word, lc)
				case lc != c:
					word = append(append(word[:0], text[start:i]...), lc)
					dirty = true
				}
				i++
				continue
			}
			if c == '\'' && start >= 0 && i+1 < len(text) && nextIsLetter(text[i+1:]) {
				// "don't" -> "dont", "week's" -> "weeks"
				if !dirty {
					word, dirty = append(word[:0], text[start:i]...), true
				}
				i++
				continue
			}
			if start >= 0 {
				emit(i)
				start = -1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc):
			lr := unicode.ToLower(r)
			switch {
			case start < 0:
				start, dirty = i, false
				if lr != r {
					word, dirty = utf8.AppendRune(word[:0], lr), true
				}
			case dirty:
				word = utf8.AppendRune(word, lr)
			case lr != r:
				word = utf8.AppendRune(append(word[:0], text[start:i]...), lr)
				dirty = true
			}
		case r == '’' && start >= 0 && i+size < len(text) && nextIsLetter(text[i+size:]):
			if !dirty {
				word, dirty = append(word[:0], text[start:i]...), true
			}
		default:
			if start >= 0 {
				emit(i)
				start = -1
			}
		}
		i += size
	}
	if start >= 0 {
		emit(len(text))
	}
	if buf != nil {
		*buf = word
	}
}

// asciiWordByte maps the ASCII letters and digits to themselves lower-cased
// and every other ASCII character to 0.
var asciiWordByte = func() (t [utf8.RuneSelf]byte) {
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c
	}
	for c := byte('a'); c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = c, c
	}
	return t
}()

// nextIsLetter reports whether s starts with a letter.
func nextIsLetter(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r)
}

func isDigits(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}

// stem strips common English inflections from an ASCII word. It is a small,
// predictable subset of Porter's algorithm: plurals, -ing, -ed, -er, -ion
// after t or s, a final e, and a final y after a consonant (made i), so that
// related forms meet on one key. Stems need not be words.
func stem(w string) string {
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			return w
		}
	}
	if len(w) <= 3 {
		return w
	}
	switch {
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:len(w)-1]
	}
	switch {
	case strings.HasSuffix(w, "ied") && len(w) > 4:
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ing") && len(w) >= 6 && hasVowel(w[:len(w)-3]):
		w = undouble(w[:len(w)-3])
	case strings.HasSuffix(w, "ed") && len(w) >= 5 && hasVowel(w[:len(w)-2]):
		w = undouble(w[:len(w)-2])
	case strings.HasSuffix(w, "er") && len(w) >= 5 && hasVowel(w[:len(w)-2]):
		w = undouble(w[:len(w)-2])
	case strings.HasSuffix(w, "ion") && len(w) >= 7 && (w[len(w)-4] == 't' || w[len(w)-4] == 's'):
		w = w[:len(w)-3]
	}
	if len(w) > 3 && w[len(w)-1] == 'e' && !strings.HasSuffix(w, "ee") {
		w = w[:len(w)-1]
	}
	if len(w) > 3 && w[len(w)-1] == 'y' && !isVowel(w[len(w)-2]) {
		w = w[:len(w)-1] + "i" // "study", "studies", "studied" -> "studi"
	}
	return w
}

func hasVowel(s string) bool {
	for i := 0; i < len(s); i++ {
		if isVowel(s[i]) || s[i] == 'y' {
			return true
		}
	}
	return false
}

// isVowel reports whether c is one of aeiou.
func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}

// undouble turns a doubled final consonant into one ("runn" -> "run"),
// except l, s and z ("fall", "stress", "buzz").
func undouble(w string) string {
	n := len(w)
	if c := w[n-1]; n >= 3 && c == w[n-2] && !isVowel(c) && c != 'l' && c != 's' && c != 'z' {
		return w[:n-1]
	}
	return w
}

// isStopWord reports whether w is one of stopWords. A table indexed by
// the length and the first and last letters turns most words away at once
// and leaves at most a few stop words to compare with.
func isStopWord(w string) bool {
	n := len(w)
	if n == 0 || n > maxStopWordLen {
		return false
	}
	a, z := w[0]-'a', w[n-1]-'a'
	if a >= 26 || z >= 26 {
		return false
	}
	c := stopWordTable.cells[n][a][z]
	for _, s := range stopWordTable.words[c.start : c.start+c.n] {
		if s == w {
			return true
		}
	}
	return false
}

// maxStopWordLen is the length of the longest stop word.
const maxStopWordLen = 10

// stopWordTable lists the stop words by [length][first letter][last
// letter]: cells[n][a][z] is the run of words that shares them.
var stopWordTable = func() *struct {
	cells [maxStopWordLen + 1][26][26]struct{ start, n uint16 }
	words []string
} {
	t := new(struct {
		cells [maxStopWordLen + 1][26][26]struct{ start, n uint16 }
		words []string
	})
	words := make([]string, 0, len(stopWords))
	for w := range stopWords {
		if len(w) > maxStopWordLen {
			panic("rag: stop word longer than maxStopWordLen: " + w)
		}
		words = append(words, w)
	}
	key := func(w string) int { return (len(w)*26+int(w[0]-'a'))*26 + int(w[len(w)-1]-'a') }
	slices.SortFunc(words, func(x, y string) int { return cmp.Or(cmp.Compare(key(x), key(y)), strings.Compare(x, y)) })
	for i, w := range words {
		c := &t.cells[len(w)][w[0]-'a'][w[len(w)-1]-'a']
		if c.n == 0 {
			c.start = uint16(i)
		}
		c.n++
	}
	t.words = words
	return t
}()

// stopWords are common English words that carry no topic.
var stopWords = func() map[string]struct{} {
	words := strings.Fields(`
a about above after again against all almost also am an and any are aren as at
be because been before being below between both but by can cannot could
couldn did didn do does doesn doing don done down during each either else even
ever every few for from further get gets getting got had hadn has hasn have haven
having he her here hers herself him himself his how however i if in into is isn
it its itself just let lets like ll made make makes many may me might more most
much must mustn my myself need no nor not now of off often on once one only or
other ought our ours ourselves out over own per quite rather re really same
shall shan she should shouldn so some such than that the their theirs them
themselves then there these they thing things this those though through to too
under until up upon us use used using ve very want wants was wasn way we well
were weren what when where whether which while who whom whose why will with
within without won would wouldn yet you your yours yourself yourselves im ive
youre dont cant wont isnt arent doesnt didnt thats whats theres lot lots
`)
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}()
