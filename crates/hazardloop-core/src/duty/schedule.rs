//! Report schedules (报告制度): which unit owes which report, meeting or letter, and when.
//! A schedule's occurrences are reckoned on the calendar: a due date that falls on a day off
//! moves to the next working day (民法典 第二百零三条: a period ending on a statutory holiday
//! ends on the first day after it), unless the schedule says its dates stand as written.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::rule::{malformed, text, DutyError};
use crate::calendar::Calendar;
use crate::model::{named_enum, InputError, PersonId, UnitId};
use crate::org::{Org, Role, UnitKind};

/// What a duty asks for.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum DutyType {
    /// A report or a table (报告、报表).
    #[default]
    Report,
    /// A meeting, held and minuted (会议纪要).
    Meeting,
    /// A signed responsibility letter (安全工作责任书).
    Letter,
}

named_enum!(DutyType {
    Report => ("报告", "report"),
    Meeting => ("会议纪要", "meeting minutes"),
    Letter => ("安全工作责任书", "responsibility letter"),
});

/// A repeating period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Every {
    /// Each quarter (`2026-Q3`).
    Quarter,
    /// Each half year (`2026-H2`).
    HalfYear,
    /// Each year (`2026`).
    Year,
}

/// When each occurrence is due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum DueRule {
    /// On these dates (a campaign's report dates); each reports on nothing in particular
    /// unless the schedule belongs to a campaign.
    Dates {
        /// The dates, in order.
        dates: Vec<NaiveDate>,
        /// When given, each occurrence reports on the days from this one to its date
        /// (a campaign's tables count from the campaign's first day).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since: Option<NaiveDate>,
    },
    /// On `day` of the `month`-th month after each period: the quarterly analysis is
    /// `{ every = "quarter", month = 1, day = 15 }` (the 15th of the month after the
    /// quarter), the annual summary `{ every = "year", month = 1, day = 31 }`.
    AfterPeriod {
        /// The period reported on.
        every: Every,
        /// Months after the period's end (1 = the first month after it).
        month: u32,
        /// The day of that month (clamped to the month's last day).
        day: u32,
    },
    /// By the last day of each period: a quarterly meeting is held within its quarter.
    EndOfPeriod {
        /// The period.
        every: Every,
    },
    /// On `day` of `month` each year, about the year it falls in: the yearly responsibility
    /// letters.
    Yearly {
        /// The month.
        month: u32,
        /// The day.
        day: u32,
    },
}

/// One unit's schedule of one report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSchedule {
    /// Its code (`quarterly-analysis`): letters, digits, `-` and `_`.
    pub code: String,
    /// What the report is called (季度安全形势分析).
    pub title: String,
    /// Report, meeting or letter.
    #[serde(default)]
    pub kind: DutyType,
    /// When each occurrence is due.
    pub due: DueRule,
    /// The units that owe it; empty: every school of the organisation.
    #[serde(default)]
    pub units: Vec<UnitId>,
    /// The person who owes it, when one is named (else the unit's safety office is told).
    #[serde(default)]
    pub owner: Option<PersonId>,
    /// The role that must sign it (the principal signs the annual summary).
    #[serde(default)]
    pub signer: Option<Role>,
    /// Whether what is submitted is the hazard statistics table (隐患问题统计表) of the
    /// occurrence's period, produced by the export crate.
    #[serde(default)]
    pub statistics: bool,
    /// Whether a due date on a day off moves to the next working day (default true).
    #[serde(default = "yes")]
    pub roll: bool,
    /// The campaign it belongs to, when a campaign made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    /// Where the duty comes from (seed and clause).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

fn yes() -> bool {
    true
}

/// One occurrence of a schedule: its key, the period it reports on and its due date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DutySlot {
    /// The period key (`2026-Q3`, `2026-H2`, `2026`, or the date for fixed dates).
    pub key: String,
    /// The days reported on (inclusive), when there is a period.
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// The due date, after rolling.
    pub due: NaiveDate,
}

