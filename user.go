package flux

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// ClockTime is a time of day, minute precision, written "HH:MM" in JSON.
type ClockTime struct {
	Hour   int
	Minute int
}

// ParseClockTime parses "HH:MM" (24-hour clock; "24:00" is accepted as the
// end of a day).
func ParseClockTime(s string) (ClockTime, error) {
	var c ClockTime
	if len(s) != 5 || s[2] != ':' {
		return c, fmt.Errorf("time of day %q: want HH:MM", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &c.Hour, &c.Minute); err != nil {
		return c, fmt.Errorf("time of day %q: want HH:MM", s)
	}
	if c.Hour < 0 || c.Hour > 24 || c.Minute < 0 || c.Minute > 59 || (c.Hour == 24 && c.Minute != 0) {
		return c, fmt.Errorf("time of day %q: out of range", s)
	}
	return c, nil
}

// String returns "HH:MM".
func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

// Minutes returns the minutes since midnight.
func (c ClockTime) Minutes() int { return c.Hour*60 + c.Minute }

// MarshalJSON writes "HH:MM".
func (c ClockTime) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// UnmarshalJSON reads "HH:MM".
func (c *ClockTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("time of day: want a string \"HH:MM\"")
	}
	v, err := ParseClockTime(s)
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// TimeWindow is a daily window between two times of day in the user's time
// zone. End before Start means the window wraps midnight (a sleep window
// 23:00–07:00).
type TimeWindow struct {
	Start ClockTime `json:"start"`
	End   ClockTime `json:"end"`
}

// Wraps reports whether the window crosses midnight.
func (w TimeWindow) Wraps() bool { return w.End.Minutes() < w.Start.Minutes() }

// Contains reports whether the time of day c (minutes since midnight) falls
// inside the window, start inclusive, end exclusive.
func (w TimeWindow) Contains(c ClockTime) bool {
	m, s, e := c.Minutes(), w.Start.Minutes(), w.End.Minutes()
	if s == e {
		return false
	}
	if s < e {
		return m >= s && m < e
	}
	return m >= s || m < e
}

// Weekday names as the API writes them.
var weekdayNames = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// Weekday is a day of the week, written "Mon", "Tue", ... in JSON.
type Weekday time.Weekday

// String returns the three-letter name.
func (d Weekday) String() string {
	if d < 0 || int(d) >= len(weekdayNames) {
		return fmt.Sprintf("Weekday(%d)", int(d))
	}
	return weekdayNames[d]
}

// ParseWeekday reads "Mon" (any case; full names such as "monday" also work).
func ParseWeekday(s string) (Weekday, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	for i, n := range weekdayNames {
		if l == strings.ToLower(n) || l == strings.ToLower(time.Weekday(i).String()) {
			return Weekday(i), nil
		}
	}
	return 0, fmt.Errorf("weekday %q: want Mon, Tue, Wed, Thu, Fri, Sat or Sun", s)
}

// MarshalJSON writes the three-letter name.
func (d Weekday) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a weekday name.
func (d *Weekday) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("weekday: want a string such as \"Mon\"")
	}
	v, err := ParseWeekday(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// WorkHours is when the user works: the same window on each listed weekday.
type WorkHours struct {
	Start ClockTime `json:"start"`
	End   ClockTime `json:"end"`
	Days  []Weekday `json:"days"`
}

// On reports whether the user works on weekday d.
func (w WorkHours) On(d time.Weekday) bool {
	for _, x := range w.Days {
		if time.Weekday(x) == d {
			return true
		}
	}
	return false
}

// Window returns the work window as a TimeWindow.
func (w WorkHours) Window() TimeWindow { return TimeWindow{Start: w.Start, End: w.End} }

// Chronotypes.
const (
	ChronotypeMorning = "morning"
	ChronotypeEvening = "evening"
	ChronotypeNeutral = "neutral"
)

// Defaults of a new user's settings, as the original system had them.
const (
	DefaultTimezone      = "UTC"
	DefaultCutoffHour    = 21
	DefaultBufferMinutes = 15
)

// User is a person using Flux and their settings. Times of day are in the
// user's Timezone.
type User struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	// Timezone is an IANA zone name such as "Europe/Berlin".
	Timezone    string     `json:"timezone"`
	WorkHours   WorkHours  `json:"work_hours"`
	SleepWindow TimeWindow `json:"sleep_window"`
	// CutoffHour is the hour (0–23) after which nothing is scheduled.
	CutoffHour int `json:"cutoff_hour"`
	// BufferMinutes is the gap kept before and after busy time (0–120).
	BufferMinutes int `json:"buffer_minutes"`
	// DailyCapMinutes caps the minutes scheduled per day; 0 means no cap.
	DailyCapMinutes int `json:"daily_cap_minutes"`
	// QuietHours, when set, is a window in which no notification is sent.
	QuietHours *TimeWindow `json:"quiet_hours"`
	// PhoneNumber is in E.164 form ("+4915112345678"), or empty.
	PhoneNumber   string `json:"phone_number"`
	PhoneVerified bool   `json:"phone_verified"`
	// WhatsAppOptInAt is when the user opted in to WhatsApp; nil means not.
	WhatsAppOptInAt *time.Time `json:"whatsapp_opt_in_at"`
	// WhatsAppLastInboundAt is when the user last wrote to Flux on
	// WhatsApp; nil when never. WhatsApp allows free-form messages only
	// within 24 hours of it.
	WhatsAppLastInboundAt *time.Time `json:"whatsapp_last_inbound_at"`
	// EscalationPolicies are the user's own escalation ladders by
	// priority; a priority not listed uses the default ladder.
	EscalationPolicies map[Priority][]PolicyStep `json:"escalation_policies,omitempty"`
	Chronotype         string                    `json:"chronotype"`
	// NotificationPreferences is a free-form object; PATCH merges it shallowly.
	NotificationPreferences map[string]any `json:"notification_preferences"`
	Onboarded               bool           `json:"onboarded"`
	CreatedAt               time.Time      `json:"created_at"`
	UpdatedAt               time.Time      `json:"updated_at"`
}

