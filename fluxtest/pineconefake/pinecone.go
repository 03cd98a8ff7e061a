package pineconefake

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// Defaults of a new fake Pinecone.
const (
	// DefaultPineconeAPIKey is the API key a new fake Pinecone accepts.
	DefaultPineconeAPIKey = "fluxtest-pinecone-key"
	// DefaultPineconeIndex is the name of the fake's one index, the index
	// name of the original system.
	DefaultPineconeIndex = "flux-articles"
	// DefaultPineconeDimension is the vector length of the fake's index
	// until SetDimension changes it: that of text-embedding-3-small, as the
	// original system's index.
	DefaultPineconeDimension = 1536
	// PineconeDefaultNamespace is the name Pinecone gives the default
	// namespace; a request naming the namespace "" is served from it.
	PineconeDefaultNamespace = "__default__"
)

// Limits of the Pinecone data plane that the fake enforces, as documented
// by Pinecone.
const (
	pineconeMaxUpsertVectors = 1000
	pineconeMaxUpsertBytes   = 2 << 20
	pineconeMaxMetadataBytes = 40 << 10
	pineconeMaxIDBytes       = 512
	pineconeMaxTopK          = 10000
	pineconeMaxTopKWithData  = 1000
)

// PineconeVector is one record of the fake's index.
type PineconeVector struct {
	ID       string
	Values   []float32
	Metadata map[string]any
}

// PineconeCall is one request the fake received, on the control plane
// (Method "DescribeIndex") or the data plane (Method is the VectorService
// method: "Upsert", "Query", "Delete", "DescribeIndexStats", ...).
type PineconeCall struct {
	Method string
	// APIKey is the key the request carried (the Api-Key header, or the
	// api-key gRPC metadata); APIVersion its X-Pinecone-Api-Version.
	APIKey     string
	APIVersion string
	// Index is the index name a DescribeIndex asked for.
	Index string
	// Namespace is the namespace as sent: "" or "__default__" both mean
	// the default namespace.
	Namespace string
	// Vectors is the number of vectors an Upsert carried; IDs their ids,
	// or the ids a Delete named.
	Vectors int
	IDs     []string
	// TopK, IncludeMetadata and IncludeValues are a Query's.
	TopK            int
	IncludeMetadata bool
	IncludeValues   bool
	// Filter is the metadata filter of a Query, Delete or
	// DescribeIndexStats, nil when there was none.
	Filter map[string]any
	// DeleteAll is a Delete's delete_all.
	DeleteAll bool
	// Code is the gRPC status the fake answered with (codes.OK on
	// success); the control plane reports the code its HTTP status stands
	// for.
	Code codes.Code
}

// PineconeFailure scripts one failing answer of the fake Pinecone.
type PineconeFailure struct {
	// Method is the call that fails: "DescribeIndex" on the control plane,
	// or a VectorService method ("Upsert", "Query", "Delete",
	// "DescribeIndexStats"). "" fails the next call of any kind.
	Method string
	// Code is the gRPC status to answer with; the control plane answers
	// the matching HTTP status (Unauthenticated 401, NotFound 404,
	// Unavailable 503, ...). The zero Code means Unavailable.
	Code codes.Code
	// Message is the error message; empty means a generic one.
	Message string
	// Hang blocks the call until the client gives up (or the fake is
	// closed) before failing with Code.
	Hang bool
}

// Pinecone is a fake Pinecone for the length of one test: an in-process
// gRPC server implementing the data plane the official Go client
// (github.com/pinecone-io/go-pinecone/v5) speaks — the VectorService methods
// Upsert, Query (cosine similarity, metadata filters with $eq, $ne, $in,
// $nin, $gt, $gte, $lt, $lte, $exists, $and and $or), Delete (by ids, by
// filter, or all) and DescribeIndexStats — on a plaintext loopback
// listener, and an httptest control plane answering DescribeIndex
// (GET /indexes/{name}) with the gRPC server's address as the index host.
//
// Both planes check the API key (the Api-Key header, or the api-key gRPC
// metadata), record every call, and play scripted failures (see Fail). The
// fake enforces Pinecone's documented limits (1000 vectors and 2 MB per
// upsert, 40 KB of metadata per vector, ids of at most 512 bytes, the
// index's dimension, no all-zero vector in a cosine index, top_k at most
// 10000, or 1000 when metadata or values are included) with
// InvalidArgument errors, and answers NotFound to a Delete in a namespace
// that holds nothing, as Pinecone does. Ties in a query are ordered by id.
// The other VectorService methods answer Unimplemented.
//
// Point the client at it with plaintext gRPC:
//
//	fake := pineconefake.NewPinecone(t)
//	pc, _ := pinecone.NewClient(pinecone.NewClientParams{ApiKey: fake.APIKey(), Host: fake.ControlURL()})
//	conn, _ := pc.Index(pinecone.NewIndexConnParams{Host: "http://" + fake.Host()})
//
// All methods are safe for concurrent use.
type Pinecone struct {
	grpc    *grpc.Server
	host    string
	control *httptest.Server
	done    chan struct{}
	closing sync.Once

	mu         sync.Mutex
	apiKey     string
	index      string
	indexHost  string
	dimension  int
	metric     string
	namespaces map[string]map[string]*pineconeRecord
	calls      []PineconeCall
	failures   []PineconeFailure
}

