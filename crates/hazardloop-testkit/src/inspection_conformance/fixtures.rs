//! Fixtures of the inspection store conformance suite: scheduled occurrences on fixed days and
//! the commits that schedule them or carry their events.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hazardloop_core::chain::ChainHash;
use hazardloop_core::inspection::{
    self, Occurrence, OccurrenceEvent, OccurrenceId, OccurrenceRow, Scheduled, Slot, TemplateRef,
};
use hazardloop_core::model::{PersonId, Source, TenantId, UnitId};
use hazardloop_core::store::OccurrenceCommit;

pub(super) fn at(day: u32, hour: u32) -> DateTime<Utc> {
    let base = NaiveDate::from_ymd_opt(2026, 9, 1)
        .unwrap_or_default()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    (base + Duration::days(i64::from(day) - 1) + Duration::hours(i64::from(hour))).and_utc()
}

/// A scheduled occurrence of `plan` for `unit` on 2026-09-`day`, inspected by `inspector`.
pub fn scheduled(
    tenant: &TenantId,
    plan: &str,
    unit: &UnitId,
    day: u32,
    inspector: &PersonId,
) -> Occurrence {
    let Some(date) = NaiveDate::from_ymd_opt(2026, 9, day) else {
        panic!("2026-09-{day} is not a date")
    };
    let slot = Slot {
        period: date.format("%Y-%m-%d").to_string(),
        first_day: date,
        last_day: date,
        opens: at(day, 0),
        due: at(day, 9),
        closes: at(day + 1, 9),
    };
    let s = Scheduled {
        plan: plan.into(),
        title: "每日安全巡查".into(),
        template: TemplateRef { code: "daily_patrol".into(), version: 1 },
        unit: unit.clone(),
        location: "教学楼".into(),
        inspector: inspector.clone(),
        slot: slot.clone(),
        late_allowed: true,
        source: Source::DailyPatrol,
    };
    let id = OccurrenceId::of(plan, unit, &slot.period);
    let events = [OccurrenceEvent::Scheduled { scheduled: Box::new(s) }];
    match Occurrence::fold(id, tenant.clone(), &events) {
        Ok(o) => o,
        Err(e) => panic!("a scheduled occurrence folds: {e}"),
    }
}

/// The commit that schedules `o` (version 0 to 1).
pub fn schedule_commit(o: &Occurrence, next_due: Option<DateTime<Utc>>) -> OccurrenceCommit {
    let Some(first) = first_event(o) else { panic!("no scheduled event") };
    let events = inspection::chain(
        &o.tenant,
        &o.id,
        0,
        ChainHash::default(),
        o.scheduled.slot.opens,
        vec![first],
    );
    OccurrenceCommit {
        tenant: o.tenant.clone(),
        occurrence: o.id.clone(),
        expected_version: 0,
        events,
        state: o.clone(),
        row: OccurrenceRow::of(o),
        next_due,
        outbox: Vec::new(),
        hazards: Vec::new(),
    }
}

fn first_event(o: &Occurrence) -> Option<OccurrenceEvent> {
    Some(OccurrenceEvent::Scheduled { scheduled: Box::new(o.scheduled.clone()) })
}

/// The commit of `events` on `o` (at `head`), with `hazards`.
pub fn event_commit(
    o: &Occurrence,
    head: ChainHash,
    events: Vec<OccurrenceEvent>,
    hazards: Vec<hazardloop_core::store::Commit>,
    next_due: Option<DateTime<Utc>>,
) -> OccurrenceCommit {
    let mut state = o.clone();
    for e in &events {
        if let Err(err) = state.apply(e) {
            panic!("events apply: {err}");
        }
    }
    let records =
        inspection::chain(&o.tenant, &o.id, o.version, head, o.scheduled.slot.due, events);
    OccurrenceCommit {
        tenant: o.tenant.clone(),
        occurrence: o.id.clone(),
        expected_version: o.version,
        events: records,
        row: OccurrenceRow::of(&state),
        state,
        next_due,
        outbox: Vec::new(),
        hazards,
    }
}
