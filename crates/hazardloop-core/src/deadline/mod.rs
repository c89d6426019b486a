//! Deadlines (期限): the clocks of a hazard, computed from policy by grade and colour.
//!
//! Which step starts, stops or moves which clock is one table ([`CLOCK_TABLE`]). `decide`
//! writes each step's change as a `DeadlinesChanged` event naming only the clocks it touches, so
//! folding the events gives the clocks back without the policy. Resuming after a pause shifts
//! them all; a granted extension moves `rectify_by`. (Histories written before schema 2 carry
//! `DeadlinesSet` events, each replacing every clock; they still load.)

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::model::named_enum;

mod due_rule;
mod policy;
mod reproject;
mod table;

pub use due_rule::DueRule;
pub use policy::{DeadlinePolicy, GradeDeadlines};
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

    /// The kinds of the open clocks.
    pub fn kinds(&self) -> ClockSet {
        ClockKind::ALL.into_iter().filter(|&k| self.get(k).is_some()).collect()
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
