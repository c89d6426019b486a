//! Issue 18, the calendar horizon: deadlines past the last holiday notice are reckoned with the
//! statutory holidays and marked provisional; loading the next notice re-projects them through
//! events, and no rung fires twice.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use hazardloop_core::calendar::{DateRange, HolidayFormat, HolidayNotice, HolidayYear};
use hazardloop_core::deadline::ClockKind;
use hazardloop_core::engine::{Engine, EngineError};
use hazardloop_core::model::HazardId;
use hazardloop_core::store::MemoryStore;
use hazardloop_core::workflow::{Event, Step};
use hazardloop_testkit::{Fixture, ManualClock, RecordingNotifier};

type TestEngine = Engine<Arc<MemoryStore>, RecordingNotifier>;

fn bj(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A made-up 2027 notice that gives New Year four days off, through Monday 4 January.
fn notice_2027() -> HolidayNotice {
    let text = r#"
        [[year]]
        year = 2027
        source = "测试用2027年节假日安排（虚构）"
        holidays = ["2027-01-01..2027-01-04", "2027-02-05..2027-02-11"]
        workdays = ["2027-02-20"]
    "#;
    HolidayNotice::parse(text, HolidayFormat::Toml).unwrap()
}

/// A general hazard found, registered and reported on Monday 28 December 2026 at 10:00.
async fn registered_on_28_december() -> (Fixture, ManualClock, TestEngine, HazardId) {
    let f = Fixture::school();
    let clock = ManualClock::new(bj(2026, 12, 28, 10, 0));
    let e = Engine::new(
        Arc::new(MemoryStore::new()),
        RecordingNotifier::new(),
        Arc::new(clock.clone()),
        f.policy.clone(),
    )
    .with_org(f.org.clone());
    let id = f.drive(&e, None, Step::Discover).await.unwrap();
    f.drive(&e, Some(id), Step::Register).await.unwrap();
    f.drive(&e, Some(id), Step::Report).await.unwrap();
    (f, clock, e, id)
}

#[tokio::test]
async fn deadline_past_the_horizon_counts_new_year_and_is_provisional() {
    let (f, _clock, e, id) = registered_on_28_december().await;
    assert_eq!(e.policy().calendar().horizon(), Some(date("2026-12-31")));
    let h = e.hazard(&f.tenant, id).await.unwrap().hazard;
    // 5 working days with the registration day as day 0 (DOMAIN.md: a general hazard within
    // 5 working days): Tue 29, Wed 30, Thu 31 Dec, (Fri 1 Jan 元旦 by law, weekend), Mon 4,
    // Tue 5 Jan 2027, 17:30. Weekends only would have given Mon 4 January.
    assert_eq!(h.clocks.get(ClockKind::Rectify), Some(bj(2027, 1, 5, 17, 30)));
    assert!(h.provisional.contains(ClockKind::Rectify));
    let row = &e.ledger_rows(&f.tenant, &Default::default()).await.unwrap()[0];
    assert_eq!(row.deadline, Some(bj(2027, 1, 5, 17, 30)));
    assert!(row.deadline_provisional);
}

#[tokio::test]
async fn loading_the_notice_moves_the_deadline_by_an_event_and_fires_no_rung_twice() {
    let (f, clock, mut e, id) = registered_on_28_december().await;
    // Monday 4 January 18:00: the reminder one working day before the 5 January deadline fires.
    clock.set(bj(2027, 1, 4, 18, 0));
    let before = e.sweep().await.unwrap();
    assert_eq!(before.fired, 1, "the reminder before the provisional deadline");

    let load = e.load_holidays(notice_2027()).await.unwrap();
    assert_eq!(load.years, [2027]);
    assert_eq!(load.horizon, Some(date("2027-12-31")));
    assert_eq!(load.moved.len(), 1);
    let (moved_id, moved) = load.moved[0];
    assert_eq!(moved_id, id);
    assert_eq!(
        (moved.clock, moved.from, moved.to),
        (ClockKind::Rectify, bj(2027, 1, 5, 17, 30), bj(2027, 1, 6, 17, 30))
    );
    assert!(!moved.provisional);

    let view = e.hazard(&f.tenant, id).await.unwrap();
    assert_eq!(view.hazard.clocks.get(ClockKind::Rectify), Some(bj(2027, 1, 6, 17, 30)));
    assert!(view.hazard.provisional.is_empty());
    let last = &view.timeline.last().unwrap().event;
    match last {
        Event::DeadlineReprojected { clock, from, to, provisional, reason, .. } => {
            assert_eq!(*clock, ClockKind::Rectify);
            assert_eq!(
                (*from, *to, *provisional),
                (bj(2027, 1, 5, 17, 30), bj(2027, 1, 6, 17, 30), false)
            );
            assert!(reason.contains("2027"), "{reason}");
        }
        other => panic!("expected DeadlineReprojected, got {other:?}"),
    }
    let row = &e.ledger_rows(&f.tenant, &Default::default()).await.unwrap()[0];
    assert_eq!(row.deadline, Some(bj(2027, 1, 6, 17, 30)));
    assert!(!row.deadline_provisional);

    // Tuesday 5 January 18:00 is one working day before the new deadline: the reminder already
    // fired for this clock and does not fire again.
    clock.set(bj(2027, 1, 5, 18, 0));
    assert_eq!(e.sweep().await.unwrap().fired, 0);
    // The overdue rung follows the new deadline.
    clock.set(bj(2027, 1, 6, 18, 0));
    assert!(e.sweep().await.unwrap().fired >= 1);

    // Loading the same notice again moves nothing.
    let again = e.load_holidays(notice_2027()).await.unwrap();
    assert!(again.moved.is_empty());
}

#[tokio::test]
async fn a_bad_notice_is_refused_naming_the_field_and_changes_nothing() {
    let (f, _clock, mut e, id) = registered_on_28_december().await;
    let bad = HolidayNotice {
        years: vec![HolidayYear {
            year: 2027,
            source: "bad".into(),
            holidays: vec![DateRange::day(date("2027-01-01"))],
            workdays: vec![date("2027-01-04")], // a Monday
        }],
    };
    let err = e.load_holidays(bad).await.unwrap_err();
    assert!(matches!(err, EngineError::Workflow(_)), "{err}");
    assert!(err.to_string().contains("workdays[0]"), "{err}");
    assert_eq!(e.policy().calendar().horizon(), Some(date("2026-12-31")));
    let h = e.hazard(&f.tenant, id).await.unwrap().hazard;
    assert_eq!(h.clocks.get(ClockKind::Rectify), Some(bj(2027, 1, 5, 17, 30)));
    assert!(h.provisional.contains(ClockKind::Rectify));
}
