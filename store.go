package flux

import (
	"context"
	"time"
)

// The store interfaces. Two implementations exist, store/sqlite (the
// embedded default) and store/postgres, and both pass the one conformance
// suite in store/storetest, which is the precise specification of what
// follows. Rules shared by every method:
//
//   - Every row that belongs to a user is read and changed only with that
//     user's id in the query. A row of another user, an unknown id and a
//     malformed id all give ENotFound: existence never leaks.
//   - Create methods fill in a missing ID (NewID), set CreatedAt and UpdatedAt
//     to the store's clock, validate the value (EInvalid listing every
//     problem) and write the stored values back into the argument.
//   - Times are stored as StoreTime (UTC, microseconds) and come back so.
//   - Update methods take a function that edits the current value: it runs
//     once, inside the store's transaction, with the row locked, so
//     concurrent updates of one row serialise. When it returns an error
//     nothing is written and Update returns that error. It must not call the
//     store. ID, UserID and CreatedAt cannot be changed by it.
//   - List methods return one page and the cursor of the next page ("" when
//     there is none), in the order each method states, by keyset, so pages
//     stay stable while rows are added.
//   - Every method that writes several rows does so in one transaction: all
//     of them or none.

// UserStore keeps users and their settings.
type UserStore interface {
	// CreateUser stores a new user. The id is required (it is the auth
	// subject); EConflict when the id or the e-mail (case-insensitive, when
	// not empty) is taken.
	CreateUser(ctx context.Context, u *User) error
	// GetUser returns the user with id.
	GetUser(ctx context.Context, id string) (*User, error)
	// GetUserByEmail returns the user with that e-mail, case-insensitively.
	GetUserByEmail(ctx context.Context, email string) (*User, error)
	// EnsureUser returns the user with u.ID, creating it from u when there
	// is none; created reports which. Safe when called concurrently for one id.
	// An existing user with no name takes u.Name.
	EnsureUser(ctx context.Context, u *User) (user *User, created bool, err error)
	// UpdateUser edits the user with id through fn, then validates it.
	UpdateUser(ctx context.Context, id string, fn func(*User) error) (*User, error)
	// DeleteUser deletes the user and everything of theirs, in one
	// transaction.
	DeleteUser(ctx context.Context, id string) error
	// ExportUser returns everything stored of the user, read consistently.
	ExportUser(ctx context.Context, id string) (*UserExport, error)
}

// UserExport is everything stored of one user.
type UserExport struct {
	User              User               `json:"user"`
	Goals             []Goal             `json:"goals"`
	Milestones        []Milestone        `json:"milestones"`
	Tasks             []Task             `json:"tasks"`
	CalendarEvents    []CalendarEvent    `json:"calendar_events"`
	Conversations     []Conversation     `json:"conversations"`
	Messages          []Message          `json:"messages"`
	PushSubscriptions []PushSubscription `json:"push_subscriptions"`
	Notifications     []Notification     `json:"notifications"`
	Escalations       []Escalation       `json:"escalations"`
	Patterns          []Pattern          `json:"patterns"`
	// AuthSessions are the user's local sign-in sessions (never their
	// password or refresh token hashes).
	AuthSessions []AuthSession `json:"auth_sessions"`
}

// GoalFilter narrows ListGoals.
type GoalFilter struct {
	// Statuses, when not empty, keeps goals in one of them.
	Statuses []GoalStatus
}

