//! Loading a holiday notice into the engine's calendar, and re-projecting (重新推算) the open
//! provisional deadlines through `DeadlineReprojected` events.

use std::sync::Arc;

use chrono::NaiveDate;

use super::{Engine, EngineError};
use crate::calendar::{Calendar, HolidayNotice};
use crate::deadline::{reproject, Reprojection};
use crate::model::{HazardId, TenantId};
use crate::notify::Notifier;
use crate::report::LedgerFilter;
use crate::store::{Store, StoreError};
use crate::workflow::{Event, WorkflowError};

/// What loading a holiday notice did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HolidayLoad {
    /// The years loaded, ascending.
    pub years: Vec<i32>,
    /// The calendar's horizon after loading.
    pub horizon: Option<NaiveDate>,
    /// Open hazards with a provisional deadline that were re-reckoned.
    pub examined: usize,
    /// Every deadline moved or confirmed, with its hazard, as its event records it.
    pub moved: Vec<(HazardId, Reprojection)>,
}

const ATTEMPTS: usize = 3;

impl<S: Store, N: Notifier> Engine<S, N> {
    /// Loads official holiday notices into the calendar and re-projects the provisional
    /// deadlines of every open hazard of the loaded organisations: each clock reckoned past the
    /// old horizon is re-reckoned as the same number of working days under the new calendar
    /// ([`reproject`]) and written as an [`Event::DeadlineReprojected`] naming the notice, in
    /// the hazard's chain. Rungs that already fired for the old due time do not fire again.
    ///
    /// A notice that does not validate is refused naming the field, and nothing changes. The
    /// calendar is replaced before the hazards are re-projected, so a run cut short (a store
    /// error) is finished by loading the same notice again: what was moved is not moved twice,
    /// what was left is moved then. Takes `&mut self`: the policy of a running engine changes.
    pub async fn load_holidays(
        &mut self,
        notice: HolidayNotice,
    ) -> Result<HolidayLoad, EngineError> {
        let old = self.policy.calendar().clone();
        let mut policy = crate::policy::Policy::clone(&self.policy);
        for year in &notice.years {
            policy.load_holiday_year(year.clone()).map_err(WorkflowError::Input)?;
        }
        let years: Vec<i32> = notice.years.iter().map(|y| y.year).collect();
        // A notice for year Y may list dates from 1 December of Y − 1 on.
        let first = years.iter().min().copied().unwrap_or(i32::MAX).saturating_sub(1);
        let Some(since) = NaiveDate::from_ymd_opt(first, 12, 1) else {
            return Err(WorkflowError::Input(crate::model::InputError::Missing {
                field: "year".into(),
            })
            .into());
        };
        let reason = notice.years.iter().map(|y| y.source.as_str()).collect::<Vec<_>>().join("; ");
        self.policy = Arc::new(policy);
        let mut report = HolidayLoad {
            years,
            horizon: self.policy.calendar().horizon(),
            ..HolidayLoad::default()
        };
        let tenants: Vec<TenantId> = {
            let orgs = self.orgs.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            orgs.keys().cloned().collect()
        };
        for tenant in tenants {
            let rows = self.ledger_rows(&tenant, &LedgerFilter::default()).await?;
            for row in rows.into_iter().filter(|r| r.stage.is_open()) {
                let moved = self.reproject_one(&tenant, row.id, &old, since, &reason).await?;
                if let Some(moved) = moved {
                    report.examined += 1;
                    report.moved.extend(moved.into_iter().map(|m| (row.id, m)));
                }
            }
        }
        Ok(report)
    }

    /// Re-projects one hazard's provisional clocks and commits the events; `None` when it has
    /// none. Retries a commit that lost a race with another writer.
    async fn reproject_one(
        &self,
        tenant: &TenantId,
        id: HazardId,
        old: &Calendar,
        since: NaiveDate,
        reason: &str,
    ) -> Result<Option<Vec<Reprojection>>, EngineError> {
        for attempt in 1..=ATTEMPTS {
            let loaded = self.load(tenant, id).await?;
            let hazard = loaded.hazard;
            if hazard.provisional.is_empty() {
                return Ok(None);
            }
            let new = self.policy.calendar();
            let moved = reproject(old, new, since, &hazard.clocks, hazard.provisional);
            if moved.is_empty() {
                return Ok(Some(moved));
            }
            let now = self.clock.now();
            let events = moved
                .iter()
                .map(|m| Event::DeadlineReprojected {
                    clock: m.clock,
                    from: m.from,
                    to: m.to,
                    provisional: m.provisional,
                    reason: reason.to_owned(),
                    at: now,
                })
                .collect();
            let version = loaded.version;
            let (after, records) =
                self.record(tenant, id, Some(hazard), events, now, loaded.head, None)?;
            let commit = self.commit_of(tenant, version, after, records, Vec::new(), now, None);
            match self.store.commit(commit).await {
                Ok(_) => return Ok(Some(moved)),
                Err(StoreError::Conflict { .. }) if attempt < ATTEMPTS => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(None)
    }
}
