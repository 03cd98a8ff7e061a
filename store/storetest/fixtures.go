package storetest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/fluxlife/flux"
)

// The builders below return valid values that are not stored yet; the env
// methods store them and fail the test when that fails.

// newUser returns a valid user with default settings and a unique e-mail.
func newUser() *flux.User {
	return flux.NewUser(flux.NewID(), uniqueEmail(), "Ada Lovelace")
}

// fullUser returns a user with every field set to a non-default value; the
// same id and e-mail always give an equal user.
func fullUser(id, email string) *flux.User {
	return &flux.User{
		ID:       id,
		Email:    email,
		Name:     "Grace Hopper",
		Timezone: "America/St_Johns",
		WorkHours: flux.WorkHours{
			Start: flux.ClockTime{Hour: 8, Minute: 30}, End: flux.ClockTime{Hour: 16, Minute: 45},
			Days: []flux.Weekday{flux.Weekday(time.Tuesday), flux.Weekday(time.Saturday), flux.Weekday(time.Sunday)},
		},
		SleepWindow:           flux.TimeWindow{Start: flux.ClockTime{Hour: 22, Minute: 15}, End: flux.ClockTime{Hour: 6, Minute: 5}},
		CutoffHour:            20,
		BufferMinutes:         7,
		DailyCapMinutes:       240,
		QuietHours:            &flux.TimeWindow{Start: flux.ClockTime{Hour: 12}, End: flux.ClockTime{Hour: 13, Minute: 30}},
		PhoneNumber:           "+4915112345678",
		PhoneVerified:         true,
		WhatsAppOptInAt:       ptr(time.Date(2025, time.November, 2, 3, 4, 5, 678901234, zone("America/St_Johns"))),
		WhatsAppLastInboundAt: ptr(time.Date(2025, time.November, 3, 4, 5, 6, 789012345, zone("Asia/Kolkata"))),
		EscalationPolicies: map[flux.Priority][]flux.PolicyStep{
			flux.PriorityImportant: {
				{Channel: flux.ChannelPush, WaitSeconds: 0, Conditions: []string{flux.ConditionOutsideQuietHours}},
				{Channel: flux.ChannelCall, WaitSeconds: 90},
			},
		},
		Chronotype: flux.ChronotypeEvening,
		NotificationPreferences: map[string]any{
			"reminder_lead_minutes": float64(25),
			"whatsapp_opted_in":     true,
			"channels":              []any{"push", "whatsapp"},
			"nested":                map[string]any{"quiet": "🌙 ruhig", "n": 1.5},
		},
		Onboarded: true,
	}
}

// newGoal returns a valid active goal of the user.
func newGoal(userID, title string) flux.Goal {
	return flux.Goal{
		UserID:      userID,
		Title:       title,
		Description: "Run a marathon in under four hours",
		Category:    "fitness",
		Status:      flux.GoalActive,
		TargetWeeks: 12,
		PlanVersion: 1,
	}
}

// newTask returns a valid pending, unscheduled standalone task of the user.
func newTask(userID, title string) flux.Task {
	return flux.Task{
		UserID:          userID,
		Title:           title,
		Status:          flux.TaskPending,
		Priority:        flux.PriorityStandard,
		DurationMinutes: 30,
		TriggerType:     flux.TriggerTime,
	}
}

// scheduledTask returns a valid scheduled standalone task of the user.
func scheduledTask(userID, title string, at time.Time) flux.Task {
	t := newTask(userID, title)
	t.Status = flux.TaskScheduled
	t.ScheduledAt = &at
	return t
}

// newMilestone returns a pending milestone for a plan, with a caller-chosen
// id (as a planner assigns them before saving a plan).
func newMilestone(week int, title string) flux.Milestone {
	return flux.Milestone{ID: flux.NewID(), Week: week, Title: title, Status: flux.MilestonePending}
}

