//! The policy sections `[incidents]` and `[reports]`: the report clocks of an emergency and
//! the ladders of both kinds.

use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, Span, SpanUnit};
use crate::escalation::{Action, Recipient, Rung};
use crate::model::InputError;

/// The `[incidents]` section of the policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IncidentPolicy {
    /// The phone report is due this long after the school learned of the incident; wall-clock
    /// time (`min` or `h`). Default 30 minutes (seed 004 七(十): "30 分钟内电话口头报告").
    pub phone: Span,
    /// The brief written report is due this long after the school learned of it; wall-clock
    /// time. Default 2 hours (seed 004 七(十): "2 小时内简要书面报告"); other localities use
    /// 1, 2, 4 or 8 hours.
    pub written: Span,
    /// The ladder, at offsets from each report's due time. `assignee` is the person who
    /// opened the incident; the roles are those of the incident's unit.
    pub ladder: Vec<Rung>,
}

impl Default for IncidentPolicy {
    /// Ten minutes before a report is due remind whoever opened the incident and the safety
    /// office; when it is missed tell the principal and the bureau's safety section, once per
    /// report (seed 004 七(十): the school reports to the bureau).
    fn default() -> Self {
        use Recipient::*;
        IncidentPolicy {
            phone: Span::minutes(30),
            written: Span::hours(2),
            ladder: vec![
                Rung {
                    offset: Span::minutes(-10),
                    action: Action::Remind,
                    to: vec![Assignee, SafetyOffice],
                },
                Rung {
                    offset: Span::minutes(0),
                    action: Action::Overdue,
                    to: vec![Principal, BureauSafety],
                },
            ],
        }
    }
}

impl IncidentPolicy {
    /// Checks the spans (positive, wall-clock) and the ladder. Errors name
    /// `incidents.phone`, `incidents.written`, `incidents.ladder[i]…`.
    pub fn validate(&self, calendar: &Calendar) -> Result<(), InputError> {
        for (field, span) in [("incidents.phone", self.phone), ("incidents.written", self.written)]
        {
            if !matches!(span.unit, SpanUnit::Minutes | SpanUnit::Hours) || span.amount <= 0 {
                return Err(InputError::Malformed {
                    field: field.into(),
                    reason: format!(
                        "`{span}` must be a positive wall-clock time in `min` or `h` (a report \
                         is due by the clock, not in working time)"
                    ),
                });
            }
        }
        crate::escalation::validate_rungs(&self.ladder, calendar, "incidents.ladder")
    }
}

/// The `[reports]` section of the policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportPolicy {
    /// A duty not submitted this long after its due time is marked missed (漏报). It may
    /// still be submitted, late.
    pub missed_after: Span,
    /// The ladder, at offsets from each duty's due time. `assignee` is the duty's owner when
    /// its schedule names one; the roles are those of the duty's unit.
    pub ladder: Vec<Rung>,
}

impl Default for ReportPolicy {
    /// Three working days before the due time remind the safety office; at the due time tell
    /// the safety office and the principal it is overdue; two working days later the bureau's
    /// safety section (seed 001 五(三): "各类报表资料报送不及时的单位和个人进行严肃问责").
    /// Five working days after the due time an unsubmitted duty is missed.
    fn default() -> Self {
        use Recipient::*;
        let rung = |offset, action, to: &[Recipient]| Rung { offset, action, to: to.to_vec() };
        ReportPolicy {
            missed_after: Span::working_days(5),
            ladder: vec![
                rung(Span::working_days(-3), Action::Remind, &[Assignee, SafetyOffice]),
                rung(Span::working_days(0), Action::Overdue, &[SafetyOffice, Principal]),
                rung(Span::working_days(2), Action::Overdue, &[BureauSafety]),
            ],
        }
    }
}

impl ReportPolicy {
    /// Checks the ladder and `missed_after` (not negative). Errors name `reports.…`.
    pub fn validate(&self, calendar: &Calendar) -> Result<(), InputError> {
        if self.missed_after.amount < 0 {
            return Err(InputError::Malformed {
                field: "reports.missed_after".into(),
                reason: format!("`{}` is negative", self.missed_after),
            });
        }
        crate::escalation::validate_rungs(&self.ladder, calendar, "reports.ladder")
    }
}
