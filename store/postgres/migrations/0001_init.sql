-- Flux schema, version 1 (PostgreSQL). Plain tables in the store's schema,
-- nothing beyond core PostgreSQL, so it runs on Supabase as is. Ids are uuid,
-- times timestamptz (microseconds, UTC), settings and lists produced by Flux
-- jsonb; JSON that callers hand in verbatim (conversation data, message
-- metadata, pattern data) is json, which keeps the text exactly as given.
-- Every user-owned table cascades from users and has an index that starts
-- with user_id and serves its list order. Rows that point at a goal,
-- milestone or conversation do so together with their user_id, so the
-- database itself refuses a reference to another user's row.

CREATE TABLE users (
    id                       uuid        NOT NULL PRIMARY KEY,
    email                    text        NOT NULL DEFAULT '',
    name                     text        NOT NULL DEFAULT '',
    timezone                 text        NOT NULL,
    work_hours               jsonb       NOT NULL,
    sleep_window             jsonb       NOT NULL,
    cutoff_hour              integer     NOT NULL,
    buffer_minutes           integer     NOT NULL,
    daily_cap_minutes        integer     NOT NULL DEFAULT 0,
    quiet_hours              jsonb,
    phone_number             text        NOT NULL DEFAULT '',
    phone_verified           boolean     NOT NULL DEFAULT false,
    whatsapp_opt_in_at       timestamptz,
    chronotype               text        NOT NULL DEFAULT ''
        CHECK (chronotype IN ('', 'morning', 'evening', 'neutral')),
    notification_preferences jsonb,
    onboarded                boolean     NOT NULL DEFAULT false,
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL
);

CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email <> '';

CREATE TABLE goals (
    id           uuid        NOT NULL PRIMARY KEY,
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title        text        NOT NULL,
    description  text        NOT NULL DEFAULT '',
    category     text        NOT NULL DEFAULT '',
    status       text        NOT NULL
        CHECK (status IN ('active', 'completed', 'abandoned', 'pipeline')),
    target_weeks integer     NOT NULL DEFAULT 0,
    target_date  timestamptz,
    planner      text        NOT NULL DEFAULT '',
    sources      jsonb,
    plan_version integer     NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    completed_at timestamptz,
    CONSTRAINT goals_user_id_id_key UNIQUE (user_id, id)
);

-- ListGoals: newest first, read backwards.
CREATE INDEX goals_user_created ON goals (user_id, created_at, id);

CREATE TABLE milestones (
    id           uuid        NOT NULL PRIMARY KEY,
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    goal_id      uuid        NOT NULL,
    week         integer     NOT NULL DEFAULT 0,
    title        text        NOT NULL DEFAULT '',
    status       text        NOT NULL CHECK (status IN ('pending', 'completed')),
    plan_version integer     NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL,
    CONSTRAINT milestones_goal_id_id_key UNIQUE (goal_id, id),
    CONSTRAINT milestones_goal_fkey FOREIGN KEY (user_id, goal_id)
        REFERENCES goals (user_id, id) ON DELETE CASCADE
);

-- ListMilestones, and the cascade from goals.
CREATE INDEX milestones_user_goal ON milestones (user_id, goal_id, plan_version, week, id);

CREATE TABLE tasks (
    id               uuid        NOT NULL PRIMARY KEY,
    user_id          uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    goal_id          uuid,
    milestone_id     uuid,
    title            text        NOT NULL,
    description      text        NOT NULL DEFAULT '',
    status           text        NOT NULL
        CHECK (status IN ('pending', 'scheduled', 'drifted', 'done', 'missed', 'cancelled', 'rescheduled')),
    priority         text        NOT NULL
        CHECK (priority IN ('standard', 'important', 'must_not_miss')),
    duration_minutes integer     NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
    scheduled_at     timestamptz,
    deadline         timestamptz,
    earliest_start   timestamptz,
    preferred_time   text        NOT NULL DEFAULT '',
    recurrence_rule  text        NOT NULL DEFAULT '',
    series_id        uuid,
    occurrence       integer     NOT NULL DEFAULT 0,
    trigger_type     text        NOT NULL CHECK (trigger_type IN ('time', 'location')),
    location_trigger text        NOT NULL DEFAULT '',
    allow_work_hours boolean     NOT NULL DEFAULT false,
    completed_at     timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CONSTRAINT tasks_milestone_needs_goal CHECK (milestone_id IS NULL OR goal_id IS NOT NULL),
    CONSTRAINT tasks_goal_fkey FOREIGN KEY (user_id, goal_id)
        REFERENCES goals (user_id, id) ON DELETE CASCADE,
    CONSTRAINT tasks_milestone_fkey FOREIGN KEY (goal_id, milestone_id)
        REFERENCES milestones (goal_id, id) ON DELETE CASCADE
);

-- ListTasks: the scheduled part by (scheduled_at, id), then the unscheduled
-- part (scheduled_at IS NULL, which sorts last) by id.
CREATE INDEX tasks_user_scheduled ON tasks (user_id, scheduled_at, id);
CREATE INDEX tasks_user_goal ON tasks (user_id, goal_id) WHERE goal_id IS NOT NULL;
CREATE INDEX tasks_goal_milestone ON tasks (goal_id, milestone_id) WHERE milestone_id IS NOT NULL;
CREATE INDEX tasks_user_series ON tasks (user_id, series_id) WHERE series_id IS NOT NULL;