/// Checks a code: 1–64 of ASCII letters, digits, `-`, `_`.
pub(crate) fn check_code(field: &str, code: &str) -> Result<(), DutyError> {
    if code.is_empty()
        || code.len() > 64
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(malformed(field, format!("`{code}` is not a code (1–64 of A–Z a–z 0–9 - _)")));
    }
    Ok(())
}

impl ReportSchedule {
    /// Checks it against `org`; errors name `{field}.…`.
    pub fn validate(&self, org: &Org, field: &str) -> Result<(), DutyError> {
        check_code(&format!("{field}.code"), &self.code)?;
        text(&format!("{field}.title"), &self.title, 200)?;
        for (i, u) in self.units.iter().enumerate() {
            if org.unit(u).is_none() {
                return Err(DutyError::Input(InputError::Unknown {
                    field: format!("{field}.units[{i}]"),
                    value: u.to_string(),
                }));
            }
        }
        if let Some(p) = &self.owner {
            if org.person(p).is_none() {
                return Err(DutyError::Input(InputError::Unknown {
                    field: format!("{field}.owner"),
                    value: p.to_string(),
                }));
            }
        }
        let due = format!("{field}.due");
        match &self.due {
            DueRule::Dates { dates, .. } => {
                if dates.is_empty() {
                    return Err(DutyError::Input(InputError::Missing {
                        field: format!("{due}.dates"),
                    }));
                }
                if dates.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(malformed(
                        &format!("{due}.dates"),
                        "dates must be in increasing order",
                    ));
                }
            }
            DueRule::AfterPeriod { month, day, .. } => {
                if !(1..=12).contains(month) {
                    return Err(malformed(&format!("{due}.month"), format!("{month} is not 1–12")));
                }
                if !(1..=31).contains(day) {
                    return Err(malformed(&format!("{due}.day"), format!("{day} is not 1–31")));
                }
            }
            DueRule::Yearly { month, day } => {
                if NaiveDate::from_ymd_opt(2024, *month, *day).is_none() {
                    return Err(malformed(&due, format!("{month}-{day} is not a date")));
                }
            }
            DueRule::EndOfPeriod { .. } => {}
        }
        Ok(())
    }

    /// The units that owe it in `org`: its own list, else every school.
    pub fn owing_units(&self, org: &Org) -> Vec<UnitId> {
        if !self.units.is_empty() {
            return self.units.clone();
        }
        org.units().filter(|u| u.kind == UnitKind::School).map(|u| u.id.clone()).collect()
    }

    /// Its occurrences whose due date (after rolling) falls within `from..=to`, in order.
    pub fn slots(&self, calendar: &Calendar, from: NaiveDate, to: NaiveDate) -> Vec<DutySlot> {
        let roll = |d: NaiveDate| if self.roll { calendar.next_working_day(d) } else { d };
        let mut out: Vec<DutySlot> = Vec::new();
        let mut push = |key: String, period, due: NaiveDate| {
            let due = roll(due);
            if (from..=to).contains(&due) {
                out.push(DutySlot { key, period, due });
            }
        };
        match &self.due {
            DueRule::Dates { dates, since } => {
                for d in dates {
                    push(d.to_string(), since.map(|s| (s, *d)), *d);
                }
            }
            DueRule::AfterPeriod { every, month, day } => {
                // Periods that end up to 12 months (+ the offset) before `to`.
                for (key, first, last) in periods(*every, from.year() - 2, to.year()) {
                    let Some(due) = day_of_month_after(last, *month, *day) else { continue };
                    push(key, Some((first, last)), due);
                }
            }
            DueRule::EndOfPeriod { every } => {
                for (key, first, last) in periods(*every, from.year() - 1, to.year()) {
                    push(key, Some((first, last)), last);
                }
            }
            DueRule::Yearly { month, day } => {
                for year in from.year() - 1..=to.year() {
                    let Some(due) = NaiveDate::from_ymd_opt(year, *month, *day) else { continue };
                    let period = year_bounds(year);
                    push(year.to_string(), period, due);
                }
            }
        }
        out.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.key.cmp(&b.key)));
        out
    }
}