// newPlan returns a goal of the user with milestones weeks 1..nm and nt
// tasks spread over them.
func newPlan(userID string, nm, nt int, start time.Time) *flux.GoalPlan {
	p := &flux.GoalPlan{Goal: newGoal(userID, "Learn Portuguese")}
	p.Goal.Planner = "offline"
	p.Goal.Sources = []flux.Source{{Title: "Spaced repetition", Source: "articles/spaced-repetition.md"}}
	for i := range nm {
		p.Milestones = append(p.Milestones, newMilestone(i+1, fmt.Sprintf("Week %d", i+1)))
	}
	for i := range nt {
		t := scheduledTask("", fmt.Sprintf("Lesson %d", i+1), start.Add(time.Duration(i)*26*time.Hour))
		if nm > 0 {
			t.MilestoneID = p.Milestones[i%nm].ID
		}
		p.Tasks = append(p.Tasks, t)
	}
	return p
}

// newEvent returns a valid calendar event of the user.
func newEvent(userID, title string, start, end time.Time) flux.CalendarEvent {
	return flux.CalendarEvent{UserID: userID, Title: title, Start: start, End: end}
}

// newConversation returns a valid conversation of the user.
func newConversation(userID string, kind flux.ConversationKind) flux.Conversation {
	return flux.Conversation{
		UserID: userID,
		Kind:   kind,
		State:  "GATHERING_TIMELINE",
		Data:   json.RawMessage(`{"answers": {"timeline": "3 months"}, "step": 2}`),
	}
}

// newMessage returns a valid message for the user's conversation.
func newMessage(userID, conversationID string, role flux.MessageRole, content string) flux.Message {
	return flux.Message{
		UserID:         userID,
		ConversationID: conversationID,
		Role:           role,
		Content:        content,
		Metadata:       json.RawMessage(`{"node": "clarify", "modality": "text"}`),
	}
}

// newPush returns a valid push subscription of the user's device.
func newPush(userID, deviceID string) flux.PushSubscription {
	return flux.PushSubscription{
		UserID:     userID,
		DeviceID:   deviceID,
		Endpoint:   "https://fcm.googleapis.com/fcm/send/" + deviceID,
		P256DH:     "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
		Auth:       "tBHItJI5svbpez7KI4CCXg",
		DeviceName: "Pixel 9",
		UserAgent:  "Mozilla/5.0 (Linux; Android 15)",
	}
}

// newNotification returns a valid push notification of the user.
func newNotification(userID string) flux.Notification {
	return flux.Notification{
		UserID:  userID,
		Channel: flux.ChannelPush,
		Status:  flux.NotificationSent,
		Title:   "Time for your run",
		Body:    "5 km easy pace",
	}
}

// newEscalation returns a valid running escalation of the user with three
// steps.
func newEscalation(userID string, start time.Time) flux.Escalation {
	return flux.Escalation{
		UserID:   userID,
		Title:    "Take your medication",
		Message:  "It is 8 o'clock",
		Priority: flux.PriorityMustNotMiss,
		Speed:    1.5,
		Status:   flux.EscalationRunning,
		Steps: []flux.EscalationStep{
			{Channel: flux.ChannelPush, Status: flux.StepSent, DueAt: start, SentAt: ptr(start.Add(time.Second)), NotificationID: "0190b8a6-5e1c-7000-8000-000000000001"},
			{Channel: flux.ChannelWhatsApp, Status: flux.StepPending, DueAt: start.Add(2 * time.Minute)},
			{Channel: flux.ChannelCall, Status: flux.StepPending, DueAt: start.Add(5 * time.Minute)},
		},
	}
}

// newPattern returns a valid pattern of the user.
func newPattern(userID, typ string) flux.Pattern {
	return flux.Pattern{
		UserID:      userID,
		Type:        typ,
		Description: "Skips tasks scheduled before 08:00",
		Data:        json.RawMessage(`{"hour": 7, "misses": 5, "weekdays": ["Mon", "Tue"]}`),
		Confidence:  0.8,
	}
}

// --- creators ---

// user stores a new user with default settings.
func (e *env) user() *flux.User {
	e.t.Helper()
	u := newUser()
	must(e.t, e.s.Users().CreateUser(e.ctx, u), "CreateUser")
	return u
}

// goal stores a new goal of the user.
func (e *env) goal(userID string, edit ...func(*flux.Goal)) *flux.Goal {
	e.t.Helper()
	g := newGoal(userID, "Run a marathon")
	for _, f := range edit {
		f(&g)
	}
	must(e.t, e.s.Goals().CreateGoal(e.ctx, &g), "CreateGoal")
	return &g
}

