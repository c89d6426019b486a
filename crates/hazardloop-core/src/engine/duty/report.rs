//! Report duties: their schedules, generating their occurrences, submitting, counting.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::RecordOutcome;
use crate::duty::{
    decide_duty, duty_id, scheduled, Duty, DutyCommand, DutyError, DutyTally, RecordId, RecordKind,
    RecordQuery, RecordRow, ReportSchedule, SCHEDULES_DOC,
};
use crate::engine::{Engine, EngineError};
use crate::model::{Actor, InputError, TenantId};
use crate::notify::Notifier;
use crate::report::Period;
use crate::store::RecordStore;

/// What generating report duties did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutyGenerateReport {
    /// Duties the schedules call for in the horizon.
    pub considered: usize,
    /// Of those, newly stored (the rest existed).
    pub created: usize,
}

impl<S: RecordStore, N: Notifier> Engine<S, N> {
    /// The tenant's report schedules (the document `duty.schedules`; none until set).
    pub async fn schedules(&self, tenant: &TenantId) -> Result<Vec<ReportSchedule>, EngineError> {
        Ok(self.json_document(tenant, SCHEDULES_DOC).await?.unwrap_or_default())
    }

    /// Replaces the tenant's report schedules after checking each against the organisation
    /// (errors name `schedules[i].…`); codes must be unique.
    pub async fn set_schedules(
        &self,
        tenant: &TenantId,
        schedules: Vec<ReportSchedule>,
    ) -> Result<(), EngineError> {
        let org = self.org(tenant)?;
        for (i, s) in schedules.iter().enumerate() {
            let field = format!("schedules[{i}]");
            s.validate(&org, &field)?;
            if schedules[..i].iter().any(|o| o.code == s.code) {
                return Err(DutyError::Input(InputError::Malformed {
                    field: format!("{field}.code"),
                    reason: format!("`{}` is used twice", s.code),
                })
                .into());
            }
        }
        let body = serde_json::to_string(&schedules).unwrap_or_default();
        Ok(self.store.put_document(tenant, SCHEDULES_DOC, &body).await?)
    }

    /// Stores the duties that the schedules and the campaigns' report dates call for with a
    /// due date in `from..=to`, each once: generating the same horizon again, or from two
    /// processes, adds nothing.
    pub async fn generate_duties(
        &self,
        tenant: &TenantId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<DutyGenerateReport, EngineError> {
        if from > to {
            return Err(DutyError::Input(InputError::Malformed {
                field: "to".into(),
                reason: format!("{to} is before {from}"),
            })
            .into());
        }
        let org = self.org(tenant)?;
        let calendar = self.policy.calendar();
        let mut schedules = self.schedules(tenant).await?;
        schedules.extend(self.campaigns(tenant).await?.iter().map(|c| c.schedule()));
        let now = self.clock.now();
        let mut commits = Vec::new();
        for schedule in &schedules {
            for slot in schedule.slots(calendar, from, to) {
                for unit in schedule.owing_units(&org) {
                    let id = duty_id(&schedule.code, &unit, &slot.key).map_err(DutyError::Input)?;
                    let event = scheduled(schedule, &unit, &slot, calendar);
                    let (commit, _) =
                        self.record_commit::<Duty>(tenant, &id, None, &[event], now, Vec::new())?;
                    commits.push(commit);
                }
            }
        }
        let considered = commits.len();
        let created = self.store.create_records(commits).await?;
        Ok(DutyGenerateReport { considered, created })
    }

    /// Submits a duty (or runs another duty command). A refused command writes nothing.
    pub async fn duty(
        &self,
        actor: &Actor,
        id: &RecordId,
        command: DutyCommand,
    ) -> Result<RecordOutcome<Duty>, EngineError> {
        let tenant = &actor.tenant;
        let org = self.org(tenant)?;
        let loaded = self.load_record::<Duty>(tenant, id).await?;
        let events = decide_duty(&loaded.state, &command, &org, &actor.person, self.clock.now())?;
        self.commit_record_events(tenant, id, Some(loaded), &events, Vec::new()).await
    }

    /// A duty as stored.
    pub async fn load_duty(&self, tenant: &TenantId, id: &RecordId) -> Result<Duty, EngineError> {
        Ok(self.load_record::<Duty>(tenant, id).await?.state)
    }

    /// A tenant's duties matching `query`, by due time.
    pub async fn duties(
        &self,
        tenant: &TenantId,
        query: &RecordQuery,
    ) -> Result<Vec<RecordRow>, EngineError> {
        Ok(self.store.records(tenant, RecordKind::Duty, query).await?)
    }

    /// How the duties due in `period` went, as at now.
    pub async fn duty_statistics(
        &self,
        tenant: &TenantId,
        period: &Period,
    ) -> Result<DutyTally, EngineError> {
        let (from, to) = period.bounds(self.policy.calendar());
        let query = RecordQuery { from: Some(from), to: Some(to), ..RecordQuery::default() };
        let mut duties = Vec::new();
        for row in self.duties(tenant, &query).await? {
            duties.push(self.load_duty(tenant, &row.id).await?);
        }
        Ok(DutyTally::of(&duties, self.clock.now()))
    }
}
