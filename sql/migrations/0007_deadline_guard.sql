-- The commit guard (docs/decisions.md, "A hop's reply deadline"). The gateway ends every batch
-- that carries a hop's writes with SELECT aulgate_commit_guard(t), t being the earliest deadline
-- of the batch's hops minus a margin, on the gateway's wall clock. A batch held back (a lock, a
-- stalled backend) that reaches its end after t raises here, so its transaction aborts instead
-- of committing answers whose hops were already told they could not be confirmed. This assumes
-- the gateway's and the database's clocks agree within the margin (db_commit_margin_ms).
CREATE FUNCTION aulgate_commit_guard(commit_by timestamptz) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF clock_timestamp() > commit_by THEN
    RAISE EXCEPTION 'aulgate: batch past its hops'' deadline, not committed'
      USING ERRCODE = 'AG001', -- the store recognises its guard by this code
            DETAIL = format('commit by %s, now %s', commit_by, clock_timestamp());
  END IF;
END
$$;
