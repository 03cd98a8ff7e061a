package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/scheduler"
)

// fieldErrs collects the problems of a request, to answer them all at once.
type fieldErrs []flux.FieldError

func (f *fieldErrs) add(field, format string, args ...any) {
	*f = append(*f, flux.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// err returns the collected problems as one EInvalid error, or nil.
func (f fieldErrs) err(msg string) error {
	if len(f) == 0 {
		return nil
	}
	return flux.Invalid(msg, f...)
}

// parseTime reads an RFC 3339 time.
func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	return t, err == nil
}

// timeField reads an optional RFC 3339 time of a body.
func (f *fieldErrs) timeField(field string, s *string) *time.Time {
	if s == nil {
		return nil
	}
	t, ok := parseTime(*s)
	if !ok {
		f.add(field, "must be an RFC 3339 time such as 2026-04-13T18:30:00+02:00")
		return nil
	}
	return &t
}

// nullable reads a body field that may be absent (set false), null (set,
// nil) or a value.
func nullable[T any](f *fieldErrs, field string, raw json.RawMessage, what string) (set bool, v *T) {
	if len(raw) == 0 {
		return false, nil
	}
	if string(raw) == "null" {
		return true, nil
	}
	var x T
	if err := json.Unmarshal(raw, &x); err != nil {
		f.add(field, "must be %s or null", what)
		return true, nil
	}
	return true, &x
}

// queryTime reads an optional RFC 3339 time from the query.
func queryTime(r *http.Request, name string, f *fieldErrs) *time.Time {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil
	}
	t, ok := parseTime(v)
	if !ok {
		f.add(name, "must be an RFC 3339 time such as 2026-04-13T00:00:00Z")
		return nil
	}
	return &t
}

// queryPage reads limit and cursor.
func queryPage(r *http.Request, f *fieldErrs) flux.Page {
	q := r.URL.Query()
	p := flux.Page{Cursor: q.Get("cursor")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > flux.MaxPageLimit {
			f.add("limit", "must be a whole number between 1 and %d", flux.MaxPageLimit)
		}
		p.Limit = n
	}
	return p
}

// taskProblems adds the problems flux.Task.Validate and scheduler.CheckTask
// find in t to fs, for fields fs does not name yet, so that one answer lists
// every problem of a request.
func (f *fieldErrs) taskProblems(t *flux.Task, only ...string) {
	named := map[string]bool{}
	for _, x := range *f {
		named[x.Field] = true
	}
	for _, err := range []error{t.Validate(), scheduler.CheckTask(t)} {
		var fe *flux.Error
		if !errors.As(err, &fe) {
			continue
		}
		for _, x := range fe.Fields {
			if !named[x.Field] && (len(only) == 0 || slices.Contains(only, x.Field)) {
				*f = append(*f, x)
			}
		}
	}
}

// taskCreate is the body of POST /api/v1/tasks.
type taskCreate struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	// DurationMinutes defaults to 30.
	DurationMinutes *int `json:"duration_minutes"`
	// Priority is standard (the default), important or must_not_miss
	// (must-not-miss is accepted too).
	Priority string `json:"priority"`
	// Deadline, ScheduledAt and EarliestStart are RFC 3339 times. A task
	// with ScheduledAt is scheduled there; one without is pending until
	// POST /api/v1/schedule places it.
	Deadline       *string `json:"deadline"`
	ScheduledAt    *string `json:"scheduled_at"`
	EarliestStart  *string `json:"earliest_start"`
	RecurrenceRule string  `json:"recurrence_rule"`
	// TriggerType is time (the default) or location, which needs a
	// LocationTrigger.
	TriggerType     string `json:"trigger_type"`
	LocationTrigger string `json:"location_trigger"`
	GoalID          string `json:"goal_id"`
	MilestoneID     string `json:"milestone_id"`
	// AllowWorkHours defaults to false, or true under a career goal.
	AllowWorkHours *bool  `json:"allow_work_hours"`
	PreferredTime  string `json:"preferred_time"`
}

