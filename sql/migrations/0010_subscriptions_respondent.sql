-- The profile read (store/store_profile.c) looks up a caller's SMS switch by respondent on every
-- session's first hop; subscriptions is keyed by number, so without this index that lookup read
-- the whole table, a cost growing with every subscriber.
CREATE INDEX subscriptions_respondent ON subscriptions (respondent);
