//! Issue 15's acceptance test: two engine processes on one PostgreSQL generate a 1,000-plan
//! horizon and sweep misses at the same time: every occurrence exists once and every rung fires
//! once.
//!
//! The parent sets the tenant up (a template, 1,000 plans over four units with daily, weekly,
//! half-monthly and monthly cadences), then runs this test binary twice as child processes
//! (`two_engines_child`, selected by an environment variable). Both children start on the
//! parent's word, and each generates the horizon and sweeps three times with a fixed clock a
//! working day after the horizon, when most occurrences are closed and their ladder partly due.
//! The parent then checks what the store holds against what the plans and the ladder call for.
//!
//! The sweep's leases would keep the two engines on disjoint pages, so the second engine is made
//! to ignore the first one's: the first engine's leases last a millisecond and the second's clock
//! runs one second ahead (no rung or window falls in that second), so every page the first engine
//! claimed is free to the second. Their sweeps overlap, and that nothing fires twice rests on the
//! version gate of the commits alone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::load::school;
use common::{pg_url, TestSchema};
use futures_util::stream::{self, StreamExt};
use hazardloop_core::engine::Engine;
use hazardloop_core::inspection::{
    self, preset, Cadence, InspectionPlan, Inspector, OccurrenceEvent, OccurrenceId,
    OccurrenceQuery, Plans, Window,
};
use hazardloop_core::model::PersonId;
use hazardloop_core::notify::{compose, Discard};
use hazardloop_core::org::Role;
use hazardloop_core::store::{InspectionStore, OutboxStatus, Store};
use hazardloop_postgres::{PgOptions, PgStore};
use hazardloop_testkit::{Fixture, ManualClock};

const PLANS: usize = 1_000;
const SWEEPS: usize = 3;
const CHILD_SCHEMA: &str = "HAZARDLOOP_TWO_ENGINES_SCHEMA";
const CHILD_INDEX: &str = "HAZARDLOOP_TWO_ENGINES_INDEX";

fn fixture() -> Fixture {
    school("two-engines")
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
}

/// The horizon: three working weeks, 2025-03-03 to 03-21.
fn horizon() -> (NaiveDate, NaiveDate) {
    (day(3), day(21))
}

/// Both engines' clock: Monday 2025-03-24 10:00 in Shanghai, a working day after the horizon.
fn now() -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(2025, 3, 24, 10, 0, 0).unwrap().with_timezone(&Utc)
}

/// 1,000 plans, started in the past, over the school's units: every fourth plan daily, then
/// weekly, half-monthly and monthly ones on varying working days; every fifth plan covers two
/// units; inspectors by role or by person.
fn plans(f: &Fixture) -> Plans {
    let units = [f.grid.clone(), f.logistics.clone(), f.security.clone(), f.school.clone()];
    let template = preset("daily_patrol", f.policy.matrix()).unwrap().unwrap().reference();
    let plans = (0..PLANS)
        .map(|i| {
            let n = (i / 4) as u32;
            let cadence = match i % 4 {
                0 => Cadence::WorkingDay,
                1 => Cadence::Week { day: None },
                2 => Cadence::HalfMonth { day: Some(1 + n % 8) },
                _ => Cadence::Month { day: Some(1 + n % 15) },
            };
            let mut covered = vec![units[i % 4].clone()];
            if i % 5 == 0 {
                covered.push(units[(i + 1) % 4].clone());
            }
            InspectionPlan {
                id: format!("plan-{i:04}"),
                title: format!("安全检查 {i}"),
                template: template.clone(),
                units: covered,
                location: String::new(),
                inspector: if i % 2 == 0 {
                    Inspector::Role(Role::Inspector)
                } else {
                    Inspector::Person(f.people.officer.clone())
                },
                cadence,
                window: Window::default(),
                skip_vacations: false,
                late_allowed: true,
                start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                end: None,
                source: None,
            }
        })
        .collect();
    Plans { plans }
}

