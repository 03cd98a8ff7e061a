package voice

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/scheduler"
	"github.com/teambition/rrule-go"
)

// Natural-language times.
//
// No maintained Go library for spoken time phrases was available to this
// project, so this file holds a small parser for the phrases a voice agent
// passes on: "at 7pm", "tomorrow morning", "next Friday at 3", "in 2 hours",
// "19:30", "March 15", ISO timestamps, and recurrences such as "every weekday
// at 8", "every Monday and Thursday", "daily", "weekly" and "3 times a week",
// which become an RFC 5545 RRULE (checked with rrule-go). Everything is
// computed in the user's time zone from a given "now", with wall-clock
// arithmetic (time.Date), so "tomorrow at 9" is 09:00 local even across a DST
// change.
//
// The parser does not guess. A phrase it cannot read, a time that has passed,
// or a bare hour that could be morning or evening ("at 8") gives a
// *Clarification with a short question to speak. A bare hour is resolved
// without asking only when the context settles it: a part of the day ("at 8
// tonight"), a 24-hour form ("19:30", "08:00"), one of the two readings
// falling in the user's sleep window ("at 3" is 3 PM for someone asleep
// 23:00–07:00), or one of them having passed on an explicitly named today.
//
// Interpretations that are conventions rather than guesses, and that the
// spoken confirmation repeats so the user can correct them: "next Friday" is
// the first Friday after today; a bare weekday is the next such day (today
// when a time later today is given); "N times a week" spreads the days
// evenly (2: Tue, Thu; 3: Mon, Wed, Fri; 4: Mon, Tue, Thu, Fri; 5: weekdays;
// 6: Mon–Sat; 7: daily).

// Period is a part of the day named in speech.
type Period string

// Parts of the day, with the windows a scheduler should look in and the
// representative time used when nothing places the task more precisely.
const (
	PeriodNone      Period = ""
	PeriodMorning   Period = "morning"   // 06:00–12:00, 09:00
	PeriodAfternoon Period = "afternoon" // 12:00–17:00, 14:00
	PeriodEvening   Period = "evening"   // 17:00–21:00, 19:00
	PeriodNight     Period = "night"     // 19:00–24:00, 20:00 ("tonight")
)

// window returns the period's start, end and representative hour.
func (p Period) window() (start, end, rep int) {
	switch p {
	case PeriodMorning:
		return 6, 12, 9
	case PeriodAfternoon:
		return 12, 17, 14
	case PeriodEvening:
		return 17, 21, 19
	case PeriodNight:
		return 19, 24, 20
	}
	return 0, 24, 0
}

// pm reports whether a bare hour in this period is in the afternoon half.
func (p Period) pm() bool {
	return p == PeriodAfternoon || p == PeriodEvening || p == PeriodNight
}

// When is a time understood from speech.
type When struct {
	// Start is the moment when HasTime is true; otherwise it is local
	// midnight of the day meant (the first day of a recurrence). It is in
	// the user's time zone.
	Start time.Time
	// HasTime reports whether a time of day (or a relative time such as "in
	// 2 hours") was given.
	HasTime bool
	// Period is the part of the day named without a time ("tomorrow
	// morning"); PeriodNone otherwise.
	Period Period
	// Rule is an RFC 5545 RRULE without DTSTART for a recurrence ("" for a
	// one-off). A timed rule carries BYHOUR and BYMINUTE.
	Rule string
	// Repeat is the spoken form of the recurrence ("every weekday"), "" for a
	// one-off.
	Repeat string
}

// Window returns where a scheduler should look: [Start, Start+1m) for an
// exact time, the named part of the day, or the whole day.
func (w When) Window() (from, to time.Time) {
	if w.HasTime {
		return w.Start, w.Start.Add(time.Minute)
	}
	y, m, d := w.Start.Date()
	s, e, _ := w.Period.window()
	loc := w.Start.Location()
	return time.Date(y, m, d, s, 0, 0, 0, loc), time.Date(y, m, d, e, 0, 0, 0, loc)
}

// Slot returns the moment to keep the task at when no scheduler places it:
// the exact time, or the period's representative time ("tomorrow morning":
// 09:00). It is the zero time for a date without a time or part of the day.
func (w When) Slot() time.Time {
	if w.HasTime {
		return w.Start
	}
	if w.Period == PeriodNone {
		return time.Time{}
	}
	y, m, d := w.Start.Date()
	_, _, rep := w.Period.window()
	return wallTime(y, m, d, rep, 0, w.Start.Location())
}

// Describe returns the time as a short phrase for speech, relative to now:
// "today at 7 PM", "tomorrow morning", "Friday, March 13 at 3 PM", "every
// weekday at 8 AM".
func (w When) Describe(now time.Time) string {
	if w.Rule != "" {
		s := w.Repeat
		switch {
		case w.HasTime:
			s += " at " + spokenClock(w.Start.Hour(), w.Start.Minute())
		case w.Period == PeriodNight:
			s += " at night"
		case w.Period != PeriodNone:
			s += " in the " + string(w.Period)
		}
		return s
	}
	now = now.In(w.Start.Location())
	day := spokenDay(w.Start, now)
	switch {
	case w.HasTime && w.Start.Hour() == 0 && w.Start.Minute() == 0:
		// Midnight belongs to the evening before it: "Friday at midnight".
		prev := w.Start.AddDate(0, 0, -1)
		if daysBetween(now, prev) == 0 {
			return "tonight at midnight"
		}
		return spokenDay(prev, now) + " at midnight"
	case w.HasTime:
		return day + " at " + spokenClock(w.Start.Hour(), w.Start.Minute())
	case w.Period == PeriodNight && day == "today":
		return "tonight"
	case w.Period == PeriodNight:
		return day + " night"
	case w.Period != PeriodNone:
		if day == "today" {
			return "this " + string(w.Period)
		}
		return day + " " + string(w.Period)
	}
	return day
}

