//! Incident reports (突发事件报告): an emergency is reported to the bureau by phone within
//! 30 minutes and in writing within 2 hours of the school learning of it (seed 004 七(十)),
//! then followed up until it is closed. Both reports run on wall-clock time, not working
//! time: an incident learned of at 16:50 on the Friday before a holiday has its phone report
//! due at 17:20 and its written report at 18:50 the same evening.

mod command;
mod event;
mod report;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::clock::DutyClock;
use super::record::{RecordId, RecordKind, RecordRow};
use crate::calendar::Calendar;
use crate::escalation::Rung;
use crate::model::{named_enum, PersonId, TenantId, UnitId};

pub use command::IncidentCommand;
pub use event::IncidentEvent;
pub use report::{IncidentClock, IncidentReport, ReportWay};

/// The four classes of emergency of the Emergency Response Law (突发事件应对法 第二条).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentType {
    /// 自然灾害.
    NaturalDisaster,
    /// 事故灾难 (fire, collapse, traffic, drowning, poisoning by accident…).
    Accident,
    /// 公共卫生事件 (food poisoning, epidemics).
    PublicHealth,
    /// 社会安全事件 (violence, intrusion, mass incidents).
    SocialSecurity,
}

named_enum!(IncidentType {
    NaturalDisaster => ("自然灾害", "natural disaster"),
    Accident => ("事故灾难", "accident"),
    PublicHealth => ("公共卫生事件", "public health incident"),
    SocialSecurity => ("社会安全事件", "social security incident"),
});

impl IncidentType {
    /// The code stored and typed (`accident`, …).
    pub fn code(self) -> &'static str {
        match self {
            IncidentType::NaturalDisaster => "natural_disaster",
            IncidentType::Accident => "accident",
            IncidentType::PublicHealth => "public_health",
            IncidentType::SocialSecurity => "social_security",
        }
    }
}

/// An incident as its events leave it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// The tenant.
    pub tenant: TenantId,
    /// Its id.
    pub id: RecordId,
    /// Events so far.
    pub version: u64,
    /// Where it belongs.
    pub unit: UnitId,
    /// A short title.
    pub title: String,
    /// Its class.
    pub kind: IncidentType,
    /// Where it happened.
    pub location: String,
    /// What is known.
    pub summary: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// When the school learned of it.
    pub learned_at: DateTime<Utc>,
    /// Who opened it.
    pub opened_by: PersonId,
    /// The phone report's clock.
    pub phone: DutyClock,
    /// The written report's clock.
    pub written: DutyClock,
    /// Every report made, in order.
    pub reports: Vec<IncidentReport>,
    /// Documents added on their own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
    /// When it was closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
}

impl Incident {
    /// The incident its first event opens; `None` unless it is `Opened`.
    pub fn open(tenant: TenantId, id: RecordId, event: &IncidentEvent) -> Option<Incident> {
        let IncidentEvent::Opened {
            unit,
            title,
            kind,
            location,
            summary,
            occurred_at,
            learned_at,
            by,
            phone_due,
            written_due,
        } = event
        else {
            return None;
        };
        Some(Incident {
            tenant,
            id,
            version: 1,
            unit: unit.clone(),
            title: title.clone(),
            kind: *kind,
            location: location.clone(),
            summary: summary.clone(),
            occurred_at: *occurred_at,
            learned_at: *learned_at,
            opened_by: by.clone(),
            phone: DutyClock::new(*phone_due),
            written: DutyClock::new(*written_due),
            reports: Vec::new(),
            attachments: Vec::new(),
            closed_at: None,
        })
    }

    /// Applies a later event. An `Opened` event again changes nothing but the version.
    pub fn apply(&mut self, event: &IncidentEvent) {
        self.version += 1;
        match event {
            IncidentEvent::Opened { .. } => {}
            IncidentEvent::Reported { report } => {
                match report.way {
                    ReportWay::Phone => self.phone.met_at = Some(report.at),
                    ReportWay::Written => self.written.met_at = Some(report.at),
                    ReportWay::FollowUp => {}
                }
                self.reports.push(report.clone());
            }
            IncidentEvent::Attached { uri, .. } => self.attachments.push(uri.clone()),
            IncidentEvent::Escalated { clock, rung, .. } => {
                self.clock_mut(*clock).fired.insert(*rung);
            }
            IncidentEvent::Closed { at, .. } => self.closed_at = Some(*at),
        }
    }

    /// One of its clocks.
    pub fn clock(&self, clock: IncidentClock) -> &DutyClock {
        match clock {
            IncidentClock::Phone => &self.phone,
            IncidentClock::Written => &self.written,
        }
    }

    fn clock_mut(&mut self, clock: IncidentClock) -> &mut DutyClock {
        match clock {
            IncidentClock::Phone => &mut self.phone,
            IncidentClock::Written => &mut self.written,
        }
    }

    /// Its status code: `closed`, `written_reported`, `phone_reported` or `open`.
    pub fn status(&self) -> &'static str {
        if self.closed_at.is_some() {
            "closed"
        } else if self.written.met_at.is_some() {
            "written_reported"
        } else if self.phone.met_at.is_some() {
            "phone_reported"
        } else {
            "open"
        }
    }

    /// Whether a report was late, or is overdue at `now`.
    pub fn late_at(&self, now: DateTime<Utc>) -> bool {
        [&self.phone, &self.written].iter().any(|c| c.late() || c.overdue_at(now))
    }

    /// Its row as at `now`.
    pub fn row(&self, now: DateTime<Utc>) -> RecordRow {
        RecordRow {
            tenant: self.tenant.clone(),
            kind: RecordKind::Incident,
            id: self.id.clone(),
            version: self.version,
            unit: self.unit.clone(),
            title: self.title.clone(),
            at: self.learned_at,
            status: self.status().to_owned(),
            open: self.closed_at.is_none(),
            late: self.late_at(now),
            group: Some(self.kind.code().to_owned()),
        }
    }

    /// When the sweep next has work: the next unfired rung of an unmet report; none once
    /// closed.
    pub fn next_due(&self, ladder: &[Rung], calendar: &Calendar) -> Option<DateTime<Utc>> {
        if self.closed_at.is_some() {
            return None;
        }
        [self.phone.next(ladder, calendar), self.written.next(ladder, calendar)]
            .into_iter()
            .flatten()
            .min()
    }
}

/// What the sweep writes for `incident` at `now`: each rung due and not yet fired, for each
/// report not yet made. Empty when nothing is due (so sweeping twice writes once).
pub fn sweep(
    incident: &Incident,
    now: DateTime<Utc>,
    ladder: &[Rung],
    calendar: &Calendar,
) -> Vec<IncidentEvent> {
    if incident.closed_at.is_some() {
        return Vec::new();
    }
    let mut events = Vec::new();
    for clock in [IncidentClock::Phone, IncidentClock::Written] {
        for rung in incident.clock(clock).due_rungs(ladder, calendar, now) {
            events.push(IncidentEvent::Escalated { clock, rung, at: now });
        }
    }
    events
}
