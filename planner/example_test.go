package planner_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/planner"
)

func ExampleOffline() {
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	p, err := (&planner.Offline{}).Plan(context.Background(), planner.Request{
		Statement:   "Run a 10k in 10 weeks",
		Preferences: "mornings",
		Now:         now,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Title, "|", p.Category, "|", p.Weeks, "weeks |", len(p.Milestones), "milestones | planner:", p.Planner)
	for _, m := range []planner.Milestone{p.Milestones[0], p.Milestones[len(p.Milestones)-1]} {
		fmt.Printf("Week %d: %s\n", m.Week, m.Title)
		for _, t := range m.Tasks {
			fmt.Printf("  %s (%d min, %q, %s, %s)\n", t.Title, t.DurationMinutes, t.Recurrence, t.TimeOfDay, t.Priority)
		}
	}
	fmt.Println("valid:", planner.Validate(p) == nil)
	// Output:
	// Run a 10k in 10 weeks | running | 10 weeks | 10 milestones | planner: offline
	// Week 1: Build the running habit
	//   Easy run — 20 min (20 min, "FREQ=WEEKLY;BYDAY=TU,TH", morning, important)
	//   Long run — 30 min (30 min, "FREQ=WEEKLY;BYDAY=SA", morning, important)
	//   Strength and mobility for runners — 15 min (15 min, "FREQ=WEEKLY;BYDAY=MO", morning, standard)
	//   Weekly check-in: log your runs and how your legs feel (10 min, "FREQ=WEEKLY;BYDAY=SU", morning, standard)
	// Week 10: Taper and race
	//   Easy run — 25 min (25 min, "FREQ=WEEKLY;BYDAY=TU,TH", morning, important)
	//   Shakeout run — 15 min easy (15 min, "", morning, standard)
	//   Race day: run your 10k (90 min, "", morning, must_not_miss)
	// valid: true
}

func ExampleConversation() {
	clock := flux.ClockFunc(func() time.Time { return time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC) })
	c := planner.NewConversation(&planner.Offline{}, clock, planner.Profile{Chronotype: flux.ChronotypeMorning})
	ctx := context.Background()

	turn, _ := c.Start(ctx, "Run a 10k in 10 weeks") // timeline and target already given
	fmt.Println(turn.State, "-", turn.Message)
	turn, _ = c.Respond(ctx, "I can run 3 km")
	fmt.Println(turn.State)
	turn, _ = c.Respond(ctx, "weekday mornings")
	fmt.Println(turn.State, "-", len(turn.Plan.Milestones), "milestones - suggested:", turn.SuggestedAction)
	turn, _ = c.Respond(ctx, "Fewer sessions please")
	fmt.Println(turn.State, "- fewer sessions:", strings.Contains(turn.Plan.Summary, "fewer sessions a week"))
	turn, _ = c.Respond(ctx, "Looks good!")
	fmt.Println(turn.State, "- save now:", turn.Confirmed)
	// Output:
	// GATHERING_CURRENT_STATE - Great goal! 🎯 Where are you starting from? How often and how far do you run at the moment, if at all?
	// GATHERING_PREFERENCES
	// AWAITING_CONFIRMATION - 10 milestones - suggested: Looks good!
	// AWAITING_CONFIRMATION - fewer sessions: true
	// CONFIRMED - save now: true
}

func ExampleValidate() {
	p := &planner.Plan{Title: "Read more", Category: planner.DomainStudy, Weeks: 1, Milestones: []planner.Milestone{{
		Week: 1, Title: "Start",
		Tasks: []planner.Task{
			{Title: "Read", DurationMinutes: 300, Priority: flux.PriorityStandard},
			{Title: "read", DurationMinutes: 20, Recurrence: "FREQ=SOMETIMES", Priority: flux.PriorityStandard},
		},
	}}}
	err := planner.Validate(p)
	var fe *flux.Error
	if errors.As(err, &fe) {
		for _, f := range fe.Fields {
			fmt.Println(f.Field)
		}
	}
	// Output:
	// milestones[0].tasks
	// milestones[0].tasks[0].duration_minutes
	// milestones[0].tasks[1].title
	// milestones[0].tasks[1].recurrence
}

// The LLM planner asks any planner.Model (planner/openai is one on an
// OpenAI-compatible API). Here the model always fails, so the offline
// fallback makes the plan.
func ExampleNewLLM() {
	model := planner.ModelFunc(func(ctx context.Context, req planner.ModelRequest) (string, error) {
		return "", errors.New("the model is down")
	})
	p := planner.NewLLM(model, planner.LLMConfig{Timeout: 45 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	plan, err := p.Plan(context.Background(), planner.Request{
		Statement: "Run a 10k in 10 weeks",
		Now:       time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(plan.Planner, len(plan.Milestones))
	// Output: offline 10
}