// spokenDay names t's day relative to now (both in one zone).
func spokenDay(t, now time.Time) string {
	diff := daysBetween(now, t)
	switch {
	case diff == 0:
		return "today"
	case diff == 1:
		return "tomorrow"
	case diff > 1 && diff < 7:
		return t.Weekday().String()
	}
	s := t.Weekday().String() + ", " + t.Month().String() + " " + strconv.Itoa(t.Day())
	if t.Year() != now.Year() {
		s += ", " + strconv.Itoa(t.Year())
	}
	return s
}

// daysBetween counts calendar days from a's date to b's date.
func daysBetween(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	ua := time.Date(ay, am, ad, 12, 0, 0, 0, time.UTC)
	ub := time.Date(by, bm, bd, 12, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Hours() / 24)
}

// wallTime returns h:m on the given day in loc. A time that does not exist
// because the clocks jump forward (02:30 on a spring-forward night) moves
// forward by the jump (03:30), the usual convention; a time that exists
// twice (autumn) is its first occurrence, as time.Date chooses.
func wallTime(y int, mo time.Month, d, h, m int, loc *time.Location) time.Time {
	t := time.Date(y, mo, d, h, m, 0, 0, loc)
	if t.Hour() != h%24 || t.Minute() != m {
		want := time.Date(y, mo, d, h, m, 0, 0, time.UTC)
		got := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, time.UTC)
		t = t.Add(want.Sub(got))
	}
	return t
}

// spokenClock writes a time of day for speech: "7 PM", "7:30 AM", "noon",
// "midnight".
func spokenClock(h, m int) string {
	switch {
	case h == 12 && m == 0:
		return "noon"
	case h == 0 && m == 0:
		return "midnight"
	}
	suffix := "AM"
	if h >= 12 {
		suffix = "PM"
	}
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	if m == 0 {
		return fmt.Sprintf("%d %s", h12, suffix)
	}
	return fmt.Sprintf("%d:%02d %s", h12, m, suffix)
}

// Clarification is the answer to a time phrase that cannot be acted on
// without asking: not understood, ambiguous, or in the past. Question is a
// short sentence to speak to the user.
type Clarification struct {
	Question string
	// Unknown reports that the phrase was not read as a time at all (as
	// opposed to a time that is ambiguous or has passed): a caller looking
	// for a time inside longer text can try other words.
	Unknown bool
}

// Error returns the question.
func (c *Clarification) Error() string { return c.Question }

func clarify(format string, args ...any) *Clarification {
	return &Clarification{Question: fmt.Sprintf(format, args...)}
}

// notUnderstood is the question for a phrase the parser cannot read.
func notUnderstood(phrase string) *Clarification {
	c := clarify("Sorry, I didn't understand the time %q. Could you say it like \"tomorrow at 7 PM\" or \"every weekday at 8 AM\"?", phrase)
	c.Unknown = true
	return c
}

// WhenContext is what ParseWhen needs besides the phrase.
type WhenContext struct {
	// Now is the current time.
	Now time.Time
	// Location is the user's time zone; nil means UTC.
	Location *time.Location
	// Sleep, when set, is the user's sleep window; it settles a bare hour
	// whose other reading falls inside it.
	Sleep *flux.TimeWindow
}

// ParseWhen understands a spoken time or recurrence. It returns a
// *Clarification (as the error) when the phrase is not understood, is
// ambiguous, or names a time that has passed.
func ParseWhen(phrase string, c WhenContext) (When, error) {
	if c.Location == nil {
		c.Location = time.UTC
	}
	c.Now = c.Now.In(c.Location)
	text := strings.TrimSpace(phrase)
	if text == "" {
		c := clarify("When should it be?")
		c.Unknown = true
		return When{}, c
	}
	if w, ok, err := parseISO(text, c); ok {
		return w, err
	}
	toks, err := tokenize(text)
	if err != nil {
		return When{}, notUnderstood(text)
	}
	p := &phraseParser{toks: toks, ctx: c, text: text}
	if err := p.parse(); err != nil {
		return When{}, err
	}
	return p.resolve()
}

// parseISO reads whole-string ISO 8601 forms: an RFC 3339 timestamp (any
// offset), a local date-time without offset, or a date.
func parseISO(text string, c WhenContext) (When, bool, error) {
	if len(text) < 10 || text[4] != '-' {
		return When{}, false, nil
	}
	if t, err := time.Parse(time.RFC3339, text); err == nil {
		return When{Start: t.In(c.Location).Truncate(time.Minute), HasTime: true}, true, pastErr(t, c)
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, text, c.Location); err == nil {
			return When{Start: t.Truncate(time.Minute), HasTime: true}, true, pastErr(t, c)
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", text, c.Location); err == nil {
		if daysBetween(c.Now, t) < 0 {
			return When{}, true, clarify("That date has already passed. Which day did you mean?")
		}
		return When{Start: t}, true, nil
	}
	return When{}, false, nil
}

// pastErr returns a clarification when t is more than a minute in the past.
func pastErr(t time.Time, c WhenContext) error {
	if t.Before(c.Now.Add(-time.Minute)) {
		return clarify("That time has already passed. When should it be instead?")
	}
	return nil
}

// token is one word of a normalised phrase.
type token struct {
	word string
	// num is the value of a number or ordinal; -1 otherwise.
	num     int
	ordinal bool
	// clock is set for an "H:MM" form.
	clock      bool
	hour, min  int
	zeroPadded bool
}

var (
	clockRe   = regexp.MustCompile(`^(\d{1,2})[:.h](\d{2})(am|pm)?$`)
	numAmPmRe = regexp.MustCompile(`^(\d{1,2})(am|pm)$`)
	ordinalRe = regexp.MustCompile(`^(\d{1,2})(st|nd|rd|th)$`)
	numberRe  = regexp.MustCompile(`^\d{1,4}$`)
)

var numberWords = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
	"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
}

var ordinalWords = map[string]int{
	"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
	"seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
}

