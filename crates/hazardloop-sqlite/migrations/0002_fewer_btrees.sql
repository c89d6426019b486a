-- hazardloop schema 2: fewer B-trees written per command.
--
-- Every B-tree a commit touches costs at least one page in the WAL (and again at checkpoint).
-- Schema 1 touched twelve for a new hazard with one notice; this one touches nine, and a command
-- that keeps the hazard's clock and sends no notice touches two (the hazard row and the events,
-- where schema 1 also rewrote the due table, its index and the ledger-order index):
--   * the due clock moves onto the hazard row, indexed only while it is set (a partial index),
--     so the sweep still reads (due_at, tenant, hazard) from the index alone;
--   * the outbox's claim and group indexes hold only pending messages; the unique id index and
--     the (tenant, status) index are gone (listing a tenant's delivered or dead messages scans
--     that tenant's rows, an inspection query).
-- Both tables keep their rowid: their rows (JSON of about 1.5 KB) would spill to an overflow page
-- each in a WITHOUT ROWID table, whose cells hold at most about 1 KB.

ALTER TABLE hazardloop_hazards ADD COLUMN due_at INTEGER; -- NULL: no clock to watch
UPDATE hazardloop_hazards SET due_at = (
    SELECT d.due_at FROM hazardloop_due d
    WHERE d.tenant = hazardloop_hazards.tenant AND d.hazard = hazardloop_hazards.hazard);
DROP TABLE hazardloop_due;
-- The sweep's scan, covering: (due_at, tenant, hazard) from the index alone.
CREATE INDEX hazardloop_hazards_due ON hazardloop_hazards (due_at, tenant, hazard)
    WHERE due_at IS NOT NULL;

CREATE TABLE hazardloop_outbox_v2 (
    tenant       TEXT NOT NULL,
    id           TEXT NOT NULL,    -- a UUID v7: unique across tenants, ordered by creation
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
INSERT INTO hazardloop_outbox_v2
    SELECT tenant, id, grp, status, available_at, lease_token, lease_until, attempts, last_error,
           message
    FROM hazardloop_outbox;
DROP TABLE hazardloop_outbox;
ALTER TABLE hazardloop_outbox_v2 RENAME TO hazardloop_outbox;
-- The claim scans pending messages in id order; settling finds a message by id while pending.
CREATE INDEX hazardloop_outbox_pending ON hazardloop_outbox (id) WHERE status = 'pending';
-- A claim takes whole groups (a recipient's digest) of pending messages.
CREATE INDEX hazardloop_outbox_group ON hazardloop_outbox (tenant, grp) WHERE status = 'pending';
