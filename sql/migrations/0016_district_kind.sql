-- Survey version 4 skips the settlement question when the place chosen is a city (issue 11):
-- a city of republican significance (regions.kind = 'city', its districts are city districts)
-- or a city of regional significance listed among a region's districts, marked here. A place a
-- department added by SQL is a district unless it says otherwise. `aulgate seed` sets the kind
-- from content/regions.json ("kind": "city" on a district).
ALTER TABLE districts ADD COLUMN kind text NOT NULL DEFAULT 'district'
  CHECK (kind IN ('district', 'city'));