/// The occurrences the plans call for in the horizon, computed from the cadences alone.
fn expected(f: &Fixture) -> BTreeSet<OccurrenceId> {
    let (from, to) = horizon();
    let mut ids = BTreeSet::new();
    for plan in plans(f).plans {
        let start = from.max(plan.start);
        let end = plan.end.map_or(to, |e| e.min(to));
        let calendar = f.policy.calendar();
        for slot in inspection::slots(&plan.cadence, &plan.window, false, calendar, start, end) {
            for unit in &plan.units {
                assert!(plan.inspector_of(&f.org, unit).is_some(), "every unit has an inspector");
                assert!(ids.insert(OccurrenceId::of(&plan.id, unit, &slot.period)), "ids unique");
            }
        }
    }
    ids
}

/// Engine `index`'s store and clock (see the module's note on the second one).
fn engine_setup(url: &str, schema: &str, index: usize) -> (PgStore, ManualClock) {
    let mut options = PgOptions::default().pool_size(4).schema(schema);
    let mut at = now();
    match index {
        0 => options.due_lease = chrono::Duration::milliseconds(1),
        _ => at += chrono::Duration::seconds(1),
    }
    (PgStore::new(url, options).unwrap(), ManualClock::new(at))
}

/// One engine process: waits for `GO` on stdin, generates the horizon (the second process in
/// two halves, so its batches differ), sweeps, and prints what it did.
#[test]
fn two_engines_child() {
    let Ok(schema) = std::env::var(CHILD_SCHEMA) else { return };
    let index: usize = std::env::var(CHILD_INDEX).unwrap().parse().unwrap();
    let url = std::env::var("HAZARDLOOP_PG_URL").unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let f = fixture();
        let (store, clock) = engine_setup(&url, &schema, index);
        store.check_schema().await.unwrap();
        let e = Engine::new(store, Discard, Arc::new(clock), f.policy.clone()).with_org(f.org);
        println!("READY");
        let mut go = String::new();
        std::io::stdin().read_line(&mut go).unwrap();
        assert_eq!(go.trim(), "GO");
        let started = Instant::now();
        let (from, to) = horizon();
        let halves =
            if index == 0 { vec![(from, to)] } else { vec![(from, day(11)), (day(12), to)] };
        let (mut considered, mut created) = (0, 0);
        for (a, b) in halves {
            let g = e.generate(&f.tenant, a, b).await.unwrap();
            considered += g.considered;
            created += g.created;
        }
        let generated = started.elapsed();
        let mut s = hazardloop_core::engine::InspectionSweepReport::default();
        for _ in 0..SWEEPS {
            let r = e.sweep_inspections().await.unwrap();
            s.occurrences += r.occurrences;
            s.missed += r.missed;
            s.fired += r.fired;
            s.messages += r.messages;
            s.conflicts += r.conflicts;
        }
        println!(
            "REPORT {considered} {created} {} {} {} {} {} {} {}",
            s.occurrences,
            s.missed,
            s.fired,
            s.messages,
            s.conflicts,
            generated.as_millis(),
            started.elapsed().as_millis()
        );
    });
}

struct Report {
    considered: usize,
    created: usize,
    examined: usize,
    conflicts: usize,
    missed: usize,
    fired: usize,
    messages: usize,
}

