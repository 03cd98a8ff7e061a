package scheduler

import (
	"context"

	"github.com/fluxlife/flux"
)

// Stores are the sub-stores the Service reads and writes: users (their
// rules, and a row lock that serialises one user's scheduling), goals,
// tasks, calendar events and the learnt patterns (preference weights).
// flux.Stores, a transaction's stores, satisfies it.
type Stores interface {
	Users() flux.UserStore
	Goals() flux.GoalStore
	Tasks() flux.TaskStore
	Calendar() flux.CalendarStore
	Patterns() flux.PatternStore
}

// PatternReader reads a user's stored patterns: a store or a
// transaction's stores.
type PatternReader interface {
	Patterns() flux.PatternStore
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

// PatternServiceStores are the sub-stores the PatternService reads and
// writes: the scheduler's, and the job queue its recomputations go through.
type PatternServiceStores interface {
	Stores
	Jobs() flux.JobQueue
}

// PatternServiceStore is the database a PatternService works on: its
// sub-stores and transactions. Every flux.Store satisfies it.
type PatternServiceStore interface {
	PatternServiceStores
	Atomic(ctx context.Context, fn func(ctx context.Context, tx flux.Stores) error) error
}

var _ PatternServiceStore = flux.Store(nil)
