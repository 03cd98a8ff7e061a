package flux_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/google/go-cmp/cmp"
)

func TestClockTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"09:00", "09:00", true}, {"23:59", "23:59", true}, {"24:00", "24:00", true}, {"00:00", "00:00", true},
		{"24:01", "", false}, {"9:00", "", false}, {"09:60", "", false}, {"ab:cd", "", false}, {"", "", false}, {"-1:00", "", false},
	} {
		c, err := flux.ParseClockTime(tc.in)
		if (err == nil) != tc.ok || tc.ok && c.String() != tc.want {
			t.Errorf("ParseClockTime(%q) = %v, %v", tc.in, c, err)
		}
	}
	var w flux.TimeWindow
	if err := json.Unmarshal([]byte(`{"start":"23:00","end":"07:00"}`), &w); err != nil {
		t.Fatal(err)
	}
	if !w.Wraps() {
		t.Error("23:00–07:00 does not wrap")
	}
	for m, want := range map[string]bool{"23:00": true, "02:00": true, "06:59": true, "07:00": false, "12:00": false, "22:59": false} {
		c, _ := flux.ParseClockTime(m)
		if w.Contains(c) != want {
			t.Errorf("sleep window contains %s = %v", m, !want)
		}
	}
	if err := json.Unmarshal([]byte(`{"start":"25:00","end":"07:00"}`), &w); err == nil {
		t.Error("25:00 accepted")
	}
}

func TestWeekday(t *testing.T) {
	t.Parallel()
	var days []flux.Weekday
	if err := json.Unmarshal([]byte(`["Mon","tuesday","SUN"]`), &days); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(days)
	if string(b) != `["Mon","Tue","Sun"]` {
		t.Fatalf("round trip = %s", b)
	}
	if err := json.Unmarshal([]byte(`["Funday"]`), &days); err == nil {
		t.Error("Funday accepted")
	}
	wh := flux.WorkHours{Days: days}
	if !wh.On(time.Monday) || wh.On(time.Wednesday) {
		t.Error("WorkHours.On is wrong")
	}
}

func TestUserValidate(t *testing.T) {
	t.Parallel()
	u := flux.NewUser(flux.NewID(), "a@example.com", "A")
	if err := u.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	u.Timezone = "Mars/Base"
	u.CutoffHour = 30
	u.PhoneNumber = "12345"
	err := u.Validate()
	var fe *flux.Error
	if !errors.As(err, &fe) || fe.Code != flux.EInvalid {
		t.Fatalf("Validate = %v", err)
	}
	var fields []string
	for _, f := range fe.Fields {
		fields = append(fields, f.Field)
	}
	if d := cmp.Diff([]string{"timezone", "cutoff_hour", "phone_number"}, fields); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}
	if loc := (&flux.User{Timezone: "Europe/Berlin"}).Location(); loc.String() != "Europe/Berlin" {
		t.Errorf("Location = %v", loc)
	}
	if got := flux.MaskPhone("+4915112345678"); strings.Contains(got, "1234") || !strings.HasSuffix(got, "78") {
		t.Errorf("MaskPhone = %q", got)
	}
}

func TestIDs(t *testing.T) {
	t.Parallel()
	a, b := flux.NewID(), flux.NewID()
	if !flux.ValidID(a) || a == b || a > b {
		t.Fatalf("NewID: %q then %q", a, b)
	}
	for _, bad := range []string{"", "x", strings.ToUpper(a), a + "0", "../etc/passwd"} {
		if flux.ValidID(bad) {
			t.Errorf("ValidID(%q)", bad)
		}
	}
}

