//! Importing many rows of an existing ledger at once: each row decided on its own, the commits
//! handed to [`Store::commit_many`] a batch at a time (SQLite writes a batch in one transaction,
//! each row in its own savepoint), and each row's idempotency key making a second import of the
//! same row a replay that writes nothing.

use crate::model::{Actor, HazardId};
use crate::notify::Notifier;
use crate::store::{IdempotentResult, Store, StoreError};
use crate::workflow::{decide, Command, Context, Import, StageKind};

use super::{Engine, EngineError};

/// Rows handed to the store in one `commit_many` call.
pub const IMPORT_BATCH: usize = 500;

/// One row to import, with its idempotency key (the same row gives the same key, so importing
/// a file twice imports it once).
#[derive(Clone, Debug, PartialEq)]
pub struct ImportRow {
    /// The row as a command.
    pub import: Import,
    /// Its idempotency key (at most `limits.title` characters).
    pub key: String,
}

/// What happened to one row.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RowOutcome {
    /// Imported now, as `hazard`, in `stage`.
    Imported {
        /// The new hazard.
        hazard: HazardId,
        /// Its stage.
        stage: StageKind,
    },
    /// A dry run: it would be imported in `stage`.
    WouldImport {
        /// The stage it would enter.
        stage: StageKind,
    },
    /// Its key was used before: an earlier import (or an earlier row of this one) brought it in.
    /// In a dry run, a row repeating an earlier row of the same rows names the nil id.
    AlreadyImported {
        /// The hazard it became.
        hazard: HazardId,
    },
}

impl<S: Store, N: Notifier> Engine<S, N> {
    /// Imports `rows`, one result per row, in order. Each row lands whole or not at all and a
    /// failed row takes no other down; rows whose key was used before are
    /// [`RowOutcome::AlreadyImported`] and write nothing. Importing creates hazards directly in
    /// their stage with the source's dates ([`Command::Import`]); it notifies nobody unless the
    /// policy's `[notices]` names `import`.
    ///
    /// # Errors
    /// Per row: what [`Engine::execute`] returns for a `Command::Import` (a refused rule, a
    /// denied actor, a store error for that row's commit).
    pub async fn import_many(
        &self,
        actor: &Actor,
        rows: Vec<ImportRow>,
    ) -> Vec<Result<RowOutcome, EngineError>> {
        let mut results = Vec::with_capacity(rows.len());
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let batch: Vec<ImportRow> = rows.by_ref().take(IMPORT_BATCH).collect();
            results.extend(self.import_batch(actor, batch).await);
        }
        results
    }

    /// What [`Engine::import_many`] would do with `rows`, writing nothing: each row is decided,
    /// and its key looked up.
    ///
    /// # Errors
    /// Per row, as [`Engine::import_many`].
    pub async fn preview_import(
        &self,
        actor: &Actor,
        rows: Vec<ImportRow>,
    ) -> Vec<Result<RowOutcome, EngineError>> {
        let mut results = Vec::with_capacity(rows.len());
        let mut seen = std::collections::HashSet::new();
        for row in rows {
            let result = match self.store.idempotent(&actor.tenant, &row.key).await {
                Ok(Some(done)) => Ok(RowOutcome::AlreadyImported { hazard: done.hazard }),
                Ok(None) => match self.decide_row(actor, row.import) {
                    // An earlier row of this file has the same content: it would be the one.
                    Ok(_) if seen.contains(&row.key) => {
                        Ok(RowOutcome::AlreadyImported { hazard: HazardId(uuid::Uuid::nil()) })
                    }
                    Ok((stage, _)) => Ok(RowOutcome::WouldImport { stage }),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e.into()),
            };
            seen.insert(row.key);
            results.push(result);
        }
        results
    }

    /// The stage a row enters and its events, decided at the engine's time.
    fn decide_row(
        &self,
        actor: &Actor,
        import: Import,
    ) -> Result<(StageKind, Vec<crate::workflow::Event>), EngineError> {
        let org = self.org(&actor.tenant)?;
        let ctx = Context { now: self.clock.now(), actor, policy: &self.policy, org: &org };
        let events = decide(None, Command::Import(Box::new(import)), &ctx)?;
        let stage = match events.first() {
            Some(crate::workflow::Event::Imported { import }) => import.stage.kind(),
            _ => StageKind::Discovered,
        };
        Ok((stage, events))
    }

    async fn import_batch(
        &self,
        actor: &Actor,
        batch: Vec<ImportRow>,
    ) -> Vec<Result<RowOutcome, EngineError>> {
        let tenant = &actor.tenant;
        let org = match self.org(tenant) {
            Ok(org) => org,
            Err(e) => return batch.iter().map(|_| Err(e.clone())).collect(),
        };
        let now = self.clock.now();
        let limits = self.policy.limits();
        let mut results: Vec<Result<RowOutcome, EngineError>> = Vec::with_capacity(batch.len());
        let mut commits = Vec::new();
        let mut pending = Vec::new();
        // A fresh file costs one lookup per batch: its first row is new, and a key used meanwhile
        // still fails its commit alone (below). A file imported before is looked up row by row,
        // so a second run decides and encodes nothing.
        let seen_before = match batch.first() {
            Some(row) => self.store.idempotent(tenant, &row.key).await.ok().flatten().is_some(),
            None => false,
        };
        for row in batch {
            if seen_before {
                match self.store.idempotent(tenant, &row.key).await {
                    Ok(Some(done)) => {
                        results.push(Ok(RowOutcome::AlreadyImported { hazard: done.hazard }));
                        continue;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        results.push(Err(e.into()));
                        continue;
                    }
                }
            }
            let built = limits
                .title("idempotency_key", &row.key)
                .map_err(|e| EngineError::from(crate::workflow::WorkflowError::Input(e)))
                .and_then(|()| {
                    let ctx = Context { now, actor, policy: &self.policy, org: &org };
                    Ok(decide(None, Command::Import(Box::new(row.import)), &ctx)?)
                })
                .and_then(|events| {
                    let id = HazardId::new_at(now);
                    let (after, records) = self.record(
                        tenant,
                        id,
                        None,
                        events,
                        now,
                        crate::chain::ChainHash::default(),
                        None,
                    )?;
                    let idempotency = IdempotentResult {
                        key: row.key.clone(),
                        hazard: id,
                        version: after.version,
                        events: records.len() as u64,
                    };
                    let stage = after.kind();
                    Ok((
                        self.assemble(tenant, 0, after, records, &org, now, Some(idempotency)),
                        stage,
                    ))
                });
            match built {
                Ok((commit, stage)) => {
                    pending.push((results.len(), commit.hazard, stage, row.key));
                    commits.push(commit);
                    results.push(Ok(RowOutcome::WouldImport { stage }));
                }
                Err(e) => results.push(Err(e)),
            }
        }
        let written = self.store.commit_many(commits).await;
        for ((index, hazard, stage, key), result) in pending.into_iter().zip(written) {
            results[index] = match result {
                Ok(()) => Ok(RowOutcome::Imported { hazard, stage }),
                // The key was used: by an earlier import, or by an earlier row of this batch.
                Err(StoreError::DuplicateKey) => match self.store.idempotent(tenant, &key).await {
                    Ok(Some(done)) => Ok(RowOutcome::AlreadyImported { hazard: done.hazard }),
                    Ok(None) => Err(EngineError::Store(StoreError::DuplicateKey)),
                    Err(e) => Err(e.into()),
                },
                Err(e) => Err(e.into()),
            };
        }
        results
    }
}
