//! Incidents: open, report, follow up, close; list, load, count.

use super::RecordOutcome;
use crate::duty::{
    decide_incident, DutyError, Incident, IncidentCommand, IncidentContext, IncidentTally,
    RecordId, RecordKind, RecordQuery, RecordRow,
};
use crate::engine::{Engine, EngineError};
use crate::model::{Actor, HazardId, InputError, TenantId};
use crate::notify::Notifier;
use crate::report::Period;
use crate::store::RecordStore;

impl<S: RecordStore, N: Notifier> Engine<S, N> {
    /// Runs a command on an incident: `open` creates one (under `id` when given, else a new
    /// id such as `20261204-1650-7f3a`); every other command needs the id. One atomic commit;
    /// a refused command writes nothing.
    pub async fn incident(
        &self,
        actor: &Actor,
        id: Option<&RecordId>,
        command: IncidentCommand,
    ) -> Result<RecordOutcome<Incident>, EngineError> {
        let tenant = &actor.tenant;
        let org = self.org(tenant)?;
        let now = self.clock.now();
        let cx = IncidentContext {
            org: &org,
            actor: &actor.person,
            policy: self.policy.incidents(),
            calendar: self.policy.calendar(),
            now,
        };
        let opening = matches!(command, IncidentCommand::Open { .. });
        let (id, loaded) = match (opening, id) {
            (true, Some(id)) => {
                if self.store.record(tenant, RecordKind::Incident, id).await?.is_some() {
                    return Err(DutyError::Input(InputError::Malformed {
                        field: "id".into(),
                        reason: format!("incident {id} already exists"),
                    })
                    .into());
                }
                (id.clone(), None)
            }
            (true, None) => (self.new_incident_id(now)?, None),
            (false, Some(id)) => {
                (id.clone(), Some(self.load_record::<Incident>(tenant, id).await?))
            }
            (false, None) => {
                return Err(DutyError::Input(InputError::Missing { field: "id".into() }).into())
            }
        };
        let events = decide_incident(loaded.as_ref().map(|l| &l.state), &command, &cx)?;
        self.commit_record_events(tenant, &id, loaded, &events, Vec::new()).await
    }

    fn new_incident_id(&self, now: chrono::DateTime<chrono::Utc>) -> Result<RecordId, EngineError> {
        let local = now.with_timezone(&self.policy.calendar().time_zone());
        let random = HazardId::new_at(now).0.simple().to_string();
        let tail = &random[random.len().saturating_sub(4)..];
        Ok(RecordId::parse_as(&format!("{}-{tail}", local.format("%Y%m%d-%H%M")), "id")
            .map_err(DutyError::Input)?)
    }

    /// An incident as stored.
    pub async fn load_incident(
        &self,
        tenant: &TenantId,
        id: &RecordId,
    ) -> Result<Incident, EngineError> {
        Ok(self.load_record::<Incident>(tenant, id).await?.state)
    }

    /// A tenant's incidents matching `query`, by the time the school learned of them.
    pub async fn incidents(
        &self,
        tenant: &TenantId,
        query: &RecordQuery,
    ) -> Result<Vec<RecordRow>, EngineError> {
        Ok(self.store.records(tenant, RecordKind::Incident, query).await?)
    }

    /// How the reports of the incidents learned of in `period` went, as at now.
    pub async fn incident_statistics(
        &self,
        tenant: &TenantId,
        period: &Period,
    ) -> Result<IncidentTally, EngineError> {
        let (from, to) = period.bounds(self.policy.calendar());
        let query = RecordQuery { from: Some(from), to: Some(to), ..RecordQuery::default() };
        let mut incidents = Vec::new();
        for row in self.incidents(tenant, &query).await? {
            incidents.push(self.load_incident(tenant, &row.id).await?);
        }
        Ok(IncidentTally::of(&incidents, self.clock.now()))
    }
}
