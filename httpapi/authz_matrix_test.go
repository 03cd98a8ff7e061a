package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/golang-jwt/jwt/v5"
)

// access is who may call a route.
type access int

const (
	// accessUser routes take any signed-in user's token; an admin acts for
	// the user named by ?user_id=.
	accessUser access = iota + 1
	// accessAdmin routes take the admin token only; a user's token is 403.
	accessAdmin
	// accessPublic routes take no token and ignore a bad one.
	accessPublic
	// accessWebhook routes are accessPublic but check Twilio's signature: without
	// one they answer 403, whatever the bearer token.
	accessWebhook
	// accessGoTrue routes check the bearer token themselves, as Supabase
	// Auth does (401 without one, 403 bad_jwt for a bad one); the admin
	// token is not a user's session there.
	accessGoTrue
)

// authzTable is the expected access of every registered route. A route
// that is not listed fails TestAuthorizationMatrix: add it here when you
// add the route.
var authzTable = map[string]access{
	"GET /health":            accessPublic,
	"GET /ready":             accessPublic,
	"GET /openapi.json":      accessPublic,
	"GET /docs":              accessPublic,
	"POST /auth/v1/signup":   accessPublic,
	"POST /auth/v1/token":    accessPublic,
	"GET /auth/v1/user":      accessGoTrue,
	"POST /auth/v1/logout":   accessGoTrue,
	"GET /auth/v1/authorize": accessPublic,

	"GET /api/v1/account/me":                    accessUser,
	"PATCH /api/v1/account/me":                  accessUser,
	"DELETE /api/v1/account":                    accessUser,
	"GET /api/v1/account/export":                accessUser,
	"POST /api/v1/account/phone/verify/send":    accessUser,
	"POST /api/v1/account/phone/verify/confirm": accessUser,

	"POST /goals/start":                     accessUser,
	"POST /goals/{conversation_id}/respond": accessUser,
	"GET /goals/{conversation_id}":          accessUser,
	"POST /api/v1/goals":                    accessUser,
	"GET /api/v1/goals":                     accessUser,
	"GET /api/v1/goals/{id}":                accessUser,
	"GET /api/v1/goals/{id}/tasks":          accessUser,
	"POST /api/v1/goals/{id}/replan":        accessUser,
	"PATCH /api/v1/goals/{id}/abandon":      accessUser,
	"PATCH /api/v1/goals/{id}/modify":       accessUser,
	"DELETE /api/v1/goals/{id}":             accessUser,

	"POST /api/v1/rag/ingest":           accessAdmin,
	"GET /api/v1/rag/search":            accessUser,
	"GET /api/v1/rag/documents":         accessUser,
	"DELETE /api/v1/rag/documents/{id}": accessAdmin,

	"POST /api/v1/tasks":                  accessUser,
	"GET /api/v1/tasks":                   accessUser,
	"GET /api/v1/tasks/today":             accessUser,
	"GET /api/v1/tasks/{id}":              accessUser,
	"PATCH /api/v1/tasks/{id}":            accessUser,
	"DELETE /api/v1/tasks/{id}":           accessUser,
	"PATCH /api/v1/tasks/{id}/complete":   accessUser,
	"PATCH /api/v1/tasks/{id}/missed":     accessUser,
	"POST /api/v1/tasks/{id}/reschedule":  accessUser,
	"POST /api/v1/calendar/events":        accessUser,
	"GET /api/v1/calendar/events":         accessUser,
	"GET /api/v1/calendar/events/{id}":    accessUser,
	"DELETE /api/v1/calendar/events/{id}": accessUser,

	"GET /scheduler/tasks":         accessUser,
	"POST /scheduler/suggest":      accessUser,
	"POST /scheduler/apply":        accessUser,
	"POST /api/v1/schedule":        accessUser,
	"GET /api/v1/availability":     accessUser,
	"POST /api/v1/schedule/replan": accessUser,

	"POST /api/v1/voice/session":               accessUser,
	"POST /api/v1/voice/messages":              accessUser,
	"GET /api/v1/voice/sessions/{id}/messages": accessUser,
	"POST /api/v1/voice/intents":               accessUser,
	"DELETE /api/v1/voice/session/{id}":        accessUser,

	"POST /api/v1/notifications/priority/send":         accessUser,
	"GET /api/v1/notifications/priority/config":        accessUser,
	"GET /api/v1/notifications/priority/timing":        accessUser,
	"GET /api/v1/notifications/priority/health":        accessUser,
	"GET /api/v1/notifications":                        accessUser,
	"POST /notifications/push":                         accessUser,
	"POST /notifications/push/subscribe":               accessUser,
	"DELETE /notifications/push/unsubscribe":           accessUser,
	"GET /notifications/push/vapid-public-key":         accessPublic,
	"POST /api/v1/account/push-subscription":           accessUser,
	"GET /api/v1/account/push-subscription/vapid-key":  accessPublic,
	"POST /api/v1/account/whatsapp/opt-in":             accessUser,
	"POST /notifications/whatsapp":                     accessUser,
	"POST /notifications/whatsapp/":                    accessUser,
	"GET /notifications/whatsapp/status/{message_sid}": accessUser,
	"GET /notifications/whatsapp/health":               accessUser,
	"POST /notifications/call":                         accessUser,
	"POST /notifications/call/twiml":                   accessWebhook,
	"POST /notifications/call/gather":                  accessWebhook,
	"POST /notifications/call/status":                  accessWebhook,
	"POST /api/webhooks/twilio/whatsapp":               accessWebhook,
	"POST /api/webhooks/twilio/voice":                  accessWebhook,
	"POST /api/v1/webhooks/twilio/whatsapp":            accessWebhook,
	"POST /api/v1/webhooks/twilio/voice":               accessWebhook,
	"POST /api/v1/webhooks/twilio/status":              accessWebhook,

	"GET /api/pattern-observer/health":             accessUser,
	"POST /api/pattern-observer/consult":           accessUser,
	"POST /api/pattern-observer/miss-signal":       accessUser,
	"GET /api/pattern-observer/patterns/{user_id}": accessUser,
	"GET /api/v1/patterns":                         accessUser,
	"GET /api/v1/patterns/{id}":                    accessUser,
	"PATCH /api/v1/patterns/{id}":                  accessUser,
	"DELETE /api/v1/patterns/{id}":                 accessUser,

	"GET /api/v1/escalation/policies":                        accessUser,
	"PUT /api/v1/escalation/policies":                        accessUser,
	"GET /api/escalation-demo":                               accessPublic,
	"GET /api/escalation-demo/health":                        accessUser,
	"POST /api/escalation-demo/trigger":                      accessUser,
	"GET /api/escalation-demo/escalations":                   accessUser,
	"GET /api/escalation-demo/escalations/{id}":              accessUser,
	"POST /api/escalation-demo/escalations/{id}/acknowledge": accessUser,
	"POST /api/escalation-demo/escalations/{id}/cancel":      accessUser,
	"GET /api/status":                                        accessUser,
	"POST /api/tasks/complete":                               accessUser,
	"POST /api/tasks/missed":                                 accessUser,
	"POST /api/demo/location-trigger":                        accessUser,
	"POST /api/v1/demo/trigger-location":                     accessUser,

	"POST /api/v1/chat/message":           accessUser,
	"GET /api/v1/chat/history":            accessUser,
	"GET /api/v1/chat/conversations":      accessUser,
	"GET /api/v1/analytics/overview":      accessUser,
	"GET /api/v1/analytics/weekly":        accessUser,
	"GET /api/v1/analytics/missed-by-cat": accessUser,
	"GET /api/v1/analytics/goals":         accessUser,

	// Operations.
	"GET /metrics": accessAdmin,
}

