//! The record statements, qualified with the store's schema once at construction.

use crate::inspection::outbox_arrays;

/// The columns of `records` a commit writes, in parameter order from `$4`.
const COLUMNS: &str = "version, state, row, at, open, grp, due_at";

/// Every statement on records, for one schema.
#[derive(Debug)]
pub(crate) struct RecordSql {
    /// One commit statement per shape: `[update, new, update + outbox, new + outbox]`.
    commit: [String; 4],
    /// Creates a batch, without and with outbox messages.
    create: [String; 2],
    pub(crate) version: String,
    pub(crate) load: String,
    pub(crate) events: String,
    pub(crate) rows: String,
    pub(crate) due_first: String,
    pub(crate) due_after: String,
}

impl RecordSql {
    /// The statements for the quoted schema `s`.
    pub(crate) fn new(s: &str) -> RecordSql {
        let due_claim = |cursor: &str| {
            format!(
                "WITH picked AS (
                   SELECT tenant_id, kind, id FROM {s}.records
                   WHERE due_at <= $1 {cursor}
                     AND (claimed_until IS NULL OR claimed_until <= $1 OR claimer = $2)
                     AND ($3::text[] IS NULL OR tenant_id = ANY($3))
                   ORDER BY due_at, tenant_id, kind, id
                   LIMIT $4
                   FOR UPDATE SKIP LOCKED)
                 UPDATE {s}.records r SET claimer = $2, claimed_until = $5
                 FROM picked
                 WHERE r.tenant_id = picked.tenant_id AND r.kind = picked.kind
                   AND r.id = picked.id
                 RETURNING r.due_at, r.tenant_id, r.kind, r.id"
            )
        };
        RecordSql {
            commit: [
                commit_statement(s, false, false),
                commit_statement(s, true, false),
                commit_statement(s, false, true),
                commit_statement(s, true, true),
            ],
            create: [create_statement(s, false), create_statement(s, true)],
            version: format!(
                "SELECT version FROM {s}.records WHERE tenant_id = $1 AND kind = $2 AND id = $3"
            ),
            // The head is the hash of the event at the record's version.
            load: format!(
                "SELECT r.state, r.version, e.entry -> 'hash' FROM {s}.records r
                 LEFT JOIN {s}.record_events e ON e.tenant_id = r.tenant_id AND e.kind = r.kind
                   AND e.id = r.id AND e.seq = r.version
                 WHERE r.tenant_id = $1 AND r.kind = $2 AND r.id = $3"
            ),
            events: format!(
                "SELECT entry, seq FROM {s}.record_events
                 WHERE tenant_id = $1 AND kind = $2 AND id = $3 ORDER BY seq"
            ),
            // `at` is kept to the microsecond, the row's to the nanosecond: the range is widened
            // to whole microseconds here (`at <= $4`), and decided on the row's own time.
            rows: format!(
                "SELECT row FROM {s}.records
                 WHERE tenant_id = $1 AND kind = $2
                   AND ($3::timestamptz IS NULL OR at >= $3)
                   AND ($4::timestamptz IS NULL OR at <= $4)
                 ORDER BY at, id"
            ),
            due_first: due_claim(""),
            due_after: due_claim(
                "AND (due_at, tenant_id, kind, id) > ($6, $7::text, $8::text, $9::text)",
            ),
        }
    }

    /// The statement of a commit creating (`new`) or updating a record, with or without outbox
    /// messages.
    pub(crate) fn commit(&self, new: bool, outbox: bool) -> &str {
        &self.commit[usize::from(new) | usize::from(outbox) << 1]
    }

    /// The statement creating a batch, with or without outbox messages.
    pub(crate) fn create(&self, outbox: bool) -> &str {
        &self.create[usize::from(outbox)]
    }
}

/// The number of parameters of a commit statement.
pub(crate) fn commit_params(new: bool, outbox: bool) -> usize {
    10 + usize::from(!new) + 2 + if outbox { 7 } else { 0 }
}