fn year_bounds(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((NaiveDate::from_ymd_opt(year, 1, 1)?, NaiveDate::from_ymd_opt(year, 12, 31)?))
}

/// The periods of `every` in the years `from..=to`: (key, first day, last day).
fn periods(every: Every, from: i32, to: i32) -> Vec<(String, NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    for year in from..=to {
        let (n, months, tag): (u32, u32, &str) = match every {
            Every::Quarter => (4, 3, "Q"),
            Every::HalfYear => (2, 6, "H"),
            Every::Year => (1, 12, ""),
        };
        for i in 0..n {
            let first_month = i * months + 1;
            let Some(first) = NaiveDate::from_ymd_opt(year, first_month, 1) else { continue };
            let Some(last) =
                first.checked_add_months(chrono::Months::new(months)).and_then(|d| d.pred_opt())
            else {
                continue;
            };
            let key =
                if tag.is_empty() { year.to_string() } else { format!("{year}-{tag}{}", i + 1) };
            out.push((key, first, last));
        }
    }
    out
}

/// `day` (clamped to the month's end) of the `months`-th month after `last`'s month.
fn day_of_month_after(last: NaiveDate, months: u32, day: u32) -> Option<NaiveDate> {
    let first = last.with_day(1)?.checked_add_months(chrono::Months::new(months))?;
    let end = first.checked_add_months(chrono::Months::new(1))?.pred_opt()?;
    first.with_day(day.min(end.day()))
}

/// The report duties the seeds set for every school, as schedules to adopt or adapt.
pub fn schedule_presets() -> Vec<ReportSchedule> {
    let base = |code: &str, title: &str, kind, due, source: &str| ReportSchedule {
        code: code.into(),
        title: title.into(),
        kind,
        due,
        units: Vec::new(),
        owner: None,
        signer: None,
        statistics: false,
        roll: true,
        campaign: None,
        source: Some(source.into()),
    };
    vec![
        ReportSchedule {
            statistics: true,
            ..base(
                "quarterly-analysis",
                "季度安全形势分析",
                DutyType::Report,
                DueRule::AfterPeriod { every: Every::Quarter, month: 1, day: 15 },
                "seed 000 五(一)、(三): 季度形势分析，每季度末报送; DOMAIN: by the 15th of the next quarter",
            )
        },
        ReportSchedule {
            signer: Some(Role::Principal),
            statistics: true,
            ..base(
                "annual-summary",
                "年度安全工作总结",
                DutyType::Report,
                DueRule::AfterPeriod { every: Every::Year, month: 1, day: 31 },
                "seed 000 五(一): 年底形成年度安全工作总结; DOMAIN: by 31 January, signed by the principal",
            )
        },
        base(
            "quarterly-meeting",
            "工作组季度会议纪要",
            DutyType::Meeting,
            DueRule::EndOfPeriod { every: Every::Quarter },
            "seed 000 五(二): 各工作组每季度召开一次会议，形成会议纪要",
        ),
        base(
            "half-year-joint-meeting",
            "半年会商例会纪要",
            DutyType::Meeting,
            DueRule::EndOfPeriod { every: Every::HalfYear },
            "seed 000 五(二): 领导小组办公室每半年召集会商例会",
        ),
        ReportSchedule {
            signer: Some(Role::Principal),
            ..base(
                "responsibility-letter",
                "年度安全工作责任书",
                DutyType::Letter,
                DueRule::Yearly { month: 3, day: 31 },
                "seed 004 (八): 年度与各级各类学校签订安全工作责任书 (the seed names no date: 31 March is this preset's choice)",
            )
        },
    ]
}
