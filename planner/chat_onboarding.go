package planner

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fluxlife/flux"
)

// Onboarding steps, asked in this order.
const (
	stepName       = "name"
	stepWake       = "wake_time"
	stepSleep      = "sleep_time"
	stepWork       = "work_hours"
	stepChronotype = "chronotype"
	stepTimezone   = "timezone"
	stepPhone      = "phone_number"
	stepWhatsApp   = "whatsapp_opt_in"
)

// onboarding is what a new user has answered so far. Nothing is stored in
// their settings until the last answer: then everything is, at once.
type onboarding struct {
	Step       string          `json:"step"`
	Name       string          `json:"name,omitempty"`
	Wake       *flux.ClockTime `json:"wake,omitempty"`
	Sleep      *flux.ClockTime `json:"sleep,omitempty"`
	Work       *flux.WorkHours `json:"work,omitempty"`
	Chronotype string          `json:"chronotype,omitempty"`
	Timezone   string          `json:"timezone,omitempty"`
	Phone      string          `json:"phone,omitempty"`
	WhatsApp   bool            `json:"whatsapp,omitempty"`
}

// maxNameRunes bounds the name onboarding accepts.
const maxNameRunes = 100

var (
	namePrefixRe  = regexp.MustCompile(`^(hi|hello|hey)?[,!.\s]*(my name is|my name's|name's|i am|i'm|im|it's|its|this is|call me|you can call me|please call me)\s+`)
	firstNameRe   = regexp.MustCompile(`\b(my name is|my name's|call me)\s+(\S.*)$`)
	clockAnswerRe = regexp.MustCompile(`(\d{1,2})(?:[:.h](\d{2}))?\s*(a\.?\s?m\.?|p\.?\s?m\.?)?`)
	noneWorkRe    = regexp.MustCompile(`^(none|no|nope|n/?a|nothing|not working|i don'?t work|i do not work|no set hours|no fixed hours|flexible|it varies|varies|unemployed|retired|between jobs|i'?m (a )?(student|retired|unemployed|freelancer)|i don'?t have (set|fixed|regular) hours)`)
	yesRe         = regexp.MustCompile(`^(yes|yeah|yep|yup|sure|ok|okay|please|y|absolutely|of course|definitely|correct|right|that'?s right|that'?s correct|sounds good)\b`)
	noRe          = regexp.MustCompile(`^(no|nope|nah|n|no thanks|not now|don'?t|do not|never)\b`)
	skipRe        = regexp.MustCompile(`^(skip|no|nope|nah|none|no thanks|not now|later|rather not|i'?d rather not|pass)\b`)
	dayRangeRe    = regexp.MustCompile(`\b(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\s*(?:-|–|to|through|thru|until)\s*(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\b`)
	dayWordRe     = regexp.MustCompile(`\b(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(day|sday|nesday|rsday|urday)?s?\b`)
)

