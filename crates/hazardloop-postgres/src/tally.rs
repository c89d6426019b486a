//! Statistics counted in PostgreSQL: [`Store::tally`](hazardloop_core::store::Store::tally) as
//! one `GROUP BY` over a tenant's stored ledger rows, each figure defined as in
//! [`Tally::of_row`] (the reference the conformance suite holds this store to).
//!
//! ## Exact times
//! The ledger's times are compared as they are in the row's JSON, to the nanosecond: the
//! `timestamptz` columns hold microseconds, so they are not used for the figures. A ledger time is
//! RFC 3339 text in UTC (`YYYY-MM-DDTHH:MM:SS`, then 0–9 fractional digits, then `Z`); [`key`]
//! rewrites it as `YYYY-MM-DDTHH:MM:SS.fffffffff` (the fraction right-padded with zeros to nine
//! digits), compared byte-wise (`COLLATE "C"`). Every field of such a key is zero-padded to a
//! fixed width and comes most significant first, so byte order is time order and two keys are
//! equal exactly when the instants are (`.5` and `.500000000` give one key). The bounds and `now`
//! are written in the same form by chrono ([`bound`]), so the comparisons are those of the Rust
//! reference, nanoseconds included; the text is not parsed as a timestamp (which would round to
//! microseconds). Durations (the days to rectify) are taken from the keys as integer nanoseconds
//! and truncated to whole seconds toward zero, as `TimeDelta::num_seconds` does.

use chrono::{DateTime, Datelike, Utc};
use hazardloop_core::model::TenantId;
use hazardloop_core::report::{Bounds, CellTally};
use hazardloop_core::store::StoreError;
use tokio_postgres::Row;

use crate::error::{backend, corrupt};
use crate::PgStore;

/// A ledger time (a JSON string's text) as its fixed-width key, or NULL (see the module
/// documentation).
fn key(t: &str) -> String {
    format!(
        "(CASE WHEN substr({t}, 20, 1) = '.' THEN rpad(left({t}, -1), 29, '0') \
         ELSE substr({t}, 1, 19) || '.000000000' END COLLATE \"C\")"
    )
}

/// A key as integer nanoseconds since the epoch (for durations; exact: the seconds are whole,
/// `extract` gives them as a numeric).
fn nanos(k: &str) -> String {
    format!(
        "(extract(epoch FROM substr({k}, 1, 19)::timestamp)::bigint * 1000000000 \
         + substr({k}, 21, 9)::bigint)"
    )
}

/// An instant as the key of a ledger time (see [`key`]); refused outside years 0–9999, where
/// the text form has another width.
fn bound(at: DateTime<Utc>) -> Result<String, StoreError> {
    if !(0..=9999).contains(&at.year()) {
        return Err(StoreError::Backend(format!(
            "{at} is outside the years 0–9999 the statistics can compare"
        )));
    }
    Ok(at.format("%Y-%m-%dT%H:%M:%S%.9f").to_string())
}

