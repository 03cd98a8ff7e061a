package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/fluxlife/flux"
)

// eventView is a calendar event as API.md shows it.
type eventView struct {
	ID    string    `json:"id"`
	Title string    `json:"title"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

func newEventView(e *flux.CalendarEvent) eventView {
	return eventView{ID: e.ID, Title: e.Title, Start: e.Start, End: e.End}
}

// eventCreate is the body of POST /api/v1/calendar/events: busy time the
// scheduler keeps free, with RFC 3339 start and end.
type eventCreate struct {
	Title string  `json:"title"`
	Start *string `json:"start"`
	End   *string `json:"end"`
}

// eventList is a page of events.
type eventList struct {
	Events     []eventView `json:"events"`
	NextCursor string      `json:"next_cursor"`
}

// maxEventDays caps the length of one calendar event.
const maxEventDays = 31

func (s *Server) calendarRoutes() {
	s.handle(Route{Method: "POST", Path: "/api/v1/calendar/events", Summary: "Add a fixed commitment: busy time the scheduler keeps free", Tag: "calendar",
		Request: eventCreate{}, Response: eventView{}, Status: http.StatusCreated}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var body eventCreate
		if err := decode(w, r, &body); err != nil {
			return err
		}
		var fs fieldErrs
		e := &flux.CalendarEvent{UserID: u.ID, Title: strings.TrimSpace(body.Title)}
		if t := fs.timeField("start", body.Start); t != nil {
			e.Start = *t
		}
		if t := fs.timeField("end", body.End); t != nil {
			e.End = *t
		}
		switch {
		case e.Title == "":
			fs.add("title", "is required")
		case len([]rune(e.Title)) > 500:
			fs.add("title", "is longer than 500 characters")
		}
		if body.Start == nil {
			fs.add("start", "is required")
		}
		if body.End == nil {
			fs.add("end", "is required")
		}
		if !e.Start.IsZero() && (e.Start.Year() < 1970 || e.Start.Year() > 9000) {
			fs.add("start", "must be between the years 1970 and 9000")
		}
		if !e.Start.IsZero() && !e.End.IsZero() {
			switch d := e.End.Sub(e.Start); {
			case d <= 0:
				fs.add("end", "must be after start")
			case d > maxEventDays*24*time.Hour:
				fs.add("end", "the event is longer than %d days", maxEventDays)
			}
		}
		if err := fs.err("invalid calendar event"); err != nil {
			return err
		}
		if err := s.store.Calendar().CreateEvent(r.Context(), e); err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, newEventView(e))
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/api/v1/calendar/events", Summary: "The caller's calendar events overlapping [from, to), by start", Tag: "calendar",
		Response: eventList{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var fs fieldErrs
		f := flux.EventFilter{From: queryTime(r, "from", &fs), To: queryTime(r, "to", &fs)}
		p := queryPage(r, &fs)
		if err := fs.err("invalid query"); err != nil {
			return err
		}
		evs, next, err := s.store.Calendar().ListEvents(r.Context(), u.ID, f, p)
		if err != nil {
			return err
		}
		out := eventList{Events: make([]eventView, 0, len(evs)), NextCursor: next}
		for i := range evs {
			out.Events = append(out.Events, newEventView(&evs[i]))
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/api/v1/calendar/events/{id}", Summary: "One of the caller's calendar events", Tag: "calendar",
		Response: eventView{}}, callerJSON(s, http.StatusOK, func(r *http.Request, u *flux.User) (eventView, error) {
		e, err := s.store.Calendar().GetEvent(r.Context(), u.ID, r.PathValue("id"))
		if err != nil {
			return eventView{}, err
		}
		return newEventView(e), nil
	}))
	s.handle(Route{Method: "DELETE", Path: "/api/v1/calendar/events/{id}", Summary: "Delete one of the caller's calendar events", Tag: "calendar",
		Status: http.StatusNoContent}, callerNoContent(s, func(r *http.Request, u *flux.User) error {
		return s.store.Calendar().DeleteEvent(r.Context(), u.ID, r.PathValue("id"))
	}))
}
