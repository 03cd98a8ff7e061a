package planner

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fluxlife/flux"
)

// State is a step of the clarifying conversation, named as the original
// system named it.
type State string

// States of the clarifying conversation. PLAN_READY is declared for
// compatibility and never entered: a generated plan waits in
// AWAITING_CONFIRMATION.
const (
	StateIdle                  State = "IDLE"
	StateGatheringTimeline     State = "GATHERING_TIMELINE"
	StateGatheringCurrentState State = "GATHERING_CURRENT_STATE"
	StateGatheringTarget       State = "GATHERING_TARGET"
	StateGatheringPreferences  State = "GATHERING_PREFERENCES"
	StatePlanReady             State = "PLAN_READY"
	StateAwaitingConfirmation  State = "AWAITING_CONFIRMATION"
	StateConfirmed             State = "CONFIRMED"
)

// Suggested quick replies, as the original offered them.
const (
	SuggestTarget  = "Suggest a goal"
	SuggestConfirm = "Looks good!"
)

// MaxReplans bounds the change requests one conversation re-plans for.
const MaxReplans = 10

// maxAnswerRunes bounds each stored answer.
const maxAnswerRunes = 2000

// Answers is what the user told the conversation.
type Answers struct {
	Goal string `json:"goal,omitempty"`
	// Timeline is the horizon as understood ("in 10 weeks", "by
	// 2027-03-01"), or the user's words when they named none.
	Timeline     string     `json:"timeline,omitempty"`
	TargetDate   *time.Time `json:"target_date,omitempty"`
	CurrentState string     `json:"current_state,omitempty"`
	Target       string     `json:"target,omitempty"`
	// TargetSuggested is set when the user asked Flux to pick the target.
	TargetSuggested bool   `json:"target_suggested,omitempty"`
	Preferences     string `json:"preferences,omitempty"`
}

// Conversation is the clarifying conversation that turns a goal statement
// into a confirmed plan, for any goal. It asks, one at a time, for the
// timeline, the current state, the target and the preferences, skipping
// what earlier messages already answered (a first message such as "Run a
// 10k in 10 weeks" carries both the timeline and a measurable target). On
// the preferences answer it plans and waits for confirmation; a change
// request re-plans with the feedback; a confirmation ("yes", "looks good",
// ...) moves it to CONFIRMED, and that turn's Confirmed flag tells the
// caller to save the plan, exactly once.
//
// A Conversation is plain data: it encodes to JSON (store it in
// flux.Conversation.Data, with State in flux.Conversation.State) and
// decodes back mid-flow. Planner, Clock and Profile are not encoded; set
// them after decoding. Methods are not safe for concurrent use.
type Conversation struct {
	State   State   `json:"state"`
	Answers Answers `json:"answers"`
	// Plan is the plan on offer, once generated.
	Plan *Plan `json:"plan,omitempty"`
	// Feedback lists the change requests made so far, oldest first.
	Feedback []string `json:"feedback,omitempty"`
	// LastReply is the assistant's last message.
	LastReply string `json:"last_reply,omitempty"`

	// Planner makes the plans. Required.
	Planner Planner `json:"-"`
	// Clock reads the time; the system clock when nil.
	Clock flux.Clock `json:"-"`
	// Profile describes the user for planning.
	Profile Profile `json:"-"`
}

// NewConversation returns a conversation in IDLE using p to plan.
func NewConversation(p Planner, clock flux.Clock, profile Profile) *Conversation {
	return &Conversation{State: StateIdle, Planner: p, Clock: clock, Profile: profile}
}

// Turn is the conversation's answer to one message: the fields of the
// original response (state, message, suggested_action, plan).
type Turn struct {
	State   State  `json:"state"`
	Message string `json:"message"`
	// SuggestedAction is a quick-reply chip text, or "".
	SuggestedAction string `json:"suggested_action,omitempty"`
	// Plan is the plan on offer (nil before it is generated, and once the
	// conversation is over).
	Plan *Plan `json:"plan,omitempty"`
	// Confirmed is true only on the turn that confirmed the plan: save it
	// then, and never again for this conversation.
	Confirmed bool `json:"confirmed,omitempty"`
}