// NewUser returns a user with the default settings: UTC, work 09:00–18:00
// Monday to Friday, sleep 23:00–07:00, cutoff 21, buffer 15 minutes.
func NewUser(id, email, name string) *User {
	return &User{
		ID:       id,
		Email:    email,
		Name:     name,
		Timezone: DefaultTimezone,
		WorkHours: WorkHours{
			Start: ClockTime{9, 0}, End: ClockTime{18, 0},
			Days: []Weekday{Weekday(time.Monday), Weekday(time.Tuesday), Weekday(time.Wednesday), Weekday(time.Thursday), Weekday(time.Friday)},
		},
		SleepWindow:             TimeWindow{Start: ClockTime{23, 0}, End: ClockTime{7, 0}},
		CutoffHour:              DefaultCutoffHour,
		BufferMinutes:           DefaultBufferMinutes,
		Chronotype:              ChronotypeNeutral,
		NotificationPreferences: DefaultNotificationPreferences(),
	}
}

// DefaultNotificationPreferences returns the preferences a new user starts
// with, as the original system stored them.
func DefaultNotificationPreferences() map[string]any {
	return map[string]any{
		"reminder_lead_minutes":     float64(10),
		"escalation_window_minutes": float64(2),
		"whatsapp_opted_in":         false,
	}
}

// Location returns the user's time zone, as Location does: UTC when it is
// unset, and UTC with a warning when this program's zone database does not
// know it.
func (u *User) Location() *time.Location { return Location(u.Timezone) }

// zones caches loaded time zones: time.LoadLocation reads the zone
// database on every call, and every scheduling decision needs one.
var zones sync.Map // name -> *time.Location

// LoadLocation is time.LoadLocation with a cache. "Local" is refused: a
// server's own zone is no user's.
func LoadLocation(name string) (*time.Location, error) {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	if strings.EqualFold(name, "local") {
		return nil, fmt.Errorf("time zone %q: want an IANA name", name)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, l)
	return l, nil
}

