-- Answers to USSD surveys, one row per answered question. Keyed by the respondent hash
-- HMAC-SHA256(server secret, E.164 number): the number itself is never stored here.
-- A carrier may resend a hop after its timeout: (carrier, carrier_session_id, hop) is unique,
-- so the retry inserts nothing.
CREATE TABLE responses (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  respondent bytea NOT NULL CHECK (octet_length(respondent) = 32),
  relation text NOT NULL DEFAULT '',
  survey_id text NOT NULL,
  survey_version integer NOT NULL CHECK (survey_version > 0),
  question_id text NOT NULL,
  option text NOT NULL,
  language text NOT NULL CHECK (language IN ('kk', 'ru', 'en')),
  carrier text NOT NULL,
  network_code text NOT NULL DEFAULT '',
  carrier_session_id text NOT NULL,
  hop integer NOT NULL CHECK (hop > 0),
  received_at timestamptz NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT responses_hop_once UNIQUE (carrier, carrier_session_id, hop)
);

-- Resume and "never ask twice" look up a respondent's answers in one survey.
CREATE INDEX responses_respondent ON responses (respondent, survey_id, question_id);
