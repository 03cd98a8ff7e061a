// Package pinecone is a [rag.Index] on a hosted Pinecone index, through
// Pinecone's official Go client (github.com/pinecone-io/go-pinecone/v5),
// whose data plane is gRPC.
//
// Vectors are stored as the original Flux system stored them: one record per
// chunk with the id "<document id>_<chunk index>", upserted in batches of
// 100, with the metadata text, title, source, category, authority and
// chunk_index, plus document_id, which lets a query filter on a document
// and lets DeleteDocument delete by metadata. Records written by the
// original system, which lack document_id, are read with the document id
// taken from their record id.
//
// The index must be a dense index with the cosine metric (or dotproduct,
// which scores the same for the unit-length vectors that Flux's embedders
// make) whose dimension is the embedder's:
//
//	idx, err := pinecone.New(ctx, pinecone.Config{APIKey: key, IndexName: "flux-articles"})
//	defer idx.Close()
//	lib, err := rag.NewLibrary(embedder, &rag.LibraryOptions{Index: idx, Catalog: catalog})
//
// New validates the index host before handing it to the client, whose
// Client.Index would otherwise end the process (log.Fatalf) on a host it
// cannot parse: a bad host is an EInvalid error.
package pinecone

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	pc "github.com/pinecone-io/go-pinecone/v5/pinecone"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/rag"
)

// Defaults and limits.
const (
	// DefaultIndexName is the index of the original system.
	DefaultIndexName = "flux-articles"
	// DefaultControlURL is Pinecone's control plane.
	DefaultControlURL = "https://api.pinecone.io"
	// DefaultTimeout bounds each call to Pinecone.
	DefaultTimeout = 30 * time.Second
	// UpsertBatch is the most vectors sent in one upsert request, as the
	// original system sent them.
	UpsertBatch = 100
	// MaxTopK is the most matches one query asks for: Pinecone's limit on
	// top_k when metadata is included.
	MaxTopK = 1000
	// MaxMetadataBytes is Pinecone's limit on one record's metadata.
	MaxMetadataBytes = 40 << 10
	// MaxIDBytes is Pinecone's limit on a record id.
	MaxIDBytes = 512
	// maxUpsertBytes keeps each upsert request under Pinecone's 2 MB
	// limit, with room for the request's framing.
	maxUpsertBytes = 2<<20 - 64<<10
	// maxRecvBytes is the largest response the gRPC client accepts: 1000
	// matches with 40 KB of metadata each, and then some.
	maxRecvBytes = 64 << 20
	// defaultNamespace is Pinecone's name for the namespace "".
	defaultNamespace = "__default__"
)

// Metadata keys of a record.
const (
	keyText       = "text"
	keyTitle      = "title"
	keySource     = "source"
	keyCategory   = "category"
	keyAuthority  = "authority"
	keyChunkIndex = "chunk_index"
	keyDocumentID = "document_id"
)

// Config says which Pinecone index to use and how to reach it.
type Config struct {
	// APIKey authenticates every call. Required. (cmd/fluxd reads the
	// fields from the environment variables named in parentheses.)
	APIKey string
	// IndexName is the index to use (PINECONE_INDEX_NAME); empty means
	// DefaultIndexName. Its host, dimension and metric are read with
	// DescribeIndex unless Host is set.
	IndexName string
	// Namespace is the namespace holding the vectors; empty means the
	// default namespace.
	Namespace string
	// ControlURL is the control plane's base URL; empty means
	// DefaultControlURL.
	ControlURL string
	// Host is the index's data-plane host (PINECONE_HOST), e.g.
	// "flux-articles-abc123.svc.aped-4627-b74a.pinecone.io": when set,
	// DescribeIndex is skipped. A bare host or an https:// URL is reached
	// over TLS (port 443 unless given); an http:// URL needs Insecure.
	Host string
	// HTTPClient makes the control-plane calls; nil means a client with
	// Timeout.
	HTTPClient *http.Client
	// Timeout bounds each call to Pinecone; 0 means DefaultTimeout.
	Timeout time.Duration
	// Insecure allows plaintext: an http:// ControlURL and plaintext gRPC
	// to the data plane (a bare Host, or the host DescribeIndex returns,
	// is then reached without TLS). It sends the API key in the clear: for
	// local fakes and Pinecone Local only.
	Insecure bool
}

