package rag

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
)

//go:embed articles/*.md
var articleFiles embed.FS

// ArticleFS returns the bundled starter library: one Markdown file per
// article, in the header format, at the root of the file system.
func ArticleFS() fs.FS {
	sub, err := fs.Sub(articleFiles, "articles")
	if err != nil {
		// fs.Sub fails only for an invalid directory name, and "articles"
		// is valid.
		return articleFiles
	}
	return sub
}

var bundled = sync.OnceValues(func() ([]Document, error) { return LoadArticles(ArticleFS()) })

// Articles returns the bundled starter library, parsed, ordered by ID. The
// slice is a new copy on every call.
func Articles() ([]Document, error) {
	docs, err := bundled()
	if err != nil {
		return nil, err
	}
	return slices.Clone(docs), nil
}

// LoadArticles parses every ".md" and ".txt" file at the root of fsys, in
// name order. The first article that does not parse stops the load; its
// error names the file.
func LoadArticles(fsys fs.FS) ([]Document, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("rag: list articles: %w", err)
	}
	var docs []Document
	for _, e := range entries {
		ext := strings.ToLower(path.Ext(e.Name()))
		if e.IsDir() || (ext != ".md" && ext != ".txt") {
			continue
		}
		f, err := fsys.Open(e.Name())
		if err != nil {
			return nil, fmt.Errorf("rag: open article: %w", err)
		}
		d, err := ParseArticle(e.Name(), f)
		f.Close()
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	slices.SortFunc(docs, func(a, b Document) int { return strings.Compare(a.ID, b.ID) })
	return docs, nil
}
