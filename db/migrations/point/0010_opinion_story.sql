-- What the committee did with an opinion, as the hub tells it: the lead
-- unit's name, the due date, 督办, the latest reply's grade, unit and date,
-- the follow-up date of a B or C reply, and the hub's time of the change
-- (a change older than the one here is not taken).
ALTER TABLE opinions ADD COLUMN lead_name TEXT NOT NULL DEFAULT '';
ALTER TABLE opinions ADD COLUMN due TEXT NOT NULL DEFAULT '';
ALTER TABLE opinions ADD COLUMN supervised INTEGER NOT NULL DEFAULT 0;
ALTER TABLE opinions ADD COLUMN grade TEXT NOT NULL DEFAULT '';
ALTER TABLE opinions ADD COLUMN reply_unit TEXT NOT NULL DEFAULT '';
ALTER TABLE opinions ADD COLUMN reply_at TEXT NOT NULL DEFAULT '';
ALTER TABLE opinions ADD COLUMN follow_up TEXT NOT NULL DEFAULT '';
ALTER TABLE opinions ADD COLUMN hub_updated_at TEXT NOT NULL DEFAULT '';
