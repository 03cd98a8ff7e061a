package pgtest_test

import (
	"context"
	"testing"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/store/postgres/pgtest"
)

// TestOpenHandsOutEmptySchemas writes rows in one test's store and checks
// that the next test, which gets the same pooled schema back, finds it
// empty, while two tests at once never share a schema.
func TestOpenHandsOutEmptySchemas(t *testing.T) {
	ctx := context.Background()
	var first string
	t.Run("write", func(t *testing.T) {
		st := pgtest.Open(t, nil)
		first = st.Schema()
		u := flux.NewUser(flux.NewID(), "ada@example.com", "Ada")
		if err := st.Users().CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		task := &flux.Task{UserID: u.ID, Title: "Run", DurationMinutes: 30, Status: flux.TaskPending, TriggerType: flux.TriggerTime, Priority: flux.PriorityStandard}
		if err := st.Tasks().CreateTask(ctx, task); err != nil {
			t.Fatal(err)
		}
		other := pgtest.Open(t, nil)
		if other.Schema() == first {
			t.Errorf("two stores open at once share schema %s", first)
		}
	})
	t.Run("read", func(t *testing.T) {
		st := pgtest.Open(t, nil)
		if st.Schema() != first {
			t.Logf("got schema %s, not %s (another process holds it)", st.Schema(), first)
		}
		if _, err := st.Users().GetUserByEmail(ctx, "ada@example.com"); !flux.IsCode(err, flux.ENotFound) {
			t.Errorf("a user of an earlier test is still there: %v", err)
		}
		var n int
		if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM tasks`).Scan(&n); err != nil || n != 0 {
			t.Errorf("tasks left: %d, %v", n, err)
		}
		if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM flux_schema_migrations`).Scan(&n); err != nil || n == 0 {
			t.Errorf("migration records: %d, %v", n, err)
		}
	})
}
