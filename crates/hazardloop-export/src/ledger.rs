//! What every ledger export shares: the columns that hold times, and the rows as text.

use chrono::{DateTime, Utc};
use hazardloop_core::report::{CellContext, Column, LedgerRow};

/// The instant behind a time column (`Some(None)` when the row has no value yet); `None` for a
/// column that does not hold a time. A provisional deadline is text, so that its mark
/// (`（暂定）`) shows beside the date.
pub(crate) fn time_of(row: &LedgerRow, column: Column) -> Option<Option<DateTime<Utc>>> {
    match column {
        Column::DiscoveredAt => Some(Some(row.discovered_at)),
        Column::Deadline if row.deadline_provisional => None,
        Column::Deadline => Some(row.deadline),
        Column::AcceptedAt => Some(row.accepted_at),
        Column::ClosedAt => Some(row.closed_at),
        _ => None,
    }
}

/// The header row in the context's language, in [`Column::ALL`] order.
pub(crate) fn headers(cx: &CellContext<'_>) -> Vec<String> {
    Column::ALL.iter().map(|c| c.header(cx.lang).to_owned()).collect()
}

/// Every row as text, numbered from 1 (序号).
pub(crate) fn records<'a>(
    rows: &'a [LedgerRow],
    cx: &'a CellContext<'a>,
) -> impl Iterator<Item = Vec<String>> + 'a {
    rows.iter().enumerate().map(move |(i, row)| row.record(i + 1, cx))
}

/// The stable code of a column: its serde name (`discovered_at`).
pub(crate) fn code(column: Column) -> String {
    serde_json::to_value(column)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{column:?}"))
}
