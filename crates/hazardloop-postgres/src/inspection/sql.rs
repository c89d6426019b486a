//! The occurrence statements, qualified with the store's schema once at construction.

/// The columns of `occurrences` a commit writes, in parameter order from `$3`.
const COLUMNS: &str = "version, head, state, listing, plan, unit, inspector, due, next_due";

/// The outbox insert's columns and the types of its seven arrays, in parameter order.
const OUTBOX_TYPES: [&str; 7] =
    ["uuid[]", "text[]", "text[]", "timestamptz[]", "int[]", "text[]", "jsonb[]"];

/// Every statement on occurrences, for one schema.
#[derive(Debug)]
pub(crate) struct OccurrenceSql {
    /// One commit statement per shape: `[update, new, update + outbox, new + outbox]`.
    commit: [String; 4],
    /// Schedules a batch, without and with outbox messages.
    schedule: [String; 2],
    pub(crate) version: String,
    pub(crate) load: String,
    pub(crate) events: String,
    pub(crate) due_first: String,
    pub(crate) due_after: String,
}

impl OccurrenceSql {
    /// The statements for the quoted schema `s`.
    pub(crate) fn new(s: &str) -> OccurrenceSql {
        let due_claim = |cursor: &str| {
            format!(
                "WITH picked AS (
                   SELECT tenant_id, occurrence_id FROM {s}.occurrences
                   WHERE next_due <= $1 {cursor}
                     AND (claimed_until IS NULL OR claimed_until <= $1 OR claimer = $2)
                     AND ($3::text[] IS NULL OR tenant_id = ANY($3))
                   ORDER BY next_due, tenant_id, occurrence_id
                   LIMIT $4
                   FOR UPDATE SKIP LOCKED)
                 UPDATE {s}.occurrences o SET claimer = $2, claimed_until = $5
                 FROM picked
                 WHERE o.tenant_id = picked.tenant_id AND o.occurrence_id = picked.occurrence_id
                 RETURNING o.next_due, o.tenant_id, o.occurrence_id"
            )
        };
        OccurrenceSql {
            commit: [
                commit_statement(s, false, false),
                commit_statement(s, true, false),
                commit_statement(s, false, true),
                commit_statement(s, true, true),
            ],
            schedule: [schedule_statement(s, false), schedule_statement(s, true)],
            version: format!(
                "SELECT version FROM {s}.occurrences WHERE tenant_id = $1 AND occurrence_id = $2"
            ),
            load: format!(
                "SELECT state, head FROM {s}.occurrences WHERE tenant_id = $1 AND occurrence_id = $2"
            ),
            events: format!(
                "SELECT record, seq FROM {s}.occurrence_events
                 WHERE tenant_id = $1 AND occurrence_id = $2 ORDER BY seq"
            ),
            due_first: due_claim(""),
            due_after: due_claim(
                "AND (next_due, tenant_id, occurrence_id) > ($6, $7::text, $8::text)",
            ),
        }
    }

    /// The statement of a commit creating (`new`) or updating an occurrence, with or without
    /// outbox messages.
    pub(crate) fn commit(&self, new: bool, outbox: bool) -> &str {
        &self.commit[usize::from(new) | usize::from(outbox) << 1]
    }

    /// The statement scheduling a batch, with or without outbox messages.
    pub(crate) fn schedule(&self, outbox: bool) -> &str {
        &self.schedule[usize::from(outbox)]
    }
}

/// The number of parameters of a commit statement.
pub(crate) fn commit_params(new: bool, outbox: bool) -> usize {
    11 + usize::from(!new) + 2 + if outbox { 7 } else { 0 }
}

