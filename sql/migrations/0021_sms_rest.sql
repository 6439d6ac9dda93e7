-- The rest of issue 12 (docs/decisions.md, 79+ to 82+).

-- A number's subscription found under another respondent hash (the respondent secret was
-- rotated, so the same number now hashes to another key) moves to the current key: the old
-- key's row is switched off with an event of channel 'rekey' (not an opt-out: the parent said
-- nothing), and the current key's row takes over, in the statement that found it (a START, a
-- STOP, the USSD switch). Without it a START failed the unique number index (Kannel got 503
-- for ever) and a STOP left the old row sending.
ALTER TABLE subscription_events DROP CONSTRAINT subscription_events_channel_check;
ALTER TABLE subscription_events ADD CONSTRAINT subscription_events_channel_check
  CHECK (channel IN ('ussd', 'sms', 'api', 'rekey'));

-- Retention: finished outbox rows (delivered, failed, expired, or submitted and given up on: the
-- rows with finished_at, none of which holds a number) are deleted sms_outbox_retention_days
-- after they finished, a small batch at a time, oldest first (store_outbox_purge).
CREATE INDEX outbox_finished ON outbox (finished_at) WHERE finished_at IS NOT NULL;
