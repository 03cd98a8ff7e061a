package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/planner"
)

// goalStartRequest is the body of POST /goals/start. user_id is honoured
// only for an admin caller.
type goalStartRequest struct {
	Message *string `json:"message"`
	UserID  string  `json:"user_id,omitempty"`
}

// goalRespondRequest is the body of POST /goals/{conversation_id}/respond.
// user_id is honoured only for an admin caller.
type goalRespondRequest struct {
	Message *string `json:"message"`
	UserID  string  `json:"user_id,omitempty"`
}

// goalConversationResponse is the original's GoalConversationResponse,
// plus the plan's sources.
type goalConversationResponse struct {
	ConversationID  string                    `json:"conversation_id"`
	State           string                    `json:"state"`
	Message         string                    `json:"message"`
	SuggestedAction *string                   `json:"suggested_action"`
	Plan            []planner.LegacyMilestone `json:"plan"`
	GoalID          *string                   `json:"goal_id"`
	Sources         []flux.Source             `json:"sources"`
}

func newGoalConversationResponse(r *planner.ConversationReply) goalConversationResponse {
	v := goalConversationResponse{
		ConversationID: r.ConversationID, State: string(r.Turn.State), Message: r.Turn.Message,
		SuggestedAction: optString(r.Turn.SuggestedAction), GoalID: optString(r.GoalID), Sources: []flux.Source{},
	}
	if p := r.Turn.Plan; p != nil {
		v.Plan = p.Legacy()
		if len(p.Sources) > 0 {
			v.Sources = p.Sources
		}
	}
	return v
}

// goalCreateRequest is the body of POST /api/v1/goals.
type goalCreateRequest struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Timeline    string `json:"timeline,omitempty"`
	// TargetDate is YYYY-MM-DD or an RFC 3339 time (its calendar date
	// counts).
	TargetDate *string `json:"target_date,omitempty"`
	// Plan plans the goal now; true when absent.
	Plan *bool `json:"plan,omitempty"`
}

// goalReplanRequest is the body of POST /api/v1/goals/{id}/replan.
type goalReplanRequest struct {
	Feedback string `json:"feedback"`
}

// goalModifyRequest is the body of PATCH /api/v1/goals/{id}/modify.
type goalModifyRequest struct {
	Message *string `json:"message"`
}

// goalModifyResponse is the original's ChatMessageResponse; its
// conversation_id is the goal's id.
type goalModifyResponse struct {
	ConversationID     string                      `json:"conversation_id"`
	Message            string                      `json:"message"`
	AgentNode          *string                     `json:"agent_node"`
	ProposedPlan       []planner.ProposedMilestone `json:"proposed_plan"`
	RequiresUserAction bool                        `json:"requires_user_action"`
}

func newGoalDetailView(d *planner.GoalDetail) goalView {
	ms := d.Milestones
	if ms == nil {
		ms = []flux.Milestone{}
	}
	return newGoalView(&d.Goal, ms, d.Tasks)
}

// goalMessage checks the message of a conversational route: required and
// bounded, 422 otherwise as the original answered.
func goalMessage(m *string, blankOK bool) (string, error) {
	if m == nil || (!blankOK && strings.TrimSpace(*m) == "") {
		return "", &flux.Error{Code: flux.EUnprocessable, Message: "message is required",
			Fields: []flux.FieldError{{Field: "message", Message: "is required"}}}
	}
	if utf8.RuneCountInString(*m) > planner.MaxMessageRunes {
		return "", &flux.Error{Code: flux.EUnprocessable, Message: "message is too long",
			Fields: []flux.FieldError{{Field: "message", Message: fmt.Sprintf("is longer than %d characters", planner.MaxMessageRunes)}}}
	}
	return *m, nil
}

// parseGoalTargetDate reads YYYY-MM-DD or an RFC 3339 time.
func parseGoalTargetDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// parseGoalStatuses reads the status query parameter: one or more goal
// statuses, comma-separated or repeated.
func parseGoalStatuses(r *http.Request) ([]flux.GoalStatus, error) {
	var out []flux.GoalStatus
	for _, v := range r.URL.Query()["status"] {
		for _, p := range strings.Split(v, ",") {
			st := flux.GoalStatus(strings.ToLower(strings.TrimSpace(p)))
			if !st.Valid() {
				return nil, flux.Invalid("invalid status", flux.FieldError{Field: "status",
					Message: "must be active, completed, abandoned or pipeline"})
			}
			out = append(out, st)
		}
	}
	return out, nil
}

// abandonResponse is the original's {"goal_id", "status"} with the goal's
// view beside them.
type abandonResponse struct {
	GoalID string `json:"goal_id"`
	goalView
}