// taskPatch is the body of PATCH /api/v1/tasks/{id}: any subset of the
// fields; null clears a nullable one. Setting scheduled_at schedules an
// open task, clearing it makes the task pending.
type taskPatch struct {
	Title           *string         `json:"title"`
	Description     *string         `json:"description"`
	DurationMinutes *int            `json:"duration_minutes"`
	Priority        *string         `json:"priority"`
	Deadline        json.RawMessage `json:"deadline"`
	ScheduledAt     json.RawMessage `json:"scheduled_at"`
	EarliestStart   json.RawMessage `json:"earliest_start"`
	RecurrenceRule  json.RawMessage `json:"recurrence_rule"`
	TriggerType     *string         `json:"trigger_type"`
	LocationTrigger json.RawMessage `json:"location_trigger"`
	GoalID          json.RawMessage `json:"goal_id"`
	MilestoneID     json.RawMessage `json:"milestone_id"`
	AllowWorkHours  *bool           `json:"allow_work_hours"`
	PreferredTime   json.RawMessage `json:"preferred_time"`
}

// apply checks the patch and returns the function that edits a task by it.
func (p *taskPatch) apply() (func(*flux.Task) error, error) {
	var fs fieldErrs
	var prio flux.Priority
	if p.Priority != nil {
		v, err := flux.ParsePriority(*p.Priority)
		if err != nil {
			fs.add("priority", "must be standard, important or must_not_miss")
		}
		prio = v
	}
	times := map[string]json.RawMessage{"deadline": p.Deadline, "scheduled_at": p.ScheduledAt, "earliest_start": p.EarliestStart}
	parsed := map[string]*time.Time{}
	isSet := map[string]bool{}
	for _, name := range []string{"deadline", "scheduled_at", "earliest_start"} {
		set, s := nullable[string](&fs, name, times[name], "an RFC 3339 time")
		isSet[name] = set
		if s != nil {
			parsed[name] = fs.timeField(name, s)
		}
	}
	strs := map[string]json.RawMessage{"recurrence_rule": p.RecurrenceRule, "location_trigger": p.LocationTrigger,
		"goal_id": p.GoalID, "milestone_id": p.MilestoneID, "preferred_time": p.PreferredTime}
	strVal := map[string]string{}
	for _, name := range []string{"recurrence_rule", "location_trigger", "goal_id", "milestone_id", "preferred_time"} {
		set, v := nullable[string](&fs, name, strs[name], "a string")
		isSet[name] = set
		if v != nil {
			strVal[name] = strings.TrimSpace(*v)
		}
	}
	if len(fs) > 0 {
		probe := flux.Task{Title: "x", Status: flux.TaskPending, Priority: flux.PriorityStandard, DurationMinutes: 1, TriggerType: flux.TriggerTime,
			RecurrenceRule: strVal["recurrence_rule"], PreferredTime: strVal["preferred_time"]}
		fs.taskProblems(&probe, "recurrence_rule", "preferred_time")
		return nil, fs.err("invalid task")
	}
	return func(t *flux.Task) error {
		if p.Title != nil {
			t.Title = strings.TrimSpace(*p.Title)
		}
		if p.Description != nil {
			t.Description = *p.Description
		}
		if p.DurationMinutes != nil {
			t.DurationMinutes = *p.DurationMinutes
		}
		if p.Priority != nil {
			t.Priority = prio
		}
		if isSet["deadline"] {
			t.Deadline = parsed["deadline"]
		}
		if isSet["scheduled_at"] {
			t.ScheduledAt = parsed["scheduled_at"]
		}
		if isSet["earliest_start"] {
			t.EarliestStart = parsed["earliest_start"]
		}
		if p.TriggerType != nil {
			t.TriggerType = flux.TriggerType(*p.TriggerType)
		}
		if p.AllowWorkHours != nil {
			t.AllowWorkHours = *p.AllowWorkHours
		}
		for name, dst := range map[string]*string{"recurrence_rule": &t.RecurrenceRule, "location_trigger": &t.LocationTrigger,
			"goal_id": &t.GoalID, "milestone_id": &t.MilestoneID, "preferred_time": &t.PreferredTime} {
			if isSet[name] {
				*dst = strVal[name]
			}
		}
		if isSet["goal_id"] && t.GoalID == "" {
			t.MilestoneID = ""
		}
		return nil
	}, nil
}

// taskList is a page of tasks.
type taskList struct {
	Tasks      []taskView `json:"tasks"`
	NextCursor string     `json:"next_cursor"`
}