// validBodies are request bodies that pass validation, for the routes that
// validate their body before they look the resource up.
var validBodies = map[string]string{
	"POST /goals/{conversation_id}/respond": `{"message": "yes, looks good"}`,
	"PATCH /api/v1/goals/{id}/modify":       `{"message": "make it harder"}`,
	"POST /api/v1/goals/{id}/replan":        `{"feedback": "mornings only"}`,
	"PATCH /api/v1/tasks/{id}":              `{"title": "taken over"}`,
	"POST /api/v1/tasks/{id}/reschedule":    `{"message": "tomorrow evening"}`,
}

// TestAuthorizationMatrix calls every registered route with no token, a
// malformed one, one with a bad signature, an expired one, one for another
// audience, another accessUser's token on the caller's resource, and the admin
// token, and checks each answer against authzTable: 401 for every bad
// token on a route that needs one, 404 for another user's resource named
// in the path, 403 for a accessUser on an admin route, and past authentication
// (neither 401 nor 403, never 500) where the caller is allowed. Ids in
// bodies and queries are covered by TestAnotherUsersDataThroughEveryRoute.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		const secret = "matrix-supabase-secret-matrix-supabase-secret"
		const admin = "matrix-admin-token"
		e := newEnv(t, kind, auth.Config{SupabaseJWTSecret: secret, AdminToken: admin})
		mint := func(key, sub, email string, exp time.Time, aud string) string {
			c := auth.Claims{
				RegisteredClaims: jwt.RegisteredClaims{Subject: sub, Audience: jwt.ClaimStrings{aud}, ExpiresAt: jwt.NewNumericDate(exp)},
				Email:            email, Role: "authenticated",
			}
			tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(key))
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		hour := time.Now().Add(time.Hour)
		aliceID, bobID, carolID := flux.NewID(), flux.NewID(), flux.NewID()
		alice := mint(secret, aliceID, "alice@example.com", hour, "authenticated")
		bob := mint(secret, bobID, "bob@example.com", hour, "authenticated")
		carol := mint(secret, carolID, "carol@example.com", hour, "authenticated")
		bad := map[string]string{
			"no token":       "",
			"malformed":      "not-a-token",
			"bad signature":  mint("another-secret-another-secret-another", aliceID, "alice@example.com", hour, "authenticated"),
			"expired":        mint(secret, aliceID, "alice@example.com", time.Now().Add(-time.Hour), "authenticated"),
			"wrong audience": mint(secret, aliceID, "alice@example.com", hour, "another-project"),
		}
		runAuthzMatrix(t, e, callers{alice: alice, bob: bob, carol: carol, carolID: carolID, admin: admin, bad: bad,
			fresh: func() string {
				return mint(secret, flux.NewID(), "dave-"+flux.NewID()[:8]+"@example.com", hour, "authenticated")
			}})
	})
}

