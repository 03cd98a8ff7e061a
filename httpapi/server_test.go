package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/auth"
)

// testEnv is a server on a real store with helpers to call it.
type testEnv struct {
	t     testing.TB
	store flux.Store
	auth  *auth.Authenticator
	srv   *Server
	m     *machinery
}

type storeKind string

const (
	kindSQLite   storeKind = "sqlite"
	kindPostgres storeKind = "postgres"
)

// newEnv returns a server on a fresh store of kind with its job queue
// running and the notification machinery wired as fluxd wires it.
func newEnv(t testing.TB, kind storeKind, ac auth.Config) *testEnv {
	t.Helper()
	m := newMachinery(t, kind, machineryOptions{})
	ac.Store = m.store
	a, err := auth.New(context.Background(), ac)
	if err != nil {
		t.Fatal(err)
	}
	// Generous limits: tests of other behaviour must not be throttled;
	// TestExpensiveRoutesAreRateLimited tests the limit itself.
	s := New(Config{Store: m.store, Auth: a, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		ExpensivePerMinute: 60000, ExpensiveBurst: 10000, Scheduler: m.sched, Notify: m.n, Patterns: m.patterns})
	return &testEnv{t: t, store: m.store, auth: a, srv: s, m: m}
}

// token mints a local token for a new user with that e-mail.
func (e *testEnv) token(email string) (string, *flux.User) {
	e.t.Helper()
	u := flux.NewUser(flux.NewID(), email, strings.Split(email, "@")[0])
	if err := e.store.Users().CreateUser(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	tok, err := e.auth.Issue(context.Background(), u, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok, u
}

type response struct {
	Code   int
	Header http.Header
	Body   []byte
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func (e *testEnv) do(method, path, token string, body any) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return response{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

func forEachStore(t *testing.T, f func(t *testing.T, kind storeKind)) {
	for _, k := range []storeKind{kindSQLite, kindPostgres} {
		t.Run(string(k), func(t *testing.T) {
			t.Parallel()
			f(t, k)
		})
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	r := e.do("GET", "/health", "", nil)
	if r.Code != 200 || strings.TrimSpace(string(r.Body)) != `{"status":"ok","service":"flux-backend"}` {
		t.Fatalf("health = %d %s", r.Code, r.Body)
	}
	if r.Header.Get("X-Request-ID") == "" {
		t.Error("no X-Request-ID on the response")
	}
	r = e.do("GET", "/ready", "", nil)
	if r.Code != 200 {
		t.Fatalf("ready = %d %s", r.Code, r.Body)
	}
}

func TestReadyReportsFailingCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	s := New(Config{Store: e.store, Auth: e.auth, Logger: e.srv.log, Checks: map[string]func(context.Context) error{
		"jobs": func(context.Context) error { return io.ErrUnexpectedEOF },
	}})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/ready", nil))
	var got readyResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 503 || got.Checks["jobs"] != "unavailable" || got.Checks["store"] != "ok" {
		t.Fatalf("ready = %d %+v", rec.Code, got)
	}
	if strings.Contains(rec.Body.String(), "EOF") {
		t.Error("ready leaks the internal error text")
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	r := e.do("GET", "/nope", "", nil)
	var body errorBody
	r.json(t, &body)
	if r.Code != 404 || body.Code != flux.ENotFound {
		t.Fatalf("unknown route = %d %s", r.Code, r.Body)
	}
	r = e.do("PUT", "/health", "", nil)
	if r.Code != http.StatusMethodNotAllowed {
		t.Fatalf("PUT /health = %d", r.Code)
	}
}

func TestPanicIsRecovered(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	e.srv.handle(Route{Method: "GET", Path: "/test/panic", Public: true}, func(w http.ResponseWriter, r *http.Request) error {
		panic("secret internal detail")
	})
	r := e.do("GET", "/test/panic", "", nil)
	var body errorBody
	r.json(t, &body)
	if r.Code != 500 || body.Code != flux.EInternal || strings.Contains(string(r.Body), "secret") {
		t.Fatalf("panic = %d %s", r.Code, r.Body)
	}
}

func TestInternalErrorTextNeverShown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	e.srv.handle(Route{Method: "GET", Path: "/test/fail", Public: true}, func(w http.ResponseWriter, r *http.Request) error {
		return io.ErrClosedPipe
	})
	r := e.do("GET", "/test/fail", "", nil)
	if r.Code != 500 || strings.Contains(string(r.Body), "pipe") {
		t.Fatalf("internal = %d %s", r.Code, r.Body)
	}
}

func TestRequestIDIsKeptWhenSane(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	for _, tc := range []struct{ in, want string }{
		{"abc-123", "abc-123"},
		{"bad id with spaces", ""},
	} {
		req := httptest.NewRequest("GET", "/health", nil)
		req.Header.Set("X-Request-ID", tc.in)
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		got := rec.Header().Get("X-Request-ID")
		if tc.want != "" && got != tc.want || tc.want == "" && (got == "" || got == tc.in) {
			t.Errorf("X-Request-ID %q -> %q", tc.in, got)
		}
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	req := httptest.NewRequest("OPTIONS", "/api/v1/account/me", nil)
	req.Header.Set("Origin", "http://localhost:5173")
	req.Header.Set("Access-Control-Request-Method", "PATCH")
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	h := rec.Header()
	if h.Get("Access-Control-Allow-Origin") != "http://localhost:5173" || h.Get("Access-Control-Allow-Credentials") != "true" ||
		!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "authorization") {
		t.Fatalf("preflight headers = %v (status %d)", h, rec.Code)
	}
	req = httptest.NewRequest("OPTIONS", "/api/v1/account/me", nil)
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	rec = httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("an unknown origin was allowed")
	}
}

func TestParseOrigins(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                       "",
		"http://a:1,http://b:2/": "http://a:1|http://b:2",
		`["http://localhost:3000", "http://x.test"]`: "http://localhost:3000|http://x.test",
		" * ": "*",
	} {
		if got := strings.Join(ParseOrigins(in), "|"); got != want {
			t.Errorf("ParseOrigins(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOpenAPIListsExactlyTheRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	r := e.do("GET", "/openapi.json", "", nil)
	if r.Code != 200 {
		t.Fatalf("openapi = %d", r.Code)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	r.json(t, &doc)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi version %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+path] = true
		}
	}
	registered := map[string]bool{}
	for _, rt := range e.srv.Routes() {
		key := rt.Method + " " + rt.Path
		registered[key] = true
		// The mux really serves this pattern for a matching request.
		path := pathParam.ReplaceAllString(rt.Path, "0190a1b2-0000-7000-8000-000000000001")
		_, pattern := e.srv.mux.Handler(httptest.NewRequest(rt.Method, path, nil))
		if strings.TrimSuffix(pattern, "{$}") != key {
			t.Errorf("%s: the mux matched %q", key, pattern)
		}
		if !documented[key] {
			t.Errorf("%s is served but not documented", key)
		}
	}
	for key := range documented {
		if !registered[key] {
			t.Errorf("%s is documented but not served", key)
		}
	}
	if len(registered) < 8 {
		t.Errorf("only %d routes registered", len(registered))
	}
	d := e.do("GET", "/docs", "", nil)
	if d.Code != 200 || !strings.Contains(string(d.Body), "/api/v1/account/me") {
		t.Errorf("/docs = %d", d.Code)
	}
}

func TestExpensiveRoutesAreRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, kindSQLite, auth.Config{})
	s := New(Config{Store: e.store, Auth: e.auth, Logger: e.srv.log, Paid: []Provider{ProviderLLM}, ExpensivePerMinute: 1, ExpensiveBurst: 2})
	e.srv = s
	alice, _ := e.token("alice@example.com")
	bob, _ := e.token("bob@example.com")
	for i := range 2 {
		if r := e.do("POST", "/goals/start", alice, `{"message": "Run a 10k in 10 weeks"}`); r.Code != 200 {
			t.Fatalf("call %d = %d %s", i, r.Code, r.Body)
		}
	}
	r := e.do("POST", "/goals/start", alice, `{"message": "Run a 10k in 10 weeks"}`)
	if r.Code != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("third call = %d %v %s", r.Code, r.Header, r.Body)
	}
	if r := e.do("POST", "/goals/start", bob, `{"message": "Read 12 books this year"}`); r.Code != 200 {
		t.Fatalf("another user is limited too: %d", r.Code)
	}
	if r := e.do("GET", "/api/v1/account/me", alice, nil); r.Code != 200 {
		t.Fatalf("a cheap route is limited: %d", r.Code)
	}
}
