package pinecone_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest/pineconefake"
	"github.com/fluxlife/flux/rag"
	"github.com/fluxlife/flux/rag/pinecone"
)

const dims = 4

// newFake starts a fake Pinecone whose index has dims dimensions.
func newFake(t *testing.T) *pineconefake.Pinecone {
	t.Helper()
	fake := pineconefake.NewPinecone(t)
	fake.SetDimension(dims)
	return fake
}

// newIndex connects an Index to the fake through its control plane;
// mod adjusts the configuration first.
func newIndex(t *testing.T, fake *pineconefake.Pinecone, mod func(*pinecone.Config)) *pinecone.Index {
	t.Helper()
	cfg := pinecone.Config{APIKey: fake.APIKey(), ControlURL: fake.ControlURL(), Insecure: true, Timeout: 10 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	idx, err := pinecone.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	return idx
}

// chunk makes chunk i of a document.
func chunk(doc string, i int, category string) rag.Chunk {
	return rag.Chunk{
		DocumentID: doc, Index: i, Text: fmt.Sprintf("text %d of %s", i, doc),
		Metadata: rag.Metadata{Title: "Title " + doc, Source: "https://example.org/" + doc, Category: category, Authority: "Example authority"},
	}
}

// vectors makes n vectors of a document, each pointing mostly along axis
// i%dims.
func vectors(doc string, n int, category string) []rag.Vector {
	out := make([]rag.Vector, n)
	for i := range out {
		c := chunk(doc, i, category)
		v := make([]float32, dims)
		for j := range v {
			v[j] = 0.01 * float32(j+1)
		}
		v[i%dims] = 1
		out[i] = rag.Vector{ID: c.ID(), Values: v, Chunk: c}
	}
	return out
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := flux.ErrorCode(err); got != code {
		t.Errorf("err = %v (code %q), want code %q", err, got, code)
	}
}

func TestNewDescribesTheIndex(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	idx := newIndex(t, fake, nil)
	if idx.Host() != "http://"+fake.Host() || idx.Dimensions() != dims || idx.Namespace() != "" {
		t.Errorf("Host, Dimensions, Namespace = %q, %d, %q", idx.Host(), idx.Dimensions(), idx.Namespace())
	}
	if n, err := idx.IndexDimensions(context.Background()); err != nil || n != dims {
		t.Errorf("IndexDimensions = %d, %v; want %d from DescribeIndex", n, err, dims)
	}
	calls := fake.Calls()
	if len(calls) != 1 || calls[0].Method != "DescribeIndex" || calls[0].Index != pinecone.DefaultIndexName ||
		calls[0].APIKey != fake.APIKey() {
		t.Errorf("calls = %+v, want one DescribeIndex of %s with the key", calls, pinecone.DefaultIndexName)
	}
}

func TestNewWithHostSkipsDescribeIndex(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	idx := newIndex(t, fake, func(c *pinecone.Config) { c.ControlURL = "https://control.invalid"; c.Host = fake.Host() })
	if err := idx.Upsert(context.Background(), vectors("a", 2, "money")); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.CallsOf("DescribeIndex")); n != 0 {
		t.Errorf("%d DescribeIndex calls, want none", n)
	}
	if idx.Dimensions() != 0 {
		t.Errorf("Dimensions = %d without DescribeIndex, want 0", idx.Dimensions())
	}
	// IndexDimensions asks DescribeIndexStats instead.
	if n, err := idx.IndexDimensions(context.Background()); err != nil || n != dims {
		t.Errorf("IndexDimensions = %d, %v; want %d", n, err, dims)
	}
	if n := len(fake.CallsOf("DescribeIndexStats")); n != 1 {
		t.Errorf("%d DescribeIndexStats calls, want 1", n)
	}
	if !idx.CountLags() {
		t.Error("CountLags = false; Pinecone's statistics lag behind writes")
	}
}

