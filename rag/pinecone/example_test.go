package pinecone_test

import (
	"context"
	"fmt"
	"log"

	"github.com/fluxlife/flux/fluxtest/pineconefake"
	"github.com/fluxlife/flux/rag"
	"github.com/fluxlife/flux/rag/pinecone"
)

// The bundled library indexed in Pinecone and searched. Here Pinecone is
// the in-process fake from fluxtest/pineconefake; in production Config
// names the API key and the index of a real project.
func ExampleNew() {
	ctx := context.Background()
	emb := rag.NewHashEmbedder(0)

	fake, err := pineconefake.StartPinecone()
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	fake.SetDimension(emb.Dimensions())

	idx, err := pinecone.New(ctx, pinecone.Config{
		APIKey:     fake.APIKey(),
		IndexName:  "flux-articles",
		ControlURL: fake.ControlURL(),
		Insecure:   true, // the fake speaks plaintext; never set against Pinecone itself
	})
	if err != nil {
		log.Fatal(err)
	}
	defer idx.Close()

	lib, err := rag.NewLibrary(emb, &rag.LibraryOptions{Index: idx})
	if err != nil {
		log.Fatal(err)
	}
	docs, err := rag.Articles()
	if err != nil {
		log.Fatal(err)
	}
	if _, err := lib.Ingest(ctx, docs); err != nil {
		log.Fatal(err)
	}
	n, err := idx.Count(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("vectors in Pinecone:", n > 0)

	passages, err := lib.Search(ctx, "how much should I keep in an emergency fund?", 3)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(passages[0].Title)
	// Output:
	// vectors in Pinecone: true
	// Budgeting and Saving Money
}