type pineconeRecord struct {
	id       string
	values   []float32
	metadata *structpb.Struct
}

// NewPinecone starts a fake Pinecone that is closed when the test ends; it
// fails the test when the servers cannot start.
func NewPinecone(t testing.TB) *Pinecone {
	t.Helper()
	p, err := StartPinecone()
	if err != nil {
		t.Fatalf("fluxtest: start fake Pinecone: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// StartPinecone starts a fake Pinecone outside a test (in an Example, say);
// the caller must Close it.
func StartPinecone() (*Pinecone, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fluxtest: listen: %w", err)
	}
	p := &Pinecone{
		host:       lis.Addr().String(),
		done:       make(chan struct{}),
		apiKey:     DefaultPineconeAPIKey,
		index:      DefaultPineconeIndex,
		indexHost:  lis.Addr().String(),
		dimension:  DefaultPineconeDimension,
		metric:     "cosine",
		namespaces: map[string]map[string]*pineconeRecord{},
	}
	p.grpc = grpc.NewServer(
		grpc.ForceServerCodec(pineconeCodec{}),
		grpc.UnknownServiceHandler(p.serveRPC),
		// Large enough that the fake's own 2 MB upsert limit answers with
		// Pinecone's error rather than gRPC's.
		grpc.MaxRecvMsgSize(16<<20),
	)
	go func() { _ = p.grpc.Serve(lis) }()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /indexes/{name}", p.serveDescribeIndex)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writePineconeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("fluxtest: no route for %s %s", r.Method, r.URL.Path))
	})
	p.control = httptest.NewServer(mux)
	return p, nil
}

// Close stops both servers: later calls fail as with a Pinecone that is
// down (connection refused). Calls in progress are cancelled. Close may be
// called more than once.
func (p *Pinecone) Close() {
	p.closing.Do(func() {
		close(p.done)
		p.grpc.Stop()
		p.control.Close()
	})
}

// ControlURL is the base URL of the control plane, for
// pinecone.NewClientParams.Host.
func (p *Pinecone) ControlURL() string { return p.control.URL }

// Host is the address ("127.0.0.1:port") of the plaintext gRPC data plane;
// DescribeIndex returns it as the index host.
func (p *Pinecone) Host() string { return p.host }

// APIKey returns the key the fake accepts.
func (p *Pinecone) APIKey() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.apiKey
}

// SetAPIKey changes the key the fake accepts.
func (p *Pinecone) SetAPIKey(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.apiKey = key
}

// IndexName returns the name of the fake's index.
func (p *Pinecone) IndexName() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.index
}

// SetIndexName renames the fake's index.
func (p *Pinecone) SetIndexName(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.index = name
}

// SetIndexHost changes the host DescribeIndex reports (Host until then),
// to test how a client copes with a host it cannot use.
func (p *Pinecone) SetIndexHost(host string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.indexHost = host
}

// SetDimension sets the vector length of the index (DefaultPineconeDimension
// until then). Call it before storing anything.
func (p *Pinecone) SetDimension(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dimension = n
}

// SetMetric sets the metric DescribeIndex and DescribeIndexStats report
// ("cosine" until then). Queries always score by cosine similarity.
func (p *Pinecone) SetMetric(metric string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.metric = metric
}

