package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestDrain(t *testing.T) {
	t.Parallel()
	var d Drain
	h := d.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	serve := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		return rec
	}
	if rec := serve(); rec.Code != http.StatusNoContent || rec.Header().Get("Connection") != "" {
		t.Fatalf("before draining: %d, Connection %q", rec.Code, rec.Header().Get("Connection"))
	}
	if err := d.Ready(context.Background()); err != nil {
		t.Fatalf("Ready before draining: %v", err)
	}
	d.Wait(time.Millisecond, time.Minute) // returns once a millisecond passes without a request
	if err := d.Ready(context.Background()); err == nil {
		t.Error("Ready while draining: nil, want an error")
	}
	if rec := serve(); rec.Code != http.StatusNoContent || rec.Header().Get("Connection") != "close" {
		t.Errorf("while draining: %d, Connection %q; want the request served with Connection: close", rec.Code, rec.Header().Get("Connection"))
	}
}