// Enabled reports whether the configuration names an API key, that is
// whether Pinecone is to be used at all.
func (c Config) Enabled() bool { return strings.TrimSpace(c.APIKey) != "" }

// Validate checks what New would refuse before any call: the index name,
// the host, the control-plane URL and the timeout. Problems are an EInvalid
// *flux.Error whose Fields name the settings as New does (index_name,
// host, control_url, timeout).
func (c Config) Validate() error {
	var fields []flux.FieldError
	if c.Timeout < 0 {
		fields = append(fields, flux.FieldError{Field: "timeout", Message: "must not be negative"})
	}
	if c.IndexName != "" {
		if msg := checkIndexName(c.IndexName); msg != "" {
			fields = append(fields, flux.FieldError{Field: "index_name", Message: msg})
		}
	}
	if c.Host != "" {
		if _, err := dataHost(c.Host, c.Insecure); err != nil {
			fields = append(fields, flux.FieldError{Field: "host", Message: err.Error()})
		}
	}
	if c.ControlURL != "" {
		if _, err := controlURL(c.ControlURL, c.Insecure); err != nil {
			fields = append(fields, flux.FieldError{Field: "control_url", Message: err.Error()})
		}
	}
	if len(fields) > 0 {
		return flux.Invalid("invalid Pinecone settings", fields...)
	}
	return nil
}

// Index is a rag.Index on one namespace of a Pinecone index. Safe for
// concurrent use; Close releases its connection.
type Index struct {
	conn      *pc.IndexConnection
	name      string
	namespace string
	host      string
	dims      int
	timeout   time.Duration
}

var _ rag.Index = (*Index)(nil)

// New connects to the index cfg names. Unless cfg.Host is set it asks the
// control plane for the index (DescribeIndex) and checks that it is a
// ready, dense index with the cosine or dotproduct metric. It makes no
// data-plane call: the gRPC connection is opened by the first one.
//
// Invalid settings, a host that is not a plain host name or IP address with
// an optional port, and an unsuitable index are EInvalid errors; an
// unknown index is ENotFound; a control plane that cannot be reached,
// refuses the key or does not answer in time is EUnavailable.
func New(ctx context.Context, cfg Config) (*Index, error) {
	var fields []flux.FieldError
	add := func(f, m string) { fields = append(fields, flux.FieldError{Field: f, Message: m}) }
	cfg.APIKey = strings.TrimSpace(cfg.APIKey)
	if cfg.APIKey == "" {
		add("api_key", "is required")
	}
	if cfg.IndexName == "" {
		cfg.IndexName = DefaultIndexName
	}
	if msg := checkIndexName(cfg.IndexName); msg != "" && cfg.Host == "" {
		add("index_name", msg)
	}
	if cfg.ControlURL == "" {
		cfg.ControlURL = DefaultControlURL
	}
	control, err := controlURL(cfg.ControlURL, cfg.Insecure)
	if err != nil {
		add("control_url", err.Error())
	}
	var host string
	if cfg.Host != "" {
		if host, err = dataHost(cfg.Host, cfg.Insecure); err != nil {
			add("host", err.Error())
		}
	}
	if cfg.Timeout < 0 {
		add("timeout", "must not be negative")
	}
	if !utf8.ValidString(cfg.Namespace) || len(cfg.Namespace) > 512 {
		add("namespace", "must be valid UTF-8 of at most 512 bytes")
	}
	if len(fields) > 0 {
		return nil, flux.Invalid("invalid Pinecone settings", fields...)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{Timeout: cfg.Timeout}
	}
	client, err := pc.NewClient(pc.NewClientParams{ApiKey: cfg.APIKey, Host: control, RestClient: httpClient})
	if err != nil {
		return nil, fmt.Errorf("pinecone: new client: %w", err)
	}

	x := &Index{name: cfg.IndexName, namespace: cfg.Namespace, timeout: cfg.Timeout}
	if host == "" {
		desc, err := x.describe(ctx, client)
		if err != nil {
			return nil, err
		}
		if host, err = dataHost(desc.Host, cfg.Insecure); err != nil {
			return nil, flux.Invalid(fmt.Sprintf("pinecone index %q has an unusable host", cfg.IndexName),
				flux.FieldError{Field: "host", Message: err.Error()})
		}
		if desc.Dimension != nil {
			x.dims = int(*desc.Dimension)
		}
	}
	x.host = host
	// host is checked: Client.Index cannot reach its log.Fatalf.
	conn, err := client.Index(pc.NewIndexConnParams{Host: host, Namespace: cfg.Namespace},
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxRecvBytes)))
	if err != nil {
		return nil, fmt.Errorf("pinecone: connect to %s: %w", host, err)
	}
	x.conn = conn
	return x, nil
}

