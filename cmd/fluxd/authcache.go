package main

import (
	"context"
	"log/slog"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/store/postgres"
)

// authChannel is the PostgreSQL channel on which the replicas announce the
// users whose tokens or rows changed, for their auth caches.
const authChannel = "flux_auth"

// pgPeers announces a replica's auth revocations to the other replicas on
// the same PostgreSQL database.
type pgPeers struct{ st *postgres.Store }

func (p pgPeers) Publish(ctx context.Context, userID string) error {
	return p.st.Notify(ctx, authChannel, userID)
}

// authPeers returns the peers of the store's replicas: PostgreSQL's
// notifications, or none on SQLite (one process per database file).
func authPeers(st flux.Store) auth.Peers {
	if pg, ok := st.(*postgres.Store); ok {
		return pgPeers{pg}
	}
	return nil
}

// listenAuth makes a forget the users the other replicas announce, until
// ctx ends; on SQLite it does nothing.
func listenAuth(ctx context.Context, st flux.Store, a *auth.Authenticator, log *slog.Logger) {
	pg, ok := st.(*postgres.Store)
	if !ok {
		return
	}
	go func() {
		err := pg.Listen(ctx, authChannel, a.Forget, a.ForgetAll)
		if ctx.Err() == nil {
			log.Error("auth: listening for the other replicas' revocations stopped", "error", err)
		}
	}()
}
