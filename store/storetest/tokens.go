package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// testTokens specifies flux.TokenStore.
func testTokens(t *testing.T, open Opener) {
	subtest(t, open, "CreateAndGet", func(t *testing.T, e *env) {
		u := e.user()
		expires := time.Date(2026, 4, 14, 9, 26, 53, 589793238, zone("Asia/Kolkata"))
		tok := flux.LocalToken{UserID: u.ID, ExpiresAt: expires}
		must(t, e.s.Tokens().CreateToken(e.ctx, &tok), "CreateToken")
		if !flux.ValidID(tok.ID) {
			t.Fatalf("CreateToken wrote back id %q, want a new UUID", tok.ID)
		}
		want := flux.LocalToken{ID: tok.ID, UserID: u.ID, ExpiresAt: flux.StoreTime(expires), CreatedAt: e.clock.stored()}
		wantEqual(t, "CreateToken writes the stored token back", want, tok)
		// GetToken is not scoped by user: the caller checks the subject.
		wantEqual(t, "GetToken", want, *mustGet[*flux.LocalToken](t, "GetToken")(e.s.Tokens().GetToken(e.ctx, tok.ID)))
		_, err := e.s.Tokens().GetToken(e.ctx, flux.NewID())
		wantNotFound(t, err, "GetToken of an unknown id")
		for _, bad := range malformedIDs {
			_, err := e.s.Tokens().GetToken(e.ctx, bad)
			wantNotFound(t, err, fmt.Sprintf("GetToken(%q)", bad))
		}

		// A caller's id (the jti) is kept; a taken one is a conflict.
		jti := flux.NewID()
		mine := flux.LocalToken{ID: jti, UserID: u.ID, ExpiresAt: expires}
		must(t, e.s.Tokens().CreateToken(e.ctx, &mine), "CreateToken with an id")
		if mine.ID != jti {
			t.Errorf("CreateToken changed the given id %s to %s", jti, mine.ID)
		}
		dup := flux.LocalToken{ID: jti, UserID: e.user().ID, ExpiresAt: expires}
		wantCode(t, e.s.Tokens().CreateToken(e.ctx, &dup), flux.EConflict, "CreateToken with a taken id")
		wantEqual(t, "the token after a conflict", mine, *mustGet[*flux.LocalToken](t, "GetToken")(e.s.Tokens().GetToken(e.ctx, jti)))
	})

	subtest(t, open, "CreateRefused", func(t *testing.T, e *env) {
		for _, userID := range append([]string{flux.NewID()}, malformedIDs...) {
			tok := flux.LocalToken{ID: flux.NewID(), UserID: userID, ExpiresAt: tm("2027-01-01T00:00:00Z")}
			wantNotFound(t, e.s.Tokens().CreateToken(e.ctx, &tok), fmt.Sprintf("CreateToken for user %q", userID))
			_, err := e.s.Tokens().GetToken(e.ctx, tok.ID)
			wantNotFound(t, err, "GetToken of a refused token")
		}
	})

	subtest(t, open, "Delete", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		a := e.token(u.ID, tm("2027-01-01T00:00:00Z"))
		b := e.token(u.ID, tm("2027-01-01T00:00:00Z"))
		checkDelete(e, "DeleteToken", e.s.Tokens().DeleteToken,
			func(ctx context.Context, _, id string) (*flux.LocalToken, error) {
				return e.s.Tokens().GetToken(ctx, id)
			},
			u.ID, other.ID, a.ID)
		wantEqual(t, "the other token after DeleteToken", *b, *mustGet[*flux.LocalToken](t, "GetToken")(e.s.Tokens().GetToken(e.ctx, b.ID)))
	})

	subtest(t, open, "DeleteExpired", func(t *testing.T, e *env) {
		u, other := e.user(), e.user()
		cut := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
		expired := []*flux.LocalToken{
			e.token(u.ID, tm("1999-01-01T00:00:00Z")),
			e.token(u.ID, cut.Add(-time.Microsecond)),
			e.token(other.ID, cut.Add(-time.Hour)),
		}
		valid := []*flux.LocalToken{
			e.token(u.ID, cut), // expires at the cut: not before it
			e.token(u.ID, cut.Add(time.Microsecond)),
			e.token(other.ID, tm("2099-01-01T00:00:00Z")),
		}
		n, err := e.s.Tokens().DeleteExpiredTokens(e.ctx, cut.In(zone("America/St_Johns")))
		must(t, err, "DeleteExpiredTokens")
		if n != len(expired) {
			t.Errorf("DeleteExpiredTokens = %d, want %d", n, len(expired))
		}
		for _, tok := range expired {
			_, err := e.s.Tokens().GetToken(e.ctx, tok.ID)
			wantNotFound(t, err, fmt.Sprintf("GetToken of a token that expired at %s", tok.ExpiresAt))
		}
		for _, tok := range valid {
			got := mustGet[*flux.LocalToken](t, "GetToken")(e.s.Tokens().GetToken(e.ctx, tok.ID))
			wantEqual(t, "a token that has not expired", *tok, *got)
		}
		n, err = e.s.Tokens().DeleteExpiredTokens(e.ctx, cut)
		if err != nil || n != 0 {
			t.Errorf("DeleteExpiredTokens a second time = %d, %v; want 0, nil", n, err)
		}
	})
}
