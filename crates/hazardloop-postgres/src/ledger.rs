//! Ledger pages: [`LedgerQuery`]'s filters as indexed column conditions, with the same meaning
//! as [`LedgerQuery::matches`] (the reference every store agrees with).

use chrono::{DateTime, Utc};
use hazardloop_core::model::TenantId;
use hazardloop_core::report::LedgerRow;
use hazardloop_core::store::{LedgerPage, LedgerQuery, StoreError};
use tokio_postgres::types::{Json, ToSql};

use crate::codec::name;
use crate::error::{backend, corrupt};
use crate::PgStore;

/// The values a query binds, owned so the statement can borrow them.
#[derive(Default)]
struct Binds {
    tenant: String,
    stages: Vec<String>,
    units: Vec<String>,
    category: Option<String>,
    grade: Option<String>,
    overdue: Option<bool>,
    now: Option<DateTime<Utc>>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    text: Option<String>,
    limit: Option<i64>,
    offset: i64,
    count_up_to: Option<i64>,
}

pub(crate) async fn ledger(
    store: &PgStore,
    tenant: &TenantId,
    query: &LedgerQuery,
) -> Result<LedgerPage, StoreError> {
    let b = Binds {
        tenant: tenant.as_str().to_owned(),
        stages: query.stages.iter().map(name).collect::<Result<_, _>>()?,
        units: query.units.iter().flatten().map(|u| u.as_str().to_owned()).collect(),
        category: query.category.as_ref().map(|c| c.as_str().to_owned()),
        grade: query.grade.as_ref().map(name).transpose()?,
        overdue: query.overdue,
        now: query.now,
        from: query.discovered_from,
        to: query.discovered_to,
        text: query.search_text().map(|t| format!("%{}%", escape_like(&t))),
        limit: (query.limit > 0).then(|| i64::try_from(query.limit).unwrap_or(i64::MAX)),
        offset: i64::try_from(query.offset).unwrap_or(i64::MAX),
        count_up_to: query.count_up_to().map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
    };
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&b.tenant];
    let mut conds = vec!["tenant_id = $1".to_owned()];
    // Conditions in a fixed order, each with the next parameter number.
    let n = |params: &Vec<&(dyn ToSql + Sync)>| params.len() + 1;
    if !query.stages.is_empty() {
        conds.push(format!("stage = ANY(${})", n(&params)));
        params.push(&b.stages);
    }
    if query.units.is_some() {
        conds.push(format!("unit = ANY(${})", n(&params)));
        params.push(&b.units);
    }
    if b.category.is_some() {
        conds.push(format!("category = ${}", n(&params)));
        params.push(&b.category);
    }
    if b.grade.is_some() {
        conds.push(format!("grade = ${}", n(&params)));
        params.push(&b.grade);
    }
    if b.from.is_some() {
        conds.push(format!("discovered_at >= ${}", n(&params)));
        params.push(&b.from);
    }
    if b.to.is_some() {
        conds.push(format!("discovered_at < ${}", n(&params)));
        params.push(&b.to);
    }
    if let Some(want) = b.overdue {
        // `LedgerRow::is_overdue_at`: open and not yet accepted, not paused, the deadline in
        // force passed at `now` (else the row's own as_of). Written out for each answer (not
        // compared with a parameter), and the deadline compared with `now` itself when there is
        // one, so the planner estimates the conditions from the columns' statistics and can
        // serve them from an index (a misestimate had it sort every row of the category).
        let at = match b.now {
            Some(_) => format!("${}::timestamptz", n(&params)),
            None => "as_of".to_owned(),
        };
        let overdue =
            format!("open AND stage <> 'accepted' AND paused_since IS NULL AND deadline < {at}");
        conds.push(if want { overdue } else { format!("NOT coalesce({overdue}, false)") });
        if b.now.is_some() {
            params.push(&b.now);
        }
    }
    if let Some(text) = &b.text {
        let p = n(&params);
        // `LedgerQuery::search_text` is trimmed and lowered (A–Z only); fold the columns the
        // same way (`lower` would also fold other scripts' letters). A pattern without Latin
        // letters matches the columns as they are (folding changes only A–Z, which it does not
        // hold), and the planner then has the columns' statistics for it.
        conds.push(if text.bytes().any(|c| c.is_ascii_alphabetic()) {
            format!(
                "({ASCII_LOWER_TITLE} LIKE ${p} ESCAPE '\\' OR {ASCII_LOWER_LOCATION} LIKE ${p} ESCAPE '\\')"
            )
        } else {
            format!("(title LIKE ${p} ESCAPE '\\' OR location LIKE ${p} ESCAPE '\\')")
        });
        params.push(&b.text);
    }
    let s = store.sql.quoted_schema();
    let filter = conds.join(" AND ");
    let (limit, offset) = (n(&params), n(&params) + 1);
    let page_sql = format!(
        "SELECT ledger FROM {s}.hazards WHERE {filter}
         ORDER BY discovered_at DESC, hazard_id DESC LIMIT ${limit} OFFSET ${offset}"
    );
    // Counted up to the query's limit (`LIMIT NULL` is no limit): past it, more rows match.
    let count_limit = n(&params);
    let count_sql = format!(
        "SELECT count(*) FROM (SELECT 1 FROM {s}.hazards WHERE {filter} LIMIT ${count_limit}) m"
    );
    let client = store.client().await?;
    let page_stmt = client.prepare_cached(&page_sql).await.map_err(backend)?;
    let count_stmt = client.prepare_cached(&count_sql).await.map_err(backend)?;
    let mut page_params = params.clone();
    page_params.push(&b.limit);
    page_params.push(&b.offset);
    let mut count_params = params.clone();
    count_params.push(&b.count_up_to);
    // Both in one round trip; a repeatable-read snapshot is not needed for a listing.
    let (rows, total) = tokio::join!(
        client.query(&page_stmt, &page_params),
        client.query_one(&count_stmt, &count_params)
    );
    let rows = rows.map_err(backend)?;
    let total: i64 = total.map_err(backend)?.try_get(0).map_err(|e| corrupt("count", e))?;
    let rows = rows
        .iter()
        .map(|r| r.try_get::<_, Json<LedgerRow>>(0).map(|Json(row)| row))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| corrupt("ledger row", e))?;
    Ok(query.page_of(usize::try_from(total).unwrap_or(0), rows))
}

/// The title and location with A–Z in lower case and nothing else changed.
const ASCII_LOWER_TITLE: &str =
    "translate(title, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')";
const ASCII_LOWER_LOCATION: &str =
    "translate(location, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')";

/// `text` as a literal inside a LIKE pattern (escape character `\`).
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_like;

    #[test]
    fn like_wildcards_in_search_text_are_literal() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
        assert_eq!(escape_like("扶手"), "扶手");
    }
}
