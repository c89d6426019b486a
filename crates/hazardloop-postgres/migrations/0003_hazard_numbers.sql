-- hazardloop store, version 3: hazard numbers (隐患编号) people can say, e.g. 2026-0017.
-- The store takes the next number of the hazard's series (its year, by default) in the
-- transaction that inserts the hazard, so numbers are unique and gap-free: a commit that fails
-- rolls its number back with it. The number lives in the ledger row (`ledger->>'number'`) and the
-- snapshot, like every other attribute; this index finds a hazard by it and keeps it unique.
-- Hazards stored before this version keep no number (they are shown by their id).

CREATE TABLE __SCHEMA__.numbers (
    tenant_id text COLLATE "C" NOT NULL,
    series    text COLLATE "C" NOT NULL,
    last      bigint NOT NULL,
    PRIMARY KEY (tenant_id, series)
);

CREATE UNIQUE INDEX hazards_number ON __SCHEMA__.hazards (tenant_id, (ledger ->> 'number'))
    WHERE ledger ? 'number';
