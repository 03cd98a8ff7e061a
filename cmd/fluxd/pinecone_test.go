package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/fluxtest/openaifake"
	"github.com/fluxlife/flux/fluxtest/pineconefake"
	"github.com/fluxlife/flux/rag"
	ragopenai "github.com/fluxlife/flux/rag/openai"
	"github.com/fluxlife/flux/rag/pinecone"
)

// logChunks returns the chunks= figure of the "rag library indexed" line.
func logChunks(t *testing.T, line string) int {
	t.Helper()
	m := regexp.MustCompile(`chunks=(\d+)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no chunks= in %q", line)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestFluxdOnPinecone starts fluxd with PINECONE_API_KEY and the control
// plane pointed at the fake Pinecone, once with the offline embedder and
// once with the OpenAI embedder on the fake LLM's /embeddings: the bundled
// articles are upserted to the fake, a search answers the running question
// from the running article, and a second start uploads nothing again.
func TestFluxdOnPinecone(t *testing.T) {
	t.Parallel()
	docs, err := rag.Articles()
	if err != nil {
		t.Fatal(err)
	}
	for _, openai := range []bool{false, true} {
		name := "offline embedder"
		if openai {
			name = "openai embedder"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := pineconefake.NewPinecone(t)
			vars := map[string]string{
				"FLUX_DATA_DIR":            t.TempDir(),
				"PINECONE_API_KEY":         fake.APIKey(),
				"PINECONE_CONTROLLER_HOST": fake.ControlURL(),
			}
			provider := "provider=\"offline hashing embedder + sqlite fts5 + pinecone index flux-articles\""
			var llm *openaifake.LLM
			if openai {
				llm = openaifake.NewLLM(t) // 1536-dimensional vectors, as the fake index
				vars["OPEN_ROUTER_API_KEY"] = llm.APIKey()
				vars["EMBEDDING_BASE_URL"] = llm.URL()
				provider = "provider=\"openai embeddings (openai/text-embedding-3-small) via 127.0.0.1"
			} else {
				fake.SetDimension(rag.DefaultHashDimensions)
			}

			f := start(t, vars)
			logs := f.logs.String()
			if !strings.Contains(logs, "name=rag "+provider) {
				t.Errorf("no rag capability line %s:\n%s", provider, logs)
			}
			if openai && !strings.Contains(logs, "+ sqlite fts5 + pinecone index flux-articles\"") {
				t.Errorf("the capability line does not name the Pinecone index:\n%s", logs)
			}
			if strings.Contains(logs, fake.APIKey()) || (llm != nil && strings.Contains(logs, llm.APIKey())) {
				t.Errorf("an API key is in the logs:\n%s", logs)
			}
			line := ragLogLine(t, logs)
			if !strings.Contains(line, fmt.Sprintf("indexed=%d", len(docs))) {
				t.Fatalf("first start: %q", line)
			}
			chunks := logChunks(t, line)

			// The bundled articles landed in the fake, in batches of at
			// most 100 vectors.
			upserts := fake.CallsOf("Upsert")
			sent := 0
			for _, c := range upserts {
				if c.Vectors > pinecone.UpsertBatch {
					t.Errorf("an upsert of %d vectors", c.Vectors)
				}
				sent += c.Vectors
			}
			if len(upserts) == 0 || sent != chunks || fake.Count("") != chunks {
				t.Errorf("%d upserts of %d vectors, the fake holds %d; want the %d chunks", len(upserts), sent, fake.Count(""), chunks)
			}

			// The OpenAI embedder embedded them, 64 texts at most per request.
			embedded := 0
			if openai {
				for _, r := range llm.EmbeddingRequests() {
					in, _ := r.Input.([]any)
					if len(in) == 0 || len(in) > ragopenai.DefaultBatchSize {
						t.Errorf("an embeddings request of %d texts", len(in))
					}
					embedded += len(in)
				}
				if embedded != chunks {
					t.Errorf("%d texts embedded, want the %d chunks", embedded, chunks)
				}
			}

			tok := mintToken(t, vars, "runner@example.com")
			queries := len(fake.CallsOf("Query"))
			code, body := f.call(t, "GET", "/api/v1/rag/search?q="+url.QueryEscape("how do I start running"), tok, "")
			results, _ := body["results"].([]any)
			if code != 200 || len(results) == 0 {
				t.Fatalf("search = %d %v", code, body)
			}
			first, _ := results[0].(map[string]any)
			if title, _ := first["title"].(string); !strings.HasPrefix(title, "Starting to Run") || first["document_id"] != "starting-to-run" {
				t.Errorf("first passage = %v", first)
			}
			if len(fake.CallsOf("Query")) != queries+1 {
				t.Errorf("the search did not query Pinecone once")
			}
			if openai && len(llm.EmbeddingRequests()) == 0 {
				t.Error("the query was not embedded")
			}
			f.stop()

			// A second start finds the articles catalogued and the index
			// holding them: nothing is embedded or uploaded again.
			upserts = fake.CallsOf("Upsert")
			var embedRequests int
			if openai {
				embedRequests = len(llm.EmbeddingRequests())
			}
			f2 := start(t, vars)
			line = ragLogLine(t, f2.logs.String())
			if !strings.Contains(line, "indexed=0") || !strings.Contains(line, fmt.Sprintf("unchanged=%d", len(docs))) {
				t.Errorf("second start: %q", line)
			}
			if n := len(fake.CallsOf("Upsert")); n != len(upserts) {
				t.Errorf("the second start upserted %d times", n-len(upserts))
			}
			if openai && len(llm.EmbeddingRequests()) != embedRequests {
				t.Errorf("the second start embedded again")
			}
		})
	}
}

// TestFluxdPineconeDimensionMismatch: an index whose dimension is not the
// embedder's stops fluxd at start with an error naming both.
func TestFluxdPineconeDimensionMismatch(t *testing.T) {
	t.Parallel()
	fake := pineconefake.NewPinecone(t) // 1536 dimensions; the offline embedder makes 1024
	vars := map[string]string{
		"FLUX_DATA_DIR":            t.TempDir(),
		"PINECONE_API_KEY":         fake.APIKey(),
		"PINECONE_CONTROLLER_HOST": fake.ControlURL(),
	}
	cfg, err := loadConfig(newFlagSet(), nil, env(vars))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	logs := &fluxtest.Logs{}
	err = serve(context.Background(), cfg, logs, ln)
	if err == nil {
		t.Fatal("fluxd started on an index of the wrong dimension")
	}
	for _, want := range []string{"pinecone index flux-articles has dimension 1536", "flux-hash-v1", "dimension 1024"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), fake.APIKey()) || strings.Contains(logs.String(), fake.APIKey()) {
		t.Errorf("the API key leaked: %v\n%s", err, logs)
	}
	if n := len(fake.CallsOf("Upsert")); n != 0 {
		t.Errorf("%d upserts to an index of the wrong dimension", n)
	}
}

// TestGoalCitesTheLibrary is the "sources" promise, through the real
// wiring: a goal created on a fresh fluxd with no keys is planned by the
// offline planner with the bundled library as its retriever, and comes back
// citing bundled articles.
func TestGoalCitesTheLibrary(t *testing.T) {
	t.Parallel()
	docs, err := rag.Articles()
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]bool{}
	for _, d := range docs {
		titles[d.Title] = true
	}
	vars := map[string]string{"FLUX_DATA_DIR": t.TempDir()}
	f := start(t, vars)
	tok := mintToken(t, vars, "runner@example.com")
	code, g := f.call(t, "POST", "/api/v1/goals", tok, `{"title": "Start running three times a week"}`)
	if code != 201 {
		t.Fatalf("create goal = %d %v", code, g)
	}
	sources, _ := g["sources"].([]any)
	if len(sources) == 0 {
		t.Fatalf("goal without sources: %v", g)
	}
	for i, s := range sources {
		m, _ := s.(map[string]any)
		if title, _ := m["title"].(string); !titles[title] || m["source"] == "" {
			t.Errorf("sources[%d] = %v, not a bundled article", i, s)
		}
	}
	if first, _ := sources[0].(map[string]any); !strings.HasPrefix(first["title"].(string), "Starting to Run") {
		t.Errorf("first source = %v, want the running article", sources[0])
	}
}
