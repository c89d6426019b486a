//! The scheduler keeps time: a hazard under treatment, a manual clock stepped one tick (60 s)
//! at a time, a `Scheduler::tick` each tick; every rung of the default ladder fires within one
//! tick after its instant and exactly once, also across a restart of the service halfway.
//!
//! The instants are computed here from the hazard's clocks, the policy's ladder and calendar
//! (`Ladders::for_clock`, `Calendar::add`), not taken from the engine's sweep. The loop is
//! minute by minute from the start to three working days after the summons (about 35 000 ticks,
//! a few seconds): `instant <= fired_at < instant + 60 s`, and no rung fires at any other tick.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::deadline::ClockKind;
use hazardloop_core::engine::Request;
use hazardloop_core::escalation::RungKey;
use hazardloop_core::model::Grade;
use hazardloop_core::notify::Discard;
use hazardloop_core::store::{Store, ORG_DOC};
use hazardloop_core::workflow::{Event, Step};
use hazardloop_server::{Scheduler, ServerConfig, Service};
use hazardloop_sqlite::SqliteStore;
use hazardloop_testkit::{Fixture, ManualClock};

/// A rung's recorded instant and when it fired.
type Fire = (DateTime<Utc>, DateTime<Utc>);

const TICK: Duration = Duration::seconds(60);

async fn service(path: &Path, f: &Fixture, clock: &Arc<ManualClock>) -> Arc<Service<SqliteStore>> {
    let store = SqliteStore::open(path).unwrap();
    let config =
        ServerConfig { tenants: vec![f.tenant.as_str().to_string()], ..ServerConfig::default() };
    Arc::new(Service::new(Arc::new(store), config, clock.clone(), Arc::new(Discard)).await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rung_fires_within_a_tick_of_its_instant_exactly_once_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let f = Fixture::school();
    {
        let store = SqliteStore::open(&path).unwrap();
        store.migrate().unwrap();
        let org = serde_json::to_string(&f.org.to_config()).unwrap();
        store.put_document(&f.tenant, ORG_DOC, &org).await.unwrap();
    }
    let clock = Arc::new(ManualClock::new(f.start));
    let mut svc = service(&path, &f, &clock).await;

    // Discover, register, report, start treatment due on the registered rectification deadline.
    let engine = svc.engine();
    let mut id = None;
    for step in [Step::Discover, Step::Register, Step::Report] {
        let current = match id {
            Some(i) => Some(engine.hazard(&f.tenant, i).await.unwrap().hazard),
            None => None,
        };
        let actor = f.actor_for(step, current.as_ref());
        let command = f.command_for(step, Grade::General, clock_now(&clock));
        id = Some(engine.execute(&actor, Request::to(id, command)).await.unwrap().hazard);
    }
    let id = id.unwrap();
    let h = engine.hazard(&f.tenant, id).await.unwrap().hazard;
    let due = h.clocks.get(ClockKind::Rectify).expect("a rectification deadline after reporting");
    let start = f.start_treatment(Grade::General, due);
    let actor = f.actor_for(Step::StartTreatment, Some(&h));
    engine.execute(&actor, Request::on(id, start)).await.unwrap();
    let h = engine.hazard(&f.tenant, id).await.unwrap().hazard;
    assert!(h.fired.is_empty(), "nothing fired before the loop");

    // Every rung of every running clock, with its instant, computed from the ladder.
    let policy = engine.policy();
    let mut expected: BTreeMap<RungKey, DateTime<Utc>> = BTreeMap::new();
    for (kind, due) in h.clocks.iter() {
        let ladder = policy.ladders().for_clock(kind, Grade::General).expect("a ladder");
        for (i, rung) in ladder.rungs.iter().enumerate() {
            let key = RungKey { clock: kind, due, rung: u16::try_from(i).unwrap() };
            expected.insert(key, policy.calendar().add(due, rung.offset));
        }
    }
    drop(engine);
    assert!(expected.len() >= 6, "the default ladder has six rungs: {expected:?}");
    let last = *expected.values().max().unwrap();
    let end = policy_add_working_days(&svc, last, 3);
    eprintln!("hazard {id}: {} rungs, {:?} .. {last}; looping to {end}", expected.len(), f.start);

    let mut fired_at: BTreeMap<RungKey, Vec<DateTime<Utc>>> = BTreeMap::new();
    let mut ticks = 0usize;
    let mut restarted = false;
    let mut t = clock_now(&clock);
    while t <= end {
        t += TICK;
        clock.set(t);
        let tick = Scheduler::new(svc.clone()).tick().await.unwrap();
        ticks += 1;
        if tick.fired > 0 {
            let view = svc.engine().hazard(&f.tenant, id).await.unwrap();
            let now: Vec<RungKey> = view
                .timeline
                .iter()
                .filter_map(|r| match &r.event {
                    Event::Escalated { escalation, at } if *at == t => Some(escalation.key),
                    _ => None,
                })
                .collect();
            assert_eq!(now.len(), tick.fired, "the tick at {t} reports what it wrote");
            for key in now {
                fired_at.entry(key).or_default().push(t);
            }
        }
        // The restart: once half the rungs have fired, a new service over the same file.
        if !restarted && fired_at.len() >= expected.len() / 2 {
            restarted = true;
            assert_eq!(Arc::strong_count(&svc), 1, "nothing else holds the old service");
            drop(svc);
            svc = service(&path, &f, &clock).await;
            eprintln!("restarted at {t} after {} rungs", fired_at.len());
        }
    }
    assert!(restarted, "the service was restarted halfway");
    eprintln!("{ticks} ticks");

    // From the store, after the loop: each rung once, within a tick of its instant.
    let view = svc.engine().hazard(&f.tenant, id).await.unwrap();
    let mut stored: BTreeMap<RungKey, Vec<Fire>> = BTreeMap::new();
    for r in &view.timeline {
        if let Event::Escalated { escalation, at } = &r.event {
            stored.entry(escalation.key).or_default().push((escalation.fire_at, *at));
        }
    }
    for (key, instant) in &expected {
        let fires =
            stored.get(key).unwrap_or_else(|| panic!("rung {key:?} due {instant} never fired"));
        assert_eq!(fires.len(), 1, "rung {key:?} fired once: {fires:?}");
        let (planned, at) = fires[0];
        assert_eq!(planned, *instant, "the rung's recorded instant is the ladder's");
        assert!(
            *instant <= at && at < *instant + TICK,
            "rung {key:?} due {instant} fired at {at}: not within one tick after"
        );
        assert_eq!(fired_at[key], vec![at], "seen fired at exactly one tick");
    }
    assert_eq!(stored.len(), expected.len(), "no rung outside the ladder fired: {stored:?}");
    svc.engine().verify(&f.tenant, id).await.unwrap();
}

fn clock_now(clock: &ManualClock) -> DateTime<Utc> {
    hazardloop_core::clock::Clock::now(clock)
}

fn policy_add_working_days(svc: &Service<SqliteStore>, at: DateTime<Utc>, n: i32) -> DateTime<Utc> {
    let engine = svc.engine();
    let cal = engine.policy().calendar();
    cal.add(at, hazardloop_core::calendar::Span::working_days(n))
}
