package httpapi

import (
	_ "embed"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/escalation"
	"github.com/fluxlife/flux/notify"
)

// ---- escalation policies --------------------------------------------------

type policiesView struct {
	// Policies are the ladders the caller's reminders use, by priority.
	Policies map[flux.Priority][]flux.PolicyStep `json:"policies"`
	// Custom lists the priorities whose ladder is the caller's own.
	Custom []flux.Priority `json:"custom"`
	// Defaults are the priority model's ladders.
	Defaults map[flux.Priority][]flux.PolicyStep `json:"defaults"`
}

type policiesPut struct {
	// Policies sets the caller's ladder of each priority named; null
	// goes back to the default.
	Policies map[string]*[]flux.PolicyStep `json:"policies"`
}

func newPoliciesView(u *flux.User) policiesView {
	v := policiesView{Policies: map[flux.Priority][]flux.PolicyStep{}, Custom: []flux.Priority{}, Defaults: map[flux.Priority][]flux.PolicyStep{}}
	for _, p := range notify.Priorities {
		v.Policies[p] = notify.PolicyFor(u, p)
		v.Defaults[p] = notify.DefaultPolicy(p)
		if len(u.EscalationPolicies[p]) > 0 {
			v.Custom = append(v.Custom, p)
		}
	}
	return v
}

// ---- the escalation demo --------------------------------------------------

// demoStep is a step as the original demo showed it.
type demoStep struct {
	ID           string       `json:"id"`
	Channel      string       `json:"channel"`
	DelaySeconds int          `json:"delay_seconds"`
	Status       string       `json:"status"`
	DueAt        time.Time    `json:"due_at"`
	SentAt       *string      `json:"sent_at"`
	DeliveredAt  *string      `json:"delivered_at"`
	ErrorMessage *string      `json:"error_message"`
	Metadata     demoStepMeta `json:"metadata"`
}

type demoStepMeta struct {
	NotificationID *string `json:"notification_id"`
	Provider       *string `json:"provider"`
	ProviderID     *string `json:"provider_id"`
}

// demoView is an escalation as the original demo showed it.
type demoView struct {
	ID               string        `json:"id"`
	UserID           string        `json:"user_id"`
	TaskID           *string       `json:"task_id"`
	Title            string        `json:"title"`
	Message          string        `json:"message"`
	Priority         flux.Priority `json:"priority"`
	Speed            string        `json:"speed"`
	Status           string        `json:"status"`
	CreatedAt        string        `json:"created_at"`
	Steps            []demoStep    `json:"steps"`
	CurrentStepIndex int           `json:"current_step_index"`
	IsComplete       bool          `json:"is_complete"`
	IsAcknowledged   bool          `json:"is_acknowledged"`
}

type demoTrigger struct {
	UserID   string  `json:"user_id"`
	Title    *string `json:"title"`
	Message  *string `json:"message"`
	Speed    *string `json:"speed"`
	Priority *string `json:"priority"`
	TaskID   *string `json:"task_id"`
}

type demoCreated struct {
	Success    bool     `json:"success"`
	Escalation demoView `json:"escalation"`
}

type demoOne struct {
	Escalation demoView `json:"escalation"`
	IsRunning  bool     `json:"is_running"`
}

type demoList struct {
	Escalations []demoView `json:"escalations"`
	Count       int        `json:"count"`
	NextCursor  string     `json:"next_cursor"`
}

var demoSpeeds = map[string]float64{"1x": 1, "5x": 5, "10x": 10}

func speedLabel(m float64) string {
	return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.2f", m), "0"), ".0") + "x"
}

