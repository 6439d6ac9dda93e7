-- Issue 9: an answer costs one index entry fewer. The surrogate key `id` had a primary key index
-- that nothing looks answers up by: every write and every check goes by the hop's key (carrier,
-- session, hop: responses_hop_once, which ON CONFLICT arbitrates on) or by the respondent
-- (responses_attempt). Its index cost a B-tree insert and its WAL on every answer. `id` stays, an
-- identity column without an index (the order answers arrived in, for exports and tests), and the
-- hop's key, NOT NULL and unique, becomes the row's identity for logical replication.
ALTER TABLE responses DROP CONSTRAINT responses_pkey;
ALTER TABLE responses REPLICA IDENTITY USING INDEX responses_hop_once;
