package voice

import (
	"context"

	"github.com/fluxlife/flux"
)

// Stores are the sub-stores the voice Service reads and writes: users, the tasks the intents create and change, and the conversations
// that record each session and its function calls (goals are written in
// Atomic's transaction).
// flux.Stores, a transaction's stores, satisfies it.
type Stores interface {
	Users() flux.UserStore
	Tasks() flux.TaskStore
	Conversations() flux.ConversationStore
}

// Store is the database a Service works on: the sub-stores it uses, and
// transactions (see flux.Store.Atomic). Every flux.Store (store/sqlite,
// store/postgres) satisfies it; so does a wrapper that exposes only these
// methods.
type Store interface {
	Stores
	Atomic(ctx context.Context, fn func(ctx context.Context, tx flux.Stores) error) error
}

var _ Store = flux.Store(nil)