// Current returns the conversation's state as a turn, as GET
// /goals/{id} reports it: the last reply and the current plan (also once
// confirmed), no suggestion.
func (c *Conversation) Current() Turn {
	return Turn{State: c.state(), Message: c.LastReply, Plan: c.Plan}
}

func (c *Conversation) state() State {
	if c.State == "" {
		return StateIdle
	}
	return c.State
}

// Start handles the first message of a conversation. A conversation that
// has already started cannot start again (EConflict).
func (c *Conversation) Start(ctx context.Context, message string) (Turn, error) {
	if c.state() != StateIdle || c.Answers.Goal != "" {
		return Turn{}, flux.Errorf(flux.EConflict, "the conversation has already started")
	}
	return c.step(ctx, message, true)
}

// Respond handles the next message. On error (the planner failed or ctx
// ended) the conversation is left as it was, so the message can be sent
// again.
func (c *Conversation) Respond(ctx context.Context, message string) (Turn, error) {
	return c.step(ctx, message, false)
}

func (c *Conversation) step(ctx context.Context, message string, first bool) (Turn, error) {
	if c.Planner == nil {
		return Turn{}, flux.Errorf(flux.EInternal, "planner conversation: no planner configured")
	}
	if err := ctx.Err(); err != nil {
		return Turn{}, fmt.Errorf("planner conversation: %w", err)
	}
	next := c.clone()
	msg := clipAnswer(message)
	var (
		t   Turn
		err error
	)
	switch next.state() {
	case StateIdle:
		t = next.onGoal(msg, first)
	case StateGatheringTimeline:
		t = next.onTimeline(msg)
	case StateGatheringCurrentState:
		next.Answers.CurrentState = msg
		t = next.ask("")
	case StateGatheringTarget:
		t = next.onTarget(msg)
	case StateGatheringPreferences:
		next.Answers.Preferences = msg
		t, err = next.makePlan(ctx)
	case StateAwaitingConfirmation, StatePlanReady:
		t, err = next.onReview(ctx, msg)
	case StateConfirmed:
		t = Turn{State: StateConfirmed, Message: "This conversation has already been completed. Start a new one to set another goal!"}
	default:
		return Turn{}, flux.Errorf(flux.EInvalid, "planner conversation: unknown state %q", c.State)
	}
	if err != nil {
		return Turn{}, err
	}
	next.State = t.State
	next.LastReply = t.Message
	*c = *next
	return t, nil
}

func (c *Conversation) clone() *Conversation {
	n := *c
	n.Plan = c.Plan.Clone()
	n.Feedback = append([]string(nil), c.Feedback...)
	if c.Answers.TargetDate != nil {
		d := *c.Answers.TargetDate
		n.Answers.TargetDate = &d
	}
	return &n
}

func (c *Conversation) now() time.Time {
	if c.Clock == nil {
		return flux.SystemClock{}.Now()
	}
	return c.Clock.Now()
}

var greetingRe = regexp.MustCompile(`^(hi|hello|hey|hiya|yo|good (morning|afternoon|evening)|thanks|thank you|ok|okay|help|start)( there)?( flux)?[!.?\s]*$`)

// onGoal takes a goal statement, noting a timeline and a measurable target
// it carries, or asks for a goal.
func (c *Conversation) onGoal(msg string, first bool) Turn {
	if msg == "" || greetingRe.MatchString(strings.ToLower(msg)) || len(tokenize(msg)) < 2 {
		text := "Tell me about a goal you'd like to reach, for example \"Run a 10k in 10 weeks\" or \"Learn conversational Spanish by March\"."
		if first {
			text = "Hi, I'm Flux! 🎯 What goal would you like to work on? Anything works: fitness, running, a language, studying, your career, money, a creative project, or your wellbeing."
		}
		return Turn{State: StateIdle, Message: text}
	}
	c.Answers.Goal = msg
	if weeks, target, ok := ParseTimeline(msg, c.now(), c.Profile.Location()); ok {
		c.setTimeline(weeks, target)
	}
	if measurableRe.MatchString(strings.ToLower(msg)) {
		c.Answers.Target = msg
	}
	return c.ask("Great goal! 🎯 ")
}