func (s *Server) goalRoutes() {
	svc := s.goals

	// The clarifying conversation (the original main app's routes).
	s.handle(Route{Method: "POST", Path: "/goals/start", Summary: "Start a clarifying goal conversation", Tag: "goals",
		Request: goalStartRequest{}, Response: goalConversationResponse{}}, s.limited(func(w http.ResponseWriter, r *http.Request) error {
		var body goalStartRequest
		if err := decode(w, r, &body); err != nil {
			return err
		}
		msg, err := goalMessage(body.Message, true)
		if err != nil {
			return err
		}
		u, err := s.user(r, body.UserID)
		if err != nil {
			return err
		}
		reply, err := svc.StartConversation(r.Context(), u, msg)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newGoalConversationResponse(reply))
		return nil
	}))
	s.handle(Route{Method: "POST", Path: "/goals/{conversation_id}/respond", Summary: "Answer the goal conversation; a confirmation saves the goal, milestones and tasks", Tag: "goals",
		Request: goalRespondRequest{}, Response: goalConversationResponse{}}, s.limited(func(w http.ResponseWriter, r *http.Request) error {
		var body goalRespondRequest
		if err := decode(w, r, &body); err != nil {
			return err
		}
		msg, err := goalMessage(body.Message, true)
		if err != nil {
			return err
		}
		u, err := s.user(r, body.UserID)
		if err != nil {
			return err
		}
		reply, err := svc.Respond(r.Context(), u, r.PathValue("conversation_id"), msg)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newGoalConversationResponse(reply))
		return nil
	}))
	s.handle(Route{Method: "GET", Path: "/goals/{conversation_id}", Summary: "The goal conversation's current state", Tag: "goals",
		Response: goalConversationResponse{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, r.URL.Query().Get("user_id"))
		if err != nil {
			return err
		}
		reply, err := svc.Conversation(r.Context(), u, r.PathValue("conversation_id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newGoalConversationResponse(reply))
		return nil
	})

	// Goals REST.
	s.handle(Route{Method: "POST", Path: "/api/v1/goals", Summary: "Create a goal; plan: true (the default) plans it now", Tag: "goals",
		Request: goalCreateRequest{}, Response: goalView{}, Status: http.StatusCreated}, s.limited(func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var body goalCreateRequest
		if err := decode(w, r, &body); err != nil {
			return err
		}
		in := planner.CreateGoalInput{Title: body.Title, Description: body.Description, Timeline: body.Timeline,
			Plan: body.Plan == nil || *body.Plan}
		var fs []flux.FieldError
		if body.TargetDate != nil && strings.TrimSpace(*body.TargetDate) != "" {
			if t, ok := parseGoalTargetDate(*body.TargetDate); ok {
				in.TargetDate = &t
			} else {
				fs = append(fs, flux.FieldError{Field: "target_date", Message: "must be a date (YYYY-MM-DD) or an RFC 3339 time"})
			}
		}
		if err := in.Validate(s.now(), u.Location()); err != nil {
			var fe *flux.Error
			if !errors.As(err, &fe) {
				return err
			}
			fs = append(fe.Fields, fs...)
		}
		if len(fs) > 0 {
			return flux.Invalid("invalid goal", fs...)
		}
		d, err := svc.CreateGoal(r.Context(), u, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, newGoalDetailView(d))
		return nil
	}))
	s.handle(Route{Method: "GET", Path: "/api/v1/goals", Summary: "The caller's goals, newest first; status filter", Tag: "goals",
		Response: []goalView{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		statuses, err := parseGoalStatuses(r)
		if err != nil {
			return err
		}
		goals, err := svc.ListGoals(r.Context(), u, statuses)
		if err != nil {
			return err
		}
		out := make([]goalView, 0, len(goals))
		for i := range goals {
			out = append(out, newGoalView(&goals[i], nil, nil))
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/api/v1/goals/{id}", Summary: "One goal with its milestones and their tasks", Tag: "goals",
		Response: goalView{}}, callerJSON(s, http.StatusOK, func(r *http.Request, u *flux.User) (goalView, error) {
		d, err := svc.Goal(r.Context(), u, r.PathValue("id"))
		if err != nil {
			return goalView{}, err
		}
		return newGoalDetailView(d), nil
	}))
	s.handle(Route{Method: "GET", Path: "/api/v1/goals/{id}/tasks", Summary: "The goal's tasks, by time", Tag: "goals",
		Response: []taskView{}}, callerJSON(s, http.StatusOK, func(r *http.Request, u *flux.User) ([]taskView, error) {
		ts, err := svc.GoalTasks(r.Context(), u, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return newTaskViews(ts), nil
	}))
	s.handle(Route{Method: "POST", Path: "/api/v1/goals/{id}/replan", Summary: "A new plan version with feedback; done and missed tasks stay", Tag: "goals", OptionalBody: true,
		Request: goalReplanRequest{}, Response: goalView{}}, s.limited(func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var body goalReplanRequest
		if r.ContentLength != 0 {
			if err := decode(w, r, &body); err != nil {
				return err
			}
		}
		d, err := svc.Replan(r.Context(), u, r.PathValue("id"), body.Feedback)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newGoalDetailView(d))
		return nil
	}))
	s.handle(Route{Method: "PATCH", Path: "/api/v1/goals/{id}/abandon", Summary: "Abandon the goal; its open tasks are cancelled", Tag: "goals",
		Response: abandonResponse{}}, callerJSON(s, http.StatusOK, func(r *http.Request, u *flux.User) (abandonResponse, error) {
		d, err := svc.Abandon(r.Context(), u, r.PathValue("id"))
		if err != nil {
			return abandonResponse{}, err
		}
		return abandonResponse{GoalID: d.Goal.ID, goalView: newGoalDetailView(d)}, nil
	}))
	s.handle(Route{Method: "PATCH", Path: "/api/v1/goals/{id}/modify", Summary: "Change the goal's plan in words (ChatMessageResponse)", Tag: "goals",
		Request: goalModifyRequest{}, Response: goalModifyResponse{}}, s.limited(func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var body goalModifyRequest
		if err := decode(w, r, &body); err != nil {
			return err
		}
		msg, err := goalMessage(body.Message, false)
		if err != nil {
			return err
		}
		res, err := svc.Modify(r.Context(), u, r.PathValue("id"), msg)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, goalModifyResponse{
			ConversationID: res.Goal.Goal.ID, Message: res.Message, AgentNode: optString(res.AgentNode),
			ProposedPlan: res.ProposedPlan, RequiresUserAction: res.RequiresUserAction,
		})
		return nil
	}))
	s.handle(Route{Method: "DELETE", Path: "/api/v1/goals/{id}", Summary: "Delete the goal with its milestones and tasks", Tag: "goals",
		Status: http.StatusNoContent}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		if err := svc.DeleteGoal(r.Context(), u, r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
