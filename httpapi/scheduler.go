package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/scheduler"
)

// actAsDemoUser makes a request without credentials act for the configured
// demo user (see Config.DemoUser), looked up on every request: a user id
// not yet known is created; an e-mail address not yet registered acts for
// a user that is not stored, whose timeline is empty, so that a demo user
// who signs up later is served from then on.
func (s *Server) actAsDemoUser(r *http.Request) (*http.Request, error) {
	ctx := r.Context()
	var (
		u       *flux.User
		standIn bool
	)
	switch id := strings.ToLower(s.demoID); {
	case flux.ValidID(id):
		var err error
		if u, _, err = s.store.Users().EnsureUser(ctx, flux.NewUser(id, "", "Demo user")); err != nil {
			return r, err
		}
	case strings.Contains(s.demoID, "@"):
		found, err := s.store.Users().GetUserByEmail(ctx, s.demoID)
		switch {
		case err == nil:
			u = found
		case flux.IsCode(err, flux.ENotFound):
			// Nobody has this address yet: a stand-in that owns nothing.
			u, standIn = flux.NewUser(flux.NewID(), s.demoID, "Demo user"), true
		default:
			return r, err
		}
	default:
		return r, &flux.Error{Code: flux.EUnavailable, Message: "the demo user is not configured correctly"}
	}
	if info, ok := ctx.Value(keyLogInfo).(*logInfo); ok && !standIn {
		info.userID = u.ID // a stand-in's id would differ on every request
	}
	return r.WithContext(context.WithValue(ctx, keyUser, u)), nil
}

// legacyTaskList is the answer of GET /scheduler/tasks.
type legacyTaskList struct {
	Tasks []flux.LegacyTask `json:"tasks"`
}

// suggestRequest is the body of POST /scheduler/suggest.
type suggestRequest struct {
	// EventID is the drifted task's id.
	EventID *string `json:"event_id"`
}

// applyRequest is the body of POST /scheduler/apply.
type applyRequest struct {
	EventID *string `json:"event_id"`
	// Action is "reschedule" (with new_start and new_end) or "skip".
	Action *string `json:"action"`
	// NewStart and NewEnd are ISO 8601 times; without an offset they are
	// the user's local time.
	NewStart *string `json:"new_start"`
	NewEnd   *string `json:"new_end"`
}

// applyResponse is the original's SchedulerApplyResponse.
type applyResponse struct {
	EventID  string     `json:"event_id"`
	Action   string     `json:"action"`
	NewState string     `json:"new_state"`
	NewStart *time.Time `json:"new_start"`
	NewEnd   *time.Time `json:"new_end"`
	Message  string     `json:"message"`
}

// scheduleRequest is the body of POST /api/v1/schedule.
type scheduleRequest struct {
	// From and To (RFC 3339) bound the horizon; from defaults to now, to to
	// 14 days after from; at most 92 days.
	From *string `json:"from"`
	To   *string `json:"to"`
	// TaskIDs, when given, are the tasks to place; else every unscheduled
	// pending task of the caller.
	TaskIDs []string `json:"task_ids"`
	// DryRun returns the placements without saving them.
	DryRun bool `json:"dry_run"`
}

// availabilityResponse lists free slots.
type availabilityResponse struct {
	Slots []scheduler.Slot `json:"slots"`
}

// requiredField is the 422 of a compatibility route whose body lacks a
// field, as the original answered.
func requiredField(name string) error {
	return &flux.Error{Code: flux.EUnprocessable, Message: "Field required: " + name,
		Fields: []flux.FieldError{{Field: name, Message: "Field required"}}}
}

