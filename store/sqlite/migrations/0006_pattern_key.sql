-- The pattern observer keeps one pattern per (user, type, key) and
-- replaces its own patterns on each recomputation (SyncPatterns).

ALTER TABLE patterns ADD COLUMN pattern_key TEXT NOT NULL DEFAULT '';

CREATE INDEX patterns_user_type_key ON patterns (user_id, pattern_type, pattern_key);
