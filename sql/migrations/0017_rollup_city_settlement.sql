-- Survey version 4 does not ask a parent who chose a city whether they live in a town or a
-- village (0016, decision 70): such a parent's own settlement is urban. The rollups' context
-- said '' (not asked) for them, which the results would have shown as a settlement of its own
-- beside urban and rural. The view is the same as 0014's but for that one column; counts
-- already made stay as they were until `aulgate rollup rebuild` (none were made by a released
-- version: 0014 and 0016 land together).
CREATE OR REPLACE VIEW rollup_direct AS
SELECT r.respondent, r.relation, r.survey_id, r.survey_version, r.question_id, r.attempt,
       r.id AS response_id, r.option, coalesce(c.region, '') AS region,
       coalesce(c.district, '') AS district, coalesce(s.settlement, '') AS school_settlement,
       coalesce(c.settlement,
                CASE WHEN EXISTS (SELECT 1 FROM regions g WHERE g.code = c.region AND g.kind = 'city')
                       OR EXISTS (SELECT 1 FROM districts d WHERE d.code = c.district
                                  AND d.kind = 'city') THEN 'urban' END,
                '') AS settlement,
       coalesce(s.id, 0) AS school_id,
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
