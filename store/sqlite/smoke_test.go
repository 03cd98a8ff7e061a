package sqlite_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/fluxlife/flux"
)

// TestSmoke calls every method once on the happy path, as a quick check of
// the SQL of each; the conformance suite is the specification.
func TestSmoke(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, nil)
	check := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

	u := flux.NewUser(flux.NewID(), "smoke@example.com", "Smoke")
	check("CreateUser", s.Users().CreateUser(ctx, u))
	_, err := s.Users().UpdateUser(ctx, u.ID, func(u *flux.User) error { u.Onboarded = true; return nil })
	check("UpdateUser", err)
	_, created, err := s.Users().EnsureUser(ctx, u)
	check("EnsureUser", err)
	if created {
		t.Error("EnsureUser created an existing user")
	}

	ms := flux.Milestone{ID: flux.NewID(), Week: 1, Title: "Week 1", Status: flux.MilestonePending}
	p := &flux.GoalPlan{
		Goal:       flux.Goal{UserID: u.ID, Title: "Goal", Status: flux.GoalActive, PlanVersion: 1},
		Milestones: []flux.Milestone{ms},
		Tasks: []flux.Task{
			{Title: "done", Status: flux.TaskDone, Priority: flux.PriorityStandard, DurationMinutes: 5, TriggerType: flux.TriggerTime, MilestoneID: ms.ID},
			{Title: "open", Status: flux.TaskScheduled, ScheduledAt: &at, Priority: flux.PriorityImportant, DurationMinutes: 5, TriggerType: flux.TriggerTime, MilestoneID: ms.ID},
		},
	}
	check("CreateGoalPlan", s.Goals().CreateGoalPlan(ctx, p))
	p2 := &flux.GoalPlan{Goal: p.Goal, Milestones: []flux.Milestone{{Week: 2, Title: "Week 2", Status: flux.MilestonePending}}}
	p2.Goal.PlanVersion = 2
	p2.Tasks = []flux.Task{{Title: "new", Status: flux.TaskPending, Priority: flux.PriorityStandard, DurationMinutes: 5, TriggerType: flux.TriggerTime}}
	check("ReplacePlan", s.Goals().ReplacePlan(ctx, p2))
	tasks, _, err := s.Tasks().ListTasks(ctx, u.ID, flux.TaskFilter{GoalID: p.Goal.ID}, flux.Page{})
	check("ListTasks", err)
	if len(tasks) != 2 {
		t.Errorf("after ReplacePlan the goal has %d tasks, want 2 (the done one and the new one)", len(tasks))
	}
	mss, err := s.Goals().ListMilestones(ctx, u.ID, p.Goal.ID)
	check("ListMilestones", err)
	if len(mss) != 2 {
		t.Errorf("after ReplacePlan the goal has %d milestones, want 2", len(mss))
	}
	_, err = s.Goals().UpdateMilestone(ctx, u.ID, ms.ID, func(m *flux.Milestone) error { m.Status = flux.MilestoneCompleted; return nil })
	check("UpdateMilestone", err)
	_, err = s.Goals().UpdateGoal(ctx, u.ID, p.Goal.ID, func(g *flux.Goal) error { g.Status = flux.GoalPipeline; return nil })
	check("UpdateGoal", err)
	_, _, err = s.Goals().ListGoals(ctx, u.ID, flux.GoalFilter{Statuses: []flux.GoalStatus{flux.GoalPipeline}}, flux.Page{})
	check("ListGoals", err)
	_, err = s.Goals().GetGoal(ctx, u.ID, p.Goal.ID)
	check("GetGoal", err)

	ts := []flux.Task{
		{UserID: u.ID, Title: "a", Status: flux.TaskPending, Priority: flux.PriorityStandard, DurationMinutes: 5, TriggerType: flux.TriggerTime},
		{UserID: u.ID, Title: "b", Status: flux.TaskPending, Priority: flux.PriorityStandard, DurationMinutes: 5, TriggerType: flux.TriggerTime},
	}
	check("CreateTasks", s.Tasks().CreateTasks(ctx, ts))
	_, err = s.Tasks().UpdateTask(ctx, u.ID, ts[0].ID, func(t *flux.Task) error { t.Title = "a2"; return nil })
	check("UpdateTask", err)
	_, err = s.Tasks().GetTask(ctx, u.ID, ts[0].ID)
	check("GetTask", err)
	check("DeleteTask", s.Tasks().DeleteTask(ctx, u.ID, ts[1].ID))

	ev := &flux.CalendarEvent{UserID: u.ID, Title: "Dentist", Start: at, End: at.Add(time.Hour)}
	check("CreateEvent", s.Calendar().CreateEvent(ctx, ev))
	_, err = s.Calendar().GetEvent(ctx, u.ID, ev.ID)
	check("GetEvent", err)
	from, to := at.Add(30*time.Minute), at.Add(2*time.Hour)
	evs, _, err := s.Calendar().ListEvents(ctx, u.ID, flux.EventFilter{From: &from, To: &to}, flux.Page{})
	check("ListEvents", err)
	if len(evs) != 1 {
		t.Errorf("ListEvents of an overlapping window: %d events, want 1", len(evs))
	}
	check("DeleteEvent", s.Calendar().DeleteEvent(ctx, u.ID, ev.ID))

	c := &flux.Conversation{UserID: u.ID, Kind: flux.ConversationChat, Data: json.RawMessage(`{"a":1}`)}
	check("CreateConversation", s.Conversations().CreateConversation(ctx, c))
	check("AddMessage", s.Conversations().AddMessage(ctx, &flux.Message{UserID: u.ID, ConversationID: c.ID, Role: flux.RoleUser, Content: "hi"}))
	_, _, err = s.Conversations().ListMessages(ctx, u.ID, c.ID, flux.Page{})
	check("ListMessages", err)
	got, err := s.Conversations().UpdateConversation(ctx, u.ID, c.ID, func(c *flux.Conversation) error { c.State = "DONE"; return nil })
	check("UpdateConversation", err)
	if got.MessageCount != 1 || got.LastMessageAt == nil {
		t.Errorf("conversation after one message: count %d, last %v", got.MessageCount, got.LastMessageAt)
	}
	_, err = s.Conversations().GetConversation(ctx, u.ID, c.ID)
	check("GetConversation", err)
	_, _, err = s.Conversations().ListConversations(ctx, u.ID, flux.ConversationFilter{Kind: flux.ConversationChat}, flux.Page{})
	check("ListConversations", err)
	check("DeleteConversation", s.Conversations().DeleteConversation(ctx, u.ID, c.ID))

	ps := &flux.PushSubscription{UserID: u.ID, DeviceID: "d", Endpoint: "https://push.example/1"}
	check("SavePushSubscription", s.PushSubscriptions().SavePushSubscription(ctx, ps))
	_, err = s.PushSubscriptions().ListPushSubscriptions(ctx, u.ID)
	check("ListPushSubscriptions", err)
	check("DeletePushSubscription", s.PushSubscriptions().DeletePushSubscription(ctx, u.ID, "d"))

	esc := &flux.Escalation{UserID: u.ID, Status: flux.EscalationRunning, Priority: flux.PriorityImportant,
		Steps: []flux.EscalationStep{{Channel: flux.ChannelPush, Status: flux.StepPending, DueAt: at}}}
	check("CreateEscalation", s.Escalations().CreateEscalation(ctx, esc))
	_, err = s.Escalations().UpdateEscalation(ctx, u.ID, esc.ID, func(e *flux.Escalation) error { e.Steps[0].Status = flux.StepSent; return nil })
	check("UpdateEscalation", err)
	_, err = s.Escalations().GetEscalation(ctx, u.ID, esc.ID)
	check("GetEscalation", err)
	_, _, err = s.Escalations().ListEscalations(ctx, u.ID, flux.EscalationFilter{Statuses: []flux.EscalationStatus{flux.EscalationRunning}}, flux.Page{})
	check("ListEscalations", err)

	n := &flux.Notification{UserID: u.ID, Channel: flux.ChannelPush, Status: flux.NotificationSent, ExternalID: "SM1", EscalationID: esc.ID}
	check("CreateNotification", s.Notifications().CreateNotification(ctx, n))
	_, err = s.Notifications().UpdateNotification(ctx, u.ID, n.ID, func(n *flux.Notification) error { n.Response = "done"; return nil })
	check("UpdateNotification", err)
	_, err = s.Notifications().GetNotification(ctx, u.ID, n.ID)
	check("GetNotification", err)
	_, err = s.Notifications().NotificationByExternalID(ctx, "SM1")
	check("NotificationByExternalID", err)
	_, _, err = s.Notifications().ListNotifications(ctx, u.ID, flux.NotificationFilter{EscalationID: esc.ID}, flux.Page{})
	check("ListNotifications", err)

	pt := &flux.Pattern{UserID: u.ID, Type: "best_time", Confidence: 0.5, Data: json.RawMessage(`{}`)}
	check("CreatePattern", s.Patterns().CreatePattern(ctx, pt))
	_, err = s.Patterns().UpdatePattern(ctx, u.ID, pt.ID, func(p *flux.Pattern) error { p.Confidence = 0.9; return nil })
	check("UpdatePattern", err)
	_, err = s.Patterns().GetPattern(ctx, u.ID, pt.ID)
	check("GetPattern", err)
	_, _, err = s.Patterns().ListPatterns(ctx, u.ID, flux.PatternFilter{Type: "best_time"}, flux.Page{})
	check("ListPatterns", err)
	check("DeletePattern", s.Patterns().DeletePattern(ctx, u.ID, pt.ID))

	tok := &flux.LocalToken{UserID: u.ID, ExpiresAt: at}
	check("CreateToken", s.Tokens().CreateToken(ctx, tok))
	_, err = s.Tokens().GetToken(ctx, tok.ID)
	check("GetToken", err)
	nDel, err := s.Tokens().DeleteExpiredTokens(ctx, at.Add(time.Second))
	check("DeleteExpiredTokens", err)
	if nDel != 1 {
		t.Errorf("DeleteExpiredTokens deleted %d, want 1", nDel)
	}
	tok2 := &flux.LocalToken{UserID: u.ID, ExpiresAt: at}
	check("CreateToken", s.Tokens().CreateToken(ctx, tok2))
	check("DeleteToken", s.Tokens().DeleteToken(ctx, u.ID, tok2.ID))

	_, err = s.Secrets().Secret(ctx, "k", func() ([]byte, error) { return []byte("v"), nil })
	check("Secret", err)

	x, err := s.Users().ExportUser(ctx, u.ID)
	check("ExportUser", err)
	if len(x.Goals) != 1 || len(x.Tasks) != 3 || len(x.Escalations) != 1 || len(x.Notifications) != 1 {
		t.Errorf("export: %d goals, %d tasks, %d escalations, %d notifications", len(x.Goals), len(x.Tasks), len(x.Escalations), len(x.Notifications))
	}
	check("DeleteGoal", s.Goals().DeleteGoal(ctx, u.ID, p.Goal.ID))
	check("DeleteUser", s.Users().DeleteUser(ctx, u.ID))
	check("Ping", s.Ping(ctx))
}