// describe reads the index's description and checks that Flux can use it.
func (x *Index) describe(ctx context.Context, client *pc.Client) (*pc.Index, error) {
	cctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	desc, err := client.DescribeIndex(cctx, x.name)
	if err != nil {
		var pe *pc.PineconeError
		switch {
		case ctx.Err() != nil:
			return nil, fmt.Errorf("pinecone: describe index %q: %w", x.name, ctx.Err())
		case errors.As(err, &pe) && pe.Code == http.StatusNotFound:
			return nil, &flux.Error{Code: flux.ENotFound, Message: fmt.Sprintf("pinecone index %q not found", x.name), Err: err}
		case errors.As(err, &pe) && (pe.Code == http.StatusUnauthorized || pe.Code == http.StatusForbidden):
			return nil, &flux.Error{Code: flux.EUnavailable, Message: "pinecone refused the API key", Err: err}
		case errors.As(err, &pe) && pe.Code < 500 && pe.Code != http.StatusTooManyRequests:
			return nil, fmt.Errorf("pinecone: describe index %q: %w", x.name, err)
		case cctx.Err() != nil:
			return nil, &flux.Error{Code: flux.EUnavailable, Message: fmt.Sprintf("pinecone did not answer within %s", x.timeout), Err: err}
		}
		return nil, &flux.Error{Code: flux.EUnavailable, Message: "pinecone is unavailable", Err: err}
	}
	var fields []flux.FieldError
	if desc.VectorType != "" && desc.VectorType != "dense" {
		fields = append(fields, flux.FieldError{Field: "vector_type", Message: fmt.Sprintf("is %q; Flux needs a dense index", desc.VectorType)})
	}
	if desc.Metric != pc.Cosine && desc.Metric != pc.Dotproduct {
		fields = append(fields, flux.FieldError{Field: "metric", Message: fmt.Sprintf("is %q; Flux needs cosine (or dotproduct)", desc.Metric)})
	}
	if len(fields) > 0 {
		return nil, flux.Invalid(fmt.Sprintf("pinecone index %q cannot hold Flux's vectors", x.name), fields...)
	}
	if desc.Status != nil && !desc.Status.Ready {
		return nil, &flux.Error{Code: flux.EUnavailable, Message: fmt.Sprintf("pinecone index %q is not ready (%s)", x.name, desc.Status.State)}
	}
	if desc.Host == "" {
		return nil, &flux.Error{Code: flux.EUnavailable, Message: fmt.Sprintf("pinecone index %q has no host yet", x.name)}
	}
	return desc, nil
}

// Close closes the connection to the data plane.
func (x *Index) Close() error { return x.conn.Close() }

// Host returns the data-plane address in use, e.g.
// "https://flux-articles-abc123.svc.pinecone.io".
func (x *Index) Host() string { return x.host }

