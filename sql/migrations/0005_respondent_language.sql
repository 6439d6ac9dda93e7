-- The language a caller chose in the menu, remembered for the next call even before any answer
-- or SMS subscription says it. One row per respondent (the keyed hash of the number) and
-- carrier session that chose ("carrier:session id"): the profile read during a session leaves
-- out what that session wrote, so a session's own choice must not overwrite the one before it.
CREATE TABLE respondent_language (
  respondent bytea NOT NULL CHECK (octet_length(respondent) = 32),
  chosen_in text NOT NULL,
  language text NOT NULL CHECK (language IN ('kk', 'ru', 'en')),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (respondent, chosen_in)
);

-- The profile query takes a respondent's newest choice.
CREATE INDEX respondent_language_newest ON respondent_language (respondent, updated_at DESC);