// onboard asks a new user, one question per message, their name, when they
// wake and sleep, their work hours, whether they are a morning or an
// evening person, their time zone, a phone number and whether they want
// WhatsApp reminders; an answer it cannot use is asked again, saying why.
// The last answer stores them all in the user's settings and marks the
// user onboarded, in the message's transaction.
func (c *Chat) onboard(u *flux.User, st *chatState, msg string) *chatTurn {
	ob := st.Onboarding
	t := &chatTurn{node: NodeOnboarding}
	if ob == nil || ob.Step == "" {
		ob = &onboarding{Step: stepName}
		st.Onboarding = ob
		if m := firstNameRe.FindStringSubmatch(strings.ToLower(msg)); m != nil && len(strings.ToLower(msg)) == len(msg) {
			if name, ok := parseName(msg[len(msg)-len(m[2]):]); ok {
				ob.Name, ob.Step = name, stepWake
				t.reply = fmt.Sprintf("Hi %s, I'm Flux, your AI life coach! A few quick questions so I can plan around your life. What time do you usually wake up? (for example 7:00 or 6:30 am)", name)
				return t
			}
		}
		t.reply = "Hi there! I'm Flux, your AI life coach. Before we start, a few quick questions so I can plan around your life. First, what should I call you?"
		return t
	}
	l := normalizeQuotes(strings.ToLower(strings.TrimSpace(msg)))
	switch ob.Step {
	case stepName:
		name, ok := parseName(msg)
		if !ok {
			t.reply = "Sorry, I didn't catch your name. What should I call you?"
			return t
		}
		ob.Name, ob.Step = name, stepWake
		t.reply = fmt.Sprintf("Nice to meet you, %s! What time do you usually wake up? (for example 7:00 or 6:30 am)", name)
	case stepWake:
		ct, ok := parseClock(l, false)
		if !ok {
			t.reply = fmt.Sprintf("Sorry, I couldn't read %q as a time. What time do you usually wake up? For example 7:00 or 6:30 am.", clipRunes(msg, 40))
			return t
		}
		ob.Wake, ob.Step = &ct, stepSleep
		t.reply = "And when do you usually go to sleep? (for example 23:00 or 10:30 pm)"
	case stepSleep:
		ct, ok := parseClock(l, true)
		switch {
		case !ok:
			t.reply = fmt.Sprintf("Sorry, I couldn't read %q as a time. When do you usually go to sleep? For example 23:00 or 10:30 pm.", clipRunes(msg, 40))
			return t
		case ob.Wake != nil && ct == *ob.Wake:
			t.reply = fmt.Sprintf("That's when you wake up (%s). When do you usually go to sleep?", ct)
			return t
		}
		ob.Sleep, ob.Step = &ct, stepWork
		t.reply = "What are your work hours? For example \"9 to 5, Monday to Friday\", or \"none\" if you don't work set hours."
	case stepWork:
		wh, problem := parseWorkHours(l)
		if problem != "" {
			t.reply = problem + " What are your work hours? For example \"9 to 5, Monday to Friday\", or \"none\"."
			return t
		}
		ob.Work, ob.Step = &wh, stepChronotype
		t.reply = "Are you a morning person, an evening person, or somewhere in between?"
	case stepChronotype:
		ct, ok := parseChronotype(l)
		if !ok {
			t.reply = "Sorry, I didn't get that. Are you a morning person, an evening person, or somewhere in between?"
			return t
		}
		ob.Chronotype, ob.Step = ct, stepTimezone
		t.reply = timezoneQuestion(u)
	case stepTimezone:
		tz, ok := parseTimezone(msg, u.Timezone)
		if !ok {
			t.reply = fmt.Sprintf("Sorry, I don't know the time zone %q. Which time zone are you in? An IANA name such as Europe/Berlin or America/New_York, or a city such as London.", clipRunes(msg, 60))
			return t
		}
		ob.Timezone, ob.Step = tz, stepPhone
		t.reply = "What's your mobile number, with the country code (like +14155550100)? I use it for WhatsApp and call reminders about things you must not miss. Say \"skip\" to leave it out."
	case stepPhone:
		if skipRe.MatchString(l) {
			ob.Phone = ""
			return c.finishOnboarding(u, st, t)
		}
		phone, ok := parsePhone(msg)
		if !ok {
			t.reply = "That doesn't look like a phone number with its country code. What's your mobile number, like +14155550100? Or say \"skip\"."
			return t
		}
		ob.Phone, ob.Step = phone, stepWhatsApp
		t.reply = "Can I send you reminders on WhatsApp? (yes or no)"
	case stepWhatsApp:
		switch {
		case yesRe.MatchString(l):
			ob.WhatsApp = true
		case noRe.MatchString(l):
			ob.WhatsApp = false
		default:
			t.reply = "Sorry, was that a yes or a no? Can I send you reminders on WhatsApp?"
			return t
		}
		return c.finishOnboarding(u, st, t)
	default:
		st.Onboarding = &onboarding{Step: stepName}
		t.reply = "Let's start over. What should I call you?"
	}
	return t
}

