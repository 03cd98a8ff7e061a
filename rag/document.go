package rag

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fluxlife/flux"
)

// Limits on documents. They keep one upload from exhausting memory and keep
// header fields short enough to show in a citation.
const (
	// MaxArticleBytes is the largest article ParseArticle reads.
	MaxArticleBytes = 1 << 20
	// MaxIDLength is the longest document id, in characters.
	MaxIDLength = flux.MaxArticleIDLength
	// MaxTitleLength, MaxSourceLength, MaxCategoryLength and
	// MaxAuthorityLength bound the header fields, in characters.
	MaxTitleLength     = 300
	MaxSourceLength    = 1000
	MaxCategoryLength  = 50
	MaxAuthorityLength = 300
)

// Categories are the planner domains an article can belong to. The bundled
// library uses only these; documents ingested by an administrator may use
// others.
var Categories = []string{"fitness", "running", "language", "study", "career", "money", "creative", "wellbeing", "general"}

// KnownCategory reports whether c is one of Categories.
func KnownCategory(c string) bool {
	for _, k := range Categories {
		if c == k {
			return true
		}
	}
	return false
}

// Document is one article of the library.
type Document struct {
	// ID is stable across restarts: the slug of the file name (see Slug),
	// or of the title when there is no file.
	ID string `json:"id"`
	// Title, Source, Category and Authority are the header fields. Source
	// names where the facts come from; Authority describes how authoritative
	// that source is; Category is a planner domain (see Categories).
	Title     string `json:"title"`
	Source    string `json:"source"`
	Category  string `json:"category"`
	Authority string `json:"authority"`
	// Content is the body, without the header.
	Content string `json:"content"`
	// Hash is the hex SHA-256 of the article as FormatArticle writes it
	// (header and content), so a change to either re-indexes the document.
	// ParseArticle and Normalize set it.
	Hash string `json:"hash"`
}

// SumHash returns the hex SHA-256 of FormatArticle(d).
func (d Document) SumHash() string {
	// The bytes of FormatArticle(d), written to the hash without building
	// the article.
	h := sha256.New()
	fmt.Fprintf(h, "Title: %s | Source: %s\n", d.Title, d.Source)
	fmt.Fprintf(h, "Category: %s | Authority: %s\n", d.Category, d.Authority)
	io.WriteString(h, "---\n")
	io.WriteString(h, d.Content)
	io.WriteString(h, "\n")
	return hex.EncodeToString(h.Sum(nil))
}

// Normalize returns d cleaned up the way ParseArticle cleans an article:
// header fields and content trimmed, line endings made "\n", the ID taken
// from the title when it is empty and made a slug otherwise, and Hash
// computed. It does not validate; call Validate on the result.
func (d Document) Normalize() Document {
	d.Title = strings.TrimSpace(d.Title)
	d.Source = strings.TrimSpace(d.Source)
	d.Category = strings.ToLower(strings.TrimSpace(d.Category))
	d.Authority = strings.TrimSpace(d.Authority)
	d.Content = cleanBody(d.Content)
	if strings.TrimSpace(d.ID) == "" {
		d.ID = Slug(d.Title)
	} else {
		d.ID = Slug(d.ID)
	}
	d.Hash = d.SumHash()
	return d
}

// Validate checks the document and returns an EInvalid *flux.Error listing
// every problem, or nil.
func (d Document) Validate() error {
	var fields []flux.FieldError
	add := func(field, msg string) { fields = append(fields, flux.FieldError{Field: field, Message: msg}) }
	switch {
	case d.ID == "":
		add("id", "is missing")
	case !ValidDocumentID(d.ID):
		add("id", fmt.Sprintf("must be 1 to %d lower-case letters, digits, '-' or '_'", MaxIDLength))
	}
	header := []struct {
		field, value string
		max          int
	}{
		{"title", d.Title, MaxTitleLength},
		{"source", d.Source, MaxSourceLength},
		{"category", d.Category, MaxCategoryLength},
		{"authority", d.Authority, MaxAuthorityLength},
	}
	for _, h := range header {
		switch {
		case strings.TrimSpace(h.value) == "":
			add(h.field, "is missing")
		case !utf8.ValidString(h.value):
			add(h.field, "is not valid UTF-8")
		case utf8.RuneCountInString(h.value) > h.max:
			add(h.field, fmt.Sprintf("is longer than %d characters", h.max))
		case strings.ContainsAny(h.value, "\r\n"):
			add(h.field, "must be on one line")
		case hasKeySegment(h.value):
			add(h.field, "must not contain '|' followed by a header field name")
		}
	}
	switch {
	case strings.TrimSpace(d.Content) == "":
		add("content", "is empty")
	case !utf8.ValidString(d.Content):
		add("content", "is not valid UTF-8")
	case len(d.Content) > MaxArticleBytes:
		add("content", fmt.Sprintf("is larger than %d bytes", MaxArticleBytes))
	}
	if len(fields) > 0 {
		return flux.Invalid("invalid document", fields...)
	}
	return nil
}

