package postgres_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/store/postgres"
)

// Open a store in its own schema, write a user and a task in one
// transaction, and list the user's tasks. (It needs a PostgreSQL server, so
// it is compiled but not run by go test; pgtest.Open is the way to get a
// store in a test.)
func ExampleOpen() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := postgres.Open(ctx, os.Getenv("DATABASE_URL"), &postgres.Options{Schema: "flux"})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	u := flux.NewUser(flux.NewID(), "ada@example.com", "Ada")
	err = st.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		if err := tx.Users().CreateUser(ctx, u); err != nil {
			return err
		}
		at := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
		return tx.Tasks().CreateTask(ctx, &flux.Task{
			UserID: u.ID, Title: "Run 5 km", Status: flux.TaskScheduled, ScheduledAt: &at,
			Priority: flux.PriorityStandard, DurationMinutes: 30, TriggerType: flux.TriggerTime,
		})
	})
	if err != nil {
		log.Fatal(err)
	}
	tasks, next, err := st.Tasks().ListTasks(ctx, u.ID, flux.TaskFilter{}, flux.Page{Limit: 20})
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range tasks {
		fmt.Println(t.ScheduledAt.Format(time.RFC3339), t.Title)
	}
	fmt.Printf("more: %t\n", next != "")
}
