-- hazardloop store, version 4: records of other kinds (incidents, report duties; design note
-- 26). One table keyed by (tenant, kind, id) holds every such record: its version (the version
-- gate), its state and listing row as its kind encodes them (JSON the store never interprets),
-- the row's filter columns, and when the record sweep next has work for it. Its events are
-- chained in record_events. Keys use the "C" collation, so listings and the sweep's cursor order
-- them byte-wise, as the engine compares them.

CREATE TABLE __SCHEMA__.records (
    tenant_id     text COLLATE "C" NOT NULL,
    -- The kind's code (`incident`, `duty`).
    kind          text COLLATE "C" NOT NULL,
    id            text COLLATE "C" NOT NULL,
    version       bigint NOT NULL,
    -- The record (as its kind encodes it) and its listing row (`RecordRow`), as JSON.
    state         jsonb NOT NULL,
    row           jsonb NOT NULL,
    -- The row's filter columns, copied from it.
    at            timestamptz NOT NULL,
    open          boolean NOT NULL,
    grp           text,
    -- When the sweep next has something to do (NULL: nothing), and the short lease a sweeper
    -- takes on the rows it was handed, as for the hazards' due clocks.
    due_at        timestamptz,
    claimer       uuid,
    claimed_until timestamptz,
    CONSTRAINT records_pkey PRIMARY KEY (tenant_id, kind, id)
);
-- Listings are of one kind of a tenant, ordered by (at, id).
CREATE INDEX records_listing ON __SCHEMA__.records (tenant_id, kind, at, id);
-- The record sweep's scan is cross-tenant and ordered by time, so (like due_at) this index
-- leads with due_at; records with nothing due are left out of it.
CREATE INDEX records_due ON __SCHEMA__.records (due_at, tenant_id, kind, id)
    WHERE due_at IS NOT NULL;

CREATE TABLE __SCHEMA__.record_events (
    tenant_id text COLLATE "C" NOT NULL,
    kind      text COLLATE "C" NOT NULL,
    id        text COLLATE "C" NOT NULL,
    seq       bigint NOT NULL,
    -- The `RecordEntry`, as JSON.
    entry     jsonb NOT NULL,
    CONSTRAINT record_events_pkey PRIMARY KEY (tenant_id, kind, id, seq)
);
