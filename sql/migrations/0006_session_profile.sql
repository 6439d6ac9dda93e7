-- The caller's profile as a session found it, frozen by the session's first read. A session is
-- replayed from its inputs against this profile on every hop, by whichever gateway process gets
-- the hop, before or after a restart: a profile read later would show what the session wrote
-- itself (its SMS switch, the status and language of an attempt it resumed, its answers) and
-- shift the replay. One row per carrier session; its respondent binds the session to one phone
-- (another number under the same id is refused). profile holds the rows of the profile read,
-- newest first (store/store_profile.c). A row lives 2 hours, longer than the longest session
-- (session_max_ms is at most 1 hour); later reads delete expired rows a few at a time, and an
-- expired row of a reused id is replaced by the new session's.
CREATE TABLE session_profile (
  carrier text NOT NULL,
  carrier_session_id text NOT NULL,
  respondent bytea NOT NULL CHECK (octet_length(respondent) = 32),
  survey_id text NOT NULL,
  profile jsonb NOT NULL CHECK (jsonb_typeof(profile) = 'array'),
  started_at timestamptz NOT NULL,
  PRIMARY KEY (carrier, carrier_session_id)
);

-- The reads find expired rows oldest first.
CREATE INDEX session_profile_started ON session_profile (started_at);
