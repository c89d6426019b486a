//! The figures of the hazard statistics table (隐患问题统计表) for a set of ledger rows over a
//! period, with each definition spelled out: these are the numbers schools mail upward.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::escalation::Action;
use crate::model::Grade;
use crate::report::LedgerRow;

/// A period as instants, `[start, end)`: see [`super::Period::bounds`].
pub type Bounds = (DateTime<Utc>, DateTime<Utc>);

/// The figures for a set of ledger rows over a period `[start, end)`.
///
/// "In the period" means `start ≤ t < end`. "At the end" means at `end`, or at the row's
/// [`LedgerRow::as_of`] if that is earlier (a period that has not finished yet is counted as it
/// stands), called the *cut-off* below. Rates are fractions from 0 to 1, `None` when their
/// denominator is zero; they are computed from the counts, so the figures of a roll-up are
/// recomputed from summed counts, never averaged.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Hazards found in the period (发现), dismissed findings included.
    pub discovered: usize,
    /// Hazards registered in the period (登记).
    pub registered: usize,
    /// Hazards found in the period and registered as major (重大隐患).
    pub major: usize,
    /// Of those found in the period, how many passed acceptance before the cut-off.
    pub discovered_rectified: usize,
    /// Of those found in the period, how many were dismissed before the cut-off (not hazards
    /// after all, or duplicates).
    pub discovered_dismissed: usize,
    /// Hazards that passed acceptance (验收合格) in the period, whenever found (整改完成).
    pub rectified: usize,
    /// Of `rectified`, those whose accepted completion was claimed no later than the
    /// rectification deadline in force ([`LedgerRow::deadline`], extensions included).
    pub rectified_on_time: usize,
    /// Hazards open at the end: found before the cut-off and neither closed (销号) nor dismissed
    /// before it. Accepted but not yet closed counts as open.
    pub open: usize,
    /// Of `open`, those overdue at the end (逾期未整改): the rectification deadline in force is
    /// before the cut-off, acceptance had not passed before it, and no pause was in force at it.
    /// Only the rectification deadline counts here, not the clocks of other steps.
    pub overdue: usize,
    /// Failed acceptance checks (返工) in the period.
    pub reworks: usize,
    /// Extensions (延期) granted in the period.
    pub extensions: usize,
    /// Escalation rungs (督办) fired in the period, by what they did.
    pub escalations: BTreeMap<Action, usize>,
    /// Rectification rate (整改率): `discovered_rectified / (discovered − discovered_dismissed)`;
    /// `None` when no hazard found in the period remains after dismissals.
    pub rectification_rate: Option<f64>,
    /// On-time rate (按期整改率): `rectified_on_time / rectified`; `None` when nothing was rectified.
    pub on_time_rate: Option<f64>,
    /// Median, over the hazards rectified in the period, of the days from discovery to passed
    /// acceptance (fractional days; with an even count, the mean of the middle two). `None` when
    /// nothing was rectified.
    pub median_days_to_rectify: Option<f64>,
}

impl Stats {
    /// The figures of `rows` over `bounds`.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a LedgerRow>, bounds: Bounds) -> Stats {
        let mut tally = Tally::default();
        for row in rows {
            tally.merge(&Tally::of_row(row, bounds));
        }
        tally.finish()
    }
}

/// The counts and the underlying durations, which add up exactly; [`Tally::finish`] derives the
/// rates and the median from them.
///
/// A store that aggregates in its own query language builds tallies with [`Tally::from_parts`];
/// [`Tally::of_row`] is the reference every such store is compared against.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    counts: Stats,
    days_to_rectify: Vec<f64>,
}

impl Tally {
    /// A tally from its counts (the rates and the median of `counts` are ignored) and the days
    /// from discovery to passed acceptance of each hazard rectified in the period, in any order.
    pub fn from_parts(counts: Stats, days_to_rectify: Vec<f64>) -> Tally {
        let counts = Stats {
            rectification_rate: None,
            on_time_rate: None,
            median_days_to_rectify: None,
            ..counts
        };
        Tally { counts, days_to_rectify }
    }

    /// The counts (rates and median left `None`; see [`Tally::finish`]).
    pub fn counts(&self) -> &Stats {
        &self.counts
    }

    /// The days from discovery to passed acceptance of the hazards rectified in the period.
    pub fn days_to_rectify(&self) -> &[f64] {
        &self.days_to_rectify
    }

