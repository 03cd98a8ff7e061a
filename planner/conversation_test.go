package planner

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/google/go-cmp/cmp"
)

// recordingPlanner plans offline and records the requests it got.
type recordingPlanner struct {
	reqs []Request
	err  error
}

func (r *recordingPlanner) Plan(ctx context.Context, req Request) (*Plan, error) {
	r.reqs = append(r.reqs, req)
	if r.err != nil {
		return nil, r.err
	}
	return (&Offline{}).Plan(ctx, req)
}

func newConv(p Planner) *Conversation {
	return NewConversation(p, fluxtest.NewClock(monday), Profile{Timezone: "UTC", Chronotype: flux.ChronotypeNeutral})
}

type step struct {
	say        string
	state      State
	contains   string
	suggestion string
	hasPlan    bool
	confirmed  bool
}

func runSteps(t *testing.T, c *Conversation, steps []step) Turn {
	t.Helper()
	var last Turn
	for i, s := range steps {
		var (
			turn Turn
			err  error
		)
		if i == 0 {
			turn, err = c.Start(context.Background(), s.say)
		} else {
			turn, err = c.Respond(context.Background(), s.say)
		}
		if err != nil {
			t.Fatalf("step %d %q: %v", i, s.say, err)
		}
		if turn.State != s.state || !strings.Contains(turn.Message, s.contains) || turn.SuggestedAction != s.suggestion ||
			(turn.Plan != nil) != s.hasPlan || turn.Confirmed != s.confirmed {
			t.Fatalf("step %d %q: got state %s, suggestion %q, plan %v, confirmed %v, message %q; want state %s, suggestion %q, plan %v, confirmed %v, message containing %q",
				i, s.say, turn.State, turn.SuggestedAction, turn.Plan != nil, turn.Confirmed, turn.Message, s.state, s.suggestion, s.hasPlan, s.confirmed, s.contains)
		}
		if c.State != turn.State || c.LastReply != turn.Message {
			t.Fatalf("step %d: conversation state %s / %q not updated", i, c.State, c.LastReply)
		}
		last = turn
	}
	return last
}

func TestConversationFullFlow(t *testing.T) {
	t.Parallel()
	rp := &recordingPlanner{}
	c := newConv(rp)
	runSteps(t, c, []step{
		{say: "Learn conversational Spanish", state: StateGatheringTimeline, contains: "By when"},
		{say: "by March 1", state: StateGatheringCurrentState, contains: "How much Spanish do you know"},
		{say: "complete beginner", state: StateGatheringTarget, contains: "Or I can suggest", suggestion: SuggestTarget},
		{say: "Suggest one please", state: StateGatheringPreferences, contains: "Here's a realistic target: hold a 20-minute everyday conversation in Spanish"},
		{say: "evenings, 4 days a week", state: StateAwaitingConfirmation, contains: "43-week plan", suggestion: SuggestConfirm, hasPlan: true},
		{say: "Looks good!", state: StateConfirmed, contains: "locked in", hasPlan: true, confirmed: true},
		{say: "thanks", state: StateConfirmed, contains: "already been completed"},
	})
	if len(rp.reqs) != 1 {
		t.Fatalf("%d planner calls, want 1", len(rp.reqs))
	}
	want := Request{
		Statement: "Learn conversational Spanish", Timeline: "by 2027-03-01", TargetDate: date(2027, 3, 1),
		CurrentState: "complete beginner", Target: "Suggested by Flux: hold a 20-minute everyday conversation in Spanish",
		Preferences: "evenings, 4 days a week", Profile: c.Profile, Now: monday,
	}
	if diff := cmp.Diff(want, rp.reqs[0]); diff != "" {
		t.Errorf("planner request (-want +got):\n%s", diff)
	}
	if c.Plan == nil || c.Plan.Category != DomainLanguage {
		t.Errorf("plan: %+v", c.Plan)
	}
	if cur := c.Current(); cur.State != StateConfirmed || cur.Plan != c.Plan || cur.Confirmed || !strings.Contains(cur.Message, "already been completed") {
		t.Errorf("Current after confirmation: %+v", cur)
	}
}

