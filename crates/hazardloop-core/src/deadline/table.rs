//! Which step starts, stops or moves which clock: one table, read by `decide`.
//!
//! A step's effect on the clocks is data here, not code in each arm of `decide`. `decide` turns
//! a row into one `DeadlinesChanged` event that names only the clocks the step stops and the
//! ones it starts or moves, with their due times; the clocks it does not touch are not repeated.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ClockKind, Deadlines};
use crate::workflow::Step;

/// Where a started or moved clock's due time comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DueFrom {
    /// The policy's rule for the clock and the hazard's grade (`deadlines.general.accept`),
    /// counted from the step (from discovery for `register_by`); a supervised major hazard's
    /// `close_by` follows `deadlines.supervised_close`. A grade without a rule for the clock
    /// (a general hazard's plan) starts nothing.
    Policy,
    /// The date the step itself carries: the registered deadline, the plan's deadline (also
    /// after a failed acceptance), the granted extension's new deadline.
    Step,
}

/// What one step does to the clocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockRule {
    /// The step.
    pub step: Step,
    /// The clocks it stops.
    pub stops: ClockSet,
    /// The clocks it starts (or moves, when already running), and where each due time comes from.
    pub starts: &'static [(ClockKind, DueFrom)],
    /// Whether it moves every running clock later by the time the clocks were paused.
    pub shifts: bool,
}

const fn rule(
    step: Step,
    stops: &[ClockKind],
    starts: &'static [(ClockKind, DueFrom)],
) -> ClockRule {
    ClockRule { step, stops: ClockSet::of(stops), starts, shifts: false }
}

use ClockKind::{Accept, Archive, Close, Plan, Rectify, Register, Report};
use DueFrom::{Policy, Step as Given};

/// The clock table of the loop. A step not listed leaves every clock as it is.
pub const CLOCK_TABLE: [ClockRule; 13] = [
    rule(Step::Discover, &[], &[(Register, Policy)]),
    // Found and fixed at once: only the acceptance check is left to run.
    rule(Step::FixOnTheSpot, &[], &[(Accept, Policy)]),
    rule(Step::Register, &[Register], &[(Report, Policy), (Rectify, Given)]),
    // The plan clock runs for a grade whose policy has one (major hazards).
    rule(Step::Report, &[Report], &[(Plan, Policy)]),
    rule(Step::StartTreatment, &[Plan], &[(Rectify, Given)]),
    rule(Step::Complete, &[Rectify], &[(Accept, Policy)]),
    rule(Step::Pass, &[Accept], &[(Close, Policy)]),
    rule(Step::Fail, &[Accept], &[(Rectify, Given)]),
    rule(Step::Close, &[Close], &[(Archive, Policy)]),
    // Clocks stop before the seal: nothing may change after it.
    rule(Step::Archive, &ClockKind::ALL, &[]),
    rule(Step::Dismiss, &ClockKind::ALL, &[(Archive, Policy)]),
    rule(Step::GrantExtension, &[], &[(Rectify, Given)]),
    ClockRule { step: Step::ResumeClock, stops: ClockSet::EMPTY, starts: &[], shifts: true },
];

/// Each step's index in [`CLOCK_TABLE`] (`u8::MAX`: the step touches no clock).
const ROW_OF_STEP: [u8; Step::Import as usize + 1] = {
    let mut rows = [u8::MAX; Step::Import as usize + 1];
    let mut i = 0;
    while i < CLOCK_TABLE.len() {
        rows[CLOCK_TABLE[i].step as usize] = i as u8;
        i += 1;
    }
    rows
};

impl ClockRule {
    /// The row of `step`, if the step touches the clocks (one lookup: every step's row index
    /// is worked out from the table when the crate is compiled).
    pub fn of(step: Step) -> Option<&'static ClockRule> {
        CLOCK_TABLE.get(usize::from(*ROW_OF_STEP.get(step as usize)?))
    }

    /// The change this row makes, given each started clock's due time (`None`: not started).
    pub fn change(
        &self,
        mut due: impl FnMut(ClockKind, DueFrom) -> Option<DateTime<Utc>>,
    ) -> DeadlineChange {
        let mut set = Deadlines::default();
        for &(kind, from) in self.starts {
            if let Some(at) = due(kind, from) {
                set.set(kind, at);
            }
        }
        DeadlineChange { stopped: self.stops, set, provisional: ClockSet::EMPTY }
    }
}

/// What a `DeadlinesChanged` event does: stop some clocks, then start or move others.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeadlineChange {
    /// The clocks stopped.
    #[serde(default, skip_serializing_if = "ClockSet::is_empty")]
    pub stopped: ClockSet,
    /// The clocks started or moved, with their due times.
    #[serde(default, skip_serializing_if = "Deadlines::is_empty")]
    pub set: Deadlines,
    /// Those of `set` whose due time is provisional: reckoned past the calendar's horizon, so
    /// a later holiday notice may move them (`DeadlineReprojected`). Absent (empty) in
    /// histories written before, which therefore hash as they did.
    #[serde(default, skip_serializing_if = "ClockSet::is_empty")]
    pub provisional: ClockSet,
}