fn spawn(url: &str, schema: &str, index: usize) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "two_engines_child", "--nocapture", "--test-threads=1"])
        .env("HAZARDLOOP_PG_URL", url)
        .env(CHILD_SCHEMA, schema)
        .env(CHILD_INDEX, index.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// Starts both children, says `GO` once both are ready, and collects their reports.
fn run_children(url: &str, schema: &str) -> Vec<Report> {
    let mut children: Vec<Child> = (0..2).map(|i| spawn(url, schema, i)).collect();
    let (tx, rx) = std::sync::mpsc::channel::<(usize, String)>();
    let readers: Vec<_> = children
        .iter_mut()
        .enumerate()
        .map(|(i, c)| {
            let out = c.stdout.take().unwrap();
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    if tx.send((i, line)).is_err() {
                        break;
                    }
                }
            })
        })
        .collect();
    drop(tx);
    let deadline = Instant::now() + StdDuration::from_secs(180);
    let next_line = || {
        let left = deadline.saturating_duration_since(Instant::now());
        rx.recv_timeout(left).ok()
    };
    let mut ready = BTreeSet::new();
    while ready.len() < 2 {
        let Some((i, line)) = next_line() else {
            kill(&mut children);
            panic!("the children did not get ready");
        };
        // libtest may print `test two_engines_child ... ` on the same line first.
        if line.ends_with("READY") {
            ready.insert(i);
        }
    }
    for c in &mut children {
        writeln!(c.stdin.as_mut().unwrap(), "GO").unwrap();
    }
    let mut reports = BTreeMap::new();
    while reports.len() < 2 {
        let Some((i, line)) = next_line() else {
            kill(&mut children);
            panic!("the children did not report in time (or one failed: see its output)");
        };
        if let Some((_, rest)) = line.split_once("REPORT ") {
            eprintln!("engine {i}: considered, created, examined, missed, fired, messages, conflicts, generate ms, total ms: {rest}");
            let n: Vec<usize> = rest.split(' ').map(|x| x.parse().unwrap()).collect();
            let r = Report {
                considered: n[0],
                created: n[1],
                examined: n[2],
                conflicts: n[6],
                missed: n[3],
                fired: n[4],
                messages: n[5],
            };
            reports.insert(i, r);
        }
    }
    for c in &mut children {
        assert!(c.wait().unwrap().success(), "a child failed");
    }
    for r in readers {
        r.join().unwrap();
    }
    reports.into_values().collect()
}

fn kill(children: &mut [Child]) {
    for c in children {
        let _ = c.kill();
        let _ = c.wait();
    }
}

#[test]
fn two_engine_processes_generate_and_sweep_a_thousand_plans_at_once() {
    if std::env::var(CHILD_SCHEMA).is_ok() {
        return; // inside a child
    }
    let Some(url) = pg_url("two_engine_processes_generate_and_sweep_a_thousand_plans_at_once")
    else {
        return;
    };
    let started = Instant::now();
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let schema = TestSchema::new(&url);
    let f = fixture();
    let store = rt.block_on(async {
        let store = schema.migrated(8).await;
        let clock = ManualClock::new(now());
        let e = Engine::new(store.clone(), Discard, Arc::new(clock), f.policy.clone())
            .with_org(f.org.clone());
        let template = preset("daily_patrol", f.policy.matrix()).unwrap().unwrap();
        e.import_template(&f.tenant, template).await.unwrap();
        e.set_plans(&f.tenant, plans(&f)).await.unwrap();
        store
    });
    let want = expected(&f);
    eprintln!(
        "{PLANS} plans call for {} occurrences; set up in {:?}",
        want.len(),
        started.elapsed()
    );

    let running = Instant::now();
    let reports = run_children(&url, &schema.name);
    eprintln!("both engines done in {:?}", running.elapsed());
    for r in &reports {
        assert_eq!(r.considered, want.len(), "each engine considered the whole horizon");
    }
    assert_eq!(
        reports.iter().map(|r| r.created).sum::<usize>(),
        want.len(),
        "each occurrence was created by exactly one engine"
    );

    let checking = Instant::now();
    rt.block_on(check(&store, &schema, &f, &want, &reports));
    eprintln!("checked in {:?}; {:?} in all", checking.elapsed(), started.elapsed());
}

