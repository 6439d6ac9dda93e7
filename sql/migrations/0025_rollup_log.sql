-- The batches' cell deltas, appended (issue 9, decision 103): rollup_put() upserted its cells
-- into `rollups` in every batch, and a few hot cells (one survey, question, region and day)
-- are in almost every batch, so two batches in flight at once, on two connections of one
-- gateway or on two gateways, waited for each other's commit on those rows: PostgreSQL ran one
-- batch at a time whatever the cores. Like the release's deltas (0014, decision 73), a batch
-- now appends its cells' deltas to `rollup_log` (no index, no conflict), and about once a
-- second a batch folds the log into `rollups` (rollup_merge), before the release's merge: one
-- lock order, rollups then the release. `rollups_now` is the counters as of now. The results
-- read the release (with its log), never `rollups`, so what they show is unchanged.

CREATE TABLE rollup_log (LIKE rollups);

-- Folds the log into the counters, one upsert per cell in key order. Two merges at once take
-- disjoint rows (a row one deleted, the other skips). Returns the log rows folded.
CREATE FUNCTION rollup_merge() RETURNS bigint LANGUAGE sql AS $$
WITH d AS (DELETE FROM rollup_log RETURNING *),
up AS (
  INSERT INTO rollups AS t
  SELECT survey_id, survey_version, question_id, region, day, district, school_settlement,
         settlement, school_id, grade, relation, language, option, sum(n)
  FROM d GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13
  HAVING sum(n) <> 0
  ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13
  ON CONFLICT (survey_id, survey_version, question_id, region, day, district, school_settlement,
               settlement, school_id, grade, relation, language, option)
  DO UPDATE SET n = t.n + excluded.n)
SELECT count(*) FROM d
$$;

-- The counters as of now: merged cells and the log's.
CREATE VIEW rollups_now AS
SELECT survey_id, survey_version, question_id, region, day, district, school_settlement,
       settlement, school_id, grade, relation, language, option, sum(n)::bigint AS n
FROM (SELECT * FROM rollups UNION ALL SELECT * FROM rollup_log) r
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13;