// Fail queues a scripted failure; each is used once, by the first call it
// matches, in the order queued.
func (p *Pinecone) Fail(f PineconeFailure) {
	if f.Code == codes.OK {
		f.Code = codes.Unavailable
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failures = append(p.failures, f)
}

// Calls returns every call received so far, in the order they arrived. A
// call still being answered (one hanging, say) shows Code OK until it is
// answered.
func (p *Pinecone) Calls() []PineconeCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

// CallsOf returns the calls of one method, in order.
func (p *Pinecone) CallsOf(method string) []PineconeCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []PineconeCall
	for _, c := range p.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Vectors returns the records of a namespace ("" is the default one),
// ordered by id.
func (p *Pinecone) Vectors(namespace string) []PineconeVector {
	p.mu.Lock()
	defer p.mu.Unlock()
	ns := p.namespaces[pineconeNamespace(namespace)]
	out := make([]PineconeVector, 0, len(ns))
	for _, r := range ns {
		out = append(out, PineconeVector{ID: r.id, Values: slices.Clone(r.values), Metadata: r.metadata.AsMap()})
	}
	slices.SortFunc(out, func(a, b PineconeVector) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Count returns the number of records in a namespace ("" is the default
// one).
func (p *Pinecone) Count(namespace string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.namespaces[pineconeNamespace(namespace)])
}

// Put stores records directly, as an Upsert would, without a call being
// recorded: a test uses it to start from an index written by another
// program. Records breaking the index's rules are an error and nothing is
// stored.
func (p *Pinecone) Put(namespace string, vectors ...PineconeVector) error {
	recs := make([]pineconeRecord, len(vectors))
	for i, v := range vectors {
		md, err := structpb.NewStruct(v.Metadata)
		if err != nil {
			return fmt.Errorf("fluxtest: metadata of %q: %w", v.ID, err)
		}
		recs[i] = pineconeRecord{id: v.ID, values: slices.Clone(v.Values), metadata: md}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.checkRecords(recs); err != nil {
		return err
	}
	p.store(pineconeNamespace(namespace), recs)
	return nil
}

// pineconeNamespace maps "" to the default namespace's name.
func pineconeNamespace(ns string) string {
	if ns == "" {
		return PineconeDefaultNamespace
	}
	return ns
}

// takeFailure removes and returns the first scripted failure for method.
// The caller holds p.mu.
func (p *Pinecone) takeFailure(method string) (PineconeFailure, bool) {
	for i, f := range p.failures {
		if f.Method == "" || f.Method == method {
			p.failures = slices.Delete(p.failures, i, i+1)
			return f, true
		}
	}
	return PineconeFailure{}, false
}

// play answers with a scripted failure, after hanging if asked.
func (p *Pinecone) play(ctx context.Context, f PineconeFailure) error {
	if f.Hang {
		select {
		case <-ctx.Done():
		case <-p.done:
		}
	}
	msg := f.Message
	if msg == "" {
		msg = "fluxtest: scripted " + f.Code.String()
	}
	return status.Error(f.Code, msg)
}

// begin records a call as it arrives, so that Calls lists calls in the
// order they came in, and returns its position for finish.
func (p *Pinecone) begin(c PineconeCall) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, c)
	return len(p.calls) - 1
}

// finish records the code a call was answered with.
func (p *Pinecone) finish(i int, code codes.Code) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[i].Code = code
}

// --- control plane ---

// serveDescribeIndex answers GET /indexes/{name} as Pinecone's API 2025-10
// does for a ready serverless index.
func (p *Pinecone) serveDescribeIndex(w http.ResponseWriter, r *http.Request) {
	call := PineconeCall{
		Method:     "DescribeIndex",
		APIKey:     r.Header.Get("Api-Key"),
		APIVersion: r.Header.Get("X-Pinecone-Api-Version"),
		Index:      r.PathValue("name"),
	}
	i := p.begin(call)
	p.mu.Lock()
	f, fail := p.takeFailure(call.Method)
	key, name, host, dim, metric := p.apiKey, p.index, p.indexHost, p.dimension, p.metric
	p.mu.Unlock()

	var err error
	switch {
	case fail:
		err = p.play(r.Context(), f)
	case call.APIKey != key:
		err = status.Error(codes.Unauthenticated, "Invalid API Key")
	case call.Index != name:
		err = status.Errorf(codes.NotFound, "Resource %s not found", call.Index)
	}
	if err != nil {
		st := status.Convert(err)
		p.finish(i, st.Code())
		httpStatus, code := pineconeHTTPStatus(st.Code())
		writePineconeError(w, httpStatus, code, st.Message())
		return
	}
	p.finish(i, codes.OK)
	body := map[string]any{
		"name":                name,
		"dimension":           dim,
		"metric":              metric,
		"host":                host,
		"vector_type":         "dense",
		"deletion_protection": "disabled",
		"spec": map[string]any{"serverless": map[string]any{
			"cloud":         "aws",
			"region":        "us-east-1",
			"read_capacity": map[string]any{"mode": "OnDemand", "status": map[string]any{"state": "Ready"}},
		}},
		"status": map[string]any{"ready": true, "state": "Ready"},
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

// pineconeHTTPStatus maps a gRPC code to the HTTP status and error code of
// Pinecone's REST API.
func pineconeHTTPStatus(c codes.Code) (int, string) {
	switch c {
	case codes.InvalidArgument:
		return http.StatusBadRequest, "INVALID_ARGUMENT"
	case codes.Unauthenticated:
		return http.StatusUnauthorized, "UNAUTHENTICATED"
	case codes.PermissionDenied:
		return http.StatusForbidden, "PERMISSION_DENIED"
	case codes.NotFound:
		return http.StatusNotFound, "NOT_FOUND"
	case codes.AlreadyExists:
		return http.StatusConflict, "ALREADY_EXISTS"
	case codes.ResourceExhausted:
		return http.StatusTooManyRequests, "RESOURCE_EXHAUSTED"
	case codes.Unimplemented:
		return http.StatusNotImplemented, "UNIMPLEMENTED"
	case codes.Unavailable:
		return http.StatusServiceUnavailable, "UNAVAILABLE"
	case codes.DeadlineExceeded:
		return http.StatusGatewayTimeout, "DEADLINE_EXCEEDED"
	}
	return http.StatusInternalServerError, "INTERNAL"
}

func writePineconeError(w http.ResponseWriter, httpStatus int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error":  map[string]any{"code": code, "message": msg},
		"status": httpStatus,
	})
}

// --- data plane ---

// pineconeCodec hands the fake the raw bytes of each message; the fake decodes
// and encodes Pinecone's messages itself with protowire, so it depends on
// the wire format only, not on the client's generated code.
type pineconeCodec struct{}

// Marshal encodes a message of the data plane.
func (pineconeCodec) Marshal(v any) ([]byte, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("fluxtest: cannot marshal %T", v)
	}
	return *b, nil
}