// timezoneQuestion asks for the user's time zone, or to confirm the one
// they have when it was set (by their browser, say).
func timezoneQuestion(u *flux.User) string {
	if u.Timezone != "" && u.Timezone != flux.DefaultTimezone {
		return fmt.Sprintf("Your time zone is %s. Is that right? Say yes, or tell me yours (like America/New_York or a city such as London).", u.Timezone)
	}
	return "Which time zone are you in? For example Europe/Berlin, America/New_York or Asia/Kolkata; a city such as London works too."
}

// finishOnboarding stores the answers as the user's settings and marks
// them onboarded, in the message's transaction.
func (c *Chat) finishOnboarding(u *flux.User, st *chatState, t *chatTurn) *chatTurn {
	ob := *st.Onboarding
	st.Onboarding = nil
	name := ob.Name
	t.reply = fmt.Sprintf("Great, %s! You're all set. Now, what's the first thing you'd like to work on?", name)
	now := c.svc.clock.Now()
	t.write = func(ctx context.Context, tx flux.Stores, _ *chatTurn) error {
		_, err := tx.Users().UpdateUser(ctx, u.ID, func(x *flux.User) error {
			x.Name = ob.Name
			if ob.Wake != nil && ob.Sleep != nil {
				x.SleepWindow = flux.TimeWindow{Start: *ob.Sleep, End: *ob.Wake}
			}
			if ob.Work != nil {
				x.WorkHours = *ob.Work
			}
			x.Chronotype = ob.Chronotype
			if ob.Timezone != "" {
				x.Timezone = ob.Timezone
			}
			if ob.Phone != x.PhoneNumber {
				x.PhoneNumber = ob.Phone
				x.PhoneVerified = false // a new number must be verified again
				x.WhatsAppOptInAt = nil
			}
			if x.NotificationPreferences == nil {
				x.NotificationPreferences = map[string]any{}
			}
			optIn := ob.WhatsApp && ob.Phone != ""
			x.NotificationPreferences["whatsapp_opted_in"] = optIn
			if optIn && x.WhatsAppOptInAt == nil {
				at := now
				x.WhatsAppOptInAt = &at
			} else if !optIn {
				x.WhatsAppOptInAt = nil
			}
			x.Onboarded = true
			return nil
		})
		if err != nil {
			return fmt.Errorf("onboarding: %w", err)
		}
		return nil
	}
	return t
}

// parseName reads a name from an answer ("I'm Ana", "call me Sam").
func parseName(s string) (string, bool) {
	s = strings.TrimSpace(normalizeQuotes(s))
	if m := namePrefixRe.FindStringIndex(strings.ToLower(s)); m != nil && len(strings.ToLower(s)) == len(s) {
		s = s[m[1]:]
	}
	s = strings.TrimFunc(s, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) || unicode.IsSymbol(r) })
	s = strings.Join(strings.Fields(s), " ")
	if s == "" || utf8.RuneCountInString(s) > maxNameRunes || strings.ContainsAny(s, "@/\\<>{}") {
		return "", false
	}
	letters := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
		}
		if unicode.IsDigit(r) {
			return "", false
		}
	}
	if letters == 0 {
		return "", false
	}
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:], true
}

