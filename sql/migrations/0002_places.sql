-- Places: the regions (17 oblystar and the 3 cities of republican significance) and their
-- districts that the USSD survey offers as paged menus, with their names in kk, ru and en.
-- They are data, not code: `aulgate seed` upserts content/regions.json and never deletes, so a
-- regional education department can add its own districts here with plain SQL and a re-seed
-- keeps them. Answers refer to places by code, which therefore names one place for good: a
-- renamed district keeps its code, a district that moves to another region gets a new one.

CREATE TABLE regions (
  -- Lowercase ASCII slug ("abai", "almaty-city"): stable in answers, URLs and CSV exports
  -- whatever the script of the names.
  code text PRIMARY KEY CHECK (code ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  -- A city of republican significance lists its city districts where a region lists its
  -- districts and cities of regional significance; the menus treat both alike.
  kind text NOT NULL CHECK (kind IN ('region', 'city')),
  -- Short forms without "облысы"/"область"/"Region": the menu prompt says it, and every unit of
  -- a 75-unit UCS-2 screen counts.
  name_kk text NOT NULL CHECK (btrim(name_kk) <> ''),
  name_ru text NOT NULL CHECK (btrim(name_ru) <> ''),
  name_en text NOT NULL CHECK (btrim(name_en) <> ''),
  -- Menu order. The seed file uses steps of 10 so that a row added by hand fits in between.
  sort integer NOT NULL
);

CREATE TABLE districts (
  code text PRIMARY KEY CHECK (code ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  -- No ON DELETE CASCADE: deleting a region must not silently take its districts with it.
  region_code text NOT NULL REFERENCES regions (code),
  name_kk text NOT NULL CHECK (btrim(name_kk) <> ''),
  name_ru text NOT NULL CHECK (btrim(name_ru) <> ''),
  name_en text NOT NULL CHECK (btrim(name_en) <> ''),
  -- Order within the region's menu (districts first, then cities of regional significance).
  sort integer NOT NULL
);

-- The district menu lists one region's districts in menu order; the same index serves the
-- foreign key check when a region is deleted.
CREATE INDEX districts_region_sort ON districts (region_code, sort, code);
