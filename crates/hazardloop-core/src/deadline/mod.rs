//! Deadlines (期限): the clocks of a hazard, computed from policy by grade and colour.
//!
//! Which step starts, stops or moves which clock is one table ([`CLOCK_TABLE`]). `decide`
//! writes each step's change as a `DeadlinesChanged` event naming only the clocks it touches, so
//! folding the events gives the clocks back without the policy. Resuming after a pause shifts
//! them all; a granted extension moves `rectify_by`. (Histories written before schema 2 carry
//! `DeadlinesSet` events, each replacing every clock; they still load.)

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, Reckoning, Span};
use crate::model::{named_enum, Grade, InputError, RiskColour};

mod reproject;
mod table;

pub use reproject::{reproject, Reprojection};
pub use table::{ClockRule, ClockSet, DeadlineChange, DueFrom, CLOCK_TABLE};

/// The clocks a hazard can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ClockKind {
    /// 登记期限: register after discovery.
    #[serde(rename = "register_by")]
    Register,
    /// 报告期限: report after registration.
    #[serde(rename = "report_by")]
    Report,
    /// 方案期限: a major hazard's plan after the report.
    #[serde(rename = "plan_by")]
    Plan,
    /// 整改期限: rectification.
    #[serde(rename = "rectify_by")]
    Rectify,
    /// 验收期限: acceptance after completion.
    #[serde(rename = "accept_by")]
    Accept,
    /// 销号期限: closing after acceptance.
    #[serde(rename = "close_by")]
    Close,
    /// 存档期限: archiving after closing or dismissal.
    #[serde(rename = "archive_by")]
    Archive,
}

named_enum!(ClockKind {
    Register => ("登记期限", "register by"),
    Report => ("报告期限", "report by"),
    Plan => ("方案期限", "plan by"),
    Rectify => ("整改期限", "rectify by"),
    Accept => ("验收期限", "accept by"),
    Close => ("销号期限", "close by"),
    Archive => ("存档期限", "archive by"),
});

impl ClockKind {
    /// Every clock, in loop order.
    pub const ALL: [ClockKind; 7] = [
        ClockKind::Register,
        ClockKind::Report,
        ClockKind::Plan,
        ClockKind::Rectify,
        ClockKind::Accept,
        ClockKind::Close,
        ClockKind::Archive,
    ];
}

/// The open clocks of a hazard: each kind with its due time. A fixed array (no allocation);
/// serialised as a map from clock name to due time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Deadlines([Option<DateTime<Utc>>; 7]);

impl Deadlines {
    fn index(kind: ClockKind) -> usize {
        kind as usize
    }

    /// The due time of `kind`, if open.
    pub fn get(&self, kind: ClockKind) -> Option<DateTime<Utc>> {
        self.0[Deadlines::index(kind)]
    }

    /// Opens (or moves) `kind`.
    pub fn set(&mut self, kind: ClockKind, due: DateTime<Utc>) {
        self.0[Deadlines::index(kind)] = Some(due);
    }

    /// Stops `kind`.
    pub fn clear(&mut self, kind: ClockKind) {
        self.0[Deadlines::index(kind)] = None;
    }

    /// The open clocks, in loop order.
    pub fn iter(&self) -> impl Iterator<Item = (ClockKind, DateTime<Utc>)> + '_ {
        ClockKind::ALL.iter().filter_map(|&k| self.get(k).map(|d| (k, d)))
    }

    /// Whether no clock is open.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }

    /// The earliest due time.
    pub fn earliest(&self) -> Option<DateTime<Utc>> {
        self.0.iter().flatten().min().copied()
    }

    /// The clocks that are past due at `now` (overdue is derived, never stored).
    pub fn overdue(
        &self,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = (ClockKind, DateTime<Utc>)> + '_ {
        self.iter().filter(move |(_, due)| *due < now)
    }

    /// Whether any clock is past due at `now`.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.overdue(now).next().is_some()
    }

    /// Every clock moved later by `by` (after a pause).
    pub fn shifted(&self, by: Duration) -> Deadlines {
        Deadlines(self.0.map(|due| due.map(|d| d + by)))
    }
}

impl FromIterator<(ClockKind, DateTime<Utc>)> for Deadlines {
    fn from_iter<I: IntoIterator<Item = (ClockKind, DateTime<Utc>)>>(iter: I) -> Deadlines {
        let mut clocks = Deadlines::default();
        for (kind, due) in iter {
            clocks.set(kind, due);
        }
        clocks
    }
}

impl Serialize for Deadlines {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Deadlines {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<ClockKind, DateTime<Utc>>::deserialize(d)?;
        Ok(map.into_iter().collect())
    }
}

/// How a due time is computed from its start: a span, or the end of the start's month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DueRule {
    /// A span after the start (`5wd`, `2h`, `10d`).
    After(Span),
    /// The last working day of the start's month, at the end of the working day (`month_end`).
    MonthEnd,
}

impl DueRule {
    /// The due time for a start at `from`.
    pub fn due(&self, calendar: &Calendar, from: DateTime<Utc>) -> DateTime<Utc> {
        self.reckon(calendar, from).at
    }

    /// The due time for a start at `from`, and whether it is provisional: reckoned over dates
    /// past the calendar's horizon, whose 调休 no notice gives yet ([`Reckoning::fell_back`]).
    /// A provisional due time is logged once per calendar and horizon.
    pub fn reckon(&self, calendar: &Calendar, from: DateTime<Utc>) -> Reckoning {
        let reckoning = self.reckon_quietly(calendar, from);
        if reckoning.fell_back && calendar.horizon().is_some() {
            calendar.warn_provisional(reckoning.at);
        }
        reckoning
    }

    fn reckon_quietly(&self, calendar: &Calendar, from: DateTime<Utc>) -> Reckoning {
        match *self {
            DueRule::After(span) => calendar.reckon(from, span),
            DueRule::MonthEnd => {
                let date = calendar.local_date(from);
                let (y, m) = if date.month() == 12 {
                    (date.year() + 1, 1)
                } else {
                    (date.year(), date.month() + 1)
                };
                let first_next = NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(date);
                let mut last = first_next.pred_opt().unwrap_or(date);
                while !calendar.is_working_day(last) && last > date {
                    last = last.pred_opt().unwrap_or(date);
                }
                let due = calendar.end_of_day(last);
                // Closed on the month's last working day after hours: the next working day's end.
                if due <= from {
                    calendar.reckon(from, Span::working_days(0))
                } else {
                    let fell_back = !calendar.day(last).official;
                    Reckoning { at: due, fell_back }
                }
            }
        }
    }

    /// Checks a rule can serve as a deadline (positive span); errors name `field`.
    pub fn validate(&self, field: &str) -> Result<(), InputError> {
        match self {
            DueRule::After(span) if span.amount < 0 => Err(InputError::Malformed {
                field: field.into(),
                reason: "must not be negative".into(),
            }),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for DueRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DueRule::After(span) => span.fmt(f),
            DueRule::MonthEnd => f.write_str("month_end"),
        }
    }
}

impl std::str::FromStr for DueRule {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, InputError> {
        match s {
            "month_end" => Ok(DueRule::MonthEnd),
            _ => s.parse::<Span>().map(DueRule::After),
        }
    }
}

impl Serialize for DueRule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DueRule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

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
