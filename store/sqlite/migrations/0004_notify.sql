-- Notifications: who delivered, to which address, how many tries, what to
-- send again, and when the provider reported delivery.
ALTER TABLE notifications ADD COLUMN provider TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN recipient TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN payload TEXT;
ALTER TABLE notifications ADD COLUMN delivered_at INTEGER;

-- LastUnanswered: a WhatsApp reply finds the newest open notification to
-- the sender's number.
CREATE INDEX notifications_recipient_open ON notifications (channel, recipient, created_at)
    WHERE response = '' AND recipient <> '';

-- Users: the WhatsApp 24-hour window, and the user's own escalation ladders.
ALTER TABLE users ADD COLUMN whatsapp_last_inbound_at INTEGER;
ALTER TABLE users ADD COLUMN escalation_policies TEXT;

-- DueTasks: the notifier's sweep reads open, time-triggered tasks by time,
-- across users.
CREATE INDEX tasks_due ON tasks (scheduled_at, id)
    WHERE status IN ('pending', 'scheduled', 'drifted') AND trigger_type = 'time' AND scheduled_at IS NOT NULL;
