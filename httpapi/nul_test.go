package httpapi

import (
	"context"
	"strings"
	"testing"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/auth"
)

// TestNULRefused: "\u0000" in any JSON body is a 400 naming the field, on
// both stores alike (SQLite used to keep it, PostgreSQL answered "a value
// cannot be stored", a voice intent answered "Something went wrong"), and
// nothing is stored.
func TestNULRefused(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind storeKind) {
		e := newEnv(t, kind, auth.Config{})
		alice, a := e.token("alice@example.com")
		for _, tc := range []struct {
			method, path, body, field string
		}{
			{"PATCH", "/api/v1/account/me", `{"name": "Ada\u0000"}`, "name"},
			{"PATCH", "/api/v1/account/me", `{"notification_preferences": {"label": "x\u0000y"}}`, "notification_preferences.label"},
			{"PATCH", "/api/v1/account/me", `{"notification_preferences": {"list": ["ok", "\u0000"]}}`, "notification_preferences.list[1]"},
			{"POST", "/api/v1/tasks", `{"title": "Call\u0000 the bank"}`, "title"},
			{"POST", "/api/v1/chat/message", `{"message": "move it\u0000"}`, "message"},
			{"POST", "/api/v1/goals", `{"title": "Run a 10k\u0000", "plan": false}`, "title"},
			{"POST", "/api/v1/goals", `{"title": "Run a 10k", "description": "\u0000", "plan": false}`, "description"},
			{"POST", "/api/v1/voice/intents", `{"session_id": "s", "function_call_id": "c", "function_name": "submit_task_intent", "input": {"title": "Gym\u0000"}}`, "input.title"},
		} {
			r := e.do(tc.method, tc.path, alice, tc.body)
			wantStatus(t, tc.method+" "+tc.path+" "+tc.body, r, 400, tc.field)
			if strings.Contains(string(r.Body), "cannot be stored") {
				t.Errorf("%s %s: the store's error reached the client: %s", tc.method, tc.path, r.Body)
			}
		}
		u, err := e.store.Users().GetUser(context.Background(), a.ID)
		if err != nil || strings.ContainsRune(u.Name, 0) || u.Name != a.Name {
			t.Errorf("name after refused PATCHes = %q %v", u.Name, err)
		}
		ts, _, err := e.store.Tasks().ListTasks(context.Background(), a.ID, flux.TaskFilter{}, flux.Page{Limit: flux.MaxPageLimit})
		if err != nil || len(ts) != 0 {
			t.Errorf("tasks after refused creations: %d %v", len(ts), err)
		}
		// A backslash followed by "u0000" is just text.
		if r := e.do("POST", "/api/v1/tasks", alice, `{"title": "C:\\u0000 folder"}`); r.Code != 201 {
			t.Errorf("an escaped backslash = %d %s", r.Code, r.Body)
		}
	})
}