// demoView builds the view of esc with each step's live status read from
// its notification.
func (s *Server) demoView(r *http.Request, esc *flux.Escalation) (demoView, error) {
	ns, _, err := s.store.Notifications().ListNotifications(r.Context(), esc.UserID, flux.NotificationFilter{EscalationID: esc.ID}, flux.Page{Limit: flux.MaxPageLimit})
	if err != nil {
		return demoView{}, err
	}
	byID := map[string]*flux.Notification{}
	for i := range ns {
		byID[ns[i].ID] = &ns[i]
	}
	v := demoView{ID: esc.ID, UserID: esc.UserID, TaskID: opt(esc.TaskID), Title: esc.Title, Message: esc.Message, Priority: esc.Priority,
		Speed: speedLabel(esc.Speed), Status: string(esc.Status), CreatedAt: naiveUTC(esc.CreatedAt), Steps: []demoStep{},
		IsComplete: esc.Status != flux.EscalationRunning, IsAcknowledged: esc.Status == flux.EscalationAcknowledged}
	for i, st := range esc.Steps {
		ch := string(st.Channel)
		if st.Channel == flux.ChannelCall {
			ch = "phone_call"
		}
		d := demoStep{ID: fmt.Sprintf("%s_%s", esc.ID, ch), Channel: ch, DelaySeconds: notify.ActualWait(st.WaitSeconds, esc.Speed),
			Status: string(st.Status), DueAt: st.DueAt, ErrorMessage: opt(st.Error)}
		if st.Status != flux.StepPending {
			v.CurrentStepIndex = i + 1
		}
		if n := byID[st.NotificationID]; n != nil {
			d.Metadata = demoStepMeta{NotificationID: opt(n.ID), Provider: opt(n.Provider), ProviderID: opt(n.ExternalID)}
			if n.SentAt != nil {
				d.SentAt = opt(naiveUTC(*n.SentAt))
			}
			if n.DeliveredAt != nil {
				d.DeliveredAt = opt(naiveUTC(*n.DeliveredAt))
			}
			if st.Status == flux.StepSent {
				switch n.Status {
				case flux.NotificationPending:
					d.Status = "pending"
				case flux.NotificationDelivered, flux.NotificationRead:
					d.Status = "delivered"
				case flux.NotificationFailed, flux.NotificationCancelled:
					d.Status = "failed"
					d.ErrorMessage = opt(n.Error)
				}
			}
		}
		v.Steps = append(v.Steps, d)
	}
	return v, nil
}

//go:embed escalation_demo.html
var demoPage []byte

