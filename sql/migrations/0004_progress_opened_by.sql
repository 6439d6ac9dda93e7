-- Which carrier session opened an attempt ("carrier:session id"). A gateway that picks up a
-- session mid-way (another process behind the load balancer, or this one after a restart)
-- reads the caller's profile without what this very session has written, so it replays the
-- session exactly as the gateway that started it did (docs/scaling.md).
ALTER TABLE survey_progress ADD COLUMN opened_by text NOT NULL DEFAULT '';
