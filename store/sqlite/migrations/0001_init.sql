-- Flux schema, version 1. Times are INTEGER unix microseconds (UTC), JSON is
-- TEXT, ids are TEXT (canonical UUIDs). Every user-owned table cascades from
-- users and has an index that starts with user_id and serves its list order.

CREATE TABLE users (
    id                       TEXT    NOT NULL PRIMARY KEY,
    email                    TEXT    NOT NULL DEFAULT '',
    name                     TEXT    NOT NULL DEFAULT '',
    timezone                 TEXT    NOT NULL,
    work_hours               TEXT    NOT NULL,
    sleep_window             TEXT    NOT NULL,
    cutoff_hour              INTEGER NOT NULL,
    buffer_minutes           INTEGER NOT NULL,
    daily_cap_minutes        INTEGER NOT NULL,
    quiet_hours              TEXT,
    phone_number             TEXT    NOT NULL DEFAULT '',
    phone_verified           INTEGER NOT NULL DEFAULT 0,
    whatsapp_opt_in_at       INTEGER,
    chronotype               TEXT    NOT NULL DEFAULT '',
    notification_preferences TEXT,
    onboarded                INTEGER NOT NULL DEFAULT 0,
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email <> '';

CREATE TABLE goals (
    id           TEXT    NOT NULL PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title        TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    category     TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL CHECK (status IN ('active', 'completed', 'abandoned', 'pipeline')),
    target_weeks INTEGER NOT NULL DEFAULT 0,
    target_date  INTEGER,
    planner      TEXT    NOT NULL DEFAULT '',
    sources      TEXT,
    plan_version INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    completed_at INTEGER
) STRICT;

CREATE INDEX goals_user_created ON goals (user_id, created_at DESC, id DESC);

CREATE TABLE milestones (
    id           TEXT    NOT NULL PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    goal_id      TEXT    NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
    week         INTEGER NOT NULL DEFAULT 0,
    title        TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL,
    plan_version INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX milestones_user_goal ON milestones (user_id, goal_id, plan_version, week, id);
CREATE INDEX milestones_goal ON milestones (goal_id);

CREATE TABLE tasks (
    id               TEXT    NOT NULL PRIMARY KEY,
    user_id          TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    goal_id          TEXT    REFERENCES goals (id) ON DELETE CASCADE,
    milestone_id     TEXT    REFERENCES milestones (id) ON DELETE CASCADE,
    title            TEXT    NOT NULL,
    description      TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'scheduled', 'drifted', 'done', 'missed', 'cancelled', 'rescheduled')),
    priority         TEXT    NOT NULL CHECK (priority IN ('standard', 'important', 'must_not_miss')),
    duration_minutes INTEGER NOT NULL,
    scheduled_at     INTEGER,
    deadline         INTEGER,
    earliest_start   INTEGER,
    preferred_time   TEXT    NOT NULL DEFAULT '',
    recurrence_rule  TEXT    NOT NULL DEFAULT '',
    series_id        TEXT    NOT NULL DEFAULT '',
    occurrence       INTEGER NOT NULL DEFAULT 0,
    trigger_type     TEXT    NOT NULL CHECK (trigger_type IN ('time', 'location')),
    location_trigger TEXT    NOT NULL DEFAULT '',
    allow_work_hours INTEGER NOT NULL DEFAULT 0,
    completed_at     INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;

-- Serves ListTasks: the scheduled part by (scheduled_at, id), the unscheduled
-- part (scheduled_at IS NULL) by id.
CREATE INDEX tasks_user_scheduled ON tasks (user_id, scheduled_at, id);
CREATE INDEX tasks_goal ON tasks (goal_id) WHERE goal_id IS NOT NULL;
CREATE INDEX tasks_milestone ON tasks (milestone_id) WHERE milestone_id IS NOT NULL;
CREATE INDEX tasks_user_series ON tasks (user_id, series_id) WHERE series_id <> '';

CREATE TABLE calendar_events (
    id         TEXT    NOT NULL PRIMARY KEY,
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title      TEXT    NOT NULL,
    start_at   INTEGER NOT NULL,
    end_at     INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX calendar_events_user_start ON calendar_events (user_id, start_at, id);

CREATE TABLE conversations (
    id               TEXT    NOT NULL PRIMARY KEY,
    user_id          TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind             TEXT    NOT NULL CHECK (kind IN ('planner', 'chat', 'voice')),
    state            TEXT    NOT NULL DEFAULT '',
    data             TEXT,
    goal_id          TEXT    NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    last_message_at  INTEGER,
    ended_at         INTEGER,
    duration_seconds INTEGER NOT NULL DEFAULT 0,
    message_count    INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX conversations_user_created ON conversations (user_id, created_at DESC, id DESC);

CREATE TABLE messages (
    id              TEXT    NOT NULL PRIMARY KEY,
    user_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conversation_id TEXT    NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role            TEXT    NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'function')),
    content         TEXT    NOT NULL,
    metadata        TEXT,
    created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX messages_user_conversation ON messages (user_id, conversation_id, created_at, id);
CREATE INDEX messages_conversation ON messages (conversation_id);

CREATE TABLE push_subscriptions (
    id          TEXT    NOT NULL PRIMARY KEY,
    user_id     TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id   TEXT    NOT NULL,
    endpoint    TEXT    NOT NULL,
    p256dh      TEXT    NOT NULL DEFAULT '',
    auth        TEXT    NOT NULL DEFAULT '',
    device_name TEXT    NOT NULL DEFAULT '',
    user_agent  TEXT    NOT NULL DEFAULT '',
    expires_at  INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (user_id, device_id)
) STRICT;

CREATE INDEX push_subscriptions_user_created ON push_subscriptions (user_id, created_at, id);

CREATE TABLE notifications (
    id              TEXT    NOT NULL PRIMARY KEY,
    user_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    task_id         TEXT    NOT NULL DEFAULT '',
    escalation_id   TEXT    NOT NULL DEFAULT '',
    channel         TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    title           TEXT    NOT NULL DEFAULT '',
    body            TEXT    NOT NULL DEFAULT '',
    external_id     TEXT    NOT NULL DEFAULT '',
    idempotency_key TEXT    NOT NULL DEFAULT '',
    response        TEXT    NOT NULL DEFAULT '',
    error           TEXT    NOT NULL DEFAULT '',
    sent_at         INTEGER,
    responded_at    INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX notifications_user_created ON notifications (user_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX notifications_user_idempotency_key ON notifications (user_id, idempotency_key) WHERE idempotency_key <> '';
CREATE UNIQUE INDEX notifications_external_id_key ON notifications (external_id) WHERE external_id <> '';

CREATE TABLE escalations (
    id              TEXT    NOT NULL PRIMARY KEY,
    user_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    task_id         TEXT    NOT NULL DEFAULT '',
    title           TEXT    NOT NULL DEFAULT '',
    message         TEXT    NOT NULL DEFAULT '',
    priority        TEXT    NOT NULL DEFAULT '',
    speed           REAL    NOT NULL DEFAULT 0,
    status          TEXT    NOT NULL,
    steps           TEXT,
    idempotency_key TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    ended_at        INTEGER
) STRICT;

CREATE INDEX escalations_user_created ON escalations (user_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX escalations_user_idempotency_key ON escalations (user_id, idempotency_key) WHERE idempotency_key <> '';

CREATE TABLE patterns (
    id            TEXT    NOT NULL PRIMARY KEY,
    user_id       TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pattern_type  TEXT    NOT NULL DEFAULT '',
    description   TEXT    NOT NULL DEFAULT '',
    data          TEXT,
    user_override TEXT,
    confidence    REAL    NOT NULL DEFAULT 0 CHECK (confidence >= 0 AND confidence <= 1),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX patterns_user_created ON patterns (user_id, created_at DESC, id DESC);

CREATE TABLE local_tokens (
    id         TEXT    NOT NULL PRIMARY KEY,
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX local_tokens_user ON local_tokens (user_id, created_at, id);
CREATE INDEX local_tokens_expires ON local_tokens (expires_at);

CREATE TABLE secrets (
    name       TEXT    NOT NULL PRIMARY KEY,
    value      BLOB    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
