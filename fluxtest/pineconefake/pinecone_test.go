package pineconefake

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pinecone-io/go-pinecone/v5/pinecone"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
)

// pineconeClient returns the real client pointed at the fake, and a
// connection to its index in namespace.
func pineconeClient(t *testing.T, fake *Pinecone, key, namespace string) (*pinecone.Client, *pinecone.IndexConnection) {
	t.Helper()
	client, err := pinecone.NewClient(pinecone.NewClientParams{ApiKey: key, Host: fake.ControlURL()})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := client.Index(pinecone.NewIndexConnParams{Host: "http://" + fake.Host(), Namespace: namespace})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return client, conn
}

func pcVec(t *testing.T, id string, values []float32, md map[string]any) *pinecone.Vector {
	t.Helper()
	var meta *pinecone.Metadata
	if md != nil {
		var err error
		if meta, err = structpb.NewStruct(md); err != nil {
			t.Fatal(err)
		}
	}
	return &pinecone.Vector{Id: id, Values: &values, Metadata: meta}
}

func pcFilter(t *testing.T, m map[string]any) *pinecone.MetadataFilter {
	t.Helper()
	f, err := pinecone.NewMetadataFilter(m)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func matchIDs(res *pinecone.QueryVectorsResponse) []string {
	var ids []string
	for _, m := range res.Matches {
		ids = append(ids, m.Vector.Id)
	}
	return ids
}

func TestPineconeDescribeIndex(t *testing.T) {
	t.Parallel()
	fake := NewPinecone(t)
	fake.SetDimension(8)
	ctx := context.Background()
	client, _ := pineconeClient(t, fake, fake.APIKey(), "")

	idx, err := client.DescribeIndex(ctx, DefaultPineconeIndex)
	if err != nil {
		t.Fatal(err)
	}
	if idx.Host != fake.Host() || idx.Dimension == nil || *idx.Dimension != 8 || idx.Metric != pinecone.Cosine ||
		!idx.Status.Ready || idx.Spec.Serverless == nil || idx.VectorType != "dense" {
		t.Errorf("DescribeIndex = %+v (status %+v, spec %+v)", idx, idx.Status, idx.Spec)
	}

	_, err = client.DescribeIndex(ctx, "other-index")
	var pe *pinecone.PineconeError
	if !errors.As(err, &pe) || pe.Code != 404 {
		t.Errorf("unknown index: err = %v, want a 404 PineconeError", err)
	}
	bad, _ := pineconeClient(t, fake, "wrong-key", "")
	if _, err := bad.DescribeIndex(ctx, DefaultPineconeIndex); !errors.As(err, &pe) || pe.Code != 401 {
		t.Errorf("wrong key: err = %v, want a 401 PineconeError", err)
	}

	calls := fake.CallsOf("DescribeIndex")
	want := []PineconeCall{
		{Method: "DescribeIndex", APIKey: DefaultPineconeAPIKey, APIVersion: "2025-10", Index: DefaultPineconeIndex, Code: codes.OK},
		{Method: "DescribeIndex", APIKey: DefaultPineconeAPIKey, APIVersion: "2025-10", Index: "other-index", Code: codes.NotFound},
		{Method: "DescribeIndex", APIKey: "wrong-key", APIVersion: "2025-10", Index: DefaultPineconeIndex, Code: codes.Unauthenticated},
	}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestPineconeUpsertQueryDelete(t *testing.T) {
	t.Parallel()
	fake := NewPinecone(t)
	fake.SetDimension(3)
	ctx := context.Background()
	_, conn := pineconeClient(t, fake, fake.APIKey(), "")

	n, err := conn.UpsertVectors(ctx, []*pinecone.Vector{
		pcVec(t, "a_0", []float32{1, 0, 0}, map[string]any{"document_id": "a", "category": "money", "chunk_index": 0}),
		pcVec(t, "a_1", []float32{1, 1, 0}, map[string]any{"document_id": "a", "category": "money", "chunk_index": 1}),
		pcVec(t, "b_0", []float32{0, 1, 0}, map[string]any{"document_id": "b", "category": "running", "chunk_index": 0}),
		pcVec(t, "c_0", []float32{1, 0, 0}, map[string]any{"document_id": "c", "category": "running", "chunk_index": 0}),
	})
	if err != nil || n != 4 {
		t.Fatalf("UpsertVectors = %d, %v", n, err)
	}
	if got := fake.Count(""); got != 4 {
		t.Errorf("Count = %d, want 4", got)
	}

	res, err := conn.QueryByVectorValues(ctx, &pinecone.QueryByVectorValuesRequest{Vector: []float32{2, 0, 0}, TopK: 3, IncludeMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	// a_0 and c_0 tie at 1 and are ordered by id; a_1 scores 1/sqrt(2).
	if diff := cmp.Diff([]string{"a_0", "c_0", "a_1"}, matchIDs(res)); diff != "" {
		t.Errorf("matches (-want +got):\n%s", diff)
	}
	if s := res.Matches[2].Score; s < 0.7071 || s > 0.7072 {
		t.Errorf("score of a_1 = %v, want 0.7071", s)
	}
	if got := res.Matches[0].Vector.Metadata.AsMap()["category"]; got != "money" {
		t.Errorf("metadata category = %v", got)
	}
	if res.Matches[0].Vector.Values != nil {
		t.Errorf("values returned without IncludeValues")
	}

	res, err = conn.QueryByVectorValues(ctx, &pinecone.QueryByVectorValuesRequest{
		Vector: []float32{1, 0, 0}, TopK: 10, IncludeValues: true,
		MetadataFilter: pcFilter(t, map[string]any{"$and": []any{
			map[string]any{"category": map[string]any{"$eq": "running"}},
			map[string]any{"document_id": map[string]any{"$in": []any{"b", "c"}}},
		}}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"c_0", "b_0"}, matchIDs(res)); diff != "" {
		t.Errorf("filtered matches (-want +got):\n%s", diff)
	}
	if res.Matches[0].Vector.Values == nil || res.Matches[0].Vector.Metadata != nil {
		t.Errorf("IncludeValues without IncludeMetadata: got %+v", res.Matches[0].Vector)
	}

	if err := conn.DeleteVectorsByFilter(ctx, pcFilter(t, map[string]any{"document_id": map[string]any{"$eq": "a"}})); err != nil {
		t.Fatal(err)
	}
	if err := conn.DeleteVectorsById(ctx, []string{"b_0", "missing"}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]PineconeVector{{ID: "c_0", Values: []float32{1, 0, 0}, Metadata: map[string]any{"document_id": "c", "category": "running", "chunk_index": 0.0}}}, fake.Vectors("")); diff != "" {
		t.Errorf("left after deletes (-want +got):\n%s", diff)
	}
	if err := conn.DeleteAllVectorsInNamespace(ctx); err != nil {
		t.Fatal(err)
	}
	// The namespace is gone with its last record: Pinecone answers NotFound.
	err = conn.DeleteVectorsById(ctx, []string{"c_0"})
	if status.Code(err) != codes.NotFound {
		t.Errorf("delete in an empty namespace: %v, want NotFound", err)
	}

	upserts := fake.CallsOf("Upsert")
	if len(upserts) != 1 || upserts[0].Vectors != 4 || upserts[0].Namespace != PineconeDefaultNamespace ||
		upserts[0].APIKey != DefaultPineconeAPIKey || upserts[0].APIVersion != "2025-10" {
		t.Errorf("recorded upserts = %+v", upserts)
	}
	queries := fake.CallsOf("Query")
	if len(queries) != 2 || queries[0].TopK != 3 || !queries[0].IncludeMetadata || queries[0].Filter != nil || queries[1].Filter == nil {
		t.Errorf("recorded queries = %+v", queries)
	}
	deletes := fake.CallsOf("Delete")
	if len(deletes) != 4 || !cmp.Equal(deletes[0].Filter, map[string]any{"document_id": map[string]any{"$eq": "a"}}) ||
		!slices.Equal(deletes[1].IDs, []string{"b_0", "missing"}) || !deletes[2].DeleteAll || deletes[3].Code != codes.NotFound {
		t.Errorf("recorded deletes = %+v", deletes)
	}
}

func TestPineconeNamespacesAndStats(t *testing.T) {
	t.Parallel()
	fake := NewPinecone(t)
	fake.SetDimension(2)
	ctx := context.Background()
	_, def := pineconeClient(t, fake, fake.APIKey(), "")
	other := def.WithNamespace("other")

	if _, err := def.UpsertVectors(ctx, []*pinecone.Vector{pcVec(t, "x", []float32{1, 0}, map[string]any{"k": "v"})}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.UpsertVectors(ctx, []*pinecone.Vector{pcVec(t, "x", []float32{0, 1}, nil), pcVec(t, "y", []float32{1, 1}, nil)}); err != nil {
		t.Fatal(err)
	}
	stats, err := def.DescribeIndexStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Dimension == nil || *stats.Dimension != 2 || stats.TotalVectorCount != 3 {
		t.Errorf("stats = %+v", stats)
	}
	counts := map[string]uint32{}
	for name, s := range stats.Namespaces {
		counts[name] = s.VectorCount
	}
	if diff := cmp.Diff(map[string]uint32{PineconeDefaultNamespace: 1, "other": 2}, counts); diff != "" {
		t.Errorf("namespace counts (-want +got):\n%s", diff)
	}
	res, err := other.QueryByVectorValues(ctx, &pinecone.QueryByVectorValuesRequest{Vector: []float32{1, 0}, TopK: 5})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"y", "x"}, matchIDs(res)); diff != "" {
		t.Errorf("query in another namespace (-want +got):\n%s", diff)
	}
	res, err = def.WithNamespace("nothing-here").QueryByVectorValues(ctx, &pinecone.QueryByVectorValuesRequest{Vector: []float32{1, 0}, TopK: 5})
	if err != nil || len(res.Matches) != 0 {
		t.Errorf("query in an unknown namespace = %v, %v; want no matches", res, err)
	}
}

func TestPineconeFilterOperators(t *testing.T) {
	t.Parallel()
	records := map[string]map[string]any{
		"a": {"category": "money", "n": 1.0, "tags": []any{"x", "y"}, "ok": true},
		"b": {"category": "running", "n": 2.0, "tags": []any{"y"}},
		"c": {"category": "money", "n": 3.0},
	}
	tests := []struct {
		filter map[string]any
		want   []string
	}{
		{map[string]any{"category": "money"}, []string{"a", "c"}},
		{map[string]any{"category": map[string]any{"$eq": "running"}}, []string{"b"}},
		{map[string]any{"category": map[string]any{"$ne": "money"}}, []string{"b"}},
		{map[string]any{"category": map[string]any{"$in": []any{"running", "study"}}}, []string{"b"}},
		{map[string]any{"category": map[string]any{"$nin": []any{"running"}}}, []string{"a", "c"}},
		{map[string]any{"n": map[string]any{"$gt": 1.0, "$lte": 3.0}}, []string{"b", "c"}},
		{map[string]any{"n": map[string]any{"$gte": 2.0, "$lt": 3.0}}, []string{"b"}},
		{map[string]any{"tags": "x"}, []string{"a"}},
		{map[string]any{"tags": map[string]any{"$in": []any{"y"}}}, []string{"a", "b"}},
		{map[string]any{"ok": map[string]any{"$exists": true}}, []string{"a"}},
		{map[string]any{"tags": map[string]any{"$exists": false}}, []string{"c"}},
		{map[string]any{"$and": []any{map[string]any{"category": "money"}, map[string]any{"n": map[string]any{"$gt": 2.0}}}}, []string{"c"}},
		{map[string]any{"$or": []any{map[string]any{"category": "running"}, map[string]any{"n": 3.0}}}, []string{"b", "c"}},
		{map[string]any{"category": "money", "n": 1.0}, []string{"a"}},
		{map[string]any{}, []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		s, err := structpb.NewStruct(tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		match, err := compilePineconeFilter(s)
		if err != nil {
			t.Errorf("%v: %v", tt.filter, err)
			continue
		}
		var got []string
		for _, id := range []string{"a", "b", "c"} {
			if match(records[id]) {
				got = append(got, id)
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%v (-want +got):\n%s", tt.filter, diff)
		}
	}

	bad := []map[string]any{
		{"category": map[string]any{"$like": "m%"}},
		{"$not": []any{}},
		{"$and": []any{}},
		{"$and": "category"},
		{"category": map[string]any{"$in": "money"}},
		{"n": map[string]any{"$gt": "1"}},
		{"category": map[string]any{"$exists": "yes"}},
		{"category": map[string]any{}},
		{"category": map[string]any{"$eq": []any{"a"}}},
	}
	for _, f := range bad {
		s, err := structpb.NewStruct(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := compilePineconeFilter(s); err == nil {
			t.Errorf("%v: no error", f)
		}
	}
}

func TestPineconeLimits(t *testing.T) {
	t.Parallel()
	fake := NewPinecone(t)
	fake.SetDimension(2)
	ctx := context.Background()
	_, conn := pineconeClient(t, fake, fake.APIKey(), "")

	many := make([]*pinecone.Vector, 1001)
	for i := range many {
		many[i] = pcVec(t, strings.Repeat("v", 1+i%5)+string(rune('a'+i%26)), []float32{1, 1}, nil)
	}
	bigMeta := map[string]any{"text": strings.Repeat("x", 41<<10)}
	upserts := []struct {
		name    string
		vectors []*pinecone.Vector
		want    string
	}{
		{"wrong dimension", []*pinecone.Vector{pcVec(t, "a", []float32{1, 2, 3}, nil)}, "dimension 3"},
		{"zero vector", []*pinecone.Vector{pcVec(t, "a", []float32{0, 0}, nil)}, "non-zero"},
		{"empty id", []*pinecone.Vector{pcVec(t, "", []float32{1, 0}, nil)}, "ID"},
		{"long id", []*pinecone.Vector{pcVec(t, strings.Repeat("i", 513), []float32{1, 0}, nil)}, "512"},
		{"too many", many, "1000"},
		{"metadata too big", []*pinecone.Vector{pcVec(t, "a", []float32{1, 0}, bigMeta)}, "Metadata size"},
		{"no vectors", nil, "No vectors"},
	}
	for _, tt := range upserts {
		_, err := conn.UpsertVectors(ctx, tt.vectors)
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want InvalidArgument mentioning %q", tt.name, err, tt.want)
		}
	}
	if n := fake.Count(""); n != 0 {
		t.Errorf("rejected upserts stored %d vectors", n)
	}

	queries := []struct {
		name string
		req  *pinecone.QueryByVectorValuesRequest
		want string
	}{
		{"top_k 0", &pinecone.QueryByVectorValuesRequest{Vector: []float32{1, 0}}, "top_k"},
		{"top_k too big", &pinecone.QueryByVectorValuesRequest{Vector: []float32{1, 0}, TopK: 10001}, "10000"},
		{"top_k too big with metadata", &pinecone.QueryByVectorValuesRequest{Vector: []float32{1, 0}, TopK: 1001, IncludeMetadata: true}, "1000"},
		{"wrong dimension", &pinecone.QueryByVectorValuesRequest{Vector: []float32{1}, TopK: 1}, "dimension 1"},
		{"bad filter", &pinecone.QueryByVectorValuesRequest{Vector: []float32{1, 0}, TopK: 1,
			MetadataFilter: pcFilter(t, map[string]any{"a": map[string]any{"$regex": "x"}})}, "$regex"},
	}
	for _, tt := range queries {
		_, err := conn.QueryByVectorValues(ctx, tt.req)
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want InvalidArgument mentioning %q", tt.name, err, tt.want)
		}
	}
	if _, err := conn.QueryByVectorValues(ctx, &pinecone.QueryByVectorValuesRequest{Vector: []float32{1, 0}, TopK: 10000}); err != nil {
		t.Errorf("top_k 10000 without metadata: %v", err)
	}
}

func TestPineconeAuthAndFailures(t *testing.T) {
	t.Parallel()
	fake := NewPinecone(t)
	fake.SetDimension(2)
	ctx := context.Background()
	_, conn := pineconeClient(t, fake, fake.APIKey(), "")
	_, bad := pineconeClient(t, fake, "wrong-key", "")

	if _, err := bad.DescribeIndexStats(ctx); status.Code(err) != codes.Unauthenticated {
		t.Errorf("wrong key: %v, want Unauthenticated", err)
	}

	fake.Fail(PineconeFailure{Method: "Upsert", Code: codes.ResourceExhausted, Message: "slow down"})
	fake.Fail(PineconeFailure{}) // the next call of any kind: Unavailable
	_, err := conn.DescribeIndexStats(ctx)
	if status.Code(err) != codes.Unavailable {
		t.Errorf("scripted any-method failure: %v, want Unavailable", err)
	}
	_, err = conn.UpsertVectors(ctx, []*pinecone.Vector{pcVec(t, "a", []float32{1, 0}, nil)})
	if status.Code(err) != codes.ResourceExhausted || !strings.Contains(err.Error(), "slow down") {
		t.Errorf("scripted upsert failure: %v", err)
	}
	if _, err := conn.UpsertVectors(ctx, []*pinecone.Vector{pcVec(t, "a", []float32{1, 0}, nil)}); err != nil {
		t.Errorf("after the scripted failures: %v", err)
	}

	fake.Fail(PineconeFailure{Method: "Query", Code: codes.DeadlineExceeded, Hang: true})
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = conn.QueryByVectorValues(cctx, &pinecone.QueryByVectorValuesRequest{Vector: []float32{1, 0}, TopK: 1})
	if status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("hanging query: %v, want DeadlineExceeded", err)
	}

	if _, err := conn.FetchVectors(ctx, []string{"a"}); status.Code(err) != codes.Unimplemented {
		t.Errorf("Fetch: %v, want Unimplemented", err)
	}
	codesSeen := []codes.Code{}
	for _, c := range fake.Calls() {
		codesSeen = append(codesSeen, c.Code)
	}
	want := []codes.Code{codes.Unauthenticated, codes.Unavailable, codes.ResourceExhausted, codes.OK, codes.DeadlineExceeded, codes.Unimplemented}
	if diff := cmp.Diff(want, codesSeen); diff != "" {
		t.Errorf("recorded codes (-want +got):\n%s", diff)
	}
}

func TestPineconeControlPlaneFailures(t *testing.T) {
	t.Parallel()
	fake := NewPinecone(t)
	client, _ := pineconeClient(t, fake, fake.APIKey(), "")
	for _, tt := range []struct {
		code codes.Code
		want int
	}{
		{codes.Unavailable, 503}, {codes.PermissionDenied, 403}, {codes.ResourceExhausted, 429}, {codes.Internal, 500},
	} {
		fake.Fail(PineconeFailure{Method: "DescribeIndex", Code: tt.code})
		_, err := client.DescribeIndex(context.Background(), DefaultPineconeIndex)
		var pe *pinecone.PineconeError
		if !errors.As(err, &pe) || pe.Code != tt.want {
			t.Errorf("%v: err = %v, want HTTP %d", tt.code, err, tt.want)
		}
	}
	if _, err := client.DescribeIndex(context.Background(), DefaultPineconeIndex); err != nil {
		t.Errorf("after the failures: %v", err)
	}
}

func TestPineconeClose(t *testing.T) {
	t.Parallel()
	fake := NewPinecone(t)
	fake.SetDimension(2)
	client, conn := pineconeClient(t, fake, fake.APIKey(), "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := conn.DescribeIndexStats(ctx); err != nil {
		t.Fatal(err)
	}
	fake.Close()
	fake.Close() // idempotent
	if _, err := conn.DescribeIndexStats(ctx); status.Code(err) != codes.Unavailable {
		t.Errorf("after Close: %v, want Unavailable", err)
	}
	if _, err := client.DescribeIndex(ctx, DefaultPineconeIndex); err == nil {
		t.Error("DescribeIndex after Close succeeded")
	}
}

func TestPineconePut(t *testing.T) {
	t.Parallel()
	fake := NewPinecone(t)
	fake.SetDimension(2)
	if err := fake.Put("ns", PineconeVector{ID: "old_0", Values: []float32{1, 0}, Metadata: map[string]any{"text": "t"}}); err != nil {
		t.Fatal(err)
	}
	if err := fake.Put("ns", PineconeVector{ID: "bad", Values: []float32{1}}); err == nil {
		t.Error("Put of a vector of the wrong length succeeded")
	}
	got := fake.Vectors("ns")
	want := []PineconeVector{{ID: "old_0", Values: []float32{1, 0}, Metadata: map[string]any{"text": "t"}}}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Vectors (-want +got):\n%s", diff)
	}
	if len(fake.Calls()) != 0 {
		t.Errorf("Put recorded calls: %+v", fake.Calls())
	}
}
