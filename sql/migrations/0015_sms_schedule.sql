-- The calendar scheduler (issue 12): per subscriber, when the next tip is due and how far into
-- its band's cycle it is. A subscription switched on (by USSD, SMS or the API, whichever
-- statement does it) gets activated_at = now and no next tip yet, so that the scheduler's first
-- message confirms the opt-in and says how to stop; the trigger keeps that true for every path.
ALTER TABLE subscriptions
  ADD COLUMN activated_at timestamptz,
  ADD COLUMN next_tip_at timestamptz,
  ADD COLUMN tip_seq integer NOT NULL DEFAULT 0;

-- Subscribers of before this never got anything: they get the confirmation first, too.
UPDATE subscriptions SET activated_at = updated_at WHERE active;

CREATE FUNCTION subscriptions_activated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.active AND (TG_OP = 'INSERT' OR NOT OLD.active) THEN
    NEW.activated_at := now();
    NEW.next_tip_at := NULL;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER subscriptions_activated BEFORE INSERT OR UPDATE ON subscriptions
  FOR EACH ROW EXECUTE FUNCTION subscriptions_activated();

-- The scheduler's scan: active subscribers whose next tip is due (new ones first).
CREATE INDEX subscriptions_due ON subscriptions (next_tip_at NULLS FIRST) WHERE active;