func (c *Conversation) setTimeline(weeks int, target *time.Time) {
	if target != nil {
		c.Answers.TargetDate = target
		c.Answers.Timeline = "by " + target.Format("2006-01-02")
		return
	}
	c.Answers.Timeline = fmt.Sprintf("in %d weeks", weeks)
}

func (c *Conversation) onTimeline(msg string) Turn {
	if weeks, target, ok := ParseTimeline(msg, c.now(), c.Profile.Location()); ok {
		c.setTimeline(weeks, target)
		return c.ask("")
	}
	if msg == "" {
		return c.ask("")
	}
	c.Answers.Timeline = msg
	return c.ask(fmt.Sprintf("No fixed date, so I'll plan the first %d weeks. ", DefaultWeeks))
}

func (c *Conversation) onTarget(msg string) Turn {
	l := strings.ToLower(msg)
	if strings.Contains(l, "suggest") || strings.Contains(l, "you pick") || strings.Contains(l, "you decide") ||
		strings.Contains(l, "not sure") || strings.Contains(l, "no idea") || strings.Contains(l, "don't know") {
		c.Answers.TargetSuggested = true
		c.Answers.Target = "Suggested by Flux: " + c.suggestedTarget()
		return c.ask("Here's a realistic target: " + c.suggestedTarget() + ". ")
	}
	c.Answers.Target = msg
	return c.ask("")
}

// ask moves to the first unanswered question and asks it, after prefix.
func (c *Conversation) ask(prefix string) Turn {
	domain := c.domain()
	a := c.Answers
	switch {
	case a.Timeline == "":
		return Turn{State: StateGatheringTimeline, Message: prefix + "By when would you like to get there? A date (\"by June 1\") or a time frame (\"in 3 months\") both work."}
	case a.CurrentState == "":
		return Turn{State: StateGatheringCurrentState, Message: prefix + currentQuestions[domain](c)}
	case a.Target == "":
		return Turn{State: StateGatheringTarget, Message: prefix + "What would success look like for you, as concretely as possible" + targetExamples[domain] + "? Or I can suggest a realistic target.", SuggestedAction: SuggestTarget}
	default:
		return Turn{State: StateGatheringPreferences, Message: prefix + "Last question: how do you like to work on it? Mornings or evenings, how many days a week, and anything to avoid?" + prefHints[domain]}
	}
}

func (c *Conversation) domain() string { return ClassifyDomain(c.Answers.Goal) }

var currentQuestions = map[string]func(*Conversation) string{
	DomainRunning: func(*Conversation) string {
		return "Where are you starting from? How often and how far do you run at the moment, if at all?"
	},
	DomainFitness: func(*Conversation) string {
		return "Where are you starting from? How active are you these days, and is there anything I should know, like an injury?"
	},
	DomainLanguage: func(c *Conversation) string {
		lang := languageName(c.Answers.Goal)
		if lang == "" {
			lang = "of the language"
		}
		return fmt.Sprintf("How much %s do you know today: complete beginner, some basics, or already chatting a bit?", lang)
	},
	DomainStudy: func(*Conversation) string {
		return "Where are you starting from? What have you covered already, and what feels hardest?"
	},
	DomainCareer: func(*Conversation) string {
		return "Where do things stand today: your current role, and what's in the way?"
	},
	DomainMoney: func(*Conversation) string {
		return "Where do things stand today: roughly what have you saved or owe, and what does a typical month look like?"
	},
	DomainCreative: func(*Conversation) string {
		return "How much have you done so far: brand new to it, or picking it back up?"
	},
	DomainWellbeing: func(*Conversation) string {
		return "How are things right now? What does a typical day look like around this?"
	},
	DomainGeneral: func(*Conversation) string {
		return "Where are you starting from today? What have you tried already?"
	},
}