// TestAuthorizationMatrixLocal is the matrix in local mode (fluxd's
// default): tokens that fluxd signs and records, and the /auth/v1 sign-in
// routes. The expired and wrong-audience tokens are real tokens re-signed
// with the local key after changing that one claim.
func TestAuthorizationMatrixLocal(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind storeKind) {
		const admin = "matrix-admin-token"
		e := newEnv(t, kind, auth.Config{AdminToken: admin})
		alice, _ := e.token("alice@example.com")
		bob, _ := e.token("bob@example.com")
		carol, cu := e.token("carol@example.com")
		key, err := e.store.Secrets().Secret(context.Background(), "auth.local_signing_key", func() ([]byte, error) {
			return nil, errors.New("the local signing key is missing")
		})
		if err != nil {
			t.Fatal(err)
		}
		resign := func(tok string, edit func(*auth.Claims)) string {
			var c auth.Claims
			if _, _, err := jwt.NewParser().ParseUnverified(tok, &c); err != nil {
				t.Fatal(err)
			}
			edit(&c)
			s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		if resign(alice, func(*auth.Claims) {}) == "" {
			t.Fatal("re-signing failed")
		}
		n := 0
		runAuthzMatrix(t, e, callers{alice: alice, bob: bob, carol: carol, carolID: cu.ID, admin: admin,
			bad: map[string]string{
				"no token":      "",
				"malformed":     "not-a-token",
				"bad signature": alice[:strings.LastIndex(alice, ".")+1] + "c2lnbmF0dXJl",
				"expired": resign(alice, func(c *auth.Claims) {
					c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
				}),
				"wrong audience": resign(alice, func(c *auth.Claims) { c.Audience = jwt.ClaimStrings{"another-project"} }),
			},
			fresh: func() string {
				n++
				tok, _ := e.token(fmt.Sprintf("dave%d@example.com", n))
				return tok
			}})
	})
}

