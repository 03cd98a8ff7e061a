package rag

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/fluxlife/flux"
)

// DefaultDirBatch is the number of files IngestDir ingests at once.
const DefaultDirBatch = 16

// DirOptions tunes IngestDir; nil means every default.
type DirOptions struct {
	// Replace removes, after the directory is ingested, every document of
	// the library that is not in it (the original ingest's clear_existing).
	Replace bool
	// Batch is the number of files ingested (embedded and written) at once;
	// 0 means DefaultDirBatch.
	Batch int
	// Progress, when set, is called with the number of files done and the
	// total: once before the first batch (0, total) and after each batch.
	Progress func(done, total int)
}

// DirResult says what IngestDir did.
type DirResult struct {
	IngestResult
	// Files is the number of article files found; Skipped the empty ones
	// among them.
	Files   int `json:"files"`
	Skipped int `json:"skipped"`
}

// IngestDir ingests into lib every ".md" and ".txt" file under the root of
// fsys (subdirectories included, names starting with "." skipped), each an
// article in the header format (see ParseArticle) whose ID is the slug of
// its file name. Empty files are skipped. Every file is parsed before
// anything is indexed: files that do not parse, or two files with one ID,
// make the whole call an EInvalid error whose Fields name every file
// ("<path>: <field>") and nothing is indexed. The articles are then
// ingested in batches; a failing batch stops the walk with the batches
// before it indexed.
func IngestDir(ctx context.Context, fsys fs.FS, lib *Library, opts *DirOptions) (DirResult, error) {
	var o DirOptions
	if opts != nil {
		o = *opts
	}
	if o.Batch <= 0 {
		o.Batch = DefaultDirBatch
	}
	var res DirResult
	var names []string
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		switch strings.ToLower(path.Ext(name)) {
		case ".md", ".txt":
			if d.Type().IsRegular() {
				names = append(names, name)
			}
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("rag: walk articles: %w", err)
	}
	res.Files = len(names)

	var (
		docs   []Document
		fields []flux.FieldError
		bad    = map[string]bool{}
		byID   = map[string]string{}
	)
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if info, err := fs.Stat(fsys, name); err == nil && info.Size() > MaxArticleBytes {
			bad[name] = true
			fields = append(fields, flux.FieldError{Field: name + ": content", Message: fmt.Sprintf("is larger than %d bytes", MaxArticleBytes)})
			continue
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return res, fmt.Errorf("rag: read article %s: %w", name, err)
		}
		if strings.TrimSpace(string(data)) == "" {
			res.Skipped++
			continue
		}
		d, err := ParseArticle(path.Base(name), strings.NewReader(string(data)))
		var fe *flux.Error
		switch {
		case errors.As(err, &fe) && fe.Code == flux.EInvalid:
			bad[name] = true
			for _, f := range fe.Fields {
				fields = append(fields, flux.FieldError{Field: name + ": " + f.Field, Message: f.Message})
			}
			continue
		case err != nil:
			return res, err
		}
		if other, dup := byID[d.ID]; dup {
			bad[name] = true
			fields = append(fields, flux.FieldError{Field: name + ": id", Message: fmt.Sprintf("%q is also the id of %s", d.ID, other)})
			continue
		}
		byID[d.ID] = name
		docs = append(docs, d)
	}
	if len(fields) > 0 {
		return res, flux.Invalid(fmt.Sprintf("%d of %d article files are invalid", len(bad), len(names)), fields...)
	}

	total := len(docs)
	if o.Progress != nil {
		o.Progress(0, total)
	}
	for start := 0; start < total; start += o.Batch {
		batch := docs[start:min(start+o.Batch, total)]
		r, err := lib.Ingest(ctx, batch)
		res.Documents += r.Documents
		res.Indexed += r.Indexed
		res.Unchanged += r.Unchanged
		res.Chunks += r.Chunks
		if err != nil {
			return res, err
		}
		if o.Progress != nil {
			o.Progress(start+len(batch), total)
		}
	}
	if o.Replace && total > 0 {
		keep := make([]string, 0, total)
		for _, d := range docs {
			keep = append(keep, d.ID)
		}
		n, err := lib.Prune(ctx, keep)
		res.Removed += n
		if err != nil {
			return res, err
		}
	}
	return res, nil
}
