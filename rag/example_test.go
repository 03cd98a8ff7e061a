package rag_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/fluxlife/flux/rag"
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
