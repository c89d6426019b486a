//! Several statements in one transaction, pipelined, each in a savepoint of its own: a statement
//! that fails is rolled back alone and the others stay.
//!
//! A round sends `SAVEPOINT item`, the statement and `RELEASE SAVEPOINT item` for every
//! remaining statement without waiting for any reply (tokio-postgres pipelines requests sent
//! before their replies are awaited). The first statement that fails aborts the transaction, and
//! everything sent after it is refused with `25P02`; the next round rolls back to that
//! statement's savepoint and sends the rest again. A batch without failures takes one round;
//! each failure costs one more.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use tokio_postgres::types::ToSql;
use tokio_postgres::{Error, Statement, Transaction};

use hazardloop_core::store::StoreError;

use crate::error::{aborted, backend};

/// A statement's parameter.
pub(crate) type Param<'a> = &'a (dyn ToSql + Sync);

/// A request in flight.
pub(crate) type Call<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What one request of a round answered.
enum Reply {
    Recover(Result<(), Error>),
    Savepoint(Result<(), Error>),
    Statement(usize, Result<u64, Error>),
    Release(Result<(), Error>),
}

/// Runs each statement in a savepoint of its own: for each, the rows it affected or the error it
/// raised (that statement's writes rolled back, the others' kept). `Err` when the transaction
/// itself failed (a savepoint could not be taken or restored, the connection broke): the batch
/// must not be committed then.
pub(crate) async fn savepointed(
    tx: &Transaction<'_>,
    items: &[(&Statement, &[Param<'_>])],
) -> Result<Vec<Result<u64, Error>>, StoreError> {
    let n = items.len();
    let mut out: Vec<Option<Result<u64, Error>>> = (0..n).map(|_| None).collect();
    let mut start = 0;
    let mut recover = false;
    while start < n || recover {
        let mut calls: Vec<Call<'_, Reply>> = Vec::with_capacity(1 + 3 * (n - start));
        if recover {
            calls.push(Box::pin(async {
                Reply::Recover(
                    tx.batch_execute("ROLLBACK TO SAVEPOINT item; RELEASE SAVEPOINT item").await,
                )
            }));
        }
        for (i, (stmt, params)) in items.iter().enumerate().skip(start) {
            calls.push(Box::pin(async {
                Reply::Savepoint(tx.batch_execute("SAVEPOINT item").await)
            }));
            calls.push(Box::pin(
                async move { Reply::Statement(i, tx.execute(*stmt, params).await) },
            ));
            calls.push(Box::pin(async {
                Reply::Release(tx.batch_execute("RELEASE SAVEPOINT item").await)
            }));
        }
        let mut failed = None;
        for reply in in_order(calls).await {
            match reply {
                Reply::Recover(r) => r.map_err(backend)?,
                Reply::Statement(i, Err(e)) if !aborted(&e) && failed.is_none() => {
                    failed = Some(i);
                    if let Some(slot) = out.get_mut(i) {
                        *slot = Some(Err(e));
                    }
                }
                Reply::Statement(i, Ok(rows)) if failed.is_none() => {
                    if let Some(slot) = out.get_mut(i) {
                        *slot = Some(Ok(rows));
                    }
                }
                Reply::Savepoint(Ok(())) | Reply::Release(Ok(())) if failed.is_none() => {}
                // Refused because an earlier statement of this round failed: sent again.
                Reply::Savepoint(Err(e)) | Reply::Release(Err(e)) | Reply::Statement(_, Err(e))
                    if aborted(&e) && failed.is_some() => {}
                Reply::Savepoint(r) | Reply::Release(r) => {
                    r.map_err(backend)?;
                    // Success after a failure: the server did not abort the transaction.
                    return Err(out_of_order());
                }
                Reply::Statement(_, r) => {
                    r.map_err(backend)?;
                    return Err(out_of_order());
                }
            }
        }
        match failed {
            Some(i) => {
                start = i + 1;
                recover = true;
            }
            None => {
                start = n;
                recover = false;
            }
        }
    }
    Ok(out.into_iter().map(|o| o.unwrap_or_else(|| Ok(0))).collect())
}

fn out_of_order() -> StoreError {
    StoreError::Backend("a batch's replies did not follow its requests".into())
}

/// Polls every call in order until all are done: each sends its request on its first poll, so
/// the requests leave in this order, back to back.
pub(crate) async fn in_order<'a, T: Send + 'a>(calls: Vec<Call<'a, T>>) -> Vec<T> {
    let mut calls: Vec<Option<Call<'a, T>>> = calls.into_iter().map(Some).collect();
    let mut done: Vec<Option<T>> = calls.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (call, slot) in calls.iter_mut().zip(done.iter_mut()) {
            if let Some(f) = call {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => {
                        *slot = Some(v);
                        *call = None;
                    }
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    done.into_iter().flatten().collect()
}