func (s *Server) escalationRoutes() {
	s.handle(Route{Method: "GET", Path: "/api/v1/escalation/policies", Summary: "The caller's escalation ladders by priority (defaults: the priority model's)", Tag: "escalation",
		Response: policiesView{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPoliciesView(u))
		return nil
	})
	s.handle(Route{Method: "PUT", Path: "/api/v1/escalation/policies", Summary: "Set the caller's own ladders (null: back to the default); each starts with the escalations started after it", Tag: "escalation",
		Request: policiesPut{}, Response: policiesView{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var body policiesPut
		if err := decode(w, r, &body); err != nil {
			return err
		}
		if body.Policies == nil {
			return flux.Invalid("policies is required", flux.FieldError{Field: "policies", Message: "is required"})
		}
		var fs fieldErrs
		for _, k := range slices.Sorted(maps.Keys(body.Policies)) {
			if !flux.Priority(k).Valid() {
				fs.add("policies."+k, "is not a priority: want standard, important or must_not_miss")
			}
		}
		if err := fs.err("invalid escalation policies"); err != nil {
			return err
		}
		got, err := s.store.Users().UpdateUser(r.Context(), u.ID, func(x *flux.User) error {
			if x.EscalationPolicies == nil {
				x.EscalationPolicies = map[flux.Priority][]flux.PolicyStep{}
			}
			for k, steps := range body.Policies {
				if steps == nil {
					delete(x.EscalationPolicies, flux.Priority(k))
				} else {
					x.EscalationPolicies[flux.Priority(k)] = *steps
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPoliciesView(got))
		return nil
	})

	s.handle(Route{Method: "GET", Path: "/api/escalation-demo", Summary: "The escalation demo: trigger an escalation and watch its steps live", Tag: "escalation", Public: true},
		func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
			_, err := w.Write(demoPage)
			return err
		})
	s.handle(Route{Method: "GET", Path: "/api/escalation-demo/health", Summary: "Health of the escalation demo", Tag: "escalation",
		Response: serviceHealth{}}, func(w http.ResponseWriter, r *http.Request) error {
		writeJSON(w, http.StatusOK, serviceHealth{Status: "healthy", Service: "escalation-demo"})
		return nil
	})
	s.handle(Route{Method: "POST", Path: "/api/escalation-demo/trigger", Summary: "Start a real escalation of the caller at 1x, 5x or 10x (default must_not_miss: push, WhatsApp 120 s later, a call 420 s after that)", Tag: "escalation",
		Request: demoTrigger{}, Response: demoCreated{}, Status: http.StatusCreated}, s.paidLimited(s.demoTrigger, flux.ChannelWhatsApp, flux.ChannelCall))
	s.handle(Route{Method: "GET", Path: "/api/escalation-demo/escalations", Summary: "The caller's escalations, newest first", Tag: "escalation",
		Response: demoList{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, r.URL.Query().Get("user_id"))
		if err != nil {
			return err
		}
		var fs fieldErrs
		p := queryPage(r, &fs)
		if err := fs.err("invalid query"); err != nil {
			return err
		}
		escs, next, err := s.store.Escalations().ListEscalations(r.Context(), u.ID, flux.EscalationFilter{}, p)
		if err != nil {
			return err
		}
		out := demoList{Escalations: []demoView{}, NextCursor: next}
		for i := range escs {
			v, err := s.demoView(r, &escs[i])
			if err != nil {
				return err
			}
			out.Escalations = append(out.Escalations, v)
		}
		out.Count = len(out.Escalations)
		writeJSON(w, http.StatusOK, out)
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/api/escalation-demo/escalations/{id}", Summary: "One escalation with the state of each step", Tag: "escalation",
		Response: demoOne{}}, func(w http.ResponseWriter, r *http.Request) error {
		esc, err := s.demoEscalation(w, r)
		if esc == nil {
			return err
		}
		v, err := s.demoView(r, esc)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, demoOne{Escalation: v, IsRunning: esc.Status == flux.EscalationRunning})
		return nil
	})
	s.handle(Route{Method: "POST", Path: "/api/escalation-demo/escalations/{id}/acknowledge", Summary: "Acknowledge: stop the ladder; no later step is sent", Tag: "escalation",
		OptionalBody: true, Response: demoCreated{}}, func(w http.ResponseWriter, r *http.Request) error {
		esc, err := s.demoEscalation(w, r)
		if esc == nil {
			return err
		}
		if esc, err = s.notify.Escalations.Acknowledge(r.Context(), esc.UserID, esc.ID, "acknowledged"); err != nil {
			return err
		}
		v, err := s.demoView(r, esc)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, demoCreated{Success: true, Escalation: v})
		return nil
	})
	s.handle(Route{Method: "POST", Path: "/api/escalation-demo/escalations/{id}/cancel", Summary: "Cancel: stop the ladder without an answer", Tag: "escalation",
		OptionalBody: true, Response: successMessage{}}, func(w http.ResponseWriter, r *http.Request) error {
		esc, err := s.demoEscalation(w, r)
		if esc == nil {
			return err
		}
		if _, err := s.notify.Escalations.Cancel(r.Context(), esc.UserID, esc.ID); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, successMessage{Success: true, Message: "Escalation cancelled successfully"})
		return nil
	})

	s.notifierRoutes()
}

// demoEscalation reads the caller's escalation named in the path; when it
// is not theirs (or malformed) it writes the original's 404 and returns
// nil, nil.
func (s *Server) demoEscalation(w http.ResponseWriter, r *http.Request) (*flux.Escalation, error) {
	if err := s.notifyReady(); err != nil {
		return nil, err
	}
	u, err := s.user(r, r.URL.Query().Get("user_id"))
	if err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	esc, err := s.store.Escalations().GetEscalation(r.Context(), u.ID, id)
	if flux.IsCode(err, flux.ENotFound) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "Escalation not found", "escalation_id": id, "detail": "Escalation not found", "code": flux.ENotFound})
		return nil, nil
	}
	return esc, err
}