// Unmarshal decodes a message of the data plane.
func (pineconeCodec) Unmarshal(data []byte, v any) error {
	b, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("fluxtest: cannot unmarshal into %T", v)
	}
	*b = slices.Clone(data)
	return nil
}

// Name is the codec's name in gRPC: it stands in for the proto codec.
func (pineconeCodec) Name() string { return "proto" }

// serveRPC answers every gRPC call.
func (p *Pinecone) serveRPC(_ any, stream grpc.ServerStream) error {
	full, _ := grpc.MethodFromServerStream(stream)
	service, method, _ := strings.Cut(strings.TrimPrefix(full, "/"), "/")
	var in []byte
	if err := stream.RecvMsg(&in); err != nil {
		return err
	}
	ctx := stream.Context()
	md, _ := metadata.FromIncomingContext(ctx)
	first := func(k string) string {
		if v := md.Get(k); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	call := PineconeCall{Method: method, APIKey: first("api-key"), APIVersion: first("x-pinecone-api-version")}
	req, err := decodePCRequest(service, in, &call)
	i := p.begin(call)
	var out []byte
	if err == nil {
		out, err = p.serve(ctx, req, call.Method, call.APIKey)
	}
	p.finish(i, status.Code(err))
	if err != nil {
		return err
	}
	return stream.SendMsg(&out)
}

// decodePCRequest decodes a request and fills in what call records of it.
func decodePCRequest(service string, in []byte, call *PineconeCall) (any, error) {
	if service != "VectorService" {
		return nil, status.Errorf(codes.Unimplemented, "unknown service %s", service)
	}
	var (
		req any
		err error
	)
	switch call.Method {
	case "Upsert":
		var r pcUpsertRequest
		r, err = decodePCUpsert(in, call)
		r.size = len(in)
		req = r
	case "Query":
		req, err = decodePCQuery(in, call)
	case "Delete":
		req, err = decodePCDelete(in, call)
	case "DescribeIndexStats":
		req, err = decodePCStats(in, call)
	default:
		return nil, status.Errorf(codes.Unimplemented, "fluxtest: VectorService/%s is not faked", call.Method)
	}
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "malformed %s request: %v", call.Method, err)
	}
	return req, nil
}

