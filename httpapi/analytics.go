package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/scheduler"
)

func (s *Server) analyticsRoutes() {
	s.handle(Route{Method: "GET", Path: "/api/v1/analytics/overview", Summary: "This week, today, the streak and the last year's activity, in the caller's time zone", Tag: "analytics",
		Response: scheduler.Overview{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		o, err := s.sched.Overview(r.Context(), u)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, o)
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/api/v1/analytics/weekly", Summary: "Done and total tasks of the last weeks (weeks, 1–52, default 12), oldest first", Tag: "analytics",
		Response: []scheduler.WeekStats{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		weeks := scheduler.DefaultWeeks
		if v := r.URL.Query().Get("weeks"); v != "" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 || n > scheduler.MaxWeeks {
				return &flux.Error{Code: flux.EUnprocessable, Message: "invalid weeks",
					Fields: []flux.FieldError{{Field: "weeks", Message: fmt.Sprintf("must be a whole number from 1 to %d", scheduler.MaxWeeks)}}}
			}
			weeks = n
		}
		ws, err := s.sched.Weekly(r.Context(), u, weeks)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ws)
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/api/v1/analytics/missed-by-cat", Summary: "Missed and total tasks of the last year by goal category, most missed first", Tag: "analytics",
		Response: []scheduler.CategoryStats{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		cs, err := s.sched.MissedByCategory(r.Context(), u)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, cs)
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/api/v1/analytics/goals", Summary: "Done and total tasks of each active goal", Tag: "analytics",
		Response: []scheduler.GoalStats{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		gs, err := s.sched.GoalProgress(r.Context(), u)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, gs)
		return nil
	})
}
