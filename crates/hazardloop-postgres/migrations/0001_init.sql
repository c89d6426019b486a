-- hazardloop store, version 1. Every name is qualified with the store's schema (__SCHEMA__ is
-- replaced with the validated identifier). Every table is keyed by tenant_id first, so it can be
-- distributed by tenant (Citus distribution column: tenant_id). tenant_id uses the "C" collation
-- so its order is byte order, the order the engine's cursors compare in.

CREATE TABLE __SCHEMA__.hazards (
    tenant_id     text COLLATE "C" NOT NULL,
    hazard_id     uuid NOT NULL,
    version       bigint NOT NULL,
    head          text NOT NULL,
    snapshot      jsonb NOT NULL,
    ledger        jsonb NOT NULL,
    stage         text NOT NULL,
    open          boolean NOT NULL,
    unit          text NOT NULL,
    category      text,
    grade         text,
    discovered_at timestamptz NOT NULL,
    deadline      timestamptz,
    paused_since  timestamptz,
    as_of         timestamptz NOT NULL,
    title         text NOT NULL,
    location      text NOT NULL,
    CONSTRAINT hazards_pkey PRIMARY KEY (tenant_id, hazard_id)
);
CREATE INDEX hazards_discovered ON __SCHEMA__.hazards (tenant_id, discovered_at DESC, hazard_id DESC);
CREATE INDEX hazards_stage ON __SCHEMA__.hazards (tenant_id, stage);
CREATE INDEX hazards_unit ON __SCHEMA__.hazards (tenant_id, unit);
CREATE INDEX hazards_category ON __SCHEMA__.hazards (tenant_id, category);
CREATE INDEX hazards_deadline ON __SCHEMA__.hazards (tenant_id, deadline) WHERE open;

CREATE TABLE __SCHEMA__.events (
    tenant_id text COLLATE "C" NOT NULL,
    hazard_id uuid NOT NULL,
    seq       bigint NOT NULL,
    record    jsonb NOT NULL,
    CONSTRAINT events_pkey PRIMARY KEY (tenant_id, hazard_id, seq)
);

-- One row per hazard with a rung to fire. claimer / claimed_until: the short lease a sweeper
-- takes on the clocks it was handed, so concurrent sweepers get disjoint pages.
CREATE TABLE __SCHEMA__.due (
    tenant_id     text COLLATE "C" NOT NULL,
    hazard_id     uuid NOT NULL,
    due_at        timestamptz NOT NULL,
    claimer       uuid,
    claimed_until timestamptz,
    CONSTRAINT due_pkey PRIMARY KEY (tenant_id, hazard_id)
);
-- The sweep's scan is cross-tenant and ordered by time, so this index leads with due_at (on
-- Citus each shard keeps its own).
CREATE INDEX due_at ON __SCHEMA__.due (due_at, tenant_id, hazard_id);

CREATE SEQUENCE __SCHEMA__.outbox_token;

CREATE TABLE __SCHEMA__.outbox (
    tenant_id    text COLLATE "C" NOT NULL,
    id           uuid NOT NULL,
    grp          text NOT NULL,
    status       text NOT NULL DEFAULT 'pending',
    available_at timestamptz NOT NULL,
    lease_token  bigint,
    lease_until  timestamptz,
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text,
    message      jsonb NOT NULL,
    CONSTRAINT outbox_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT outbox_status CHECK (status IN ('pending', 'delivered', 'dead'))
);
-- The claim scans pending rows across tenants in id (= creation) order, and settle finds a pending row by id.
CREATE INDEX outbox_pending ON __SCHEMA__.outbox (id) WHERE status = 'pending';
CREATE INDEX outbox_groups ON __SCHEMA__.outbox (tenant_id, grp) WHERE status = 'pending';
CREATE INDEX outbox_tenant_status ON __SCHEMA__.outbox (tenant_id, status, id);

CREATE TABLE __SCHEMA__.idempotency (
    tenant_id text COLLATE "C" NOT NULL,
    key       text NOT NULL,
    hazard_id uuid NOT NULL,
    version   bigint NOT NULL,
    events    bigint NOT NULL,
    CONSTRAINT idempotency_pkey PRIMARY KEY (tenant_id, key)
);

-- Named documents of a tenant (its organisation, its policy), for hosts that keep them here.
CREATE TABLE __SCHEMA__.documents (
    tenant_id text COLLATE "C" NOT NULL,
    name      text NOT NULL,
    body      text NOT NULL,
    CONSTRAINT documents_pkey PRIMARY KEY (tenant_id, name)
);

-- Wakes dispatchers listening on "<schema>_outbox" once per statement that adds messages.
CREATE FUNCTION __SCHEMA__.notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '_outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_inserted AFTER INSERT ON __SCHEMA__.outbox
    FOR EACH STATEMENT EXECUTE FUNCTION __SCHEMA__.notify_outbox();
