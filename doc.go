// Package flux is the domain of Flux, an open-source backend for
// AI-assisted goal achievement, and the root of its Go SDK.
//
// A person brings a goal; the planner breaks it into milestones and tasks
// grounded in expert articles; the scheduler places the tasks into the
// person's real week; a voice agent lets them talk to it; when a task is
// due, the notifier reminds them and escalates (push, then WhatsApp, then a
// phone call) until they acknowledge; and a pattern observer learns when they
// really get things done.
//
// This package holds what every other package shares: the domain types
// (User, Goal, Milestone, Task, CalendarEvent, Conversation, Message,
// PushSubscription, Notification, Escalation, Pattern), the one error type
// (Error, with codes such as EInvalid and ENotFound), the Clock, ids,
// pagination, durable job arguments, and the store interfaces. It imports no
// other package of the project.
//
// The packages of the SDK:
//
//   - planner: a goal in, a validated plan out; an LLM planner on any
//     OpenAI-compatible API with a deterministic offline planner as fallback,
//     and the clarifying conversation.
//   - rag: articles, chunking, embedders, indexes and hybrid retrieval that
//     grounds the planner (rag/pinecone for Pinecone).
//   - scheduler: a pure, deterministic placement engine: time zones, work
//     hours, sleep, cutoff, buffers, priorities, deadlines, recurrence.
//   - voice: the Deepgram Voice Agent control plane.
//   - notify: channels and the notification log (notify/webpush,
//     notify/twilio).
//   - escalation: the reminder ladder on durable timers.
//   - store/sqlite and store/postgres: the two stores, both passing the
//     conformance suite store/storetest; store/jobs runs durable jobs on
//     River over either.
//   - httpapi: the HTTP API; cmd/fluxd: the reference server.
//   - fluxtest: a fake clock and protocol-exact fakes of the external
//     services, for embedders' own tests.
//
// Embedding Flux in a service takes a store and the packages you need:
//
//	st, err := sqlite.Open(ctx, "flux.db", nil)
//	if err != nil {
//		return err
//	}
//	defer st.Close()
//	u := flux.NewUser(flux.NewID(), "ada@example.com", "Ada")
//	u.Timezone = "Europe/Berlin"
//	if err := st.Users().CreateUser(ctx, u); err != nil {
//		return err
//	}
//	tasks, next, err := st.Tasks().ListTasks(ctx, u.ID, flux.TaskFilter{}, flux.Page{Limit: 20})
package flux