// tokenize lowercases the phrase, drops punctuation and splits it into
// tokens, separating "7pm" into "7" "pm".
func tokenize(text string) ([]token, error) {
	s := strings.ToLower(text)
	r := strings.NewReplacer("a.m.", " am ", "p.m.", " pm ", "a. m.", " am ", "p. m.", " pm ",
		"o'clock", " oclock ", "o’clock", " oclock ", "’", "'", ",", " ", ";", " ", "!", " ", "?", " ",
		"(", " ", ")", " ", "&", " and ", "+", " and ", "/", " ")
	s = r.Replace(s)
	var out []token
	for _, f := range strings.Fields(s) {
		f = strings.Trim(f, ".-'\"")
		if f == "" {
			continue
		}
		if strings.Contains(f, "-") && !clockRe.MatchString(f) {
			for _, part := range strings.Split(f, "-") {
				if part != "" {
					out = append(out, wordToken(part))
				}
			}
			continue
		}
		if m := clockRe.FindStringSubmatch(f); m != nil {
			h, _ := strconv.Atoi(m[1])
			mi, _ := strconv.Atoi(m[2])
			out = append(out, token{word: f, num: -1, clock: true, hour: h, min: mi, zeroPadded: len(m[1]) == 2 && m[1][0] == '0'})
			if m[3] != "" {
				out = append(out, wordToken(m[3]))
			}
			continue
		}
		if m := numAmPmRe.FindStringSubmatch(f); m != nil {
			n, _ := strconv.Atoi(m[1])
			out = append(out, token{word: m[1], num: n, zeroPadded: len(m[1]) == 2 && m[1][0] == '0'}, wordToken(m[2]))
			continue
		}
		out = append(out, wordToken(f))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty phrase")
	}
	return out, nil
}

func wordToken(w string) token {
	t := token{word: w, num: -1}
	switch {
	case numberRe.MatchString(w):
		t.num, _ = strconv.Atoi(w)
		t.zeroPadded = len(w) == 2 && w[0] == '0'
	case ordinalRe.MatchString(w):
		m := ordinalRe.FindStringSubmatch(w)
		t.num, _ = strconv.Atoi(m[1])
		t.ordinal = true
	default:
		if n, ok := numberWords[w]; ok {
			t.num = n
		} else if n, ok := ordinalWords[w]; ok {
			t.num = n
			t.ordinal = true
		}
	}
	return t
}

var weekdayWords = map[string]time.Weekday{
	"sunday": time.Sunday, "sun": time.Sunday, "sundays": time.Sunday,
	"monday": time.Monday, "mon": time.Monday, "mondays": time.Monday,
	"tuesday": time.Tuesday, "tue": time.Tuesday, "tues": time.Tuesday, "tuesdays": time.Tuesday,
	"wednesday": time.Wednesday, "wed": time.Wednesday, "wednesdays": time.Wednesday,
	"thursday": time.Thursday, "thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursdays": time.Thursday,
	"friday": time.Friday, "fri": time.Friday, "fridays": time.Friday,
	"saturday": time.Saturday, "sat": time.Saturday, "saturdays": time.Saturday,
}

var monthWords = map[string]time.Month{
	"january": time.January, "jan": time.January, "february": time.February, "feb": time.February,
	"march": time.March, "mar": time.March, "april": time.April, "apr": time.April, "may": time.May,
	"june": time.June, "jun": time.June, "july": time.July, "jul": time.July, "august": time.August,
	"aug": time.August, "september": time.September, "sep": time.September, "sept": time.September,
	"october": time.October, "oct": time.October, "november": time.November, "nov": time.November,
	"december": time.December, "dec": time.December,
}

var periodWords = map[string]Period{
	"morning": PeriodMorning, "mornings": PeriodMorning,
	"afternoon": PeriodAfternoon, "afternoons": PeriodAfternoon,
	"evening": PeriodEvening, "evenings": PeriodEvening,
	"night": PeriodNight, "nights": PeriodNight,
}

// fillers carry no meaning of their own in a time phrase.
var fillers = map[string]bool{
	"at": true, "on": true, "the": true, "of": true, "around": true, "about": true, "by": true,
	"please": true, "starting": true, "start": true, "from": true, "beginning": true, "this": true,
	"and": true, "or": true, "sharp": true, "approximately": true, "roughly": true, "ish": true,
	"coming": true, "upcoming": true, "for": true, "o": true, "clock": true, "oclock": true,
	"lets": true, "say": true, "then": true, "repeat": true, "repeating": true, "recurring": true,
	"during": true,
}

// freq is a recurrence frequency.
type freq int

const (
	freqNone freq = iota
	freqDaily
	freqWeekly
	freqMonthly
)

// phraseParser collects what the tokens say; resolve turns it into a When.
type phraseParser struct {
	toks []token
	i    int
	ctx  WhenContext
	text string

	// one-off day
	dayOffset *int
	weekday   *time.Weekday
	next      bool
	month     time.Month
	monthDay  int
	year      int
	nextWeek  bool
	weekend   bool

	// time of day
	hasClock   bool
	hour, min  int
	meridiem   string // "am", "pm" or ""
	zeroPadded bool
	explicit   bool // noon, midnight: no ambiguity
	period     Period
	midnight   bool

	// relative
	rel    time.Duration
	relSet bool
	relDay int

	// recurrence
	every    bool
	freq     freq
	interval int
	days     []time.Weekday
	timesPer int
	repeat   string
}

func (p *phraseParser) peek(k int) (token, bool) {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k], true
	}
	return token{num: -1}, false
}

func (p *phraseParser) fail() error { return notUnderstood(p.text) }

func (p *phraseParser) setDayOffset(n int) error {
	if p.dayOffset != nil || p.weekday != nil || p.monthDay != 0 || p.nextWeek || p.relSet {
		return p.fail()
	}
	p.dayOffset = &n
	return nil
}

func (p *phraseParser) setPeriod(per Period) error {
	if p.period != PeriodNone && p.period != per {
		return p.fail()
	}
	p.period = per
	return nil
}

func (p *phraseParser) setTime(h, m int, padded bool) error {
	if p.hasClock {
		return p.fail()
	}
	if h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return clarify("%q isn't a time of day I can use. What time did you mean?", p.text)
	}
	p.hasClock, p.hour, p.min, p.zeroPadded = true, h, m, padded
	return nil
}

func (p *phraseParser) addDay(d time.Weekday) {
	for _, x := range p.days {
		if x == d {
			return
		}
	}
	p.days = append(p.days, d)
}