func (s *Server) demoTrigger(w http.ResponseWriter, r *http.Request) error {
	var in *demoTrigger
	err := decodeLenient(w, r, &in)
	if flux.ErrorCode(err) == flux.ETooLarge {
		return err
	}
	if err != nil || in == nil {
		detail := "Request body is required"
		if err != nil {
			detail = flux.ErrorMessage(err)
		}
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "Request body is required", "detail": detail, "code": flux.EInvalid})
		return nil
	}
	body := *in
	u, err := s.user(r, body.UserID)
	if err != nil {
		return err
	}
	if body.Title == nil || strings.TrimSpace(*body.Title) == "" || body.Message == nil || strings.TrimSpace(*body.Message) == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "Missing required fields", "required": []string{"title", "message"},
			"detail": "Missing required fields: title and message", "code": flux.EInvalid})
		return nil
	}
	speed := "1x"
	if body.Speed != nil {
		speed = *body.Speed
	}
	m, ok := demoSpeeds[speed]
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "Invalid speed value: " + speed, "valid_values": []string{"1x", "5x", "10x"},
			"detail": "Invalid speed value: " + speed, "code": flux.EInvalid})
		return nil
	}
	p := flux.PriorityMustNotMiss
	if body.Priority != nil {
		p = flux.Priority(*body.Priority)
		if !p.Valid() {
			return flux.Invalid("invalid priority", flux.FieldError{Field: "priority", Message: "must be standard, important or must_not_miss"})
		}
	}
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	req := escalation.Request{UserID: u.ID, Title: *body.Title, Message: *body.Message, Priority: p, Speed: m}
	if key != "" {
		req.Key = "demo:" + key
	}
	if body.TaskID != nil && *body.TaskID != "" {
		if _, err := s.store.Tasks().GetTask(r.Context(), u.ID, *body.TaskID); err != nil {
			return flux.Invalid("unknown task", flux.FieldError{Field: "task_id", Message: "is not one of your tasks"})
		}
		req.TaskID = *body.TaskID
	}
	esc, _, err := s.notify.Escalations.Start(r.Context(), req)
	if err != nil {
		return err
	}
	v, err := s.demoView(r, esc)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, demoCreated{Success: true, Escalation: v})
	return nil
}

// ---- the notifier's routes -----------------------------------------------

type trackedTask struct {
	TaskID               string     `json:"task_id"`
	UserID               string     `json:"user_id"`
	TaskTitle            string     `json:"task_title"`
	ScheduledAt          *time.Time `json:"scheduled_at"`
	Status               string     `json:"status"`
	EscalationID         *string    `json:"escalation_id"`
	ReminderSentAt       *time.Time `json:"reminder_sent_at"`
	WhatsAppSentAt       *time.Time `json:"whatsapp_sent_at"`
	CallSentAt           *time.Time `json:"call_sent_at"`
	MissedAt             *time.Time `json:"missed_at"`
	ConsecutiveMissCount int        `json:"consecutive_miss_count"`
	Acknowledged         bool       `json:"acknowledged"`
}

type notifierStatus struct {
	SchedulerRunning bool          `json:"scheduler_running"`
	PendingTaskCount int           `json:"pending_task_count"`
	TrackedTasks     []trackedTask `json:"tracked_tasks"`
	EscalatingCount  int           `json:"escalating_count"`
	MissedTaskCount  int           `json:"missed_task_count"`
	LeadMinutes      int           `json:"reminder_lead_minutes"`
	GraceMinutes     int           `json:"auto_miss_grace_minutes"`
}

type taskAction struct {
	TaskID string `json:"task_id"`
	UserID string `json:"user_id"`
	Note   string `json:"note"`
}

type taskActionResult struct {
	Success     bool    `json:"success"`
	Message     string  `json:"message"`
	TaskID      *string `json:"task_id"`
	ActionTaken *string `json:"action_taken"`
	Triggered   *int    `json:"triggered,omitempty"`
}

type locationTrigger struct {
	UserID string `json:"user_id"`
	IsAway *bool  `json:"is_away"`
}

type locationTriggered struct {
	Triggered int    `json:"triggered"`
	Message   string `json:"message"`
}

