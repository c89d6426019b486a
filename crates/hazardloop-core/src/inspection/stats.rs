//! The occurrence row (what listings, `due` and statistics read) and inspection statistics per
//! unit and period, rolled up the organisation: planned, completed, on time, late, missed,
//! excused, the completion rate and findings per inspection.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::occurrence::{Occurrence, OccurrenceId, Status};
use crate::model::{PersonId, UnitId};
use crate::org::Org;
use crate::report::Bounds;

/// An occurrence as listings and statistics see it; stores keep it beside the state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OccurrenceRow {
    /// The occurrence.
    pub id: OccurrenceId,
    /// Its plan.
    pub plan: String,
    /// The plan's title.
    pub title: String,
    /// The checklist (`daily_patrol@1`).
    pub template: String,
    /// The unit inspected.
    pub unit: UnitId,
    /// Where.
    pub location: String,
    /// The inspector now.
    pub inspector: PersonId,
    /// The first day it may be done (local).
    pub first_day: NaiveDate,
    /// Opens.
    pub opens: DateTime<Utc>,
    /// Due.
    pub due: DateTime<Utc>,
    /// Closes.
    pub closes: DateTime<Utc>,
    /// When started.
    pub started_at: Option<DateTime<Utc>>,
    /// When completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Completed after the due time.
    pub late: bool,
    /// When missed.
    pub missed_at: Option<DateTime<Utc>>,
    /// Excused by the safety office.
    pub excused: bool,
    /// Hazards raised from its findings.
    pub findings: u32,
    /// Its version.
    pub version: u64,
}

impl OccurrenceRow {
    /// The row of an occurrence.
    pub fn of(o: &Occurrence) -> OccurrenceRow {
        let slot = &o.scheduled.slot;
        OccurrenceRow {
            id: o.id.clone(),
            plan: o.scheduled.plan.clone(),
            title: o.scheduled.title.clone(),
            template: o.scheduled.template.to_string(),
            unit: o.scheduled.unit.clone(),
            location: o.scheduled.location.clone(),
            inspector: o.inspector.clone(),
            first_day: slot.first_day,
            opens: slot.opens,
            due: slot.due,
            closes: slot.closes,
            started_at: o.started_at,
            completed_at: o.completed.map(|c| c.0),
            late: o.completed.is_some_and(|c| c.1),
            missed_at: o.missed_at,
            excused: o.excused.is_some(),
            findings: u32::try_from(o.findings.len()).unwrap_or(u32::MAX),
            version: o.version,
        }
    }

    /// Where it is at `now` (the same rule as [`Occurrence::status`]).
    pub fn status(&self, now: DateTime<Utc>) -> Status {
        if self.completed_at.is_some() {
            Status::Completed
        } else if self.excused {
            Status::Excused
        } else if self.missed_at.is_some() || now >= self.closes {
            Status::Missed
        } else if now > self.due {
            Status::Overdue
        } else if self.started_at.is_some() {
            Status::InProgress
        } else {
            Status::Scheduled
        }
    }
}

/// What to list.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OccurrenceQuery {
    /// Only this inspector's.
    pub inspector: Option<PersonId>,
    /// Only these units (the engine expands a subtree).
    pub units: Option<Vec<UnitId>>,
    /// Only this plan's.
    pub plan: Option<String>,
    /// Only those due at or after.
    pub due_from: Option<DateTime<Utc>>,
    /// Only those due before.
    pub due_to: Option<DateTime<Utc>>,
    /// Rows at most (0: no limit).
    pub limit: usize,
}

impl OccurrenceQuery {
    /// Whether `row` passes: the one rule every store agrees with.
    pub fn matches(&self, row: &OccurrenceRow) -> bool {
        self.inspector.as_ref().is_none_or(|p| &row.inspector == p)
            && self.units.as_ref().is_none_or(|u| u.contains(&row.unit))
            && self.plan.as_ref().is_none_or(|p| &row.plan == p)
            && self.due_from.is_none_or(|t| row.due >= t)
            && self.due_to.is_none_or(|t| row.due < t)
    }
}

/// The figures of one unit (its own rows, or with its subtree when rolled up).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionTally {
    /// 应检: occurrences due in the period.
    pub planned: u32,
    /// 已检: completed (on time or late).
    pub completed: u32,
    /// 按时完成.
    pub on_time: u32,
    /// 逾期完成.
    pub late: u32,
    /// 漏检: missed and not excused.
    pub missed: u32,
    /// 核准免检: missed and excused.
    pub excused: u32,
    /// 进行中: not completed and the window still open.
    pub open: u32,
    /// 发现隐患: hazards raised from findings.
    pub findings: u32,
}