func (p *phraseParser) parse() error {
	for p.i < len(p.toks) {
		t := p.toks[p.i]
		w := t.word
		switch {
		case w == "now" || w == "immediately" || w == "asap":
			if p.relSet {
				return p.fail()
			}
			p.relSet = true
		case w == "today":
			if err := p.setDayOffset(0); err != nil {
				return err
			}
		case w == "this" && p.i+1 < len(p.toks) && periodWords[p.toks[p.i+1].word] != "":
			if err := p.setDayOffset(0); err != nil {
				return err
			}
		case w == "tonight":
			if err := p.setDayOffset(0); err != nil {
				return err
			}
			if err := p.setPeriod(PeriodNight); err != nil {
				return err
			}
		case w == "tomorrow" || w == "tmrw" || w == "tomorow" || w == "tommorow":
			if err := p.setDayOffset(1); err != nil {
				return err
			}
		case w == "day":
			// "day after tomorrow"
			if n1, ok := p.peek(1); ok && n1.word == "after" {
				if n2, ok := p.peek(2); ok && strings.HasPrefix(n2.word, "tom") {
					if err := p.setDayOffset(2); err != nil {
						return err
					}
					p.i += 3
					continue
				}
			}
			return p.fail()
		case w == "yesterday" || w == "ago" || w == "last":
			return clarify("That sounds like a time in the past. When should it be?")
		case w == "next":
			n1, ok := p.peek(1)
			if !ok {
				return p.fail()
			}
			switch {
			case n1.word == "week":
				if p.dayOffset != nil || p.weekday != nil || p.nextWeek {
					return p.fail()
				}
				p.nextWeek = true
				p.i += 2
				continue
			case isWeekdayWord(n1.word):
				p.next = true
			default:
				return p.fail()
			}
		case w == "every" || w == "each" || w == "per":
			if err := p.parseEvery(); err != nil {
				return err
			}
			continue
		case w == "daily" || w == "everyday":
			if err := p.setFreq(freqDaily, 1, "every day"); err != nil {
				return err
			}
		case w == "weekly":
			if err := p.setFreq(freqWeekly, 1, ""); err != nil {
				return err
			}
		case w == "fortnightly" || w == "biweekly":
			if err := p.setFreq(freqWeekly, 2, "every other week"); err != nil {
				return err
			}
		case w == "monthly":
			if err := p.setFreq(freqMonthly, 1, "every month"); err != nil {
				return err
			}
		case w == "nightly":
			if err := p.setFreq(freqDaily, 1, "every night"); err != nil {
				return err
			}
			if err := p.setPeriod(PeriodNight); err != nil {
				return err
			}
		case w == "weekdays" || w == "weekday":
			if err := p.setWeekdays(); err != nil {
				return err
			}
		case w == "weekends" || (w == "weekend" && p.every):
			if err := p.setWeekends(); err != nil {
				return err
			}
		case w == "weekend":
			if p.weekday != nil || p.dayOffset != nil || p.weekend {
				return p.fail()
			}
			p.weekend = true
		case w == "once" || w == "twice" || (t.num > 0 && !t.ordinal && isTimesWord(p)):
			if err := p.parseTimesPer(); err != nil {
				return err
			}
			continue
		case w == "in" || w == "within":
			n1, ok := p.peek(1)
			if ok && (n1.num > 0 || n1.word == "a" || n1.word == "an" || n1.word == "half" || n1.word == "couple") {
				if err := p.parseRelative(); err != nil {
					return err
				}
				continue
			}
			// "in the morning": filler
		case w == "noon" || w == "midday":
			if err := p.setTime(12, 0, false); err != nil {
				return err
			}
			p.explicit = true
		case w == "midnight":
			if err := p.setTime(0, 0, false); err != nil {
				return err
			}
			p.explicit, p.midnight = true, true
		case w == "half" || w == "quarter":
			if err := p.parsePast(); err != nil {
				return err
			}
			continue
		case w == "am" || w == "pm":
			if !p.hasClock || p.meridiem != "" || p.explicit {
				return p.fail()
			}
			p.meridiem = w
		case periodWords[w] != "":
			per := periodWords[w]
			if p.every || strings.HasSuffix(w, "s") {
				if p.freq == freqNone {
					if err := p.setFreq(freqDaily, 1, "every day"); err != nil {
						return err
					}
				}
			}
			if err := p.setPeriod(per); err != nil {
				return err
			}
		case isWeekdayWord(w):
			if err := p.parseWeekdays(); err != nil {
				return err
			}
			continue
		case monthWords[w] != 0:
			if err := p.parseMonthFirst(); err != nil {
				return err
			}
			continue
		case t.clock:
			if err := p.setTime(t.hour, t.min, t.zeroPadded || t.hour == 0); err != nil {
				return err
			}
		case t.num >= 0:
			if err := p.parseNumber(); err != nil {
				return err
			}
			continue
		case fillers[w]:
		default:
			return p.fail()
		}
		p.i++
	}
	return nil
}

func isWeekdayWord(w string) bool { _, ok := weekdayWords[w]; return ok }

// isTimesWord reports whether the current number starts "N times a week".
func isTimesWord(p *phraseParser) bool {
	n1, ok := p.peek(1)
	return ok && (n1.word == "times" || n1.word == "x")
}

func (p *phraseParser) setFreq(f freq, interval int, spoken string) error {
	if p.freq != freqNone && (p.freq != f || p.interval != interval) {
		return p.fail()
	}
	p.freq, p.interval = f, interval
	if spoken != "" {
		p.repeat = spoken
	}
	return nil
}

func (p *phraseParser) setWeekdays() error {
	if p.freq != freqNone && p.freq != freqWeekly {
		return p.fail()
	}
	if len(p.days) > 0 {
		return p.fail()
	}
	p.freq, p.interval = freqWeekly, 1
	p.days = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	p.repeat = "every weekday"
	return nil
}