var targetExamples = map[string]string{
	DomainRunning:   " (a finish time, or finishing comfortably)",
	DomainFitness:   " (a weight, a number of push-ups, how you feel)",
	DomainLanguage:  " (a 20-minute conversation, passing a B1 exam)",
	DomainStudy:     " (a grade, a certificate, finishing a course)",
	DomainCareer:    " (an offer, a promotion, a first client)",
	DomainMoney:     " (an amount saved, a debt paid off)",
	DomainCreative:  " (a finished draft, a song you can play through)",
	DomainWellbeing: " (7 hours of sleep, meditating most days)",
	DomainGeneral:   "",
}

var prefHints = map[string]string{
	DomainFitness:  " Gym, home workouts or outdoors?",
	DomainRunning:  " Which day suits a longer run?",
	DomainLanguage: " Apps, a course, a tutor?",
}

func (c *Conversation) suggestedTarget() string {
	text := c.Answers.Goal
	switch c.domain() {
	case DomainRunning:
		if r := raceOf(tokenize(text)); r.label != "" {
			return "finish the " + r.label + " comfortably, running at a steady pace you could hold a conversation at"
		}
		return "run 30 minutes without stopping"
	case DomainFitness:
		return "train 3–4 times a week and feel clearly stronger and fitter; if weight is part of it, no more than about 0.5 kg (1 lb) a week"
	case DomainLanguage:
		lang := languageName(text)
		if lang == "" {
			lang = "the language"
		}
		return "hold a 20-minute everyday conversation in " + lang
	case DomainStudy:
		return "cover everything you need and do well on a full practice test before the real thing"
	case DomainCareer:
		return "one concrete next step: an offer, a promotion conversation, or your first paying client"
	case DomainMoney:
		return "save a fixed amount every week, automatically, and know where every euro or dollar goes"
	case DomainCreative:
		return "finish one complete piece you're proud to share"
	case DomainWellbeing:
		return "a daily routine you keep at least 5 days a week, and feeling the difference"
	}
	return "finish with a steady weekly routine you can keep"
}

// measurableRe finds a measurable target in a goal statement: an amount
// with a unit, money, a race, an exam or a level.
var measurableRe = regexp.MustCompile(`\b\d+(?:[.,]\d+)?\s*(?:k|km|kms|kilometers|kilometres|mi|miles?|kg|kgs|kilos?|lbs?|pounds|%|percent|words|pages|books|push-?ups|pull-?ups|reps|minutes|min|hours|clients|customers|applications|wpm|sessions)\b|[$€£]\s?\d|\b(?:half[- ]marathon|marathon|5k|10k|parkrun|(?:a1|a2|b1|b2|c1|c2)\b|jlpt|hsk|ielts|toefl|dele|delf|pass (?:my|the|an?)\b)`)

// makePlan plans from the answers and offers the plan.
func (c *Conversation) makePlan(ctx context.Context) (Turn, error) {
	p, err := c.Planner.Plan(ctx, c.request())
	if err != nil {
		return Turn{}, fmt.Errorf("planner conversation: %w", err)
	}
	c.Plan = p
	var msg string
	if len(p.Sources) > 0 {
		msg = fmt.Sprintf("I've put together a personalized %d-week plan based on our conversation and expert research! 🎯\n\nTake a look and let me know if you'd like to adjust anything, or say **'Looks good!'** to lock it in.", p.Weeks)
	} else {
		msg = fmt.Sprintf("I don't have expert guidance for this specific goal yet. I'll create a plan based on general best practices instead.\n\nI've put together a %d-week plan based on our conversation! 🎯\n\nTake a look and let me know if you'd like to adjust anything, or say **'Looks good!'** to lock it in.", p.Weeks)
	}
	return Turn{State: StateAwaitingConfirmation, Message: msg, SuggestedAction: SuggestConfirm, Plan: p}, nil
}

func (c *Conversation) request() Request {
	a := c.Answers
	req := Request{
		Statement:    a.Goal,
		Timeline:     a.Timeline,
		CurrentState: a.CurrentState,
		Target:       a.Target,
		Preferences:  a.Preferences,
		Profile:      c.Profile,
		Now:          c.now(),
	}
	if a.TargetDate != nil {
		d := *a.TargetDate
		req.TargetDate = &d
	}
	if len(c.Feedback) > 0 {
		req.Feedback = strings.Join(c.Feedback, "\n")
		req.Previous = c.Plan
	}
	return req
}

