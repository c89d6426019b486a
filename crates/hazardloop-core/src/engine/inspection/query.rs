//! Reading occurrences: listings, what is due for a person, verification, statistics.

use chrono::NaiveDate;

use crate::chain::ChainHash;
use crate::engine::{Engine, EngineError};
use crate::inspection::{
    self, InspectionLine, Occurrence, OccurrenceId, OccurrenceQuery, OccurrenceRow,
};
use crate::model::TenantId;
use crate::notify::Notifier;
use crate::report::Bounds;
use crate::store::InspectionStore;

impl<S: InspectionStore, N: Notifier> Engine<S, N> {
    /// An occurrence as it stands.
    pub async fn occurrence(
        &self,
        tenant: &TenantId,
        id: &OccurrenceId,
    ) -> Result<Option<Occurrence>, EngineError> {
        Ok(self.store.occurrence(tenant, id).await?.map(|(o, _)| o))
    }

    /// Occurrence rows of `tenant` matching `query`.
    pub async fn occurrences(
        &self,
        tenant: &TenantId,
        query: &OccurrenceQuery,
    ) -> Result<Vec<OccurrenceRow>, EngineError> {
        Ok(self.store.occurrences(tenant, query).await?)
    }

    /// What `person` must do on the local date `day`: their occurrences open that day and not
    /// yet completed, and older ones still overdue.
    pub async fn due_for(
        &self,
        tenant: &TenantId,
        person: &crate::model::PersonId,
        day: NaiveDate,
    ) -> Result<Vec<OccurrenceRow>, EngineError> {
        let now = self.clock.now();
        // A window closes well within a year of its due time; older rows cannot be open.
        let query = OccurrenceQuery {
            inspector: Some(person.clone()),
            due_from: Some(now - chrono::Duration::days(366)),
            ..OccurrenceQuery::default()
        };
        let rows = self.store.occurrences(tenant, &query).await?;
        Ok(rows
            .into_iter()
            .filter(|r| r.completed_at.is_none() && !r.excused && r.missed_at.is_none())
            .filter(|r| r.first_day <= day && now < r.closes)
            .collect())
    }

    /// Checks an occurrence's chain and that its stored state is what its events fold to.
    pub async fn verify_occurrence(
        &self,
        tenant: &TenantId,
        id: &OccurrenceId,
    ) -> Result<(), EngineError> {
        let records = self.store.occurrence_events(tenant, id).await?;
        if records.is_empty() {
            return Err(EngineError::OccurrenceNotFound {
                tenant: tenant.clone(),
                occurrence: id.clone(),
            });
        }
        let broken = |seq, reason: String| EngineError::OccurrenceChain {
            occurrence: id.clone(),
            seq,
            reason,
        };
        inspection::verify(tenant, id, &records)
            .map_err(|(seq, reason)| broken(seq, reason.into()))?;
        let folded = Occurrence::fold(id.clone(), tenant.clone(), records.iter().map(|r| &r.event))
            .map_err(|reason| broken(records.len() as u64, reason))?;
        let stored = self.store.occurrence(tenant, id).await?.map(|(o, _)| o);
        if stored.as_ref() != Some(&folded) {
            return Err(broken(
                records.len() as u64,
                "the stored state differs from its events".into(),
            ));
        }
        Ok(())
    }

    /// The inspection statistics of `tenant` for occurrences due in `bounds`, per unit, rolled
    /// up the organisation, as they stand now.
    pub async fn inspection_statistics(
        &self,
        tenant: &TenantId,
        bounds: Bounds,
    ) -> Result<Vec<InspectionLine>, EngineError> {
        let org = self.org(tenant)?;
        let query = OccurrenceQuery {
            due_from: Some(bounds.0),
            due_to: Some(bounds.1),
            ..OccurrenceQuery::default()
        };
        let rows = self.store.occurrences(tenant, &query).await?;
        Ok(inspection::statistics(&rows, &org, bounds, self.clock.now()))
    }

    pub(super) async fn load_occurrence(
        &self,
        tenant: &TenantId,
        id: &OccurrenceId,
    ) -> Result<(Occurrence, ChainHash), EngineError> {
        self.store.occurrence(tenant, id).await?.ok_or_else(|| EngineError::OccurrenceNotFound {
            tenant: tenant.clone(),
            occurrence: id.clone(),
        })
    }
}
