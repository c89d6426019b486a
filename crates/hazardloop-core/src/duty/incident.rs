//! Incident reports (突发事件报告): an emergency is reported to the bureau by phone within
//! 30 minutes and in writing within 2 hours of the school learning of it (seed 004 七(十)),
//! then followed up until it is closed. Both reports run on wall-clock time, not working
//! time: an incident learned of at 16:50 on the Friday before a holiday has its phone report
//! due at 17:20 and its written report at 18:50 the same evening.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::clock::DutyClock;
use super::record::{RecordId, RecordKind, RecordRow};
use crate::calendar::Calendar;
use crate::escalation::Rung;
use crate::model::{named_enum, PersonId, TenantId, UnitId};

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

/// The two reports with a deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentClock {
    /// The phone report (电话口头报告).
    Phone,
    /// The brief written report (简要书面报告).
    Written,
}

named_enum!(IncidentClock {
    Phone => ("电话报告", "phone report"),
    Written => ("书面报告", "written report"),
});

/// How a report was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportWay {
    /// By phone.
    Phone,
    /// In writing.
    Written,
    /// A follow-up report (续报).
    FollowUp,
}

named_enum!(ReportWay {
    Phone => ("电话报告", "phone report"),
    Written => ("书面报告", "written report"),
    FollowUp => ("续报", "follow-up report"),
});

/// One report made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentReport {
    /// How.
    pub way: ReportWay,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// Who made it.
    pub by: PersonId,
    /// Whom it went to (the bureau's duty office, a named officer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// What it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Documents (URIs of the host's document store).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
}

/// What happens to an incident, in its chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum IncidentEvent {
    /// The school learned of it; both report clocks start.
    Opened {
        /// Where it belongs.
        unit: UnitId,
        /// A short title.
        title: String,
        /// Its class.
        kind: IncidentType,
        /// Where it happened.
        location: String,
        /// What is known.
        summary: String,
        /// When it happened.
        occurred_at: DateTime<Utc>,
        /// When the school learned of it: the clocks run from here.
        learned_at: DateTime<Utc>,
        /// Who opened it.
        by: PersonId,
        /// When the phone report is due.
        phone_due: DateTime<Utc>,
        /// When the written report is due.
        written_due: DateTime<Utc>,
    },
    /// A report was made.
    Reported {
        /// The report.
        report: IncidentReport,
    },
    /// A document was added.
    Attached {
        /// Who added it.
        by: PersonId,
        /// Where it is.
        uri: String,
    },
    /// A rung of the ladder fired for a report that is due or missed.
    Escalated {
        /// Which report.
        clock: IncidentClock,
        /// The rung (index into `[incidents] ladder`).
        rung: usize,
        /// When.
        at: DateTime<Utc>,
    },
    /// The incident was closed.
    Closed {
        /// When.
        at: DateTime<Utc>,
        /// Who closed it.
        by: PersonId,
        /// Why, or how it ended.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
}

/// A command on an incident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum IncidentCommand {
    /// Open an incident the school has learned of.
    Open {
        /// The unit (the school, or a unit in it).
        unit: UnitId,
        /// A short title (at most 200 characters).
        title: String,
        /// Its class.
        kind: IncidentType,
        /// Where it happened.
        #[serde(default)]
        location: String,
        /// What is known (at most 4,000 characters).
        #[serde(default)]
        summary: String,
        /// When it happened; not after `learned_at`.
        occurred_at: DateTime<Utc>,
        /// When the school learned of it; defaults to now; not in the future.
        #[serde(default)]
        learned_at: Option<DateTime<Utc>>,
    },
    /// The phone report was made.
    PhoneReport {
        /// When; defaults to now.
        #[serde(default)]
        at: Option<DateTime<Utc>>,
        /// Whom it went to.
        to: String,
        /// What was said.
        #[serde(default)]
        note: Option<String>,
    },
    /// The brief written report was sent.
    WrittenReport {
        /// When; defaults to now.
        #[serde(default)]
        at: Option<DateTime<Utc>>,
        /// What it said.
        #[serde(default)]
        note: Option<String>,
        /// The report and its annexes (URIs).
        #[serde(default)]
        attachments: Vec<String>,
    },
    /// A follow-up report (续报).
    FollowUp {
        /// When; defaults to now.
        #[serde(default)]
        at: Option<DateTime<Utc>>,
        /// What it said.
        note: String,
        /// Documents (URIs).
        #[serde(default)]
        attachments: Vec<String>,
    },
    /// Add a document.
    Attach {
        /// Where it is.
        uri: String,
    },
    /// Close the incident.
    Close {
        /// How it ended.
        #[serde(default)]
        note: Option<String>,
    },
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
