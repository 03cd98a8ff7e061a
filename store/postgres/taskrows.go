package postgres

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/fluxlife/flux"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Task lists are the store's most frequent reads (today's tasks, the
// timeline, a goal's tasks, the scheduler's busy time). collectTasks
// decodes their rows from the wire values of taskCols itself, instead of
// through pgx's Scan, which builds a scan plan per column on every query
// and boxes every value: a list of 8 tasks went from about 130 allocations
// to about 30. It decodes only the binary formats pgx asks for under its
// default (prepared) query mode; under the simple protocol (text values),
// or for a value out of time.Time's range, it falls back to scanTask, so
// the result and the errors are pgx's (TestTaskRowsMatchScan).

// taskColTypes are the types of taskCols' columns, in order.
var taskColTypes = [...]uint32{
	pgtype.UUIDOID, pgtype.UUIDOID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID,
	pgtype.TextOID, pgtype.TextOID, pgtype.Int4OID, pgtype.TimestamptzOID, pgtype.TimestamptzOID, pgtype.TimestamptzOID,
	pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.Int4OID, pgtype.TextOID, pgtype.TextOID,
	pgtype.BoolOID, pgtype.TimestamptzOID, pgtype.TimestamptzOID, pgtype.TimestamptzOID,
}

// collectTasks runs a query selecting taskCols and returns its tasks.
func collectTasks(ctx context.Context, q querier, op, sql string, a ...any) ([]flux.Task, error) {
	rows, err := q.Query(ctx, sql, a...)
	if err != nil {
		return nil, mapErr(op, err)
	}
	defer rows.Close()
	fast := binaryTaskCols(rows.FieldDescriptions())
	var d taskDecoder
	out := []flux.Task{}
	for rows.Next() {
		if fast {
			out = append(out, flux.Task{})
			if d.decode(rows.RawValues(), &out[len(out)-1]) {
				continue
			}
			out = out[:len(out)-1]
		}
		t, err := scanTask(rows)
		if err != nil {
			return nil, mapErr(op, err)
		}
		out = append(out, *t)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(op, err)
	}
	return out, nil
}

// binaryTaskCols reports whether fds are taskCols' columns in the binary
// format, as taskDecoder reads them.
func binaryTaskCols(fds []pgconn.FieldDescription) bool {
	if len(fds) != len(taskColTypes) {
		return false
	}
	for i, fd := range fds {
		if fd.DataTypeOID != taskColTypes[i] || (fd.Format != pgtype.BinaryFormatCode && fd.DataTypeOID != pgtype.TextOID) {
			return false
		}
	}
	return true
}

// taskDecoder decodes task rows. Within one query it reuses the string of
// a column whose bytes repeat the row before's (the user id, a status, a
// goal id), so only the new text of a row is allocated.
type taskDecoder struct {
	last [len(taskColTypes)]string
	ok   bool
}

// decode decodes one row of binaryTaskCols' columns into t. It is false,
// with t partly written, for a value it does not decode (an unexpected
// NULL or length, a time outside time.Time's range).
func (d *taskDecoder) decode(v [][]byte, t *flux.Task) bool {
	if len(v) != len(taskColTypes) {
		return false
	}
	d.ok = true
	t.ID = d.uuid(v, 0)
	t.UserID = d.uuid(v, 1)
	t.GoalID = d.text(v, 2)
	t.MilestoneID = d.text(v, 3)
	t.Title = d.text(v, 4)
	t.Description = d.text(v, 5)
	t.Status = flux.TaskStatus(d.text(v, 6))
	t.Priority = flux.Priority(d.text(v, 7))
	t.DurationMinutes = d.int4(v, 8)
	t.ScheduledAt = d.optTime(v, 9)
	t.Deadline = d.optTime(v, 10)
	t.EarliestStart = d.optTime(v, 11)
	t.PreferredTime = d.text(v, 12)
	t.RecurrenceRule = d.text(v, 13)
	t.SeriesID = d.text(v, 14)
	t.Occurrence = d.int4(v, 15)
	t.TriggerType = flux.TriggerType(d.text(v, 16))
	t.LocationTrigger = d.text(v, 17)
	t.AllowWorkHours = d.boolean(v, 18)
	t.CompletedAt = d.optTime(v, 19)
	t.CreatedAt = d.time(v, 20)
	t.UpdatedAt = d.time(v, 21)
	return d.ok
}

// text is column i's text; a NULL is refused (taskCols coalesces the
// nullable ones).
func (d *taskDecoder) text(v [][]byte, i int) string {
	b := v[i]
	if b == nil {
		d.ok = false
		return ""
	}
	if string(b) != d.last[i] {
		d.last[i] = string(b)
	}
	return d.last[i]
}

// uuid is column i's uuid in its canonical text form, as pgx gives it.
func (d *taskDecoder) uuid(v [][]byte, i int) string {
	b := v[i]
	if len(b) != 16 {
		d.ok = false
		return ""
	}
	var s [36]byte
	hex.Encode(s[0:8], b[:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	if string(s[:]) != d.last[i] {
		d.last[i] = string(s[:])
	}
	return d.last[i]
}

func (d *taskDecoder) int4(v [][]byte, i int) int {
	if len(v[i]) != 4 {
		d.ok = false
		return 0
	}
	return int(int32(binary.BigEndian.Uint32(v[i])))
}

func (d *taskDecoder) boolean(v [][]byte, i int) bool {
	if len(v[i]) != 1 {
		d.ok = false
		return false
	}
	return v[i][0] == 1
}

// The range pgx scans a timestamptz into a time.Time in; outside it
// (infinity included) the row goes to pgx, which reports it. They are
// pgx's own bounds.
var (
	minTaskTime = time.Date(-4713, 11, 24, 0, 0, 0, 0, time.UTC)
	endTaskTime = time.Date(294277, 1, 1, 0, 0, 0, 0, time.UTC)
)

// microsecFromUnixEpochToY2K is 2000-01-01, PostgreSQL's epoch, in
// microseconds since 1970-01-01.
const microsecFromUnixEpochToY2K = 946684800 * 1_000_000

// optTime is column i's time, nil for NULL.
func (d *taskDecoder) optTime(v [][]byte, i int) *time.Time {
	if v[i] == nil {
		return nil
	}
	p := new(time.Time)
	*p = d.time(v, i)
	return p
}

// time is column i's time in UTC, as pgx scans it with the codec
// registerTypes installs; a NULL is refused.
func (d *taskDecoder) time(v [][]byte, i int) time.Time {
	b := v[i]
	if len(b) != 8 {
		d.ok = false
		return time.Time{}
	}
	us := int64(binary.BigEndian.Uint64(b))
	t := time.Unix(microsecFromUnixEpochToY2K/1_000_000+us/1_000_000,
		(microsecFromUnixEpochToY2K%1_000_000*1_000)+(us%1_000_000*1_000)).UTC()
	if t.Before(minTaskTime) || !t.Before(endTaskTime) {
		d.ok = false
	}
	return t
}
