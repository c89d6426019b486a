//! Cadences on the working-day calendar: dates named one by one across Mid-Autumn and National
//! Day 2026, and properties over random cadences, calendars and horizons.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use hazardloop_core::calendar::{Calendar, CalendarConfig, HolidaySet, Term};
use hazardloop_core::inspection::{slots, Cadence, Slot, Window};
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// 17:30 in Shanghai on `date`, in UTC.
fn end_of(date: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(date.year(), date.month(), date.day(), 9, 30, 0).unwrap()
}

fn days(slots: &[Slot]) -> Vec<(NaiveDate, NaiveDate)> {
    slots.iter().map(|s| (s.first_day, s.last_day)).collect()
}

fn autumn_2026() -> Calendar {
    let cfg = CalendarConfig {
        terms: vec![Term {
            name: "2026秋季学期".into(),
            start: d(2026, 9, 1),
            end: d(2027, 1, 15),
        }],
        ..Default::default()
    };
    Calendar::from_config(&cfg).unwrap()
}

#[test]
fn half_monthly_plan_over_mid_autumn_and_national_day_2026_falls_on_named_dates() {
    let cal = autumn_2026();
    // The 2026 arrangement: 09-25..09-27 and 10-01..10-07 off; Sun 09-20 and Sat 10-10 worked.
    assert!(!cal.is_working_day(d(2026, 9, 25)) && !cal.is_working_day(d(2026, 10, 7)));
    assert!(cal.is_working_day(d(2026, 9, 20)) && cal.is_working_day(d(2026, 10, 10)));
    let window = Window::default();

    // A concentrated check any day of each half month: open from its first working day, due at
    // the end of its last.
    let whole = slots(
        &Cadence::HalfMonth { day: None },
        &window,
        true,
        &cal,
        d(2026, 9, 1),
        d(2026, 12, 31),
    );
    assert_eq!(
        days(&whole),
        [
            (d(2026, 9, 1), d(2026, 9, 15)),
            (d(2026, 9, 16), d(2026, 9, 30)),
            (d(2026, 10, 8), d(2026, 10, 15)), // National Day: the half opens on Thursday 10-08
            (d(2026, 10, 16), d(2026, 10, 30)), // 10-31 is a Saturday
            (d(2026, 11, 2), d(2026, 11, 13)),
            (d(2026, 11, 16), d(2026, 11, 30)),
            (d(2026, 12, 1), d(2026, 12, 15)),
            (d(2026, 12, 16), d(2026, 12, 31)),
        ]
    );
    let periods: Vec<&str> = whole.iter().map(|s| s.period.as_str()).collect();
    assert_eq!(periods[..3], ["2026-09-H1", "2026-09-H2", "2026-10-H1"]);
    // Due at 17:30 on 09-30; the window closes a working day later, after the holiday: 10-08.
    assert_eq!(whole[1].due, end_of(d(2026, 9, 30)));
    assert_eq!(whole[1].closes, end_of(d(2026, 10, 8)));
    assert_eq!(
        whole[1].opens,
        Utc.with_ymd_and_hms(2026, 9, 16, 0, 0, 0).unwrap(),
        "08:00 in Shanghai"
    );

    // Held on the 4th working day of each half: the adjusted Sunday 09-20 and Saturday 10-10
    // count as working days.
    let fourth = slots(
        &Cadence::HalfMonth { day: Some(4) },
        &window,
        true,
        &cal,
        d(2026, 9, 1),
        d(2026, 12, 31),
    );
    assert_eq!(
        fourth.iter().map(|s| s.first_day).collect::<Vec<_>>(),
        [
            d(2026, 9, 4),
            d(2026, 9, 20),  // 16 Wed, 17 Thu, 18 Fri, then the worked Sunday
            d(2026, 10, 12), // 8 Thu, 9 Fri, 10 Sat (worked), 12 Mon
            d(2026, 10, 21),
            d(2026, 11, 5),
            d(2026, 11, 19),
            d(2026, 12, 4),
            d(2026, 12, 21),
        ]
    );
    assert!(fourth.iter().all(|s| s.first_day == s.last_day));
    assert_eq!(fourth[1].due, end_of(d(2026, 9, 20)));
    assert_eq!(fourth[1].closes, end_of(d(2026, 9, 21)));
}

#[test]
fn working_day_patrols_skip_the_holidays_and_take_the_worked_weekend_days() {
    let cal = autumn_2026();
    let daily = slots(
        &Cadence::WorkingDay,
        &Window::default(),
        true,
        &cal,
        d(2026, 9, 24),
        d(2026, 10, 12),
    );
    assert_eq!(
        daily.iter().map(|s| s.first_day).collect::<Vec<_>>(),
        [
            d(2026, 9, 24),
            d(2026, 9, 28),
            d(2026, 9, 29),
            d(2026, 9, 30),
            d(2026, 10, 8),
            d(2026, 10, 9),
            d(2026, 10, 10),
            d(2026, 10, 12)
        ]
    );
}