// GoalStore keeps goals, their milestones, and saves whole plans.
type GoalStore interface {
	// CreateGoal stores a goal without a plan.
	CreateGoal(ctx context.Context, g *Goal) error
	// CreateGoalPlan stores a goal with its milestones and tasks in one
	// transaction. Every row takes the goal's UserID; milestones take the
	// goal's ID and PlanVersion; tasks take the goal's ID. A task names its
	// milestone by Milestone.ID, so a caller linking tasks to milestones
	// assigns the milestone ids first (NewID); a task naming a milestone that
	// is not in the plan is ENotFound.
	CreateGoalPlan(ctx context.Context, p *GoalPlan) error
	// ReplacePlan installs a new plan for an existing goal in one
	// transaction: it saves p.Goal (typically with PlanVersion+1, a new
	// Planner and Sources), deletes the goal's open tasks (pending,
	// scheduled, drifted) and the milestones left with no task, and adds
	// p.Milestones and p.Tasks as CreateGoalPlan does. Done, missed and
	// cancelled tasks stay, with their milestones.
	ReplacePlan(ctx context.Context, p *GoalPlan) error
	// GetGoal returns one of the user's goals.
	GetGoal(ctx context.Context, userID, id string) (*Goal, error)
	// ListGoals returns the user's goals, newest first (CreatedAt, then ID,
	// descending).
	ListGoals(ctx context.Context, userID string, f GoalFilter, p Page) ([]Goal, string, error)
	// UpdateGoal edits one of the user's goals through fn.
	UpdateGoal(ctx context.Context, userID, id string, fn func(*Goal) error) (*Goal, error)
	// DeleteGoal deletes the goal with its milestones and tasks.
	DeleteGoal(ctx context.Context, userID, id string) error
	// ListMilestones returns the goal's milestones ordered by PlanVersion,
	// Week, then ID; ENotFound when the goal is not the user's.
	ListMilestones(ctx context.Context, userID, goalID string) ([]Milestone, error)
	// UpdateMilestone edits one of the user's milestones through fn.
	UpdateMilestone(ctx context.Context, userID, id string, fn func(*Milestone) error) (*Milestone, error)
}

// TaskFilter narrows ListTasks. Zero fields do not filter.
type TaskFilter struct {
	// From and To keep tasks whose ScheduledAt is in [From, To).
	From, To *time.Time
	// Statuses keeps tasks in one of them.
	Statuses []TaskStatus
	// GoalID keeps the tasks of one goal.
	GoalID string
	// SeriesID keeps the occurrences of one recurring series.
	SeriesID string
	// Unscheduled keeps only tasks with no ScheduledAt.
	Unscheduled bool
}

// TaskStore keeps tasks.
type TaskStore interface {
	// CreateTask stores a task. A GoalID or MilestoneID must name the user's
	// own goal or milestone (ENotFound otherwise).
	CreateTask(ctx context.Context, t *Task) error
	// CreateTasks stores several tasks in one transaction.
	CreateTasks(ctx context.Context, ts []Task) error
	// GetTask returns one of the user's tasks.
	GetTask(ctx context.Context, userID, id string) (*Task, error)
	// ListTasks returns the user's tasks by ScheduledAt ascending, tasks
	// without one last, then by ID.
	ListTasks(ctx context.Context, userID string, f TaskFilter, p Page) ([]Task, string, error)
	// UpdateTask edits one of the user's tasks through fn, then validates it.
	UpdateTask(ctx context.Context, userID, id string, fn func(*Task) error) (*Task, error)
	// DeleteTask deletes one of the user's tasks.
	DeleteTask(ctx context.Context, userID, id string) error
	// DueTasks returns one page of the open (pending, scheduled or
	// drifted), time-triggered tasks of every user whose ScheduledAt is in
	// [from, to), by ScheduledAt then ID. It is a system operation for the
	// notifier's sweep, not scoped by user.
	DueTasks(ctx context.Context, from, to time.Time, p Page) ([]Task, string, error)
	// DriftOverdue marks every scheduled task whose slot (ScheduledAt +
	// DurationMinutes) ended at or before endedBefore as drifted, across
	// users, and returns how many. It is a system operation for the drift
	// job, not scoped by user.
	DriftOverdue(ctx context.Context, endedBefore time.Time) (int, error)
}

// EventFilter narrows ListEvents.
type EventFilter struct {
	// From and To keep events that overlap [From, To).
	From, To *time.Time
}

// CalendarStore keeps the user's fixed commitments.
type CalendarStore interface {
	// CreateEvent stores an event.
	CreateEvent(ctx context.Context, e *CalendarEvent) error
	// GetEvent returns one of the user's events.
	GetEvent(ctx context.Context, userID, id string) (*CalendarEvent, error)
	// ListEvents returns the user's events by Start, then ID, ascending.
	ListEvents(ctx context.Context, userID string, f EventFilter, p Page) ([]CalendarEvent, string, error)
	// DeleteEvent deletes one of the user's events.
	DeleteEvent(ctx context.Context, userID, id string) error
}

