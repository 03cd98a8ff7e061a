package auth

import (
	"context"
	"sync"

	"github.com/fluxlife/flux"
)

// Watch returns store with the Authenticator watching its user writes: a
// user updated or deleted through it is forgotten by the cache and
// announced to the peers (Revoked) once the write is committed, so that
// the next request of theirs, here or on another replica, reads the new
// row (or, deleted, is refused: deleting a user deletes their local
// tokens). Pass the returned store to every service that writes users.
func (a *Authenticator) Watch(store flux.Store) flux.Store {
	if a.cache == nil && a.cfg.Peers == nil {
		return store
	}
	if w, ok := store.(*watched); ok && w.a == a {
		return store // watched already
	}
	return &watched{Store: store, a: a}
}

type watched struct {
	flux.Store
	a *Authenticator
}

func (w *watched) Users() flux.UserStore {
	return &watchedUsers{UserStore: w.Store.Users(), changed: func(ctx context.Context, id string) { w.a.revoked(ctx, id) }}
}

func (w *watched) Atomic(ctx context.Context, fn func(ctx context.Context, tx flux.Stores) error) error {
	var (
		mu  sync.Mutex
		ids []string
	)
	err := w.Store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		return fn(ctx, &watchedTx{Stores: tx, changed: func(_ context.Context, id string) {
			mu.Lock()
			ids = append(ids, id)
			mu.Unlock()
		}})
	})
	// Forgotten whatever the outcome: a forgotten user is only read again.
	for _, id := range ids {
		w.a.revoked(ctx, id)
	}
	return err
}

// watchedTx is a transaction's stores with its user writes recorded.
type watchedTx struct {
	flux.Stores
	changed func(ctx context.Context, id string)
}

func (w *watchedTx) Users() flux.UserStore {
	return &watchedUsers{UserStore: w.Stores.Users(), changed: w.changed}
}

// watchedUsers reports each user updated or deleted through it.
type watchedUsers struct {
	flux.UserStore
	changed func(ctx context.Context, id string)
}

func (w *watchedUsers) UpdateUser(ctx context.Context, id string, fn func(*flux.User) error) (*flux.User, error) {
	u, err := w.UserStore.UpdateUser(ctx, id, fn)
	if err == nil {
		w.changed(ctx, id)
	}
	return u, err
}

func (w *watchedUsers) DeleteUser(ctx context.Context, id string) error {
	err := w.UserStore.DeleteUser(ctx, id)
	if err == nil {
		w.changed(ctx, id)
	}
	return err
}
