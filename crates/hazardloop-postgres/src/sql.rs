//! The store's SQL, qualified with its schema once at construction.

/// Every fixed statement of the store, for one schema.
#[derive(Debug)]
pub(crate) struct Sql {
    /// The schema name as written by the user (validated identifier).
    pub(crate) schema: String,
    /// The commit statement of each [`Shape`], at [`Shape::index`].
    commit: Vec<String>,
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
    /// The statements on inspection occurrences.
    pub(crate) occurrences: crate::inspection::OccurrenceSql,
    /// The statements on records of other kinds.
    pub(crate) records: crate::record::RecordSql,
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
            commit: Shape::all().map(|shape| commit_statement(&s, &set_hazard, shape)).collect(),
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
            document: format!("SELECT body FROM {s}.documents WHERE tenant_id = $1 AND name = $2"),
            occurrences: crate::inspection::OccurrenceSql::new(&s),
            records: crate::record::RecordSql::new(&s),
        }
    }

    /// The one statement that writes a commit of this shape.
    pub(crate) fn commit(&self, shape: Shape) -> &str {
        // `commit` holds every shape, built in `Sql::new`.
        self.commit.get(shape.index()).map_or("", String::as_str)
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

/// What a commit does to the hazard's due clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DueOp {
    /// Sets (inserts or replaces) the clock, and drops any sweeper's lease on it.
    Set,
    /// Deletes the clock (the hazard has nothing left to fire).
    Clear,
    /// Leaves it: a new hazard without a clock.
    Keep,
}

/// The parts a commit statement has; each shape is one prepared statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shape {
    /// Creates the hazard (`INSERT … ON CONFLICT DO NOTHING`) rather than updating it at the
    /// expected version.
    pub(crate) new: bool,
    pub(crate) due: DueOp,
    /// Adds outbox messages (their insert fires the notification trigger, so it is left out
    /// of commits without messages).
    pub(crate) outbox: bool,
    /// Records an idempotency key.
    pub(crate) key: bool,
    /// Takes the new hazard's number (only with `new`): the next of its series, written into
    /// the snapshot, the ledger row and the messages by the same statement.
    pub(crate) numbered: bool,
}

/// Shapes without a number; each `new` one has a numbered twin after them.
const PLAIN_SHAPES: usize = 24;

impl Shape {
    fn all() -> impl Iterator<Item = Shape> {
        let plain = (0..PLAIN_SHAPES).map(|i| Shape {
            new: i & 1 == 1,
            outbox: i & 2 == 2,
            key: i & 4 == 4,
            due: match i >> 3 {
                0 => DueOp::Set,
                1 => DueOp::Clear,
                _ => DueOp::Keep,
            },
            numbered: false,
        });
        plain.clone().chain(plain.filter(|s| s.new).map(|s| Shape { numbered: true, ..s }))
    }

    pub(crate) fn index(self) -> usize {
        let due = match self.due {
            DueOp::Set => 0,
            DueOp::Clear => 1,
            DueOp::Keep => 2,
        };
        let plain = usize::from(self.new)
            | usize::from(self.outbox) << 1
            | usize::from(self.key) << 2
            | due << 3;
        // The numbered twins follow the plain shapes, in the order of their (odd) indices.
        if self.numbered && self.new {
            PLAIN_SHAPES + plain / 2
        } else {
            plain
        }
    }

    /// The number of parameters of the shape's statement, in the order
    /// [`commit_statement`] numbers them.
    pub(crate) fn params(self) -> usize {
        17 + usize::from(!self.new)
            + 2
            + usize::from(self.due == DueOp::Set)
            + if self.outbox { 7 } else { 0 }
            + if self.key { 3 } else { 0 }
            + if self.numbered { 4 } else { 0 }
    }
}

