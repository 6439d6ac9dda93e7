-- The parent's side of issue 13 (docs/decisions.md, "A school link is an answer").
--
-- A survey answer naming a school (the involvement survey's `school`, or the same question of
-- the USSD item "My child's school", content/school_link.json) links the parent to it, in the transaction that stores the
-- answer: the link is there exactly when the answer is, so a hop acknowledged is a link made,
-- whatever process or retry stored it. The school is the one the rollups count the answer
-- under (0014, 0017): the number answered within the district answered last in the same
-- attempt. A number no school of that district has links nothing (the parent can still link
-- from the USSD item "My child's school"); "skip" links nothing.
--
-- The trigger fires only for `school` answers (its WHEN clause), so the other answers of a
-- batch cost nothing more. A link that was undone is made again (the newer answer says the
-- child is at that school) with the survey as its channel; a live link is left as it is.
-- Links to other schools stay: a parent may have children at two schools.
CREATE FUNCTION school_link_from_answer() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  district text;
  school integer;
BEGIN
  SELECT x.option INTO district FROM responses x
  WHERE x.respondent = NEW.respondent AND x.survey_id = NEW.survey_id
    AND x.relation = NEW.relation AND x.attempt = NEW.attempt AND x.question_id = 'district'
  ORDER BY x.id DESC LIMIT 1;
  IF district IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT s.id INTO school FROM schools s
  WHERE s.district_code = district AND s.number = NEW.option::integer;
  IF school IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO school_links AS l (respondent, relation, school_id, channel, linked_at)
  VALUES (NEW.respondent, NEW.relation, school,
          CASE WHEN NEW.survey_id = 'school_link' THEN 'ussd' ELSE 'survey' END, NEW.received_at)
  ON CONFLICT (respondent, relation, school_id) DO UPDATE
    SET channel = excluded.channel, linked_at = excluded.linked_at, unlinked_at = NULL
    WHERE l.unlinked_at IS NOT NULL AND l.unlinked_at < excluded.linked_at;
  RETURN NULL;
END $$;

CREATE TRIGGER responses_school_link AFTER INSERT ON responses
  FOR EACH ROW WHEN (NEW.question_id = 'school' AND NEW.option ~ '^[1-9][0-9]{0,3}$')
  EXECUTE FUNCTION school_link_from_answer();

-- "My child's school" -> "Remove the school": every live link of this parent (respondent and
-- relation) is undone, in the answer's transaction as a link is made.
CREATE FUNCTION school_unlink_from_answer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE school_links SET unlinked_at = NEW.received_at
  WHERE respondent = NEW.respondent AND relation = NEW.relation AND unlinked_at IS NULL
    AND linked_at <= NEW.received_at;
  RETURN NULL;
END $$;

CREATE TRIGGER responses_school_unlink AFTER INSERT ON responses
  FOR EACH ROW WHEN (NEW.survey_id = 'school_link' AND NEW.question_id = 'school_action'
                     AND NEW.option = 'remove')
  EXECUTE FUNCTION school_unlink_from_answer();


-- What a STOP by SMS ends (issue 13 item 5): the tips and, unless the parent chose otherwise,
-- the school's messages. The choice lives with the number it is about, so it goes when the
-- consent goes; false (the default) is what the issue asks: STOP ends both.
ALTER TABLE school_contacts ADD COLUMN stop_tips_only boolean NOT NULL DEFAULT false;

-- The choice is an answer of the item "My child's school" (`school_stop`: `all` or `tips`),
-- asked after a consent: its number row was committed by the hop before.
CREATE FUNCTION school_stop_from_answer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE school_contacts SET stop_tips_only = (NEW.option = 'tips'), updated_at = NEW.received_at
  WHERE respondent = NEW.respondent;
  RETURN NULL;
END $$;

CREATE TRIGGER responses_school_stop AFTER INSERT ON responses
  FOR EACH ROW WHEN (NEW.survey_id = 'school_link' AND NEW.question_id = 'school_stop')
  EXECUTE FUNCTION school_stop_from_answer();

-- Knowledge funds (issue 13 item 4): "What I can offer" in "My child's school". `offers_mode`
-- `new` empties the parent's list first (how a list is changed, or emptied with "Nothing
-- more"); each of `offer1`..`offer3` adds a category (several, at most three a call; a later
-- call adds more). The school sees counts per category, never who.
CREATE FUNCTION school_offers_from_answer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.question_id = 'offers_mode' THEN
    IF NEW.option = 'new' THEN
      DELETE FROM school_offers WHERE respondent = NEW.respondent AND relation = NEW.relation;
    END IF;
  ELSIF NEW.option IN ('profession', 'craft', 'sport', 'traditions', 'transport', 'repairs',
                       'cooking', 'event_time') THEN
    INSERT INTO school_offers (respondent, relation, category, since)
    VALUES (NEW.respondent, NEW.relation, NEW.option, NEW.received_at)
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER responses_school_offers AFTER INSERT ON responses
  FOR EACH ROW WHEN (NEW.survey_id = 'school_link'
                     AND NEW.question_id IN ('offers_mode', 'offer1', 'offer2', 'offer3'))
  EXECUTE FUNCTION school_offers_from_answer();

-- The item's own questions (naming or removing, consent, STOP's choice, the offers) are no
-- answers to count in the rollups: they join the context questions, which are never counted.
CREATE OR REPLACE FUNCTION rollup_is_context(q text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN q IN ('region', 'district', 'settlement', 'grade', 'school', 'school_action',
               'school_consent', 'school_stop', 'offers_mode', 'offer1', 'offer2', 'offer3');

-- A parent's SMS that answers a school's request (1, YES, ДА, ИӘ, ...: sms_reply.c) is kept in
-- the inbox under its answer, once per carrier message id as STOP is.
ALTER TABLE sms_inbox DROP CONSTRAINT sms_inbox_verdict_check;
ALTER TABLE sms_inbox ADD CONSTRAINT sms_inbox_verdict_check
  CHECK (verdict IN ('stop', 'start', 'other', 'help', 'not_now', 'more'));
