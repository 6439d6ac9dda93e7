-- Rollups (architecture decision 7, issue 11): counters per cell, kept in the transaction of
-- every batch of answers, so that results read cells, never `responses`.
--
-- What is counted. A respondent is (keyed hash, relation): two parents on one phone are two.
-- For every respondent, survey version and question, exactly one answer counts: the one of the
-- latest attempt (then the latest row), so a parent who starts over and answers otherwise moves
-- from one option's count to the other and never counts twice. The cell of a counted answer
-- holds the context the parent had given IN THE SAME ATTEMPT before that answer (region,
-- district, own settlement, grade band, school number -> the schools table: school and the
-- school's settlement type), its language, and its day (Kazakhstan time, UTC+5). The context
-- questions themselves are dimensions, not counted questions.
--
-- rollup_answers holds each respondent's counted answer with its cell: that is how a batch knows
-- the previous answer cheaply (one primary-key probe per answer) and takes one off the old cell
-- when it adds one to the new. Two derived "questions" per respondent are the diagnostic's own
-- outputs: `initiative` (the highest of L1-L4 answered yes, 'none' when all four are no; once
-- all four are answered) and `activities` (how many of T1-T5 were answered yes, 0-5; once all
-- five are answered), in the cell of the latest of their answers.
--
-- rollup_apply() runs in every batch's transaction (the store's before-Sync hook), after the
-- batch's INSERTs; rollup_rebuild() recomputes everything from `responses` with the same
-- definitions (`aulgate rollup rebuild`). After editing `schools`, rebuild.