func (p *phraseParser) setWeekends() error {
	if p.freq != freqNone && p.freq != freqWeekly {
		return p.fail()
	}
	if len(p.days) > 0 {
		return p.fail()
	}
	p.freq, p.interval = freqWeekly, 1
	p.days = []time.Weekday{time.Saturday, time.Sunday}
	p.repeat = "every weekend"
	return nil
}

// parseEvery reads what follows "every": day, weekday, weekend, week,
// month, other/N + unit, a part of the day, or a list of weekdays.
func (p *phraseParser) parseEvery() error {
	p.every = true
	p.i++
	n, ok := p.peek(0)
	if !ok {
		return p.fail()
	}
	interval := 1
	if n.word == "other" || n.word == "second" {
		interval = 2
		p.i++
	} else if n.num > 1 && !n.ordinal {
		interval = n.num
		p.i++
	}
	if interval > 1000 {
		return p.fail()
	}
	n, ok = p.peek(0)
	if !ok {
		return p.fail()
	}
	spokenN := func(unit string) string {
		switch interval {
		case 1:
			return "every " + unit
		case 2:
			return "every other " + unit
		}
		return fmt.Sprintf("every %d %ss", interval, unit)
	}
	switch w := n.word; {
	case w == "day" || w == "days":
		p.i++
		return p.setFreq(freqDaily, interval, spokenN("day"))
	case w == "week" || w == "weeks":
		p.i++
		return p.setFreq(freqWeekly, interval, spokenN("week"))
	case w == "month" || w == "months":
		p.i++
		return p.setFreq(freqMonthly, interval, spokenN("month"))
	case (w == "weekday" || w == "weekdays") && interval == 1:
		p.i++
		return p.setWeekdays()
	case (w == "weekend" || w == "weekends") && interval == 1:
		p.i++
		return p.setWeekends()
	case periodWords[w] != "" && interval == 1:
		p.i++
		if err := p.setFreq(freqDaily, 1, "every day"); err != nil {
			return err
		}
		return p.setPeriod(periodWords[w])
	case isWeekdayWord(w):
		if interval > 1 {
			if err := p.setFreq(freqWeekly, interval, ""); err != nil {
				return err
			}
		}
		return p.parseWeekdays()
	case w == "hour" || w == "hours" || w == "minute" || w == "minutes":
		return clarify("I can repeat a task daily, weekly or monthly, but not every %s. How often should it repeat?", strings.TrimSuffix(w, "s"))
	}
	return p.fail()
}

// parseWeekdays reads a list of weekdays ("monday and thursday", "mon, wed
// and fri"). A list of several, a plural, or a preceding "every" is a
// recurrence; a single day is a one-off date.
func (p *phraseParser) parseWeekdays() error {
	var list []time.Weekday
	plural := false
	for p.i < len(p.toks) {
		w := p.toks[p.i].word
		if d, ok := weekdayWords[w]; ok {
			list = append(list, d)
			if strings.HasSuffix(w, "s") && w != "tues" && w != "thurs" {
				plural = true
			}
			p.i++
			continue
		}
		if (w == "and" || w == "or") && p.i+1 < len(p.toks) && isWeekdayWord(p.toks[p.i+1].word) {
			p.i++
			continue
		}
		break
	}
	if p.every || plural || len(list) > 1 || p.freq == freqWeekly {
		if p.freq != freqNone && p.freq != freqWeekly {
			return p.fail()
		}
		if p.freq == freqNone {
			p.freq, p.interval = freqWeekly, 1
		}
		for _, d := range list {
			p.addDay(d)
		}
		return nil
	}
	if p.weekday != nil || p.dayOffset != nil || p.monthDay != 0 || p.nextWeek {
		return p.fail()
	}
	d := list[0]
	p.weekday = &d
	return nil
}

// parseTimesPer reads "once a week", "twice a week", "3 times a week".
func (p *phraseParser) parseTimesPer() error {
	t := p.toks[p.i]
	n := t.num
	switch t.word {
	case "once":
		n = 1
		p.i++
	case "twice":
		n = 2
		p.i++
	default:
		p.i += 2 // N times
	}
	for p.i < len(p.toks) && (p.toks[p.i].word == "a" || p.toks[p.i].word == "per" || p.toks[p.i].word == "each" || p.toks[p.i].word == "every") {
		p.i++
	}
	if p.i >= len(p.toks) {
		return p.fail()
	}
	unit := p.toks[p.i].word
	p.i++
	switch unit {
	case "week":
		if n < 1 || n > 7 {
			return p.fail()
		}
		p.timesPer = n
		if n == 7 {
			return p.setFreq(freqDaily, 1, "every day")
		}
		return p.setFreq(freqWeekly, 1, "")
	case "day":
		if n == 1 {
			return p.setFreq(freqDaily, 1, "every day")
		}
		return clarify("I can set one time a day for a task. What time should it be?")
	case "month":
		if n == 1 {
			return p.setFreq(freqMonthly, 1, "every month")
		}
	}
	return p.fail()
}

// parseRelative reads "in 2 hours", "in an hour", "in half an hour", "in an
// hour and a half", "in 2 and a half hours", "in 3 days", "in a week".
func (p *phraseParser) parseRelative() error {
	if p.relSet || p.dayOffset != nil || p.weekday != nil || p.monthDay != 0 || p.nextWeek {
		return p.fail()
	}
	p.i++       // in
	halves := 2 // the count, in halves
	switch t := p.toks[p.i]; {
	case t.word == "a" || t.word == "an":
		p.i++
	case t.word == "half":
		halves = 1
		p.i++
		if p.i < len(p.toks) && (p.toks[p.i].word == "an" || p.toks[p.i].word == "a") {
			p.i++
		}
	case t.word == "couple":
		halves = 4
		p.i++
		if p.i < len(p.toks) && p.toks[p.i].word == "of" {
			p.i++
		}
	default:
		halves = 2 * t.num
		p.i++
	}
	if p.andAHalf() {
		halves++
	}
	if p.i >= len(p.toks) {
		return p.fail()
	}
	unit := p.toks[p.i].word
	p.i++
	if p.andAHalf() {
		halves++
	}
	var d time.Duration
	switch unit {
	case "minute", "minutes", "min", "mins":
		d = time.Duration(halves) * time.Minute / 2
	case "hour", "hours", "hr", "hrs":
		d = time.Duration(halves) * time.Hour / 2
	case "day", "days", "week", "weeks":
		if halves%2 != 0 {
			return p.fail()
		}
		n := halves / 2
		if strings.HasPrefix(unit, "week") {
			n *= 7
		}
		if n > 366 {
			return p.fail()
		}
		p.relDay = n
		return p.setDayOffset(n)
	default:
		return p.fail()
	}
	if d <= 0 || d > 366*24*time.Hour {
		return p.fail()
	}
	p.rel, p.relSet = d, true
	return nil
}

