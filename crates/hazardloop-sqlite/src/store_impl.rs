//! The [`Store`] implementation: writes go to the writer thread, queries to the readers, and
//! rows are encoded and decoded on the caller's side.

use chrono::{DateTime, Utc};
use hazardloop_core::chain::Recorded;
use hazardloop_core::model::{HazardId, MessageId, TenantId};
use hazardloop_core::report::{Bounds, CellTally, LedgerRow};
use hazardloop_core::store::{
    Claimed, Commit, Committed, Due, HazardRecord, IdempotentResult, LedgerPage, LedgerQuery,
    OutboxMessage, OutboxStatus, Settlement, Snapshot, Store, StoreError,
};
use hazardloop_core::workflow::Hazard;

use crate::codec::{count, from_json, hash, instant, nanos, parse_status, status, EncodedCommit};
use crate::error::{corrupt, stopped};
use crate::oneshot;
use crate::read_ops::{self, LedgerSql, RawCell, RawMessage};
use crate::reader::read;
use crate::store::SqliteStore;
use crate::write_ops::{ClaimedRow, SettleRow};
use crate::writer::{Job, Write};

/// What a `*_many` call waits for: a reply per item, or the item's own failure before it was
/// submitted (it did not encode).
type Pending<T> = Result<oneshot::Receiver<Result<T, StoreError>>, StoreError>;

impl SqliteStore {
    /// Submits `writes` as one job (one transaction, a savepoint each) and awaits every reply,
    /// in order.
    async fn write_many<T>(
        &self,
        writes: Vec<Write>,
        pending: Vec<Pending<T>>,
    ) -> Vec<Result<T, StoreError>> {
        let submitted =
            if writes.is_empty() { Ok(()) } else { self.writer.submit(Job::Many(writes)) };
        let mut results = Vec::with_capacity(pending.len());
        for p in pending {
            results.push(match (p, &submitted) {
                (Err(e), _) => Err(e),
                (Ok(_), Err(e)) => Err(e.clone()),
                (Ok(rx), Ok(())) => rx.await.unwrap_or_else(|| Err(stopped("writer"))),
            });
        }
        results
    }

    pub(crate) async fn write<T>(
        &self,
        job: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Write,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.writer.submit(Job::Write(job(tx)))?;
        rx.await.unwrap_or_else(|| Err(stopped("writer")))
    }
}

fn hazard_id(text: &str) -> Result<HazardId, StoreError> {
    text.parse().map_err(|e| corrupt("a hazard id", e))
}

/// An outbox message from its stored JSON, with the columns that change after it is written.
fn message(
    json: &str,
    status: OutboxStatus,
    available_at: i64,
    attempts: i64,
    last_error: Option<String>,
) -> Result<OutboxMessage, StoreError> {
    let mut m: OutboxMessage = from_json("an outbox message", json)?;
    m.status = status;
    m.available_at = instant(available_at);
    m.attempts = u32::try_from(attempts).map_err(|_| corrupt("an attempt count", attempts))?;
    m.last_error = last_error;
    Ok(m)
}

fn claimed(row: ClaimedRow) -> Result<Claimed, StoreError> {
    let m =
        message(&row.json, OutboxStatus::Pending, row.available_at, row.attempts, row.last_error)?;
    Ok(Claimed { message: m, token: count(row.token)? })
}

fn stored_message(
    (json, status, available_at, attempts, error): RawMessage,
) -> Result<OutboxMessage, StoreError> {
    message(&json, parse_status(&status)?, available_at, attempts, error)
}

/// How a settlement changes its outbox row.
fn settle_row(settlement: Settlement) -> Result<SettleRow, StoreError> {
    Ok(match settlement {
        Settlement::Delivered => (status(OutboxStatus::Delivered), None, None),
        Settlement::Retry { at, error } => {
            (status(OutboxStatus::Pending), Some(nanos(at)?), Some(error))
        }
        Settlement::Dead { reason } => (status(OutboxStatus::Dead), None, Some(reason)),
    })
}

impl Store for SqliteStore {
    async fn commit(&self, commit: Commit) -> Result<Committed, StoreError> {
        self.ready()?;
        let encoded = Box::new(EncodedCommit::new(&commit)?);
        self.write(|tx| Write::Commit(encoded, tx)).await
    }

    async fn commit_many(&self, commits: Vec<Commit>) -> Vec<Result<(), StoreError>> {
        if let Err(e) = self.ready() {
            return commits.iter().map(|_| Err(e.clone())).collect();
        }
        let mut writes = Vec::with_capacity(commits.len());
        let pending = commits
            .iter()
            .map(|c| {
                let encoded = Box::new(EncodedCommit::new(c)?);
                let (tx, rx) = oneshot::channel();
                writes.push(Write::Commit(encoded, tx));
                Ok(rx)
            })
            .collect();
        drop(commits);
        let results = self.write_many(writes, pending).await;
        results.into_iter().map(|r| r.map(|_| ())).collect()
    }

