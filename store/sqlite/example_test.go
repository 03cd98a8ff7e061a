package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/store/sqlite"
)

func ExampleOpen() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "flux-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// Open creates the file and its schema on first use.
	store, err := sqlite.Open(ctx, filepath.Join(dir, "flux.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	u := flux.NewUser(flux.NewID(), "ada@example.com", "Ada")
	if err := store.Users().CreateUser(ctx, u); err != nil {
		log.Fatal(err)
	}

	// Several writes in one transaction: all of them or none.
	err = store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		g := &flux.Goal{UserID: u.ID, Title: "Run a 10k", Status: flux.GoalActive, PlanVersion: 1}
		if err := tx.Goals().CreateGoal(ctx, g); err != nil {
			return err
		}
		return tx.Tasks().CreateTask(ctx, &flux.Task{
			UserID: u.ID, GoalID: g.ID, Title: "First easy run",
			Status: flux.TaskPending, Priority: flux.PriorityStandard,
			DurationMinutes: 30, TriggerType: flux.TriggerTime,
		})
	})
	if err != nil {
		log.Fatal(err)
	}

	tasks, next, err := store.Tasks().ListTasks(ctx, u.ID, flux.TaskFilter{Unscheduled: true}, flux.Page{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(tasks), tasks[0].Title, next == "")
	// Output: 1 First easy run true
}
