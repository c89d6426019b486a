//! The store's SQL, qualified with its schema once at construction.

/// Every fixed statement of the store, for one schema.
#[derive(Debug)]
pub(crate) struct Sql {
    /// The schema name as written by the user (validated identifier).
    pub(crate) schema: String,
    pub(crate) insert_hazard: String,
    pub(crate) update_hazard: String,
    pub(crate) insert_events: String,
    pub(crate) upsert_due: String,
    pub(crate) delete_due: String,
    pub(crate) insert_outbox: String,
    pub(crate) insert_key: String,
    pub(crate) version: String,
    pub(crate) load: String,
    pub(crate) snapshot: String,
    pub(crate) idempotent: String,
    pub(crate) due_first: String,
    pub(crate) due_after: String,
    pub(crate) claim_outbox: String,
    pub(crate) settle: String,
    pub(crate) outbox: String,
    pub(crate) put_document: String,
    pub(crate) document: String,
}

/// The columns of `hazards` a commit writes, in parameter order from `$3`.
const HAZARD_COLUMNS: &str = "version, head, snapshot, ledger, stage, open, unit, category, \
    grade, discovered_at, deadline, paused_since, as_of, title, location";

/// The claimable condition of an outbox row at `$1`.
const CLAIMABLE: &str = "status = 'pending' AND available_at <= $1 \
    AND (lease_until IS NULL OR lease_until <= $1)";