func (s *Server) notifierRoutes() {
	s.handle(Route{Method: "GET", Path: "/api/status", Summary: "The notifier: the caller's due, escalating and missed tasks", Tag: "escalation",
		Response: notifierStatus{}}, func(w http.ResponseWriter, r *http.Request) error {
		if err := s.notifyReady(); err != nil {
			return err
		}
		u, err := s.user(r, r.URL.Query().Get("user_id"))
		if err != nil {
			return err
		}
		rep, err := s.notify.Notifier.Status(r.Context(), u)
		if err != nil {
			return err
		}
		out := notifierStatus{SchedulerRunning: true, TrackedTasks: []trackedTask{}, EscalatingCount: len(rep.Escalating),
			MissedTaskCount: len(rep.Missed), LeadMinutes: int(s.notify.Notifier.Lead() / time.Minute), GraceMinutes: int(s.notify.Notifier.Grace() / time.Minute)}
		for _, tr := range rep.Due {
			tt := trackedTask{TaskID: tr.Task.ID, UserID: u.ID, TaskTitle: tr.Task.Title, ScheduledAt: tr.Task.ScheduledAt, Status: string(tr.Task.Status)}
			if e := tr.Escalation; e != nil {
				tt.EscalationID = opt(e.ID)
				tt.Acknowledged = e.Status == flux.EscalationAcknowledged
				for _, st := range e.Steps {
					switch st.Channel {
					case flux.ChannelPush:
						tt.ReminderSentAt = st.SentAt
					case flux.ChannelWhatsApp:
						tt.WhatsAppSentAt = st.SentAt
					case flux.ChannelCall:
						tt.CallSentAt = st.SentAt
					}
				}
			}
			out.TrackedTasks = append(out.TrackedTasks, tt)
		}
		for _, t := range rep.Missed {
			out.TrackedTasks = append(out.TrackedTasks, trackedTask{TaskID: t.ID, UserID: u.ID, TaskTitle: t.Title, ScheduledAt: t.ScheduledAt,
				Status: string(t.Status), MissedAt: &t.UpdatedAt, ConsecutiveMissCount: 1})
		}
		out.PendingTaskCount = len(rep.Due)
		writeJSON(w, http.StatusOK, out)
		return nil
	})
	for _, c := range []struct {
		path, status, msg string
		missed            bool
	}{
		{"/api/tasks/complete", "completed", "Task marked as completed", false},
		{"/api/tasks/missed", "missed", "Task marked as missed", true},
	} {
		s.handle(Route{Method: "POST", Path: c.path, Summary: "Mark one of the caller's tasks " + c.status + " (its reminders stop)", Tag: "escalation",
			Request: taskAction{}, Response: taskActionResult{}}, func(w http.ResponseWriter, r *http.Request) error {
			var body taskAction
			if err := decodeLenient(w, r, &body); err != nil {
				return err
			}
			u, err := s.user(r, body.UserID)
			if err != nil {
				return err
			}
			if body.TaskID == "" {
				return unprocessable("task_id is required", flux.FieldError{Field: "task_id", Message: "is required"})
			}
			if c.missed {
				_, err = s.sched.Missed(r.Context(), u, body.TaskID)
			} else {
				_, err = s.sched.Complete(r.Context(), u, body.TaskID)
			}
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, taskActionResult{Success: true, Message: c.msg, TaskID: &body.TaskID})
			return nil
		})
	}
	s.handle(Route{Method: "POST", Path: "/api/demo/location-trigger", Summary: "Demo: the caller left home; their location-triggered tasks are reminded", Tag: "escalation",
		Request: locationTrigger{}, Response: taskActionResult{}}, func(w http.ResponseWriter, r *http.Request) error {
		var body locationTrigger
		if err := decodeLenient(w, r, &body); err != nil {
			return err
		}
		u, err := s.user(r, body.UserID)
		if err != nil {
			return err
		}
		if body.IsAway == nil {
			return unprocessable("is_away is required", flux.FieldError{Field: "is_away", Message: "is required (true or false)"})
		}
		if !*body.IsAway {
			writeJSON(w, http.StatusOK, taskActionResult{Success: true, Message: "User is at home. No trigger."})
			return nil
		}
		if err := s.notifyReady(); err != nil {
			return err
		}
		n, err := s.notify.Notifier.FireLocation(r.Context(), u)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, taskActionResult{Success: true, Message: "Location-triggered reminders dispatched (Demo)", Triggered: &n})
		return nil
	})
	s.handle(Route{Method: "POST", Path: "/api/v1/demo/trigger-location", Summary: "Demo: fire the caller's pending location-triggered tasks", Tag: "escalation",
		OptionalBody: true, Response: locationTriggered{}}, func(w http.ResponseWriter, r *http.Request) error {
		if err := s.notifyReady(); err != nil {
			return err
		}
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		n, err := s.notify.Notifier.FireLocation(r.Context(), u)
		if err != nil {
			return err
		}
		msg := "No location reminders were waiting."
		switch {
		case n == 1:
			msg = "1 location reminder sent."
		case n > 1:
			msg = fmt.Sprintf("%d location reminders sent.", n)
		}
		writeJSON(w, http.StatusOK, locationTriggered{Triggered: n, Message: msg})
		return nil
	})
}