async fn check(
    store: &PgStore,
    schema: &TestSchema,
    f: &Fixture,
    want: &BTreeSet<OccurrenceId>,
    reports: &[Report],
) {
    // Every occurrence exists once.
    let rows = store.occurrences(&f.tenant, &OccurrenceQuery::default()).await.unwrap();
    let ids: BTreeSet<OccurrenceId> = rows.iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids.len(), rows.len(), "no occurrence is listed twice");
    assert_eq!(&ids, want, "the stored occurrences are those the plans call for");
    let client = store.pool().get().await.unwrap();
    let stored: i64 = client
        .query_one(&format!("SELECT count(*) FROM \"{}\".occurrences", schema.name), &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored as usize, want.len());

    // Every closed occurrence is missed once; every due rung fired once.
    let now = now();
    let policy = f.policy.inspections();
    let calendar = f.policy.calendar();
    let histories: Vec<_> = stream::iter(rows.iter())
        .map(|r| async move { (r, store.occurrence_events(&f.tenant, &r.id).await.unwrap()) })
        .buffer_unordered(8)
        .collect()
        .await;
    let (mut missed, mut fired) = (0, 0);
    let mut recipients: BTreeMap<(OccurrenceId, Option<PersonId>), usize> = BTreeMap::new();
    let outbox = {
        let mut m = store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
        m.extend(store.outbox(&f.tenant, OutboxStatus::Dead).await.unwrap());
        m
    };
    let notice = &outbox.first().expect("the sweeps wrote messages").notice;
    for (row, records) in &histories {
        assert_eq!(inspection::verify(&f.tenant, &row.id, records), Ok(()), "{}", row.id);
        let misses = records.iter().filter(|r| matches!(r.event, OccurrenceEvent::Missed { .. }));
        let should_miss = now >= row.closes;
        let ahead = now + chrono::Duration::seconds(1);
        assert_eq!(
            ahead >= row.closes,
            should_miss,
            "no window closes in the second engine's lead"
        );
        assert_eq!(
            misses.count(),
            usize::from(should_miss),
            "{} is missed once, if closed",
            row.id
        );
        missed += usize::from(should_miss);
        let mut rungs: Vec<usize> = records
            .iter()
            .filter_map(|r| match r.event {
                OccurrenceEvent::Escalated { rung, .. } => Some(rung),
                _ => None,
            })
            .collect();
        rungs.sort_unstable();
        let due_at = |at| -> Vec<usize> {
            (0..policy.ladder.len())
                .filter(|i| policy.fire_at(*i, row.due, calendar).is_some_and(|t| t <= at))
                .collect()
        };
        let due = due_at(now);
        assert_eq!(due_at(ahead), due, "no rung falls due in the second engine's lead");
        assert_eq!(rungs, due, "{}: each due rung fired exactly once", row.id);
        fired += rungs.len();
        // The messages each rung's recipients should have had.
        // Roles resolve from the inspector's own unit (the inspector's head, their school).
        let unit = f.org.person(&row.inspector).map_or(&row.unit, |p| &p.unit);
        let whom = compose::Whom { tenant: &f.tenant, unit, assignee: Some(&row.inspector) };
        for rung in &rungs {
            let to = &policy.ladder[*rung].to;
            for m in compose::address_to(&whom, &f.org, to, notice.clone(), "expected", now) {
                *recipients.entry((row.id.clone(), m.to)).or_default() += 1;
            }
        }
    }
    assert_eq!(
        missed,
        reports.iter().map(|r| r.missed).sum::<usize>(),
        "the engines' reports add up"
    );
    assert_eq!(fired, reports.iter().map(|r| r.fired).sum::<usize>());
    assert!(missed > want.len() / 2 && fired > want.len(), "the test sweeps a real backlog");

    // The outbox holds one message per (occurrence, rung, recipient), all from one sweep.
    assert_eq!(outbox.len(), reports.iter().map(|r| r.messages).sum::<usize>());
    let mut held: BTreeMap<(OccurrenceId, Option<PersonId>), usize> = BTreeMap::new();
    let mut sweeps: BTreeMap<OccurrenceId, BTreeSet<String>> = BTreeMap::new();
    for m in &outbox {
        let id = m.notice.occurrence.clone().expect("an inspection message names its occurrence");
        let sweep = m.group.rsplit_once(':').map_or(m.group.clone(), |(g, _)| g.to_owned());
        sweeps.entry(id.clone()).or_default().insert(sweep);
        *held.entry((id, m.to.clone())).or_default() += 1;
    }
    assert_eq!(held, recipients, "one message per occurrence, rung and recipient");
    assert!(
        sweeps.values().all(|s| s.len() == 1),
        "each occurrence's messages come from one sweep"
    );
    let examined: usize = reports.iter().map(|r| r.examined).sum();
    assert!(examined >= rows.len(), "the sweeps examined every due occurrence");
    eprintln!(
        "{} occurrences, {missed} missed, {fired} rungs fired, {} messages; the sweeps examined \
         {examined} and lost {} commits to the other engine",
        rows.len(),
        outbox.len(),
        reports.iter().map(|r| r.conflicts).sum::<usize>()
    );
}