// callers are the tokens of the matrix: Alice owns the resources, Bob is
// another user, the admin acts for Carol, fresh mints a new user's token,
// and bad holds the tokens that must not authenticate.
type callers struct {
	alice, bob, carol, carolID, admin string
	fresh                             func() string
	bad                               map[string]string
}

// runAuthzMatrix is the matrix on e with the given callers.
func runAuthzMatrix(t *testing.T, e *testEnv, c callers) {
	t.Helper()
	// Carol exists before the admin acts for her.
	if r := e.do("GET", "/api/v1/account/me", c.carol, nil); r.Code != 200 {
		t.Fatalf("carol = %d %s", r.Code, r.Body)
	}

	// Alice's resources, one per kind of id a path names.
	ids := aliceResources(t, e, c.alice)

	tried := 0
	for _, rt := range e.srv.Routes() {
		key := rt.Method + " " + rt.Path
		acc, ok := authzTable[key]
		if !ok {
			t.Errorf("%s: no entry in authzTable; add the route's access there", key)
			continue
		}
		check := func(cell, token, path string, ok func(code int) bool, want string) {
			t.Helper()
			body := "{}"
			if b, ok := validBodies[key]; ok {
				body = b
			}
			r := e.do(rt.Method, path, token, body)
			tried++
			if !ok(r.Code) {
				t.Errorf("%s, %s: %s %s = %d %s; want %s", key, cell, rt.Method, path, r.Code, r.Body, want)
			}
		}
		is := func(want int) func(int) bool { return func(c int) bool { return c == want } }
		passes := func(c int) bool { return c != 401 && c != 403 && c != 500 }
		const passWant = "past authentication (not 401, 403 or 500)"
		random := pathParam.ReplaceAllString(rt.Path, flux.NewID())

		for cell, tok := range c.bad {
			switch acc {
			case accessUser, accessAdmin:
				check(cell, tok, random, is(401), "401")
			case accessGoTrue:
				// Supabase Auth's answers: 401 without a token, 403
				// bad_jwt for a token it cannot accept.
				if tok == "" {
					check(cell, tok, random, is(401), "401")
				} else {
					check(cell, tok, random, is(403), "403 (bad_jwt)")
				}
			case accessPublic:
				check(cell, tok, random, passes, passWant)
			case accessWebhook:
				check(cell, tok, random, is(403), "403 (no Twilio signature)")
			}
		}

		// Another accessUser: Bob on Alice's resource.
		other := random
		if id := ids.forPath(rt.Path); id != "" {
			other = pathParam.ReplaceAllString(rt.Path, id)
		}
		switch {
		case acc == accessAdmin:
			check("another user", c.bob, other, is(403), "403")
		case acc == accessUser && strings.Contains(rt.Path, "{"):
			// Voice is not configured here: 503 before any lookup.
			ok := is(404)
			if strings.HasPrefix(rt.Path, "/api/v1/voice/") {
				ok = func(c int) bool { return c == 404 || c == 503 }
			}
			check("another user's resource", c.bob, other, ok, "404")
		case acc == accessUser, acc == accessPublic, acc == accessGoTrue:
			// A fresh accessUser on a route without an id: acts as themself.
			dave := c.fresh()
			check("another user", dave, other, passes, passWant)
		case acc == accessWebhook:
			check("another user", c.bob, other, is(403), "403 (no Twilio signature)")
		}

		// The admin, acting for Carol.
		adminPath := random + sep(random) + "user_id=" + url.QueryEscape(c.carolID)
		switch acc {
		case accessUser, accessAdmin, accessPublic:
			check("admin", c.admin, adminPath, passes, passWant)
		case accessGoTrue:
			check("admin", c.admin, adminPath, is(403), "403 (bad_jwt: the admin token is no session)")
		case accessWebhook:
			check("admin", c.admin, adminPath, is(403), "403 (no Twilio signature)")
		}
	}
	for key := range authzTable {
		if !hasRoute(e.srv.Routes(), key) {
			t.Logf("authzTable lists %s, which is not registered", key)
		}
	}
	if tried < 6*len(e.srv.Routes()) {
		t.Errorf("only %d calls for %d routes", tried, len(e.srv.Routes()))
	}
}