// parseClock reads a time of day ("7", "6:30 am", "22:30", "noon"). A bare
// hour is read as a wake-up time (morning) or, with evening set, as a
// bedtime (7 to 11 in the evening, 12 as midnight, 1 to 6 in the night).
func parseClock(l string, evening bool) (flux.ClockTime, bool) {
	switch {
	case strings.Contains(l, "midnight"):
		return flux.ClockTime{}, true
	case strings.Contains(l, "noon") || strings.Contains(l, "midday"):
		return flux.ClockTime{Hour: 12}, true
	}
	m := clockAnswerRe.FindStringSubmatch(l)
	if m == nil {
		return flux.ClockTime{}, false
	}
	h, _ := strconv.Atoi(m[1])
	mi := 0
	if m[2] != "" {
		mi, _ = strconv.Atoi(m[2])
	}
	suffix := strings.NewReplacer(".", "", " ", "").Replace(m[3])
	switch {
	case h > 23 || mi > 59:
		return flux.ClockTime{}, false
	case suffix == "am" || suffix == "pm":
		if h < 1 || h > 12 {
			return flux.ClockTime{}, false
		}
		h %= 12
		if suffix == "pm" {
			h += 12
		}
	case h > 12 || (m[2] != "" && len(m[1]) == 2 && m[1][0] == '0'):
		// a 24-hour time: 22:30, 07:00
	case evening && h >= 7 && h <= 11:
		h += 12
	case evening && h == 12:
		h = 0
	}
	return flux.ClockTime{Hour: h, Minute: mi}, true
}

// parseWorkHours reads work hours ("9 to 5", "9am-6pm Mon-Thu", "none").
// It returns a problem to say when it cannot use the answer.
func parseWorkHours(l string) (flux.WorkHours, string) {
	if noneWorkRe.MatchString(l) {
		return flux.WorkHours{Start: flux.ClockTime{Hour: 9}, End: flux.ClockTime{Hour: 17}, Days: []flux.Weekday{}}, ""
	}
	var times []flux.ClockTime
	var suffixed []bool
	text := strings.NewReplacer("noon", "12:00", "midday", "12:00").Replace(l)
	for _, m := range clockAnswerRe.FindAllStringSubmatch(text, -1) {
		h, _ := strconv.Atoi(m[1])
		mi := 0
		if m[2] != "" {
			mi, _ = strconv.Atoi(m[2])
		}
		suffix := strings.NewReplacer(".", "", " ", "").Replace(m[3])
		if h > 23 || mi > 59 || (suffix != "" && (h < 1 || h > 12)) {
			return flux.WorkHours{}, fmt.Sprintf("%q isn't a time of day I can use.", m[0])
		}
		if suffix != "" {
			h %= 12
			if suffix == "pm" {
				h += 12
			}
		}
		times = append(times, flux.ClockTime{Hour: h, Minute: mi})
		suffixed = append(suffixed, suffix != "" || h > 12 || (len(m[1]) == 2 && m[1][0] == '0'))
	}
	if len(times) < 2 {
		return flux.WorkHours{}, "I need a start and an end time."
	}
	start, end := times[0], times[1]
	if !suffixed[0] && start.Hour >= 1 && start.Hour <= 4 {
		start.Hour += 12 // "1 to 9" is an afternoon start
	}
	if !suffixed[1] && end.Minutes() <= start.Minutes() && end.Hour < 12 {
		end.Hour += 12 // "9 to 5" ends at 17:00
	}
	if end.Minutes() <= start.Minutes() {
		return flux.WorkHours{}, fmt.Sprintf("The end (%s) must be after the start (%s) on the same day.", end, start)
	}
	return flux.WorkHours{Start: start, End: end, Days: parseWorkDays(l)}, ""
}