// serve answers a decoded request: with a scripted failure, an
// authentication error, or the operation's result.
func (p *Pinecone) serve(ctx context.Context, req any, method, apiKey string) ([]byte, error) {
	p.mu.Lock()
	f, fail := p.takeFailure(method)
	key := p.apiKey
	p.mu.Unlock()
	if fail {
		return nil, p.play(ctx, f)
	}
	if apiKey != key {
		return nil, status.Error(codes.Unauthenticated, "Invalid API Key")
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	switch r := req.(type) {
	case pcUpsertRequest:
		if r.size > pineconeMaxUpsertBytes {
			return nil, status.Errorf(codes.InvalidArgument, "Request size %d exceeds the maximum supported size of %d bytes", r.size, pineconeMaxUpsertBytes)
		}
		return p.upsert(r)
	case pcQueryRequest:
		return p.query(r)
	case pcDeleteRequest:
		return p.delete(r)
	case pcStatsRequest:
		return p.stats(r)
	}
	return nil, status.Error(codes.Internal, "fluxtest: unhandled request")
}

// upsert stores the vectors. The caller holds p.mu.
func (p *Pinecone) upsert(r pcUpsertRequest) ([]byte, error) {
	switch {
	case len(r.vectors) == 0:
		return nil, status.Error(codes.InvalidArgument, "No vectors provided")
	case len(r.vectors) > pineconeMaxUpsertVectors:
		return nil, status.Errorf(codes.InvalidArgument, "Upsert batch size %d exceeds the maximum of %d vectors", len(r.vectors), pineconeMaxUpsertVectors)
	}
	if err := p.checkRecords(r.vectors); err != nil {
		return nil, err
	}
	p.store(pineconeNamespace(r.namespace), r.vectors)
	var out []byte
	out = protowire.AppendTag(out, 1, protowire.VarintType)
	out = protowire.AppendVarint(out, uint64(len(r.vectors)))
	return out, nil
}

// checkRecords applies Pinecone's rules to records about to be stored and
// returns an InvalidArgument status error naming the first broken one. The
// caller holds p.mu.
func (p *Pinecone) checkRecords(recs []pineconeRecord) error {
	for _, v := range recs {
		switch {
		case v.id == "":
			return status.Error(codes.InvalidArgument, "Vector ID must not be empty")
		case len(v.id) > pineconeMaxIDBytes:
			return status.Errorf(codes.InvalidArgument, "Vector ID %.20q... is longer than %d bytes", v.id, pineconeMaxIDBytes)
		case len(v.values) != p.dimension:
			return status.Errorf(codes.InvalidArgument, "Vector dimension %d does not match the dimension of the index %d", len(v.values), p.dimension)
		}
		zero := true
		for _, x := range v.values {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return status.Errorf(codes.InvalidArgument, "Vector %q contains NaN or infinity", v.id)
			}
			zero = zero && x == 0
		}
		if zero && p.metric == "cosine" {
			return status.Errorf(codes.InvalidArgument, "Dense vector %q must contain at least one non-zero value", v.id)
		}
		if v.metadata != nil {
			if n := proto.Size(v.metadata); n > pineconeMaxMetadataBytes {
				return status.Errorf(codes.InvalidArgument, "Metadata size is %d bytes, which exceeds the limit of %d bytes per vector", n, pineconeMaxMetadataBytes)
			}
		}
	}
	return nil
}

// store writes checked records. The caller holds p.mu.
func (p *Pinecone) store(ns string, recs []pineconeRecord) {
	m := p.namespaces[ns]
	if m == nil {
		m = map[string]*pineconeRecord{}
		p.namespaces[ns] = m
	}
	for _, r := range recs {
		if r.metadata == nil {
			r.metadata = &structpb.Struct{}
		}
		m[r.id] = &r
	}
}

// query scores the namespace by cosine similarity. The caller holds p.mu.
func (p *Pinecone) query(r pcQueryRequest) ([]byte, error) {
	switch {
	case r.queries:
		return nil, status.Error(codes.InvalidArgument, "The 'queries' field is no longer supported; send 'vector'")
	case r.topK == 0:
		return nil, status.Error(codes.InvalidArgument, "top_k must be greater than 0")
	case r.topK > pineconeMaxTopK:
		return nil, status.Errorf(codes.InvalidArgument, "top_k must be at most %d", pineconeMaxTopK)
	case r.topK > pineconeMaxTopKWithData && (r.includeMetadata || r.includeValues):
		return nil, status.Errorf(codes.InvalidArgument, "top_k must be at most %d when including metadata or values", pineconeMaxTopKWithData)
	case len(r.vector) > 0 && r.id != "":
		return nil, status.Error(codes.InvalidArgument, "Cannot provide both 'vector' and 'id'")
	}
	ns := p.namespaces[pineconeNamespace(r.namespace)]
	vec := r.vector
	if r.id != "" {
		rec, ok := ns[r.id]
		if !ok {
			return nil, status.Errorf(codes.NotFound, "Vector with ID %s not found", r.id)
		}
		vec = rec.values
	}
	if len(vec) != p.dimension {
		return nil, status.Errorf(codes.InvalidArgument, "Query vector dimension %d does not match the dimension of the index %d", len(vec), p.dimension)
	}
	match, err := compilePineconeFilter(r.filter)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "Invalid filter: %v", err)
	}
	type scored struct {
		rec   *pineconeRecord
		score float32
	}
	var all []scored
	for _, rec := range ns {
		if match(rec.metadata.AsMap()) {
			all = append(all, scored{rec, pcCosine(vec, rec.values)})
		}
	}
	slices.SortFunc(all, func(a, b scored) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.rec.id, b.rec.id)
	})
	all = all[:min(len(all), int(r.topK))]
	var out []byte
	for _, s := range all {
		var m []byte
		m = protowire.AppendTag(m, 1, protowire.BytesType)
		m = protowire.AppendString(m, s.rec.id)
		m = protowire.AppendTag(m, 2, protowire.Fixed32Type)
		m = protowire.AppendFixed32(m, math.Float32bits(s.score))
		if r.includeValues {
			m = pcAppendFloats(m, 3, s.rec.values)
		}
		if r.includeMetadata {
			b, err := proto.Marshal(s.rec.metadata)
			if err != nil {
				return nil, status.Errorf(codes.Internal, "encode metadata: %v", err)
			}
			m = protowire.AppendTag(m, 4, protowire.BytesType)
			m = protowire.AppendBytes(m, b)
		}
		out = protowire.AppendTag(out, 2, protowire.BytesType)
		out = protowire.AppendBytes(out, m)
	}
	out = protowire.AppendTag(out, 3, protowire.BytesType)
	out = protowire.AppendString(out, r.namespace)
	return out, nil
}

