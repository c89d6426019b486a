-- hazardloop schema 4: inspection occurrences (design note 20), beside the hazards.
--
-- The same shape as a hazard's rows: an append-only event log clustered by
-- (tenant, occurrence, seq), and one row per occurrence with its version and chain head, its
-- latest state, its listing row and the columns the listings filter on. Templates and plans are
-- named documents (`hazardloop_documents`). Completing an occurrence writes these rows and its
-- findings' hazards in one transaction.
-- Occurrence ids are `plan/unit/period` text; their byte order (SQLite's BINARY collation) is
-- the order of `OccurrenceId`.

-- JSON of each `OccurrenceRecord` (which holds its hash and the previous one's).
CREATE TABLE hazardloop_occurrence_events (
    tenant     TEXT NOT NULL,
    occurrence TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    record     TEXT NOT NULL,
    PRIMARY KEY (tenant, occurrence, seq)
) WITHOUT ROWID;

-- One row per occurrence. `plan`, `unit` and `due` are fixed when it is scheduled, so updates
-- never set them (nor rewrite the listing index); `inspector` changes on a reassignment.
-- The table keeps its rowid: its rows (two JSON documents) are too big for a WITHOUT ROWID cell.
CREATE TABLE hazardloop_occurrences (
    tenant     TEXT NOT NULL,
    occurrence TEXT NOT NULL,
    version    INTEGER NOT NULL,
    head       TEXT NOT NULL,
    state      TEXT NOT NULL,   -- JSON of the `Occurrence`
    listing    TEXT NOT NULL,   -- JSON of its `OccurrenceRow`
    plan       TEXT NOT NULL,
    unit       TEXT NOT NULL,
    inspector  TEXT NOT NULL,
    due        INTEGER NOT NULL, -- the occurrence's due time (its slot's), not the sweep's
    sweep_at   INTEGER,          -- when the sweep next has something to do; NULL: nothing
    PRIMARY KEY (tenant, occurrence)
);
-- Listings and statistics: a tenant's occurrences in (due, id) order, a due window a range.
CREATE INDEX hazardloop_occurrences_due ON hazardloop_occurrences (tenant, due, occurrence);
-- The sweep's scan, covering: (sweep_at, tenant, occurrence) from the index alone, holding
-- only the occurrences the sweep still has to visit.
CREATE INDEX hazardloop_occurrences_sweep ON hazardloop_occurrences (sweep_at, tenant, occurrence)
    WHERE sweep_at IS NOT NULL;