impl InspectionTally {
    /// Adds one row as it stands at `now`.
    pub fn add(&mut self, row: &OccurrenceRow, now: DateTime<Utc>) {
        self.planned += 1;
        self.findings += row.findings;
        match row.status(now) {
            Status::Completed if row.late => {
                self.completed += 1;
                self.late += 1;
            }
            Status::Completed => {
                self.completed += 1;
                self.on_time += 1;
            }
            Status::Missed => self.missed += 1,
            Status::Excused => self.excused += 1,
            Status::Scheduled | Status::InProgress | Status::Overdue => self.open += 1,
        }
    }

    fn merge(&mut self, other: &InspectionTally) {
        self.planned += other.planned;
        self.completed += other.completed;
        self.on_time += other.on_time;
        self.late += other.late;
        self.missed += other.missed;
        self.excused += other.excused;
        self.open += other.open;
        self.findings += other.findings;
    }

    /// 完成率: completed over those that had to be done by now (planned less excused and
    /// still open); `None` when none had to be.
    pub fn completion_rate(&self) -> Option<f64> {
        let owed = self.planned.saturating_sub(self.excused + self.open);
        (owed > 0).then(|| f64::from(self.completed) / f64::from(owed))
    }

    /// 平均发现隐患: findings per completed inspection.
    pub fn findings_per_inspection(&self) -> Option<f64> {
        (self.completed > 0).then(|| f64::from(self.findings) / f64::from(self.completed))
    }
}

/// One line of the inspection statistics table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InspectionLine {
    /// The unit.
    pub unit: UnitId,
    /// Its name.
    pub name: String,
    /// How deep it is in the organisation (0 at the top), for indenting.
    pub depth: usize,
    /// Its figures with everything below it.
    pub tally: InspectionTally,
}

/// The statistics table: a line for every unit with rows in or below it, parents before their
/// children, each rolled up over its subtree. Rows count when their due time lies in `bounds`.
pub fn statistics(
    rows: &[OccurrenceRow],
    org: &Org,
    bounds: Bounds,
    now: DateTime<Utc>,
) -> Vec<InspectionLine> {
    let mut own: BTreeMap<UnitId, InspectionTally> = BTreeMap::new();
    for row in rows.iter().filter(|r| within(bounds, r.due)) {
        own.entry(row.unit.clone()).or_default().add(row, now);
    }
    let mut lines = Vec::new();
    let roots: Vec<_> = org.units().filter(|u| u.parent.is_none()).collect();
    for root in roots {
        walk(org, &root.id, 0, &own, &mut lines);
    }
    lines
}

fn walk(
    org: &Org,
    unit: &UnitId,
    depth: usize,
    own: &BTreeMap<UnitId, InspectionTally>,
    lines: &mut Vec<InspectionLine>,
) -> InspectionTally {
    let at = lines.len();
    let mut tally = own.get(unit).cloned().unwrap_or_default();
    let name = org.unit(unit).map(|u| u.name.clone()).unwrap_or_default();
    lines.push(InspectionLine {
        unit: unit.clone(),
        name,
        depth,
        tally: InspectionTally::default(),
    });
    for child in org.children(unit) {
        let below = walk(org, &child.id, depth + 1, own, lines);
        tally.merge(&below);
    }
    if tally.planned == 0 {
        lines.truncate(at);
    } else if let Some(line) = lines.get_mut(at) {
        line.tally = tally.clone();
    }
    tally
}

/// Planned and completed per week (Monday first), for the summary's completion chart: rows
/// count in the week of their first day.
pub fn weekly(
    rows: &[OccurrenceRow],
    bounds: Bounds,
    now: DateTime<Utc>,
) -> Vec<(NaiveDate, InspectionTally)> {
    let mut weeks: BTreeMap<NaiveDate, InspectionTally> = BTreeMap::new();
    for row in rows.iter().filter(|r| within(bounds, r.due)) {
        let monday =
            row.first_day - Days::new(u64::from(row.first_day.weekday().num_days_from_monday()));
        weeks.entry(monday).or_default().add(row, now);
    }
    weeks.into_iter().collect()
}

fn within((start, end): Bounds, t: DateTime<Utc>) -> bool {
    start <= t && t < end
}