impl Sql {
    pub(crate) fn new(schema: &str) -> Sql {
        let s = quoted(schema);
        let set_hazard = HAZARD_COLUMNS
            .split(", ")
            .enumerate()
            .map(|(i, c)| match c {
                // An empty commit (a sweep that fired nothing) keeps the head.
                "head" => format!("head = coalesce(${}, head)", i + 3),
                _ => format!("{c} = ${}", i + 3),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let due_claim = |cursor: &str| {
            format!(
                "WITH picked AS (
                   SELECT tenant_id, hazard_id FROM {s}.due
                   WHERE due_at <= $1 {cursor}
                     AND (claimed_until IS NULL OR claimed_until <= $1 OR claimer = $2)
                     AND ($3::text[] IS NULL OR tenant_id = ANY($3))
                   ORDER BY due_at, tenant_id, hazard_id
                   LIMIT $4
                   FOR UPDATE SKIP LOCKED)
                 UPDATE {s}.due d SET claimer = $2, claimed_until = $5
                 FROM picked WHERE d.tenant_id = picked.tenant_id AND d.hazard_id = picked.hazard_id
                 RETURNING d.due_at, d.tenant_id, d.hazard_id"
            )
        };
        Sql {
            schema: schema.to_owned(),
            insert_hazard: format!(
                "INSERT INTO {s}.hazards (tenant_id, hazard_id, {HAZARD_COLUMNS})
                 VALUES ($1, $2, $3, coalesce($4, repeat('0', 64)), $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
                 ON CONFLICT (tenant_id, hazard_id) DO NOTHING"
            ),
            update_hazard: format!(
                "UPDATE {s}.hazards SET {set_hazard}
                 WHERE tenant_id = $1 AND hazard_id = $2 AND version = $18"
            ),
            insert_events: format!(
                "INSERT INTO {s}.events (tenant_id, hazard_id, seq, record)
                 SELECT $1, $2, u.seq, u.record FROM unnest($3::bigint[], $4::jsonb[]) AS u(seq, record)"
            ),
            upsert_due: format!(
                "INSERT INTO {s}.due (tenant_id, hazard_id, due_at) VALUES ($1, $2, $3)
                 ON CONFLICT (tenant_id, hazard_id)
                 DO UPDATE SET due_at = EXCLUDED.due_at, claimer = NULL, claimed_until = NULL"
            ),
            delete_due: format!("DELETE FROM {s}.due WHERE tenant_id = $1 AND hazard_id = $2"),
            insert_outbox: format!(
                "INSERT INTO {s}.outbox
                   (tenant_id, id, grp, status, available_at, attempts, last_error, message)
                 SELECT $1, u.id, u.grp, u.status, u.available_at, u.attempts, u.last_error, u.message
                 FROM unnest($2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::int[],
                             $7::text[], $8::jsonb[])
                   AS u(id, grp, status, available_at, attempts, last_error, message)"
            ),
            insert_key: format!(
                "INSERT INTO {s}.idempotency (tenant_id, key, hazard_id, version, events)
                 VALUES ($1, $2, $3, $4, $5)"
            ),
            version: format!(
                "SELECT version FROM {s}.hazards WHERE tenant_id = $1 AND hazard_id = $2"
            ),
            load: format!(
                "SELECT h.version, h.head, e.record, e.seq FROM {s}.hazards h
                 LEFT JOIN {s}.events e ON e.tenant_id = h.tenant_id AND e.hazard_id = h.hazard_id
                 WHERE h.tenant_id = $1 AND h.hazard_id = $2 ORDER BY e.seq"
            ),
            snapshot: format!(
                "SELECT snapshot, head FROM {s}.hazards WHERE tenant_id = $1 AND hazard_id = $2"
            ),
            idempotent: format!(
                "SELECT hazard_id, version, events FROM {s}.idempotency
                 WHERE tenant_id = $1 AND key = $2"
            ),
            due_first: due_claim(""),
            due_after: due_claim("AND (due_at, tenant_id, hazard_id) > ($6, $7::text, $8::uuid)"),
            claim_outbox: format!(
                "WITH first AS MATERIALIZED (
                   SELECT DISTINCT tenant_id, grp FROM (
                     SELECT tenant_id, grp FROM {s}.outbox
                     WHERE {CLAIMABLE} AND ($4::text[] IS NULL OR tenant_id = ANY($4))
                     ORDER BY id LIMIT $2) page),
                 mine AS MATERIALIZED (
                   SELECT tenant_id, grp FROM first
                   WHERE pg_try_advisory_xact_lock(
                     hashtextextended($5 || chr(31) || tenant_id || chr(31) || grp, 0)))
                 UPDATE {s}.outbox o
                 SET lease_token = nextval('{s}.outbox_token'), lease_until = $3,
                     attempts = o.attempts + 1
                 FROM mine
                 WHERE o.tenant_id = mine.tenant_id AND o.grp = mine.grp
                   AND o.status = 'pending' AND o.available_at <= $1
                   AND (o.lease_until IS NULL OR o.lease_until <= $1)
                 RETURNING o.lease_token, o.status, o.available_at, o.attempts, o.last_error,
                           o.message"
            ),
            settle: format!(
                "UPDATE {s}.outbox
                 SET status = $3, available_at = coalesce($4, available_at),
                     last_error = coalesce($5, last_error), lease_token = NULL, lease_until = NULL
                 WHERE id = $1 AND lease_token = $2 AND status = 'pending'"
            ),
            outbox: format!(
                "SELECT lease_token, status, available_at, attempts, last_error, message
                 FROM {s}.outbox WHERE tenant_id = $1 AND status = $2 ORDER BY id"
            ),
            put_document: format!(
                "INSERT INTO {s}.documents (tenant_id, name, body) VALUES ($1, $2, $3)
                 ON CONFLICT (tenant_id, name) DO UPDATE SET body = EXCLUDED.body"
            ),
            document: format!(
                "SELECT body FROM {s}.documents WHERE tenant_id = $1 AND name = $2"
            ),
        }
    }

    /// The schema as a quoted identifier.
    pub(crate) fn quoted_schema(&self) -> String {
        quoted(&self.schema)
    }
}

/// A validated identifier, quoted so its case is kept.
pub(crate) fn quoted(identifier: &str) -> String {
    format!("\"{identifier}\"")
}
