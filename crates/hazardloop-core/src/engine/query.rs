//! Queries: a hazard with its timeline, the ledger, statistics, verification.

use crate::chain::{verify, ChainError, Recorded};
use crate::model::{HazardId, TenantId};
use crate::notify::Notifier;
use crate::report::{statistics_of_cells, LedgerFilter, Page, Period, StatsTable};
use crate::store::{LedgerPage, LedgerQuery, Store};
use crate::workflow::Hazard;

use super::{Engine, EngineError};

/// A hazard with its full timeline. Loading never notifies anyone.
#[derive(Clone, Debug, PartialEq)]
pub struct HazardView {
    /// The hazard.
    pub hazard: Hazard,
    /// Its events, oldest first.
    pub timeline: Vec<Recorded>,
}

impl<S: Store, N: Notifier> Engine<S, N> {
    /// A hazard and its timeline.
    pub async fn hazard(&self, tenant: &TenantId, id: HazardId) -> Result<HazardView, EngineError> {
        let stored = self
            .store
            .load(tenant, id)
            .await?
            .ok_or_else(|| EngineError::NotFound { tenant: tenant.clone(), hazard: id })?;
        let mut hazard = Hazard::fold(id, crate::store::events(&stored.events))?;
        hazard.number = self.number_of(tenant, id).await?;
        Ok(HazardView { hazard, timeline: stored.events })
    }

    /// Saves the tenant's organisation and the engine's policy into the store, as the
    /// documents [`ORG_DOC`](crate::store::ORG_DOC) (JSON) and
    /// [`POLICY_DOC`](crate::store::POLICY_DOC) (TOML) that the command line and the service
    /// read: a database an embedding program fills can then be opened with `hazardloop`.
    pub async fn save_documents(&self, tenant: &TenantId) -> Result<(), EngineError> {
        let org = self.org(tenant)?;
        let text = serde_json::to_string(&org.to_config())
            .map_err(|e| crate::store::StoreError::Backend(format!("the organisation: {e}")))?;
        self.store.put_document(tenant, crate::store::ORG_DOC, &text).await?;
        let policy = self.policy.to_toml();
        self.store.put_document(tenant, crate::store::POLICY_DOC, &policy).await?;
        Ok(())
    }

    /// The number the store gave a hazard (it is not in the history a fold reads).
    pub(super) async fn number_of(
        &self,
        tenant: &TenantId,
        id: HazardId,
    ) -> Result<Option<String>, EngineError> {
        Ok(self.store.snapshot(tenant, id).await?.and_then(|s| s.hazard.number))
    }

    /// A page of the ledger. A page larger than the policy allows (`limits.page_size`), or a
    /// search text longer than a title (`limits.title`), is refused naming the limit. Its total
    /// is exact up to `limits.ledger_count` rows past the page's end; when more match, it stops
    /// there and [`LedgerPage::total_capped`] is set (show it as "at least").
    pub async fn ledger(
        &self,
        tenant: &TenantId,
        filter: &LedgerFilter,
        page: Page,
    ) -> Result<LedgerPage, EngineError> {
        let limits = self.policy.limits();
        let checked = limits.page("page.limit", page.limit).and_then(|()| match &filter.text {
            Some(text) => limits.title("filter.text", text),
            None => Ok(()),
        });
        checked.map_err(crate::workflow::WorkflowError::Input)?;
        let org = self.org(tenant)?;
        let now = self.clock.now();
        let mut query = LedgerQuery::new(filter, &org, Some(now), page);
        // Counted up to `limits.ledger_count` rows past the page: a city's ledger matches tens of
        // thousands, and counting them all costs more than the page.
        query.count_limit =
            Some(page.offset.saturating_add(page.limit).saturating_add(limits.ledger_count));
        let mut page = self.store.ledger(tenant, &query).await?;
        // Stored rows are as at their last commit; the flags shown are as at now, as filtered.
        page.rows = page.rows.into_iter().map(|row| row.as_at(now)).collect();
        Ok(page)
    }

    /// Every ledger row matching `filter`, read page by page at the policy's page size (for an
    /// export, or a check of every hazard).
    pub async fn ledger_rows(
        &self,
        tenant: &TenantId,
        filter: &LedgerFilter,
    ) -> Result<Vec<crate::report::LedgerRow>, EngineError> {
        let size = self.policy.limits().page_size;
        let mut rows = Vec::new();
        loop {
            let page = self.ledger(tenant, filter, Page::new(rows.len(), size)).await?;
            let n = page.rows.len();
            rows.extend(page.rows);
            if n < size {
                return Ok(rows);
            }
        }
    }

    /// The statistics table (隐患问题统计表) for a period, per unit and category, rolled up.
    pub async fn statistics(
        &self,
        tenant: &TenantId,
        period: &Period,
    ) -> Result<StatsTable, EngineError> {
        let org = self.org(tenant)?;
        let bounds = period.bounds(self.policy.calendar());
        // The store counts; a stored row is as at its last commit and nothing has happened to the
        // hazard since, so it is counted as it stands now (a deadline may have passed between).
        let cells = self.store.tally(tenant, bounds, self.clock.now()).await?;
        Ok(statistics_of_cells(cells, bounds, &org))
    }

    /// The hazard a person refers to: its id (a UUID), or its number (隐患编号, `2026-0017`).
    pub async fn resolve(
        &self,
        tenant: &TenantId,
        reference: &str,
    ) -> Result<HazardId, EngineError> {
        let reference = reference.trim();
        if let Ok(id) = reference.parse::<HazardId>() {
            return Ok(id);
        }
        self.store.find_number(tenant, reference).await?.ok_or_else(|| EngineError::UnknownNumber {
            tenant: tenant.clone(),
            number: reference.to_owned(),
        })
    }

    /// Verifies a hazard's stored history: the chain, and that it ends at the stored head
    /// (so a removed last event is found too). Names the first event that does not match.
    pub async fn verify(&self, tenant: &TenantId, id: HazardId) -> Result<(), EngineError> {
        let stored = self
            .store
            .load(tenant, id)
            .await?
            .ok_or_else(|| EngineError::NotFound { tenant: tenant.clone(), hazard: id })?;
        verify(tenant, id, &stored.events)?;
        let len = stored.events.len() as u64;
        let last = stored.events.last().map(|e| e.hash).unwrap_or_default();
        if stored.version != len || stored.head != last {
            return Err(ChainError {
                hazard: id,
                seq: len.min(stored.version) + 1,
                reason: format!(
                    "the ledger records version {} but {len} events remain",
                    stored.version
                ),
            }
            .into());
        }
        Ok(())
    }
}