// parseLocalTime reads an ISO 8601 time; without an offset it is wall time
// in loc, as the original frontend may send it.
func parseLocalTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, ok := parseTime(s); ok {
		return t, true
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04:05.999999999", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (s *Server) schedulerRoutes() {
	// The original frontend's timeline and reschedule dialog.
	s.handle(Route{Method: "GET", Path: "/scheduler/tasks", Summary: "Scheduled and drifted tasks from local today 00:00 for 48 hours, in the legacy shape", Tag: "scheduler",
		DemoUser: true, Response: legacyTaskList{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		ts, err := s.sched.Timeline(r.Context(), u)
		if err != nil {
			return err
		}
		out := legacyTaskList{Tasks: make([]flux.LegacyTask, 0, len(ts))}
		for i := range ts {
			out.Tasks = append(out.Tasks, ts[i].Legacy())
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})
	s.handle(Route{Method: "POST", Path: "/scheduler/suggest", Summary: "Up to two new slots (today, tomorrow) for a drifted task", Tag: "scheduler",
		DemoUser: true, Request: suggestRequest{}, Response: scheduler.SuggestResult{}}, func(w http.ResponseWriter, r *http.Request) error {
		var body suggestRequest
		if err := decode(w, r, &body); err != nil {
			return err
		}
		if body.EventID == nil {
			return requiredField("event_id")
		}
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		res, err := s.sched.Suggest(r.Context(), u, *body.EventID)
		if flux.IsCode(err, flux.ENotFound) {
			// 404 like every route, whether the task is missing or another
			// user's (the original answered 400 here).
			return flux.Errorf(flux.ENotFound, "Task %s not found", *body.EventID)
		}
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, res)
		return nil
	})
	s.handle(Route{Method: "POST", Path: "/scheduler/apply", Summary: "Reschedule a task into a free slot (409 when busy or past) or skip it", Tag: "scheduler",
		DemoUser: true, Request: applyRequest{}, Response: applyResponse{}}, func(w http.ResponseWriter, r *http.Request) error {
		var body applyRequest
		if err := decode(w, r, &body); err != nil {
			return err
		}
		switch {
		case body.EventID == nil:
			return requiredField("event_id")
		case body.Action == nil:
			return requiredField("action")
		}
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		id := *body.EventID
		if _, err := s.store.Tasks().GetTask(r.Context(), u.ID, id); err != nil {
			return taskNotFound(err)
		}
		switch *body.Action {
		case "skip":
			t, err := s.sched.Missed(r.Context(), u, id)
			if err != nil {
				return taskNotFound(err)
			}
			writeJSON(w, http.StatusOK, applyResponse{EventID: id, Action: "skip", NewState: string(t.Status),
				Message: "Task skipped. I'll keep the next occurrence on your schedule."})
			return nil
		case "reschedule":
			if body.NewStart == nil || body.NewEnd == nil {
				return flux.Invalid("new_start and new_end required for reschedule action")
			}
			loc := u.Location()
			var fs fieldErrs
			start, ok := parseLocalTime(*body.NewStart, loc)
			if !ok {
				fs.add("new_start", "must be an ISO 8601 date and time")
			}
			end, ok := parseLocalTime(*body.NewEnd, loc)
			if !ok {
				fs.add("new_end", "must be an ISO 8601 date and time")
			}
			if len(fs) > 0 {
				return &flux.Error{Code: flux.EUnprocessable, Message: "invalid slot", Fields: fs}
			}
			t, err := s.sched.Apply(r.Context(), u, id, start, end)
			if err != nil {
				return taskNotFound(err)
			}
			// The time of day in the user's zone, as /scheduler/suggest
			// labels the slot ("6:00 PM Today").
			writeJSON(w, http.StatusOK, applyResponse{EventID: id, Action: "reschedule", NewState: string(t.Status),
				NewStart: &start, NewEnd: &end, Message: "Done! Moved to " + start.In(loc).Format("3:04 PM") + ". You've got this!"})
			return nil
		}
		return flux.Errorf(flux.EInvalid, "Invalid action '%s'. Use 'reschedule' or 'skip'.", *body.Action)
	})

	// Placement, availability and replanning.
	s.handle(Route{Method: "POST", Path: "/api/v1/schedule", Summary: "Place the caller's unscheduled (or given) tasks into their calendar; dry_run saves nothing", Tag: "scheduler",
		Request: scheduleRequest{}, Response: scheduler.ScheduleResult{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var body scheduleRequest
		if err := decode(w, r, &body); err != nil {
			return err
		}
		var fs fieldErrs
		req := scheduler.ScheduleRequest{TaskIDs: body.TaskIDs, DryRun: body.DryRun}
		if t := fs.timeField("from", body.From); t != nil {
			req.From = *t
		}
		if t := fs.timeField("to", body.To); t != nil {
			req.To = *t
		}
		if err := fs.err("invalid schedule request"); err != nil {
			return err
		}
		res, err := s.sched.Schedule(r.Context(), u, req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, res)
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/api/v1/availability", Summary: "The caller's free slots in [from, to) after work hours, sleep, cutoff, buffers and busy time (at most 31 days)", Tag: "scheduler",
		Response: availabilityResponse{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var fs fieldErrs
		from, to := queryTime(r, "from", &fs), queryTime(r, "to", &fs)
		if err := fs.err("invalid query"); err != nil {
			return err
		}
		var f, t time.Time
		if from != nil {
			f = *from
		}
		if to != nil {
			t = *to
		}
		slots, err := s.sched.Availability(r.Context(), u, f, t)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, availabilityResponse{Slots: slots})
		return nil
	})
	s.handle(Route{Method: "POST", Path: "/api/v1/schedule/replan", Summary: "Move the caller's missed and drifted tasks to their next suitable slots, saying why", Tag: "scheduler",
		Response: scheduler.ReplanResult{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		res, err := s.sched.ReplanMissed(r.Context(), u)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, res)
		return nil
	})
}
