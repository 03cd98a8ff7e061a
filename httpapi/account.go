package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/fluxlife/flux"
)

// accountPatch is the body of PATCH /api/v1/account/me: any subset of the
// settings. quiet_hours: null clears them; a notification_preferences key
// set to null is removed, others are merged shallowly.
type accountPatch struct {
	Name                    *string          `json:"name"`
	Timezone                *string          `json:"timezone"`
	WorkHours               *flux.WorkHours  `json:"work_hours"`
	SleepWindow             *flux.TimeWindow `json:"sleep_window"`
	CutoffHour              *int             `json:"cutoff_hour"`
	BufferMinutes           *int             `json:"buffer_minutes"`
	DailyCapMinutes         *int             `json:"daily_cap_minutes"`
	QuietHours              json.RawMessage  `json:"quiet_hours"`
	PhoneNumber             *string          `json:"phone_number"`
	Chronotype              *string          `json:"chronotype"`
	NotificationPreferences map[string]any   `json:"notification_preferences"`
	Onboarded               *bool            `json:"onboarded"`
}

// apply edits u by the patch.
func (p *accountPatch) apply(u *flux.User) error {
	if p.Name != nil {
		u.Name = strings.TrimSpace(*p.Name)
	}
	if p.Timezone != nil {
		u.Timezone = strings.TrimSpace(*p.Timezone)
	}
	if p.WorkHours != nil {
		u.WorkHours = *p.WorkHours
	}
	if p.SleepWindow != nil {
		u.SleepWindow = *p.SleepWindow
	}
	if p.CutoffHour != nil {
		u.CutoffHour = *p.CutoffHour
	}
	if p.BufferMinutes != nil {
		u.BufferMinutes = *p.BufferMinutes
	}
	if p.DailyCapMinutes != nil {
		u.DailyCapMinutes = *p.DailyCapMinutes
	}
	if len(p.QuietHours) > 0 {
		if string(p.QuietHours) == "null" {
			u.QuietHours = nil
		} else {
			var w flux.TimeWindow
			if err := json.Unmarshal(p.QuietHours, &w); err != nil {
				return flux.Invalid("invalid quiet_hours", flux.FieldError{Field: "quiet_hours", Message: `must be {"start": "HH:MM", "end": "HH:MM"} or null`})
			}
			u.QuietHours = &w
		}
	}
	if p.PhoneNumber != nil {
		n := strings.TrimSpace(*p.PhoneNumber)
		if n != u.PhoneNumber {
			u.PhoneNumber = n
			u.PhoneVerified = false // a new number must be verified again
			u.WhatsAppOptInAt = nil
		}
	}
	if p.Chronotype != nil {
		u.Chronotype = *p.Chronotype
	}
	if p.NotificationPreferences != nil {
		if u.NotificationPreferences == nil {
			u.NotificationPreferences = map[string]any{}
		}
		for k, v := range p.NotificationPreferences {
			if v == nil {
				delete(u.NotificationPreferences, k)
			} else {
				u.NotificationPreferences[k] = v
			}
		}
	}
	if p.Onboarded != nil {
		u.Onboarded = *p.Onboarded
	}
	return nil
}

func (s *Server) accountRoutes() {
	s.handle(Route{Method: "GET", Path: "/api/v1/account/me", Summary: "The caller's account and settings", Tag: "account",
		Response: flux.User{}}, callerJSON(s, http.StatusOK, func(r *http.Request, me *flux.User) (*flux.User, error) {
		return s.store.Users().GetUser(r.Context(), me.ID)
	}))
	s.handle(Route{Method: "PATCH", Path: "/api/v1/account/me", Summary: "Change any subset of the caller's settings", Tag: "account",
		Request: accountPatch{}, Response: flux.User{}}, bodyJSON(s, http.StatusOK, func(r *http.Request, me *flux.User, p accountPatch) (*flux.User, error) {
		return s.store.Users().UpdateUser(r.Context(), me.ID, p.apply)
	}))
	s.handle(Route{Method: "DELETE", Path: "/api/v1/account", Summary: "Delete the caller and everything of theirs", Tag: "account",
		Status: http.StatusNoContent}, callerNoContent(s, func(r *http.Request, me *flux.User) error {
		return s.store.Users().DeleteUser(r.Context(), me.ID)
	}))
	s.handle(Route{Method: "GET", Path: "/api/v1/account/export", Summary: "Everything stored of the caller, as JSON", Tag: "account",
		Response: flux.UserExport{}}, func(w http.ResponseWriter, r *http.Request) error {
		me, err := s.user(r, "")
		if err != nil {
			return err
		}
		x, err := s.store.Users().ExportUser(r.Context(), me.ID)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Disposition", `attachment; filename="flux-export.json"`)
		writeJSON(w, http.StatusOK, x)
		return nil
	})
}