/// One data-modifying statement for a whole commit: the version gate first, every other write
/// joined to the gate's `RETURNING`, so a stale version writes nothing and returns no row.
/// Parameters: tenant, hazard, the 15 hazard columns, the expected version (an update), event
/// seqs and records, the due time (`Set`), the 7 outbox columns, the key, version and events.
fn commit_statement(s: &str, set_hazard: &str, shape: Shape) -> String {
    let mut n = 17;
    let mut next = || {
        n += 1;
        n
    };
    let mut parts = Vec::new();
    // With a number, the hazard's insert takes no `ON CONFLICT`: an existing hazard is an error
    // (`hazards_pkey`, judged a conflict) that undoes the whole statement, its number too.
    let gate = if shape.new && shape.numbered {
        parts.push(number_part(s, [next(), next(), next(), next()]));
        format!(
            "INSERT INTO {s}.hazards (tenant_id, hazard_id, {HAZARD_COLUMNS})
             VALUES ($1, $2, $3, coalesce($4, repeat('0', 64)),
                     jsonb_set($5, '{{number}}', (SELECT number FROM num)),
                     jsonb_set($6, '{{number}}', (SELECT number FROM num)),
                     $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
             RETURNING 1"
        )
    } else if shape.new {
        format!(
            "INSERT INTO {s}.hazards (tenant_id, hazard_id, {HAZARD_COLUMNS})
             VALUES ($1, $2, $3, coalesce($4, repeat('0', 64)), $5, $6, $7, $8, $9, $10, $11,
                     $12, $13, $14, $15, $16, $17)
             ON CONFLICT (tenant_id, hazard_id) DO NOTHING RETURNING 1"
        )
    } else {
        let expected = next();
        format!(
            "UPDATE {s}.hazards SET {set_hazard}
             WHERE tenant_id = $1 AND hazard_id = $2 AND version = ${expected} RETURNING 1"
        )
    };
    let (seqs, records) = (next(), next());
    parts.extend([
        format!("gate AS ({gate})"),
        format!(
            "w_events AS (INSERT INTO {s}.events (tenant_id, hazard_id, seq, record)
             SELECT $1, $2, u.seq, u.record
             FROM gate, unnest(${seqs}::bigint[], ${records}::jsonb[]) AS u(seq, record))"
        ),
    ]);
    match shape.due {
        DueOp::Set => {
            let at = next();
            parts.push(format!(
                "w_due AS (INSERT INTO {s}.due (tenant_id, hazard_id, due_at)
                 SELECT $1, $2, ${at}::timestamptz FROM gate
                 ON CONFLICT (tenant_id, hazard_id)
                 DO UPDATE SET due_at = EXCLUDED.due_at, claimer = NULL, claimed_until = NULL)"
            ));
        }
        DueOp::Clear => parts.push(format!(
            "w_due AS (DELETE FROM {s}.due WHERE tenant_id = $1 AND hazard_id = $2
             AND EXISTS (SELECT 1 FROM gate))"
        )),
        DueOp::Keep => {}
    }
    if shape.outbox {
        let p: Vec<usize> = (0..7).map(|_| next()).collect();
        let message = if shape.numbered {
            "jsonb_set(u.message, '{notice,number}', (SELECT number FROM num))"
        } else {
            "u.message"
        };
        parts.push(format!(
            "w_outbox AS (INSERT INTO {s}.outbox
               (tenant_id, id, grp, status, available_at, attempts, last_error, message)
             SELECT $1, u.id, u.grp, u.status, u.available_at, u.attempts, u.last_error, {message}
             FROM gate, unnest(${}::uuid[], ${}::text[], ${}::text[], ${}::timestamptz[],
                               ${}::int[], ${}::text[], ${}::jsonb[])
               AS u(id, grp, status, available_at, attempts, last_error, message))",
            p[0], p[1], p[2], p[3], p[4], p[5], p[6]
        ));
    }
    if shape.key {
        let (key, version, events) = (next(), next(), next());
        parts.push(format!(
            "w_key AS (INSERT INTO {s}.idempotency (tenant_id, key, hazard_id, version, events)
             SELECT $1, ${key}::text, $2, ${version}::bigint, ${events}::bigint FROM gate)"
        ));
    }
    let answer = if shape.numbered {
        "SELECT num.number #>> '{}' FROM gate, num"
    } else {
        "SELECT 1 FROM gate"
    };
    format!("WITH {}\n{answer}", parts.join(",\n"))
}

/// The `num` part of a numbered commit: takes the next number of the series (`$series`) and
/// writes it as JSON text, `$before`, the sequence zero-padded to at least `$width` digits,
/// `$after` ([`Numbering::around_seq`](hazardloop_core::numbering::Numbering::around_seq)).
/// The counter's row stays locked until the statement's transaction ends.
fn number_part(s: &str, [series, before, width, after]: [usize; 4]) -> String {
    format!(
        "num AS (INSERT INTO {s}.numbers (tenant_id, series, last) VALUES ($1, ${series}::text, 1)
           ON CONFLICT (tenant_id, series) DO UPDATE SET last = {s}.numbers.last + 1
           RETURNING to_jsonb(${before}::text
             || lpad(last::text, greatest(${width}::int, length(last::text)), '0')
             || ${after}::text) AS number)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_has_a_statement_numbering_its_parameters_densely() {
        let sql = Sql::new("s");
        let mut seen = std::collections::HashSet::new();
        for shape in Shape::all() {
            assert!(seen.insert(shape.index()), "{shape:?} has an index of its own");
            let text = sql.commit(shape);
            let used: std::collections::BTreeSet<usize> = text
                .split('$')
                .skip(1)
                .filter_map(|rest| {
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    digits.parse().ok()
                })
                .collect();
            let want: std::collections::BTreeSet<usize> = (1..=shape.params()).collect();
            assert_eq!(used, want, "{shape:?} numbers $1 … ${}", shape.params());
            assert_eq!(text.contains("w_outbox"), shape.outbox);
            assert_eq!(text.contains("w_key"), shape.key);
            assert_eq!(text.contains("w_due"), shape.due != DueOp::Keep);
            assert_eq!(text.contains("num AS"), shape.numbered);
            assert!(shape.new || !shape.numbered, "only a new hazard is numbered");
        }
        assert_eq!(seen.len(), 36);
        assert_eq!(seen.iter().max(), Some(&35), "the indices are dense");
    }
}