func TestCursor(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 29, 1, 30, 0, 123456789, time.FixedZone("X", 3600))
	c := flux.Cursor{Time: at, ID: flux.NewID()}
	got, err := flux.DecodeCursor(flux.EncodeCursor(c))
	if err != nil || !got.Time.Equal(flux.StoreTime(at)) || got.ID != c.ID || got.Null {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	n, err := flux.DecodeCursor(flux.EncodeCursor(flux.Cursor{Null: true, ID: c.ID}))
	if err != nil || !n.Null {
		t.Fatalf("null cursor: %+v %v", n, err)
	}
	for _, bad := range []string{"", "!!!", "e30", flux.EncodeCursor(flux.Cursor{ID: "nope"})} {
		if _, err := flux.DecodeCursor(bad); !flux.IsCode(err, flux.EInvalid) {
			t.Errorf("DecodeCursor(%q) = %v", bad, err)
		}
	}
	if (flux.Page{}).Size() != 50 || (flux.Page{Limit: 1000}).Size() != 200 || (flux.Page{Limit: 7}).Size() != 7 {
		t.Error("Page.Size")
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	wrapped := fmt.Errorf("loading: %w", flux.NotFound("goal"))
	if flux.ErrorCode(wrapped) != flux.ENotFound || flux.ErrorMessage(wrapped) != "goal not found" {
		t.Errorf("wrapped: %q %q", flux.ErrorCode(wrapped), flux.ErrorMessage(wrapped))
	}
	if flux.ErrorCode(io.EOF) != flux.EInternal || flux.ErrorMessage(io.EOF) != "Internal server error" {
		t.Error("a plain error must be internal with a generic message")
	}
	e := flux.Errorf(flux.EConflict, "slot taken: %w", io.ErrClosedPipe)
	if !errors.Is(e, io.ErrClosedPipe) || e.Code != flux.EConflict {
		t.Errorf("Errorf does not wrap: %v", e)
	}
	if flux.ErrorCode(nil) != "" {
		t.Error("nil has a code")
	}
}

func TestTaskLegacyView(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)
	task := flux.Task{ID: flux.NewID(), Title: "Gym", Status: flux.TaskDrifted, Priority: flux.PriorityMustNotMiss,
		DurationMinutes: 60, ScheduledAt: &start, TriggerType: flux.TriggerTime, RecurrenceRule: "FREQ=WEEKLY"}
	l := task.Legacy()
	if l.State != "drifted" || l.Priority != "must-not-miss" || !l.EndTime.Equal(start.Add(time.Hour)) || !l.IsRecurring || l.GoalID != nil {
		t.Fatalf("legacy = %+v", l)
	}
	for s, want := range map[flux.TaskStatus]string{flux.TaskDone: "completed", flux.TaskPending: "scheduled", flux.TaskScheduled: "scheduled",
		flux.TaskMissed: "missed", flux.TaskCancelled: "missed", flux.TaskRescheduled: "drifted"} {
		task.Status = s
		if got := task.LegacyState(); got != want {
			t.Errorf("%s -> %s, want %s", s, got, want)
		}
	}
	if p, err := flux.ParsePriority("must-not-miss"); err != nil || p != flux.PriorityMustNotMiss {
		t.Errorf("ParsePriority: %v %v", p, err)
	}
	task.Title = ""
	task.DurationMinutes = 0
	task.TriggerType = flux.TriggerLocation
	var fe *flux.Error
	if err := task.Validate(); !errors.As(err, &fe) || len(fe.Fields) != 3 {
		t.Errorf("Validate = %v", err)
	}
}

func ExampleUser_Location() {
	u := flux.NewUser(flux.NewID(), "ada@example.com", "Ada")
	u.Timezone = "Europe/Berlin"
	fmt.Println(time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC).In(u.Location()).Format("15:04 MST"))
	// Output: 14:00 CEST
}

func ExampleErrorMessage() {
	err := fmt.Errorf("saving: %w", flux.Invalid("invalid task", flux.FieldError{Field: "title", Message: "is required"}))
	fmt.Println(flux.ErrorCode(err), "-", flux.ErrorMessage(err))
	fmt.Println(flux.ErrorMessage(io.ErrUnexpectedEOF))
	// Output:
	// invalid - invalid task
	// Internal server error
}