// ConversationFilter narrows ListConversations.
type ConversationFilter struct {
	// Kind keeps conversations of one kind.
	Kind ConversationKind
}

// ConversationStore keeps conversations and their messages.
type ConversationStore interface {
	// CreateConversation stores a conversation (MessageCount starts at 0).
	CreateConversation(ctx context.Context, c *Conversation) error
	// GetConversation returns one of the user's conversations.
	GetConversation(ctx context.Context, userID, id string) (*Conversation, error)
	// ListConversations returns the user's conversations, newest first
	// (CreatedAt, then ID, descending).
	ListConversations(ctx context.Context, userID string, f ConversationFilter, p Page) ([]Conversation, string, error)
	// UpdateConversation edits one of the user's conversations through fn.
	// MessageCount and LastMessageAt are kept by AddMessage, not by fn.
	UpdateConversation(ctx context.Context, userID, id string, fn func(*Conversation) error) (*Conversation, error)
	// DeleteConversation deletes a conversation with its messages.
	DeleteConversation(ctx context.Context, userID, id string) error
	// AddMessage appends a message to one of m.UserID's conversations
	// (ENotFound when it is not theirs; EInvalid for an unknown role or empty
	// content) and, in the same transaction, sets the conversation's
	// LastMessageAt and increments its MessageCount.
	AddMessage(ctx context.Context, m *Message) error
	// ListMessages returns a conversation's messages oldest first
	// (CreatedAt, then ID, ascending); ENotFound when the conversation is not
	// the user's.
	ListMessages(ctx context.Context, userID, conversationID string, p Page) ([]Message, string, error)
}

// PushSubscriptionStore keeps Web Push subscriptions.
type PushSubscriptionStore interface {
	// SavePushSubscription inserts or replaces the subscription of
	// (UserID, DeviceID); a replaced one keeps its ID and CreatedAt.
	SavePushSubscription(ctx context.Context, s *PushSubscription) error
	// ListPushSubscriptions returns all of the user's subscriptions, oldest
	// first.
	ListPushSubscriptions(ctx context.Context, userID string) ([]PushSubscription, error)
	// DeletePushSubscription removes the user's subscription of a device.
	DeletePushSubscription(ctx context.Context, userID, deviceID string) error
}

// NotificationFilter narrows ListNotifications. Zero fields do not filter.
type NotificationFilter struct {
	TaskID         string
	EscalationID   string
	Channel        Channel
	IdempotencyKey string
}

// NotificationStore is the notification log.
type NotificationStore interface {
	// CreateNotification records a send. EConflict when the user already has
	// a notification with the same non-empty IdempotencyKey, or any
	// notification has the same non-empty ExternalID.
	CreateNotification(ctx context.Context, n *Notification) error
	// GetNotification returns one of the user's notifications.
	GetNotification(ctx context.Context, userID, id string) (*Notification, error)
	// ListNotifications returns the user's notifications, newest first.
	ListNotifications(ctx context.Context, userID string, f NotificationFilter, p Page) ([]Notification, string, error)
	// UpdateNotification edits one of the user's notifications through fn.
	UpdateNotification(ctx context.Context, userID, id string, fn func(*Notification) error) (*Notification, error)
	// LastUnanswered returns the newest notification on channel to
	// recipient that has no Response and was created at or after since,
	// whoever it belongs to (ENotFound when none). Like
	// NotificationByExternalID it serves a provider's signed webhook: a
	// WhatsApp reply names the sender's number, not the message answered.
	LastUnanswered(ctx context.Context, channel Channel, recipient string, since time.Time) (*Notification, error)
	// NotificationByExternalID finds a notification by its provider id. It is
	// the one lookup not scoped by user: a provider's webhook names the
	// message, not the user, and its signature has been checked.
	NotificationByExternalID(ctx context.Context, externalID string) (*Notification, error)
}

// EscalationFilter narrows ListEscalations.
type EscalationFilter struct {
	Statuses       []EscalationStatus
	TaskID         string
	IdempotencyKey string
}

