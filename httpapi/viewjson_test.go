package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// checkViewJSON fails unless appendView encodes v byte for byte as
// encoding/json does, or declines exactly when encoding/json fails.
func checkViewJSON(t *testing.T, v any) {
	t.Helper()
	want, err := json.Marshal(v)
	got, ok := appendView(nil, v)
	if err != nil {
		if ok {
			t.Fatalf("encoding/json fails (%v), appendView gave %s", err, got)
		}
		return
	}
	if !ok {
		t.Fatalf("appendView declined what encoding/json encodes as %s", want)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("appendView:\n%s\nencoding/json:\n%s", got, want)
	}
}

func viewTask(title, other string, at time.Time) flux.Task {
	t := flux.Task{
		ID: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", UserID: "u", Title: title, Description: other,
		Status: flux.TaskScheduled, Priority: flux.PriorityImportant, DurationMinutes: 45,
		TriggerType: flux.TriggerTime, CreatedAt: at, AllowWorkHours: true,
	}
	if other != "" {
		t.GoalID, t.MilestoneID, t.SeriesID = other, other, other
		t.RecurrenceRule, t.LocationTrigger, t.PreferredTime = other, other, other
		t.ScheduledAt, t.Deadline, t.CompletedAt = &at, &at, &at
	}
	return t
}

func TestTaskViewJSONMatchesEncodingJSON(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	times := []time.Time{
		{},
		time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 3, 8, 0, 0, 123456789, berlin),
		time.Date(2026, 6, 1, 23, 59, 59, 1000, time.FixedZone("odd", -(9*3600+30*60+15))),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), // encoding/json refuses it
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),    // and this
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("far", 24*3600)),
	}
	texts := []string{
		"", "Morning run", `quote " and \ backslash`, "<script>&amp;</script>", "tab\tnew\nline\rcr\bbs\fff",
		"\x00\x01\x1f\x7f", "héllo wörld ✓ 🏃", "bad \xff\xfe utf8 \xc3", "line\u2028sep\u2029para", "é\xe2\x80",
	}
	for _, at := range times {
		for _, s := range texts {
			for _, other := range []string{"", s} {
				task := viewTask(s, other, at)
				v := newTaskView(&task)
				checkViewJSON(t, v)
				checkViewJSON(t, []taskView{v, v})
				checkViewJSON(t, taskList{Tasks: []taskView{v}, NextCursor: s})
			}
		}
	}
	checkViewJSON(t, []taskView{})
	checkViewJSON(t, []taskView(nil))
	checkViewJSON(t, taskList{})
	if _, ok := appendView(nil, goalView{}); ok {
		t.Fatal("appendView encoded a view it does not know")
	}
}

// TestWriteJSONFastPath checks the answer writeJSON sends for a task list:
// the same body as encoding/json's, with its length.
func TestWriteJSONFastPath(t *testing.T) {
	task := viewTask("Run <5k>", "x", time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC))
	vs := []taskView{newTaskView(&task)}
	for range 3 { // the second and third use a pooled buffer
		rec := httptest.NewRecorder()
		writeJSON(rec, 201, vs)
		want, _ := json.Marshal(vs)
		want = append(want, '\n')
		if rec.Code != 201 || rec.Header().Get("Content-Type") != "application/json" || !bytes.Equal(rec.Body.Bytes(), want) {
			t.Fatalf("writeJSON: %d %q %s, want %s", rec.Code, rec.Header(), rec.Body, want)
		}
		if got := rec.Header().Get("Content-Length"); got != "" && got != strconv.Itoa(len(want)) {
			t.Fatalf("Content-Length %s, body %d bytes", got, len(want))
		}
	}
	// A time encoding/json refuses gives the generic 500, as before.
	bad := viewTask("x", "", time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC))
	rec := httptest.NewRecorder()
	writeJSON(rec, 200, []taskView{newTaskView(&bad)})
	if rec.Code != 500 {
		t.Fatalf("a year 12000 time: %d %s", rec.Code, rec.Body)
	}
}

func FuzzTaskViewJSON(f *testing.F) {
	f.Add("Run", "", int64(1764748800), int64(0), 3600)
	f.Add("<a href=\"x\">&</a>\u2028", "\xff", int64(-62167219200), int64(999999999), -34200)
	f.Add("\x00\t\n", "goal", int64(253402300800), int64(1), 86400)
	f.Fuzz(func(t *testing.T, title, other string, sec, nsec int64, off int) {
		at := time.Unix(sec, nsec).In(time.FixedZone("z", off%(26*3600)))
		task := viewTask(title, other, at)
		v := newTaskView(&task)
		checkViewJSON(t, []taskView{v})
		checkViewJSON(t, taskList{Tasks: []taskView{v}, NextCursor: other})
	})
}

func BenchmarkWriteJSONTasks(b *testing.B) {
	at := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	vs := make([]taskView, 8)
	for i := range vs {
		task := viewTask("Task at eight", "", at)
		task.ScheduledAt = &at
		vs[i] = newTaskView(&task)
	}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			writeJSON(discardWriter{}, 200, vs)
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			writeJSON(discardWriter{}, 200, struct{ V []taskView }{vs}) // not a fast-path type
		}
	})
}

// discardWriter is a ResponseWriter that keeps nothing.
type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}
