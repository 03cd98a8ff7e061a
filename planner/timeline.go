package planner

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultWeeks is the horizon of a goal that names no timeline.
const DefaultWeeks = 6

var monthNames = map[string]time.Month{
	"jan": time.January, "january": time.January, "feb": time.February, "february": time.February,
	"mar": time.March, "march": time.March, "apr": time.April, "april": time.April,
	"may": time.May, "jun": time.June, "june": time.June, "jul": time.July, "july": time.July,
	"aug": time.August, "august": time.August, "sep": time.September, "sept": time.September,
	"september": time.September, "oct": time.October, "october": time.October,
	"nov": time.November, "november": time.November, "dec": time.December, "december": time.December,
}

var numberWords = map[string]float64{
	"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
	"fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
	"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90,
	"couple": 2, "a couple": 2, "a couple of": 2, "couple of": 2, "few": 3, "a few": 3,
	"several": 4, "half a": 0.5, "half an": 0.5,
}

const (
	monthRe  = `(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)`
	ordSufRe = `(?:st|nd|rd|th)?`
	numWord  = `(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|ninety)`
)

var (
	isoDateRe    = regexp.MustCompile(`\b(\d{4})[-/](\d{1,2})[-/](\d{1,2})\b`)
	monthDayRe   = regexp.MustCompile(`\b` + monthRe + `\.?\s+(\d{1,2})` + ordSufRe + `\b(?:,?\s*(\d{4})\b)?`)
	dayMonthRe   = regexp.MustCompile(`\b(\d{1,2})` + ordSufRe + `\s+(?:of\s+)?` + monthRe + `\b(?:,?\s*(\d{4})\b)?`)
	monthOnlyRe  = regexp.MustCompile(`\b(by|before|until|till|in|for|around|end of|the end of|early|mid|late)\s+(?:early\s+|mid\s+|late\s+)?` + monthRe + `\b(?:\s+(\d{4})\b)?`)
	relativeRe   = regexp.MustCompile(`\b(\d+(?:\.\d+)?|half an?|a couple of|couple of|a couple|a few|few|several|an|a|` + numWord + `(?:[- ]` + numWord + `)?)\s*-?\s*(days?|weeks?|wks?|months?|mos?|years?|yrs?)\b`)
	nextRe       = regexp.MustCompile(`\b(next|this|coming)\s+(week|month|year)\b`)
	frequencyRe  = regexp.MustCompile(`^\s*(?:a|per|each|every|/)\s*(?:day|week|wk|month|year)\b`)
	prepBeforeRe = regexp.MustCompile(`^\s*$|\b(in|within|for|over|under|about|around|of|than|next|another|just|only|roughly|approximately)\s*$`)
	monthYearRe  = regexp.MustCompile(`\b` + monthRe + `\s+(\d{4})\b`)
	endOfMonthRe = regexp.MustCompile(`\bend of (?:the |this )?month\b`)
	namedDays    = []struct {
		re    *regexp.Regexp
		month time.Month
		day   int
	}{
		{regexp.MustCompile(`\bchristmas\b|\bxmas\b`), time.December, 25},
		{regexp.MustCompile(`\bnew year'?s?\b`), time.January, 1},
		{regexp.MustCompile(`\b(?:end of (?:the |this )?year|year[- ]end)\b`), time.December, 31},
		{regexp.MustCompile(`\b(?:by|before|until|this|for|in)\s+(?:the\s+)?summer\b`), time.June, 21},
		{regexp.MustCompile(`\b(?:by|before|until|this|for|in)\s+(?:the\s+)?(?:fall|autumn)\b`), time.September, 22},
		{regexp.MustCompile(`\b(?:by|before|until|this|for|in)\s+(?:the\s+)?winter\b`), time.December, 21},
		{regexp.MustCompile(`\b(?:by|before|until|this|for|in)\s+(?:the\s+)?spring\b`), time.March, 20},
	}
	everyBeforeRe = regexp.MustCompile(`\b(every|each|per|times)\s*$`)
)