    async fn load(
        &self,
        tenant: &TenantId,
        hazard: HazardId,
    ) -> Result<Option<HazardRecord>, StoreError> {
        self.ready()?;
        let (t, h) = (tenant.as_str().to_owned(), hazard.to_string());
        let Some((version, head, records)) =
            read(&self.readers, move |c| read_ops::load(c, &t, &h)).await?
        else {
            return Ok(None);
        };
        // A row that does not decode was changed outside hazardloop: name the event, so
        // `verify` reports the hazard and the sequence number.
        let events = records
            .iter()
            .map(|(seq, r)| {
                serde_json::from_str::<Recorded>(r).map_err(|e| StoreError::CorruptEvent {
                    hazard,
                    seq: u64::try_from(*seq).unwrap_or_default(),
                    reason: e.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(HazardRecord { events, version: count(version)?, head: hash(&head)? }))
    }

    async fn find_number(
        &self,
        tenant: &TenantId,
        number: &str,
    ) -> Result<Option<HazardId>, StoreError> {
        self.ready()?;
        let (t, n) = (tenant.as_str().to_owned(), number.to_owned());
        let Some(id) = read(&self.readers, move |c| read_ops::find_number(c, &t, &n)).await? else {
            return Ok(None);
        };
        id.parse().map(Some).map_err(|_| StoreError::Backend(format!("a stored hazard id: {id}")))
    }

    async fn snapshot(
        &self,
        tenant: &TenantId,
        hazard: HazardId,
    ) -> Result<Option<Snapshot>, StoreError> {
        self.ready()?;
        let (t, h) = (tenant.as_str().to_owned(), hazard.to_string());
        let Some((state, head)) =
            read(&self.readers, move |c| read_ops::snapshot(c, &t, &h)).await?
        else {
            return Ok(None);
        };
        Ok(Some(Snapshot {
            hazard: from_json::<Hazard>("a hazard state", &state)?,
            head: hash(&head)?,
        }))
    }

    /// One trip to a reader for the whole page: a thread hand-off per hazard costs more than
    /// reading its row.
    async fn snapshot_many(
        &self,
        keys: &[(TenantId, HazardId)],
    ) -> Result<Vec<Option<Snapshot>>, StoreError> {
        self.ready()?;
        let keys: Vec<(String, String)> =
            keys.iter().map(|(t, h)| (t.as_str().to_owned(), h.to_string())).collect();
        let rows = read(&self.readers, move |c| {
            keys.iter().map(|(t, h)| read_ops::snapshot(c, t, h)).collect::<Result<Vec<_>, _>>()
        })
        .await?;
        rows.into_iter()
            .map(|row| {
                row.map(|(state, head)| {
                    Ok(Snapshot {
                        hazard: from_json::<Hazard>("a hazard state", &state)?,
                        head: hash(&head)?,
                    })
                })
                .transpose()
            })
            .collect()
    }

    async fn ledger(
        &self,
        tenant: &TenantId,
        query: &LedgerQuery,
    ) -> Result<LedgerPage, StoreError> {
        self.ready()?;
        // The total and the page on two readers at once, the page's rows decoded on its
        // reader. A listing needs no snapshot common to both (as in the PostgreSQL store): a
        // commit between them can only make the total and the page differ by that commit.
        let sql = std::sync::Arc::new(LedgerSql::new(tenant.as_str(), query)?);
        let counted = sql.clone();
        let (total, rows) = futures_util::future::join(
            read(&self.readers, move |c| read_ops::ledger_total(c, &counted)),
            read(&self.readers, move |c| {
                read_ops::ledger_rows(c, &sql, |json| from_json::<LedgerRow>("a ledger row", json))
            }),
        )
        .await;
        let (total, rows) = (total?, rows?);
        let total = usize::try_from(total).map_err(|_| corrupt("a row count", total))?;
        Ok(query.page_of(total, rows))
    }

    async fn tally(
        &self,
        tenant: &TenantId,
        bounds: Bounds,
        now: DateTime<Utc>,
    ) -> Result<Vec<CellTally>, StoreError> {
        self.ready()?;
        let tenant = tenant.as_str().to_owned();
        let times = (nanos(bounds.0)?, nanos(bounds.1)?, nanos(now)?);
        let cells = read(&self.readers, move |c| read_ops::tally(c, &tenant, times)).await?;
        cells.into_iter().map(cell_tally).collect()
    }

    async fn due(
        &self,
        before: DateTime<Utc>,
        after: Option<&Due>,
        limit: usize,
    ) -> Result<Vec<Due>, StoreError> {
        self.ready()?;
        let before = nanos(before)?;
        let after = after
            .map(|d| {
                Ok::<_, StoreError>((
                    nanos(d.at)?,
                    d.tenant.as_str().to_owned(),
                    d.hazard.to_string(),
                ))
            })
            .transpose()?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows =
            read(&self.readers, move |c| read_ops::due(c, before, after.as_ref(), limit)).await?;
        rows.into_iter()
            .map(|(at, tenant, hazard)| {
                Ok(Due {
                    at: instant(at),
                    tenant: TenantId::new(tenant).map_err(|e| corrupt("a tenant", e))?,
                    hazard: hazard_id(&hazard)?,
                })
            })
            .collect()
    }

    async fn idempotent(
        &self,
        tenant: &TenantId,
        key: &str,
    ) -> Result<Option<IdempotentResult>, StoreError> {
        self.ready()?;
        let (t, k) = (tenant.as_str().to_owned(), key.to_owned());
        let Some((hazard, version, events)) =
            read(&self.readers, move |c| read_ops::idempotent(c, &t, &k)).await?
        else {
            return Ok(None);
        };
        Ok(Some(IdempotentResult {
            key: key.to_owned(),
            hazard: hazard_id(&hazard)?,
            version: count(version)?,
            events: count(events)?,
        }))
    }

    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<Claimed>, StoreError> {
        self.ready()?;
        let (now, until) = (nanos(now)?, nanos(lease_until)?);
        let rows = self.write(|tx| Write::Claim(now, limit, until, tx)).await?;
        rows.into_iter().map(claimed).collect()
    }

    async fn settle(
        &self,
        id: MessageId,
        token: u64,
        settlement: Settlement,
    ) -> Result<bool, StoreError> {
        self.ready()?;
        // A token past i64 was never handed out: stale.
        let Ok(token) = i64::try_from(token) else { return Ok(false) };
        let change = settle_row(settlement)?;
        let id = id.to_string();
        self.write(|tx| Write::Settle(id, token, change, tx)).await
    }

    async fn settle_many(
        &self,
        settlements: Vec<(MessageId, u64, Settlement)>,
    ) -> Vec<Result<bool, StoreError>> {
        if let Err(e) = self.ready() {
            return settlements.iter().map(|_| Err(e.clone())).collect();
        }
        let mut writes = Vec::with_capacity(settlements.len());
        let pending = settlements
            .into_iter()
            .map(|(id, token, settlement)| {
                let change = settle_row(settlement)?;
                let (tx, rx) = oneshot::channel();
                match i64::try_from(token) {
                    Ok(token) => writes.push(Write::Settle(id.to_string(), token, change, tx)),
                    // A token past i64 was never handed out: stale.
                    Err(_) => tx.send(Ok(false)),
                }
                Ok(rx)
            })
            .collect();
        self.write_many(writes, pending).await
    }

    async fn outbox(
        &self,
        tenant: &TenantId,
        status_wanted: OutboxStatus,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        self.ready()?;
        let (t, s) = (tenant.as_str().to_owned(), status(status_wanted));
        let rows = read(&self.readers, move |c| read_ops::outbox(c, &t, s)).await?;
        rows.into_iter().map(stored_message).collect()
    }

    async fn put_document(
        &self,
        tenant: &TenantId,
        name: &str,
        body: &str,
    ) -> Result<(), StoreError> {
        self.ready()?;
        let (t, n, b) = (tenant.as_str().to_owned(), name.to_owned(), body.to_owned());
        self.write(|tx| Write::Document(t, n, b, tx)).await
    }

    async fn document(&self, tenant: &TenantId, name: &str) -> Result<Option<String>, StoreError> {
        self.ready()?;
        let (t, n) = (tenant.as_str().to_owned(), name.to_owned());
        read(&self.readers, move |c| read_ops::document(c, &t, &n)).await
    }
}

/// A cell as [`read_ops::tally`] counted it.
fn cell_tally((unit, category, counts, fired, days): RawCell) -> Result<CellTally, StoreError> {
    let seconds = days
        .iter()
        .flat_map(|d| d.split(','))
        .map(|s| s.parse::<i64>().map_err(|_| corrupt("a duration", s)))
        .collect::<Result<Vec<i64>, StoreError>>()?;
    CellTally::from_counted(&unit, category.as_deref(), counts, fired.as_deref(), seconds)
}