    /// One row's contribution.
    pub fn of_row(row: &LedgerRow, (start, end): Bounds) -> Tally {
        let within = |t: DateTime<Utc>| start <= t && t < end;
        let count = |times: &[DateTime<Utc>]| times.iter().filter(|t| within(**t)).count();
        // What the row records at or before its `as_of` has happened; a deadline is missed only
        // once the cut-off is past it.
        let cutoff = end.min(row.as_of);
        let happened = |t: DateTime<Utc>| t < end && t <= row.as_of;
        let before_cutoff = |t: Option<DateTime<Utc>>| t.is_some_and(happened);

        let found = within(row.discovered_at);
        let rectified = row.accepted_at.is_some_and(within);
        let on_time =
            matches!((row.completed_at, row.deadline), (Some(done), Some(due)) if done <= due);
        let open = happened(row.discovered_at)
            && !before_cutoff(row.closed_at)
            && !before_cutoff(row.dismissed_at);
        let overdue = open
            && row.deadline.is_some_and(|d| d < cutoff)
            && !before_cutoff(row.accepted_at)
            && !before_cutoff(row.paused_since);

        let mut escalations = BTreeMap::new();
        for (_, action) in row.escalations.iter().filter(|(at, _)| within(*at)) {
            *escalations.entry(*action).or_insert(0) += 1;
        }
        let counts = Stats {
            discovered: usize::from(found),
            registered: usize::from(row.registered_at.is_some_and(within)),
            major: usize::from(found && row.grade == Some(Grade::Major)),
            discovered_rectified: usize::from(found && before_cutoff(row.accepted_at)),
            discovered_dismissed: usize::from(found && before_cutoff(row.dismissed_at)),
            rectified: usize::from(rectified),
            rectified_on_time: usize::from(rectified && on_time),
            open: usize::from(open),
            overdue: usize::from(overdue),
            reworks: count(&row.failed_at),
            extensions: count(&row.extensions_granted_at),
            escalations,
            ..Stats::default()
        };
        let days_to_rectify = match row.accepted_at {
            Some(accepted) if rectified => vec![days(accepted - row.discovered_at)],
            _ => Vec::new(),
        };
        Tally { counts, days_to_rectify }
    }

    /// Adds `other`'s counts and durations to these.
    pub fn merge(&mut self, other: &Tally) {
        // Destructured in full so that a new count cannot be left out of the sum.
        let Stats {
            discovered,
            registered,
            major,
            discovered_rectified,
            discovered_dismissed,
            rectified,
            rectified_on_time,
            open,
            overdue,
            reworks,
            extensions,
            escalations,
            rectification_rate: _,
            on_time_rate: _,
            median_days_to_rectify: _,
        } = &other.counts;
        let a = &mut self.counts;
        for (sum, add) in [
            (&mut a.discovered, discovered),
            (&mut a.registered, registered),
            (&mut a.major, major),
            (&mut a.discovered_rectified, discovered_rectified),
            (&mut a.discovered_dismissed, discovered_dismissed),
            (&mut a.rectified, rectified),
            (&mut a.rectified_on_time, rectified_on_time),
            (&mut a.open, open),
            (&mut a.overdue, overdue),
            (&mut a.reworks, reworks),
            (&mut a.extensions, extensions),
        ] {
            *sum += add;
        }
        for (action, n) in escalations {
            *a.escalations.entry(*action).or_insert(0) += n;
        }
        self.days_to_rectify.extend_from_slice(&other.days_to_rectify);
    }

    /// The counts with the rates and the median derived from them.
    pub fn finish(&self) -> Stats {
        let c = &self.counts;
        Stats {
            rectification_rate: ratio(
                c.discovered_rectified,
                c.discovered.saturating_sub(c.discovered_dismissed),
            ),
            on_time_rate: ratio(c.rectified_on_time, c.rectified),
            median_days_to_rectify: median(&self.days_to_rectify),
            ..c.clone()
        }
    }
}

fn days(span: chrono::TimeDelta) -> f64 {
    seconds_to_days(span.num_seconds())
}

/// Whole seconds (truncated toward zero) as fractional days, the unit of
/// [`Stats::median_days_to_rectify`]; for stores that compute the spans themselves.
pub fn seconds_to_days(seconds: i64) -> f64 {
    seconds as f64 / 86_400.0
}

fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The median; with an even count, the mean of the middle two.
fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => sorted.get(mid).copied(),
        _ => Some((sorted.get(mid - 1)? + sorted.get(mid)?) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{day, Story};

    /// Roughly the first half of March 2025 (10:00 Shanghai times keep the edges clear).
    fn h1() -> Bounds {
        (day(1), day(16))
    }

    fn fixed(found: i64) -> Story {
        Story::found("s1", day(found))
            .register(day(found), day(found + 5))
            .report(day(found))
            .treat(day(found))
    }

    #[test]
    fn median_of_even_count_is_mean_of_middle_two() {
        assert_eq!(median(&[4.0, 1.0, 10.0, 2.0]), Some(3.0));
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn rectified_counts_acceptances_in_the_period_whenever_found() {
        let rows = [
            fixed(2).complete(day(4)).pass(day(5)).row(day(20)), // found and accepted in the period
            fixed(10).complete(day(14)).pass(day(17)).row(day(20)), // accepted after it
        ];
        let s = Stats::of(&rows, h1());
        assert_eq!((s.discovered, s.rectified, s.discovered_rectified), (2, 1, 1));
        assert_eq!(s.median_days_to_rectify, Some(3.0));
        assert_eq!(s.rectification_rate, Some(0.5));
    }

    #[test]
    fn on_time_means_completed_by_the_deadline_in_force() {
        let late = fixed(2).complete(day(8)).pass(day(9)).row(day(20)); // due day 7
        let extended = fixed(2).extend(day(6), day(10)).complete(day(8)).pass(day(9)).row(day(20));
        let s = Stats::of([&late, &extended], h1());
        assert_eq!((s.rectified, s.rectified_on_time, s.on_time_rate), (2, 1, Some(0.5)));
        assert_eq!(s.extensions, 1);
    }

    #[test]
    fn open_at_end_excludes_what_was_closed_or_dismissed_before_it() {
        let rows = [
            fixed(2).complete(day(3)).pass(day(4)).close(day(5)).row(day(20)),
            fixed(2).complete(day(3)).pass(day(4)).close(day(17)).row(day(20)),
            Story::found("s1", day(3)).dismiss(day(4), "重复").row(day(20)),
            fixed(2).complete(day(3)).pass(day(4)).row(day(20)), // accepted, not closed
        ];
        assert_eq!(Stats::of(&rows, h1()).open, 2);
    }

    #[test]
    fn overdue_at_end_needs_a_passed_deadline_and_no_acceptance() {
        let rows = [
            fixed(2).row(day(20)), // due day 7, still treating
            fixed(2).complete(day(12)).pass(day(13)).row(day(20)), // accepted late, before the end
            fixed(12).row(day(20)), // due day 17, after the end
            fixed(2).pause(day(6)).row(day(20)), // paused before it fell due
        ];
        let s = Stats::of(&rows, h1());
        assert_eq!((s.open, s.overdue), (4, 1));
    }

    #[test]
    fn overdue_in_an_unfinished_period_counts_only_deadlines_already_passed() {
        let rows = [fixed(2).row(day(6)), fixed(2).row(day(8))]; // due day 7
        assert_eq!(Stats::of(&rows[..1], h1()).overdue, 0);
        assert_eq!(Stats::of(&rows[1..], h1()).overdue, 1);
    }

    #[test]
    fn a_row_taken_at_its_last_event_counts_that_event() {
        // Rows as the engine stores them: `as_of` is the time of the last commit.
        let found = Story::found("s1", day(3)).row(day(3));
        let accepted = fixed(2).complete(day(3)).pass(day(4)).row(day(4));
        let closed = fixed(2).complete(day(3)).pass(day(4)).close(day(5)).row(day(5));
        let s = Stats::of([&found], h1());
        assert_eq!((s.discovered, s.open), (1, 1), "just discovered is open");
        let s = Stats::of([&accepted], h1());
        assert_eq!((s.rectified, s.discovered_rectified, s.rectification_rate), (1, 1, Some(1.0)));
        assert_eq!(s.overdue, 0);
        assert_eq!(Stats::of([&closed], h1()).open, 0, "closed at its last event");
    }

    #[test]
    fn dismissed_findings_do_not_lower_the_rectification_rate() {
        let rows = [
            fixed(2).complete(day(3)).pass(day(4)).row(day(20)),
            Story::found("s1", day(3)).dismiss(day(4), "不是隐患").row(day(20)),
        ];
        let s = Stats::of(&rows, h1());
        assert_eq!((s.discovered, s.discovered_dismissed, s.rectification_rate), (2, 1, Some(1.0)));
    }

    #[test]
    fn rates_are_none_when_nothing_to_divide_by() {
        let s = Stats::of(&[fixed(20).row(day(25))], h1());
        assert_eq!(
            (s.discovered, s.rectification_rate, s.on_time_rate, s.median_days_to_rectify),
            (0, None, None, None)
        );
    }

    #[test]
    fn major_reworks_and_escalations_count_when_they_happened() {
        let row = Story::found("s1", day(2))
            .register_as(day(2), day(6), Grade::Major, "fire", "s1")
            .report(day(2))
            .treat(day(2))
            .complete(day(3))
            .fail(day(4), "未修好")
            .complete(day(5))
            .fail(day(17), "仍未修好")
            .escalate(day(7), Action::Overdue)
            .escalate(day(8), Action::Overdue)
            .escalate(day(18), Action::SupervisionLetter)
            .row(day(20));
        let s = Stats::of([&row], h1());
        assert_eq!((s.major, s.reworks, s.registered), (1, 1, 1));
        assert_eq!(s.escalations, BTreeMap::from([(Action::Overdue, 2)]));
    }
}