-- 0014's, but the cells' deltas are appended to the log instead of upserted; and in PL/pgSQL,
-- as rollup_release_add below: a SQL function that is not inlined is parsed and planned again
-- at every call, twice per batch each (about a tenth of a batch's rollup time), where PL/pgSQL
-- keeps its plans for the connection. The parameters are renamed so that no column is
-- ambiguous with them.
DROP FUNCTION rollup_put(rollup_answers[], boolean);
CREATE FUNCTION rollup_put(cand_rows rollup_answers[], is_derived boolean) RETURNS SETOF rollups
LANGUAGE plpgsql AS $$
BEGIN
RETURN QUERY
WITH cand AS (SELECT * FROM unnest(cand_rows)),
old AS (SELECT o.* FROM rollup_answers o JOIN cand c USING (respondent, relation, survey_id,
          survey_version, question_id)),
chg AS (SELECT c.* FROM cand c LEFT JOIN old o USING (respondent, relation, survey_id,
          survey_version, question_id)
        WHERE o.respondent IS NULL
           OR (NOT is_derived AND (c.attempt, c.response_id) > (o.attempt, o.response_id))
           OR (is_derived AND (c.attempt, c.response_id, c.option, c.region, c.district, c.school_settlement, c.settlement,
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
logc AS (INSERT INTO rollup_log SELECT * FROM cells)
SELECT * FROM cells;
END $$;

CREATE OR REPLACE FUNCTION rollup_release_add(cells rollups[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO rollup_release_log
  SELECT c.survey_id, c.survey_version, c.question_id, ch.chain, c.region, ch.k1, ch.k2,
         c.option, sum(c.n)
  FROM unnest(cells) c CROSS JOIN LATERAL rollup_chains(c) ch
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  HAVING sum(c.n) <> 0;
END $$;

-- 0014's, with the log: truncated with the rest, and locked first, so that a batch appending
-- to it waits for the rebuild like one upserting a cell did.
CREATE OR REPLACE FUNCTION rollup_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  cells bigint;
BEGIN
  LOCK TABLE rollup_answers, rollups, rollup_log, rollup_release, rollup_release_log
    IN ACCESS EXCLUSIVE MODE;
  TRUNCATE rollup_answers, rollups, rollup_log, rollup_release, rollup_release_log;
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

-- Counts a batch's direct answers (as rollup_direct gives them) and the derived outputs they
-- change: the part of rollup_apply after it has found the answers, shared by both of its forms
-- below. Returns how many direct answers it was given.
CREATE FUNCTION rollup_count(direct rollup_answers[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  derived rollup_answers[];
  cells rollups[];
BEGIN
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

-- Takes one batch at a time per respondent (two gateway processes, or two connections of one,
-- with one parent): each next statement then reads the other's committed counts. In key order:
-- no deadlock.
CREATE FUNCTION rollup_lock(carriers text[], sids text[], hops integer[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7242, k)
  FROM (SELECT DISTINCT hashtext(encode(r.respondent, 'hex') || r.relation || r.survey_id) AS k
        FROM unnest(carriers, sids, hops) AS h(carrier, sid, hop)
        JOIN responses r ON r.carrier = h.carrier AND r.carrier_session_id = h.sid
          AND r.hop = h.hop ORDER BY 1) l;
END $$;

-- 0014's, for a gateway of the previous version during an upgrade: the context read again
-- from `responses` (rollup_direct).
CREATE OR REPLACE FUNCTION rollup_apply(carriers text[], sids text[], hops integer[])
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  direct rollup_answers[];
BEGIN
  PERFORM rollup_lock(carriers, sids, hops);
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
  RETURN rollup_count(direct);
END $$;

-- The batch's part, with the context each answer's session gave (decision 104): region,
-- district, own settlement, grade band and school number as the parent had given them in the
-- same attempt before the answer ('' when not given), in the order of the hops. The gateway's
-- session knows them (the attempt's answers are its screens' input); reading them again from
-- `responses`, five ordered aggregates over the attempt's rows for every answer, was about
-- half of a batch's rollup time. The school and the city's settlement are looked up as
-- rollup_direct does, so the cell is the one the rebuild computes.
CREATE FUNCTION rollup_apply(carriers text[], sids text[], hops integer[], regions text[],
                             districts text[], settlements text[], grades text[],
                             schools text[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  direct rollup_answers[];
BEGIN
  PERFORM rollup_lock(carriers, sids, hops);
  SELECT array_agg(x) INTO direct FROM (
    SELECT DISTINCT ON (r.respondent, r.relation, r.survey_id, r.survey_version, r.question_id)
           r.respondent, r.relation, r.survey_id, r.survey_version, r.question_id, r.attempt,
           r.id AS response_id, r.option, coalesce(h.region, '') AS region,
           coalesce(h.district, '') AS district,
           coalesce(s.settlement, '') AS school_settlement,
           coalesce(h.settlement,
                    CASE WHEN EXISTS (SELECT 1 FROM regions g WHERE g.code = h.region
                                      AND g.kind = 'city')
                           OR EXISTS (SELECT 1 FROM districts d WHERE d.code = h.district
                                      AND d.kind = 'city') THEN 'urban' END,
                    '') AS settlement,
           coalesce(s.id, 0) AS school_id, coalesce(h.grade, '') AS grade, r.language,
           rollup_day(r.received_at) AS day
    FROM (SELECT u.carrier, u.sid, u.hop, nullif(u.region, '') AS region,
                 nullif(u.district, '') AS district, nullif(u.settlement, '') AS settlement,
                 nullif(u.grade, '') AS grade, nullif(u.school, '') AS school
          FROM unnest(carriers, sids, hops, regions, districts, settlements, grades, schools)
            AS u(carrier, sid, hop, region, district, settlement, grade, school)) h
    JOIN responses r ON r.carrier = h.carrier AND r.carrier_session_id = h.sid
      AND r.hop = h.hop
    LEFT JOIN LATERAL (
      SELECT s1.id, s1.settlement FROM schools s1
      WHERE s1.district_code = h.district
        AND s1.number = CASE WHEN h.school ~ '^[0-9]{1,4}$' THEN h.school::integer END
      LIMIT 1) s ON true
    WHERE NOT rollup_is_context(r.question_id)
    ORDER BY r.respondent, r.relation, r.survey_id, r.survey_version, r.question_id,
             r.attempt DESC, r.id DESC) x;
  RETURN rollup_count(direct);
END $$;
