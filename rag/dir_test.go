package rag

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/fluxlife/flux"
)

func articleFile(title, body string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(FormatArticle(Document{Title: title, Source: "https://example.org", Category: "general", Authority: "Tests", Content: body}))}
}

func TestIngestDir(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fsys := fstest.MapFS{
		"a.md":              articleFile("Alpha", "alpha body"),
		"b.txt":             articleFile("Beta", "beta body"),
		"sub/c.MD":          articleFile("Gamma", "gamma body"),
		"sub/deeper/d.md":   articleFile("Delta", "delta body"),
		"empty.md":          {Data: []byte(" \n\t\n")},
		"notes.pdf":         {Data: []byte("not an article")},
		".hidden.md":        {Data: []byte("ignored")},
		".git/config.md":    {Data: []byte("ignored")},
		"sub/README.nomd":   {Data: []byte("ignored")},
		"sub/deeper/e.text": {Data: []byte("ignored")},
	}
	lib, err := NewLibrary(NewHashEmbedder(16), nil)
	if err != nil {
		t.Fatal(err)
	}
	var calls [][2]int
	res, err := IngestDir(ctx, fsys, lib, &DirOptions{Batch: 3, Progress: func(done, total int) { calls = append(calls, [2]int{done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	want := DirResult{IngestResult: IngestResult{Documents: 4, Indexed: 4, Chunks: 4}, Files: 5, Skipped: 1}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][2]int{{0, 4}, {3, 4}, {4, 4}}, calls); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	recs, _ := lib.Documents(ctx)
	if diff := cmp.Diff([]string{"a", "b", "c", "d"}, docIDs(recs)); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}

	// Again: nothing changes. With Replace, a document that is not in the
	// directory goes.
	if _, err := lib.Ingest(ctx, []Document{testDoc("uploaded", "x")}); err != nil {
		t.Fatal(err)
	}
	res, err = IngestDir(ctx, fsys, lib, &DirOptions{Replace: true})
	if err != nil {
		t.Fatal(err)
	}
	want = DirResult{IngestResult: IngestResult{Documents: 4, Unchanged: 4, Removed: 1}, Files: 5, Skipped: 1}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("second result (-want +got):\n%s", diff)
	}
}

func TestIngestDirInvalid(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fsys := fstest.MapFS{
		"good.md":       articleFile("Good", "fine"),
		"no-header.md":  {Data: []byte("just text, no header")},
		"missing.md":    {Data: []byte("Title: Only a title\n---\nbody")},
		"dup/good.md":   articleFile("Good again", "same id"),
		"huge.txt":      {Data: []byte(strings.Repeat("x", MaxArticleBytes+1))},
		"bad-utf8.txt":  {Data: []byte("Title: T | Source: S\nCategory: c | Authority: a\n---\n\xff")},
		"ok/second.txt": articleFile("Second", "also fine"),
	}
	lib, err := NewLibrary(NewHashEmbedder(16), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := IngestDir(ctx, fsys, lib, nil)
	var fe *flux.Error
	if !flux.IsCode(err, flux.EInvalid) || !errors.As(err, &fe) {
		t.Fatalf("err = %v, want EInvalid", err)
	}
	var files []string
	for _, f := range fe.Fields {
		name, _, _ := strings.Cut(f.Field, ": ")
		if len(files) == 0 || files[len(files)-1] != name {
			files = append(files, name)
		}
	}
	if diff := cmp.Diff([]string{"bad-utf8.txt", "good.md", "huge.txt", "missing.md", "no-header.md"}, files); diff != "" {
		t.Errorf("files named (-want +got):\n%s\n%v", diff, fe.Fields)
	}
	if !strings.Contains(fe.Message, "5 of 7") {
		t.Errorf("message %q", fe.Message)
	}
	if res.Indexed != 0 {
		t.Errorf("indexed %d documents of an invalid directory", res.Indexed)
	}
	if recs, _ := lib.Documents(ctx); len(recs) != 0 {
		t.Errorf("an invalid directory indexed %v", docIDs(recs))
	}
}

func TestIngestDirEmbedderFailure(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{}
	for i := range 5 {
		fsys[fmt.Sprintf("a%d.md", i)] = articleFile(fmt.Sprintf("Article %d", i), "body")
	}
	emb := &countingEmbedder{Embedder: NewHashEmbedder(8)}
	lib, _ := NewLibrary(emb, nil)
	emb.fail.Store(true)
	if _, err := IngestDir(context.Background(), fsys, lib, &DirOptions{Batch: 2}); !flux.IsCode(err, flux.EUnavailable) {
		t.Errorf("err = %v, want the embedder's", err)
	}
	// An empty directory is fine.
	res, err := IngestDir(context.Background(), fstest.MapFS{}, lib, &DirOptions{Replace: true})
	if err != nil || res != (DirResult{}) {
		t.Errorf("empty directory: %+v, %v", res, err)
	}
}
