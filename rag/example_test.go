package rag_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/fluxlife/flux/rag"
	"github.com/fluxlife/flux/store/sqlite"
)

// A library of the bundled articles, indexed offline and searched.
func ExampleLibrary() {
	ctx := context.Background()
	lib, err := rag.NewLibrary(rag.NewHashEmbedder(0), nil)
	if err != nil {
		log.Fatal(err)
	}
	docs, err := rag.Articles()
	if err != nil {
		log.Fatal(err)
	}
	res, err := lib.Ingest(ctx, docs)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("indexed all articles:", res.Indexed == len(docs))

	// A second start finds nothing to do.
	res, _ = lib.Ingest(ctx, docs)
	fmt.Println("re-indexed on the second start:", res.Indexed)

	passages, err := lib.Search(ctx, "how much should I keep in an emergency fund?", 3)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(passages[0].Title)
	// Output:
	// indexed all articles: true
	// re-indexed on the second start: 0
	// Budgeting and Saving Money
}

// Parsing and writing the article header format.
func ExampleParseArticle() {
	text := `Title: Sleep Basics | Source: CDC sleep guidance
Category: wellbeing | Authority: Government health agency
---
Adults need seven or more hours of sleep.`
	doc, err := rag.ParseArticle("sleep-basics.md", strings.NewReader(text))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(doc.ID, "|", doc.Title, "|", doc.Category)
	fmt.Print(rag.FormatArticle(doc))
	// Output:
	// sleep-basics | Sleep Basics | wellbeing
	// Title: Sleep Basics | Source: CDC sleep guidance
	// Category: wellbeing | Authority: Government health agency
	// ---
	// Adults need seven or more hours of sleep.
}

// Splitting text into overlapping chunks.
func ExampleChunker() {
	c := rag.Chunker{Size: 60, Overlap: 25}
	for _, chunk := range c.Split("Run three times a week. Rest in between. Walk when you need to. Keep it easy.") {
		fmt.Printf("%q\n", chunk)
	}
	// Output:
	// "Run three times a week. Rest in between."
	// "Rest in between. Walk when you need to. Keep it easy."
}

// A library kept in the embedded SQLite store: a second start finds the
// articles indexed and embeds nothing.
func ExampleNewStoreLibrary() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "flux-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	docs, err := rag.Articles()
	if err != nil {
		log.Fatal(err)
	}
	for start := 1; start <= 2; start++ {
		st, err := sqlite.Open(ctx, filepath.Join(dir, "flux.db"), nil)
		if err != nil {
			log.Fatal(err)
		}
		lib, err := rag.NewStoreLibrary(st.Articles(), rag.NewHashEmbedder(0), nil)
		if err != nil {
			log.Fatal(err)
		}
		res, err := lib.Ingest(ctx, docs)
		if err != nil {
			log.Fatal(err)
		}
		passages, err := lib.Search(ctx, "how do I start running?", 3)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("start %d: indexed %d, unchanged %d; %s\n", start, res.Indexed, res.Unchanged, passages[0].Title)
		st.Close()
	}
	// Output:
	// start 1: indexed 26, unchanged 0; Starting to Run: From the Sofa to Your First 5K
	// start 2: indexed 0, unchanged 26; Starting to Run: From the Sofa to Your First 5K
}