// ParseTimeline reads a goal's horizon from free text: explicit dates
// ("2027-05-02", "by June 1", "1st of March 2027", "end of June"), relative
// spans ("in 3 months", "for 8 weeks", "in six weeks", "a 12-week plan",
// "within a year", "next month") and a few named days ("by Christmas",
// "end of the year", "by summer", northern-hemisphere seasons). A date
// without a year is the next such date after today; a month alone means its
// first day ("by June"), or its last for "end of"/"late".
//
// weeks is the horizon counted from now in the user's time zone loc (UTC
// when nil), rounded up and clamped to 1..52 (a month is 4.345 weeks, so
// "in 3 months" is 13). target is the named date as midnight UTC of that
// calendar day, and nil for relative spans. ok is false when the text
// names no timeline or names one in the past. Frequencies ("3 days a week")
// are not timelines.
func ParseTimeline(text string, now time.Time, loc *time.Location) (weeks int, target *time.Time, ok bool) {
	if loc == nil {
		loc = time.UTC
	}
	s := strings.ToLower(text)
	y, m, d := now.In(loc).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)

	fromDate := func(t time.Time) (int, *time.Time, bool) {
		days := int(t.Sub(today).Hours() / 24)
		if days <= 0 {
			return 0, nil, false
		}
		return clampWeeks(int(math.Ceil(float64(days) / 7))), &t, true
	}
	// nextDate is month/day in year, or the next such date after today
	// when year is 0; ok is false for an impossible date.
	nextDate := func(year int, month time.Month, day int) (time.Time, bool) {
		explicit := year != 0
		if !explicit {
			year = today.Year()
		}
		t := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
		if t.Month() != month || t.Day() != day {
			return t, false
		}
		if !explicit && !t.After(today) {
			t = t.AddDate(1, 0, 0)
			if t.Day() != day { // 29 February
				return t, false
			}
		}
		return t, true
	}

	// 1. Explicit calendar dates.
	type found struct {
		at int
		t  time.Time
	}
	var dates []found
	for _, mt := range isoDateRe.FindAllStringSubmatchIndex(s, -1) {
		yy, _ := strconv.Atoi(s[mt[2]:mt[3]])
		mm, _ := strconv.Atoi(s[mt[4]:mt[5]])
		dd, _ := strconv.Atoi(s[mt[6]:mt[7]])
		if mm >= 1 && mm <= 12 {
			if t, ok := nextDate(yy, time.Month(mm), dd); ok {
				dates = append(dates, found{mt[0], t})
			}
		}
	}
	for _, mt := range monthDayRe.FindAllStringSubmatchIndex(s, -1) {
		dd, _ := strconv.Atoi(s[mt[4]:mt[5]])
		yy := 0
		if mt[6] >= 0 {
			yy, _ = strconv.Atoi(s[mt[6]:mt[7]])
		}
		if t, ok := nextDate(yy, monthNames[s[mt[2]:mt[3]]], dd); ok {
			dates = append(dates, found{mt[0], t})
		}
	}
	for _, mt := range dayMonthRe.FindAllStringSubmatchIndex(s, -1) {
		dd, _ := strconv.Atoi(s[mt[2]:mt[3]])
		yy := 0
		if mt[6] >= 0 {
			yy, _ = strconv.Atoi(s[mt[6]:mt[7]])
		}
		if t, ok := nextDate(yy, monthNames[s[mt[4]:mt[5]]], dd); ok {
			dates = append(dates, found{mt[0], t})
		}
	}
	for _, mt := range monthYearRe.FindAllStringSubmatchIndex(s, -1) {
		yy, _ := strconv.Atoi(s[mt[4]:mt[5]])
		month := monthNames[s[mt[2]:mt[3]]]
		day := 1
		switch before := s[:mt[0]]; {
		case strings.HasSuffix(before, "end of ") || strings.HasSuffix(before, "late "):
			day = time.Date(yy, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
		case strings.HasSuffix(before, "mid ") || strings.HasSuffix(before, "mid-"):
			day = 15
		}
		if t, ok := nextDate(yy, month, day); ok {
			dates = append(dates, found{mt[0], t})
		}
	}
	if len(dates) > 0 {
		first := dates[0]
		for _, f := range dates[1:] {
			if f.at < first.at {
				first = f
			}
		}
		return fromDate(first.t)
	}

	// 2. Relative spans.
	for _, mt := range relativeRe.FindAllStringSubmatchIndex(s, -1) {
		numText := strings.TrimSpace(s[mt[2]:mt[3]])
		unit := s[mt[4]:mt[5]]
		before, after := s[:mt[0]], s[mt[1]:]
		if frequencyRe.MatchString(after) || everyBeforeRe.MatchString(before) {
			continue // "3 days a week", "every 2 weeks"
		}
		n, isWord := numberWords[numText]
		switch {
		case isWord && (numText == "a" || numText == "an" || strings.Contains(numText, "few") ||
			strings.Contains(numText, "couple") || numText == "several" || strings.HasPrefix(numText, "half")):
			if !prepBeforeRe.MatchString(before) {
				continue // "three times a week", "once a month"
			}
		case isWord:
		default:
			if v, err := strconv.ParseFloat(numText, 64); err == nil {
				n = v
			} else if v, ok := compoundNumber(numText); ok {
				n = v
			} else {
				continue
			}
		}
		if n <= 0 {
			continue
		}
		var w float64
		switch {
		case strings.HasPrefix(unit, "d"):
			w = math.Ceil(n / 7)
		case strings.HasPrefix(unit, "w"):
			w = math.Ceil(n)
		case strings.HasPrefix(unit, "m"):
			w = math.Round(n * 52.0 / 12.0)
		default:
			w = math.Round(n * 52)
		}
		return clampWeeks(int(math.Min(w, MaxWeeks))), nil, true
	}
	if mt := nextRe.FindStringSubmatch(s); mt != nil {
		switch mt[2] {
		case "week":
			return 1, nil, true
		case "month":
			return 4, nil, true
		default:
			return 52, nil, true
		}
	}

	// 3. A month alone, and named days.
	if mt := monthOnlyRe.FindStringSubmatchIndex(s); mt != nil {
		month := monthNames[s[mt[4]:mt[5]]]
		yy := 0
		if mt[6] >= 0 {
			yy, _ = strconv.Atoi(s[mt[6]:mt[7]])
		}
		whole := s[mt[0]:mt[1]]
		day := 1
		switch {
		case strings.Contains(whole, "end of") || strings.Contains(whole, "late"):
			day = time.Date(2001, month+1, 0, 0, 0, 0, 0, time.UTC).Day() // non-leap year
		case strings.Contains(whole, "mid"):
			day = 15
		}
		if t, ok := nextDate(yy, month, day); ok {
			return fromDate(t)
		}
	}
	for _, n := range namedDays {
		if n.re.MatchString(s) {
			if t, ok := nextDate(0, n.month, n.day); ok {
				return fromDate(t)
			}
		}
	}
	if endOfMonthRe.MatchString(s) {
		last := time.Date(today.Year(), today.Month()+1, 0, 0, 0, 0, 0, time.UTC)
		if last.After(today) {
			return fromDate(last)
		}
		return 1, &last, true
	}
	return 0, nil, false
}

// compoundNumber reads "twenty-four" or "twenty four".
func compoundNumber(s string) (float64, bool) {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == ' ' })
	if len(parts) != 2 {
		return 0, false
	}
	tens, ok1 := numberWords[parts[0]]
	ones, ok2 := numberWords[parts[1]]
	if !ok1 || !ok2 || tens < 20 || ones >= 10 {
		return 0, false
	}
	return tens + ones, true
}

func clampWeeks(w int) int {
	return max(MinWeeks, min(MaxWeeks, w))
}

// horizon returns the weeks and target date of a request: TargetDate when
// set, else a timeline in Timeline, else one in the Statement, else
// DefaultWeeks.
func horizon(req Request) (int, *time.Time) {
	loc := req.Profile.Location()
	if req.TargetDate != nil {
		t := req.TargetDate.UTC()
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		y, m, dd := req.Now.In(loc).Date()
		days := int(d.Sub(time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)).Hours() / 24)
		return clampWeeks(int(math.Ceil(float64(days) / 7))), &d
	}
	for _, s := range []string{req.Timeline, req.Statement} {
		if w, t, ok := ParseTimeline(s, req.Now, loc); ok {
			return w, t
		}
	}
	return DefaultWeeks, nil
}
