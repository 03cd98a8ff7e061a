package voice_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/store/sqlite"
	"github.com/fluxlife/flux/voice"
)

// fixedMinter stands in for Deepgram in the example; in production
// Options.Minter is a voice/deepgram.Minter.
type fixedMinter struct{ now time.Time }

func (m fixedMinter) Mint(context.Context) (voice.Token, error) {
	return voice.Token{AccessToken: "example-grant", ExpiresAt: m.now.Add(time.Hour)}, nil
}

// A voice session from start to end: create it, run a function call of the
// agent, and close it.
func ExampleNew() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "flux-voice-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	now := time.Date(2026, 3, 4, 20, 20, 0, 0, time.UTC) // 3:20 PM in New York
	clock := flux.ClockFunc(func() time.Time { return now })
	st, err := sqlite.Open(ctx, filepath.Join(dir, "flux.db"), &sqlite.Options{Clock: clock})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	u := flux.NewUser(flux.NewID(), "ada@example.com", "Ada")
	u.Timezone = "America/New_York"
	if err := st.Users().CreateUser(ctx, u); err != nil {
		log.Fatal(err)
	}

	svc, err := voice.New(st, voice.Config{}, &voice.Options{ // all defaults
		Clock:  clock,
		Minter: fixedMinter{now},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}

	info, err := svc.Create(ctx, u)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Settings.Type, info.Settings.Agent.Listen.Provider.Model, len(info.Settings.Agent.Think.Functions))

	res, err := svc.SubmitIntent(ctx, u, voice.IntentInput{
		SessionID: info.SessionID, FunctionCallID: "call-1", FunctionName: "submit_new_task_intent",
		Input: map[string]any{"title": "Call Mom", "trigger_type": "time", "scheduled_at": "tomorrow at 7pm"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Result)

	closed, err := svc.Close(ctx, u, info.SessionID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(closed.Status, closed.MessageCount)
	// Output:
	// Settings nova-3 3
	// Task created: Call Mom, tomorrow at 7 PM. I haven't checked it against your calendar.
	// closed 0
}

func ExampleParseWhen() {
	loc, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2026, 3, 28, 20, 0, 0, 0, loc) // the evening before the clocks go forward
	sleep := &flux.TimeWindow{Start: flux.ClockTime{Hour: 23}, End: flux.ClockTime{Hour: 7}}
	for _, phrase := range []string{"tomorrow at 9am", "every weekday at 7:30am", "at 3", "at 8"} {
		w, err := voice.ParseWhen(phrase, voice.WhenContext{Now: now, Location: loc, Sleep: sleep})
		if err != nil {
			fmt.Printf("%s: ask %q\n", phrase, err)
			continue
		}
		fmt.Printf("%s: %s %s %s\n", phrase, w.Start.Format(time.RFC3339), w.Rule, w.Describe(now))
	}
	// Output:
	// tomorrow at 9am: 2026-03-29T09:00:00+02:00  tomorrow at 9 AM
	// every weekday at 7:30am: 2026-03-30T07:30:00+02:00 FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7;BYMINUTE=30 every weekday at 7:30 AM
	// at 3: 2026-03-29T15:00:00+02:00  tomorrow at 3 PM
	// at 8: ask "Did you mean 8 AM or 8 PM?"
}

func ExampleRegistry_Functions() {
	r, err := voice.DefaultIntents()
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range r.Functions() {
		fmt.Println(f.Name)
	}
	// Output:
	// submit_goal_intent
	// submit_new_task_intent
	// submit_reschedule_intent
}
