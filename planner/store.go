package planner

import (
	"context"

	"github.com/fluxlife/flux"
)

// Stores are the sub-stores the goal Service and the Chat reads and writes: users (their profile), goals with their plans, tasks, and the conversations of the clarifying dialogue and the chat.
// flux.Stores, a transaction's stores, satisfies it.
type Stores interface {
	Users() flux.UserStore
	Goals() flux.GoalStore
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