// delete removes records by id, by filter or all of them. The caller holds
// p.mu.
func (p *Pinecone) delete(r pcDeleteRequest) ([]byte, error) {
	set := 0
	for _, b := range []bool{len(r.ids) > 0, r.deleteAll, r.filter != nil} {
		if b {
			set++
		}
	}
	if set != 1 {
		return nil, status.Error(codes.InvalidArgument, "Exactly one of 'ids', 'delete_all' or 'filter' must be provided")
	}
	name := pineconeNamespace(r.namespace)
	ns, ok := p.namespaces[name]
	if !ok {
		return nil, status.Error(codes.NotFound, "Namespace not found")
	}
	switch {
	case r.deleteAll:
		clear(ns)
	case r.filter != nil:
		match, err := compilePineconeFilter(r.filter)
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "Invalid filter: %v", err)
		}
		for id, rec := range ns {
			if match(rec.metadata.AsMap()) {
				delete(ns, id)
			}
		}
	default:
		for _, id := range r.ids {
			delete(ns, id)
		}
	}
	if len(ns) == 0 {
		delete(p.namespaces, name)
	}
	return nil, nil
}

// stats describes the index. The caller holds p.mu.
func (p *Pinecone) stats(r pcStatsRequest) ([]byte, error) {
	match, err := compilePineconeFilter(r.filter)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "Invalid filter: %v", err)
	}
	names := make([]string, 0, len(p.namespaces))
	for name := range p.namespaces {
		names = append(names, name)
	}
	slices.Sort(names)
	var out []byte
	total := 0
	for _, name := range names {
		n := 0
		for _, rec := range p.namespaces[name] {
			if match(rec.metadata.AsMap()) {
				n++
			}
		}
		total += n
		var summary []byte
		if n > 0 {
			summary = protowire.AppendTag(summary, 1, protowire.VarintType)
			summary = protowire.AppendVarint(summary, uint64(n))
		}
		var entry []byte
		entry = protowire.AppendTag(entry, 1, protowire.BytesType)
		entry = protowire.AppendString(entry, name)
		entry = protowire.AppendTag(entry, 2, protowire.BytesType)
		entry = protowire.AppendBytes(entry, summary)
		out = protowire.AppendTag(out, 1, protowire.BytesType)
		out = protowire.AppendBytes(out, entry)
	}
	out = protowire.AppendTag(out, 2, protowire.VarintType)
	out = protowire.AppendVarint(out, uint64(p.dimension))
	out = protowire.AppendTag(out, 4, protowire.VarintType)
	out = protowire.AppendVarint(out, uint64(total))
	out = protowire.AppendTag(out, 5, protowire.BytesType)
	out = protowire.AppendString(out, p.metric)
	out = protowire.AppendTag(out, 6, protowire.BytesType)
	out = protowire.AppendString(out, "dense")
	return out, nil
}

func pcCosine(a, b []float32) float32 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return float32(dot / (math.Sqrt(na) * math.Sqrt(nb)))
}

// --- metadata filters ---

// compilePineconeFilter turns a Pinecone metadata filter into a predicate
// on a record's metadata; a nil filter keeps everything.
func compilePineconeFilter(f *structpb.Struct) (func(map[string]any) bool, error) {
	if f == nil {
		return func(map[string]any) bool { return true }, nil
	}
	return compilePCFilterMap(f.AsMap())
}

type pcPredicate = func(map[string]any) bool

func compilePCFilterMap(f map[string]any) (pcPredicate, error) {
	var preds []pcPredicate
	for _, key := range pcSortedKeys(f) {
		v := f[key]
		switch key {
		case "$and", "$or":
			list, ok := v.([]any)
			if !ok || len(list) == 0 {
				return nil, fmt.Errorf("%s needs a non-empty array of filters", key)
			}
			subs := make([]pcPredicate, len(list))
			for i, item := range list {
				m, ok := item.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("%s[%d] is not a filter object", key, i)
				}
				sub, err := compilePCFilterMap(m)
				if err != nil {
					return nil, err
				}
				subs[i] = sub
			}
			if key == "$and" {
				preds = append(preds, pcAllOf(subs))
			} else {
				preds = append(preds, func(md map[string]any) bool {
					return slices.ContainsFunc(subs, func(p pcPredicate) bool { return p(md) })
				})
			}
		default:
			if strings.HasPrefix(key, "$") {
				return nil, fmt.Errorf("unknown operator %s", key)
			}
			ops, ok := v.(map[string]any)
			if !ok {
				ops = map[string]any{"$eq": v} // {"field": value} is $eq
			}
			if len(ops) == 0 {
				return nil, fmt.Errorf("field %s has no condition", key)
			}
			for _, op := range pcSortedKeys(ops) {
				p, err := compilePCCondition(key, op, ops[op])
				if err != nil {
					return nil, err
				}
				preds = append(preds, p)
			}
		}
	}
	return pcAllOf(preds), nil
}

