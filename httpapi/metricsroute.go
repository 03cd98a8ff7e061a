package httpapi

import "net/http"

// metricsRoutes serves the Prometheus metrics to an admin (the admin token
// or a service-role token); cmd/fluxd can also serve them without auth on a
// listener of their own (FLUX_METRICS_ADDR).
func (s *Server) metricsRoutes() {
	h := s.metrics.Handler(s.log)
	s.handle(Route{Method: "GET", Path: "/metrics", Summary: "Admin only. Prometheus metrics: requests by route pattern and status class, jobs, notifications, provider calls",
		Tag: "system"}, func(w http.ResponseWriter, r *http.Request) error {
		if err := requireAdmin(r, "read the metrics"); err != nil {
			return err
		}
		h.ServeHTTP(w, r)
		return nil
	})
}