func TestLocation(t *testing.T) {
	t.Parallel()
	if l := flux.Location("Europe/Berlin"); l.String() != "Europe/Berlin" || flux.Location("Europe/Berlin") != l {
		t.Errorf("Location(Europe/Berlin) = %v, not cached", l)
	}
	for _, name := range []string{"", "Mars/Base", "Local", "local"} {
		if l := flux.Location(name); l != time.UTC {
			t.Errorf("Location(%q) = %v, want UTC", name, l)
		}
	}
}

// TestLocationReportsUnknownZone: a stored zone the zone database does not
// know is read as UTC, but reported, once per name.
func TestLocationReportsUnknownZone(t *testing.T) {
	var reported []string
	defer flux.SetUnknownZoneHook(func(name string, err error) {
		if err == nil {
			t.Errorf("%s reported without an error", name)
		}
		reported = append(reported, name)
	})()
	for _, name := range []string{"Atlantis/Capital", "", "Europe/Berlin", "Atlantis/Capital", "Atlantis/Harbour"} {
		flux.Location(name)
	}
	if d := cmp.Diff([]string{"Atlantis/Capital", "Atlantis/Harbour"}, reported); d != "" {
		t.Errorf("reported (-want +got):\n%s", d)
	}
	if _, err := flux.LoadLocation("Local"); err == nil {
		t.Error("LoadLocation(Local) accepted")
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  *flux.Error
		want string
	}{
		{flux.Invalid("", flux.FieldError{Field: "busy[0].kind", Message: "is required"}), "invalid: busy[0].kind: is required"},
		{flux.Invalid("invalid busy", flux.FieldError{Field: "busy[0].kind", Message: "is required"}, flux.FieldError{Field: "busy[1].end", Message: "is before start"}),
			"invalid: invalid busy: busy[0].kind: is required; busy[1].end: is before start"},
		{&flux.Error{Code: flux.EUnavailable, Message: "pinecone is unavailable", Err: io.ErrUnexpectedEOF}, "unavailable: pinecone is unavailable: unexpected EOF"},
		{flux.NotFound("goal"), "not_found: goal not found"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
	if got := flux.ErrorMessage(flux.Invalid("", flux.FieldError{Field: "title", Message: "is required"})); got != "title: is required" {
		t.Errorf("ErrorMessage of an invalid error with fields only = %q", got)
	}
}

func TestErrorfKeepsCauseOutOfMessage(t *testing.T) {
	t.Parallel()
	secret := errors.New(`dial tcp 10.0.0.7:5432: password authentication failed for user "flux"`)
	for _, tc := range []struct {
		err     *flux.Error
		message string
	}{
		{flux.Errorf(flux.EUnavailable, "the store is unavailable: %w", secret), "the store is unavailable"},
		{flux.Errorf(flux.EConflict, "slot taken: %w", io.ErrClosedPipe), "slot taken"},
		{flux.Errorf(flux.EInvalid, "task %s: %w", "t1", flux.Invalid("bad rule")), "task t1: bad rule"},
		{flux.Errorf(flux.EInvalid, "task %s: %w", "t1", flux.Errorf(flux.EInternal, "boom")), "task t1"},
		{flux.Errorf(flux.EUnavailable, "%w", fmt.Errorf("wrapped: %w", secret)), ""},
	} {
		if tc.err.Message != tc.message {
			t.Errorf("Message = %q, want %q", tc.err.Message, tc.message)
		}
		if strings.Contains(tc.err.Message, "password") || strings.Contains(flux.ErrorMessage(tc.err), "password") {
			t.Errorf("the cause's text leaked into the message: %q", tc.err.Message)
		}
		if tc.err.Err == nil || !strings.Contains(tc.err.Error(), tc.err.Err.Error()) {
			t.Errorf("Error() = %q does not end with the cause", tc.err.Error())
		}
	}
	if e := flux.Errorf(flux.EUnavailable, "down: %w", secret); !errors.Is(e, secret) {
		t.Error("Errorf does not wrap the cause")
	}
}
