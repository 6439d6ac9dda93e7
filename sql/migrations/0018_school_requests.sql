-- Schools ask, parents answer (issue 13; docs/decisions.md, "Schools ask: who is linked, who
-- consented, what was asked and answered"). Everything about a parent is keyed, as the answers
-- are, by the respondent (HMAC-SHA256 of the number) and, where two people share a phone, the
-- relation. The number itself appears in two places only: school_contacts while the phone's
-- consent to school messages stands (so the outbox can send them), and school_shares when a
-- parent chose to give it to one school for one request.

-- A token of role 'school' reaches one school: its requests, their counts, and the parents who
-- shared themselves with it.
ALTER TABLE tokens DROP CONSTRAINT tokens_role_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_role_check
  CHECK (role IN ('admin', 'operator', 'analyst', 'school'));
ALTER TABLE tokens ADD COLUMN school_id integer REFERENCES schools (id);
ALTER TABLE tokens ADD CONSTRAINT tokens_school_scope
  CHECK ((role = 'school') = (school_id IS NOT NULL));

-- The outbox carries the school's messages beside the tips and confirmations.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
  CHECK (kind IN ('tip', 'on', 'off', 'test', 'school'));

-- A parent linked to a child's school, from the survey's school answer or the USSD item "My
-- child's school". Unlinking keeps the row (unlinked_at): a school reaches live links only.
CREATE TABLE school_links (
  respondent bytea NOT NULL CHECK (octet_length(respondent) = 32),
  relation text NOT NULL,
  school_id integer NOT NULL REFERENCES schools (id),
  channel text NOT NULL CHECK (channel IN ('survey', 'ussd')),
  linked_at timestamptz NOT NULL DEFAULT now(),
  unlinked_at timestamptz,
  PRIMARY KEY (respondent, relation, school_id)
);
CREATE INDEX school_links_live ON school_links (school_id) WHERE unlinked_at IS NULL;

-- Consent to messages from the child's school, apart from the literacy tips (subscriptions):
-- asked once, in the parent's language. Every change is kept; the newest row of a respondent is
-- its state. Messages go to a phone, so the phone's newest row decides, whoever answered.
CREATE TABLE school_consents (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  respondent bytea NOT NULL CHECK (octet_length(respondent) = 32),
  relation text NOT NULL,
  granted boolean NOT NULL,
  channel text NOT NULL CHECK (channel IN ('ussd', 'sms', 'api')),
  language text NOT NULL CHECK (language IN ('kk', 'ru', 'en')),
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX school_consents_latest ON school_consents (respondent, at DESC, id DESC);

-- The number of a phone whose consent stands, and the language its messages are written in.
-- Deleted in the transaction that records a withdrawal (or a STOP that ends school messages).
CREATE TABLE school_contacts (
  respondent bytea PRIMARY KEY CHECK (octet_length(respondent) = 32),
  msisdn text NOT NULL UNIQUE CHECK (msisdn ~ '^\+7[0-9]{10}$'),
  language text NOT NULL CHECK (language IN ('kk', 'ru', 'en')),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Knowledge funds: what a parent could offer the school (several, changeable). A school sees
-- counts per category among its linked parents, never who.
CREATE TABLE school_offers (
  respondent bytea NOT NULL CHECK (octet_length(respondent) = 32),
  relation text NOT NULL,
  category text NOT NULL CHECK (category IN ('profession', 'craft', 'sport', 'traditions',
                                             'transport', 'repairs', 'cooking', 'event_time')),
  since timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (respondent, relation, category)
);

-- A school's request: what is needed (Kazakh and/or Russian), its kind, when, how many people,
-- for which grade bands (empty: all), optionally only for parents who offered a category.
CREATE TABLE school_requests (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  school_id integer NOT NULL REFERENCES schools (id),
  token_id bigint REFERENCES tokens (id),
  kind text NOT NULL CHECK (kind IN ('event_help', 'talk', 'repair', 'trip', 'materials',
                                     'other')),
  text_kk text NOT NULL DEFAULT '' CHECK (length(text_kk) <= 500),
  text_ru text NOT NULL DEFAULT '' CHECK (length(text_ru) <= 500),
  needed_on date,
  people integer CHECK (people BETWEEN 1 AND 1000),
  grade_bands text[] NOT NULL DEFAULT '{}'
    CHECK (grade_bands <@ ARRAY['pre', '1-4', '5-9', '10-11']::text[]),
  offer_category text CHECK (offer_category IN ('profession', 'craft', 'sport', 'traditions',
                                                'transport', 'repairs', 'cooking',
                                                'event_time')),
  created_at timestamptz NOT NULL DEFAULT now(),
  closes_at timestamptz NOT NULL,
  closed_at timestamptz,
  CHECK (text_kk <> '' OR text_ru <> ''),
  CHECK (closes_at > created_at)
);
CREATE INDEX school_requests_open ON school_requests (school_id, closes_at)
  WHERE closed_at IS NULL;

-- A request sent by SMS to a phone: a reply from that number answers the latest request sent
-- to it, and the caps (per phone per week, per school per day) count these rows.
CREATE TABLE school_deliveries (
  request_id bigint NOT NULL REFERENCES school_requests (id),
  respondent bytea NOT NULL CHECK (octet_length(respondent) = 32),
  outbox_id bigint REFERENCES outbox (id),
  sent_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_id, respondent)
);
CREATE INDEX school_deliveries_recent ON school_deliveries (respondent, sent_at DESC);
CREATE INDEX school_deliveries_school_day ON school_deliveries (sent_at);

-- An answer to a request, by USSD or by a reply to its SMS: one per phone and request (the SMS
-- cannot tell who of a shared phone answered; the newest answer replaces the older, so an
-- answer given both ways counts once).
CREATE TABLE school_answers (
  request_id bigint NOT NULL REFERENCES school_requests (id),
  respondent bytea NOT NULL CHECK (octet_length(respondent) = 32),
  relation text NOT NULL DEFAULT '', -- '' for an SMS reply
  answer text NOT NULL CHECK (answer IN ('help', 'not_now', 'more')),
  channel text NOT NULL CHECK (channel IN ('ussd', 'sms')),
  answered_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_id, respondent)
);

-- What a parent who can help chose to give the school for this request, and nothing before
-- that choice: the number and an optional first name typed on the keypad.
CREATE TABLE school_shares (
  request_id bigint NOT NULL REFERENCES school_requests (id),
  respondent bytea NOT NULL CHECK (octet_length(respondent) = 32),
  msisdn text NOT NULL CHECK (msisdn ~ '^\+7[0-9]{10}$'),
  first_name text NOT NULL DEFAULT '' CHECK (length(first_name) <= 40),
  shared_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_id, respondent)
);