func TestConversationSkipsAnsweredQuestions(t *testing.T) {
	t.Parallel()
	c := newConv(&Offline{})
	last := runSteps(t, c, []step{
		{say: "Run a 10k in 10 weeks", state: StateGatheringCurrentState, contains: "Great goal! 🎯 Where are you starting from? How often and how far do you run"},
		{say: "I can run 3 km slowly", state: StateGatheringPreferences, contains: "Last question"},
		{say: "mornings", state: StateAwaitingConfirmation, contains: "10-week plan", suggestion: SuggestConfirm, hasPlan: true},
	})
	if c.Answers.Timeline != "in 10 weeks" || c.Answers.Target != "Run a 10k in 10 weeks" {
		t.Errorf("answers: %+v", c.Answers)
	}
	if len(last.Plan.Milestones) != 10 || Validate(last.Plan) != nil {
		t.Errorf("plan: %d milestones, %v", len(last.Plan.Milestones), Validate(last.Plan))
	}

	c = newConv(&Offline{})
	runSteps(t, c, []step{
		{say: "Lose 5 kg before my wedding on 2026-07-02", state: StateGatheringCurrentState, contains: "How active are you"},
	})
	if c.Answers.TargetDate == nil || !c.Answers.TargetDate.Equal(*date(2026, 7, 2)) || c.Answers.Target == "" {
		t.Errorf("answers: %+v", c.Answers)
	}

	c = newConv(&Offline{})
	runSteps(t, c, []step{
		{say: "Get better at chess", state: StateGatheringTimeline, contains: "By when"},
		{say: "no rush really", state: StateGatheringCurrentState, contains: "No fixed date, so I'll plan the first 6 weeks."},
	})
}

func TestConversationReplansOnFeedback(t *testing.T) {
	t.Parallel()
	rp := &recordingPlanner{}
	c := newConv(rp)
	first := runSteps(t, c, []step{
		{say: "Lose 5 kg in 8 weeks", state: StateGatheringCurrentState, contains: "active"},
		{say: "I walk sometimes", state: StateGatheringPreferences, contains: "Gym, home workouts or outdoors?"},
		{say: "evenings, gym", state: StateAwaitingConfirmation, contains: "8-week plan", suggestion: SuggestConfirm, hasPlan: true},
	}).Plan

	turn, err := c.Respond(context.Background(), "That's too much for me, fewer sessions and mornings instead please")
	if err != nil {
		t.Fatal(err)
	}
	if turn.State != StateAwaitingConfirmation || turn.Plan == nil || !strings.Contains(turn.Message, "updated your plan") || turn.Confirmed {
		t.Fatalf("re-plan turn: %+v", turn)
	}
	if cmp.Equal(first, turn.Plan) {
		t.Error("the plan did not change")
	}
	if got := turn.Plan.Milestones[0].Tasks[0].TimeOfDay; got != Morning {
		t.Errorf("time of day after feedback: %q", got)
	}
	last := rp.reqs[len(rp.reqs)-1]
	if last.Feedback != "That's too much for me, fewer sessions and mornings instead please" || last.Previous == nil || !cmp.Equal(last.Previous, first) {
		t.Errorf("re-plan request: feedback %q, previous %v", last.Feedback, last.Previous != nil)
	}

	// "no" alone asks what to change, without re-planning.
	calls := len(rp.reqs)
	turn, _ = c.Respond(context.Background(), "no")
	if turn.State != StateAwaitingConfirmation || !strings.Contains(turn.Message, "What would you like to change?") || len(rp.reqs) != calls || turn.Plan == nil {
		t.Errorf("unclear reply: %+v", turn)
	}
	// A second change request carries both pieces of feedback.
	if _, err := c.Respond(context.Background(), "and make it harder"); err != nil {
		t.Fatal(err)
	}
	if fb := rp.reqs[len(rp.reqs)-1].Feedback; fb != "That's too much for me, fewer sessions and mornings instead please\nand make it harder" {
		t.Errorf("accumulated feedback %q", fb)
	}
	turn, _ = c.Respond(context.Background(), "Perfect, thanks!")
	if turn.State != StateConfirmed || !turn.Confirmed || turn.Plan == nil || !cmp.Equal(turn.Plan, c.Plan) {
		t.Errorf("confirmation: %+v", turn)
	}
}

func TestConversationJSONRoundTripMidFlow(t *testing.T) {
	t.Parallel()
	script := []string{"Write a novel by December 1", "I've written a few short stories", "finish a 50,000-word first draft", "early mornings, weekdays", "fewer sessions please", "looks good"}

	// One conversation kept in memory...
	mem := newConv(&Offline{})
	var memTurns []Turn
	for i, s := range script {
		var turn Turn
		var err error
		if i == 0 {
			turn, err = mem.Start(context.Background(), s)
		} else {
			turn, err = mem.Respond(context.Background(), s)
		}
		if err != nil {
			t.Fatal(err)
		}
		memTurns = append(memTurns, turn)
	}

	// ...and one stored and restored between every message, as after a
	// restart.
	var stored []byte
	for i, s := range script {
		c := newConv(&Offline{})
		if stored != nil {
			c = &Conversation{}
			if err := json.Unmarshal(stored, c); err != nil {
				t.Fatal(err)
			}
			c.Planner, c.Clock, c.Profile = &Offline{}, fluxtest.NewClock(monday), mem.Profile
		}
		var turn Turn
		var err error
		if i == 0 {
			turn, err = c.Start(context.Background(), s)
		} else {
			turn, err = c.Respond(context.Background(), s)
		}
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(memTurns[i], turn); diff != "" {
			t.Fatalf("turn %d differs after a round trip (-memory +restored):\n%s", i, diff)
		}
		if stored, err = json.Marshal(c); err != nil {
			t.Fatal(err)
		}
	}
	var final Conversation
	if err := json.Unmarshal(stored, &final); err != nil {
		t.Fatal(err)
	}
	if final.State != StateConfirmed || final.Plan == nil || final.Plan.Category != DomainCreative || len(final.Feedback) != 1 {
		t.Errorf("restored: state %s plan %v feedback %v", final.State, final.Plan != nil, final.Feedback)
	}
	var generic map[string]any
	_ = json.Unmarshal(stored, &generic)
	for _, k := range []string{"state", "answers", "plan", "feedback", "last_reply"} {
		if _, ok := generic[k]; !ok {
			t.Errorf("stored JSON lacks %q: %s", k, stored)
		}
	}
}