// ValidDocumentID reports whether id is a slug as Slug makes them: 1 to
// MaxIDLength characters, lower-case letters (any script), digits, '-' and
// '_', not starting or ending with '-'. It is the store's rule for article
// ids, flux.ValidArticleID.
func ValidDocumentID(id string) bool { return flux.ValidArticleID(id) }

func slugRune(r rune) bool {
	return r == '_' || unicode.IsDigit(r) || (unicode.IsLetter(r) && !unicode.IsUpper(r))
}

// Slug turns a file name or a title into a document id: the extension of a
// file name (".md", ".txt") is dropped, letters are lower-cased, every run of
// other characters becomes one '-', and the result is cut to MaxIDLength
// characters. "01_Starting to Run.md" becomes "01_starting-to-run".
func Slug(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	switch strings.ToLower(path.Ext(s)) {
	case ".md", ".txt", ".markdown":
		s = s[:len(s)-len(path.Ext(s))]
	}
	var b strings.Builder
	dash := false
	n := 0
	for _, r := range strings.ToLower(s) {
		if n >= MaxIDLength {
			break
		}
		if slugRune(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
				n++
				if n >= MaxIDLength {
					break
				}
			}
			dash = false
			b.WriteRune(r)
			n++
			continue
		}
		dash = true
	}
	return strings.TrimRight(b.String(), "-")
}

// headerKeys are the header fields, in the order FormatArticle writes them.
var headerKeys = []string{"title", "source", "category", "authority"}

func isHeaderKey(k string) bool {
	k = strings.ToLower(strings.TrimSpace(k))
	for _, h := range headerKeys {
		if k == h {
			return true
		}
	}
	return false
}

// hasKeySegment reports whether v contains "|" followed by "<field>:", which
// would make the header line it is written on ambiguous.
func hasKeySegment(v string) bool {
	segs := strings.Split(v, "|")
	for _, s := range segs[1:] {
		if k, _, ok := strings.Cut(s, ":"); ok && isHeaderKey(k) {
			return true
		}
	}
	return false
}

// FormatArticle writes d in the article header format:
//
//	Title: <title> | Source: <source>
//	Category: <category> | Authority: <authority>
//	---
//	<content>
//
// ParseArticle reads it back into the same document.
func FormatArticle(d Document) string {
	var b strings.Builder
	b.Grow(len(d.Content) + len(d.Title) + len(d.Source) + len(d.Authority) + 64)
	fmt.Fprintf(&b, "Title: %s | Source: %s\n", d.Title, d.Source)
	fmt.Fprintf(&b, "Category: %s | Authority: %s\n", d.Category, d.Authority)
	b.WriteString("---\n")
	b.WriteString(d.Content)
	b.WriteString("\n")
	return b.String()
}

