-- hazardloop schema 5: hazard numbers (隐患编号) people can say, e.g. 2026-0017.
--
-- The store takes the next number of the hazard's series (its year, by default) in the same
-- transaction that inserts the hazard, so numbers are unique and gap-free: a commit that fails
-- rolls its number back with it. Hazards stored before this version keep no number (they are
-- shown by their id).
CREATE TABLE hazardloop_numbers (
    tenant TEXT    NOT NULL,
    series TEXT    NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (tenant, series)
) WITHOUT ROWID;

ALTER TABLE hazardloop_hazards ADD COLUMN number TEXT;

CREATE UNIQUE INDEX hazardloop_hazards_number ON hazardloop_hazards (tenant, number)
    WHERE number IS NOT NULL;
