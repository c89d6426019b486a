//! `next_fire` reckons only the least unfired offset of each unit of each clock; it must give
//! what reckoning every rung gives: the earliest of `plan_sweep`'s rungs at the end of time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use hazardloop_core::calendar::{Calendar, Span, SpanUnit};
use hazardloop_core::deadline::{ClockKind, Deadlines};
use hazardloop_core::escalation::{
    next_fire, plan_sweep, Action, Fired, FiredRungs, Ladder, Ladders, Rung, RungKey,
};
use hazardloop_core::model::Grade;
use proptest::prelude::*;

fn span() -> impl Strategy<Value = Span> {
    let unit = prop_oneof![
        Just(SpanUnit::WorkingDays),
        Just(SpanUnit::CalendarDays),
        Just(SpanUnit::Hours),
        Just(SpanUnit::Minutes),
    ];
    (unit, -15i32..30).prop_map(|(unit, amount)| Span { amount, unit })
}

fn ladder(clock: Option<ClockKind>) -> impl Strategy<Value = Ladder> {
    proptest::collection::vec(span(), 0..8).prop_map(move |offsets| Ladder {
        clock,
        grade: None,
        rungs: offsets
            .into_iter()
            .map(|offset| Rung { offset, action: Action::Overdue, to: Vec::new() })
            .collect(),
    })
}

/// The earliest unfired rung, every rung reckoned.
fn reference(
    clocks: &Deadlines,
    fired: &FiredRungs,
    ladders: &Ladders,
    cal: &Calendar,
) -> Option<DateTime<Utc>> {
    plan_sweep(DateTime::<Utc>::MAX_UTC, clocks, Grade::General, fired, ladders, cal)
        .into_iter()
        .map(|e| e.fire_at)
        .min()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn next_fire_is_the_earliest_unfired_rung(
        any_clock in ladder(None),
        close in ladder(Some(ClockKind::Close)),
        dues in proptest::collection::vec(proptest::option::of(1_700_000_000i64..1_830_000_000), 7),
        fired in proptest::collection::vec((0usize..7, 0u16..8), 0..12),
    ) {
        let cal = Calendar::china();
        let ladders = Ladders(vec![any_clock, close]);
        let mut clocks = Deadlines::default();
        for (kind, due) in ClockKind::ALL.into_iter().zip(&dues) {
            if let Some(secs) = due {
                clocks.set(kind, DateTime::from_timestamp(*secs, 0).unwrap());
            }
        }
        let mut done = FiredRungs::new();
        for (clock, rung) in fired {
            let clock = ClockKind::ALL[clock];
            if let Some(due) = clocks.get(clock) {
                done.insert(RungKey { clock, due, rung }, Fired { action: Action::Overdue, at: due });
            }
        }
        prop_assert_eq!(
            next_fire(&clocks, Grade::General, &done, &ladders, &cal),
            reference(&clocks, &done, &ladders, &cal)
        );
    }
}