// plan stores a plan made by newPlan.
func (e *env) plan(userID string, nm, nt int) *flux.GoalPlan {
	e.t.Helper()
	p := newPlan(userID, nm, nt, tm("2026-04-01T07:00:00Z"))
	must(e.t, e.s.Goals().CreateGoalPlan(e.ctx, p), "CreateGoalPlan")
	return p
}

// task stores a new task of the user.
func (e *env) task(userID string, edit ...func(*flux.Task)) *flux.Task {
	e.t.Helper()
	t := newTask(userID, "Buy running shoes")
	for _, f := range edit {
		f(&t)
	}
	must(e.t, e.s.Tasks().CreateTask(e.ctx, &t), "CreateTask")
	return &t
}

// event stores a new calendar event of the user.
func (e *env) event(userID string, start, end time.Time) *flux.CalendarEvent {
	e.t.Helper()
	ev := newEvent(userID, "Dentist", start, end)
	must(e.t, e.s.Calendar().CreateEvent(e.ctx, &ev), "CreateEvent")
	return &ev
}

// conversation stores a new conversation of the user.
func (e *env) conversation(userID string, kind flux.ConversationKind) *flux.Conversation {
	e.t.Helper()
	c := newConversation(userID, kind)
	must(e.t, e.s.Conversations().CreateConversation(e.ctx, &c), "CreateConversation")
	return &c
}

// message adds a message to the user's conversation.
func (e *env) message(userID, conversationID, content string) *flux.Message {
	e.t.Helper()
	m := newMessage(userID, conversationID, flux.RoleUser, content)
	must(e.t, e.s.Conversations().AddMessage(e.ctx, &m), "AddMessage")
	return &m
}

// notification stores a new notification of the user.
func (e *env) notification(userID string, edit ...func(*flux.Notification)) *flux.Notification {
	e.t.Helper()
	n := newNotification(userID)
	for _, f := range edit {
		f(&n)
	}
	must(e.t, e.s.Notifications().CreateNotification(e.ctx, &n), "CreateNotification")
	return &n
}

// escalation stores a new escalation of the user.
func (e *env) escalation(userID string, edit ...func(*flux.Escalation)) *flux.Escalation {
	e.t.Helper()
	x := newEscalation(userID, tm("2026-03-14T08:00:00Z"))
	for _, f := range edit {
		f(&x)
	}
	must(e.t, e.s.Escalations().CreateEscalation(e.ctx, &x), "CreateEscalation")
	return &x
}

// pattern stores a new pattern of the user.
func (e *env) pattern(userID, typ string) *flux.Pattern {
	e.t.Helper()
	p := newPattern(userID, typ)
	must(e.t, e.s.Patterns().CreatePattern(e.ctx, &p), "CreatePattern")
	return &p
}

// push saves a push subscription of the user's device.
func (e *env) push(userID, deviceID string) *flux.PushSubscription {
	e.t.Helper()
	p := newPush(userID, deviceID)
	must(e.t, e.s.PushSubscriptions().SavePushSubscription(e.ctx, &p), "SavePushSubscription")
	return &p
}

// token stores a local token of the user.
func (e *env) token(userID string, expires time.Time) *flux.LocalToken {
	e.t.Helper()
	tok := flux.LocalToken{UserID: userID, ExpiresAt: expires}
	must(e.t, e.s.Tokens().CreateToken(e.ctx, &tok), "CreateToken")
	return &tok
}

// --- a user with one of everything ---

// dataset is everything the suite stored for one user: what ExportUser
// should return, plus the user's local tokens.
type dataset struct {
	flux.UserExport
	Tokens []flux.LocalToken
	// Refresh are the refresh tokens of the user's sessions; PasswordHash
	// their password hash. Neither is exported.
	Refresh      []flux.RefreshToken
	PasswordHash string
}