// Namespace returns the namespace holding the vectors ("" is the default
// one).
func (x *Index) Namespace() string { return x.namespace }

// Dimensions returns the index's vector length as DescribeIndex reported
// it, or 0 when New was given a Host and did not ask.
func (x *Index) Dimensions() int { return x.dims }

// Upsert stores the vectors in requests of at most UpsertBatch vectors (and
// under Pinecone's 2 MB request limit). Every vector is checked before
// anything is sent: one without an ID, with an ID or metadata beyond
// Pinecone's limits, with a length other than the index's (or than the
// first vector's, when the index's is unknown), or with a NaN, infinite or
// all-zero value (a cosine index cannot store the zero vector) makes the
// call an EInvalid error. A failure after the first request leaves the
// earlier batches stored; upserting again is safe.
func (x *Index) Upsert(ctx context.Context, vectors []rag.Vector) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(vectors) == 0 {
		return nil
	}
	dims := x.dims
	if dims == 0 {
		dims = len(vectors[0].Values)
	}
	var fields []flux.FieldError
	records := make([]*pc.Vector, len(vectors))
	sizes := make([]int, len(vectors))
	for i, v := range vectors {
		add := func(f, m string) {
			fields = append(fields, flux.FieldError{Field: fmt.Sprintf("vectors[%d].%s", i, f), Message: m})
		}
		switch {
		case v.ID == "":
			add("id", "is missing")
		case len(v.ID) > MaxIDBytes || !utf8.ValidString(v.ID):
			add("id", fmt.Sprintf("must be valid UTF-8 of at most %d bytes", MaxIDBytes))
		}
		switch {
		case len(v.Values) == 0 || len(v.Values) != dims:
			add("values", fmt.Sprintf("has %d dimensions, the index has %d", len(v.Values), dims))
		case !finite(v.Values):
			add("values", "contains NaN or infinity")
		case isZero(v.Values):
			add("values", "is the zero vector, which a cosine index cannot store")
		}
		md, err := structpb.NewStruct(metadataOf(v.Chunk))
		if err != nil {
			add("chunk", "has metadata Pinecone cannot store: "+err.Error())
			continue
		}
		mdSize := proto.Size(md)
		if mdSize > MaxMetadataBytes {
			add("chunk", fmt.Sprintf("has %d bytes of metadata, Pinecone stores at most %d", mdSize, MaxMetadataBytes))
		}
		values := v.Values
		records[i] = &pc.Vector{Id: v.ID, Values: &values, Metadata: md}
		sizes[i] = len(v.ID) + 5*len(v.Values) + mdSize + 32
	}
	if len(fields) > 0 {
		return flux.Invalid("invalid vectors", fields...)
	}
	for start := 0; start < len(records); {
		end, bytes := start, 0
		for end < len(records) && end-start < UpsertBatch && (end == start || bytes+sizes[end] <= maxUpsertBytes) {
			bytes += sizes[end]
			end++
		}
		op := fmt.Sprintf("upsert vectors %d to %d of %d", start, end-1, len(records))
		if err := x.upsert(ctx, op, records[start:end]); err != nil {
			return err
		}
		start = end
	}
	return nil
}

func (x *Index) upsert(ctx context.Context, op string, batch []*pc.Vector) error {
	cctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	n, err := x.conn.UpsertVectors(cctx, batch)
	if err != nil {
		return x.fail(ctx, cctx, op, err)
	}
	if int(n) != len(batch) {
		return fmt.Errorf("pinecone: %s: Pinecone stored %d of %d vectors", op, n, len(batch))
	}
	return nil
}