func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

func hasRoute(rs []Route, key string) bool {
	for _, rt := range rs {
		if rt.Method+" "+rt.Path == key {
			return true
		}
	}
	return false
}

// resources are a accessUser's ids, by the kind of path that names them.
type resources map[string]string

// forPath returns the id of the accessUser's resource that path names, or "".
func (rs resources) forPath(path string) string {
	for prefix, id := range rs {
		if strings.HasPrefix(path, prefix) {
			return id
		}
	}
	return ""
}

// aliceResources gives the token's accessUser a goal, a task, an event, a
// planner conversation and an escalation, by path prefix.
func aliceResources(t *testing.T, e *testEnv, tok string) resources {
	t.Helper()
	var g goalView
	if r := e.do("POST", "/api/v1/goals", tok, `{"title": "Run a 10k in 10 weeks"}`); r.Code != 201 {
		t.Fatalf("create goal = %d %s", r.Code, r.Body)
	} else {
		r.json(t, &g)
	}
	var task taskView
	if r := e.do("POST", "/api/v1/tasks", tok, `{"title": "Call the bank", "duration_minutes": 20}`); r.Code != 201 {
		t.Fatalf("create task = %d %s", r.Code, r.Body)
	} else {
		r.json(t, &task)
	}
	var ev struct{ ID string }
	if r := e.do("POST", "/api/v1/calendar/events", tok,
		`{"title": "Dentist", "start": "2030-01-07T10:00:00Z", "end": "2030-01-07T11:00:00Z"}`); r.Code != 201 {
		t.Fatalf("create event = %d %s", r.Code, r.Body)
	} else {
		r.json(t, &ev)
	}
	var conv goalConversationResponse
	if r := e.do("POST", "/goals/start", tok, `{"message": "I want to read 12 books this year"}`); r.Code != 200 {
		t.Fatalf("start conversation = %d %s", r.Code, r.Body)
	} else {
		r.json(t, &conv)
	}
	var esc demoCreated
	if r := e.do("POST", "/api/escalation-demo/trigger", tok, `{"title": "Call the bank", "message": "before noon", "speed": "10x"}`); r.Code != 201 {
		t.Fatalf("trigger = %d %s", r.Code, r.Body)
	} else {
		r.json(t, &esc)
	}
	if r := e.do("POST", "/api/escalation-demo/escalations/"+esc.Escalation.ID+"/cancel", tok, nil); r.Code != 200 {
		t.Fatalf("cancel = %d %s", r.Code, r.Body)
	}
	var me struct{ ID string }
	if r := e.do("GET", "/api/v1/account/me", tok, nil); r.Code != 200 {
		t.Fatalf("me = %d %s", r.Code, r.Body)
	} else {
		r.json(t, &me)
	}
	pat := flux.Pattern{UserID: me.ID, Type: "avoidance", Key: "Monday 19:00-20:00", Description: "Weekly review", Confidence: 0.6}
	if err := e.store.Patterns().CreatePattern(context.Background(), &pat); err != nil {
		t.Fatalf("create pattern: %v", err)
	}
	return resources{
		"/api/pattern-observer/patterns/":   me.ID,
		"/api/v1/patterns/":                 pat.ID,
		"/goals/":                           conv.ConversationID,
		"/api/v1/goals/":                    g.ID,
		"/api/v1/tasks/":                    task.ID,
		"/api/v1/calendar/events/":          ev.ID,
		"/api/escalation-demo/escalations/": esc.Escalation.ID,
	}
}