// EscalationStore keeps escalations with their steps.
type EscalationStore interface {
	// CreateEscalation stores an escalation and its steps. EConflict on a
	// repeated non-empty IdempotencyKey of the same user.
	CreateEscalation(ctx context.Context, e *Escalation) error
	// GetEscalation returns one of the user's escalations.
	GetEscalation(ctx context.Context, userID, id string) (*Escalation, error)
	// ListEscalations returns the user's escalations, newest first.
	ListEscalations(ctx context.Context, userID string, f EscalationFilter, p Page) ([]Escalation, string, error)
	// UpdateEscalation edits one of the user's escalations (steps included)
	// through fn.
	UpdateEscalation(ctx context.Context, userID, id string, fn func(*Escalation) error) (*Escalation, error)
}

// PatternFilter narrows ListPatterns.
type PatternFilter struct {
	Type string
}

// PatternStore keeps what the pattern observer learned.
type PatternStore interface {
	// CreatePattern stores a pattern (Confidence in [0, 1]).
	CreatePattern(ctx context.Context, p *Pattern) error
	// GetPattern returns one of the user's patterns.
	GetPattern(ctx context.Context, userID, id string) (*Pattern, error)
	// ListPatterns returns the user's patterns, newest first.
	ListPatterns(ctx context.Context, userID string, f PatternFilter, p Page) ([]Pattern, string, error)
	// UpdatePattern edits one of the user's patterns through fn.
	UpdatePattern(ctx context.Context, userID, id string, fn func(*Pattern) error) (*Pattern, error)
	// DeletePattern deletes one of the user's patterns.
	DeletePattern(ctx context.Context, userID, id string) error
	// SyncPatterns replaces, in one transaction, the user's stored
	// patterns of the given types with ps (each of one of those types),
	// matched by (Type, Key): a stored pattern with a UserOverride is kept
	// as it is; a stored one without takes the matching pattern's
	// Description, Data and Confidence, and is deleted when nothing in ps
	// matches it; a pattern of ps that matches nothing stored is created.
	// ENotFound when the user does not exist.
	SyncPatterns(ctx context.Context, userID string, types []string, ps []Pattern) error
}