/// One data-modifying statement for a record commit, shaped like the hazards' and the
/// occurrences': the version gate first, the events and messages joined to its `RETURNING`, so a
/// stale version writes nothing and returns no row. Parameters: tenant, kind, id, the seven
/// columns, the expected version (an update), event seqs and entries, the seven outbox arrays.
/// Writing the row drops any sweeper's lease on it.
fn commit_statement(s: &str, new: bool, outbox: bool) -> String {
    let mut n = 10;
    let mut next = || {
        n += 1;
        n
    };
    let gate = if new {
        format!(
            "INSERT INTO {s}.records (tenant_id, kind, id, {COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (tenant_id, kind, id) DO NOTHING RETURNING 1"
        )
    } else {
        let expected = next();
        format!(
            "UPDATE {s}.records SET version = $4, state = $5, row = $6, at = $7, open = $8,
                 grp = $9, due_at = $10, claimer = NULL, claimed_until = NULL
             WHERE tenant_id = $1 AND kind = $2 AND id = $3 AND version = ${expected}
             RETURNING 1"
        )
    };
    let (seqs, entries) = (next(), next());
    let mut parts = vec![
        format!("gate AS ({gate})"),
        format!(
            "w_events AS (INSERT INTO {s}.record_events (tenant_id, kind, id, seq, entry)
             SELECT $1, $2, $3, u.seq, u.entry
             FROM gate, unnest(${seqs}::bigint[], ${entries}::jsonb[]) AS u(seq, entry))"
        ),
    ];
    if outbox {
        let arrays = outbox_arrays(next());
        parts.push(format!(
            "w_outbox AS (INSERT INTO {s}.outbox
               (tenant_id, id, grp, status, available_at, attempts, last_error, message)
             SELECT $1, u.id, u.grp, u.status, u.available_at, u.attempts, u.last_error, u.message
             FROM gate, unnest({arrays})
               AS u(id, grp, status, available_at, attempts, last_error, message))"
        ));
    }
    format!("WITH {}\nSELECT 1 FROM gate", parts.join(",\n"))
}

/// Creates a batch in one statement: each record is inserted unless its (tenant, kind, id) is
/// stored (`ON CONFLICT DO NOTHING`, in the order given, so concurrent batches sorted alike take
/// their locks in one order), and only the inserted ones get their events and messages. Returns
/// the number inserted. Parameters: ten arrays of the records (tenant, kind, id and the seven
/// columns), five of their events (tenant, kind, id, seq, entry), and with `outbox` ten of the
/// messages (tenant, kind, id, then the seven outbox arrays).
fn create_statement(s: &str, outbox: bool) -> String {
    let mut text = format!(
        "WITH input AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::jsonb[],
                                $6::jsonb[], $7::timestamptz[], $8::boolean[], $9::text[],
                                $10::timestamptz[])
             WITH ORDINALITY AS u(tenant_id, kind, id, version, state, row, at, open, grp,
                                  due_at, n)),
         ins AS (
           INSERT INTO {s}.records (tenant_id, kind, id, {COLUMNS})
           SELECT tenant_id, kind, id, {COLUMNS}
           FROM input ORDER BY n
           ON CONFLICT (tenant_id, kind, id) DO NOTHING
           RETURNING tenant_id, kind, id),
         w_events AS (
           INSERT INTO {s}.record_events (tenant_id, kind, id, seq, entry)
           SELECT e.tenant_id, e.kind, e.id, e.seq, e.entry
           FROM unnest($11::text[], $12::text[], $13::text[], $14::bigint[], $15::jsonb[])
             AS e(tenant_id, kind, id, seq, entry)
           JOIN ins ON ins.tenant_id = e.tenant_id AND ins.kind = e.kind AND ins.id = e.id)"
    );
    if outbox {
        let arrays = outbox_arrays(19);
        text.push_str(&format!(
            ",
         w_outbox AS (
           INSERT INTO {s}.outbox
             (tenant_id, id, grp, status, available_at, attempts, last_error, message)
           SELECT m.tenant_id, m.id, m.grp, m.status, m.available_at, m.attempts, m.last_error,
                  m.message
           FROM unnest($16::text[], $17::text[], $18::text[], {arrays})
             AS m(tenant_id, kind, record_id, id, grp, status, available_at, attempts,
                  last_error, message)
           JOIN ins ON ins.tenant_id = m.tenant_id AND ins.kind = m.kind
             AND ins.id = m.record_id)"
        ));
    }
    text.push_str("\nSELECT count(*) FROM ins");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(text: &str) -> std::collections::BTreeSet<usize> {
        text.split('$')
            .skip(1)
            .filter_map(|rest| {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().ok()
            })
            .collect()
    }

    #[test]
    fn every_statement_numbers_its_parameters_densely() {
        let sql = RecordSql::new("\"s\"");
        for new in [false, true] {
            for outbox in [false, true] {
                let text = sql.commit(new, outbox);
                let want: std::collections::BTreeSet<usize> =
                    (1..=commit_params(new, outbox)).collect();
                assert_eq!(numbered(text), want, "commit new={new} outbox={outbox}");
                assert_eq!(text.contains("w_outbox"), outbox);
                assert_eq!(text.contains("INSERT INTO \"s\".records"), new);
            }
        }
        assert_eq!(numbered(sql.create(false)), (1..=15).collect());
        assert_eq!(numbered(sql.create(true)), (1..=25).collect());
        assert_eq!(numbered(&sql.version), (1..=3).collect());
        assert_eq!(numbered(&sql.load), (1..=3).collect());
        assert_eq!(numbered(&sql.events), (1..=3).collect());
        assert_eq!(numbered(&sql.rows), (1..=4).collect());
        assert_eq!(numbered(&sql.due_first), (1..=5).collect());
        assert_eq!(numbered(&sql.due_after), (1..=9).collect());
    }
}
