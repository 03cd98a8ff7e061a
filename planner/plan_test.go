package planner

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/google/go-cmp/cmp"
	"github.com/teambition/rrule-go"
)

func TestGoalPlan(t *testing.T) {
	t.Parallel()
	p, err := (&Offline{}).Plan(context.Background(), Request{Statement: "Get promoted to team lead by 2026-06-01", Now: monday})
	if err != nil {
		t.Fatal(err)
	}
	userID := flux.NewID()
	gp := p.GoalPlan(flux.Goal{UserID: userID, Description: "from the conversation"}, monday)

	g := gp.Goal
	if !flux.ValidID(g.ID) || g.UserID != userID || g.Title != p.Title || g.Description != "from the conversation" ||
		g.Category != DomainCareer || g.Status != flux.GoalActive || g.TargetWeeks != p.Weeks ||
		g.TargetDate == nil || !g.TargetDate.Equal(*date(2026, 6, 1)) || g.Planner != NameOffline ||
		g.PlanVersion != 1 || !g.CreatedAt.Equal(monday) || !g.UpdatedAt.Equal(monday) {
		t.Errorf("goal: %+v", g)
	}
	if err := g.Validate(); err != nil {
		t.Errorf("goal does not validate: %v", err)
	}
	if len(gp.Milestones) != len(p.Milestones) || len(gp.Tasks) != p.TaskCount() {
		t.Fatalf("%d milestones, %d tasks", len(gp.Milestones), len(gp.Tasks))
	}
	byID := map[string]flux.Milestone{}
	for i, m := range gp.Milestones {
		if !flux.ValidID(m.ID) || m.GoalID != g.ID || m.UserID != userID || m.Week != p.Milestones[i].Week ||
			m.Title != p.Milestones[i].Title || m.Status != flux.MilestonePending || m.PlanVersion != 1 {
			t.Errorf("milestone %d: %+v", i, m)
		}
		byID[m.ID] = m
	}
	for _, task := range gp.Tasks {
		m, ok := byID[task.MilestoneID]
		if !ok || task.GoalID != g.ID || task.UserID != userID || task.Status != flux.TaskPending ||
			task.TriggerType != flux.TriggerTime || !task.AllowWorkHours {
			t.Errorf("task %q: %+v", task.Title, task)
			continue
		}
		if err := task.Validate(); err != nil {
			t.Errorf("task %q: %v", task.Title, err)
		}
		start := monday.AddDate(0, 0, 7*(m.Week-1))
		if task.EarliestStart == nil || !task.EarliestStart.Equal(start) {
			t.Errorf("task %q in week %d: earliest start %v", task.Title, m.Week, task.EarliestStart)
		}
		end := start.AddDate(0, 0, 7)
		if task.RecurrenceRule == "" {
			if task.Deadline == nil || !task.Deadline.Equal(end) {
				t.Errorf("one-off task %q: deadline %v, want %v", task.Title, task.Deadline, end)
			}
			continue
		}
		opt, err := rrule.StrToROption(task.RecurrenceRule)
		if err != nil || !opt.Until.Equal(end) {
			t.Errorf("task %q: rule %q (until %v, want %v): %v", task.Title, task.RecurrenceRule, opt.Until, end, err)
		}
	}
}

func TestGoalPlanReplan(t *testing.T) {
	t.Parallel()
	p, _ := (&Offline{}).Plan(context.Background(), Request{Statement: "Run a 5k", Now: monday})
	created := monday.Add(-72 * time.Hour)
	base := flux.Goal{ID: flux.NewID(), UserID: flux.NewID(), Title: "My own title", Status: flux.GoalActive, PlanVersion: 3, CreatedAt: created}
	gp := p.GoalPlan(base, monday)
	if gp.Goal.ID != base.ID || gp.Goal.Title != "My own title" || gp.Goal.PlanVersion != 3 || !gp.Goal.CreatedAt.Equal(created) {
		t.Errorf("replan goal: %+v", gp.Goal)
	}
	for _, m := range gp.Milestones {
		if m.PlanVersion != 3 {
			t.Errorf("milestone plan version %d", m.PlanVersion)
		}
	}
	for _, task := range gp.Tasks {
		if task.AllowWorkHours {
			t.Errorf("running task %q allowed in work hours", task.Title)
		}
	}
}

func TestBoundRule(t *testing.T) {
	t.Parallel()
	end := time.Date(2026, 5, 11, 9, 0, 0, 0, time.UTC)
	for in, want := range map[string]string{
		"FREQ=DAILY":                        "FREQ=DAILY;UNTIL=20260511T090000Z",
		"FREQ=WEEKLY;BYDAY=MO":              "FREQ=WEEKLY;BYDAY=MO;UNTIL=20260511T090000Z",
		"FREQ=WEEKLY;COUNT=3":               "FREQ=WEEKLY;COUNT=3",
		"FREQ=DAILY;UNTIL=20260601T000000Z": "FREQ=DAILY;UNTIL=20260601T000000Z",
	} {
		if got := boundRule(in, end); got != want {
			t.Errorf("boundRule(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestProfileFromUser(t *testing.T) {
	t.Parallel()
	u := flux.NewUser(flux.NewID(), "ada@example.com", "Ada")
	u.Timezone = "Europe/Berlin"
	u.Chronotype = flux.ChronotypeEvening
	u.PhoneNumber = "+4915112345678"
	p := ProfileFromUser(u)
	want := Profile{Name: "Ada", Timezone: "Europe/Berlin", Chronotype: "evening", WorkHours: &u.WorkHours, SleepWindow: &u.SleepWindow}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("profile (-want +got):\n%s", diff)
	}
	b, _ := json.Marshal(p)
	if strings.Contains(string(b), "ada@example.com") || strings.Contains(string(b), "4915112345678") {
		t.Errorf("profile leaks contact details: %s", b)
	}
	if got := ProfileFromUser(nil); !cmp.Equal(got, Profile{}) {
		t.Errorf("nil user: %+v", got)
	}
	if p.Location().String() != "Europe/Berlin" || (Profile{Timezone: "Mars/Base"}).Location() != time.UTC {
		t.Errorf("locations")
	}
}

func TestPlanLegacyAndClone(t *testing.T) {
	t.Parallel()
	p, _ := (&Offline{}).Plan(context.Background(), Request{Statement: "Meditate daily for 2 weeks", Now: monday})
	legacy := p.Legacy()
	if len(legacy) != 2 || legacy[0].Week != 1 || len(legacy[0].Tasks) != len(p.Milestones[0].Tasks) || legacy[0].Tasks[0] != p.Milestones[0].Tasks[0].Title {
		t.Errorf("legacy: %+v", legacy)
	}
	c := p.Clone()
	if diff := cmp.Diff(p, c); diff != "" {
		t.Fatalf("clone differs:\n%s", diff)
	}
	c.Milestones[0].Tasks[0].Title = "changed"
	if p.Milestones[0].Tasks[0].Title == "changed" {
		t.Error("clone shares tasks")
	}
	var nilPlan *Plan
	if nilPlan.Clone() != nil {
		t.Error("nil clone")
	}
}