// Location returns the named time zone; an empty name is UTC.
//
// A zone is checked where it is set: User.Validate, which every store runs
// on each write, refuses a name LoadLocation does not know, so a bad zone
// never reaches the store through Flux. A stored name that is unknown here
// all the same means this program's zone database differs from the one
// that accepted it, most often a container without /usr/share/zoneinfo. A
// program embedding Flux should therefore import time/tzdata (cmd/fluxd
// does) or ship the zone database.
//
// For such a name Location returns UTC, so that reads and the user's own
// settings page keep working and the user can correct the zone, but never
// silently: the first time each unknown name is seen it is logged as a
// warning on slog.Default, naming the zone and the remedy. Callers that
// must not guess, such as a zone given in a request, use LoadLocation and
// report its error.
func Location(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	l, err := LoadLocation(name)
	if err != nil {
		if _, seen := unknownZones.LoadOrStore(name, true); !seen {
			unknownZone(name, err)
		}
		return time.UTC
	}
	return l
}

// unknownZones holds the unknown zone names Location has reported.
var unknownZones sync.Map // name -> true

// unknownZone reports a zone name the zone database does not know; a
// variable so that tests can watch it.
var unknownZone = func(name string, err error) {
	slog.Warn("time zone unknown to this program's zone database: using UTC for it; "+
		"import time/tzdata or install the zone database (tzdata), then check the user's timezone setting",
		"timezone", name, "error", err.Error())
}

var (
	e164      = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	emailLike = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
)

// ValidE164 reports whether s is a phone number in E.164 form.
func ValidE164(s string) bool { return e164.MatchString(s) }

// MaskPhone returns a phone number safe to log: all but the last two digits
// replaced ("+49*********67").
func MaskPhone(s string) string {
	if len(s) <= 4 {
		return strings.Repeat("*", len(s))
	}
	return s[:3] + strings.Repeat("*", len(s)-5) + s[len(s)-2:]
}

// Validate checks the user's settings and returns an EInvalid error listing
// every problem.
func (u *User) Validate() error {
	var fs []FieldError
	add := func(field, format string, args ...any) {
		fs = append(fs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if !ValidID(u.ID) {
		add("id", "must be a UUID")
	}
	if u.Email != "" && !emailLike.MatchString(u.Email) {
		add("email", "is not an e-mail address")
	}
	if len(u.Name) > 200 {
		add("name", "is longer than 200 characters")
	}
	if u.Timezone == "" {
		add("timezone", "is required")
	} else if _, err := LoadLocation(u.Timezone); err != nil {
		add("timezone", "%q is not an IANA time zone name", u.Timezone)
	}
	if u.WorkHours.Start.Minutes() >= u.WorkHours.End.Minutes() && len(u.WorkHours.Days) > 0 {
		add("work_hours", "start must be before end")
	}
	seen := map[Weekday]bool{}
	for _, d := range u.WorkHours.Days {
		if d < 0 || d > 6 {
			add("work_hours.days", "unknown weekday %d", int(d))
		} else if seen[d] {
			add("work_hours.days", "%s is listed twice", d)
		}
		seen[d] = true
	}
	if u.SleepWindow.Start == u.SleepWindow.End {
		add("sleep_window", "start and end must differ")
	}
	if u.CutoffHour < 0 || u.CutoffHour > 23 {
		add("cutoff_hour", "must be between 0 and 23")
	}
	if u.BufferMinutes < 0 || u.BufferMinutes > 120 {
		add("buffer_minutes", "must be between 0 and 120")
	}
	if u.DailyCapMinutes < 0 || u.DailyCapMinutes > 24*60 {
		add("daily_cap_minutes", "must be between 0 and 1440")
	}
	if u.QuietHours != nil && u.QuietHours.Start == u.QuietHours.End {
		add("quiet_hours", "start and end must differ")
	}
	for _, p := range slices.Sorted(maps.Keys(u.EscalationPolicies)) {
		if !p.Valid() {
			add("escalation_policies", "unknown priority %q", p)
			continue
		}
		fs = append(fs, ValidatePolicy("escalation_policies."+string(p), u.EscalationPolicies[p])...)
	}
	if u.PhoneNumber != "" && !ValidE164(u.PhoneNumber) {
		add("phone_number", "must be in E.164 form, such as +14155550100")
	}
	switch u.Chronotype {
	case "", ChronotypeMorning, ChronotypeEvening, ChronotypeNeutral:
	default:
		add("chronotype", "must be morning, evening or neutral")
	}
	fs = append(fs, TextErrors("", u)...)
	if len(fs) > 0 {
		return Invalid("invalid user settings", fs...)
	}
	return nil
}
