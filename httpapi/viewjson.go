package httpapi

import (
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// The task views are the largest and most often sent answers (today's
// tasks, the task list). writeJSON encodes them here, without reflection
// and without a value per time or per optional string, byte for byte as
// encoding/json would (TestTaskViewJSONMatchesEncodingJSON,
// FuzzTaskViewJSON). Every other value goes through encoding/json.

// appendView appends v's JSON when v is one of the views encoded here.
// ok is false for any other value, and for a time encoding/json would
// refuse (a year outside 0–9999), which encoding/json then reports.
func appendView(b []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case []taskView:
		return appendTaskViews(b, v)
	case taskList:
		var ok bool
		b = append(b, `{"tasks":`...)
		b, ok = appendTaskViews(b, v.Tasks)
		b = append(b, `,"next_cursor":`...)
		b = appendJSONString(b, v.NextCursor)
		return append(b, '}'), ok
	case taskView:
		return appendTaskView(b, &v)
	}
	return b, false
}

func appendTaskViews(b []byte, vs []taskView) ([]byte, bool) {
	if vs == nil {
		return append(b, "null"...), true
	}
	b = append(b, '[')
	ok := true
	for i := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		var good bool
		b, good = appendTaskView(b, &vs[i])
		ok = ok && good
	}
	return append(b, ']'), ok
}

// appendTaskView appends v's fields in taskView's order, under its JSON
// names.
func appendTaskView(b []byte, v *taskView) ([]byte, bool) {
	ok := true
	t := func(b []byte, p *time.Time) []byte {
		if p == nil {
			return append(b, "null"...)
		}
		var good bool
		b, good = appendJSONTime(b, *p)
		ok = ok && good
		return b
	}
	b = append(b, `{"id":`...)
	b = appendJSONString(b, v.ID)
	b = append(b, `,"goal_id":`...)
	b = appendOptString(b, v.GoalID)
	b = append(b, `,"milestone_id":`...)
	b = appendOptString(b, v.MilestoneID)
	b = append(b, `,"title":`...)
	b = appendJSONString(b, v.Title)
	b = append(b, `,"description":`...)
	b = appendJSONString(b, v.Description)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(v.Status))
	b = append(b, `,"priority":`...)
	b = appendJSONString(b, string(v.Priority))
	b = append(b, `,"duration_minutes":`...)
	b = strconv.AppendInt(b, int64(v.DurationMinutes), 10)
	b = append(b, `,"scheduled_at":`...)
	b = t(b, v.ScheduledAt)
	b = append(b, `,"deadline":`...)
	b = t(b, v.Deadline)
	b = append(b, `,"recurrence_rule":`...)
	b = appendOptString(b, v.RecurrenceRule)
	b = append(b, `,"series_id":`...)
	b = appendOptString(b, v.SeriesID)
	b = append(b, `,"trigger_type":`...)
	b = appendJSONString(b, v.TriggerType)
	b = append(b, `,"location_trigger":`...)
	b = appendOptString(b, v.LocationTrigger)
	b = append(b, `,"allow_work_hours":`...)
	b = strconv.AppendBool(b, v.AllowWorkHours)
	b = append(b, `,"preferred_time":`...)
	b = appendOptString(b, v.PreferredTime)
	b = append(b, `,"completed_at":`...)
	b = t(b, v.CompletedAt)
	b = append(b, `,"created_at":`...)
	b = t(b, &v.CreatedAt)
	return append(b, '}'), ok
}

func appendOptString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

// appendJSONTime appends t as time.Time's MarshalJSON does (RFC 3339 with
// nanoseconds, quoted). ok is false where MarshalJSON fails: a year
// outside 0–9999 or a zone offset of a day or more.
func appendJSONTime(b []byte, t time.Time) ([]byte, bool) {
	if y := t.Year(); y < 0 || y > 9999 {
		return b, false
	}
	if _, off := t.Zone(); off <= -24*60*60 || off >= 24*60*60 {
		return b, false
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), true
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json quotes a string: with
// HTML's <, > and & escaped, invalid UTF-8 replaced by U+FFFD, and U+2028
// and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// viewBufs holds buffers for appendView; one larger than maxPooledView is
// left to the garbage collector.
var viewBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

const maxPooledView = 64 << 10