// andAHalf consumes "and a half".
func (p *phraseParser) andAHalf() bool {
	if p.i+2 < len(p.toks) && p.toks[p.i].word == "and" && p.toks[p.i+1].word == "a" && p.toks[p.i+2].word == "half" {
		p.i += 3
		return true
	}
	return false
}

// parsePast reads "half past 7", "quarter past 7", "quarter to 8".
func (p *phraseParser) parsePast() error {
	first := p.toks[p.i].word
	n1, ok1 := p.peek(1)
	n2, ok2 := p.peek(2)
	if !ok1 || !ok2 || n2.num < 1 || n2.num > 12 || n2.ordinal {
		return p.fail()
	}
	h := n2.num
	var m int
	switch {
	case first == "half" && n1.word == "past":
		m = 30
	case first == "quarter" && n1.word == "past":
		m = 15
	case first == "quarter" && n1.word == "to":
		h, m = h-1, 45
	default:
		return p.fail()
	}
	p.i += 3
	return p.setTime(h, m, false)
}

// parseMonthFirst reads "March 15", "March 15th 2027", "March the 15th".
func (p *phraseParser) parseMonthFirst() error {
	mon := monthWords[p.toks[p.i].word]
	p.i++
	for p.i < len(p.toks) && p.toks[p.i].word == "the" {
		p.i++
	}
	if p.i >= len(p.toks) || p.toks[p.i].num < 1 || p.toks[p.i].num > 31 {
		return p.fail()
	}
	day := p.toks[p.i].num
	p.i++
	return p.setMonthDay(mon, day)
}

func (p *phraseParser) setMonthDay(mon time.Month, day int) error {
	if p.monthDay != 0 || p.dayOffset != nil || p.weekday != nil || p.nextWeek || p.relSet {
		return p.fail()
	}
	p.month, p.monthDay = mon, day
	if p.i < len(p.toks) && p.toks[p.i].num >= 2000 && p.toks[p.i].num < 2200 {
		p.year = p.toks[p.i].num
		p.i++
	}
	return nil
}

// parseNumber reads a number: a day of the month before a month name ("15
// March", "the 15th of March"), an ordinal day ("on the 15th"), or an hour.
func (p *phraseParser) parseNumber() error {
	t := p.toks[p.i]
	// Day before month: "15 march", "15th of march".
	k := 1
	if n, ok := p.peek(k); ok && n.word == "of" {
		k++
	}
	if n, ok := p.peek(k); ok && monthWords[n.word] != 0 && t.num >= 1 && t.num <= 31 {
		p.i += k + 1
		return p.setMonthDay(monthWords[n.word], t.num)
	}
	if t.ordinal {
		if t.num < 1 || t.num > 31 {
			return p.fail()
		}
		// "on the 15th": the next 15th.
		now := p.ctx.Now
		mon, year := now.Month(), now.Year()
		if t.num < now.Day() {
			mon++
			if mon > time.December {
				mon, year = time.January, year+1
			}
		}
		p.i++
		if err := p.setMonthDay(mon, t.num); err != nil {
			return err
		}
		if p.year == 0 {
			p.year = year
		}
		return nil
	}
	if t.num > 24 {
		return p.fail()
	}
	p.i++
	return p.setTime(t.num, 0, t.zeroPadded || t.num == 0 || t.num > 12)
}