CREATE FUNCTION rollup_day(ts timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN ((ts AT TIME ZONE 'UTC') + interval '5 hours')::date;

-- One row per respondent, survey version and counted question: the answer counted and its cell.
CREATE TABLE rollup_answers (
  respondent bytea NOT NULL,
  relation text NOT NULL,
  survey_id text NOT NULL,
  survey_version integer NOT NULL,
  question_id text NOT NULL,
  attempt integer NOT NULL,
  response_id bigint NOT NULL, -- responses.id of the answer (derived rows: the latest of theirs)
  option text NOT NULL,
  region text NOT NULL,
  district text NOT NULL,
  school_settlement text NOT NULL, -- urban, rural; '' when the school is not known
  settlement text NOT NULL,        -- the parent's own answer; '' when not asked
  school_id integer NOT NULL,      -- schools.id; 0 when not known
  grade text NOT NULL,
  language text NOT NULL,
  day date NOT NULL,
  PRIMARY KEY (respondent, relation, survey_id, survey_version, question_id)
);

-- The counters. n counts respondents; a cell whose respondents all moved away keeps n = 0.
CREATE TABLE rollups (
  survey_id text NOT NULL,
  survey_version integer NOT NULL,
  question_id text NOT NULL,
  region text NOT NULL,
  day date NOT NULL,
  district text NOT NULL,
  school_settlement text NOT NULL,
  settlement text NOT NULL,
  school_id integer NOT NULL,
  grade text NOT NULL,
  relation text NOT NULL,
  language text NOT NULL,
  option text NOT NULL,
  n bigint NOT NULL, -- never below 0; no CHECK: ON CONFLICT checks the -1 it proposes
  -- Results filter by survey, question, region and period first: that is the key's order.
  PRIMARY KEY (survey_id, survey_version, question_id, region, day, district, school_settlement,
               settlement, school_id, grade, relation, language, option)
);

-- The release (gateway/api/gw_results.h, docs/privacy.md): the same counts along the only
-- groupings the results API allows, so that a query reads hundreds of rows, not the
-- day-by-school cells of millions of answers. chain: 0 district > school, 1 the school's
-- settlement > the parent's, 2 grade band, 3 relation, 4 language, 5 month, 6 week (k1: the
-- period's first day, UTC+5). Kept with rollups in the same statements, rebuilt from them.
CREATE TABLE rollup_release (
  survey_id text NOT NULL,
  survey_version integer NOT NULL,
  question_id text NOT NULL,
  chain smallint NOT NULL,
  region text NOT NULL,
  k1 text NOT NULL,
  k2 text NOT NULL,
  option text NOT NULL,
  n bigint NOT NULL,
  PRIMARY KEY (survey_id, survey_version, question_id, chain, region, k1, k2, option)
);

-- A cell's place in each chain of the release.
CREATE FUNCTION rollup_chains(c rollups) RETURNS TABLE (chain smallint, k1 text, k2 text)
LANGUAGE sql IMMUTABLE AS $$
VALUES (0::smallint, c.district, c.school_id::text), (1, c.school_settlement, c.settlement),
       (2, c.grade, ''), (3, c.relation, ''), (4, c.language, ''),
       (5, to_char(date_trunc('month', c.day), 'YYYY-MM-DD'), ''),
       (6, to_char(date_trunc('week', c.day), 'YYYY-MM-DD'), '')
$$;

-- The batches' release deltas, appended (no index, no conflict): upserting some 400 release
-- rows per 100 answers cost a third of a batch's rollup time. rollup_release_merge() folds
-- them into rollup_release about once a second (the store's hook asks for it); a read adds the
-- few rows not merged yet (rollup_release_now).
CREATE TABLE rollup_release_log (LIKE rollup_release);

CREATE FUNCTION rollup_release_add(cells rollups[]) RETURNS void LANGUAGE sql AS $$
INSERT INTO rollup_release_log
SELECT c.survey_id, c.survey_version, c.question_id, ch.chain, c.region, ch.k1, ch.k2,
       c.option, sum(c.n)
FROM unnest(cells) c CROSS JOIN LATERAL rollup_chains(c) ch
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
HAVING sum(c.n) <> 0
$$;

-- Folds the log into the release, one upsert per release row in key order. Two merges at once
-- take disjoint rows (a row one deleted, the other skips). Returns the log rows folded.
CREATE FUNCTION rollup_release_merge() RETURNS bigint LANGUAGE sql AS $$
WITH d AS (DELETE FROM rollup_release_log RETURNING *),
up AS (
  INSERT INTO rollup_release AS t
  SELECT survey_id, survey_version, question_id, chain, region, k1, k2, option, sum(n)
  FROM d GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  HAVING sum(n) <> 0
  ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
  ON CONFLICT (survey_id, survey_version, question_id, chain, region, k1, k2, option)
  DO UPDATE SET n = t.n + excluded.n)
SELECT count(*) FROM d
$$;

-- The release as of now: merged rows and the log's.
CREATE VIEW rollup_release_now AS
SELECT survey_id, survey_version, question_id, chain, region, k1, k2, option, sum(n) AS n
FROM (SELECT * FROM rollup_release UNION ALL SELECT * FROM rollup_release_log) r
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

-- The context questions: dimensions of the cells, not counted.
CREATE FUNCTION rollup_is_context(q text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN q IN ('region', 'district', 'settlement', 'grade', 'school');

-- Every answer that could count, with its cell: the context answers of the same attempt given
-- before it. Filtered by the hop key (live) or not at all (rebuild).
CREATE VIEW rollup_direct AS
SELECT r.respondent, r.relation, r.survey_id, r.survey_version, r.question_id, r.attempt,
       r.id AS response_id, r.option, coalesce(c.region, '') AS region,
       coalesce(c.district, '') AS district, coalesce(s.settlement, '') AS school_settlement,
       coalesce(c.settlement, '') AS settlement, coalesce(s.id, 0) AS school_id,
       coalesce(c.grade, '') AS grade, r.language, rollup_day(r.received_at) AS day,
       r.carrier, r.carrier_session_id, r.hop
FROM responses r
LEFT JOIN LATERAL (
  SELECT (array_agg(x.option ORDER BY x.id DESC) FILTER (WHERE x.question_id = 'region'))[1]
           AS region,
         (array_agg(x.option ORDER BY x.id DESC) FILTER (WHERE x.question_id = 'district'))[1]
           AS district,
         (array_agg(x.option ORDER BY x.id DESC) FILTER (WHERE x.question_id = 'settlement'))[1]
           AS settlement,
         (array_agg(x.option ORDER BY x.id DESC) FILTER (WHERE x.question_id = 'grade'))[1]
           AS grade,
         (array_agg(x.option ORDER BY x.id DESC) FILTER (WHERE x.question_id = 'school'))[1]
           AS school
  FROM responses x
  WHERE x.respondent = r.respondent AND x.survey_id = r.survey_id AND x.relation = r.relation
    AND x.attempt = r.attempt AND x.id < r.id AND rollup_is_context(x.question_id)) c ON true
-- A lateral probe of the (district, number) index: a hash of the whole table per answer is what
-- the planner picks otherwise.
LEFT JOIN LATERAL (
  SELECT s1.id, s1.settlement FROM schools s1
  WHERE s1.district_code = c.district
    AND s1.number = CASE WHEN c.school ~ '^[0-9]{1,4}$' THEN c.school::integer END
  LIMIT 1) s ON true
WHERE NOT rollup_is_context(r.question_id);

-- The derived outputs of one respondent, from its counted answers in rollup_answers (a
-- function, not a view over the whole table: a batch reads only its respondents' rows).
CREATE FUNCTION rollup_derive(resp bytea, rel text, sid text, ver integer)
RETURNS SETOF rollup_answers LANGUAGE sql STABLE AS $$
WITH t AS (
  SELECT a.*, CASE WHEN a.question_id IN ('L1', 'L2', 'L3', 'L4') THEN 'initiative'
                   ELSE 'activities' END AS what
  FROM rollup_answers a
  WHERE a.respondent = resp AND a.relation = rel AND a.survey_id = sid
    AND a.survey_version = ver
    AND a.question_id IN ('L1', 'L2', 'L3', 'L4', 'T1', 'T2', 'T3', 'T4', 'T5')),
g AS (
  SELECT what,
         CASE WHEN what = 'activities' THEN (count(*) FILTER (WHERE option = 'yes'))::text
              WHEN bool_or(question_id = 'L4' AND option = 'yes') THEN 'L4'
              WHEN bool_or(question_id = 'L3' AND option = 'yes') THEN 'L3'
              WHEN bool_or(question_id = 'L2' AND option = 'yes') THEN 'L2'
              WHEN bool_or(question_id = 'L1' AND option = 'yes') THEN 'L1'
              ELSE 'none' END AS option
  FROM t GROUP BY what
  HAVING count(*) = CASE WHEN what = 'initiative' THEN 4 ELSE 5 END)
-- The cell, attempt and row of the latest of its answers.
SELECT resp, rel, sid, ver, g.what, l.attempt, l.response_id, g.option, l.region, l.district,
       l.school_settlement, l.settlement, l.school_id, l.grade, l.language, l.day
FROM g CROSS JOIN LATERAL (
  SELECT * FROM t WHERE t.what = g.what ORDER BY t.attempt DESC, t.response_id DESC
  LIMIT 1) l
$$;

-- Applies new counted answers: each replaces the respondent's row when newer (direct answers:
-- a later attempt, or a later row) or different (derived), and the counters move by the
-- difference, one upsert per cell, in key order (two batches never wait for each other in a
-- circle).
CREATE FUNCTION rollup_put(rows rollup_answers[], derived boolean) RETURNS SETOF rollups
LANGUAGE sql AS $$
WITH cand AS (SELECT * FROM unnest(rows)),
old AS (SELECT o.* FROM rollup_answers o JOIN cand c USING (respondent, relation, survey_id,
          survey_version, question_id)),
chg AS (SELECT c.* FROM cand c LEFT JOIN old o USING (respondent, relation, survey_id,
          survey_version, question_id)
        WHERE o.respondent IS NULL
           OR (NOT derived AND (c.attempt, c.response_id) > (o.attempt, o.response_id))
           OR (derived AND (c.attempt, c.response_id, c.option, c.region, c.district, c.school_settlement, c.settlement,
                            c.school_id, c.grade, c.language, c.day)
                 IS DISTINCT FROM (o.attempt, o.response_id, o.option, o.region, o.district, o.school_settlement,
                                   o.settlement, o.school_id, o.grade, o.language, o.day))),
up AS (INSERT INTO rollup_answers AS t SELECT * FROM chg
       ON CONFLICT (respondent, relation, survey_id, survey_version, question_id) DO UPDATE
       SET attempt = excluded.attempt, response_id = excluded.response_id,
           option = excluded.option, region = excluded.region, district = excluded.district,
           school_settlement = excluded.school_settlement, settlement = excluded.settlement,
           school_id = excluded.school_id, grade = excluded.grade,
           language = excluded.language, day = excluded.day),
d AS (SELECT survey_id, survey_version, question_id, region, day, district, school_settlement,
             settlement, school_id, grade, relation, language, option, 1 AS n FROM chg
      UNION ALL
      SELECT o.survey_id, o.survey_version, o.question_id, o.region, o.day, o.district,
             o.school_settlement, o.settlement, o.school_id, o.grade, o.relation, o.language,
             o.option, -1 FROM old o JOIN chg c USING (respondent, relation, survey_id,
             survey_version, question_id)),
cells AS (
  SELECT survey_id, survey_version, question_id, region, day, district, school_settlement,
         settlement, school_id, grade, relation, language, option, sum(n)::bigint AS n
  FROM d
  GROUP BY survey_id, survey_version, question_id, region, day, district, school_settlement,
           settlement, school_id, grade, relation, language, option
  HAVING sum(n) <> 0),
upc AS (
  INSERT INTO rollups AS t SELECT * FROM cells ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13
  ON CONFLICT (survey_id, survey_version, question_id, region, day, district, school_settlement,
               settlement, school_id, grade, relation, language, option)
  DO UPDATE SET n = t.n + excluded.n)
-- The deltas, for the release: rollup_apply adds them after (rollups first, then the release,
-- in every batch: one lock order).
SELECT * FROM cells
$$;

-- The batch's part (the before-Sync hook): the answers of hops (carrier, session, hop), just
-- inserted by the batch or already there (a retried hop: already counted, nothing moves).
CREATE FUNCTION rollup_apply(carriers text[], sids text[], hops integer[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  direct rollup_answers[];
  derived rollup_answers[];
  cells rollups[];
BEGIN
  -- One batch at a time per respondent (two gateway processes, one parent): each next
  -- statement then reads the other's committed counts. In key order: no deadlock.
  PERFORM pg_advisory_xact_lock(7242, k)
  FROM (SELECT DISTINCT hashtext(encode(r.respondent, 'hex') || r.relation || r.survey_id) AS k
        FROM unnest(carriers, sids, hops) AS h(carrier, sid, hop)
        JOIN responses r ON r.carrier = h.carrier AND r.carrier_session_id = h.sid
          AND r.hop = h.hop ORDER BY 1) l;
  SELECT array_agg(x) INTO direct FROM (
    SELECT DISTINCT ON (d.respondent, d.relation, d.survey_id, d.survey_version, d.question_id)
           d.respondent, d.relation, d.survey_id, d.survey_version, d.question_id, d.attempt,
           d.response_id, d.option, d.region, d.district, d.school_settlement, d.settlement,
           d.school_id, d.grade, d.language, d.day
    FROM unnest(carriers, sids, hops) AS h(carrier, sid, hop)
    JOIN rollup_direct d ON d.carrier = h.carrier AND d.carrier_session_id = h.sid
      AND d.hop = h.hop
    ORDER BY d.respondent, d.relation, d.survey_id, d.survey_version, d.question_id,
             d.attempt DESC, d.response_id DESC) x;
  IF direct IS NULL THEN
    RETURN 0;
  END IF;
  SELECT array_agg(c) INTO cells FROM rollup_put(direct, false) c;
  IF cells IS NOT NULL THEN
    PERFORM rollup_release_add(cells);
  END IF;
  -- A new statement: it sees the rows rollup_put just wrote.
  SELECT array_agg(v) INTO derived
  FROM (SELECT DISTINCT d.respondent, d.relation, d.survey_id, d.survey_version
        FROM unnest(direct) d
        WHERE d.question_id IN ('L1', 'L2', 'L3', 'L4', 'T1', 'T2', 'T3', 'T4', 'T5')) k,
       LATERAL rollup_derive(k.respondent, k.relation, k.survey_id, k.survey_version) v;
  IF derived IS NOT NULL THEN
    SELECT array_agg(c) INTO cells FROM rollup_put(derived, true) c;
    IF cells IS NOT NULL THEN
      PERFORM rollup_release_add(cells);
    END IF;
  END IF;
  RETURN cardinality(direct);
END $$;

-- The release again from rollups (the rebuild; the benchmark's synthetic rollups).
CREATE FUNCTION rollup_release_refresh() RETURNS void LANGUAGE sql AS $$
DELETE FROM rollup_release_log;
DELETE FROM rollup_release;
INSERT INTO rollup_release
SELECT c.survey_id, c.survey_version, c.question_id, ch.chain, c.region, ch.k1, ch.k2,
       c.option, sum(c.n)
FROM rollups c CROSS JOIN LATERAL rollup_chains(c) ch
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
HAVING sum(c.n) <> 0;
$$;

-- `aulgate rollup rebuild`: everything again from `responses`, in the caller's transaction.
-- Live batches wait at their rollup_apply() until it commits, then add what it did not see.
CREATE FUNCTION rollup_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  cells bigint;
BEGIN
  LOCK TABLE rollup_answers, rollups, rollup_release, rollup_release_log
    IN ACCESS EXCLUSIVE MODE;
  TRUNCATE rollup_answers, rollups, rollup_release, rollup_release_log;
  INSERT INTO rollup_answers
  SELECT DISTINCT ON (d.respondent, d.relation, d.survey_id, d.survey_version, d.question_id)
         d.respondent, d.relation, d.survey_id, d.survey_version, d.question_id, d.attempt,
         d.response_id, d.option, d.region, d.district, d.school_settlement, d.settlement,
         d.school_id, d.grade, d.language, d.day
  FROM rollup_direct d
  ORDER BY d.respondent, d.relation, d.survey_id, d.survey_version, d.question_id,
           d.attempt DESC, d.response_id DESC;
  INSERT INTO rollup_answers
  SELECT v.*
  FROM (SELECT DISTINCT respondent, relation, survey_id, survey_version FROM rollup_answers
        WHERE question_id IN ('L1', 'L2', 'L3', 'L4', 'T1', 'T2', 'T3', 'T4', 'T5')) k,
       LATERAL rollup_derive(k.respondent, k.relation, k.survey_id, k.survey_version) v;
  INSERT INTO rollups
  SELECT survey_id, survey_version, question_id, region, day, district, school_settlement,
         settlement, school_id, grade, relation, language, option, count(*)
  FROM rollup_answers
  GROUP BY survey_id, survey_version, question_id, region, day, district, school_settlement,
           settlement, school_id, grade, relation, language, option;
  GET DIAGNOSTICS cells = ROW_COUNT;
  PERFORM rollup_release_refresh();
  RETURN cells;
END $$;
