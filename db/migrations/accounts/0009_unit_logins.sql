-- A unit login (role unit, at the hub) belongs to one unit (承办单位) and
-- sees only that unit's opinions.
ALTER TABLE users ADD COLUMN unit_id TEXT NOT NULL DEFAULT '';
