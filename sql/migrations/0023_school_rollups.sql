-- What a region sees of its schools' requests (issue 13 item 6; docs/decisions.md, "What a
-- region sees of its schools' requests"): GET /api/v1/results/schools reads these, never the
-- schools' tables themselves. A direct aggregate over 300,000 deliveries and 30,000 links took
-- 200 ms (bench/results_schools.sh); the results' target is 20 ms.
--
-- The unit is a phone (respondent) per school: a parent counts once per school and month
-- whatever number of requests reached them, and once per school among the linked.

-- The month of a request: its creation, Kazakhstan time (UTC+5), as the month's first day.
CREATE FUNCTION school_month(ts timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN date_trunc('month', (ts AT TIME ZONE 'UTC') + interval '5 hours')::date;

CREATE INDEX school_requests_school_month ON school_requests (school_id, school_month(created_at));

-- Per school, month and phone: what the phone did with the school's requests of that month.
CREATE TABLE school_month_phones (
  school_id integer NOT NULL,
  month date NOT NULL,
  respondent bytea NOT NULL,
  delivered boolean NOT NULL DEFAULT false,
  answered boolean NOT NULL DEFAULT false,
  help boolean NOT NULL DEFAULT false, -- "I can help" to one of them, as the answer stands
  shared boolean NOT NULL DEFAULT false,
  PRIMARY KEY (school_id, month, respondent)
);

-- Per month and school: what the route reads (a region's month is some hundreds of rows).
CREATE TABLE school_month_counts (
  month date NOT NULL,
  school_id integer NOT NULL REFERENCES schools (id),
  requests bigint NOT NULL DEFAULT 0,
  asked bigint NOT NULL DEFAULT 0, -- phones with a row above: an SMS, an answer or a share
  delivered bigint NOT NULL DEFAULT 0,
  answered bigint NOT NULL DEFAULT 0,
  help bigint NOT NULL DEFAULT 0,
  shared bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (month, school_id)
);

-- The phones linked to a school (any relation, live) whose consent stands, and their count per
-- school. Links and consents are made in the answers' batches, where a counter row per school
-- would be a row two batches could lock in opposite orders; so a change appends +1 or -1 to
-- school_linked_log (no index, no conflict), and about once a second a batch folds the log into
-- school_linked_counts in key order (school_linked_merge, beside rollup_release_merge: decision
-- 73). Reads add the counts and the unfolded log.
CREATE TABLE school_linked (
  school_id integer NOT NULL,
  respondent bytea NOT NULL,
  PRIMARY KEY (school_id, respondent)
);
CREATE TABLE school_linked_counts (
  school_id integer PRIMARY KEY REFERENCES schools (id),
  n bigint NOT NULL
);
CREATE TABLE school_linked_log (
  school_id integer NOT NULL,
  n integer NOT NULL
);

CREATE FUNCTION school_linked_merge() RETURNS void LANGUAGE sql AS $$
  WITH d AS (DELETE FROM school_linked_log RETURNING school_id, n)
  INSERT INTO school_linked_counts AS c (school_id, n)
  SELECT school_id, sum(n) FROM d GROUP BY 1 ORDER BY 1
  ON CONFLICT (school_id) DO UPDATE SET n = c.n + excluded.n;
$$;

-- Recounts the months' counters of (school, month) pairs from school_month_phones. The pairs
-- are locked first (sorted; a transaction advisory lock per pair), so that each recount runs on
-- a snapshot taken after every earlier writer of the pair committed: the last to commit counts
-- everything. The callers below touch one pair per statement in practice (a request's delivery,
-- one SMS reply).
CREATE FUNCTION school_month_recount(s integer[], m date[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(k.s, (extract(year FROM k.m) * 100 + extract(month FROM k.m))::int)
  FROM (SELECT DISTINCT u.s, u.m FROM unnest(s, m) AS u(s, m) ORDER BY 1, 2) k;
  INSERT INTO school_month_counts AS c
    (month, school_id, requests, asked, delivered, answered, help, shared)
  SELECT k.m, k.s,
         (SELECT count(*) FROM school_requests q
          WHERE q.school_id = k.s AND school_month(q.created_at) = k.m),
         p.asked, p.delivered, p.answered, p.help, p.shared
  FROM (SELECT DISTINCT u.s, u.m FROM unnest(s, m) AS u(s, m) ORDER BY 2, 1) k
  CROSS JOIN LATERAL (SELECT count(*) AS asked, count(*) FILTER (WHERE delivered) AS delivered,
                             count(*) FILTER (WHERE answered) AS answered,
                             count(*) FILTER (WHERE help) AS help,
                             count(*) FILTER (WHERE shared) AS shared
                      FROM school_month_phones WHERE school_id = k.s AND month = k.m) p
  ON CONFLICT (month, school_id) DO UPDATE SET requests = excluded.requests,
    asked = excluded.asked, delivered = excluded.delivered, answered = excluded.answered,
    help = excluded.help, shared = excluded.shared;
END $$;

-- Marks what the statement's rows say (TG_ARGV[0]: delivered, answered or shared) on their
-- phones, after locking their (school, month) pairs, then recounts the pairs. An answer's
-- "help" is recomputed from the answers as they stand: a replaced answer may take it back.
CREATE FUNCTION school_month_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ss integer[];
  ms date[];
BEGIN
  SELECT array_agg(s ORDER BY s, m), array_agg(m ORDER BY s, m) INTO ss, ms
  FROM (SELECT DISTINCT r.school_id AS s, school_month(r.created_at) AS m
        FROM new_rows n JOIN school_requests r ON r.id = n.request_id) k;
  IF ss IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(k.s, (extract(year FROM k.m) * 100 + extract(month FROM k.m))::int)
  FROM unnest(ss, ms) AS k(s, m);
  INSERT INTO school_month_phones AS p (school_id, month, respondent, delivered, answered, help,
                                        shared)
  SELECT k.s, k.m, k.respondent, TG_ARGV[0] = 'delivered', TG_ARGV[0] = 'answered',
         TG_ARGV[0] = 'answered' AND EXISTS (
           SELECT 1 FROM school_requests q JOIN school_answers a ON a.request_id = q.id
           WHERE q.school_id = k.s AND school_month(q.created_at) = k.m
             AND a.respondent = k.respondent AND a.answer = 'help'),
         TG_ARGV[0] = 'shared'
  FROM (SELECT DISTINCT r.school_id AS s, school_month(r.created_at) AS m, n.respondent
        FROM new_rows n JOIN school_requests r ON r.id = n.request_id) k
  ORDER BY 1, 2, 3
  ON CONFLICT (school_id, month, respondent) DO UPDATE
    SET delivered = p.delivered OR excluded.delivered,
        answered = p.answered OR excluded.answered,
        help = CASE WHEN TG_ARGV[0] = 'answered' THEN excluded.help ELSE p.help END,
        shared = p.shared OR excluded.shared;
  PERFORM school_month_recount(ss, ms);
  RETURN NULL;
END $$;

CREATE TRIGGER school_deliveries_rollup AFTER INSERT ON school_deliveries
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION school_month_rollup('delivered');
CREATE TRIGGER school_answers_rollup_ins AFTER INSERT ON school_answers
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION school_month_rollup('answered');
CREATE TRIGGER school_answers_rollup_upd AFTER UPDATE ON school_answers
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION school_month_rollup('answered');
CREATE TRIGGER school_shares_rollup AFTER INSERT ON school_shares
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION school_month_rollup('shared');

-- A new request counts in its month at once (a month with requests and no parent yet).
CREATE FUNCTION school_requests_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM school_month_recount(array_agg(s), array_agg(m))
  FROM (SELECT DISTINCT school_id AS s, school_month(created_at) AS m FROM new_rows) k
  HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE TRIGGER school_requests_rollup AFTER INSERT ON school_requests
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION school_requests_rollup();

-- Whether (school, phone) belongs in school_linked: a live link of any relation, and a number
-- (consent standing). Inserted or deleted to match; each row trigger touches one phone's rows,
-- and one phone's answers are in one session, so two transactions do not race on them.
CREATE FUNCTION school_linked_sync(s integer, p bytea) RETURNS void LANGUAGE sql AS $$
  WITH want AS (SELECT EXISTS (SELECT 1 FROM school_links l WHERE l.school_id = s
                                 AND l.respondent = p AND l.unlinked_at IS NULL)
                       AND EXISTS (SELECT 1 FROM school_contacts c WHERE c.respondent = p) AS w),
       ins AS (INSERT INTO school_linked (school_id, respondent) SELECT s, p FROM want WHERE w
               ON CONFLICT DO NOTHING RETURNING 1),
       del AS (DELETE FROM school_linked l USING want
               WHERE NOT want.w AND l.school_id = s AND l.respondent = p RETURNING -1)
  INSERT INTO school_linked_log (school_id, n)
  SELECT s, d FROM (SELECT 1 AS d FROM ins UNION ALL SELECT -1 FROM del) x;
$$;

CREATE FUNCTION school_links_linked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM school_linked_sync(NEW.school_id, NEW.respondent);
  RETURN NULL;
END $$;

CREATE TRIGGER school_links_linked AFTER INSERT OR UPDATE ON school_links
  FOR EACH ROW EXECUTE FUNCTION school_links_linked();

CREATE FUNCTION school_contacts_linked() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r bytea := CASE WHEN TG_OP = 'DELETE' THEN OLD.respondent ELSE NEW.respondent END;
BEGIN
  PERFORM school_linked_sync(s.school_id, r)
  FROM (SELECT DISTINCT school_id FROM school_links WHERE respondent = r ORDER BY 1) s;
  RETURN NULL;
END $$;

CREATE TRIGGER school_contacts_linked AFTER INSERT OR DELETE ON school_contacts
  FOR EACH ROW EXECUTE FUNCTION school_contacts_linked();

-- Everything above recomputed from the schools' tables, in one transaction (`aulgate rollup
-- rebuild` runs it after the answers' rollups). Returns the months' rows.
CREATE FUNCTION school_rollup_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  LOCK school_deliveries, school_answers, school_shares, school_requests, school_links,
       school_contacts, school_linked_log IN SHARE MODE;
  TRUNCATE school_month_phones, school_month_counts, school_linked, school_linked_counts,
    school_linked_log;
  INSERT INTO school_month_phones (school_id, month, respondent, delivered, answered, help, shared)
  SELECT r.school_id, school_month(r.created_at), u.respondent, bool_or(u.d), bool_or(u.a),
         bool_or(u.h), bool_or(u.s)
  FROM (SELECT request_id, respondent, true AS d, false AS a, false AS h, false AS s
        FROM school_deliveries
        UNION ALL SELECT request_id, respondent, false, true, answer = 'help', false
        FROM school_answers
        UNION ALL SELECT request_id, respondent, false, false, false, true FROM school_shares) u
  JOIN school_requests r ON r.id = u.request_id
  GROUP BY 1, 2, 3;
  INSERT INTO school_month_counts (month, school_id, requests, asked, delivered, answered, help,
                                   shared)
  SELECT coalesce(q.m, p.month), coalesce(q.school_id, p.school_id), coalesce(q.n, 0),
         coalesce(p.asked, 0), coalesce(p.delivered, 0), coalesce(p.answered, 0),
         coalesce(p.help, 0), coalesce(p.shared, 0)
  FROM (SELECT school_id, school_month(created_at) AS m, count(*) AS n FROM school_requests
        GROUP BY 1, 2) q
  FULL JOIN (SELECT school_id, month, count(*) AS asked,
                    count(*) FILTER (WHERE delivered) AS delivered,
                    count(*) FILTER (WHERE answered) AS answered,
                    count(*) FILTER (WHERE help) AS help, count(*) FILTER (WHERE shared) AS shared
             FROM school_month_phones GROUP BY 1, 2) p
    ON p.school_id = q.school_id AND p.month = q.m;
  INSERT INTO school_linked (school_id, respondent)
  SELECT DISTINCT l.school_id, l.respondent FROM school_links l
  JOIN school_contacts c ON c.respondent = l.respondent WHERE l.unlinked_at IS NULL;
  INSERT INTO school_linked_counts (school_id, n)
  SELECT school_id, count(*) FROM school_linked GROUP BY 1;
  SELECT count(*) INTO n FROM school_month_counts;
  RETURN n;
END $$;

SELECT school_rollup_rebuild();
