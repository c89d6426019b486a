//! Hazard numbers (隐患编号): the next number of a series is taken by the statement that
//! inserts the hazard (the counter row stays locked until its transaction ends), so numbers are
//! unique and gap-free; a statement that fails gives its number back. The statement is
//! [`crate::sql`]'s numbered commit shape. An inspection's findings, several hazards in one
//! transaction, take theirs with [`take`].

use deadpool_postgres::Transaction;
use hazardloop_core::store::{Commit, StoreError};

use crate::codec::uint;
use crate::error::backend;
use crate::sql::Sql;

/// Whether `c` creates a hazard the store still has to number.
pub(crate) fn wanted(c: &Commit) -> bool {
    c.numbering.is_some() && c.ledger.number.is_none()
}

/// Takes the next number of `c`'s series inside `tx` and gives it to the commit.
pub(crate) async fn take(
    tx: &Transaction<'_>,
    sql: &Sql,
    c: &mut Commit,
) -> Result<(), StoreError> {
    let Some(numbering) = &c.numbering else { return Ok(()) };
    let s = sql.quoted_schema();
    let stmt = tx
        .prepare_cached(&format!(
            "INSERT INTO {s}.numbers (tenant_id, series, last) VALUES ($1, $2, 1)
             ON CONFLICT (tenant_id, series) DO UPDATE SET last = {s}.numbers.last + 1
             RETURNING last"
        ))
        .await
        .map_err(backend)?;
    let row =
        tx.query_one(&stmt, &[&c.tenant.as_str(), &numbering.series]).await.map_err(backend)?;
    let last: i64 = row.try_get(0).map_err(backend)?;
    c.assign_number(uint(last)?);
    Ok(())
}
