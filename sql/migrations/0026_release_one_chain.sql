-- The release's places as one tree and its periods as one (decision 106, docs/privacy.md).
--
-- 0014 published, under each region, district > school and, independently, the school's
-- settlement > the parent's; and month and week independently. Both pairs are linked outside
-- the tree: a settlement's total is the sum of its schools, and a month that begins on a Monday
-- and ends on a Sunday is the sum of its weeks (a straddling week is the sum of its two parts,
-- each of which a month and the other weeks give). An attacker who writes those equations got
-- back groups the suppression had hidden; check_results' attacker now writes them and found
-- both. So:
--   chain 0  the school's settlement > district > school  (a district with urban and rural
--            schools is published once under each),
--   chain 1  the school's settlement > the parent's own   (its first level is chain 0's),
--   chain 5  month > week                                  (a week across two months is two
--            nodes, its days in each),
-- and chain 6 (week alone) is gone. A node's keys are k1, k2 and now k3. The release is derived
-- from the counters, so it is rebuilt here, whole.

DROP VIEW rollup_release_now;
DROP TABLE rollup_release_log;
DROP TABLE rollup_release;
DROP FUNCTION rollup_chains(rollups);

CREATE TABLE rollup_release (
  survey_id text NOT NULL,
  survey_version integer NOT NULL,
  question_id text NOT NULL,
  chain smallint NOT NULL,
  region text NOT NULL,
  k1 text NOT NULL,
  k2 text NOT NULL,
  k3 text NOT NULL,
  option text NOT NULL,
  n bigint NOT NULL,
  PRIMARY KEY (survey_id, survey_version, question_id, chain, region, k1, k2, k3, option)
);

CREATE TABLE rollup_release_log (LIKE rollup_release);

-- A cell's place in each chain of the release.
CREATE FUNCTION rollup_chains(c rollups)
RETURNS TABLE (chain smallint, k1 text, k2 text, k3 text) LANGUAGE sql IMMUTABLE AS $$
VALUES (0::smallint, c.school_settlement, c.district, c.school_id::text),
       (1, c.school_settlement, c.settlement, ''),
       (2, c.grade, '', ''), (3, c.relation, '', ''), (4, c.language, '', ''),
       (5, to_char(date_trunc('month', c.day), 'YYYY-MM-DD'),
        to_char(date_trunc('week', c.day), 'YYYY-MM-DD'), '')
$$;

CREATE OR REPLACE FUNCTION rollup_release_add(cells rollups[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO rollup_release_log
  SELECT c.survey_id, c.survey_version, c.question_id, ch.chain, c.region, ch.k1, ch.k2, ch.k3,
         c.option, sum(c.n)
  FROM unnest(cells) c CROSS JOIN LATERAL rollup_chains(c) ch
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  HAVING sum(c.n) <> 0;
END $$;

CREATE OR REPLACE FUNCTION rollup_release_merge() RETURNS bigint LANGUAGE sql AS $$
WITH d AS (DELETE FROM rollup_release_log RETURNING *),
up AS (
  INSERT INTO rollup_release AS t
  SELECT survey_id, survey_version, question_id, chain, region, k1, k2, k3, option, sum(n)
  FROM d GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  HAVING sum(n) <> 0
  ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  ON CONFLICT (survey_id, survey_version, question_id, chain, region, k1, k2, k3, option)
  DO UPDATE SET n = t.n + excluded.n)
SELECT count(*) FROM d
$$;

CREATE VIEW rollup_release_now AS
SELECT survey_id, survey_version, question_id, chain, region, k1, k2, k3, option, sum(n) AS n
FROM (SELECT * FROM rollup_release UNION ALL SELECT * FROM rollup_release_log) r
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;

-- From the counters as of now (0014's read `rollups` alone, and so dropped the deltas of the
-- counters' log that the release's log it emptied already held).
CREATE OR REPLACE FUNCTION rollup_release_refresh() RETURNS void LANGUAGE sql AS $$
DELETE FROM rollup_release_log;
DELETE FROM rollup_release;
INSERT INTO rollup_release
SELECT c.survey_id, c.survey_version, c.question_id, ch.chain, c.region, ch.k1, ch.k2, ch.k3,
       c.option, sum(c.n)
FROM rollups_now c CROSS JOIN LATERAL rollup_chains(ROW(c.*)::rollups) ch
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
HAVING sum(c.n) <> 0;
$$;

SELECT rollup_release_refresh();
