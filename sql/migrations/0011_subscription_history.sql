-- Consent and opt-out are kept as history, with time and channel; the number in clear only
-- while a subscription is active (issue 12, domain.md: personal data). Until now the number
-- stayed after "off" and only the latest state was known.
CREATE TABLE subscription_events (
  id bigserial PRIMARY KEY,
  respondent bytea NOT NULL CHECK (octet_length(respondent) = 32),
  action text NOT NULL CHECK (action IN ('on', 'off')),
  channel text NOT NULL CHECK (channel IN ('ussd', 'sms', 'api')),
  language text NOT NULL CHECK (language IN ('kk', 'ru', 'en')),
  at timestamptz NOT NULL
);
CREATE INDEX subscription_events_respondent ON subscription_events (respondent, at);

-- What is known of the subscriptions there are becomes their first event (all came by USSD).
INSERT INTO subscription_events (respondent, action, channel, language, at)
  SELECT respondent, CASE WHEN active THEN 'on' ELSE 'off' END, 'ussd', language, updated_at
  FROM subscriptions;

-- One subscription per respondent (the keyed hash of the number); the number only while active.
ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_pkey;
ALTER TABLE subscriptions ALTER COLUMN msisdn DROP NOT NULL;
UPDATE subscriptions SET msisdn = NULL WHERE NOT active;
ALTER TABLE subscriptions ADD PRIMARY KEY (respondent);
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_number_only_while_active
  CHECK ((msisdn IS NOT NULL) = active);
-- The SMS channel finds an active subscriber by number (a STOP from the phone).
CREATE UNIQUE INDEX subscriptions_msisdn ON subscriptions (msisdn) WHERE msisdn IS NOT NULL;
-- The primary key now serves the profile read's lookup by respondent (0010).
DROP INDEX subscriptions_respondent;