CREATE TABLE calendar_events (
    id         uuid        NOT NULL PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title      text        NOT NULL,
    start_at   timestamptz NOT NULL,
    end_at     timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT calendar_events_end_after_start CHECK (end_at > start_at)
);

CREATE INDEX calendar_events_user_start ON calendar_events (user_id, start_at, id);

CREATE TABLE conversations (
    id               uuid        NOT NULL PRIMARY KEY,
    user_id          uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind             text        NOT NULL CHECK (kind IN ('planner', 'chat', 'voice')),
    state            text        NOT NULL DEFAULT '',
    data             json,
    goal_id          uuid,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    last_message_at  timestamptz,
    ended_at         timestamptz,
    duration_seconds integer     NOT NULL DEFAULT 0,
    message_count    integer     NOT NULL DEFAULT 0,
    CONSTRAINT conversations_user_id_id_key UNIQUE (user_id, id)
);

-- ListConversations: newest first, read backwards.
CREATE INDEX conversations_user_created ON conversations (user_id, created_at, id);

CREATE TABLE messages (
    id              uuid        NOT NULL PRIMARY KEY,
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conversation_id uuid        NOT NULL,
    role            text        NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'function')),
    content         text        NOT NULL CHECK (content <> ''),
    metadata        json,
    created_at      timestamptz NOT NULL,
    CONSTRAINT messages_conversation_fkey FOREIGN KEY (user_id, conversation_id)
        REFERENCES conversations (user_id, id) ON DELETE CASCADE
);

-- ListMessages, and the cascade from conversations.
CREATE INDEX messages_user_conversation ON messages (user_id, conversation_id, created_at, id);

CREATE TABLE push_subscriptions (
    id          uuid        NOT NULL PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id   text        NOT NULL,
    endpoint    text        NOT NULL,
    p256dh      text        NOT NULL DEFAULT '',
    auth        text        NOT NULL DEFAULT '',
    device_name text        NOT NULL DEFAULT '',
    user_agent  text        NOT NULL DEFAULT '',
    expires_at  timestamptz,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT push_subscriptions_user_device_key UNIQUE (user_id, device_id)
);

CREATE INDEX push_subscriptions_user_created ON push_subscriptions (user_id, created_at, id);

CREATE TABLE notifications (
    id              uuid        NOT NULL PRIMARY KEY,
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    task_id         uuid,
    escalation_id   uuid,
    channel         text        NOT NULL CHECK (channel IN ('push', 'whatsapp', 'call', 'log')),
    status          text        NOT NULL
        CHECK (status IN ('pending', 'sent', 'delivered', 'failed', 'read')),
    title           text        NOT NULL DEFAULT '',
    body            text        NOT NULL DEFAULT '',
    external_id     text        NOT NULL DEFAULT '',
    idempotency_key text        NOT NULL DEFAULT '',
    response        text        NOT NULL DEFAULT '',
    error           text        NOT NULL DEFAULT '',
    sent_at         timestamptz,
    responded_at    timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

-- ListNotifications: newest first, read backwards.
CREATE INDEX notifications_user_created ON notifications (user_id, created_at, id);
CREATE UNIQUE INDEX notifications_user_idempotency_key ON notifications (user_id, idempotency_key)
    WHERE idempotency_key <> '';
CREATE UNIQUE INDEX notifications_external_id_key ON notifications (external_id)
    WHERE external_id <> '';

CREATE TABLE escalations (
    id              uuid             NOT NULL PRIMARY KEY,
    user_id         uuid             NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    task_id         uuid,
    title           text             NOT NULL DEFAULT '',
    message         text             NOT NULL DEFAULT '',
    priority        text             NOT NULL
        CHECK (priority IN ('standard', 'important', 'must_not_miss')),
    speed           double precision NOT NULL DEFAULT 0,
    status          text             NOT NULL
        CHECK (status IN ('running', 'acknowledged', 'cancelled', 'exhausted')),
    steps           jsonb,
    idempotency_key text             NOT NULL DEFAULT '',
    created_at      timestamptz      NOT NULL,
    updated_at      timestamptz      NOT NULL,
    ended_at        timestamptz
);

-- ListEscalations: newest first, read backwards.
CREATE INDEX escalations_user_created ON escalations (user_id, created_at, id);
CREATE UNIQUE INDEX escalations_user_idempotency_key ON escalations (user_id, idempotency_key)
    WHERE idempotency_key <> '';

CREATE TABLE patterns (
    id            uuid             NOT NULL PRIMARY KEY,
    user_id       uuid             NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pattern_type  text             NOT NULL DEFAULT '',
    description   text             NOT NULL DEFAULT '',
    data          json,
    user_override json,
    confidence    double precision NOT NULL DEFAULT 0 CHECK (confidence >= 0 AND confidence <= 1),
    created_at    timestamptz      NOT NULL,
    updated_at    timestamptz      NOT NULL
);

-- ListPatterns: newest first, read backwards.
CREATE INDEX patterns_user_created ON patterns (user_id, created_at, id);

CREATE TABLE local_tokens (
    id         uuid        NOT NULL PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE INDEX local_tokens_user ON local_tokens (user_id, created_at, id);
CREATE INDEX local_tokens_expires ON local_tokens (expires_at);

CREATE TABLE secrets (
    name       text        NOT NULL PRIMARY KEY,
    value      bytea       NOT NULL,
    created_at timestamptz NOT NULL
);
