package planner_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/planner"
	"github.com/fluxlife/flux/scheduler"
	"github.com/fluxlife/flux/store/sqlite"
)

// ExampleChat_Send runs the chat assistant offline: a new user is
// onboarded, then a reminder in their words is scheduled at their local
// time and moved by its description. voiceTimes adapts the voice package's
// time parser, as httpapi.ChatTimes does in fluxd.
func ExampleChat_Send() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "flux-chat-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	clock := flux.ClockFunc(func() time.Time { return time.Date(2026, 3, 24, 9, 0, 0, 0, time.UTC) }) // a Tuesday
	st, err := sqlite.Open(ctx, filepath.Join(dir, "flux.db"), &sqlite.Options{Clock: clock})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	sched := scheduler.NewService(st, &scheduler.ServiceOptions{Clock: clock})
	goals := planner.NewService(st, nil, &planner.ServiceOptions{Clock: clock, Placer: sched})
	chat := planner.NewChat(goals, &planner.ChatOptions{Times: voiceTimes{}, Scheduler: sched})

	u := flux.NewUser(flux.NewID(), "ana@example.com", "")
	if err := st.Users().CreateUser(ctx, u); err != nil {
		log.Fatal(err)
	}
	conv := ""
	for _, msg := range []string{
		"Hi, my name is Ana", "6:30", "11pm", "9 to 5", "morning person", "Europe/Berlin", "skip",
		"remind me to call mom tomorrow at 6pm",
		"move my call to Friday evening",
	} {
		r, err := chat.Send(ctx, u, conv, msg)
		if err != nil {
			log.Fatal(err)
		}
		conv = r.ConversationID
		if r.AgentNode != planner.NodeOnboarding || msg == "skip" {
			fmt.Printf("%s: %s\n", r.AgentNode, r.Message)
		}
	}
	// Output:
	// ONBOARDING: Great, Ana! You're all set. Now, what's the first thing you'd like to work on?
	// NEW_TASK: Done! "Call mom" is set for tomorrow at 6 PM.
	// RESCHEDULE_TASK: Rescheduled "Call mom" to Friday at 7 PM.
}
