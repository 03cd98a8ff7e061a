package notify

import (
	"fmt"
	"slices"

	"github.com/fluxlife/flux"
)

// The priority model: which channels a reminder of each priority climbs and
// the wait before each, as the original system's table had it. Waits are
// chained: each is counted from the step before, so must_not_miss calls
// 120 + 420 = 540 seconds after the push.
//
// Standard and important reminders respect the user's quiet hours; a
// must_not_miss reminder goes through them.
var defaultPolicies = map[flux.Priority][]flux.PolicyStep{
	flux.PriorityStandard: {
		{Channel: flux.ChannelPush, WaitSeconds: 0, Conditions: []string{flux.ConditionOutsideQuietHours}},
	},
	flux.PriorityImportant: {
		{Channel: flux.ChannelPush, WaitSeconds: 0, Conditions: []string{flux.ConditionOutsideQuietHours}},
		{Channel: flux.ChannelWhatsApp, WaitSeconds: 120, Conditions: []string{flux.ConditionOutsideQuietHours}},
	},
	flux.PriorityMustNotMiss: {
		{Channel: flux.ChannelPush, WaitSeconds: 0},
		{Channel: flux.ChannelWhatsApp, WaitSeconds: 120},
		{Channel: flux.ChannelCall, WaitSeconds: 420},
	},
}

// Priorities lists the priorities in the model's order.
var Priorities = []flux.Priority{flux.PriorityStandard, flux.PriorityImportant, flux.PriorityMustNotMiss}

// Speeds are the escalation speed multipliers a send may ask for.
var Speeds = []float64{1, 5, 10}

// DefaultPolicy returns the priority model's ladder for p (a copy); an
// unknown priority gets the standard ladder.
func DefaultPolicy(p flux.Priority) []flux.PolicyStep {
	steps, ok := defaultPolicies[p]
	if !ok {
		steps = defaultPolicies[flux.PriorityStandard]
	}
	out := make([]flux.PolicyStep, len(steps))
	for i, s := range steps {
		s.Conditions = slices.Clone(s.Conditions)
		out[i] = s
	}
	return out
}

// PolicyFor returns the ladder user u uses for priority p: their own when
// they set one, else DefaultPolicy(p).
func PolicyFor(u *flux.User, p flux.Priority) []flux.PolicyStep {
	if steps, ok := u.EscalationPolicies[p]; ok && len(steps) > 0 {
		out := make([]flux.PolicyStep, len(steps))
		for i, s := range steps {
			s.Conditions = slices.Clone(s.Conditions)
			out[i] = s
		}
		return out
	}
	return DefaultPolicy(p)
}

// ValidSpeed reports whether m is one of Speeds.
func ValidSpeed(m float64) bool { return slices.Contains(Speeds, m) }

// ActualWait is a step's wait at speed multiplier m: the base wait divided
// by m, truncated to whole seconds, as the original computed it.
func ActualWait(baseSeconds int, m float64) int {
	if m <= 0 {
		m = 1
	}
	return int(float64(baseSeconds) / m)
}

// ActualWaits returns the waits of steps at speed multiplier m.
func ActualWaits(steps []flux.PolicyStep, m float64) []int {
	out := make([]int, len(steps))
	for i, s := range steps {
		out[i] = ActualWait(s.WaitSeconds, m)
	}
	return out
}

// TimingStep is one step of the priority model's timing view.
type TimingStep struct {
	StepNumber int          `json:"step_number"`
	Channel    flux.Channel `json:"channel"`
	// BaseWaitSeconds and ActualWaitSeconds are the wait before the step
	// at speed 1 and at the asked speed.
	BaseWaitSeconds   int `json:"base_wait_time_seconds"`
	ActualWaitSeconds int `json:"actual_wait_time_seconds"`
	// CumulativeSeconds is when the step is sent, counted from the start.
	CumulativeSeconds int `json:"cumulative_time_seconds"`
	// FromStart is CumulativeSeconds for people: "54s", "9m", "2m 30s".
	FromStart string `json:"time_from_start_human_readable"`
}

// Timing returns the timing view of steps at speed multiplier m.
func Timing(steps []flux.PolicyStep, m float64) []TimingStep {
	out := make([]TimingStep, len(steps))
	total := 0
	for i, s := range steps {
		w := ActualWait(s.WaitSeconds, m)
		total += w
		out[i] = TimingStep{
			StepNumber: i + 1, Channel: s.Channel, BaseWaitSeconds: s.WaitSeconds,
			ActualWaitSeconds: w, CumulativeSeconds: total, FromStart: HumanSeconds(total),
		}
	}
	return out
}

// HumanSeconds writes a number of seconds as the original did: under a
// minute "Ns", else "Mm" or "Mm Ss".
func HumanSeconds(s int) string {
	if s < 60 {
		return fmt.Sprintf("%ds", s)
	}
	if s%60 == 0 {
		return fmt.Sprintf("%dm", s/60)
	}
	return fmt.Sprintf("%dm %ds", s/60, s%60)
}