func TestConversationIdle(t *testing.T) {
	t.Parallel()
	c := newConv(&Offline{})
	runSteps(t, c, []step{
		{say: "hi", state: StateIdle, contains: "What goal would you like to work on?"},
		{say: "hmm", state: StateIdle, contains: "Tell me about a goal"},
		{say: "Write a novel", state: StateGatheringTimeline, contains: "By when"},
	})
	if _, err := c.Start(context.Background(), "Run a 5k"); !flux.IsCode(err, flux.EConflict) {
		t.Errorf("second Start: %v", err)
	}
}

func TestConversationPlannerErrorKeepsState(t *testing.T) {
	t.Parallel()
	rp := &recordingPlanner{}
	c := newConv(rp)
	runSteps(t, c, []step{
		{say: "Run a 5k in 6 weeks", state: StateGatheringCurrentState, contains: "run"},
		{say: "beginner", state: StateGatheringPreferences, contains: "Last question"},
	})
	before, _ := json.Marshal(c)
	rp.err = errors.New("planner down")
	if _, err := c.Respond(context.Background(), "mornings"); err == nil || !strings.Contains(err.Error(), "planner down") {
		t.Fatalf("err = %v", err)
	}
	after, _ := json.Marshal(c)
	if string(before) != string(after) {
		t.Errorf("state changed on error:\n%s\n%s", before, after)
	}
	rp.err = nil
	turn, err := c.Respond(context.Background(), "mornings")
	if err != nil || turn.State != StateAwaitingConfirmation {
		t.Errorf("retry: %+v %v", turn, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Respond(ctx, "yes"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if _, err := (&Conversation{}).Respond(context.Background(), "x"); !flux.IsCode(err, flux.EInternal) {
		t.Errorf("no planner: %v", err)
	}
	bad := &Conversation{State: "DANCING", Planner: &Offline{}}
	if _, err := bad.Respond(context.Background(), "x"); !flux.IsCode(err, flux.EInvalid) {
		t.Errorf("unknown state: %v", err)
	}
}

func TestConversationWithLLM(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.fake.ReplyJSON(modelPlan(weeksUpTo(10)))
	c := newConv(h.llm)
	last := runSteps(t, c, []step{
		{say: "Run a 10k in 10 weeks", state: StateGatheringCurrentState, contains: "run"},
		{say: "I jog twice a week", state: StateGatheringPreferences, contains: "Last question"},
		{say: "mornings", state: StateAwaitingConfirmation, contains: "10-week plan", suggestion: SuggestConfirm, hasPlan: true},
	})
	if last.Plan.Planner != NameLLM {
		t.Errorf("planner %q", last.Plan.Planner)
	}
}

func TestClassifyReview(t *testing.T) {
	t.Parallel()
	tests := map[string]review{
		"Looks good!":                      reviewConfirm,
		"yes":                              reviewConfirm,
		"Yes please":                       reviewConfirm,
		"Perfect, thanks!":                 reviewConfirm,
		"lock it in":                       reviewConfirm,
		"👍":                                reviewConfirm,
		"sounds good, let's go":            reviewConfirm,
		"no":                               reviewUnclear,
		"hmm":                              reviewUnclear,
		"not really":                       reviewUnclear,
		"Looks good but fewer runs":        reviewChange,
		"Can you move the runs to Sunday?": reviewChange,
		"too hard for me":                  reviewChange,
		"No, make it mornings":             reviewChange,
		"I'd rather train at home":         reviewChange,
		"swap strength for yoga":           reviewChange,
		"I work night shifts on Tuesdays":  reviewChange,
	}
	for msg, want := range tests {
		if got := classifyReview(msg); got != want {
			t.Errorf("classifyReview(%q) = %d, want %d", msg, got, want)
		}
	}
}
