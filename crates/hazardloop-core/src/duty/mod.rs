//! Duties with clocks beyond hazards: incident reports (突发事件报告), scheduled report
//! duties (报告事项: reports, meetings with minutes, responsibility letters) and special
//! campaigns (专项整治).
//!
//! Built the way the hazard loop and inspections are: pure rules (`decide`, `sweep`), events
//! in a hash chain, one atomic commit per command, ladders of [`Rung`](crate::escalation::Rung)s
//! firing once each, notices through the outbox. Incidents and duties are *records*: the
//! stores keep them in one table keyed by (tenant, kind, id) ([`RecordStore`](crate::store::RecordStore),
//! design note 26).
//!
//! ```
//! use chrono::NaiveDate;
//! use hazardloop_core::calendar::Calendar;
//! use hazardloop_core::duty::{schedule_presets, campaign_preset};
//!
//! let cal = Calendar::china();
//! let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
//! // The quarterly analysis for Q3 2026 is due on the 15th of the month after the quarter.
//! let quarterly = &schedule_presets()[0];
//! let slots = quarterly.slots(&cal, d(2026, 10, 1), d(2026, 10, 31));
//! assert_eq!((slots[0].key.as_str(), slots[0].due), ("2026-Q3", d(2026, 10, 15)));
//! // Seed 001's campaign mails its statistics table on four dates.
//! let campaign = campaign_preset("seed-001").unwrap();
//! let due: Vec<_> = campaign.schedule().slots(&cal, campaign.start(), campaign.end()).iter().map(|s| s.due).collect();
//! assert_eq!(due, [d(2021, 11, 22), d(2021, 12, 6), d(2021, 12, 20), d(2022, 1, 3)]);
//! ```

mod campaign;
mod clock;
#[allow(clippy::module_inception)]
mod duty;
mod incident;
mod incident_decide;
mod kind;
mod policy;
mod record;
mod rule;
mod schedule;
mod stats;

pub use campaign::{campaign_preset, campaign_preset_codes, Campaign, Phase, CAMPAIGNS_DOC};
pub use clock::DutyClock;
pub use duty::{
    decide as decide_duty, duty_id, scheduled, sweep as sweep_duty, Attachment, Duty, DutyCommand,
    DutyEvent, Submission,
};
pub use incident::{
    sweep as sweep_incident, Incident, IncidentClock, IncidentCommand, IncidentEvent,
    IncidentReport, IncidentType, ReportWay,
};
pub use incident_decide::{decide as decide_incident, IncidentContext};
pub use kind::Record;
pub use policy::{IncidentPolicy, ReportPolicy};
pub use record::{
    chain, verify, RecordDue, RecordEntry, RecordId, RecordKind, RecordQuery, RecordRef, RecordRow,
    RECORD_SCHEMA,
};
pub use rule::{DutyError, DutyRule};
pub use schedule::{schedule_presets, DueRule, DutySlot, DutyType, Every, ReportSchedule};
pub use stats::{DutyTally, IncidentTally};

/// The tenant document that holds the report schedules.
pub const SCHEDULES_DOC: &str = "duty.schedules";
