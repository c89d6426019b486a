//! Escalation ladders (督办升级): rungs at offsets from a due time, each firing once per clock.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, Span, SpanUnit};
use crate::deadline::{ClockKind, Deadlines};
use crate::model::{named_enum, Grade, InputError};

/// What a rung does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 提醒: a reminder before the deadline.
    Remind,
    /// 逾期通知: the deadline has passed.
    Overdue,
    /// 督办函: a supervision letter from the bureau.
    SupervisionLetter,
    /// 约谈: a summons of the responsible head.
    Summons,
    /// 通报: a circulated notice.
    Circular,
}

named_enum!(Action {
    Remind => ("到期提醒", "reminder"),
    Overdue => ("逾期通知", "overdue notice"),
    SupervisionLetter => ("督办函", "supervision letter"),
    Summons => ("约谈", "summons"),
    Circular => ("通报", "circular"),
});

impl Action {
    /// Every action, in ladder order.
    pub const ALL: [Action; 5] = [
        Action::Remind,
        Action::Overdue,
        Action::SupervisionLetter,
        Action::Summons,
        Action::Circular,
    ];
}

/// Who a rung notifies, relative to the hazard's unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// The hazard's assignee (责任人).
    Assignee,
    /// The head of the responsible unit (责任部门负责人).
    UnitHead,
    /// The school safety office (学校安全管理部门).
    SafetyOffice,
    /// The principal (校长, 第一责任人).
    Principal,
    /// The bureau safety section (教育局安全科).
    BureauSafety,
}

named_enum!(Recipient {
    Assignee => ("责任人", "assignee"),
    UnitHead => ("责任部门负责人", "unit head"),
    SafetyOffice => ("学校安全管理部门", "school safety office"),
    Principal => ("校长", "principal"),
    BureauSafety => ("教育局安全科", "bureau safety section"),
});

/// One rung: at `offset` from the due time (negative = before it), do `action` to `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rung {
    /// Offset from the due time.
    pub offset: Span,
    /// What to do.
    pub action: Action,
    /// Who hears it.
    pub to: Vec<Recipient>,
}

/// A ladder for a clock kind and grade (`None` = any).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ladder {
    /// The clock it applies to; `None` for every clock.
    #[serde(default)]
    pub clock: Option<ClockKind>,
    /// The grade it applies to; `None` for both.
    #[serde(default)]
    pub grade: Option<Grade>,
    /// The rungs, in order of offset.
    pub rungs: Vec<Rung>,
}

/// All ladders; the most specific one matching a clock and grade applies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ladders(pub Vec<Ladder>);

impl Default for Ladders {
    /// DOMAIN.md's ladder for every clock: −1 working day remind the assignee; 0 overdue to the
    /// assignee and unit head; +1 the school safety office; +3 the principal; +5 the bureau safety
    /// section (supervision letter); +10 a summons. Accountability is raised by a person.
    fn default() -> Self {
        use Recipient::*;
        let rung = |n, action, to: &[Recipient]| Rung {
            offset: Span::working_days(n),
            action,
            to: to.to_vec(),
        };
        Ladders(vec![Ladder {
            clock: None,
            grade: None,
            rungs: vec![
                rung(-1, Action::Remind, &[Assignee]),
                rung(0, Action::Overdue, &[Assignee, UnitHead]),
                rung(1, Action::Overdue, &[SafetyOffice]),
                rung(3, Action::Overdue, &[Principal]),
                rung(5, Action::SupervisionLetter, &[BureauSafety, Principal]),
                rung(10, Action::Summons, &[BureauSafety, Principal, UnitHead]),
            ],
        }])
    }
}

impl Ladders {
    /// The ladder for `clock` and `grade`: exact match first, then by clock, then by grade, then any.
    pub fn for_clock(&self, clock: ClockKind, grade: Grade) -> Option<&Ladder> {
        let score = |l: &Ladder| match (l.clock, l.grade) {
            (Some(c), Some(g)) if c == clock && g == grade => Some(3),
            (Some(c), None) if c == clock => Some(2),
            (None, Some(g)) if g == grade => Some(1),
            (None, None) => Some(0),
            _ => None,
        };
        self.0
            .iter()
            .filter_map(|l| score(l).map(|s| (s, l)))
            .max_by_key(|(s, _)| *s)
            .map(|(_, l)| l)
    }

    /// Validates: rungs ordered by offset, each with a recipient; errors name `ladders[i].rungs[j]`.
    pub fn validate(&self, calendar: &Calendar) -> Result<(), InputError> {
        for (i, ladder) in self.0.iter().enumerate() {
            validate_rungs(&ladder.rungs, calendar, &format!("ladders[{i}].rungs"))?;
        }
        Ok(())
    }
}