// Query returns the k records most similar to vec that pass filter, best
// first, ties broken by ID. k <= 0 gives no matches; k is cut to MaxTopK.
// The zero vector is similar to nothing and gives no matches without
// asking Pinecone. A vector of the wrong length (when the index's is known)
// or with NaN or infinity is an EInvalid error.
func (x *Index) Query(ctx context.Context, vec []float32, k int, filter rag.Filter) ([]rag.Match, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if k <= 0 {
		return nil, nil
	}
	switch {
	case len(vec) == 0 || (x.dims > 0 && len(vec) != x.dims):
		return nil, flux.Invalid("invalid query vector",
			flux.FieldError{Field: "vector", Message: fmt.Sprintf("has %d dimensions, the index has %d", len(vec), x.dims)})
	case !finite(vec):
		return nil, flux.Invalid("invalid query vector", flux.FieldError{Field: "vector", Message: "contains NaN or infinity"})
	case isZero(vec):
		return nil, nil
	}
	k = min(k, MaxTopK)
	mf, err := metadataFilter(filter)
	if err != nil {
		return nil, fmt.Errorf("pinecone: query filter: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	res, err := x.conn.QueryByVectorValues(cctx, &pc.QueryByVectorValuesRequest{
		Vector:          vec,
		TopK:            uint32(k),
		MetadataFilter:  mf,
		IncludeMetadata: true,
	})
	if err != nil {
		return nil, x.fail(ctx, cctx, "query", err)
	}
	out := make([]rag.Match, 0, len(res.Matches))
	for _, m := range res.Matches {
		if m == nil || m.Vector == nil {
			continue
		}
		c := chunkOf(m.Vector.Id, m.Vector.Metadata)
		out = append(out, rag.Match{ID: m.Vector.Id, Score: float64(m.Score), Chunk: c})
	}
	slices.SortFunc(out, func(a, b rag.Match) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out[:min(len(out), k)], nil
}

// DeleteDocument deletes the document's records by metadata
// (document_id = docID). Pinecone answers NotFound when the namespace holds
// nothing; that is not an error. Records of the original system, which
// carry no document_id, are not found this way.
func (x *Index) DeleteDocument(ctx context.Context, docID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if docID == "" {
		return nil // no record belongs to the empty document id
	}
	f, err := metadataFilter(rag.Filter{DocumentIDs: []string{docID}})
	if err != nil {
		return fmt.Errorf("pinecone: delete filter: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	if err := x.conn.DeleteVectorsByFilter(cctx, f); err != nil {
		if status.Code(err) == codes.NotFound {
			return nil
		}
		return x.fail(ctx, cctx, fmt.Sprintf("delete document %q", docID), err)
	}
	return nil
}

// Count returns the number of records in the index's namespace, from
// DescribeIndexStats. Pinecone's serverless indexes update their statistics
// a few seconds after a write, so a count taken right after an upsert or a
// delete may lag behind.
func (x *Index) Count(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	cctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	res, err := x.conn.DescribeIndexStats(cctx)
	if err != nil {
		return 0, x.fail(ctx, cctx, "describe index stats", err)
	}
	names := []string{x.namespace}
	if x.namespace == "" || x.namespace == defaultNamespace {
		names = []string{defaultNamespace, ""}
	}
	for _, n := range names {
		if s, ok := res.Namespaces[n]; ok && s != nil {
			return int(s.VectorCount), nil
		}
	}
	return 0, nil
}

// CountLags reports that Count may lag behind writes (see Count), so that
// a rag.Ingester takes the index for lost only when it counts nothing, and
// does not embed and upload the whole library again on every start whose
// count has not caught up yet (rag.CountLagger).
func (x *Index) CountLags() bool { return true }

var _ rag.CountLagger = (*Index)(nil)

// IndexDimensions returns the index's vector length: the one DescribeIndex
// reported, or, when New was given a Host, the one DescribeIndexStats
// reports (0 when Pinecone reports none). Callers check it against their
// embedder's before writing.
func (x *Index) IndexDimensions(ctx context.Context) (int, error) {
	if x.dims > 0 {
		return x.dims, nil
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	cctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	res, err := x.conn.DescribeIndexStats(cctx)
	if err != nil {
		return 0, x.fail(ctx, cctx, "describe index stats", err)
	}
	if res.Dimension == nil {
		return 0, nil
	}
	return int(*res.Dimension), nil
}

// fail turns a data-plane error into a *flux.Error: a cancelled caller
// gets its context's error back; InvalidArgument and OutOfRange are
// EInvalid, ResourceExhausted is ETooMany, and everything else (down,
// timed out, refusing the key, failing inside) is EUnavailable.
func (x *Index) fail(ctx, cctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("pinecone: %s: %w (%v)", op, ctx.Err(), err)
	}
	wrapped := fmt.Errorf("pinecone: %s: %w", op, err)
	st, _ := status.FromError(err)
	switch st.Code() {
	case codes.InvalidArgument, codes.OutOfRange:
		return &flux.Error{Code: flux.EInvalid, Message: "pinecone rejected the request: " + st.Message(), Err: wrapped}
	case codes.ResourceExhausted:
		return &flux.Error{Code: flux.ETooMany, Message: "pinecone's rate or size limit was reached", Err: wrapped}
	case codes.Unauthenticated, codes.PermissionDenied:
		return &flux.Error{Code: flux.EUnavailable, Message: "pinecone refused the API key", Err: wrapped}
	}
	if cctx.Err() != nil || st.Code() == codes.DeadlineExceeded {
		return &flux.Error{Code: flux.EUnavailable, Message: fmt.Sprintf("pinecone did not answer within %s", x.timeout), Err: wrapped}
	}
	return &flux.Error{Code: flux.EUnavailable, Message: "pinecone is unavailable", Err: wrapped}
}

// metadataOf returns the metadata stored with a chunk: the original
// system's fields and the document id.
func metadataOf(c rag.Chunk) map[string]any {
	return map[string]any{
		keyText:       c.Text,
		keyTitle:      c.Title,
		keySource:     c.Source,
		keyCategory:   c.Category,
		keyAuthority:  c.Authority,
		keyChunkIndex: c.Index,
		keyDocumentID: c.DocumentID,
	}
}

// chunkOf rebuilds a chunk from a record. Without document_id (a record of
// the original system) the document id and chunk index come from the
// record id "<document>_<index>".
func chunkOf(id string, md *structpb.Struct) rag.Chunk {
	f := md.GetFields()
	str := func(k string) string { return f[k].GetStringValue() }
	c := rag.Chunk{
		DocumentID: str(keyDocumentID),
		Text:       str(keyText),
		Metadata: rag.Metadata{
			Title: str(keyTitle), Source: str(keySource), Category: str(keyCategory), Authority: str(keyAuthority),
		},
	}
	index, hasIndex := -1, false
	if v, ok := f[keyChunkIndex]; ok {
		if n := v.GetNumberValue(); n >= 0 && n == math.Trunc(n) && n <= math.MaxInt32 {
			index, hasIndex = int(n), true
		}
	}
	if c.DocumentID == "" || !hasIndex {
		if doc, n, ok := splitID(id); ok {
			if c.DocumentID == "" {
				c.DocumentID = doc
			}
			if !hasIndex {
				index, hasIndex = n, true
			}
		}
	}
	if hasIndex {
		c.Index = index
	}
	return c
}

// splitID splits "<document>_<index>".
func splitID(id string) (string, int, bool) {
	i := strings.LastIndexByte(id, '_')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(id[i+1:])
	if err != nil || n < 0 {
		return "", 0, false
	}
	return id[:i], n, true
}

// metadataFilter translates a rag.Filter: one condition per non-empty list
// ($eq for one value, $in for several), joined by $and; nil for the zero
// filter.
func metadataFilter(f rag.Filter) (*pc.MetadataFilter, error) {
	var conds []any
	add := func(key string, values []string) {
		values = uniq(values)
		switch len(values) {
		case 0:
		case 1:
			conds = append(conds, map[string]any{key: map[string]any{"$eq": values[0]}})
		default:
			list := make([]any, len(values))
			for i, v := range values {
				list[i] = v
			}
			conds = append(conds, map[string]any{key: map[string]any{"$in": list}})
		}
	}
	add(keyCategory, f.Categories)
	add(keyAuthority, f.Authorities)
	add(keyDocumentID, f.DocumentIDs)
	switch len(conds) {
	case 0:
		return nil, nil
	case 1:
		return pc.NewMetadataFilter(conds[0].(map[string]any))
	}
	return pc.NewMetadataFilter(map[string]any{"$and": conds})
}

func uniq(values []string) []string {
	out := make([]string, 0, len(values))
	for _, v := range values {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// checkIndexName returns what is wrong with a Pinecone index name: 1 to 45
// lower-case letters, digits or '-', starting and ending with a letter or
// digit.
func checkIndexName(name string) string {
	ok := len(name) >= 1 && len(name) <= 45 && name[0] != '-' && name[len(name)-1] != '-'
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
	}
	if !ok {
		return "must be 1 to 45 lower-case letters, digits or '-', starting and ending with a letter or digit"
	}
	return ""
}

// controlURL checks the control plane's base URL.
func controlURL(raw string, insecure bool) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil:
		return "", errors.New("is not a URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return "", errors.New("must be an https:// URL")
	case u.Scheme == "http" && !insecure:
		return "", errors.New("is plaintext http://, which needs Insecure")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return "", errors.New("must not carry credentials, a query or a fragment")
	}
	if _, err := checkHostPort(u.Host); err != nil {
		return "", err
	}
	return u.String(), nil
}

// dataHost checks an index host and returns it in the form the client's
// Index expects: "https://host[:port]" for TLS, "http://host:port" for
// plaintext. Accepted are a bare host ("name", "name:port", "1.2.3.4:5",
// "[::1]:5") and http:// or https:// URLs of one, with at most a "/"
// path. Anything else, which the client could hand to gRPC as a target it
// cannot parse (and then end the process), is an error.
func dataHost(raw string, insecure bool) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("is empty")
	}
	scheme := ""
	rest := raw
	if i := strings.Index(raw, "://"); i >= 0 {
		scheme, rest = strings.ToLower(raw[:i]), raw[i+3:]
		switch scheme {
		case "https":
			if insecure {
				return "", errors.New("is https:// but Insecure asks for plaintext")
			}
		case "http":
			if !insecure {
				return "", errors.New("is plaintext http://, which needs Insecure")
			}
		default:
			return "", fmt.Errorf("has the scheme %q; use a host name, https:// or (with Insecure) http://", scheme)
		}
	}
	rest = strings.TrimSuffix(rest, "/")
	if strings.ContainsAny(rest, "/?#@%\\ \t\r\n") {
		return "", errors.New("must be a host name or IP address with an optional port, without a path, query or credentials")
	}
	hostport, err := checkHostPort(rest)
	if err != nil {
		return "", err
	}
	if insecure {
		return "http://" + hostport, nil
	}
	return "https://" + hostport, nil
}

// checkHostPort checks "host", "host:port" or "[v6]:port" and returns it.
func checkHostPort(hp string) (string, error) {
	host, port := hp, ""
	if h, p, err := net.SplitHostPort(hp); err == nil {
		host, port = h, p
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("has the port %q; a port is a number from 1 to 65535", port)
		}
	} else if strings.Count(hp, ":") > 0 && !(strings.HasPrefix(hp, "[") && strings.HasSuffix(hp, "]")) {
		return "", fmt.Errorf("%q is not a host with an optional port", hp)
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		return "", errors.New("has no host name")
	}
	if net.ParseIP(host) == nil && !validHostname(host) {
		return "", fmt.Errorf("%q is not a valid host name", host)
	}
	return hp, nil
}

// validHostname reports whether h is a DNS name: dot-separated labels of
// letters, digits and '-' (and '_', which some service names use), each 1
// to 63 characters, not starting or ending with '-'.
func validHostname(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

func finite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

func isZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}