// ParseArticle reads an article in the header format FormatArticle writes.
// name is the file name the article came from; its slug is the document's
// ID. Header field names are case-insensitive and may come in any order and
// on any number of lines before the "---" line; every one of title, source,
// category and authority is required. A malformed article is an EInvalid
// *flux.Error whose Fields name every problem.
func ParseArticle(name string, r io.Reader) (Document, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxArticleBytes+1))
	if err != nil {
		return Document{}, fmt.Errorf("rag: read article %q: %w", name, err)
	}
	if len(data) > MaxArticleBytes {
		return Document{}, flux.Invalid(fmt.Sprintf("article %q is too large", name),
			flux.FieldError{Field: "content", Message: fmt.Sprintf("is larger than %d bytes", MaxArticleBytes)})
	}
	if !utf8.Valid(data) {
		return Document{}, flux.Invalid(fmt.Sprintf("article %q is not valid UTF-8", name),
			flux.FieldError{Field: "content", Message: "is not valid UTF-8"})
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	text := strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n")

	var fields []flux.FieldError
	add := func(field, msg string) { fields = append(fields, flux.FieldError{Field: field, Message: msg}) }

	d := Document{ID: Slug(name)}
	if d.ID == "" {
		add("name", "gives no usable document id")
	}

	values := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), MaxArticleBytes+1)
	offset := 0
	ended := false
	lineNo := 0
	for sc.Scan() {
		line := sc.Text()
		lineNo++
		offset += len(line) + 1
		trimmed := strings.TrimSpace(line)
		if trimmed == "---" {
			ended = true
			break
		}
		if trimmed == "" {
			continue
		}
		parseHeaderLine(trimmed, lineNo, values, add)
	}
	if !ended {
		// Without the end of the header every body line looks like a bad
		// header line; report only what is wrong.
		return Document{}, flux.Invalid(fmt.Sprintf("article %q is not in the header format", name),
			flux.FieldError{Field: "header", Message: "has no '---' line ending it (want \"Title: … | Source: …\", \"Category: … | Authority: …\", \"---\")"})
	}
	body := ""
	if offset <= len(text) {
		body = text[offset:]
	}
	d.Title = values["title"]
	d.Source = values["source"]
	d.Category = strings.ToLower(values["category"])
	d.Authority = values["authority"]
	d.Content = cleanBody(body)
	for _, k := range headerKeys {
		if _, ok := values[k]; !ok {
			add(k, "is missing from the header")
		}
	}
	if d.Content == "" {
		add("content", "is empty")
	}
	if len(fields) == 0 {
		var ferr *flux.Error
		if err := d.Validate(); errors.As(err, &ferr) {
			fields = append(fields, ferr.Fields...)
		}
	}
	if len(fields) > 0 {
		return Document{}, flux.Invalid(fmt.Sprintf("article %q is invalid", name), fields...)
	}
	d.Hash = d.SumHash()
	return d, nil
}

// parseHeaderLine reads "Key: value | Key: value". A "|" not followed by a
// known field name belongs to the value before it.
func parseHeaderLine(line string, lineNo int, values map[string]string, add func(field, msg string)) {
	var key string
	var val strings.Builder
	flush := func() {
		if key == "" {
			return
		}
		v := strings.TrimSpace(val.String())
		if _, dup := values[key]; dup {
			add(key, "is given twice in the header")
		}
		values[key] = v
		if v == "" {
			add(key, "is empty in the header")
		}
		key = ""
		val.Reset()
	}
	for i, seg := range strings.Split(line, "|") {
		k, v, ok := strings.Cut(seg, ":")
		if ok && isHeaderKey(k) {
			flush()
			key = strings.ToLower(strings.TrimSpace(k))
			val.WriteString(v)
			continue
		}
		if i == 0 || key == "" {
			name := strings.TrimSpace(k)
			if ok && name != "" && !strings.ContainsAny(name, " \t") {
				add("header", fmt.Sprintf("line %d: unknown field %q (want Title, Source, Category, Authority)", lineNo, name))
			} else {
				add("header", fmt.Sprintf("line %d: is not \"Field: value\"", lineNo))
			}
			return
		}
		val.WriteString("|")
		val.WriteString(seg)
	}
	flush()
}

// cleanBody normalises line endings, drops trailing spaces on each line and
// leading and trailing blank lines.
func cleanBody(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	if bodyIsClean(s) {
		return s // as a document already normalised is
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// bodyIsClean reports whether cleanBody would leave s (without carriage
// returns) as it is: no line ends in white space and s neither starts nor
// ends with a newline.
func bodyIsClean(s string) bool {
	if strings.HasPrefix(s, "\n") || strings.HasSuffix(s, "\n") {
		return false
	}
	for rest := s; ; {
		line, more, found := strings.Cut(rest, "\n")
		if r, _ := utf8.DecodeLastRuneInString(line); line != "" && unicode.IsSpace(r) {
			return false
		}
		if !found {
			return true
		}
		rest = more
	}
}
