package postgres

import (
	"context"

	"github.com/fluxlife/flux"
	"github.com/jackc/pgx/v5"
)

const eventCols = `id, user_id, title, start_at, end_at, created_at`

func scanEvent(r pgx.Row) (*flux.CalendarEvent, error) {
	var e flux.CalendarEvent
	if err := r.Scan(&e.ID, &e.UserID, &e.Title, &e.Start, &e.End, &e.CreatedAt); err != nil {
		return nil, err
	}
	return &e, nil
}

var eventList = list[flux.CalendarEvent]{
	op: "list events", table: "calendar_events", cols: eventCols, col: "start_at",
	scan: scanEvent,
	key:  func(e *flux.CalendarEvent) flux.Cursor { return flux.Cursor{Time: e.Start, ID: e.ID} },
}

// CreateEvent stores an event.
func (d *db) CreateEvent(ctx context.Context, e *flux.CalendarEvent) error {
	v := *e
	if err := v.Validate(); err != nil {
		return err
	}
	var fs fieldErrs
	checkID(&v.ID, &fs, "id")
	if err := fs.err("invalid calendar event"); err != nil {
		return err
	}
	if !flux.ValidID(v.UserID) {
		return notFound("user")
	}
	v.Start, v.End = flux.StoreTime(v.Start), flux.StoreTime(v.End)
	if !v.End.After(v.Start) {
		// Apart by less than the stored precision.
		return flux.Invalid("invalid calendar event", flux.FieldError{Field: "end", Message: "must be after start"})
	}
	v.CreatedAt = d.now()
	if _, err := d.q.Exec(ctx, `INSERT INTO calendar_events (`+eventCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		v.ID, v.UserID, v.Title, v.Start, v.End, v.CreatedAt); err != nil {
		return mapErr("create event", err)
	}
	*e = v
	return nil
}

// GetEvent returns one of the user's events.
func (d *db) GetEvent(ctx context.Context, userID, id string) (*flux.CalendarEvent, error) {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return nil, notFound("event")
	}
	return one(ctx, d.q, "get event", "event", scanEvent,
		`SELECT `+eventCols+` FROM calendar_events WHERE user_id = $1 AND id = $2`, userID, id)
}

// ListEvents returns the user's events by start, then id.
func (d *db) ListEvents(ctx context.Context, userID string, f flux.EventFilter, p flux.Page) ([]flux.CalendarEvent, string, error) {
	if !flux.ValidID(userID) {
		return emptyList[flux.CalendarEvent](p)
	}
	var a args
	cs := conds{"user_id = " + a.add(userID)}
	// Stored times are whole microseconds: compared with them, a bound
	// with a finer part acts as the next microsecond (start < To) or the
	// microsecond before it (end > From).
	if f.To != nil {
		cs = append(cs, "start_at < "+a.add(ceilMicro(*f.To)))
	}
	if f.From != nil {
		cs = append(cs, "end_at > "+a.add(flux.StoreTime(*f.From)))
	}
	return eventList.run(ctx, d.q, cs, a, p)
}

// DeleteEvent deletes one of the user's events.
func (d *db) DeleteEvent(ctx context.Context, userID, id string) error {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return notFound("event")
	}
	return deleteOne(ctx, d.q, "delete event", "event", `DELETE FROM calendar_events WHERE user_id = $1 AND id = $2`, userID, id)
}
