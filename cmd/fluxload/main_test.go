package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// fake answers like fluxd enough for the load test: tasks get an id, every
// other request a small JSON body; it counts the requests with the token.
func fake(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var authed atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer tok" {
			authed.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		if r.Method == "POST" && r.URL.Path == "/api/v1/tasks" {
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"id": "01JNB0000000000000000000A1"}`))
			return
		}
		_, _ = w.Write([]byte(`[]`))
	}))
	t.Cleanup(srv.Close)
	return srv, &authed
}

func TestRouteModeWithBare(t *testing.T) {
	srv, authed := fake(t)
	var out bytes.Buffer
	err := run(context.Background(), []string{"-url", srv.URL, "-token", "tok", "-conns", "2", "-duration", "200ms", "-warmup", "0",
		"-bare", srv.URL + "/", "-route", "GET /api/v1/tasks/today", "-route", "POST /api/v1/calendar/events"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"bare net/http", "GET /api/v1/tasks/today", "POST /api/v1/calendar/events", "× bare", "200:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if authed.Load() == 0 {
		t.Error("no request carried the token")
	}
}

func TestMixMode(t *testing.T) {
	srv, _ := fake(t)
	var out bytes.Buffer
	err := run(context.Background(), []string{"-url", srv.URL, "-token", "tok", "-rate", "100", "-duration", "300ms", "-tasks", "3"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"GET /api/v1/tasks/today", "PATCH /api/v1/tasks/{id}/complete", "POST /api/v1/schedule", "GET /api/v1/rag/search", "all"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-route", "nonsense"},
		{"-token", ""},
		{"-conns", "0", "-token", "x"},
	} {
		if err := run(context.Background(), args, &bytes.Buffer{}); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
