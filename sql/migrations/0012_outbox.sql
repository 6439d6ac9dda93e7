-- The SMS outbox (issue 12, docs/reliability.md "SMS"): one row per message, shared by every
-- gateway process. A process claims due rows with FOR UPDATE SKIP LOCKED and a lease (the claim
-- moves next_attempt_at past the HTTP timeout and counts the attempt), submits them to the
-- carrier, and writes the verdict; a delivery report moves the row on. The number in clear stays
-- only while the row may still be sent or reported on (domain.md: personal data).
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  link text NOT NULL,            -- the carrier section that sends it
  kind text NOT NULL CHECK (kind IN ('tip', 'on', 'off', 'test')),
  respondent bytea CHECK (respondent IS NULL OR octet_length(respondent) = 32),
  msisdn text,
  body text NOT NULL,
  parts smallint NOT NULL CHECK (parts BETWEEN 1 AND 16),
  state text NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'submitted', 'delivered', 'failed', 'expired')),
  attempts integer NOT NULL DEFAULT 0,
  due_at timestamptz NOT NULL,          -- the first time it may go (after quiet hours)
  next_attempt_at timestamptz NOT NULL, -- the next claim, or the end of a claim's lease
  created_at timestamptz NOT NULL DEFAULT now(),
  claimed_at timestamptz,
  submitted_at timestamptz,
  delivered_at timestamptz,
  finished_at timestamptz,
  dlr_seen integer NOT NULL DEFAULT 0, -- the DLR types (Kannel's dlr-mask bits) reported
  error text,
  CONSTRAINT outbox_number_only_while_open
    CHECK (msisdn IS NULL OR (state IN ('queued', 'submitted') AND finished_at IS NULL)),
  CONSTRAINT outbox_number_while_queued CHECK (state <> 'queued' OR msisdn IS NOT NULL)
);
-- The claim: a link's due queued rows, oldest due first.
CREATE INDEX outbox_due ON outbox (link, next_attempt_at) WHERE state = 'queued';
-- Expiry and the queue depth: the rows still open.
CREATE INDEX outbox_open ON outbox (link, due_at) WHERE state IN ('queued', 'submitted');
-- A STOP drops the respondent's queued tips.
CREATE INDEX outbox_respondent ON outbox (respondent) WHERE state = 'queued';

-- Messages from parents (MO), one row per carrier message id: Kannel retries its get-url with
-- the same id, and a repeated message must not unsubscribe or confirm twice. No number here.
CREATE TABLE sms_inbox (
  link text NOT NULL,
  message_id text NOT NULL,
  verdict text NOT NULL CHECK (verdict IN ('stop', 'start', 'other')),
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (link, message_id)
);