func pcAllOf(preds []pcPredicate) pcPredicate {
	return func(md map[string]any) bool {
		for _, p := range preds {
			if !p(md) {
				return false
			}
		}
		return true
	}
}

func compilePCCondition(field, op string, arg any) (pcPredicate, error) {
	scalar := func(v any) bool {
		switch v.(type) {
		case string, float64, bool:
			return true
		}
		return false
	}
	switch op {
	case "$eq", "$ne":
		if !scalar(arg) {
			return nil, fmt.Errorf("%s on %s needs a string, number or boolean", op, field)
		}
		eq := func(md map[string]any) bool { return pcMetaHas(md[field], arg) }
		if op == "$eq" {
			return eq, nil
		}
		return func(md map[string]any) bool { return !eq(md) }, nil
	case "$in", "$nin":
		list, ok := arg.([]any)
		if !ok {
			return nil, fmt.Errorf("%s on %s needs an array of values", op, field)
		}
		for _, v := range list {
			if !scalar(v) {
				return nil, fmt.Errorf("%s on %s needs an array of strings, numbers or booleans", op, field)
			}
		}
		in := func(md map[string]any) bool {
			return slices.ContainsFunc(list, func(want any) bool { return pcMetaHas(md[field], want) })
		}
		if op == "$in" {
			return in, nil
		}
		return func(md map[string]any) bool { return !in(md) }, nil
	case "$gt", "$gte", "$lt", "$lte":
		limit, ok := arg.(float64)
		if !ok {
			return nil, fmt.Errorf("%s on %s needs a number", op, field)
		}
		return func(md map[string]any) bool {
			x, ok := md[field].(float64)
			if !ok {
				return false
			}
			switch op {
			case "$gt":
				return x > limit
			case "$gte":
				return x >= limit
			case "$lt":
				return x < limit
			}
			return x <= limit
		}, nil
	case "$exists":
		want, ok := arg.(bool)
		if !ok {
			return nil, fmt.Errorf("$exists on %s needs a boolean", field)
		}
		return func(md map[string]any) bool { _, has := md[field]; return has == want }, nil
	}
	return nil, fmt.Errorf("unknown operator %s on %s", op, field)
}

// pcMetaHas reports whether a metadata value equals want or, for a list of
// strings, contains it.
func pcMetaHas(v, want any) bool {
	if list, ok := v.([]any); ok {
		return slices.Contains(list, want)
	}
	return v == want
}

func pcSortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// --- wire format of the requests and responses (db_data_2025-10.proto) ---

type pcUpsertRequest struct {
	vectors   []pineconeRecord
	namespace string
	size      int // bytes on the wire
}

type pcQueryRequest struct {
	namespace       string
	topK            uint64
	filter          *structpb.Struct
	includeValues   bool
	includeMetadata bool
	queries         bool
	vector          []float32
	id              string
}

type pcDeleteRequest struct {
	ids       []string
	deleteAll bool
	namespace string
	filter    *structpb.Struct
}

type pcStatsRequest struct {
	filter *structpb.Struct
}

// pcField is one decoded field of a protobuf message.
type pcField struct {
	num    protowire.Number
	typ    protowire.Type
	varint uint64
	fixed  uint32
	bytes  []byte
}

func parsePCFields(b []byte) ([]pcField, error) {
	var out []pcField
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		f := pcField{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.varint, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			f.fixed, n = protowire.ConsumeFixed32(b)
		case protowire.BytesType:
			f.bytes, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		out = append(out, f)
	}
	return out, nil
}

func (f pcField) want(t protowire.Type) error {
	if f.typ != t {
		return fmt.Errorf("field %d has wire type %d, want %d", f.num, f.typ, t)
	}
	return nil
}

// floats decodes a repeated float field, packed or not, appending to dst.
func (f pcField) floats(dst []float32) ([]float32, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		return append(dst, math.Float32frombits(f.fixed)), nil
	case protowire.BytesType:
		if len(f.bytes)%4 != 0 {
			return nil, fmt.Errorf("field %d: packed floats of %d bytes", f.num, len(f.bytes))
		}
		b := f.bytes
		for len(b) > 0 {
			v, n := protowire.ConsumeFixed32(b)
			dst = append(dst, math.Float32frombits(v))
			b = b[n:]
		}
		return dst, nil
	}
	return nil, fmt.Errorf("field %d: wire type %d for floats", f.num, f.typ)
}

