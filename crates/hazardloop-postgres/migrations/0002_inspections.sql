-- hazardloop store, version 2: inspection occurrences (issue 15). Like the hazards: a state row
-- per occurrence (the version gate), its events in a chain, every key led by tenant_id.
-- occurrence_id is "plan/unit/period" and uses the "C" collation, so listings and the sweep's
-- cursor order it byte-wise, as the engine compares ids.

CREATE TABLE __SCHEMA__.occurrences (
    tenant_id     text COLLATE "C" NOT NULL,
    occurrence_id text COLLATE "C" NOT NULL,
    version       bigint NOT NULL,
    head          text NOT NULL,
    -- The occurrence (`Occurrence`) and its listing row (`OccurrenceRow`), as JSON.
    state         jsonb NOT NULL,
    listing       jsonb NOT NULL,
    -- The listing's filter columns, copied from the row.
    plan          text NOT NULL,
    unit          text NOT NULL,
    inspector     text NOT NULL,
    due           timestamptz NOT NULL,
    -- When the sweep next has something to do (NULL: nothing, completed or excused), and the
    -- short lease a sweeper takes on the rows it was handed, as for the hazards' due clocks.
    next_due      timestamptz,
    claimer       uuid,
    claimed_until timestamptz,
    CONSTRAINT occurrences_pkey PRIMARY KEY (tenant_id, occurrence_id)
);
-- Listings are ordered by (due, occurrence_id) within a tenant, optionally for one inspector,
-- some units or one plan.
CREATE INDEX occurrences_listing ON __SCHEMA__.occurrences (tenant_id, due, occurrence_id);
CREATE INDEX occurrences_inspector ON __SCHEMA__.occurrences (tenant_id, inspector, due, occurrence_id);
CREATE INDEX occurrences_unit ON __SCHEMA__.occurrences (tenant_id, unit, due);
CREATE INDEX occurrences_plan ON __SCHEMA__.occurrences (tenant_id, plan, due);
-- The inspection sweep's scan is cross-tenant and ordered by time, so (like due_at) this index
-- leads with next_due; settled occurrences are left out of it.
CREATE INDEX occurrences_next_due ON __SCHEMA__.occurrences (next_due, tenant_id, occurrence_id)
    WHERE next_due IS NOT NULL;

CREATE TABLE __SCHEMA__.occurrence_events (
    tenant_id     text COLLATE "C" NOT NULL,
    occurrence_id text COLLATE "C" NOT NULL,
    seq           bigint NOT NULL,
    record        jsonb NOT NULL,
    CONSTRAINT occurrence_events_pkey PRIMARY KEY (tenant_id, occurrence_id, seq)
);
