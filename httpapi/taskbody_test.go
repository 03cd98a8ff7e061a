package httpapi

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/auth"
)

// TestTaskStatusBody: PATCH /api/v1/tasks/{id}/complete and /missed take no
// body (the original frontend sends none) or a JSON object whose task_id is
// the path's; invalid JSON, unknown fields and another task's id are 400s
// naming what is wrong, and leave the task as it was.
func TestTaskStatusBody(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newEnv(t, kind, auth.Config{})
		ctx := context.Background()
		alice, a := e.token("alice@example.com")
		newTask := func(title string) *flux.Task {
			at := time.Now().Add(time.Hour).UTC().Truncate(time.Minute)
			task := &flux.Task{UserID: a.ID, Title: title, Status: flux.TaskScheduled, Priority: flux.PriorityStandard,
				DurationMinutes: 30, TriggerType: flux.TriggerTime, ScheduledAt: &at}
			if err := e.store.Tasks().CreateTask(ctx, task); err != nil {
				t.Fatal(err)
			}
			return task
		}
		other := newTask("Other")
		for _, action := range []string{"complete", "missed"} {
			task := newTask("Stretch " + action)
			path := "/api/v1/tasks/" + task.ID + "/" + action
			for _, tc := range []struct {
				name, body string
				field      string
			}{
				{"invalid JSON", `{"task_id": `, ""},
				{"not JSON", `done`, ""},
				{"an array", `[]`, ""},
				{"another task's id", `{"task_id": "` + other.ID + `"}`, "task_id"},
				{"a malformed id", `{"task_id": "nope"}`, "task_id"},
				{"a number as id", `{"task_id": 7}`, "task_id"},
				{"an unknown field", `{"taskid": "` + task.ID + `"}`, "taskid"},
				{"two values", `{} {}`, ""},
			} {
				var fields []string
				if tc.field != "" {
					fields = append(fields, tc.field)
				}
				wantStatus(t, action+" with "+tc.name, e.do("PATCH", path, alice, tc.body), 400, fields...)
			}
			if got, err := e.store.Tasks().GetTask(ctx, a.ID, task.ID); err != nil || got.Status != flux.TaskScheduled {
				t.Fatalf("%s after refused bodies: %v %v", action, got.Status, err)
			}
			if got, err := e.store.Tasks().GetTask(ctx, a.ID, other.ID); err != nil || got.Status != flux.TaskScheduled {
				t.Fatalf("the other task after refused bodies: %v %v", got.Status, err)
			}
			// The body of a matching id is fine, as is none at all.
			if r := e.do("PATCH", path, alice, `{"task_id": "`+strings.ToUpper(task.ID)+`"}`); r.Code != 200 {
				t.Fatalf("%s with its own task_id = %d %s", action, r.Code, r.Body)
			}
			again := newTask("Again " + action)
			for _, body := range []any{nil, "", " \n", "{}"} {
				if r := e.do("PATCH", "/api/v1/tasks/"+again.ID+"/"+action, alice, body); r.Code != 200 {
					t.Fatalf("%s with body %q = %d %s", action, body, r.Code, r.Body)
				}
				if action == "missed" {
					break // a missed task cannot be missed again
				}
			}
		}
	})
}

// TestSuggestOtherUsersTask: POST /scheduler/suggest answers 404 for
// another user's task and for an unknown one, like every other route.
func TestSuggestOtherUsersTask(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newEnv(t, kind, auth.Config{})
		ctx := context.Background()
		_, a := e.token("alice@example.com")
		bob, _ := e.token("bob@example.com")
		at := time.Now().Add(-time.Hour).UTC().Truncate(time.Minute)
		task := &flux.Task{UserID: a.ID, Title: "Call the bank", Status: flux.TaskDrifted, Priority: flux.PriorityStandard,
			DurationMinutes: 30, TriggerType: flux.TriggerTime, ScheduledAt: &at}
		if err := e.store.Tasks().CreateTask(ctx, task); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{task.ID, flux.NewID(), "nope"} {
			r := e.do("POST", "/scheduler/suggest", bob, map[string]any{"event_id": id})
			wantStatus(t, "bob suggest "+id, r, 404)
			if strings.Contains(string(r.Body), "Call the bank") {
				t.Errorf("bob's suggest leaks alice's task: %s", r.Body)
			}
		}
	})
}
