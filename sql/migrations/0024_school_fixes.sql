-- Two gaps between migrations written side by side (issue 13).
--
-- 1. A school's delivery names its outbox row, and the outbox's retention deletes finished rows
--    (decision 85): with a plain foreign key the purge of a school message past retention
--    failed, and with it every purge of that link. The delivery outlives its message (it is the
--    "never twice" record and the week cap's count): the reference is cleared instead.
ALTER TABLE school_deliveries DROP CONSTRAINT school_deliveries_outbox_id_fkey;
ALTER TABLE school_deliveries ADD CONSTRAINT school_deliveries_outbox_id_fkey
  FOREIGN KEY (outbox_id) REFERENCES outbox (id) ON DELETE SET NULL;

-- 2. A share taken back ("Not this time", or "no" to sharing again: decision 97) deletes its
--    row; the months' counters (0023) only ever added shares, so the region's "shared" kept
--    a parent the school no longer sees, and differed from a rebuild. The phones of the deleted
--    rows are marked again from the shares that stand, under the same pair locks, and their
--    pairs recounted.
CREATE FUNCTION school_month_unshare() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ss integer[];
  ms date[];
BEGIN
  SELECT array_agg(s ORDER BY s, m), array_agg(m ORDER BY s, m) INTO ss, ms
  FROM (SELECT DISTINCT r.school_id AS s, school_month(r.created_at) AS m
        FROM old_rows o JOIN school_requests r ON r.id = o.request_id) k;
  IF ss IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(k.s, (extract(year FROM k.m) * 100 + extract(month FROM k.m))::int)
  FROM unnest(ss, ms) AS k(s, m);
  UPDATE school_month_phones p SET shared = EXISTS (
           SELECT 1 FROM school_shares sh JOIN school_requests q ON q.id = sh.request_id
           WHERE q.school_id = p.school_id AND school_month(q.created_at) = p.month
             AND sh.respondent = p.respondent)
  FROM (SELECT DISTINCT r.school_id AS s, school_month(r.created_at) AS m, o.respondent
        FROM old_rows o JOIN school_requests r ON r.id = o.request_id) k
  WHERE p.school_id = k.s AND p.month = k.m AND p.respondent = k.respondent;
  PERFORM school_month_recount(ss, ms);
  RETURN NULL;
END $$;

CREATE TRIGGER school_shares_unshare AFTER DELETE ON school_shares
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
  EXECUTE FUNCTION school_month_unshare();