func (f pcField) structValue() (*structpb.Struct, error) {
	if err := f.want(protowire.BytesType); err != nil {
		return nil, err
	}
	s := &structpb.Struct{}
	if err := proto.Unmarshal(f.bytes, s); err != nil {
		return nil, fmt.Errorf("field %d: %w", f.num, err)
	}
	return s, nil
}

func decodePCUpsert(b []byte, call *PineconeCall) (pcUpsertRequest, error) {
	var r pcUpsertRequest
	fields, err := parsePCFields(b)
	if err != nil {
		return r, err
	}
	for _, f := range fields {
		switch f.num {
		case 1:
			if err := f.want(protowire.BytesType); err != nil {
				return r, err
			}
			v, err := decodePCVector(f.bytes)
			if err != nil {
				return r, err
			}
			r.vectors = append(r.vectors, v)
			call.IDs = append(call.IDs, v.id)
		case 2:
			if err := f.want(protowire.BytesType); err != nil {
				return r, err
			}
			r.namespace = string(f.bytes)
		}
	}
	call.Namespace, call.Vectors = r.namespace, len(r.vectors)
	return r, nil
}

func decodePCVector(b []byte) (pineconeRecord, error) {
	var v pineconeRecord
	fields, err := parsePCFields(b)
	if err != nil {
		return v, err
	}
	for _, f := range fields {
		switch f.num {
		case 1:
			if err := f.want(protowire.BytesType); err != nil {
				return v, err
			}
			v.id = string(f.bytes)
		case 2:
			if v.values, err = f.floats(v.values); err != nil {
				return v, err
			}
		case 3:
			if v.metadata, err = f.structValue(); err != nil {
				return v, err
			}
		case 4:
			return v, errors.New("sparse values are not supported by a dense index")
		}
	}
	return v, nil
}

func decodePCQuery(b []byte, call *PineconeCall) (pcQueryRequest, error) {
	var r pcQueryRequest
	fields, err := parsePCFields(b)
	if err != nil {
		return r, err
	}
	for _, f := range fields {
		switch f.num {
		case 1, 8:
			if err := f.want(protowire.BytesType); err != nil {
				return r, err
			}
			if f.num == 1 {
				r.namespace = string(f.bytes)
			} else {
				r.id = string(f.bytes)
			}
		case 2, 4, 5:
			if err := f.want(protowire.VarintType); err != nil {
				return r, err
			}
			switch f.num {
			case 2:
				r.topK = f.varint
			case 4:
				r.includeValues = f.varint != 0
			case 5:
				r.includeMetadata = f.varint != 0
			}
		case 3:
			if r.filter, err = f.structValue(); err != nil {
				return r, err
			}
		case 6:
			r.queries = true
		case 7:
			if r.vector, err = f.floats(r.vector); err != nil {
				return r, err
			}
		case 9:
			return r, errors.New("sparse query vectors are not supported by a dense index")
		}
	}
	call.Namespace, call.TopK = r.namespace, int(min(r.topK, math.MaxInt32))
	call.IncludeMetadata, call.IncludeValues = r.includeMetadata, r.includeValues
	if r.filter != nil {
		call.Filter = r.filter.AsMap()
	}
	return r, nil
}

func decodePCDelete(b []byte, call *PineconeCall) (pcDeleteRequest, error) {
	var r pcDeleteRequest
	fields, err := parsePCFields(b)
	if err != nil {
		return r, err
	}
	for _, f := range fields {
		switch f.num {
		case 1, 3:
			if err := f.want(protowire.BytesType); err != nil {
				return r, err
			}
			if f.num == 1 {
				r.ids = append(r.ids, string(f.bytes))
			} else {
				r.namespace = string(f.bytes)
			}
		case 2:
			if err := f.want(protowire.VarintType); err != nil {
				return r, err
			}
			r.deleteAll = f.varint != 0
		case 4:
			if r.filter, err = f.structValue(); err != nil {
				return r, err
			}
		}
	}
	call.Namespace, call.IDs, call.DeleteAll = r.namespace, slices.Clone(r.ids), r.deleteAll
	if r.filter != nil {
		call.Filter = r.filter.AsMap()
	}
	return r, nil
}

func decodePCStats(b []byte, call *PineconeCall) (pcStatsRequest, error) {
	var r pcStatsRequest
	fields, err := parsePCFields(b)
	if err != nil {
		return r, err
	}
	for _, f := range fields {
		if f.num == 1 {
			if r.filter, err = f.structValue(); err != nil {
				return r, err
			}
			call.Filter = r.filter.AsMap()
		}
	}
	return r, nil
}

func pcAppendFloats(b []byte, num protowire.Number, vs []float32) []byte {
	if len(vs) == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(4*len(vs)))
	for _, v := range vs {
		b = protowire.AppendFixed32(b, math.Float32bits(v))
	}
	return b
}
