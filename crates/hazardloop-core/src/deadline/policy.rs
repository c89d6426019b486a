//! The deadline policy: the due rules of each grade, by colour, and for supervised closing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ClockKind, DueRule};
use crate::calendar::{Calendar, Reckoning, Span};
use crate::model::{Grade, InputError, RiskColour};

/// The deadline rules of one grade.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeDeadlines {
    /// Register after discovery.
    pub register: DueRule,
    /// Report after registration.
    pub report: DueRule,
    /// Plan after the report; `None` when no plan clock runs (general hazards).
    #[serde(default)]
    pub plan: Option<DueRule>,
    /// Rectify after registration, when registration gives no date.
    pub rectify: DueRule,
    /// Accept after completion.
    pub accept: DueRule,
    /// Close after acceptance.
    pub close: DueRule,
    /// Archive after closing or dismissal.
    pub archive: DueRule,
}

/// All deadline rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlinePolicy {
    /// General hazards.
    pub general: GradeDeadlines,
    /// Major hazards.
    pub major: GradeDeadlines,
    /// Rectification by colour, overriding the grade's default when registration gives no date.
    #[serde(default)]
    pub rectify_by_colour: BTreeMap<RiskColour, DueRule>,
    /// Bureau check and closing (核销) of a supervised major hazard after acceptance.
    pub supervised_close: DueRule,
    /// How long before the deadline an extension must be requested.
    pub extension_notice: Span,
}

impl Default for DeadlinePolicy {
    /// DOMAIN.md's numbers: register the same working day; report the same working day (a major
    /// hazard in writing within 2 hours); plan of a major hazard within 3 working days; general
    /// rectification within 5 working days; acceptance within 2 working days; archive within the
    /// month; supervised closing within 10 days; extension asked at least a working day ahead.
    fn default() -> Self {
        let wd = |n| DueRule::After(Span::working_days(n));
        DeadlinePolicy {
            general: GradeDeadlines {
                register: wd(0),
                report: wd(0),
                plan: None,
                rectify: wd(5),
                accept: wd(2),
                close: wd(2),
                archive: DueRule::MonthEnd,
            },
            major: GradeDeadlines {
                register: wd(0),
                report: DueRule::After(Span::hours(2)),
                plan: Some(wd(3)),
                rectify: wd(20),
                accept: wd(2),
                close: wd(2),
                archive: DueRule::MonthEnd,
            },
            rectify_by_colour: BTreeMap::new(),
            supervised_close: DueRule::After(Span::days(10)),
            extension_notice: Span::working_days(1),
        }
    }
}

impl DeadlinePolicy {
    /// The rules of `grade`.
    pub fn of(&self, grade: Grade) -> &GradeDeadlines {
        match grade {
            Grade::General => &self.general,
            Grade::Major => &self.major,
        }
    }

    /// The policy's rule for `kind` on a hazard of `grade` (`close_by` of a supervised major
    /// hazard: `supervised_close`); `None` where the grade runs no such clock. `rectify_by`
    /// comes from [`DeadlinePolicy::rectify`], which also reads the colour.
    pub fn rule(&self, kind: ClockKind, grade: Grade, supervised: bool) -> Option<DueRule> {
        let g = self.of(grade);
        match kind {
            ClockKind::Register => Some(g.register),
            ClockKind::Report => Some(g.report),
            ClockKind::Plan => g.plan,
            ClockKind::Rectify => Some(g.rectify),
            ClockKind::Accept => Some(g.accept),
            ClockKind::Close if supervised => Some(self.supervised_close),
            ClockKind::Close => Some(g.close),
            ClockKind::Archive => Some(g.archive),
        }
    }

    /// The default rectification deadline for a registration at `at`.
    pub fn rectify(
        &self,
        calendar: &Calendar,
        grade: Grade,
        colour: RiskColour,
        at: DateTime<Utc>,
    ) -> DateTime<Utc> {
        self.rectify_reckoned(calendar, grade, colour, at).at
    }

    /// [`DeadlinePolicy::rectify`] with whether the deadline is provisional ([`DueRule::reckon`]).
    pub fn rectify_reckoned(
        &self,
        calendar: &Calendar,
        grade: Grade,
        colour: RiskColour,
        at: DateTime<Utc>,
    ) -> Reckoning {
        let rule = self.rectify_by_colour.get(&colour).unwrap_or(&self.of(grade).rectify);
        rule.reckon(calendar, at)
    }

    /// Validates every rule; errors name `deadlines.major.rectify`.
    pub fn validate(&self) -> Result<(), InputError> {
        for (name, g) in [("general", &self.general), ("major", &self.major)] {
            let rules = [
                ("register", Some(g.register)),
                ("report", Some(g.report)),
                ("plan", g.plan),
                ("rectify", Some(g.rectify)),
                ("accept", Some(g.accept)),
                ("close", Some(g.close)),
                ("archive", Some(g.archive)),
            ];
            for (field, rule) in rules {
                if let Some(rule) = rule {
                    rule.validate(&format!("deadlines.{name}.{field}"))?;
                }
            }
            if let DueRule::After(span) = g.rectify {
                if span.amount <= 0 {
                    return Err(InputError::Malformed {
                        field: format!("deadlines.{name}.rectify"),
                        reason: "must be positive".into(),
                    });
                }
            }
        }
        for (colour, rule) in &self.rectify_by_colour {
            rule.validate(&format!(
                "deadlines.rectify_by_colour.{}",
                crate::model::code_of(colour)
            ))?;
        }
        self.supervised_close.validate("deadlines.supervised_close")?;
        if self.extension_notice.amount < 0 {
            return Err(InputError::Malformed {
                field: "deadlines.extension_notice".into(),
                reason: "must not be negative".into(),
            });
        }
        Ok(())
    }
}