// populate stores one or more of every kind of row for a new user and
// returns them as stored.
func (e *env) populate() *dataset {
	e.t.Helper()
	d := &dataset{}
	u := e.user()
	id := u.ID

	for i := range 2 {
		p := newPlan(id, 2, 3, tm("2026-05-01T06:00:00Z").Add(time.Duration(i)*time.Hour))
		p.Goal.Title = fmt.Sprintf("Goal %d", i)
		must(e.t, e.s.Goals().CreateGoalPlan(e.ctx, p), "CreateGoalPlan")
		d.Goals = append(d.Goals, p.Goal)
		d.Milestones = append(d.Milestones, p.Milestones...)
		d.Tasks = append(d.Tasks, p.Tasks...)
		e.clock.Advance(time.Second)
	}
	d.Tasks = append(d.Tasks, *e.task(id))
	d.Tasks = append(d.Tasks, *e.task(id, func(t *flux.Task) {
		t.Status, t.ScheduledAt, t.SeriesID, t.RecurrenceRule, t.Occurrence = flux.TaskScheduled, ptr(tm("2026-05-02T18:00:00Z")), flux.NewID(), "FREQ=DAILY", 1
	}))
	d.CalendarEvents = append(d.CalendarEvents,
		*e.event(id, tm("2026-05-04T09:00:00Z"), tm("2026-05-04T10:00:00Z")),
		*e.event(id, tm("2026-05-05T09:00:00Z"), tm("2026-05-05T11:00:00Z")))
	for _, kind := range []flux.ConversationKind{flux.ConversationPlanner, flux.ConversationVoice} {
		c := e.conversation(id, kind)
		for j := range 2 {
			e.clock.Advance(time.Millisecond)
			d.Messages = append(d.Messages, *e.message(id, c.ID, fmt.Sprintf("message %d", j)))
		}
		got := mustGet[*flux.Conversation](e.t, "GetConversation")(e.s.Conversations().GetConversation(e.ctx, id, c.ID))
		d.Conversations = append(d.Conversations, *got)
	}
	d.PushSubscriptions = append(d.PushSubscriptions, *e.push(id, "phone-"+id), *e.push(id, "laptop-"+id))
	esc := e.escalation(id, func(x *flux.Escalation) { x.TaskID = d.Tasks[0].ID; x.IdempotencyKey = "esc-" + id })
	d.Escalations = append(d.Escalations, *esc, *e.escalation(id))
	d.Notifications = append(d.Notifications,
		*e.notification(id, func(n *flux.Notification) {
			n.TaskID, n.EscalationID, n.ExternalID, n.IdempotencyKey = d.Tasks[0].ID, esc.ID, "SM"+id, "n-"+id
		}),
		*e.notification(id, func(n *flux.Notification) { n.Channel = flux.ChannelLog }))
	d.Patterns = append(d.Patterns, *e.pattern(id, "time_avoidance"), *e.pattern(id, "best_time"))
	d.Tokens = append(d.Tokens, *e.token(id, tm("2027-01-01T00:00:00Z")))
	d.PasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$" + id
	must(e.t, e.s.Auth().SetPasswordHash(e.ctx, id, d.PasswordHash), "SetPasswordHash")
	for range 2 {
		s := e.session(id)
		d.Refresh = append(d.Refresh, *e.refresh(id, s.ID))
		d.Tokens = append(d.Tokens, *e.sessionToken(id, s.ID))
		d.AuthSessions = append(d.AuthSessions, *s)
		e.clock.Advance(time.Millisecond)
	}
	d.User = *mustGet[*flux.User](e.t, "GetUser")(e.s.Users().GetUser(e.ctx, id))
	return d
}

// export returns the user's export with every list sorted by ID.
func (e *env) export(userID string) *flux.UserExport {
	e.t.Helper()
	x := mustGet[*flux.UserExport](e.t, "ExportUser")(e.s.Users().ExportUser(e.ctx, userID))
	sortExport(x)
	return x
}

// sortExport sorts every list of x by ID, so exports compare as sets.
func sortExport(x *flux.UserExport) {
	x.Goals = byID(x.Goals)
	x.Milestones = byID(x.Milestones)
	x.Tasks = byID(x.Tasks)
	x.CalendarEvents = byID(x.CalendarEvents)
	x.Conversations = byID(x.Conversations)
	x.Messages = byID(x.Messages)
	x.PushSubscriptions = byID(x.PushSubscriptions)
	x.Notifications = byID(x.Notifications)
	x.Escalations = byID(x.Escalations)
	x.Patterns = byID(x.Patterns)
	x.AuthSessions = byID(x.AuthSessions)
}

// wantExport checks that ExportUser returns exactly d.
func (e *env) wantExport(what string, d *dataset) {
	e.t.Helper()
	want := d.UserExport // sortExport sorts copies
	sortExport(&want)
	wantEqual(e.t, what, want, *e.export(d.User.ID))
}
