package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/planner"
	"github.com/fluxlife/flux/rag"
	ragopenai "github.com/fluxlife/flux/rag/openai"
	"github.com/fluxlife/flux/rag/pinecone"
	"github.com/fluxlife/flux/store/postgres"
)

// openLibrary returns the article library kept in st, configured by the
// RAG_* and EMBEDDING_* variables (ragConfigFromEnv), a description of it
// for the capability line, and the function that releases it (call it on
// shutdown). When PINECONE_API_KEY is set the vectors are searched on that
// Pinecone index (pineconeConfigFromEnv); the catalog, the chunks and the
// keyword index stay in st. hc, when not nil, sends the embedding requests
// (fluxd's instrumented client).
func openLibrary(ctx context.Context, cfg *config, st flux.Store, clock flux.Clock, log *slog.Logger, hc *http.Client) (*rag.Library, string, func() error, error) {
	rc, err := ragConfigFromEnv(cfg.env)
	if err != nil {
		return nil, "", nil, withFields(err)
	}
	if hc != nil {
		rc.OpenAI.HTTPClient = hc
	}
	pcc, err := pineconeConfigFromEnv(cfg.env)
	if err != nil {
		return nil, "", nil, withFields(err)
	}
	emb, err := rc.Embedder()
	if err != nil {
		return nil, "", nil, err
	}
	ro := rc.RetrieverOptions()
	ro.Logger = log.With("component", "rag")
	opts := &rag.LibraryOptions{Chunker: rc.Chunker, Retrieval: ro, Clock: clock}
	closeLib := func() error { return nil }
	if pcc.Enabled() {
		idx, err := openPinecone(ctx, pcc, emb)
		if err != nil {
			return nil, "", nil, err
		}
		opts.Index, closeLib = idx, idx.Close
	}
	lib, err := rag.NewStoreLibrary(st.Articles(), emb, opts)
	if err != nil {
		_ = closeLib()
		return nil, "", nil, err
	}
	desc := "offline hashing embedder"
	if rc.UseOpenAI {
		desc = "openai embeddings (" + emb.Name() + ") via " + redactURL(cmpOr(rc.OpenAI.BaseURL, ragopenai.DefaultBaseURL))
	}
	if _, ok := st.(*postgres.Store); ok {
		desc += " + postgres full-text"
	} else {
		desc += " + sqlite fts5"
	}
	if pcc.Enabled() {
		desc += " + pinecone index " + pcc.IndexName
	}
	return lib, desc, closeLib, nil
}

// openPinecone connects to the Pinecone index pcc names and checks that
// its dimension is the embedder's: vectors of another length could be
// neither stored nor searched.
func openPinecone(ctx context.Context, pcc pinecone.Config, emb rag.Embedder) (*pinecone.Index, error) {
	idx, err := pinecone.New(ctx, pcc)
	if err != nil {
		return nil, fmt.Errorf("pinecone index %s: %w", pcc.IndexName, withFields(err))
	}
	dims, err := idx.IndexDimensions(ctx)
	if err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("pinecone index %s: %w", pcc.IndexName, err)
	}
	if dims != 0 && dims != emb.Dimensions() {
		_ = idx.Close()
		return nil, &flux.Error{Code: flux.EInvalid, Message: fmt.Sprintf(
			"pinecone index %s has dimension %d but the embedder %s makes vectors of dimension %d: "+
				"use an index of dimension %d (PINECONE_INDEX_NAME) or an embedder of dimension %d (EMBEDDING_MODEL, EMBEDDING_DIMENSIONS)",
			pcc.IndexName, dims, emb.Name(), emb.Dimensions(), emb.Dimensions(), dims)}
	}
	return idx, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// indexBundled indexes the articles bundled in the binary, skipping those
// indexed already, and logs one line saying what it did. A failure (an
// embedding service that does not answer) is logged, not fatal: the
// library keeps what it had.
func indexBundled(ctx context.Context, lib *rag.Library, log *slog.Logger) {
	start := time.Now()
	docs, err := rag.Articles()
	if err == nil {
		var res rag.IngestResult
		res, err = lib.Ingest(ctx, docs)
		if err == nil {
			log.Info("rag library indexed", "articles", len(docs), "indexed", res.Indexed, "unchanged", res.Unchanged,
				"chunks", res.Chunks, "duration", time.Since(start).Round(time.Millisecond).String())
			return
		}
	}
	log.Warn("rag: indexing the bundled articles failed; search answers from what was indexed before", "error", err)
}

// plannerRetriever grounds the planner in the library, which is a
// planner.Retriever itself.
func plannerRetriever(lib *rag.Library) planner.Retriever { return lib }

// progressMin is the number of files from which fluxd ingest draws a
// progress bar (on a terminal).
const progressMin = 20

// ingest indexes the article files under dir into the configured store.
func ingest(ctx context.Context, cfg *config, dir string, stdout, stderr io.Writer) error {
	if dir == "" {
		return errors.New("ingest: give the directory of article files: fluxd ingest DIR")
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("ingest: %s is not a directory", dir)
	}
	st, _, err := openStore(ctx, cfg, flux.SystemClock{})
	if err != nil {
		return err
	}
	defer st.Close()
	log := cfg.logger(stderr)
	lib, desc, closeLib, err := openLibrary(ctx, cfg, st, flux.SystemClock{}, log, nil)
	if err != nil {
		return err
	}
	defer closeLib()
	bar := progressBar(stderr)
	start := time.Now()
	res, err := rag.IngestDir(ctx, os.DirFS(dir), lib, &rag.DirOptions{Progress: bar})
	if err != nil {
		return fmt.Errorf("ingest: %w", withFields(err))
	}
	_, err = fmt.Fprintf(stdout, "ingested %s with %s: %d files, %d indexed, %d unchanged, %d empty skipped, %d chunks in %s\n",
		dir, desc, res.Files, res.Indexed, res.Unchanged, res.Skipped, res.Chunks, time.Since(start).Round(time.Millisecond))
	return err
}

// progressBar returns a rag.DirOptions.Progress that draws a bar on w when
// w is a terminal and there are more than progressMin files, or nil.
func progressBar(w io.Writer) func(done, total int) {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return func(done, total int) {
		if total <= progressMin {
			return
		}
		drawBar(w, done, total)
	}
}

// drawBar draws "\r[#####.....] done/total files", ending the line when
// done.
func drawBar(w io.Writer, done, total int) {
	const width = 30
	n := width * done / max(total, 1)
	fmt.Fprintf(w, "\r[%s%s] %d/%d files", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
	if done >= total {
		fmt.Fprintln(w)
	}
}

// withFields returns err with the fields of an EInvalid *flux.Error spelled
// out, one per line, for a terminal.
func withFields(err error) error {
	var fe *flux.Error
	if !errors.As(err, &fe) || len(fe.Fields) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString(fe.Message)
	for _, f := range fe.Fields {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Message)
	}
	return errors.New(b.String())
}