// onReview handles a reply to an offered plan: confirm, re-plan, or ask.
func (c *Conversation) onReview(ctx context.Context, msg string) (Turn, error) {
	switch classifyReview(msg) {
	case reviewConfirm:
		return Turn{
			State:     StateConfirmed,
			Message:   "Awesome! Your plan is locked in! 🎉\n\nI've created your goal, milestones, and tasks. You'll see them on your calendar. Let's do this together! 💪",
			Plan:      c.Plan,
			Confirmed: true,
		}, nil
	case reviewChange:
		if len(c.Feedback) >= MaxReplans {
			return Turn{State: StateAwaitingConfirmation, Message: fmt.Sprintf("We've revised this plan %d times. Say **'Looks good!'** to lock it in, or start a new conversation for a fresh plan.", MaxReplans), SuggestedAction: SuggestConfirm, Plan: c.Plan}, nil
		}
		c.Feedback = append(c.Feedback, msg)
		p, err := c.Planner.Plan(ctx, c.request())
		if err != nil {
			return Turn{}, fmt.Errorf("planner conversation: re-plan: %w", err)
		}
		c.Plan = p
		return Turn{State: StateAwaitingConfirmation, Message: "Done! I've updated your plan with your feedback. Take a look, and say **'Looks good!'** to lock it in, or tell me what else to change.", SuggestedAction: SuggestConfirm, Plan: p}, nil
	}
	return Turn{State: StateAwaitingConfirmation, Message: "What would you like to change? For example: fewer sessions, other days, mornings instead of evenings, or something easier. Or say **'Looks good!'** to lock it in.", SuggestedAction: SuggestConfirm, Plan: c.Plan}, nil
}

type review int

const (
	reviewUnclear review = iota
	reviewConfirm
	reviewChange
)

// classifyReview reads a reply to an offered plan: a confirmation ("yes",
// "looks good", "perfect"), a change request (anything with "but",
// "instead", "fewer", a question, ...), or neither ("no", "hmm").
func classifyReview(msg string) review {
	l := strings.ToLower(msg)
	w := tokenize(l)
	changeWords := hasAny(w, "not", "don t", "dont", "change", "instead", "but", "less", "more", "fewer",
		"too much", "too many", "too hard", "too long", "too short", "too easy", "too early", "too late", "too often",
		"can t", "cannot", "swap", "replace", "move", "prefer", "rather", "remove", "add", "drop", "without",
		"only", "shorter", "longer", "easier", "harder", "different", "earlier", "later", "hate", "isn t",
		"doesn t", "won t", "wouldn t", "other", "switch", "make it", "could you", "can you") || strings.Contains(l, "?")
	positive := hasAny(w, "yes", "yep", "yeah", "yup", "sure", "ok", "okay", "good", "great", "perfect", "confirm",
		"confirmed", "lock", "love", "looks good", "sounds good", "let s go", "let s do it", "do it", "go ahead",
		"approve", "approved", "fine", "awesome", "excellent", "nice", "deal", "agreed") || strings.Contains(l, "👍")
	negativeOnly := hasAny(w, "no", "nope", "nah", "not really", "not quite")
	onlyFiller := true
	for _, x := range w {
		if !fillerWords[x] {
			onlyFiller = false
		}
	}
	switch {
	case onlyFiller && !positive:
		return reviewUnclear
	case positive && !changeWords && !negativeOnly:
		return reviewConfirm
	case changeWords && len(w) >= 2:
		return reviewChange
	case !positive && len(w) >= 3:
		return reviewChange
	}
	return reviewUnclear
}

// fillerWords say nothing about what to change.
var fillerWords = map[string]bool{"no": true, "nope": true, "nah": true, "not": true, "really": true, "quite": true,
	"hmm": true, "hm": true, "um": true, "well": true, "thanks": true, "thank": true, "you": true}

func clipAnswer(s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > maxAnswerRunes {
		s = string([]rune(s)[:maxAnswerRunes])
	}
	return s
}
