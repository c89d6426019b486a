-- hazardloop schema 6: records of other kinds (incidents, report duties; design note 26),
-- beside the hazards and the occurrences.
--
-- One table for every kind, keyed by (tenant, kind, id): the store checks versions and shapes
-- and never looks inside an event or a state. The same shape as an occurrence's rows: an
-- append-only event log clustered by (tenant, kind, id, seq), and one row per record with its
-- version and chain head, its latest state, its listing row and the columns the listings and
-- the sweep read. Kinds are stored as their codes (`incident`, `duty`); ids are text, and their
-- byte order (SQLite's BINARY collation) is the order of `RecordId`.

-- JSON of each `RecordEntry` (which holds its event, its hash and the previous one's).
CREATE TABLE hazardloop_record_events (
    tenant   TEXT NOT NULL,
    kind     TEXT NOT NULL,
    id       TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    recorded TEXT NOT NULL,
    PRIMARY KEY (tenant, kind, id, seq)
) WITHOUT ROWID;

-- One row per record. `at`, `open` and `grp` are the listing row's, kept apart to filter on.
-- The table keeps its rowid: its rows (two JSON documents) are too big for a WITHOUT ROWID cell.
CREATE TABLE hazardloop_records (
    tenant  TEXT NOT NULL,
    kind    TEXT NOT NULL,
    id      TEXT NOT NULL,
    version INTEGER NOT NULL,
    head    TEXT NOT NULL,
    state   TEXT NOT NULL,    -- JSON, as the kind encodes the record
    row     TEXT NOT NULL,    -- JSON of its `RecordRow`
    at      INTEGER NOT NULL, -- the row's time of reference, in nanoseconds
    open    INTEGER NOT NULL, -- the row's `open`
    grp     TEXT,             -- the row's `group`
    due_at  INTEGER,          -- when the sweep next has something to do; NULL: nothing
    PRIMARY KEY (tenant, kind, id)
);
-- Listings: a tenant's records of one kind in (at, id) order, an `at` window a range.
CREATE INDEX hazardloop_records_at ON hazardloop_records (tenant, kind, at, id);
-- The sweep's scan, covering: (due_at, tenant, kind, id) from the index alone, holding only
-- the records the sweep still has to visit.
CREATE INDEX hazardloop_records_due ON hazardloop_records (due_at, tenant, kind, id)
    WHERE due_at IS NOT NULL;
