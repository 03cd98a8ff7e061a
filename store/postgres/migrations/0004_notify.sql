-- Notifications: who delivered, to which address, how many tries, what to
-- send again, and when the provider reported delivery.
ALTER TABLE notifications
    ADD COLUMN provider     text        NOT NULL DEFAULT '',
    ADD COLUMN recipient    text        NOT NULL DEFAULT '',
    ADD COLUMN attempts     integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    ADD COLUMN payload      jsonb,
    ADD COLUMN delivered_at timestamptz;

-- LastUnanswered: a WhatsApp reply finds the newest open notification to
-- the sender's number.
CREATE INDEX notifications_recipient_open ON notifications (channel, recipient, created_at)
    WHERE response = '' AND recipient <> '';

-- Users: the WhatsApp 24-hour window, and the user's own escalation ladders.
ALTER TABLE users
    ADD COLUMN whatsapp_last_inbound_at timestamptz,
    ADD COLUMN escalation_policies      jsonb;

-- DueTasks: the notifier's sweep reads open, time-triggered tasks by time,
-- across users.
CREATE INDEX tasks_due ON tasks (scheduled_at, id)
    WHERE status IN ('pending', 'scheduled', 'drifted') AND trigger_type = 'time' AND scheduled_at IS NOT NULL;

-- A send called off before it left (its escalation was acknowledged first).
ALTER TABLE notifications DROP CONSTRAINT notifications_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check
    CHECK (status IN ('pending', 'sent', 'delivered', 'failed', 'read', 'cancelled'));
