package sqlite

import (
	"context"

	"github.com/fluxlife/flux"
)

const eventColumns = `id, user_id, title, start_at, end_at, created_at`

func scanEvent(sc scanner) (flux.CalendarEvent, error) {
	var (
		e                   flux.CalendarEvent
		start, end, created int64
	)
	if err := sc.Scan(&e.ID, &e.UserID, &e.Title, &start, &end, &created); err != nil {
		return e, err
	}
	e.Start, e.End, e.CreatedAt = fromMicros(start), fromMicros(end), fromMicros(created)
	return e, nil
}

// CreateEvent stores an event.
func (s *stores) CreateEvent(ctx context.Context, e *flux.CalendarEvent) error {
	v := *e
	if err := prepareNew(&v.ID, "calendar event"); err != nil {
		return err
	}
	v.CreatedAt = s.now()
	if err := v.Validate(); err != nil {
		return err
	}
	v.Start, v.End = flux.StoreTime(v.Start), flux.StoreTime(v.End)
	if !v.End.After(v.Start) {
		// Distinct only below the store's precision.
		return flux.Invalid("invalid calendar event", flux.FieldError{Field: "end", Message: "must be after start"})
	}
	if !flux.ValidID(v.UserID) {
		return notFound("user")
	}
	err := s.write(ctx, func(q querier) error {
		if _, err := q.ExecContext(ctx, "INSERT INTO calendar_events ("+eventColumns+") VALUES (?, ?, ?, ?, ?, ?)",
			v.ID, v.UserID, v.Title, micros(v.Start), micros(v.End), micros(v.CreatedAt)); err != nil {
			return insertError("create event", err, "a calendar event with this id already exists")
		}
		return nil
	})
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// GetEvent returns one of the user's events.
func (s *stores) GetEvent(ctx context.Context, userID, id string) (*flux.CalendarEvent, error) {
	if !validIDs(userID, id) {
		return nil, notFound("calendar event")
	}
	e, err := scanEvent(s.r.QueryRowContext(ctx, "SELECT "+eventColumns+" FROM calendar_events WHERE user_id = ? AND id = ?", userID, id))
	if err != nil {
		return nil, rowError("get event", "calendar event", err)
	}
	return &e, nil
}

// ListEvents returns the user's events by Start, then ID; with From and To,
// those that overlap [From, To).
func (s *stores) ListEvents(ctx context.Context, userID string, f flux.EventFilter, p flux.Page) ([]flux.CalendarEvent, string, error) {
	var w where
	w.add("user_id = ?", userID)
	if f.From != nil {
		w.add("end_at > ?", micros(*f.From))
	}
	if f.To != nil {
		w.add("start_at < ?", micros(*f.To))
	}
	if err := oldestFirst(&w, "start_at", p); err != nil {
		return nil, "", err
	}
	if !flux.ValidID(userID) {
		return nil, "", nil
	}
	size := p.Size()
	es, err := queryAll(ctx, s.r, "list events", scanEvent,
		"SELECT "+eventColumns+" FROM calendar_events"+w.String()+" ORDER BY start_at, id LIMIT ?", append(w.args, size+1)...)
	if err != nil {
		return nil, "", err
	}
	es, next := page(es, size, func(e *flux.CalendarEvent) flux.Cursor { return flux.Cursor{Time: e.Start, ID: e.ID} })
	return es, next, nil
}

// DeleteEvent deletes one of the user's events.
func (s *stores) DeleteEvent(ctx context.Context, userID, id string) error {
	return s.deleteOwned(ctx, "calendar_events", "calendar event", userID, id)
}
