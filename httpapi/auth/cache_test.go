package auth_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/store/postgres"
	"github.com/fluxlife/flux/store/postgres/pgtest"
	"github.com/golang-jwt/jwt/v5"
)

var cheap = auth.PasswordParams{Memory: 64, Iterations: 1, Parallelism: 1}

// counting counts the token lookups and user reads of a store.
type counting struct {
	flux.Store
	tokens, users atomic.Int64
}

func (c *counting) Tokens() flux.TokenStore { return &countingTokens{c.Store.Tokens(), c} }
func (c *counting) Users() flux.UserStore   { return &countingUsers{c.Store.Users(), c} }

type countingTokens struct {
	flux.TokenStore
	c *counting
}

func (t *countingTokens) GetToken(ctx context.Context, id string) (*flux.LocalToken, error) {
	t.c.tokens.Add(1)
	return t.TokenStore.GetToken(ctx, id)
}

type countingUsers struct {
	flux.UserStore
	c *counting
}

func (u *countingUsers) EnsureUser(ctx context.Context, x *flux.User) (*flux.User, bool, error) {
	u.c.users.Add(1)
	return u.UserStore.EnsureUser(ctx, x)
}

// stores runs f on a SQLite and a PostgreSQL store.
func stores(t *testing.T, f func(t *testing.T, st flux.Store)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); f(t, openStore(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); f(t, pgtest.Open(t, nil)) })
}

func ensure(a *auth.Authenticator, st flux.Store, p *auth.Principal) (*flux.User, error) {
	return a.User(context.Background(), p.UserID, func(ctx context.Context) (*flux.User, error) {
		u, _, err := st.Users().EnsureUser(ctx, flux.NewUser(p.UserID, p.Email, p.Name))
		return u, err
	})
}

// TestCacheSavesRoundTrips: a known caller's token and row come from the
// cache until its TTL ends.
func TestCacheSavesRoundTrips(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, raw flux.Store) {
		ctx := context.Background()
		st := &counting{Store: raw}
		clock := fluxtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		a, err := auth.New(ctx, auth.Config{Store: st, Clock: clock, Password: cheap})
		if err != nil {
			t.Fatal(err)
		}
		sess, err := a.SignUp(ctx, "ann@example.com", "secret-password", "Ann")
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			p, err := a.Authenticate(bearer(sess.AccessToken))
			if err != nil {
				t.Fatal(err)
			}
			if u, err := ensure(a, st, p); err != nil || u.ID != sess.User.ID || u.Name != "Ann" {
				t.Fatalf("user %+v %v", u, err)
			}
		}
		if n, m := st.tokens.Load(), st.users.Load(); n != 1 || m != 1 {
			t.Fatalf("5 requests: %d token lookups and %d user reads, want 1 and 1", n, m)
		}
		clock.Advance(auth.DefaultCacheTTL)
		p, err := a.Authenticate(bearer(sess.AccessToken))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ensure(a, st, p); err != nil {
			t.Fatal(err)
		}
		if n, m := st.tokens.Load(), st.users.Load(); n != 2 || m != 2 {
			t.Fatalf("after the TTL: %d token lookups and %d user reads, want 2 and 2", n, m)
		}
	})
}

