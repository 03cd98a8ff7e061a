// Command mount-handler shows a team serving Flux's HTTP API from its own
// server: fluxd's handler (package httpapi) mounted under /flux/ in the
// team's own http.ServeMux, behind the team's own authentication. The
// team's callers present the team's API key; a middleware checks it, maps
// it to the Flux user it belongs to, and hands the request on with a
// short-lived Flux token of that user (minted in the store by
// auth.Authenticator.Issue and cached until shortly before it expires), so
// Flux's own per-user checks still apply: a caller only ever sees their own
// goals and tasks.
//
//	go run ./examples/mount-handler
//
// The program starts the combined server on a local port, makes a few
// requests through it as a client would, prints the answers and exits.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/store/sqlite"
)

// teamAuth is the team's authentication: an API key per user, in the
// X-Team-Key header. It turns a good key into a Flux bearer token.
type teamAuth struct {
	keys  map[string]*flux.User // API key -> the Flux user
	flux  *auth.Authenticator
	mu    sync.Mutex
	cache map[string]token // user id -> token
}

type token struct {
	value   string
	expires time.Time
}

// tokenTTL is how long a minted Flux token lives; it is reused until a
// minute before that.
const tokenTTL = 15 * time.Minute

// middleware checks the team's key and passes the request on as the key's
// user, or answers 401 itself.
func (a *teamAuth) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.keys[r.Header.Get("X-Team-Key")]
		if !ok {
			jsonError(w, http.StatusUnauthorized, "a valid X-Team-Key is required")
			return
		}
		tok, err := a.token(r.Context(), u)
		if err != nil {
			jsonError(w, http.StatusInternalServerError, "internal error")
			return
		}
		r = r.Clone(r.Context())
		r.Header.Del("X-Team-Key")
		r.Header.Set("Authorization", "Bearer "+tok)
		next.ServeHTTP(w, r)
	})
}

// jsonError answers with a JSON error body, as Flux's own routes do.
func jsonError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// token returns a Flux token of u, minting one when the cached one is
// missing or about to expire.
func (a *teamAuth) token(ctx context.Context, u *flux.User) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if t, ok := a.cache[u.ID]; ok && time.Until(t.expires) > time.Minute {
		return t.value, nil
	}
	v, err := a.flux.Issue(ctx, u, tokenTTL)
	if err != nil {
		return "", err
	}
	a.cache[u.ID] = token{value: v, expires: time.Now().Add(tokenTTL)}
	return v, nil
}

// shorten elides the id at the end of a path.
func shorten(path string) string {
	if i := strings.LastIndexByte(path, '/'); len(path)-i > 30 {
		return path[:i+9] + "…"
	}
	return path
}

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "flux-example-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "flux.db"), nil)
	if err != nil {
		return err
	}
	defer st.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	// Flux's side: local-mode tokens (no Supabase), the offline planner.
	authn, err := auth.New(ctx, auth.Config{Store: st, Logger: quiet})
	if err != nil {
		return err
	}
	api := httpapi.New(httpapi.Config{Store: st, Auth: authn, Logger: quiet, Version: "example"})

	// The team's users, each with an API key.
	ada := flux.NewUser(flux.NewID(), "ada@example.com", "Ada")
	bob := flux.NewUser(flux.NewID(), "bob@example.com", "Bob")
	for _, u := range []*flux.User{ada, bob} {
		if err := st.Users().CreateUser(ctx, u); err != nil {
			return err
		}
	}
	ta := &teamAuth{keys: map[string]*flux.User{"key-ada": ada, "key-bob": bob}, flux: authn, cache: map[string]token{}}

	// The team's own mux: its own routes, and Flux under /flux/.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "the team's own home page\n")
	})
	mux.Handle("/flux/", ta.middleware(http.StripPrefix("/flux", api)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	call := func(method, path, key, body string) (int, string, error) {
		req, err := http.NewRequestWithContext(ctx, method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			return 0, "", err
		}
		if key != "" {
			req.Header.Set("X-Team-Key", key)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}
	expect := func(what string, want int, method, path, key, body string) (string, error) {
		code, out, err := call(method, path, key, body)
		if err != nil {
			return "", err
		}
		fmt.Printf("%-30s %-6s %-22s -> %d\n", what, method, shorten(path), code)
		if code != want {
			return "", fmt.Errorf("%s: got %d, want %d: %s", what, code, want, out)
		}
		return out, nil
	}

	if _, err := expect("the team's own route", http.StatusOK, "GET", "/", "", ""); err != nil {
		return err
	}
	if _, err := expect("Flux without the team's key", http.StatusUnauthorized, "GET", "/flux/api/v1/goals", "", ""); err != nil {
		return err
	}
	out, err := expect("Ada creates and plans a goal", http.StatusCreated, "POST", "/flux/api/v1/goals", "key-ada",
		`{"title": "Run a 10k in 10 weeks"}`)
	if err != nil {
		return err
	}
	var goal struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(out), &goal); err != nil || goal.ID == "" {
		return fmt.Errorf("goal response %s: %v", out, err)
	}
	if _, err := expect("Ada reads her goal", http.StatusOK, "GET", "/flux/api/v1/goals/"+goal.ID, "key-ada", ""); err != nil {
		return err
	}
	if _, err := expect("Bob cannot see Ada's goal", http.StatusNotFound, "GET", "/flux/api/v1/goals/"+goal.ID, "key-bob", ""); err != nil {
		return err
	}
	out, err = expect("Bob's goal list", http.StatusOK, "GET", "/flux/api/v1/goals", "key-bob", "")
	if err != nil {
		return err
	}
	fmt.Printf("Ada's goal %q; Bob's goals: %s\n", goal.Title, strings.TrimSpace(out))
	return nil
}
