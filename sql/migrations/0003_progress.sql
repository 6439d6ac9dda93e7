-- Resume and "never ask twice". A respondent (the keyed hash of the number) may answer a survey
-- several times, once per person on a shared phone (relation) and once per attempt: starting
-- over opens attempt n+1. survey_progress holds one row per attempt; the gateway reads it when a
-- session starts and offers to continue an open attempt that moved within the resume window.
ALTER TABLE responses ADD COLUMN attempt integer NOT NULL DEFAULT 1 CHECK (attempt > 0);

CREATE TABLE survey_progress (
  respondent bytea NOT NULL CHECK (octet_length(respondent) = 32),
  relation text NOT NULL,
  survey_id text NOT NULL,
  attempt integer NOT NULL CHECK (attempt > 0),
  survey_version integer NOT NULL,
  language text NOT NULL CHECK (language IN ('kk', 'ru', 'en')),
  status text NOT NULL CHECK (status IN ('open', 'done')),
  started_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (respondent, relation, survey_id, attempt)
);

-- The profile query joins an attempt's answers.
DROP INDEX responses_respondent;
CREATE INDEX responses_attempt ON responses (respondent, survey_id, relation, attempt);

-- SMS tips. The phone number is stored here and nowhere else: the SMS channel needs it. Analysts
-- never get this table (domain.md, personal data).
CREATE TABLE subscriptions (
  msisdn text PRIMARY KEY CHECK (msisdn ~ '^\+7[0-9]{10}$'),
  respondent bytea NOT NULL CHECK (octet_length(respondent) = 32),
  language text NOT NULL CHECK (language IN ('kk', 'ru', 'en')),
  band text NOT NULL DEFAULT '',
  active boolean NOT NULL,
  updated_at timestamptz NOT NULL
);