// LocalToken records a token minted in local auth mode, so it can be revoked
// and so a deleted user's tokens stop working.
type LocalToken struct {
	ID     string `json:"id"` // the token's jti
	UserID string `json:"user_id"`
	// SessionID is the sign-in session the token was minted for (an access
	// token of local sign-in); empty for a token of `fluxd token`.
	SessionID string    `json:"session_id,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
}

// TokenStore keeps local-mode tokens.
type TokenStore interface {
	// CreateToken records a token; its user must exist, and its SessionID,
	// when set, must name one of the user's sign-in sessions (ENotFound).
	// Deleting the session deletes the token.
	CreateToken(ctx context.Context, t *LocalToken) error
	// GetToken returns the token with that id, whoever it belongs to (the
	// caller checks its UserID against the token's subject).
	GetToken(ctx context.Context, id string) (*LocalToken, error)
	// DeleteToken revokes one of the user's tokens.
	DeleteToken(ctx context.Context, userID, id string) error
	// DeleteExpiredTokens deletes every token that expired before t and
	// returns how many.
	DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error)
}

// AuthSession is one sign-in of a user (local mode): the refresh tokens
// it rotates through and the access tokens minted for it belong to it, and
// go when it is deleted.
type AuthSession struct {
	ID     string `json:"id"`
	UserID string `json:"user_id"`
	// RefreshedAt is when a refresh token of the session was last issued
	// by rotation; nil until then.
	RefreshedAt *time.Time `json:"refreshed_at"`
	CreatedAt   time.Time  `json:"created_at"`
}

// RefreshToken is one refresh token of a sign-in session. The token itself
// is never stored, only its hash: a caller looks it up by that hash.
type RefreshToken struct {
	ID        string
	UserID    string
	SessionID string
	// Hash identifies the token (the SHA-256 of the token, hex, as package
	// auth computes it); unique across all tokens.
	Hash string
	// ParentID is the token this one replaced by rotation ("" for a
	// session's first).
	ParentID string
	// Revoked is set when the token has been used (rotated) or revoked.
	Revoked   bool
	CreatedAt time.Time
	// UpdatedAt is when the token was created or, once revoked, revoked.
	UpdatedAt time.Time
}

// AuthStore keeps local sign-in: password hashes, sessions and refresh
// tokens. Deleting a user deletes all of theirs.
type AuthStore interface {
	// SetPasswordHash stores the user's password hash (an encoded hash such
	// as "$argon2id$..."), replacing any; ENotFound when the user does not
	// exist, EInvalid when hash is empty.
	SetPasswordHash(ctx context.Context, userID, hash string) error
	// PasswordHash returns the user's password hash; ENotFound when the user
	// has none.
	PasswordHash(ctx context.Context, userID string) (string, error)
	// CreateSession stores a new session; its user must exist (ENotFound).
	CreateSession(ctx context.Context, s *AuthSession) error
	// GetSession returns one of the user's sessions.
	GetSession(ctx context.Context, userID, id string) (*AuthSession, error)
	// ListSessions returns all of the user's sessions, oldest first
	// (CreatedAt, then ID).
	ListSessions(ctx context.Context, userID string) ([]AuthSession, error)
	// DeleteSession deletes one of the user's sessions with its refresh
	// and access tokens.
	DeleteSession(ctx context.Context, userID, id string) error
	// DeleteSessions deletes every session of the user except the one with
	// id keep ("" keeps none), with their refresh and access tokens, and
	// returns how many sessions it deleted.
	DeleteSessions(ctx context.Context, userID, keep string) (int, error)
	// CreateRefreshToken stores a refresh token of one of the user's
	// sessions (ENotFound otherwise) and sets the session's RefreshedAt to
	// the token's CreatedAt when it has a ParentID. EConflict when its id
	// or Hash is taken; EInvalid when Hash is empty.
	CreateRefreshToken(ctx context.Context, t *RefreshToken) error
	// RefreshTokenByHash returns the token with that hash, whoever it
	// belongs to: the token is the caller's credential.
	RefreshTokenByHash(ctx context.Context, hash string) (*RefreshToken, error)
	// RevokeRefreshToken marks one of the user's tokens revoked, setting
	// its UpdatedAt, and reports whether this call did so: false when it
	// already was, so that of concurrent calls exactly one gets true.
	RevokeRefreshToken(ctx context.Context, userID, id string) (bool, error)
	// DeleteRevokedRefreshTokens deletes the refresh tokens revoked before
	// t, across users, and returns how many.
	DeleteRevokedRefreshTokens(ctx context.Context, before time.Time) (int, error)
}

// SecretStore keeps the server's own secrets (the local signing key, VAPID
// keys), which belong to no user.
type SecretStore interface {
	// Secret returns the named secret, creating it with gen on first use.
	// Concurrent first calls, even from several processes, all return the
	// one value that was stored.
	Secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error)
}

// Stores gives access to every store. Inside Store.Atomic the same methods
// run in the one transaction.
type Stores interface {
	Users() UserStore
	Goals() GoalStore
	Tasks() TaskStore
	Calendar() CalendarStore
	Conversations() ConversationStore
	PushSubscriptions() PushSubscriptionStore
	Notifications() NotificationStore
	Escalations() EscalationStore
	Patterns() PatternStore
	Tokens() TokenStore
	Secrets() SecretStore
	// Auth keeps local sign-in: passwords, sessions, refresh tokens.
	Auth() AuthStore
	// Articles is the article library (package rag), shared by all users.
	Articles() ArticleStore
	// Jobs is the durable job queue; inside Atomic a job is enqueued in
	// the same transaction, so it exists if and only if the transaction
	// commits. Without a queue attached its calls fail with EUnavailable.
	Jobs() JobQueue
}

// Store is a Flux database.
type Store interface {
	Stores
	// Atomic runs fn in one transaction: what fn does through tx commits
	// together when it returns nil, and is rolled back when it returns an
	// error (which Atomic returns) or panics. Inside fn use only tx.
	Atomic(ctx context.Context, fn func(ctx context.Context, tx Stores) error) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}
