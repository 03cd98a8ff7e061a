package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/scheduler"
	"github.com/fluxlife/flux/store/sqlite"
)

// requestTypes returns the registered routes that take a JSON body, with
// the Go type of their body.
func requestTypes() (keys []string, types []reflect.Type) {
	s := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, rt := range s.Routes() {
		if rt.Request == nil {
			continue
		}
		keys = append(keys, rt.Method+" "+rt.Path)
		types = append(types, reflect.TypeOf(rt.Request))
	}
	return keys, types
}

// FuzzDecodeRequests decodes any body into the request type of every route
// that takes one, strictly and leniently: the answer is the decoded value
// or a flux error a client may see (EInvalid or ETooLarge, with a message),
// never an internal error or a panic.
func FuzzDecodeRequests(f *testing.F) {
	keys, types := requestTypes()
	if len(types) == 0 {
		f.Fatal("no route takes a request body")
	}
	for _, s := range []string{`{}`, `{"title": "Run", "duration_minutes": 30}`, `{"message": "hi"}`, `[]`, `null`, `"x"`,
		`{"title": 1}`, `{"unknown": true}`, `{} {}`, `{"a":`, "\x00", `{"scheduled_at": "2026-13-45T25:00:00Z"}`,
		`{"preferences": {"work_hours": {"Mon": [{"start": "25:00", "end": "09:00"}]}}}`, `{"articles": [{"title": "\u0000"}]}`,
		`{"policies": {"must_not_miss": [{"channel": "pigeon", "wait_time_seconds": -1}]}}`, `{"task_ids": [1, 2]}`} {
		f.Add(uint16(0), []byte(s))
	}
	for i := range types {
		f.Add(uint16(i), []byte(`{}`))
	}
	f.Fuzz(func(t *testing.T, which uint16, body []byte) {
		i := int(which) % len(types)
		for _, strict := range []bool{true, false} {
			v := reflect.New(types[i]).Interface()
			r := httptest.NewRequest("POST", "/", strings.NewReader(string(body)))
			err := decodeBody(httptest.NewRecorder(), r, v, strict)
			if err == nil {
				continue
			}
			switch code := flux.ErrorCode(err); code {
			case flux.EInvalid, flux.ETooLarge:
				if flux.ErrorMessage(err) == "" {
					t.Fatalf("%s: %v has no message", keys[i], err)
				}
			default:
				t.Fatalf("%s (strict %v): %q gives %s error %v", keys[i], strict, body, code, err)
			}
		}
	})
}

// FuzzRouteBodies sends any body to every route that takes one, as a
// signed-in user, through the whole server on a SQLite store (without the
// notification machinery, whose routes answer 503): decoding, validation
// and the handlers answer 2xx, 4xx or 503, never 500 or a panic.
func FuzzRouteBodies(f *testing.F) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "flux.db"), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	a, err := auth.New(ctx, auth.Config{Store: st})
	if err != nil {
		f.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := New(Config{Store: st, Auth: a, Logger: quiet, ExpensivePerMinute: 1e9, ExpensiveBurst: 1 << 30,
		Scheduler: scheduler.NewService(st, &scheduler.ServiceOptions{Logger: quiet})})
	u := flux.NewUser(flux.NewID(), "fuzz@example.com", "Fuzz")
	if err := st.Users().CreateUser(ctx, u); err != nil {
		f.Fatal(err)
	}
	tok, err := a.Issue(ctx, u, 24*time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	var routes []Route
	for _, rt := range s.Routes() {
		if rt.Request != nil && !rt.Public && !rt.SelfAuth {
			routes = append(routes, rt)
		}
	}
	for i := range routes {
		f.Add(uint16(i), []byte(`{}`))
	}
	f.Add(uint16(0), []byte(`{"title": "Run", "duration_minutes": 30, "scheduled_at": "2026-04-13T08:00:00Z"}`))
	f.Add(uint16(0), []byte(`{"message": "every monday at 7pm", "title": "\u0000"}`))
	f.Fuzz(func(t *testing.T, which uint16, body []byte) {
		rt := routes[int(which)%len(routes)]
		path := pathParam.ReplaceAllString(rt.Path, flux.NewID())
		r := httptest.NewRequest(rt.Method, path, strings.NewReader(string(body)))
		r.Header.Set("Authorization", "Bearer "+tok)
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code >= 500 && w.Code != 503 {
			t.Fatalf("%s %s with %q = %d %s", rt.Method, path, body, w.Code, w.Body)
		}
	})
}