#[test]
fn term_relative_and_holiday_cadences() {
    let cal = autumn_2026();
    let w = Window::default();
    let start =
        slots(&Cadence::TermStart { days: 3 }, &w, false, &cal, d(2026, 8, 1), d(2027, 2, 1));
    assert_eq!(days(&start), [(d(2026, 9, 1), d(2026, 9, 3))]);
    assert_eq!(start[0].period, "2026秋季学期/start");
    let end = slots(&Cadence::TermEnd { days: 2 }, &w, false, &cal, d(2026, 8, 1), d(2027, 2, 1));
    assert_eq!(days(&end), [(d(2027, 1, 14), d(2027, 1, 15))]);
    let mid = slots(&Cadence::MidTerm, &w, false, &cal, d(2026, 8, 1), d(2027, 2, 1));
    // The term's middle day is 2026-11-08 (Sunday): its week runs 11-02..11-06.
    assert_eq!(days(&mid), [(d(2026, 11, 2), d(2026, 11, 6))]);
    let before =
        slots(&Cadence::BeforeHoliday { days: 2 }, &w, false, &cal, d(2026, 9, 1), d(2026, 10, 31));
    // Mid-Autumn (09-25..27, from Friday) and National Day (10-01..07): the last two working
    // days before each.
    assert_eq!(days(&before), [(d(2026, 9, 23), d(2026, 9, 24)), (d(2026, 9, 29), d(2026, 9, 30))]);
    assert_eq!(before[0].period, "before-2026-09-25");
}

fn cadence() -> impl Strategy<Value = Cadence> {
    prop_oneof![
        Just(Cadence::WorkingDay),
        proptest::option::of(1u32..=7).prop_map(|day| Cadence::Week { day }),
        proptest::option::of(1u32..=16).prop_map(|day| Cadence::HalfMonth { day }),
        proptest::option::of(1u32..=31).prop_map(|day| Cadence::Month { day }),
        proptest::option::of(1u32..=60).prop_map(|day| Cadence::Quarter { day }),
        proptest::option::of(1u32..=60).prop_map(|day| Cadence::HalfYear { day }),
        (1u32..=10).prop_map(|days| Cadence::TermStart { days }),
        (1u32..=10).prop_map(|days| Cadence::TermEnd { days }),
        Just(Cadence::MidTerm),
        (1u32..=5).prop_map(|days| Cadence::BeforeHoliday { days }),
        (0i64..400, 0i64..40).prop_map(|(a, n)| {
            let from = d(2025, 1, 1) + Duration::days(a);
            Cadence::Once { from, to: from + Duration::days(n) }
        }),
    ]
}