// TestRevokedTokenRefusedWithinBound: a revocation through the
// Authenticator, or an account deleted through its watched store, is
// refused at once; a token deleted behind its back is refused once the
// cache TTL (the documented bound) has passed.
func TestRevokedTokenRefusedWithinBound(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, st flux.Store) {
		ctx := context.Background()
		clock := fluxtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		a, err := auth.New(ctx, auth.Config{Store: st, Clock: clock, Password: cheap})
		if err != nil {
			t.Fatal(err)
		}
		refused := func(tok, what string) {
			t.Helper()
			if _, err := a.Authenticate(bearer(tok)); code(err) != "unauthorized:Invalid or expired token" {
				t.Fatalf("%s: %q", what, code(err))
			}
		}
		accepted := func(tok, what string) {
			t.Helper()
			if _, err := a.Authenticate(bearer(tok)); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}

		// Signed out: at once.
		s1, err := a.SignUp(ctx, "bob@example.com", "secret-password", "Bob")
		if err != nil {
			t.Fatal(err)
		}
		accepted(s1.AccessToken, "signed in")
		p, _ := a.Authenticate(bearer(s1.AccessToken))
		if err := a.SignOut(ctx, p, auth.ScopeGlobal); err != nil {
			t.Fatal(err)
		}
		refused(s1.AccessToken, "signed out")

		// A token of `fluxd token` deleted in the store by another
		// process: within the TTL.
		tok, err := a.Issue(ctx, s1.User, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		accepted(tok, "issued")
		claims := parse(t, tok)
		if err := st.Tokens().DeleteToken(ctx, s1.User.ID, claims.ID); err != nil {
			t.Fatal(err)
		}
		clock.Advance(auth.DefaultCacheTTL)
		refused(tok, "deleted in the store, one TTL later")

		// The account deleted through the watched store: at once.
		tok, err = a.Issue(ctx, s1.User, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		accepted(tok, "issued again")
		if err := a.Watch(st).Users().DeleteUser(ctx, s1.User.ID); err != nil {
			t.Fatal(err)
		}
		refused(tok, "account deleted")
	})
}

// parse reads a token's claims without checking them.
func parse(t *testing.T, tok string) auth.Claims {
	t.Helper()
	var c auth.Claims
	if _, _, err := jwtParser.ParseUnverified(tok, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// pgPeers announces revocations as fluxd does on PostgreSQL.
type pgPeers struct{ st *postgres.Store }

func (p pgPeers) Publish(ctx context.Context, userID string) error {
	return p.st.Notify(ctx, "flux_auth", userID)
}

// TestRevokedTokenRefusedAcrossReplicas: two replicas on one PostgreSQL
// database, each with its own cache; a sign-out on one is refused by the
// other without waiting out the TTL (the clock does not move), as soon as
// the notification arrives.
func TestRevokedTokenRefusedAcrossReplicas(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := pgtest.Open(t, nil)
	second, err := postgres.Open(ctx, pgtest.URL(t), &postgres.Options{Schema: first.Schema()})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	clock := fluxtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	replica := func(st *postgres.Store) *auth.Authenticator {
		a, err := auth.New(ctx, auth.Config{Store: st, Clock: clock, Password: cheap, Peers: pgPeers{st}})
		if err != nil {
			t.Fatal(err)
		}
		listening := make(chan struct{}, 1)
		go st.Listen(ctx, "flux_auth", a.Forget, func() { a.ForgetAll(); listening <- struct{}{} }) //nolint:errcheck // ends with ctx
		select {
		case <-listening:
		case <-time.After(10 * time.Second):
			t.Fatal("not listening after 10s")
		}
		return a
	}
	a, b := replica(first), replica(second)

	sess, err := a.SignUp(ctx, "cy@example.com", "secret-password", "Cy")
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.SignInWithPassword(ctx, "cy@example.com", "secret-password")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*auth.Authenticator{a, b} {
		for _, tok := range []string{sess.AccessToken, other.AccessToken} {
			if _, err := r.Authenticate(bearer(tok)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The second session signs out on replica b (its own session only).
	p, _ := b.Authenticate(bearer(other.AccessToken))
	if err := b.SignOut(ctx, p, auth.ScopeLocal); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for {
		_, err := a.Authenticate(bearer(other.AccessToken))
		if code(err) == "unauthorized:Invalid or expired token" {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("replica a still accepts a token signed out on replica b after 5s: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("refused by the other replica after %v", time.Since(start).Round(time.Millisecond))
	// The first session is untouched on both.
	for _, r := range []*auth.Authenticator{a, b} {
		if _, err := r.Authenticate(bearer(sess.AccessToken)); err != nil {
			t.Fatalf("the session that did not sign out: %v", err)
		}
	}
}

var jwtParser = jwt.NewParser()
