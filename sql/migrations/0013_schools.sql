-- Schools (issue 11): the article classifies a parent as urban or rural by the SCHOOL's location
-- (schools of Aktobe city against schools of the rural districts), not by where the parent lives.
-- The survey asks a school number within the district the parent chose; this table turns that
-- number into a school and its settlement type. Seeded from sql/seed/schools.json by
-- `aulgate seed`, editable by SQL (a department adds its schools here). After editing, run
-- `aulgate rollup rebuild` so that answers already counted move to the school's cells.
CREATE TABLE schools (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  region_code text NOT NULL REFERENCES regions (code),
  district_code text NOT NULL REFERENCES districts (code),
  -- The number parents know the school by ("School No. 21"); NULL for a school known by name
  -- only, which the survey's number question cannot reach.
  number integer CHECK (number BETWEEN 1 AND 9999),
  name text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 200),
  settlement text NOT NULL CHECK (settlement IN ('urban', 'rural'))
);

-- One school per number in a district: the key the survey's answer is looked up by.
CREATE UNIQUE INDEX schools_district_number ON schools (district_code, number);
CREATE UNIQUE INDEX schools_district_name ON schools (district_code, name);

-- The region must be the district's own.
CREATE FUNCTION schools_region_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM districts WHERE code = NEW.district_code
                 AND region_code = NEW.region_code) THEN
    RAISE EXCEPTION 'school %: district % is not in region %', NEW.name, NEW.district_code,
      NEW.region_code;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER schools_region BEFORE INSERT OR UPDATE ON schools
  FOR EACH ROW EXECUTE FUNCTION schools_region_check();