// resolve turns what was read into a When.
func (p *phraseParser) resolve() (When, error) {
	c := p.ctx
	loc := c.Location
	now := c.Now
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)

	if p.freq != freqNone || p.timesPer > 0 {
		return p.resolveRecurrence(today)
	}

	// A relative time: "in 2 hours", "now".
	if p.relSet {
		if p.hasClock || p.period != PeriodNone {
			return When{}, p.fail()
		}
		return When{Start: now.Add(p.rel).Truncate(time.Minute), HasTime: true}, nil
	}

	// The day.
	var day time.Time
	haveDay := true
	explicitToday := false
	weekdayToday := false // a bare weekday that is today's
	switch {
	case p.dayOffset != nil:
		day = today.AddDate(0, 0, *p.dayOffset)
		explicitToday = *p.dayOffset == 0
	case p.nextWeek:
		// Monday of next week.
		off := (int(time.Monday) - int(now.Weekday()) + 7) % 7
		if off == 0 {
			off = 7
		}
		day = today.AddDate(0, 0, off)
	case p.weekend:
		off := (int(time.Saturday) - int(now.Weekday()) + 7) % 7
		if now.Weekday() == time.Sunday {
			off = 0
		}
		day = today.AddDate(0, 0, off)
	case p.weekday != nil:
		off := (int(*p.weekday) - int(now.Weekday()) + 7) % 7
		if off == 0 {
			switch {
			case p.next:
				off = 7
			case !p.hasClock && p.period == PeriodNone:
				return When{}, clarify("Do you mean today, or next %s?", p.weekday.String())
			}
		}
		day = today.AddDate(0, 0, off)
		explicitToday = off == 0
		weekdayToday = off == 0
	case p.monthDay != 0:
		year := p.year
		if year == 0 {
			year = now.Year()
		}
		day = time.Date(year, p.month, p.monthDay, 0, 0, 0, 0, loc)
		if day.Month() != p.month {
			return When{}, clarify("%s doesn't have a day %d. Which day did you mean?", p.month, p.monthDay)
		}
		if day.Before(today) {
			if p.year != 0 {
				return When{}, clarify("That date has already passed. Which day did you mean?")
			}
			day = time.Date(year+1, p.month, p.monthDay, 0, 0, 0, 0, loc)
		}
		explicitToday = day.Equal(today)
	default:
		haveDay = false
		day = today
	}

	if !p.hasClock {
		if !haveDay && p.period == PeriodNone {
			return When{}, p.fail()
		}
		w := When{Start: day, Period: p.period}
		if p.period != PeriodNone {
			_, end, _ := p.period.window()
			if !haveDay {
				// "this evening" said without a day: today, or tomorrow once it is over.
				if !time.Date(day.Year(), day.Month(), day.Day(), end, 0, 0, 0, loc).After(now) {
					w.Start = day.AddDate(0, 0, 1)
				}
			} else if !time.Date(day.Year(), day.Month(), day.Day(), end, 0, 0, 0, loc).After(now) {
				return When{}, clarify("This %s has already passed. Did you mean tomorrow %s?", p.period, p.period)
			}
		}
		return w, nil
	}

	// The time of day, possibly with two readings.
	candidates, err := p.hours()
	if err != nil {
		return When{}, err
	}
	type option struct {
		at    time.Time
		label string
	}
	var opts []option
	for _, h := range candidates {
		d := day
		hh := h
		if hh == 24 || (p.midnight && hh == 0) {
			d, hh = d.AddDate(0, 0, 1), 0
		}
		at := wallTime(d.Year(), d.Month(), d.Day(), hh, p.min, loc)
		if !haveDay && !at.After(now) {
			at = wallTime(d.Year(), d.Month(), d.Day()+1, hh, p.min, loc)
		}
		opts = append(opts, option{at: at, label: spokenClock(hh, p.min)})
	}
	if len(opts) == 2 {
		// Settle the reading from context: the user's sleep window, or a
		// reading that has passed on an explicitly named today.
		var keep []option
		for _, o := range opts {
			if explicitToday && !o.at.After(now) {
				continue
			}
			if c.Sleep != nil && c.Sleep.Contains(flux.ClockTime{Hour: o.at.Hour(), Minute: o.at.Minute()}) {
				continue
			}
			keep = append(keep, o)
		}
		if len(keep) == 1 {
			opts = keep
		} else {
			return When{}, clarify("Did you mean %s or %s?", opts[0].label, opts[1].label)
		}
	}
	at := opts[0].at
	if weekdayToday && at.Before(now) {
		// "Friday at 9" said on Friday after 9: next week's Friday.
		at = at.AddDate(0, 0, 7)
	}
	if at.Before(now.Add(-time.Minute)) {
		return When{}, clarify("%s has already passed. When should it be instead?", capitalize(When{Start: at, HasTime: true}.Describe(now)))
	}
	return When{Start: at, HasTime: true}, nil
}

// hours returns the possible 24-hour readings of the hour that was read:
// one when am/pm, a part of the day, a 24-hour form or noon/midnight settle
// it, two (AM and PM) otherwise.
func (p *phraseParser) hours() ([]int, error) {
	h := p.hour
	switch {
	case p.explicit:
		return []int{h}, nil
	case p.meridiem != "":
		if h < 1 || h > 12 {
			return nil, clarify("%q isn't a time of day I can use. What time did you mean?", p.text)
		}
		if p.meridiem == "am" {
			return []int{h % 12}, nil
		}
		return []int{h%12 + 12}, nil
	case p.zeroPadded || h == 0 || h > 12:
		if h == 24 {
			return []int{24}, nil
		}
		return []int{h}, nil
	case p.period != PeriodNone:
		if p.period.pm() {
			if h == 12 {
				if p.period == PeriodNight {
					return []int{24}, nil
				}
				return []int{12}, nil
			}
			return []int{h + 12}, nil
		}
		if h == 12 {
			return []int{12}, nil
		}
		return []int{h}, nil
	}
	if h == 12 {
		return []int{0, 12}, nil
	}
	return []int{h, h + 12}, nil
}

