package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// testAuth specifies flux.AuthStore and the session link of local tokens.
func testAuth(t *testing.T, open Opener) {
	subtest(t, open, "Passwords", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		_, err := e.s.Auth().PasswordHash(e.ctx, u.ID)
		wantNotFound(t, err, "PasswordHash of a user without a password")
		wantCode(t, e.s.Auth().SetPasswordHash(e.ctx, u.ID, ""), flux.EInvalid, "SetPasswordHash with an empty hash")
		for _, id := range append([]string{flux.NewID()}, malformedIDs...) {
			wantNotFound(t, e.s.Auth().SetPasswordHash(e.ctx, id, "$argon2id$x"), fmt.Sprintf("SetPasswordHash for user %q", id))
			_, err := e.s.Auth().PasswordHash(e.ctx, id)
			wantNotFound(t, err, fmt.Sprintf("PasswordHash of user %q", id))
		}
		must(t, e.s.Auth().SetPasswordHash(e.ctx, u.ID, "$argon2id$first"), "SetPasswordHash")
		must(t, e.s.Auth().SetPasswordHash(e.ctx, other.ID, "$argon2id$other"), "SetPasswordHash of another user")
		if h, err := e.s.Auth().PasswordHash(e.ctx, u.ID); err != nil || h != "$argon2id$first" {
			t.Errorf("PasswordHash = %q, %v; want the stored hash", h, err)
		}
		must(t, e.s.Auth().SetPasswordHash(e.ctx, u.ID, "$argon2id$second"), "SetPasswordHash again")
		if h, err := e.s.Auth().PasswordHash(e.ctx, u.ID); err != nil || h != "$argon2id$second" {
			t.Errorf("PasswordHash after a replacement = %q, %v", h, err)
		}
		if h, err := e.s.Auth().PasswordHash(e.ctx, other.ID); err != nil || h != "$argon2id$other" {
			t.Errorf("the other user's hash = %q, %v", h, err)
		}
	})

	subtest(t, open, "Sessions", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		a := flux.AuthSession{UserID: u.ID, RefreshedAt: ptr(tm("2020-01-01T00:00:00Z"))}
		must(t, e.s.Auth().CreateSession(e.ctx, &a), "CreateSession")
		if !flux.ValidID(a.ID) {
			t.Fatalf("CreateSession wrote back id %q", a.ID)
		}
		want := flux.AuthSession{ID: a.ID, UserID: u.ID, RefreshedAt: st(tm("2020-01-01T00:00:00Z")), CreatedAt: e.clock.stored()}
		wantEqual(t, "CreateSession writes the stored session back", want, a)
		wantEqual(t, "GetSession", want, *mustGet[*flux.AuthSession](t, "GetSession")(e.s.Auth().GetSession(e.ctx, u.ID, a.ID)))
		_, err := e.s.Auth().GetSession(e.ctx, other.ID, a.ID)
		wantNotFound(t, err, "GetSession by another user")
		for _, bad := range malformedIDs {
			_, err := e.s.Auth().GetSession(e.ctx, u.ID, bad)
			wantNotFound(t, err, fmt.Sprintf("GetSession(%q)", bad))
		}

		for _, id := range append([]string{flux.NewID()}, malformedIDs...) {
			s := flux.AuthSession{UserID: id}
			wantNotFound(t, e.s.Auth().CreateSession(e.ctx, &s), fmt.Sprintf("CreateSession for user %q", id))
		}
		dup := flux.AuthSession{ID: a.ID, UserID: other.ID}
		wantCode(t, e.s.Auth().CreateSession(e.ctx, &dup), flux.EConflict, "CreateSession with a taken id")
		bad := flux.AuthSession{ID: "nope", UserID: u.ID}
		wantCode(t, e.s.Auth().CreateSession(e.ctx, &bad), flux.EInvalid, "CreateSession with a malformed id")

		e.clock.Advance(time.Second)
		b := e.session(u.ID)
		e.clock.Advance(time.Second)
		c := e.session(u.ID)
		o := e.session(other.ID)
		list := mustGet[[]flux.AuthSession](t, "ListSessions")(e.s.Auth().ListSessions(e.ctx, u.ID))
		wantEqual(t, "ListSessions, oldest first", []flux.AuthSession{a, *b, *c}, list)
		for _, id := range append([]string{flux.NewID()}, malformedIDs...) {
			l, err := e.s.Auth().ListSessions(e.ctx, id)
			if err != nil || len(l) != 0 {
				t.Errorf("ListSessions(%q) = %v, %v; want none", id, l, err)
			}
		}

		checkDelete(e, "DeleteSession", e.s.Auth().DeleteSession, e.s.Auth().GetSession, u.ID, other.ID, b.ID)

		// DeleteSessions keeps one, or none, and never another user's.
		n, err := e.s.Auth().DeleteSessions(e.ctx, u.ID, c.ID)
		if err != nil || n != 1 {
			t.Errorf("DeleteSessions keeping one = %d, %v; want 1", n, err)
		}
		list = mustGet[[]flux.AuthSession](t, "ListSessions")(e.s.Auth().ListSessions(e.ctx, u.ID))
		wantEqual(t, "ListSessions after DeleteSessions keeping one", []flux.AuthSession{*c}, list)
		n, err = e.s.Auth().DeleteSessions(e.ctx, u.ID, "")
		if err != nil || n != 1 {
			t.Errorf("DeleteSessions keeping none = %d, %v; want 1", n, err)
		}
		wantEqual(t, "the other user's session", *o, *mustGet[*flux.AuthSession](t, "GetSession")(e.s.Auth().GetSession(e.ctx, other.ID, o.ID)))
		for _, id := range append([]string{flux.NewID()}, malformedIDs...) {
			if n, err := e.s.Auth().DeleteSessions(e.ctx, id, ""); err != nil || n != 0 {
				t.Errorf("DeleteSessions(%q) = %d, %v; want 0, nil", id, n, err)
			}
		}
	})

	subtest(t, open, "RefreshTokens", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		s := e.session(u.ID)
		os := e.session(other.ID)
		first := flux.RefreshToken{UserID: u.ID, SessionID: s.ID, Hash: "hash-1"}
		must(t, e.s.Auth().CreateRefreshToken(e.ctx, &first), "CreateRefreshToken")
		if !flux.ValidID(first.ID) {
			t.Fatalf("CreateRefreshToken wrote back id %q", first.ID)
		}
		now := e.clock.stored()
		want := flux.RefreshToken{ID: first.ID, UserID: u.ID, SessionID: s.ID, Hash: "hash-1", CreatedAt: now, UpdatedAt: now}
		wantEqual(t, "CreateRefreshToken writes the stored token back", want, first)
		wantEqual(t, "RefreshTokenByHash", want, *mustGet[*flux.RefreshToken](t, "RefreshTokenByHash")(e.s.Auth().RefreshTokenByHash(e.ctx, "hash-1")))
		for _, h := range []string{"", "hash-2", "HASH-1"} {
			_, err := e.s.Auth().RefreshTokenByHash(e.ctx, h)
			wantNotFound(t, err, fmt.Sprintf("RefreshTokenByHash(%q)", h))
		}
		// A first token leaves the session's RefreshedAt alone.
		wantEqual(t, "the session after its first token", *s, *mustGet[*flux.AuthSession](t, "GetSession")(e.s.Auth().GetSession(e.ctx, u.ID, s.ID)))

		refused := []struct {
			what string
			tok  flux.RefreshToken
			code string
		}{
			{"another user's session", flux.RefreshToken{UserID: u.ID, SessionID: os.ID, Hash: "x1"}, flux.ENotFound},
			{"an unknown session", flux.RefreshToken{UserID: u.ID, SessionID: flux.NewID(), Hash: "x2"}, flux.ENotFound},
			{"a malformed session id", flux.RefreshToken{UserID: u.ID, SessionID: "nope", Hash: "x3"}, flux.ENotFound},
			{"an unknown user", flux.RefreshToken{UserID: flux.NewID(), SessionID: s.ID, Hash: "x4"}, flux.ENotFound},
			{"an empty hash", flux.RefreshToken{UserID: u.ID, SessionID: s.ID}, flux.EInvalid},
			{"a taken hash", flux.RefreshToken{UserID: u.ID, SessionID: s.ID, Hash: "hash-1"}, flux.EConflict},
			{"a taken id", flux.RefreshToken{ID: first.ID, UserID: u.ID, SessionID: s.ID, Hash: "x5"}, flux.EConflict},
		}
		for _, r := range refused {
			tok := r.tok
			wantCode(t, e.s.Auth().CreateRefreshToken(e.ctx, &tok), r.code, "CreateRefreshToken for "+r.what)
			if tok.Hash != "" && tok.Hash != "hash-1" {
				_, err := e.s.Auth().RefreshTokenByHash(e.ctx, tok.Hash)
				wantNotFound(t, err, "RefreshTokenByHash of a refused token ("+r.what+")")
			}
		}

		// Revocation: exactly once, by the owner only.
		for _, id := range append([]string{flux.NewID()}, malformedIDs...) {
			_, err := e.s.Auth().RevokeRefreshToken(e.ctx, u.ID, id)
			wantNotFound(t, err, fmt.Sprintf("RevokeRefreshToken(%q)", id))
		}
		_, err := e.s.Auth().RevokeRefreshToken(e.ctx, other.ID, first.ID)
		wantNotFound(t, err, "RevokeRefreshToken by another user")
		e.clock.Advance(time.Minute)
		did, err := e.s.Auth().RevokeRefreshToken(e.ctx, u.ID, first.ID)
		if err != nil || !did {
			t.Fatalf("RevokeRefreshToken = %v, %v; want true", did, err)
		}
		revokedAt := e.clock.stored()
		e.clock.Advance(time.Minute)
		did, err = e.s.Auth().RevokeRefreshToken(e.ctx, u.ID, first.ID)
		if err != nil || did {
			t.Errorf("RevokeRefreshToken a second time = %v, %v; want false", did, err)
		}
		want.Revoked, want.UpdatedAt = true, revokedAt
		wantEqual(t, "a revoked token", want, *mustGet[*flux.RefreshToken](t, "RefreshTokenByHash")(e.s.Auth().RefreshTokenByHash(e.ctx, "hash-1")))

		// A rotated token names its parent and stamps the session.
		next := flux.RefreshToken{UserID: u.ID, SessionID: s.ID, Hash: "hash-2", ParentID: first.ID}
		must(t, e.s.Auth().CreateRefreshToken(e.ctx, &next), "CreateRefreshToken with a parent")
		got := mustGet[*flux.AuthSession](t, "GetSession")(e.s.Auth().GetSession(e.ctx, u.ID, s.ID))
		if got.RefreshedAt == nil || !got.RefreshedAt.Equal(next.CreatedAt) {
			t.Errorf("session RefreshedAt = %v, want %v", got.RefreshedAt, next.CreatedAt)
		}

		// Of concurrent revocations of one token exactly one succeeds.
		const n = 8
		wins := make([]bool, n)
		errs := make([]error, n)
		parallel(n, func(i int) { wins[i], errs[i] = e.s.Auth().RevokeRefreshToken(e.ctx, u.ID, next.ID) })
		count := 0
		for i := range n {
			must(t, errs[i], "concurrent RevokeRefreshToken")
			if wins[i] {
				count++
			}
		}
		if count != 1 {
			t.Errorf("%d of %d concurrent RevokeRefreshToken calls revoked the token, want 1", count, n)
		}
	})

	subtest(t, open, "DeleteSessionCascades", func(t *testing.T, e *env) {
		u := e.user()
		s, keep := e.session(u.ID), e.session(u.ID)
		r := e.refresh(u.ID, s.ID)
		access := e.sessionToken(u.ID, s.ID)
		rk := e.refresh(u.ID, keep.ID)
		kept := e.sessionToken(u.ID, keep.ID)
		must(t, e.s.Auth().DeleteSession(e.ctx, u.ID, s.ID), "DeleteSession")
		_, err := e.s.Auth().RefreshTokenByHash(e.ctx, r.Hash)
		wantNotFound(t, err, "RefreshTokenByHash of a deleted session's token")
		_, err = e.s.Tokens().GetToken(e.ctx, access.ID)
		wantNotFound(t, err, "GetToken of a deleted session's access token")
		_, err = e.s.Auth().RefreshTokenByHash(e.ctx, rk.Hash)
		must(t, err, "RefreshTokenByHash of another session's token")
		_, err = e.s.Tokens().GetToken(e.ctx, kept.ID)
		must(t, err, "GetToken of another session's access token")
		n, err := e.s.Auth().DeleteSessions(e.ctx, u.ID, "")
		if err != nil || n != 1 {
			t.Errorf("DeleteSessions = %d, %v", n, err)
		}
		_, err = e.s.Tokens().GetToken(e.ctx, kept.ID)
		wantNotFound(t, err, "GetToken after DeleteSessions")
	})

	subtest(t, open, "SessionTokens", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		s := e.session(u.ID)
		os := e.session(other.ID)
		tok := e.sessionToken(u.ID, s.ID)
		if tok.SessionID != s.ID {
			t.Errorf("CreateToken wrote back session %q, want %q", tok.SessionID, s.ID)
		}
		wantEqual(t, "GetToken of a session's token", *tok, *mustGet[*flux.LocalToken](t, "GetToken")(e.s.Tokens().GetToken(e.ctx, tok.ID)))
		for _, sid := range []string{os.ID, flux.NewID(), "nope"} {
			x := flux.LocalToken{UserID: u.ID, SessionID: sid, ExpiresAt: tm("2099-01-01T00:00:00Z")}
			wantNotFound(t, e.s.Tokens().CreateToken(e.ctx, &x), fmt.Sprintf("CreateToken for session %q", sid))
		}
	})

	subtest(t, open, "DeleteRevokedRefreshTokens", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		s, os := e.session(u.ID), e.session(other.ID)
		old1, old2 := e.refresh(u.ID, s.ID), e.refresh(other.ID, os.ID)
		live := e.refresh(u.ID, s.ID)
		revoke := func(userID string, r *flux.RefreshToken) {
			if _, err := e.s.Auth().RevokeRefreshToken(e.ctx, userID, r.ID); err != nil {
				t.Fatal(err)
			}
		}
		revoke(u.ID, old1)
		revoke(other.ID, old2)
		cut := e.clock.Now().Add(time.Nanosecond) // not a whole microsecond
		e.clock.Advance(time.Hour)
		recent := e.refresh(u.ID, s.ID)
		revoke(u.ID, recent)
		n, err := e.s.Auth().DeleteRevokedRefreshTokens(e.ctx, cut)
		if err != nil || n != 2 {
			t.Errorf("DeleteRevokedRefreshTokens = %d, %v; want 2", n, err)
		}
		for _, r := range []*flux.RefreshToken{old1, old2} {
			_, err := e.s.Auth().RefreshTokenByHash(e.ctx, r.Hash)
			wantNotFound(t, err, "RefreshTokenByHash of a pruned token")
		}
		for _, r := range []*flux.RefreshToken{live, recent} {
			_, err := e.s.Auth().RefreshTokenByHash(e.ctx, r.Hash)
			must(t, err, "RefreshTokenByHash of a token not pruned")
		}
	})
}

// session stores a new sign-in session of the user.
func (e *env) session(userID string) *flux.AuthSession {
	e.t.Helper()
	s := flux.AuthSession{UserID: userID}
	must(e.t, e.s.Auth().CreateSession(e.ctx, &s), "CreateSession")
	return &s
}

// refresh stores a new refresh token of the session, with a unique hash.
func (e *env) refresh(userID, sessionID string) *flux.RefreshToken {
	e.t.Helper()
	r := flux.RefreshToken{UserID: userID, SessionID: sessionID, Hash: "h-" + randomID()}
	must(e.t, e.s.Auth().CreateRefreshToken(e.ctx, &r), "CreateRefreshToken")
	return &r
}

// sessionToken stores an access token of the session.
func (e *env) sessionToken(userID, sessionID string) *flux.LocalToken {
	e.t.Helper()
	tok := flux.LocalToken{UserID: userID, SessionID: sessionID, ExpiresAt: tm("2099-01-01T00:00:00Z")}
	must(e.t, e.s.Tokens().CreateToken(e.ctx, &tok), "CreateToken")
	return &tok
}
