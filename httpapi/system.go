package httpapi

import (
	"context"
	"net/http"
	"sort"
	"time"
)

type healthResponse struct {
	Status  string `json:"status"`
	Service string `json:"service"`
}

type readyResponse struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

func (s *Server) systemRoutes() {
	s.handle(Route{Method: "GET", Path: "/health", Summary: "Liveness: 200 while the process runs", Tag: "system", Public: true,
		Response: healthResponse{}}, func(w http.ResponseWriter, r *http.Request) error {
		writeJSON(w, http.StatusOK, healthResponse{Status: "ok", Service: "flux-backend"})
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/ready", Summary: "Readiness: the store and the job queue answer", Tag: "system", Public: true,
		Response: readyResponse{}}, s.ready)
	s.handle(Route{Method: "GET", Path: "/openapi.json", Summary: "This API as an OpenAPI 3.1 document", Tag: "system", Public: true},
		func(w http.ResponseWriter, r *http.Request) error {
			writeJSON(w, http.StatusOK, s.OpenAPI())
			return nil
		})
	s.handle(Route{Method: "GET", Path: "/docs", Summary: "A readable reference of this API", Tag: "system", Public: true},
		func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, err := w.Write(s.docsHTML())
			return err
		})
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]func(context.Context) error{"store": s.store.Ping}
	for k, f := range s.checks {
		checks[k] = f
	}
	names := make([]string, 0, len(checks))
	for k := range checks {
		names = append(names, k)
	}
	sort.Strings(names)
	res := readyResponse{Status: "ok", Checks: map[string]string{}}
	status := http.StatusOK
	for _, n := range names {
		if err := checks[n](ctx); err != nil {
			s.log.WarnContext(ctx, "readiness check failed", "check", n, "error", err)
			res.Checks[n] = "unavailable"
			res.Status, status = "unavailable", http.StatusServiceUnavailable
		} else {
			res.Checks[n] = "ok"
		}
	}
	writeJSON(w, status, res)
	return nil
}