/// The statement: the figures of `Tally::of_row` per (accountable unit, category) of a
/// tenant's rows, each row taken as at `max(as_of, now)` (`LedgerRow::as_at`). Parameters: the
/// tenant, then the period's start and end and `now` as keys (see [`bound`]).
///
/// Three layers, each fenced with `OFFSET 0` so the planner does not fold it into the next one
/// (which would compute a key once per use): the row's times as keys (its JSON decoded once by
/// `jsonb_to_record`), the row's flags, then the sums. The `unit` column holds
/// `LedgerRow::accountable_unit`, `category` and `grade` the row's own (see the commit's
/// columns).
pub(crate) fn tally_sql(schema: &str) -> String {
    // The keys compare byte-wise; so must the parameters.
    let (start, end, now) =
        ("$2::text COLLATE \"C\"", "$3::text COLLATE \"C\"", "$4::text COLLATE \"C\"");
    let within = |t: &str| format!("coalesce({t} >= {start} AND {t} < {end}, false)");
    let count_in = |field: &str| {
        format!(
            "CASE WHEN jsonb_array_length(j.{field}) = 0 THEN 0 ELSE
               (SELECT count(*)::int FROM jsonb_array_elements_text(j.{field}) AS v(t)
                WHERE {}) END",
            within(&key("v.t"))
        )
    };
    let fired = format!(
        "CASE WHEN jsonb_array_length(j.escalations) = 0 THEN NULL ELSE
           (SELECT string_agg(e.x ->> 1, ',') FROM jsonb_array_elements(j.escalations) AS e(x)
            WHERE {}) END",
        within(&key("(e.x ->> 0)"))
    );
    let keys = format!(
        "SELECT h.unit, h.category, h.grade,
                greatest({as_of}, {now}) AS a,
                {disc} AS disc, {deadline} AS deadline, {reg} AS reg, {comp} AS comp,
                {acc} AS acc, {closed} AS closed, {dism} AS dism, {paused} AS paused,
                {failed} AS failed_n, {ext} AS ext_n, {fired} AS fired
         FROM {schema}.hazards h,
              LATERAL jsonb_to_record(h.ledger) AS j(
                  as_of text, discovered_at text, deadline text, registered_at text,
                  completed_at text, accepted_at text, closed_at text, dismissed_at text,
                  paused_since text, failed_at jsonb, extensions_granted_at jsonb,
                  escalations jsonb)
         WHERE h.tenant_id = $1
         OFFSET 0",
        as_of = key("j.as_of"),
        disc = key("j.discovered_at"),
        deadline = key("j.deadline"),
        reg = key("j.registered_at"),
        comp = key("j.completed_at"),
        acc = key("j.accepted_at"),
        closed = key("j.closed_at"),
        dism = key("j.dismissed_at"),
        paused = key("j.paused_since"),
        failed = count_in("failed_at"),
        ext = count_in("extensions_granted_at"),
    );
    // `happened(t)`: recorded before the end and by the row's instant (false for no time).
    let happened = |t: &str| format!("coalesce({t} < {end} AND {t} <= a, false)");
    let flags = format!(
        "SELECT unit, category, grade, disc, acc, failed_n, ext_n, fired,
                {found} AS found, {registered} AS registered, {rectified} AS rectified,
                coalesce(comp <= deadline, false) AS on_time,
                coalesce(deadline < least({end}, a), false) AS due_passed,
                {acc_h} AS acc_h, {dism_h} AS dism_h, {paused_h} AS paused_h,
                ({disc_h} AND NOT {closed_h} AND NOT {dism_h}) AS open
         FROM ({keys}) AS k
         OFFSET 0",
        found = within("disc"),
        registered = within("reg"),
        rectified = within("acc"),
        acc_h = happened("acc"),
        dism_h = happened("dism"),
        paused_h = happened("paused"),
        disc_h = happened("disc"),
        closed_h = happened("closed"),
    );
    format!(
        "SELECT unit, category,
                count(*) FILTER (WHERE found),
                count(*) FILTER (WHERE registered),
                count(*) FILTER (WHERE found AND grade = 'major'),
                count(*) FILTER (WHERE found AND acc_h),
                count(*) FILTER (WHERE found AND dism_h),
                count(*) FILTER (WHERE rectified),
                count(*) FILTER (WHERE rectified AND on_time),
                count(*) FILTER (WHERE open),
                count(*) FILTER (WHERE open AND due_passed AND NOT acc_h AND NOT paused_h),
                coalesce(sum(failed_n), 0)::bigint,
                coalesce(sum(ext_n), 0)::bigint,
                string_agg(fired, ','),
                array_agg(({acc} - {disc}) / 1000000000) FILTER (WHERE rectified)
         FROM ({flags}) AS f
         GROUP BY unit, category",
        acc = nanos("acc"),
        disc = nanos("disc"),
    )
}

/// A tenant's statistics per cell over `bounds` as at `now`: see [`tally_sql`].
pub(crate) async fn tally(
    store: &PgStore,
    tenant: &TenantId,
    (start, end): Bounds,
    now: DateTime<Utc>,
) -> Result<Vec<CellTally>, StoreError> {
    let (start, end, now) = (bound(start)?, bound(end)?, bound(now)?);
    let client = store.client().await?;
    let stmt =
        client.prepare_cached(&tally_sql(&store.sql.quoted_schema())).await.map_err(backend)?;
    let rows =
        client.query(&stmt, &[&tenant.as_str(), &start, &end, &now]).await.map_err(backend)?;
    rows.iter().map(cell_tally).collect()
}

/// A cell as [`tally_sql`] counted it.
fn cell_tally(row: &Row) -> Result<CellTally, StoreError> {
    let unit: String = row.try_get(0).map_err(|e| corrupt("a unit", e))?;
    let category: Option<String> = row.try_get(1).map_err(|e| corrupt("a category", e))?;
    let mut counts = [0_i64; 11];
    for (i, c) in counts.iter_mut().enumerate() {
        *c = row.try_get(i + 2).map_err(|e| corrupt("a count", e))?;
    }
    let fired: Option<String> = row.try_get(13).map_err(|e| corrupt("escalations", e))?;
    let seconds: Option<Vec<i64>> = row.try_get(14).map_err(|e| corrupt("durations", e))?;
    CellTally::from_counted(
        &unit,
        category.as_deref(),
        counts,
        fired.as_deref(),
        seconds.unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    #[test]
    fn bounds_are_keys_of_nine_fractional_digits() {
        let at = Utc.with_ymd_and_hms(2025, 3, 1, 2, 0, 0).single();
        let key = |d: i64| at.map(|t| bound(t + Duration::nanoseconds(d)).ok());
        assert_eq!(key(5).flatten().as_deref(), Some("2025-03-01T02:00:00.000000005"));
        assert_eq!(key(0).flatten().as_deref(), Some("2025-03-01T02:00:00.000000000"));
        assert_eq!(key(-1).flatten().as_deref(), Some("2025-03-01T01:59:59.999999999"));
    }
}
