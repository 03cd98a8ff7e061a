-- DriftOverdue: the scheduled tasks by the start of their slot, across
-- users. A slot lasts at least a minute, so the drift job reads only the
-- tasks that started before its cut-off.
CREATE INDEX tasks_scheduled_slot ON tasks (scheduled_at) WHERE status = 'scheduled';
