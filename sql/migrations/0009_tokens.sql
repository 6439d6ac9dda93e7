-- API tokens and the audit trail (issue 10; docs/decisions.md, "Tokens with roles, and an audit
-- trail"). A token is shown once by `aulgate token create` and only its SHA-256 is kept: the
-- token is 192 random bits, so a stolen table gives nothing that a fast hash would let anyone
-- brute-force. The gateway reads this table into a cache every token_refresh_ms.

CREATE TABLE tokens (
  id bigserial PRIMARY KEY,
  hash bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
  role text NOT NULL CHECK (role IN ('admin', 'operator', 'analyst')),
  -- Region codes the token is limited to; empty: every region. Checked against regions when
  -- the token is created (an array cannot carry a foreign key).
  regions text[] NOT NULL DEFAULT '{}',
  name text NOT NULL DEFAULT '' CHECK (length(name) <= 100),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz
);

-- One row per API call that reads personal or aggregated data or changes something, and per
-- refusal of a known token. token_id is NULL only for a token that was never issued.
CREATE TABLE audit (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  token_id bigint REFERENCES tokens (id),
  role text NOT NULL DEFAULT '',
  action text NOT NULL,  -- what was asked: "whoami", "sessions.end"...
  target text NOT NULL DEFAULT '',
  status integer NOT NULL, -- the HTTP status the caller got
  outcome text NOT NULL DEFAULT '', -- "ok", or why not
  request_id text NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit (at);
