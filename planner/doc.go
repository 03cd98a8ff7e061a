// Package planner turns a goal into a plan: milestones (one per week for
// horizons up to 12 weeks, phases beyond) of 3–5 concrete tasks, each with
// a duration, a recurrence (an RFC 5545 RRULE), a time of day and a
// priority, and the expert sources the plan relied on.
//
// The pieces:
//
//   - [Planner] is the interface: a [Request] in, a [*Plan] out.
//   - [Validate] enforces the rules every plan must pass and lists every
//     violation, not only the first.
//   - [Offline] is the deterministic planner, the embedded default when no
//     API key is set and the fallback of the LLM planner. It recognises the
//     goal's domain ([ClassifyDomain]) and horizon ([ParseTimeline]) and
//     scales per-domain templates to it.
//   - [LLM] plans with a chat [Model] using JSON-schema structured output,
//     repairs rule-breaking replies, and falls back to the offline planner
//     on failure. A [Retriever] grounds it in expert articles. The model on
//     any OpenAI-compatible API (OpenRouter by default) is in planner/openai;
//     this package makes no network calls and does not link net/http.
//   - [Conversation] is the clarifying conversation of the /goals routes:
//     a JSON-serialisable state machine that asks only what it does not
//     know yet, plans, re-plans on feedback and confirms.
//   - [Chat] is the chat assistant of /api/v1/chat: onboarding, then each
//     message routed ([Router]: the deterministic [OfflineRouter], or an
//     [LLMRouter] falling back to it) to a new goal (the Conversation), a
//     reminder or a move in natural language ([TimeParser]), a change to a
//     goal ([Service.Modify]'s re-plan) or a question back.
//   - [Plan.GoalPlan] turns a confirmed plan into the rows
//     flux.GoalStore saves in one transaction.
//
// A minimal use, offline:
//
//	p, err := (&planner.Offline{}).Plan(ctx, planner.Request{
//		Statement: "Run a 10k in 10 weeks",
//		Now:       clock.Now(),
//	})
//
// and with a model (planner/openai) when a key is configured:
//
//	pl := openai.NewPlanner(openai.Config{APIKey: key}, planner.LLMConfig{Retriever: r})
package planner