func TestNewInvalidSettings(t *testing.T) {
	t.Parallel()
	_, err := pinecone.New(context.Background(), pinecone.Config{
		IndexName: "Not_Valid", ControlURL: "http://127.0.0.1:1", Timeout: -time.Second, Namespace: string([]byte{0xff}),
	})
	var fe *flux.Error
	if !errors.As(err, &fe) || fe.Code != flux.EInvalid {
		t.Fatalf("err = %v, want EInvalid", err)
	}
	var fields []string
	for _, f := range fe.Fields {
		fields = append(fields, f.Field)
	}
	if diff := cmp.Diff([]string{"api_key", "index_name", "control_url", "timeout", "namespace"}, fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

// TestNewRejectsBadHosts checks that a host the client could not use is an
// EInvalid error: handed to Client.Index, some of these would end the
// process (log.Fatalf), the others would fail on every call.
func TestNewRejectsBadHosts(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	bad := []struct {
		host     string
		insecure bool
	}{
		{" ", false}, {"%%", false}, {"https://%zz", false}, {"dns:///%zz", false}, {"http://", true}, {"https://", false},
		{"://x", false}, {"host/path", false}, {"https://host/v1/", false}, {"host:99999", false}, {"host:0", false},
		{"host:", false}, {"example.com:abc", false}, {"ho st", false}, {"[::1", false}, {"::1", false}, {"a:b:c", false},
		{"unix:///tmp/sock", false}, {"passthrough:///x", false}, {"https://user@host", false}, {"host?x=1", false},
		{"host#frag", false}, {"-bad-.example.com", false}, {"exa mple.com", false}, {"http://host:80", false},
		{"https://host", true}, {"host..com", false}, {strings.Repeat("a", 64) + ".com", false},
	}
	for _, tt := range bad {
		_, err := pinecone.New(context.Background(), pinecone.Config{APIKey: "k", Host: tt.host, Insecure: tt.insecure})
		var fe *flux.Error
		if !errors.As(err, &fe) || fe.Code != flux.EInvalid || len(fe.Fields) != 1 || fe.Fields[0].Field != "host" {
			t.Errorf("host %q: err = %v, want EInvalid on host", tt.host, err)
		}
	}

	// A bad host reported by DescribeIndex is refused too.
	for _, h := range []string{"%%", "unix:///x", "host/path", ""} {
		fake.SetIndexHost(h)
		_, err := pinecone.New(context.Background(), pinecone.Config{APIKey: fake.APIKey(), ControlURL: fake.ControlURL(), Insecure: true})
		if h == "" {
			wantCode(t, err, flux.EUnavailable) // an index without a host is not ready
			continue
		}
		wantCode(t, err, flux.EInvalid)
	}

	good := []struct {
		host, want string
		insecure   bool
	}{
		{"flux-articles-abc123.svc.aped-4627-b74a.pinecone.io", "https://flux-articles-abc123.svc.aped-4627-b74a.pinecone.io", false},
		{"https://flux-articles-abc123.svc.pinecone.io/", "https://flux-articles-abc123.svc.pinecone.io", false},
		{"HTTPS://Example.com:8443", "https://Example.com:8443", false},
		{"10.0.0.1", "https://10.0.0.1", false},
		{"[::1]:5081", "http://[::1]:5081", true},
		{"http://localhost:5081", "http://localhost:5081", true},
	}
	for _, tt := range good {
		idx, err := pinecone.New(context.Background(), pinecone.Config{APIKey: "k", Host: tt.host, Insecure: tt.insecure})
		if err != nil {
			t.Errorf("host %q: %v", tt.host, err)
			continue
		}
		if idx.Host() != tt.want {
			t.Errorf("host %q: Host() = %q, want %q", tt.host, idx.Host(), tt.want)
		}
		_ = idx.Close()
	}
}

func TestNewUnsuitableIndex(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	fake.SetMetric("euclidean")
	_, err := pinecone.New(context.Background(), pinecone.Config{APIKey: fake.APIKey(), ControlURL: fake.ControlURL(), Insecure: true})
	wantCode(t, err, flux.EInvalid)

	fake.SetMetric("dotproduct")
	newIndex(t, fake, nil) // dotproduct is accepted

	_, err = pinecone.New(context.Background(), pinecone.Config{APIKey: fake.APIKey(), ControlURL: fake.ControlURL(), Insecure: true, IndexName: "no-such-index"})
	wantCode(t, err, flux.ENotFound)
}

func TestUpsertBatchesOf100(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	idx := newIndex(t, fake, nil)
	ctx := context.Background()
	vs := vectors("long-article", 250, "running")
	if err := idx.Upsert(ctx, vs); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, c := range fake.CallsOf("Upsert") {
		sizes = append(sizes, c.Vectors)
	}
	if diff := cmp.Diff([]int{100, 100, 50}, sizes); diff != "" {
		t.Errorf("upsert batch sizes (-want +got):\n%s", diff)
	}
	if n, err := idx.Count(ctx); err != nil || n != 250 {
		t.Errorf("Count = %d, %v; want 250", n, err)
	}
	stored := fake.Vectors("")
	first := stored[0]
	if first.ID != "long-article_0" {
		t.Fatalf("first id = %q", first.ID)
	}
	want := map[string]any{
		"text": "text 0 of long-article", "title": "Title long-article", "source": "https://example.org/long-article",
		"category": "running", "authority": "Example authority", "chunk_index": 0.0, "document_id": "long-article",
	}
	if diff := cmp.Diff(want, first.Metadata); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(vs[0].Values, first.Values); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}

	// Upserting again replaces, it does not add.
	if err := idx.Upsert(ctx, vs[:10]); err != nil {
		t.Fatal(err)
	}
	if n, _ := idx.Count(ctx); n != 250 {
		t.Errorf("Count after re-upsert = %d, want 250", n)
	}
}

func TestUpsertSplitsLargeRequests(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	idx := newIndex(t, fake, nil)
	// 60 chunks of ~38 KB of metadata each: 100 would pass Pinecone's 2 MB
	// request limit, so the batches are cut by size.
	vs := vectors("big", 60, "study")
	for i := range vs {
		vs[i].Chunk.Text = strings.Repeat("word ", 7600)
	}
	if err := idx.Upsert(context.Background(), vs); err != nil {
		t.Fatal(err)
	}
	calls := fake.CallsOf("Upsert")
	total := 0
	for _, c := range calls {
		total += c.Vectors
	}
	if len(calls) < 2 || total != 60 || fake.Count("") != 60 {
		t.Errorf("%d upserts of %d vectors in all, %d stored; want several requests storing 60", len(calls), total, fake.Count(""))
	}
}

func TestUpsertInvalid(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	idx := newIndex(t, fake, nil)
	good := vectors("a", 1, "money")[0]
	with := func(f func(*rag.Vector)) rag.Vector {
		v := good
		v.Values = append([]float32(nil), good.Values...)
		f(&v)
		return v
	}
	tests := []struct {
		name  string
		v     rag.Vector
		field string
	}{
		{"no id", with(func(v *rag.Vector) { v.ID = "" }), "vectors[1].id"},
		{"long id", with(func(v *rag.Vector) { v.ID = strings.Repeat("x", 513) }), "vectors[1].id"},
		{"wrong length", with(func(v *rag.Vector) { v.Values = v.Values[:3] }), "vectors[1].values"},
		{"NaN", with(func(v *rag.Vector) { v.Values[0] = float32(math.NaN()) }), "vectors[1].values"},
		{"zero", with(func(v *rag.Vector) { v.Values = make([]float32, dims) }), "vectors[1].values"},
		{"metadata too big", with(func(v *rag.Vector) { v.Chunk.Text = strings.Repeat("x", 41<<10) }), "vectors[1].chunk"},
		{"invalid UTF-8", with(func(v *rag.Vector) { v.Chunk.Title = string([]byte{0xff}) }), "vectors[1].chunk"},
	}
	for _, tt := range tests {
		err := idx.Upsert(context.Background(), []rag.Vector{good, tt.v})
		var fe *flux.Error
		if !errors.As(err, &fe) || fe.Code != flux.EInvalid || len(fe.Fields) != 1 || fe.Fields[0].Field != tt.field {
			t.Errorf("%s: err = %v, want EInvalid on %s", tt.name, err, tt.field)
		}
	}
	if n := len(fake.CallsOf("Upsert")); n != 0 {
		t.Errorf("%d upserts sent for invalid input", n)
	}
	if err := idx.Upsert(context.Background(), nil); err != nil {
		t.Errorf("empty upsert: %v", err)
	}
}

func TestQuery(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	idx := newIndex(t, fake, nil)
	ctx := context.Background()
	var all []rag.Vector
	all = append(all, vectors("money-doc", 3, "money")...)
	all = append(all, vectors("run-doc", 3, "running")...)
	all = append(all, vectors("study-doc", 2, "study")...)
	if err := idx.Upsert(ctx, all); err != nil {
		t.Fatal(err)
	}
	axis0 := []float32{1, 0, 0, 0}

	got, err := idx.Query(ctx, axis0, 3, rag.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	// Chunk 0 of each document points along axis 0 and they tie: by ID.
	var ids []string
	for _, m := range got {
		ids = append(ids, m.ID)
	}
	if diff := cmp.Diff([]string{"money-doc_0", "run-doc_0", "study-doc_0"}, ids); diff != "" {
		t.Errorf("unfiltered ids (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(chunk("money-doc", 0, "money"), got[0].Chunk); diff != "" {
		t.Errorf("chunk from metadata (-want +got):\n%s", diff)
	}
	if got[0].Score < 0.99 || got[0].Score > 1 {
		t.Errorf("score = %v, want the cosine similarity near 1", got[0].Score)
	}

	got, err = idx.Query(ctx, axis0, 10, rag.Filter{Categories: []string{"running"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != "run-doc_0" {
		t.Errorf("category filter: %+v", got)
	}
	got, err = idx.Query(ctx, axis0, 10, rag.Filter{Categories: []string{"running", "study"}, DocumentIDs: []string{"study-doc"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "study-doc_0" || got[1].ID != "study-doc_1" {
		t.Errorf("$and filter: %+v", got)
	}

	queries := fake.CallsOf("Query")
	wantFilters := []map[string]any{
		nil,
		{"category": map[string]any{"$eq": "running"}},
		{"$and": []any{
			map[string]any{"category": map[string]any{"$in": []any{"running", "study"}}},
			map[string]any{"document_id": map[string]any{"$eq": "study-doc"}},
		}},
	}
	var gotFilters []map[string]any
	for _, q := range queries {
		gotFilters = append(gotFilters, q.Filter)
		if !q.IncludeMetadata || q.IncludeValues {
			t.Errorf("query asked IncludeMetadata=%v IncludeValues=%v", q.IncludeMetadata, q.IncludeValues)
		}
	}
	if diff := cmp.Diff(wantFilters, gotFilters); diff != "" {
		t.Errorf("filters sent (-want +got):\n%s", diff)
	}

	// k <= 0 and the zero vector ask nothing; k is cut to MaxTopK.
	for _, k := range []int{0, -1} {
		if got, err := idx.Query(ctx, axis0, k, rag.Filter{}); err != nil || got != nil {
			t.Errorf("k=%d: %v, %v", k, got, err)
		}
	}
	if got, err := idx.Query(ctx, make([]float32, dims), 5, rag.Filter{}); err != nil || got != nil {
		t.Errorf("zero vector: %v, %v", got, err)
	}
	if _, err := idx.Query(ctx, axis0, 5000, rag.Filter{}); err != nil {
		t.Fatal(err)
	}
	queries = fake.CallsOf("Query")
	if last := queries[len(queries)-1]; len(queries) != 4 || last.TopK != pinecone.MaxTopK {
		t.Errorf("%d queries, last top_k %d; want 4 and %d", len(queries), last.TopK, pinecone.MaxTopK)
	}

	_, err = idx.Query(ctx, []float32{1, 0}, 5, rag.Filter{})
	wantCode(t, err, flux.EInvalid)
	_, err = idx.Query(ctx, []float32{float32(math.Inf(1)), 0, 0, 0}, 5, rag.Filter{})
	wantCode(t, err, flux.EInvalid)
}

func TestDeleteDocumentAndCount(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	idx := newIndex(t, fake, func(c *pinecone.Config) { c.Namespace = "articles" })
	other := newIndex(t, fake, func(c *pinecone.Config) { c.Namespace = "other" })
	ctx := context.Background()

	if n, err := idx.Count(ctx); err != nil || n != 0 {
		t.Errorf("Count of an empty namespace = %d, %v", n, err)
	}
	// Deleting in a namespace that does not exist yet: Pinecone answers
	// NotFound, which is not an error.
	if err := idx.DeleteDocument(ctx, "nothing"); err != nil {
		t.Errorf("delete from an empty index: %v", err)
	}
	if err := idx.Upsert(ctx, append(vectors("a", 3, "money"), vectors("a_b", 2, "money")...)); err != nil {
		t.Fatal(err)
	}
	if err := other.Upsert(ctx, vectors("a", 7, "money")); err != nil {
		t.Fatal(err)
	}
	if n, err := idx.Count(ctx); err != nil || n != 5 {
		t.Errorf("Count = %d, %v; want 5 (the namespace's own)", n, err)
	}

	if err := idx.DeleteDocument(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, v := range fake.Vectors("articles") {
		left = append(left, v.ID)
	}
	if diff := cmp.Diff([]string{"a_b_0", "a_b_1"}, left); diff != "" {
		t.Errorf("left after deleting a (-want +got):\n%s", diff)
	}
	if n := fake.Count("other"); n != 7 {
		t.Errorf("other namespace has %d vectors, want 7", n)
	}
	if err := idx.DeleteDocument(ctx, "a"); err != nil {
		t.Errorf("deleting again: %v", err)
	}
	if err := idx.DeleteDocument(ctx, "a_b"); err != nil {
		t.Fatal(err)
	}
	if n, err := idx.Count(ctx); err != nil || n != 0 {
		t.Errorf("Count after deleting all = %d, %v", n, err)
	}
	if err := idx.DeleteDocument(ctx, ""); err != nil {
		t.Errorf("delete of the empty id: %v", err)
	}
	deletes := fake.CallsOf("Delete")
	if got := deletes[1].Filter; !cmp.Equal(got, map[string]any{"document_id": map[string]any{"$eq": "a"}}) || deletes[1].Namespace != "articles" {
		t.Errorf("delete sent filter %v in %q", got, deletes[1].Namespace)
	}
}

// TestOriginalRecords reads records written by the original system, whose
// metadata has no document_id.
func TestOriginalRecords(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	idx := newIndex(t, fake, nil)
	err := fake.Put("", pineconefake.PineconeVector{ID: "01_nhlbi_aim_healthy_weight_3", Values: []float32{0, 1, 0, 0}, Metadata: map[string]any{
		"text": "Aim for a healthy weight.", "title": "Aim for a Healthy Weight", "source": "NHLBI",
		"category": "fitness", "authority": "NIH", "chunk_index": 3,
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := idx.Query(context.Background(), []float32{0, 1, 0, 0}, 1, rag.Filter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("Query = %v, %v", got, err)
	}
	want := rag.Chunk{DocumentID: "01_nhlbi_aim_healthy_weight", Index: 3, Text: "Aim for a healthy weight.",
		Metadata: rag.Metadata{Title: "Aim for a Healthy Weight", Source: "NHLBI", Category: "fitness", Authority: "NIH"}}
	if diff := cmp.Diff(want, got[0].Chunk); diff != "" {
		t.Errorf("chunk (-want +got):\n%s", diff)
	}
}

func TestAuthFailure(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	ctx := context.Background()

	_, err := pinecone.New(ctx, pinecone.Config{APIKey: "wrong", ControlURL: fake.ControlURL(), Insecure: true})
	wantCode(t, err, flux.EUnavailable)
	if err != nil && strings.Contains(err.Error(), "wrong") {
		t.Errorf("the error shows the key: %v", err)
	}

	idx := newIndex(t, fake, func(c *pinecone.Config) { c.APIKey = "wrong"; c.Host = fake.Host() })
	_, err = idx.Count(ctx)
	wantCode(t, err, flux.EUnavailable)
	if !strings.Contains(flux.ErrorMessage(err), "API key") {
		t.Errorf("message %q does not say the key was refused", flux.ErrorMessage(err))
	}
	if calls := fake.CallsOf("DescribeIndexStats"); len(calls) != 1 || calls[0].Code != codes.Unauthenticated {
		t.Errorf("calls = %+v", calls)
	}
}

func TestServerDown(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	idx := newIndex(t, fake, func(c *pinecone.Config) { c.Timeout = 5 * time.Second })
	ctx := context.Background()
	if err := idx.Upsert(ctx, vectors("a", 1, "money")); err != nil {
		t.Fatal(err)
	}
	fake.Close()

	wantCode(t, idx.Upsert(ctx, vectors("a", 1, "money")), flux.EUnavailable)
	_, err := idx.Query(ctx, []float32{1, 0, 0, 0}, 1, rag.Filter{})
	wantCode(t, err, flux.EUnavailable)
	wantCode(t, idx.DeleteDocument(ctx, "a"), flux.EUnavailable)
	_, err = idx.Count(ctx)
	wantCode(t, err, flux.EUnavailable)

	_, err = pinecone.New(ctx, pinecone.Config{APIKey: fake.APIKey(), ControlURL: fake.ControlURL(), Insecure: true, Timeout: 5 * time.Second})
	wantCode(t, err, flux.EUnavailable)
}

func TestTimeoutsAndCancellation(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	idx := newIndex(t, fake, func(c *pinecone.Config) { c.Timeout = 200 * time.Millisecond })
	ctx := context.Background()

	fake.Fail(pineconefake.PineconeFailure{Method: "Query", Hang: true, Code: codes.DeadlineExceeded})
	_, err := idx.Query(ctx, []float32{1, 0, 0, 0}, 1, rag.Filter{})
	wantCode(t, err, flux.EUnavailable)
	if !strings.Contains(flux.ErrorMessage(err), "200ms") {
		t.Errorf("message %q does not give the timeout", flux.ErrorMessage(err))
	}

	fake.Fail(pineconefake.PineconeFailure{Method: "DescribeIndex", Hang: true})
	_, err = pinecone.New(ctx, pinecone.Config{APIKey: fake.APIKey(), ControlURL: fake.ControlURL(), Insecure: true, Timeout: 200 * time.Millisecond})
	wantCode(t, err, flux.EUnavailable)

	// A caller that gives up gets its context's error, not EUnavailable.
	patient := newIndex(t, fake, nil)
	cctx, cancel := context.WithCancel(ctx)
	fake.Fail(pineconefake.PineconeFailure{Method: "DescribeIndexStats", Hang: true})
	go func() {
		// Cancel once the call hangs in the fake, or after a deadline so
		// that the test cannot hang when the call never arrives.
		deadline := time.Now().Add(30 * time.Second)
		for len(fake.CallsOf("DescribeIndexStats")) == 0 {
			if time.Now().After(deadline) {
				t.Error("the count did not reach the fake within 30s")
				break
			}
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err = patient.Count(cctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled count: %v, want context.Canceled", err)
	}
	if _, err := patient.Count(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("count with a cancelled context: %v", err)
	}
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	idx := newIndex(t, fake, nil)
	ctx := context.Background()
	tests := []struct {
		code codes.Code
		want string
	}{
		{codes.InvalidArgument, flux.EInvalid},
		{codes.ResourceExhausted, flux.ETooMany},
		{codes.Unavailable, flux.EUnavailable},
		{codes.Internal, flux.EUnavailable},
		{codes.PermissionDenied, flux.EUnavailable},
	}
	for _, tt := range tests {
		fake.Fail(pineconefake.PineconeFailure{Method: "Upsert", Code: tt.code, Message: "scripted"})
		err := idx.Upsert(ctx, vectors("a", 1, "money"))
		if flux.ErrorCode(err) != tt.want {
			t.Errorf("%v: err = %v, want code %s", tt.code, err, tt.want)
		}
	}
	// A failing delete is an error (only NotFound is not).
	fake.Fail(pineconefake.PineconeFailure{Method: "Delete", Code: codes.Unavailable})
	wantCode(t, idx.DeleteDocument(ctx, "a"), flux.EUnavailable)
}