/// Checks one ladder's rungs: each has a recipient and they are listed in increasing offset
/// (compared at an ordinary Monday's end of day); errors name `{field}[j]`.
pub(crate) fn validate_rungs(
    rungs: &[Rung],
    calendar: &Calendar,
    field: &str,
) -> Result<(), InputError> {
    let probe =
        calendar.end_of_day(chrono::NaiveDate::from_ymd_opt(2025, 3, 3).unwrap_or_default());
    let mut last = None;
    for (j, rung) in rungs.iter().enumerate() {
        let field = format!("{field}[{j}]");
        if rung.to.is_empty() {
            return Err(InputError::Missing { field: format!("{field}.to") });
        }
        let at = calendar.add(probe, rung.offset);
        if last.is_some_and(|l| at <= l) {
            return Err(InputError::OutOfOrder {
                field: format!("{field}.offset"),
                reason: "rungs must be listed in increasing offset".into(),
            });
        }
        last = Some(at);
    }
    Ok(())
}

/// Identifies a fired rung: which clock, which due time, which rung. A rung fires once per key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RungKey {
    /// The clock.
    pub clock: ClockKind,
    /// The due time the rung was relative to.
    pub due: DateTime<Utc>,
    /// The rung's index in its ladder.
    pub rung: u16,
}

/// A rung that fired: what it did and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fired {
    /// The action taken.
    pub action: Action,
    /// When the sweep fired it.
    pub at: DateTime<Utc>,
}

/// The rungs a hazard has fired, by key.
pub type FiredRungs = BTreeMap<RungKey, Fired>;

/// A rung due to fire (or fired, inside an `Escalated` event).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    /// Which clock, due time and rung.
    pub key: RungKey,
    /// When the rung was due to fire.
    pub fire_at: DateTime<Utc>,
    /// What it does.
    pub action: Action,
    /// Who hears it.
    pub to: Vec<Recipient>,
}

/// Every rung of every clock, with its key and firing time.
fn rungs<'a>(
    clocks: &'a Deadlines,
    grade: Grade,
    ladders: &'a Ladders,
    calendar: &'a Calendar,
) -> impl Iterator<Item = (RungKey, DateTime<Utc>, &'a Rung)> + 'a {
    clocks
        .iter()
        .filter_map(move |(clock, due)| ladders.for_clock(clock, grade).map(|l| (clock, due, l)))
        .flat_map(move |(clock, due, ladder)| {
            ladder.rungs.iter().enumerate().map(move |(i, rung)| {
                let key = RungKey { clock, due, rung: u16::try_from(i).unwrap_or(u16::MAX) };
                (key, calendar.add(due, rung.offset), rung)
            })
        })
}

/// The rungs due at `now` for one hazard's clocks, not yet in `fired`, oldest first.
///
/// A second call with the same `now` after the returned rungs were recorded in `fired` returns
/// nothing: each rung fires once per clock and due time.
pub fn plan_sweep(
    now: DateTime<Utc>,
    clocks: &Deadlines,
    grade: Grade,
    fired: &FiredRungs,
    ladders: &Ladders,
    calendar: &Calendar,
) -> Vec<Escalation> {
    let mut due: Vec<Escalation> = rungs(clocks, grade, ladders, calendar)
        .filter(|(key, fire_at, _)| *fire_at <= now && !fired.contains_key(key))
        .map(|(key, fire_at, rung)| Escalation {
            key,
            fire_at,
            action: rung.action,
            to: rung.to.clone(),
        })
        .collect();
    due.sort_by_key(|e| (e.fire_at, e.key));
    due
}

/// When the next unfired rung of these clocks fires, for scheduling the sweep.
///
/// For one due time a rung fires later the larger its offset in the same unit
/// ([`Calendar::reckon`] grows with the amount), so of each clock's unfired rungs only the one
/// with the least amount in each unit is reckoned: the same answer as the earliest of
/// [`plan_sweep`]'s rungs at the end of time, for a reckoning or two per clock instead of one
/// per rung.
pub fn next_fire(
    clocks: &Deadlines,
    grade: Grade,
    fired: &FiredRungs,
    ladders: &Ladders,
    calendar: &Calendar,
) -> Option<DateTime<Utc>> {
    let mut next: Option<DateTime<Utc>> = None;
    for (clock, due) in clocks.iter() {
        let Some(ladder) = ladders.for_clock(clock, grade) else { continue };
        let mut least: [Option<Span>; 4] = [None; 4];
        for (i, rung) in ladder.rungs.iter().enumerate() {
            let key = RungKey { clock, due, rung: u16::try_from(i).unwrap_or(u16::MAX) };
            if fired.contains_key(&key) {
                continue;
            }
            let slot = &mut least[match rung.offset.unit {
                SpanUnit::WorkingDays => 0,
                SpanUnit::CalendarDays => 1,
                SpanUnit::Hours => 2,
                SpanUnit::Minutes => 3,
            }];
            if slot.is_none_or(|s| rung.offset.amount < s.amount) {
                *slot = Some(rung.offset);
            }
        }
        for offset in least.into_iter().flatten() {
            let at = calendar.add(due, offset);
            next = Some(next.map_or(at, |n| n.min(at)));
        }
    }
    next
}
