package notify_test

import (
	"testing"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/notify"
	"github.com/google/go-cmp/cmp"
)

func TestPriorityModel(t *testing.T) {
	t.Parallel()
	channels := func(steps []flux.PolicyStep) (out []flux.Channel, waits []int) {
		for _, s := range steps {
			out = append(out, s.Channel)
			waits = append(waits, s.WaitSeconds)
		}
		return out, waits
	}
	cases := []struct {
		p        flux.Priority
		channels []flux.Channel
		waits    []int
	}{
		{flux.PriorityStandard, []flux.Channel{"push"}, []int{0}},
		{flux.PriorityImportant, []flux.Channel{"push", "whatsapp"}, []int{0, 120}},
		{flux.PriorityMustNotMiss, []flux.Channel{"push", "whatsapp", "call"}, []int{0, 120, 420}},
	}
	for _, c := range cases {
		ch, w := channels(notify.DefaultPolicy(c.p))
		if diff := cmp.Diff(c.channels, ch); diff != "" {
			t.Errorf("DefaultPolicy(%s) channels (-want +got):\n%s", c.p, diff)
		}
		if diff := cmp.Diff(c.waits, w); diff != "" {
			t.Errorf("DefaultPolicy(%s) waits (-want +got):\n%s", c.p, diff)
		}
	}
	// Quiet hours hold for standard and important, not for must_not_miss.
	for _, s := range notify.DefaultPolicy(flux.PriorityImportant) {
		if len(s.Conditions) != 1 || s.Conditions[0] != flux.ConditionOutsideQuietHours {
			t.Errorf("an important step's conditions = %v", s.Conditions)
		}
	}
	for _, s := range notify.DefaultPolicy(flux.PriorityMustNotMiss) {
		if len(s.Conditions) != 0 {
			t.Errorf("a must_not_miss step's conditions = %v", s.Conditions)
		}
	}
	// DefaultPolicy hands out copies.
	p := notify.DefaultPolicy(flux.PriorityImportant)
	p[0].Conditions[0], p[1].WaitSeconds = "x", 1
	if q := notify.DefaultPolicy(flux.PriorityImportant); q[0].Conditions[0] == "x" || q[1].WaitSeconds == 1 {
		t.Error("changing a returned policy changed the model")
	}
}

func TestActualWaitsAndTiming(t *testing.T) {
	t.Parallel()
	mnm, imp := notify.DefaultPolicy(flux.PriorityMustNotMiss), notify.DefaultPolicy(flux.PriorityImportant)
	for _, c := range []struct {
		steps []flux.PolicyStep
		m     float64
		want  []int
	}{
		{mnm, 10, []int{0, 12, 42}},
		{mnm, 5, []int{0, 24, 84}},
		{mnm, 1, []int{0, 120, 420}},
		{imp, 5, []int{0, 24}},
		{mnm, 3, []int{0, 40, 140}},
		{mnm, 7, []int{0, 17, 60}}, // truncating division
	} {
		if diff := cmp.Diff(c.want, notify.ActualWaits(c.steps, c.m)); diff != "" {
			t.Errorf("ActualWaits(×%v) (-want +got):\n%s", c.m, diff)
		}
	}
	got := notify.Timing(mnm, 10)
	want := []notify.TimingStep{
		{StepNumber: 1, Channel: "push", BaseWaitSeconds: 0, ActualWaitSeconds: 0, CumulativeSeconds: 0, FromStart: "0s"},
		{StepNumber: 2, Channel: "whatsapp", BaseWaitSeconds: 120, ActualWaitSeconds: 12, CumulativeSeconds: 12, FromStart: "12s"},
		{StepNumber: 3, Channel: "call", BaseWaitSeconds: 420, ActualWaitSeconds: 42, CumulativeSeconds: 54, FromStart: "54s"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Timing(must_not_miss, ×10) (-want +got):\n%s", diff)
	}
	if got := notify.Timing(mnm, 1)[2]; got.CumulativeSeconds != 540 || got.FromStart != "9m" {
		t.Errorf("the call at ×1: %+v, want 540 s, \"9m\"", got)
	}
	for s, want := range map[int]string{0: "0s", 59: "59s", 60: "1m", 61: "1m 1s", 150: "2m 30s", 540: "9m", 3600: "60m"} {
		if got := notify.HumanSeconds(s); got != want {
			t.Errorf("HumanSeconds(%d) = %q, want %q", s, got, want)
		}
	}
	for _, m := range []float64{1, 5, 10} {
		if !notify.ValidSpeed(m) {
			t.Errorf("ValidSpeed(%v) = false", m)
		}
	}
	for _, m := range []float64{0, 2, 9.99, 10.5, -1} {
		if notify.ValidSpeed(m) {
			t.Errorf("ValidSpeed(%v) = true", m)
		}
	}
}

func TestPolicyFor(t *testing.T) {
	t.Parallel()
	u := flux.NewUser(flux.NewID(), "", "")
	if diff := cmp.Diff(notify.DefaultPolicy(flux.PriorityImportant), notify.PolicyFor(u, flux.PriorityImportant)); diff != "" {
		t.Errorf("PolicyFor without an override (-default +got):\n%s", diff)
	}
	own := []flux.PolicyStep{{Channel: flux.ChannelCall, WaitSeconds: 5}}
	u.EscalationPolicies = map[flux.Priority][]flux.PolicyStep{flux.PriorityImportant: own}
	if diff := cmp.Diff(own, notify.PolicyFor(u, flux.PriorityImportant)); diff != "" {
		t.Errorf("PolicyFor with an override (-own +got):\n%s", diff)
	}
	if diff := cmp.Diff(notify.DefaultPolicy(flux.PriorityStandard), notify.PolicyFor(u, flux.PriorityStandard)); diff != "" {
		t.Errorf("PolicyFor of another priority (-default +got):\n%s", diff)
	}
}