// taskStatus is the answer of complete and missed.
type taskStatus struct {
	TaskID string          `json:"task_id"`
	Status flux.TaskStatus `json:"status"`
}

// rescheduleRequest is the body of POST /api/v1/tasks/{id}/reschedule.
type rescheduleRequest struct {
	// Message may hint at when ("tomorrow evening"); the scheduler picks
	// the next suitable slot.
	Message *string `json:"message"`
	// NewStart, an RFC 3339 time, puts the task exactly there.
	NewStart *string `json:"new_start"`
}

// rescheduleResponse is the moved task and why it went there.
type rescheduleResponse struct {
	Task          taskView   `json:"task"`
	PreviousStart *time.Time `json:"previous_start"`
	Reason        string     `json:"reason"`
}

// taskNotFound gives the original's 404 text for a task.
func taskNotFound(err error) error {
	if flux.IsCode(err, flux.ENotFound) && strings.EqualFold(flux.ErrorMessage(err), "task not found") {
		return &flux.Error{Code: flux.ENotFound, Message: "Task not found", Err: err}
	}
	return err
}

// maxTodayTasks caps the bare array of GET /api/v1/tasks/today.
const maxTodayTasks = 1000

func (s *Server) taskRoutes() {
	s.handle(Route{Method: "POST", Path: "/api/v1/tasks", Summary: "Create a task, on its own or under one of the caller's goals", Tag: "tasks",
		Request: taskCreate{}, Response: taskView{}, Status: http.StatusCreated}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var body taskCreate
		if err := decode(w, r, &body); err != nil {
			return err
		}
		var fs fieldErrs
		prio, err := flux.ParsePriority(body.Priority)
		if err != nil {
			fs.add("priority", "must be standard, important or must_not_miss")
		}
		t := &flux.Task{
			Title: strings.TrimSpace(body.Title), Description: body.Description, Priority: prio,
			Deadline: fs.timeField("deadline", body.Deadline), ScheduledAt: fs.timeField("scheduled_at", body.ScheduledAt),
			EarliestStart: fs.timeField("earliest_start", body.EarliestStart), RecurrenceRule: strings.TrimSpace(body.RecurrenceRule),
			TriggerType: flux.TriggerType(body.TriggerType), LocationTrigger: strings.TrimSpace(body.LocationTrigger),
			GoalID: strings.TrimSpace(body.GoalID), MilestoneID: strings.TrimSpace(body.MilestoneID),
			PreferredTime: strings.TrimSpace(body.PreferredTime),
		}
		if body.DurationMinutes != nil {
			t.DurationMinutes = *body.DurationMinutes
		}
		// An explicit duration of 0 is refused, not defaulted.
		if len(fs) > 0 || (body.DurationMinutes != nil && *body.DurationMinutes == 0) {
			probe := *t
			probe.Status = flux.TaskPending
			if body.DurationMinutes == nil {
				probe.DurationMinutes = scheduler.DefaultTaskMinutes
			}
			if probe.TriggerType == "" {
				probe.TriggerType = flux.TriggerTime
			}
			fs.taskProblems(&probe)
			return fs.err("invalid task")
		}
		// The task defaults (duration, trigger, work hours under a career
		// goal) are the scheduler service's.
		if err := s.sched.CreateTaskWith(r.Context(), u, t, scheduler.CreateOptions{AllowWorkHours: body.AllowWorkHours}); err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, newTaskView(t))
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/api/v1/tasks", Summary: "The caller's tasks by time; filters from, to, status (repeatable or comma-separated), goal_id", Tag: "tasks",
		Response: taskList{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var fs fieldErrs
		f := flux.TaskFilter{From: queryTime(r, "from", &fs), To: queryTime(r, "to", &fs), GoalID: r.URL.Query().Get("goal_id")}
		for _, v := range r.URL.Query()["status"] {
			for _, st := range strings.Split(v, ",") {
				st = strings.TrimSpace(st)
				if !flux.TaskStatus(st).Valid() {
					fs.add("status", "unknown status %q", st)
					continue
				}
				f.Statuses = append(f.Statuses, flux.TaskStatus(st))
			}
		}
		if f.GoalID != "" && !flux.ValidID(f.GoalID) {
			fs.add("goal_id", "must be a goal id")
		}
		p := queryPage(r, &fs)
		if err := fs.err("invalid query"); err != nil {
			return err
		}
		ts, next, err := s.store.Tasks().ListTasks(r.Context(), u.ID, f, p)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, taskList{Tasks: newTaskViews(ts), NextCursor: next})
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/api/v1/tasks/today", Summary: "The caller's open tasks in their local today (a bare array)", Tag: "tasks",
		Response: []taskView{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		ts, err := s.sched.Today(r.Context(), u)
		if err != nil {
			return err
		}
		if len(ts) > maxTodayTasks {
			ts = ts[:maxTodayTasks]
		}
		writeJSON(w, http.StatusOK, newTaskViews(ts))
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/api/v1/tasks/{id}", Summary: "One of the caller's tasks", Tag: "tasks",
		Response: taskView{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		t, err := s.store.Tasks().GetTask(r.Context(), u.ID, r.PathValue("id"))
		if err != nil {
			return taskNotFound(err)
		}
		writeJSON(w, http.StatusOK, newTaskView(t))
		return nil
	})
	s.handle(Route{Method: "PATCH", Path: "/api/v1/tasks/{id}", Summary: "Change any subset of a task's fields", Tag: "tasks",
		Request: taskPatch{}, Response: taskView{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var body taskPatch
		if err := decode(w, r, &body); err != nil {
			return err
		}
		fn, err := body.apply()
		if err != nil {
			return err
		}
		t, err := s.sched.UpdateTask(r.Context(), u, r.PathValue("id"), fn)
		if err != nil {
			return taskNotFound(err)
		}
		writeJSON(w, http.StatusOK, newTaskView(t))
		return nil
	})
	s.handle(Route{Method: "DELETE", Path: "/api/v1/tasks/{id}", Summary: "Delete one of the caller's tasks", Tag: "tasks",
		Status: http.StatusNoContent}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		if err := s.store.Tasks().DeleteTask(r.Context(), u.ID, r.PathValue("id")); err != nil {
			return taskNotFound(err)
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	s.handle(Route{Method: "PATCH", Path: "/api/v1/tasks/{id}/complete", Summary: "Mark a task done; a recurring task's series advances once; a goal's last open task completes the goal", Tag: "tasks",
		Request: taskStatusRequest{}, OptionalBody: true, Response: taskStatus{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		if err := decodeTaskStatusBody(w, r); err != nil {
			return err
		}
		t, err := s.sched.Complete(r.Context(), u, r.PathValue("id"))
		if err != nil {
			return taskNotFound(err)
		}
		writeJSON(w, http.StatusOK, taskStatus{TaskID: t.ID, Status: t.Status})
		return nil
	})
	s.handle(Route{Method: "PATCH", Path: "/api/v1/tasks/{id}/missed", Summary: "Mark a task missed; a recurring task's series advances once", Tag: "tasks",
		Request: taskStatusRequest{}, OptionalBody: true, Response: taskStatus{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		if err := decodeTaskStatusBody(w, r); err != nil {
			return err
		}
		t, err := s.sched.Missed(r.Context(), u, r.PathValue("id"))
		if err != nil {
			return taskNotFound(err)
		}
		writeJSON(w, http.StatusOK, taskStatus{TaskID: t.ID, Status: t.Status})
		return nil
	})
	s.handle(Route{Method: "POST", Path: "/api/v1/tasks/{id}/reschedule", Summary: "Move a task to new_start, or to the next suitable slot, and say why", Tag: "tasks",
		Request: rescheduleRequest{}, Response: rescheduleResponse{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var body rescheduleRequest
		if err := decode(w, r, &body); err != nil {
			return err
		}
		var fs fieldErrs
		req := scheduler.RescheduleRequest{NewStart: fs.timeField("new_start", body.NewStart)}
		if body.Message != nil {
			req.Message = *body.Message
		}
		if len([]rune(req.Message)) > 2000 {
			fs.add("message", "is longer than 2000 characters")
		}
		if err := fs.err("invalid reschedule request"); err != nil {
			return err
		}
		res, err := s.sched.Reschedule(r.Context(), u, r.PathValue("id"), req)
		if err != nil {
			return taskNotFound(err)
		}
		writeJSON(w, http.StatusOK, rescheduleResponse{Task: newTaskView(res.Task), PreviousStart: res.Previous, Reason: res.Reason})
		return nil
	})
}