/// `$first::type[], …` for the outbox arrays (of [`crate::commit::OutboxColumns::params`]).
pub(crate) fn outbox_arrays(first: usize) -> String {
    OUTBOX_TYPES
        .iter()
        .enumerate()
        .map(|(i, t)| format!("${}::{t}", first + i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One data-modifying statement for an occurrence commit, shaped like the hazards' (design
/// note 17): the version gate first, the events and messages joined to its `RETURNING`, so a
/// stale version writes nothing and returns no row. Parameters: tenant, occurrence, the nine
/// columns, the expected version (an update), event seqs and records, the seven outbox arrays.
/// Writing the row drops any sweeper's lease on it.
fn commit_statement(s: &str, new: bool, outbox: bool) -> String {
    let mut n = 11;
    let mut next = || {
        n += 1;
        n
    };
    let gate = if new {
        format!(
            "INSERT INTO {s}.occurrences (tenant_id, occurrence_id, {COLUMNS})
             VALUES ($1, $2, $3, coalesce($4, repeat('0', 64)), $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (tenant_id, occurrence_id) DO NOTHING RETURNING 1"
        )
    } else {
        let expected = next();
        format!(
            "UPDATE {s}.occurrences SET version = $3, head = coalesce($4, head), state = $5,
                 listing = $6, plan = $7, unit = $8, inspector = $9, due = $10, next_due = $11,
                 claimer = NULL, claimed_until = NULL
             WHERE tenant_id = $1 AND occurrence_id = $2 AND version = ${expected} RETURNING 1"
        )
    };
    let (seqs, records) = (next(), next());
    let mut parts = vec![
        format!("gate AS ({gate})"),
        format!(
            "w_events AS (INSERT INTO {s}.occurrence_events (tenant_id, occurrence_id, seq, record)
             SELECT $1, $2, u.seq, u.record
             FROM gate, unnest(${seqs}::bigint[], ${records}::jsonb[]) AS u(seq, record))"
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

/// Schedules a batch in one statement: each occurrence is inserted unless its (tenant, id) is
/// stored (`ON CONFLICT DO NOTHING`, in the order given, so concurrent batches sorted alike
/// take their locks in one order), and only the inserted ones get their events and messages.
/// Returns the number inserted. Parameters: eleven arrays of the occurrences (tenant, id and the
/// nine columns), four of their events (tenant, id, seq, record), and with `outbox` nine of the
/// messages (tenant, occurrence, then the seven outbox arrays).
fn schedule_statement(s: &str, outbox: bool) -> String {
    let mut text = format!(
        "WITH input AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::jsonb[],
                                $6::jsonb[], $7::text[], $8::text[], $9::text[],
                                $10::timestamptz[], $11::timestamptz[])
             WITH ORDINALITY AS u(tenant_id, occurrence_id, version, head, state, listing, plan,
                                  unit, inspector, due, next_due, n)),
         ins AS (
           INSERT INTO {s}.occurrences (tenant_id, occurrence_id, {COLUMNS})
           SELECT tenant_id, occurrence_id, version, coalesce(head, repeat('0', 64)), state,
                  listing, plan, unit, inspector, due, next_due
           FROM input ORDER BY n
           ON CONFLICT (tenant_id, occurrence_id) DO NOTHING
           RETURNING tenant_id, occurrence_id),
         w_events AS (
           INSERT INTO {s}.occurrence_events (tenant_id, occurrence_id, seq, record)
           SELECT e.tenant_id, e.occurrence_id, e.seq, e.record
           FROM unnest($12::text[], $13::text[], $14::bigint[], $15::jsonb[])
             AS e(tenant_id, occurrence_id, seq, record)
           JOIN ins ON ins.tenant_id = e.tenant_id AND ins.occurrence_id = e.occurrence_id)"
    );
    if outbox {
        let arrays = outbox_arrays(18);
        text.push_str(&format!(
            ",
         w_outbox AS (
           INSERT INTO {s}.outbox
             (tenant_id, id, grp, status, available_at, attempts, last_error, message)
           SELECT m.tenant_id, m.id, m.grp, m.status, m.available_at, m.attempts, m.last_error,
                  m.message
           FROM unnest($16::text[], $17::text[], {arrays})
             AS m(tenant_id, occurrence_id, id, grp, status, available_at, attempts, last_error,
                  message)
           JOIN ins ON ins.tenant_id = m.tenant_id AND ins.occurrence_id = m.occurrence_id)"
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
        let sql = OccurrenceSql::new("\"s\"");
        for new in [false, true] {
            for outbox in [false, true] {
                let text = sql.commit(new, outbox);
                let want: std::collections::BTreeSet<usize> =
                    (1..=commit_params(new, outbox)).collect();
                assert_eq!(numbered(text), want, "commit new={new} outbox={outbox}");
                assert_eq!(text.contains("w_outbox"), outbox);
                assert_eq!(text.contains("INSERT INTO \"s\".occurrences"), new);
            }
        }
        assert_eq!(numbered(sql.schedule(false)), (1..=15).collect());
        assert_eq!(numbered(sql.schedule(true)), (1..=24).collect());
        assert_eq!(numbered(&sql.due_first), (1..=5).collect());
        assert_eq!(numbered(&sql.due_after), (1..=8).collect());
    }
}
