// Package rag grounds Flux's plans in a library of expert articles: it
// parses articles, splits them into chunks, embeds and indexes the chunks,
// and retrieves the passages that answer a question.
//
// The pieces, each behind a small interface so that other implementations
// plug in:
//
//   - [Document] is one article; [ParseArticle] and [FormatArticle] read and
//     write the article header format of the original system
//     ("Title: … | Source: …", "Category: … | Authority: …", "---").
//   - [Chunker] splits a document recursively on paragraphs, lines,
//     sentences and words, with overlap, counting characters (runes).
//   - [Embedder] turns texts into vectors: [NewHashEmbedder] is offline and
//     deterministic (feature hashing of words and word pairs); rag/openai
//     calls any OpenAI-compatible /embeddings endpoint (OpenRouter by
//     default), in its own package so that this one links no HTTP client.
//   - [Index] stores vectors and answers exact nearest-neighbour queries with
//     a metadata [Filter]; [MemoryIndex] is the embedded one, rag/pinecone is
//     the hosted one.
//   - [KeywordIndex] answers keyword queries; [MemoryKeywordIndex] ranks by
//     BM25, and the stores provide SQLite FTS5 and Postgres full-text versions.
//   - [Retriever] fuses vector and keyword results by reciprocal rank fusion,
//     applies the relevance threshold, the top-k and a cap of passages per
//     document, and returns [Passage] values that a planner cites.
//   - [Ingester] chunks, embeds and indexes documents, skipping those whose
//     hash is unchanged according to a [Catalog].
//   - [Library] wires all of it for the common case, and [Articles] is the
//     starter library bundled in the binary. [IngestDir] ingests a folder of
//     article files.
//   - [NewStoreLibrary] keeps a library in a Flux store (flux.ArticleStore):
//     [StoreCatalog] writes each document with its chunks and vectors in one
//     transaction, [StoreIndex] searches the vectors in memory after loading
//     them from the store, and [StoreKeywordIndex] is the store's full-text
//     search (SQLite FTS5, PostgreSQL full-text search). A later start finds
//     the unchanged articles indexed and embeds nothing.
//
// A minimal offline setup:
//
//	lib, err := rag.NewLibrary(rag.NewHashEmbedder(0), nil)
//	docs, err := rag.Articles()
//	_, err = lib.Ingest(ctx, docs)
//	passages, err := lib.Search(ctx, "how do I start running?", 5)
package rag