// resolveRecurrence builds the RRULE and its first occurrence.
func (p *phraseParser) resolveRecurrence(today time.Time) (When, error) {
	c := p.ctx
	loc := c.Location
	now := c.Now
	if p.relSet && p.relDay == 0 {
		return When{}, p.fail()
	}
	// The first day the series may start on.
	from := today
	switch {
	case p.dayOffset != nil:
		from = today.AddDate(0, 0, *p.dayOffset)
	case p.nextWeek:
		off := (int(time.Monday) - int(now.Weekday()) + 7) % 7
		if off == 0 {
			off = 7
		}
		from = today.AddDate(0, 0, off)
	case p.monthDay != 0:
		year := p.year
		if year == 0 {
			year = now.Year()
		}
		from = time.Date(year, p.month, p.monthDay, 0, 0, 0, 0, loc)
		if from.Before(today) {
			from = from.AddDate(1, 0, 0)
		}
	case p.weekday != nil:
		if p.freq == freqWeekly && len(p.days) == 0 {
			// "weekly on Friday", "every week on Friday".
			p.days = []time.Weekday{*p.weekday}
		} else {
			off := (int(*p.weekday) - int(now.Weekday()) + 7) % 7
			if p.next && off == 0 {
				off = 7
			}
			from = today.AddDate(0, 0, off)
		}
	}
	if p.timesPer > 0 && p.timesPer < 7 {
		if len(p.days) > 0 {
			return When{}, p.fail()
		}
		p.days = spreadDays(p.timesPer, from.Weekday())
	}

	opt := rrule.ROption{Interval: p.interval}
	if opt.Interval < 1 {
		opt.Interval = 1
	}
	switch p.freq {
	case freqDaily:
		opt.Freq = rrule.DAILY
	case freqWeekly:
		opt.Freq = rrule.WEEKLY
	case freqMonthly:
		opt.Freq = rrule.MONTHLY
	default:
		return When{}, p.fail()
	}
	switch {
	case p.freq == freqWeekly && len(p.days) == 0:
		// Keep the rule self-contained: the weekday of the first day.
		p.days = []time.Weekday{from.Weekday()}
	case p.freq == freqMonthly && len(p.days) == 0:
		opt.Bymonthday = []int{from.Day()}
	}
	sortWeekdays(p.days)
	for _, d := range p.days {
		opt.Byweekday = append(opt.Byweekday, rruleWeekday(d))
	}
	repeat := p.repeat
	if repeat == "" || (len(p.days) > 0 && repeat != "every weekday" && repeat != "every weekend") {
		repeat = spokenDays(p.days, p.interval, p.freq, from)
	}

	hasTime := p.hasClock
	hour, minute := 0, 0
	if hasTime {
		hs, err := p.hours()
		if err != nil {
			return When{}, err
		}
		if len(hs) == 2 {
			var keep []int
			for _, h := range hs {
				if c.Sleep != nil && c.Sleep.Contains(flux.ClockTime{Hour: h % 24, Minute: p.min}) {
					continue
				}
				keep = append(keep, h)
			}
			if len(keep) != 1 {
				return When{}, clarify("Did you mean %s or %s?", spokenClock(hs[0], p.min), spokenClock(hs[1], p.min))
			}
			hs = keep
		}
		hour, minute = hs[0]%24, p.min
		opt.Byhour = []int{hour}
		opt.Byminute = []int{minute}
		opt.Bysecond = []int{0}
	}

	// The first occurrence on or after from (and, for a timed rule, not in
	// the past).
	opt.Dtstart = time.Date(from.Year(), from.Month(), from.Day(), hour, minute, 0, 0, loc)
	r, err := rrule.NewRRule(opt)
	if err != nil {
		return When{}, p.fail()
	}
	after := from
	if hasTime && now.After(after) {
		after = now
	}
	first := r.After(after, true)
	if first.IsZero() {
		return When{}, p.fail()
	}
	w := When{Start: first, HasTime: hasTime, Period: p.period, Repeat: repeat}
	if !hasTime {
		w.Start = time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, loc)
		if p.period != PeriodNone && w.Start.Equal(today) {
			_, end, _ := p.period.window()
			if !time.Date(today.Year(), today.Month(), today.Day(), end, 0, 0, 0, loc).After(now) {
				w.Start = r.After(today.AddDate(0, 0, 1), true)
				w.Start = time.Date(w.Start.Year(), w.Start.Month(), w.Start.Day(), 0, 0, 0, 0, loc)
			}
		}
	}
	w.Rule = ruleString(opt)
	if _, err := rrule.StrToRRule(w.Rule); err != nil {
		return When{}, p.fail()
	}
	return w, nil
}

// ruleString writes the RRULE of opt without DTSTART, in a stable order.
func ruleString(opt rrule.ROption) string {
	parts := []string{"FREQ=" + opt.Freq.String()}
	if opt.Interval > 1 {
		parts = append(parts, "INTERVAL="+strconv.Itoa(opt.Interval))
	}
	if len(opt.Byweekday) > 0 {
		var ds []string
		for _, d := range opt.Byweekday {
			ds = append(ds, d.String())
		}
		parts = append(parts, "BYDAY="+strings.Join(ds, ","))
	}
	if len(opt.Bymonthday) > 0 {
		parts = append(parts, "BYMONTHDAY="+strconv.Itoa(opt.Bymonthday[0]))
	}
	if len(opt.Byhour) > 0 {
		parts = append(parts, "BYHOUR="+strconv.Itoa(opt.Byhour[0]), "BYMINUTE="+strconv.Itoa(opt.Byminute[0]))
	}
	return strings.Join(parts, ";")
}

// spreadDays returns n weekdays spread evenly over a week.
func spreadDays(n int, start time.Weekday) []time.Weekday {
	switch n {
	case 1:
		return []time.Weekday{start}
	case 2:
		return []time.Weekday{time.Tuesday, time.Thursday}
	case 3:
		return []time.Weekday{time.Monday, time.Wednesday, time.Friday}
	case 4:
		return []time.Weekday{time.Monday, time.Tuesday, time.Thursday, time.Friday}
	case 5:
		return []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	}
	return []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
}

// sortWeekdays orders days Monday first.
func sortWeekdays(ds []time.Weekday) {
	key := func(d time.Weekday) int { return (int(d) + 6) % 7 }
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && key(ds[j]) < key(ds[j-1]); j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

func rruleWeekday(d time.Weekday) rrule.Weekday {
	return [...]rrule.Weekday{rrule.SU, rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA}[d]
}

// spokenDays names a weekly set of days: "every Monday and Thursday".
func spokenDays(ds []time.Weekday, interval int, f freq, from time.Time) string {
	prefix := "every "
	if interval == 2 {
		prefix = "every other "
	} else if interval > 2 {
		unit := map[freq]string{freqDaily: "days", freqWeekly: "weeks", freqMonthly: "months"}[f]
		if len(ds) == 0 {
			return fmt.Sprintf("every %d %s", interval, unit)
		}
		prefix = fmt.Sprintf("every %d weeks on ", interval)
	}
	if len(ds) == 0 {
		switch f {
		case freqDaily:
			return prefix + "day"
		case freqMonthly:
			return prefix + "month"
		}
		return prefix + from.Weekday().String()
	}
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.String()
	}
	if len(names) == 1 {
		return prefix + names[0]
	}
	return prefix + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// ParseRule checks an RFC 5545 RRULE given verbatim ("FREQ=WEEKLY;BYDAY=MO"
// or "RRULE:FREQ=...") against Flux's one recurrence policy,
// scheduler.ParseRule (so FREQ=MINUTELY, which the scheduler cannot place,
// is refused here too), and returns it in that function's canonical form,
// without the "RRULE:" prefix.
func ParseRule(s string) (string, error) {
	r, err := scheduler.ParseRule(s)
	if err != nil {
		return "", fmt.Errorf("recurrence rule %q: %w", strings.TrimSpace(s), err)
	}
	return r, nil
}

// looksLikeRule reports whether s is an RRULE rather than speech.
func looksLikeRule(s string) bool {
	u := strings.ToUpper(strings.TrimSpace(s))
	return strings.HasPrefix(u, "FREQ=") || strings.HasPrefix(u, "RRULE:")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