impl DeadlineChange {
    /// Applies the change to `clocks`: the stopped ones first, then the ones set.
    pub fn apply_to(&self, clocks: &mut Deadlines) {
        for kind in self.stopped.iter() {
            clocks.clear(kind);
        }
        for (kind, at) in self.set.iter() {
            clocks.set(kind, at);
        }
    }

    /// Applies the change to the set of provisional clocks: the stopped ones and every one
    /// set leave it, then the ones set provisionally join it.
    pub fn apply_provisional(&self, provisional: &mut ClockSet) {
        let set = self.set.kinds();
        *provisional = provisional.minus(self.stopped.union(set)).union(self.provisional.meet(set));
    }

    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.stopped.is_empty() && self.set.is_empty()
    }
}

/// A set of clock kinds (a bit set; serialised as a list of clock names).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ClockSet(u8);

impl ClockSet {
    /// No clock.
    pub const EMPTY: ClockSet = ClockSet(0);

    /// The set of `kinds`.
    pub const fn of(kinds: &[ClockKind]) -> ClockSet {
        let mut bits = 0u8;
        let mut i = 0;
        while i < kinds.len() {
            bits |= 1 << kinds[i] as u8;
            i += 1;
        }
        ClockSet(bits)
    }

    /// Whether `kind` is in the set.
    pub fn contains(self, kind: ClockKind) -> bool {
        self.0 & (1 << kind as u8) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The set with `kind` added.
    pub const fn with(self, kind: ClockKind) -> ClockSet {
        ClockSet(self.0 | 1 << kind as u8)
    }

    /// The set with `kind` removed.
    pub const fn without(self, kind: ClockKind) -> ClockSet {
        ClockSet(self.0 & !(1 << kind as u8))
    }

    /// The kinds in either set.
    pub const fn union(self, other: ClockSet) -> ClockSet {
        ClockSet(self.0 | other.0)
    }

    /// The kinds in both sets.
    pub const fn meet(self, other: ClockSet) -> ClockSet {
        ClockSet(self.0 & other.0)
    }

    /// The kinds of this set that are not in `other`.
    pub const fn minus(self, other: ClockSet) -> ClockSet {
        ClockSet(self.0 & !other.0)
    }

    /// The kinds in the set, in loop order.
    pub fn iter(self) -> impl Iterator<Item = ClockKind> {
        ClockKind::ALL.into_iter().filter(move |&k| self.contains(k))
    }
}

impl fmt::Debug for ClockSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl FromIterator<ClockKind> for ClockSet {
    fn from_iter<I: IntoIterator<Item = ClockKind>>(iter: I) -> ClockSet {
        ClockSet(iter.into_iter().fold(0, |bits, k| bits | 1 << k as u8))
    }
}

impl Serialize for ClockSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for ClockSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<ClockKind>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_row_lookup_finds_each_step_s_row_and_none_for_the_others() {
        for step in Step::ALL.into_iter().chain([Step::Import]) {
            let found = CLOCK_TABLE.iter().find(|r| r.step == step);
            assert_eq!(ClockRule::of(step), found, "{step:?}");
        }
        assert_eq!(ClockRule::of(Step::Comment), None);
        assert_eq!(ClockRule::of(Step::Pass).map(|r| r.step), Some(Step::Pass));
    }

    #[test]
    fn every_step_appears_at_most_once_and_no_row_starts_what_it_stops_twice() {
        for (i, row) in CLOCK_TABLE.iter().enumerate() {
            assert!(
                CLOCK_TABLE[i + 1..].iter().all(|r| r.step != row.step),
                "{:?} twice",
                row.step
            );
            let mut started = ClockSet::EMPTY;
            for &(kind, _) in row.starts {
                assert!(!started.contains(kind), "{:?} starts {kind:?} twice", row.step);
                started = started.iter().chain([kind]).collect();
            }
        }
    }

    #[test]
    fn a_change_names_only_what_it_touches_and_round_trips() {
        let at = DateTime::from_timestamp(1_760_000_000, 0).unwrap_or_default();
        let change =
            ClockRule::of(Step::Register).map(|r| r.change(|_, _| Some(at))).unwrap_or_default();
        let json = serde_json::to_string(&change).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"stopped":["register_by"],"set":{"report_by":"2025-10-09T08:53:20Z","rectify_by":"2025-10-09T08:53:20Z"}}"#
        );
        let back: DeadlineChange = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, change);
        let mut clocks: Deadlines = [(Register, at), (Accept, at)].into_iter().collect();
        change.apply_to(&mut clocks);
        assert_eq!(clocks.iter().map(|(k, _)| k).collect::<Vec<_>>(), [Report, Rectify, Accept]);
    }
}