// parseWorkDays reads the days of work hours; Monday to Friday when none
// are named.
func parseWorkDays(l string) []flux.Weekday {
	day := func(s string) time.Weekday {
		for i, n := range []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"} {
			if strings.HasPrefix(s, n) {
				return time.Weekday(i)
			}
		}
		return time.Sunday
	}
	mk := func(ds ...time.Weekday) []flux.Weekday {
		out := make([]flux.Weekday, len(ds))
		for i, d := range ds {
			out[i] = flux.Weekday(d)
		}
		return out
	}
	weekdays := mk(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)
	switch {
	case strings.Contains(l, "every day") || strings.Contains(l, "everyday") || strings.Contains(l, "daily") || strings.Contains(l, "7 days"):
		return mk(time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday)
	case strings.Contains(l, "weekend") && !strings.Contains(l, "weekday"):
		return mk(time.Saturday, time.Sunday)
	}
	if m := dayRangeRe.FindStringSubmatch(l); m != nil {
		from, to := day(m[1]), day(m[2])
		var ds []time.Weekday
		for d := from; ; d = (d + 1) % 7 {
			ds = append(ds, d)
			if d == to || len(ds) == 7 {
				break
			}
		}
		return mk(ds...)
	}
	seen := map[time.Weekday]bool{}
	var ds []time.Weekday
	for _, m := range dayWordRe.FindAllStringSubmatch(l, -1) {
		if d := day(m[1]); !seen[d] {
			seen[d] = true
			ds = append(ds, d)
		}
	}
	if len(ds) == 0 {
		return weekdays
	}
	return mk(ds...)
}

// parseChronotype reads morning, evening or neutral.
func parseChronotype(l string) (string, bool) {
	has := func(ws ...string) bool {
		for _, w := range ws {
			if strings.Contains(l, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("between", "neither", "both", "neutral", "depends", "no preference", "not sure", "middle", "either", "mix"):
		return flux.ChronotypeNeutral, true
	case has("morning", "early", "lark", "sunrise", "am person"):
		return flux.ChronotypeMorning, true
	case has("evening", "night", "owl", "late", "pm person"):
		return flux.ChronotypeEvening, true
	}
	return "", false
}

// zoneAreas are the IANA areas a bare city name is looked up in.
var zoneAreas = []string{"Europe", "America", "Asia", "Africa", "Australia", "Pacific", "Atlantic", "Indian", "Antarctica"}

// parseTimezone reads an IANA time zone name in any case ("europe/berlin"),
// a city of the zone database ("New York"), UTC or GMT, or a yes keeping
// current when it was set.
func parseTimezone(s, current string) (string, bool) {
	s = strings.TrimSpace(strings.TrimRight(s, ".!"))
	l := strings.ToLower(normalizeQuotes(s))
	if yesRe.MatchString(l) && current != "" && current != flux.DefaultTimezone {
		return current, true
	}
	switch l {
	case "utc", "gmt", "z", "zulu", "etc/utc":
		return "UTC", true
	}
	if utf8.RuneCountInString(s) > 64 || s == "" {
		return "", false
	}
	try := func(name string) (string, bool) {
		if name == "" || strings.EqualFold(name, "local") {
			return "", false
		}
		if _, err := flux.LoadLocation(name); err != nil {
			return "", false
		}
		return name, true
	}
	if strings.Contains(s, "/") {
		if tz, ok := try(s); ok {
			return tz, true
		}
		parts := strings.Split(s, "/")
		for i, p := range parts {
			parts[i] = zoneWord(p)
		}
		return try(strings.Join(parts, "/"))
	}
	city := zoneWord(s)
	for _, area := range zoneAreas {
		if tz, ok := try(area + "/" + city); ok {
			return tz, true
		}
	}
	return "", false
}

// zoneWord spells a part of a zone name as the zone database does: words
// capitalised and joined by underscores ("new york" → "New_York").
func zoneWord(s string) string {
	fs := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ' ' || r == '_' })
	for i, f := range fs {
		r, size := utf8.DecodeRuneInString(f)
		fs[i] = string(unicode.ToUpper(r)) + f[size:]
	}
	return strings.Join(fs, "_")
}

// parsePhone reads a phone number in E.164 form, allowing spaces, dashes,
// dots and parentheses, and 00 for the +.
func parsePhone(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == '+' && b.Len() == 0:
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	n := b.String()
	if strings.HasPrefix(n, "00") {
		n = "+" + n[2:]
	}
	return n, flux.ValidE164(n)
}
