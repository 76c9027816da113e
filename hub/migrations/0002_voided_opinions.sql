-- An opinion taken back at its point (its response voided, or its text
-- corrected away) comes with voided set: kept here, listed and exported
-- nowhere. The counts come from the points' summaries, which no longer
-- count it.
ALTER TABLE hub_opinions ADD COLUMN voided INTEGER NOT NULL DEFAULT 0;
