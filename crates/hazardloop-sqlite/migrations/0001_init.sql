-- hazardloop schema 1. Every table is prefixed `hazardloop_` and keyed by tenant first, so it
-- sits beside a host application's own tables without clashing.
-- Times are UTC instants as integer nanoseconds since 1970 (they sort and compare exactly).
-- Ids are lowercase hyphenated UUIDs, whose text order is the UUID order.

-- The applied schema versions (one row per migration).
CREATE TABLE hazardloop_schema (
    version INTEGER PRIMARY KEY NOT NULL
);

-- Counters the store hands out (outbox claim tokens).
CREATE TABLE hazardloop_counters (
    name  TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO hazardloop_counters (name, value) VALUES ('claim_token', 0);

-- The append-only event log: JSON of each `Recorded`, chained by hash. Clustered by
-- (tenant, hazard, seq): one B-tree, a hazard's history on adjacent pages.
CREATE TABLE hazardloop_events (
    tenant TEXT NOT NULL,
    hazard TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (tenant, hazard, seq)
) WITHOUT ROWID;

-- One row per hazard: version and chain head, the latest state (snapshot), the ledger row, and
-- the ledger's filter columns.
CREATE TABLE hazardloop_hazards (
    tenant        TEXT NOT NULL,
    hazard        TEXT NOT NULL,
    version       INTEGER NOT NULL,
    head          TEXT NOT NULL,
    state         TEXT NOT NULL,   -- JSON of the hazard (`Commit::state`)
    ledger        TEXT NOT NULL,
    stage         TEXT NOT NULL,
    open          INTEGER NOT NULL,
    unit          TEXT NOT NULL,   -- the accountable unit
    category      TEXT,
    grade         TEXT,
    discovered_at INTEGER NOT NULL,
    deadline      INTEGER,
    paused        INTEGER NOT NULL,
    as_of         INTEGER NOT NULL,
    title         TEXT NOT NULL,
    location      TEXT NOT NULL,
    PRIMARY KEY (tenant, hazard)
);
-- The ledger's order (newest discovery first). The other filters are evaluated on the tenant's
-- rows in that order: an index per filter would cost every commit a page write per index
-- (measured: two more indexes made a commit ~25 % slower) to speed up listings that read one
-- tenant's few thousand rows anyway.
CREATE INDEX hazardloop_hazards_discovered ON hazardloop_hazards (tenant, discovered_at, hazard);

-- When each hazard's next escalation rung fires. The second index covers the sweep's scan: it
-- reads (due_at, tenant, hazard) from the index alone, never touching the ledger.
CREATE TABLE hazardloop_due (
    tenant TEXT NOT NULL,
    hazard TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, hazard)
) WITHOUT ROWID;
CREATE INDEX hazardloop_due_at ON hazardloop_due (due_at, tenant, hazard);

-- Messages to deliver, written in the same transaction as their events.
CREATE TABLE hazardloop_outbox (
    tenant       TEXT NOT NULL,
    id           TEXT NOT NULL,
    grp          TEXT NOT NULL,
    status       TEXT NOT NULL,    -- pending | delivered | dead
    available_at INTEGER NOT NULL,
    lease_token  INTEGER,
    lease_until  INTEGER,
    attempts     INTEGER NOT NULL,
    last_error   TEXT,
    message      TEXT NOT NULL,    -- JSON of the `OutboxMessage` as written
    PRIMARY KEY (tenant, id)
);
CREATE UNIQUE INDEX hazardloop_outbox_id ON hazardloop_outbox (id);
CREATE INDEX hazardloop_outbox_pending ON hazardloop_outbox (id) WHERE status = 'pending';
CREATE INDEX hazardloop_outbox_group ON hazardloop_outbox (tenant, grp);
CREATE INDEX hazardloop_outbox_status ON hazardloop_outbox (tenant, status, id);

-- Idempotency keys: a command's key and its result, once per tenant.
CREATE TABLE hazardloop_idempotency (
    tenant  TEXT NOT NULL,
    key     TEXT NOT NULL,
    hazard  TEXT NOT NULL,
    version INTEGER NOT NULL,
    events  INTEGER NOT NULL,
    PRIMARY KEY (tenant, key)
) WITHOUT ROWID;

-- Named documents of a tenant (its organisation, its policy), for hosts that keep them here.
CREATE TABLE hazardloop_documents (
    tenant TEXT NOT NULL,
    name   TEXT NOT NULL,
    body   TEXT NOT NULL,
    PRIMARY KEY (tenant, name)
);