fn calendar() -> impl Strategy<Value = Calendar> {
    (
        any::<bool>(),
        proptest::collection::btree_set(0i64..350, 0..6),
        proptest::collection::btree_set(0i64..350, 0..6),
        0i64..60,
    )
        .prop_map(|(official, closures, workdays, vacation)| {
            let day = |n: i64| d(2025, 1, 1) + Duration::days(n);
            let cfg = CalendarConfig {
                holidays: if official { HolidaySet::Cn } else { HolidaySet::None },
                extra_holidays: closures.into_iter().map(|n| day(n * 2)).collect(),
                extra_workdays: workdays.into_iter().map(|n| day(n * 2 + 1)).collect(),
                terms: vec![
                    Term { name: "2025春".into(), start: d(2025, 2, 17), end: d(2025, 7, 4) },
                    Term { name: "2025秋".into(), start: d(2025, 9, 1), end: d(2026, 1, 16) },
                    Term { name: "2026春".into(), start: d(2026, 3, 2), end: d(2026, 7, 10) },
                ],
                vacations: vec![Term {
                    name: "假期".into(),
                    start: day(vacation + 300),
                    end: day(vacation + 310),
                }],
                ..Default::default()
            };
            Calendar::from_config(&cfg).unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Generation is deterministic (so storing by period key is idempotent), keys are unique,
    /// no occurrence starts outside the horizon, every day it spans in order is an active
    /// working day, and the window is ordered.
    #[test]
    fn generated_slots_stay_in_the_plan_and_on_working_days(
        cadence in cadence(),
        cal in calendar(),
        skip in any::<bool>(),
        start in 0i64..600,
        len in 0i64..200,
    ) {
        let from = d(2025, 1, 1) + Duration::days(start);
        let to = from + Duration::days(len);
        let w = Window::default();
        let a = slots(&cadence, &w, skip, &cal, from, to);
        let b = slots(&cadence, &w, skip, &cal, from, to);
        prop_assert_eq!(&a, &b, "deterministic");
        let mut keys: Vec<&str> = a.iter().map(|s| s.period.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        prop_assert_eq!(keys.len(), a.len(), "period keys unique");
        for s in &a {
            prop_assert!(s.first_day >= from && s.first_day <= to, "{} outside {}..={}", s.first_day, from, to);
            prop_assert!(cal.is_working_day(s.first_day) && cal.is_working_day(s.last_day), "{:?}", s);
            if skip {
                prop_assert!(!cal.is_vacation(s.first_day) && !cal.is_vacation(s.last_day));
            }
            prop_assert!(s.first_day <= s.last_day);
            prop_assert!(s.opens <= s.due && s.due <= s.closes);
        }
        // A horizon split in two gives the same slots as the whole.
        let mid = from + Duration::days(len / 2);
        let mut halves = slots(&cadence, &w, skip, &cal, from, mid);
        halves.extend(slots(&cadence, &w, skip, &cal, mid + Duration::days(1), to));
        prop_assert_eq!(halves, a, "splitting the horizon changes nothing");
    }
}

mod through_the_engine {
    use super::*;
    use hazardloop_core::engine::Engine;
    use hazardloop_core::inspection::{
        InspectionPlan, Inspector, OccurrenceQuery, Plans, Template,
    };
    use hazardloop_core::notify::Discard;
    use hazardloop_core::store::MemoryStore;
    use hazardloop_testkit::{Fixture, ManualClock, SCENARIO_SHEET};
    use std::collections::BTreeSet;
    use std::sync::Arc;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Generating overlapping horizons in any order stores exactly the slots of their union,
        /// once each, never outside the plan's dates.
        #[test]
        fn generation_through_the_engine_is_idempotent_and_stays_in_the_plan(
            cadence in cadence(),
            skip in any::<bool>(),
            plan_start in 0i64..300,
            plan_len in 0i64..300,
            a in (0i64..500, 0i64..120),
            b in (0i64..500, 0i64..120),
        ) {
            let f = Fixture::school();
            let base = d(2025, 1, 1);
            let (start, end) = (base + Duration::days(plan_start), base + Duration::days(plan_start + plan_len));
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let engine = Engine::new(MemoryStore::new(), Discard, Arc::new(ManualClock::new(f.start)), f.policy.clone())
                .with_org(f.org.clone());
            let calendar = f.policy.calendar().clone();
            let window = Window::default();
            let plan = InspectionPlan {
                id: "p".into(),
                title: "计划".into(),
                template: hazardloop_core::inspection::TemplateRef { code: "scenario".into(), version: 1 },
                units: vec![f.grid.clone(), f.school.clone()],
                location: String::new(),
                inspector: Inspector::Person(f.people.inspector.clone()),
                cadence: cadence.clone(),
                window: window.clone(),
                skip_vacations: skip,
                late_allowed: true,
                start,
                end: Some(end),
                source: None,
            };
            let ranges = [a, b].map(|(s, n)| (base + Duration::days(s), base + Duration::days(s + n)));
            let stored = rt.block_on(async {
                let sheet = Template::from_toml(SCENARIO_SHEET, f.policy.matrix()).unwrap();
                engine.import_template(&f.tenant, sheet).await.unwrap();
                engine.set_plans(&f.tenant, Plans { plans: vec![plan] }).await.unwrap();
                for (from, to) in ranges.iter().chain(ranges.iter().rev()) {
                    engine.generate(&f.tenant, *from, *to).await.unwrap();
                }
                engine.occurrences(&f.tenant, &OccurrenceQuery::default()).await.unwrap()
            });
            let mut expected = BTreeSet::new();
            for (from, to) in ranges {
                for s in slots(&cadence, &window, skip, &calendar, from.max(start), to.min(end)) {
                    for unit in [&f.grid, &f.school] {
                        expected.insert(format!("p/{unit}/{}", s.period));
                    }
                }
            }
            let ids: Vec<String> = stored.iter().map(|r| r.id.to_string()).collect();
            let unique: BTreeSet<String> = ids.iter().cloned().collect();
            prop_assert_eq!(unique.len(), ids.len(), "no occurrence twice");
            prop_assert_eq!(unique, expected);
            for r in &stored {
                prop_assert!(r.first_day >= start && r.first_day <= end, "{} outside {}..={}", r.first_day, start, end);
            }
        }
    }
}
