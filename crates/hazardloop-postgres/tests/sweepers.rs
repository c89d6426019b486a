//! Three engine processes (three stores, three pools) sweep one database holding 10 000 due
//! clocks at once: every rung fires exactly once, nothing deadlocks, nothing fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use common::load::{load, school};
use common::{pg_url, TestSchema};
use hazardloop_core::engine::Engine;
use hazardloop_core::escalation::plan_sweep;
use hazardloop_core::model::Grade;
use hazardloop_core::notify::Discard;
use hazardloop_core::workflow::StageKind;
use hazardloop_testkit::ManualClock;

const TENANTS: usize = 4;
const PER_TENANT: usize = 2_500;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_sweepers_fire_every_rung_of_ten_thousand_clocks_exactly_once() {
    let Some(url) = pg_url("three_sweepers_fire_every_rung_of_ten_thousand_clocks_exactly_once")
    else {
        return;
    };
    let schema = TestSchema::new(&url);
    let loader = schema.migrated(16).await;
    let schools: Vec<_> = (0..TENANTS).map(|i| school(&format!("school-{i}"))).collect();
    let started = Instant::now();
    let mut template = None;
    for f in &schools {
        template = Some(load(&loader, f, StageKind::Treating, PER_TENANT, 32).await);
    }
    let template = template.unwrap();
    eprintln!("loaded {} hazards in {:?}", TENANTS * PER_TENANT, started.elapsed());

    // Forty days on, every hazard's whole ladder is due.
    let f = &schools[0];
    let now = f.start + Duration::days(40);
    let per_hazard = plan_sweep(
        now,
        &template.clocks,
        Grade::General,
        &template.fired,
        f.policy.ladders(),
        f.policy.calendar(),
    )
    .len();
    assert!(per_hazard > 1, "the sample hazard has several rungs due");
    let expected = per_hazard * TENANTS * PER_TENANT;

    let clock = ManualClock::new(now);
    let engines: Vec<_> = (0..3)
        .map(|_| {
            let mut e =
                Engine::new(schema.store(4), Discard, Arc::new(clock.clone()), f.policy.clone());
            for s in &schools {
                e = e.with_org(s.org.clone());
            }
            Arc::new(e)
        })
        .collect();
    let started = Instant::now();
    let tasks: Vec<_> = engines
        .iter()
        .map(|e| {
            let e = e.clone();
            tokio::spawn(async move { e.sweep().await })
        })
        .collect();
    let results =
        tokio::time::timeout(StdDuration::from_secs(540), futures_util::future::join_all(tasks))
            .await
            .expect("the sweepers finish (no deadlock)");
    let reports: Vec<_> = results.into_iter().map(|r| r.unwrap().expect("sweep")).collect();
    eprintln!("three sweeps took {:?}: {reports:?}", started.elapsed());
    let fired: usize = reports.iter().map(|r| r.fired).sum();
    assert_eq!(fired, expected, "the sweepers together fired every rung once");
    let examined: usize = reports.iter().map(|r| r.hazards).sum();
    eprintln!(
        "hazards examined {examined} for {} due (overlap {:.1} %)",
        TENANTS * PER_TENANT,
        100.0 * (examined as f64 / (TENANTS * PER_TENANT) as f64 - 1.0)
    );

    let client = loader.pool().get().await.unwrap();
    let s = &schema.name;
    let count = |sql: String| {
        let client = &client;
        async move { client.query_one(&sql, &[]).await.unwrap().get::<_, i64>(0) }
    };
    let escalated = format!(
        "SELECT tenant_id, hazard_id, record->'event'->'escalation'->'key' AS rung
         FROM \"{s}\".events WHERE record->'event'->>'type' = 'escalated'"
    );
    assert_eq!(count(format!("SELECT count(*) FROM ({escalated}) e")).await as usize, expected);
    let duplicates = count(format!(
        "SELECT count(*) FROM (SELECT rung::text, tenant_id, hazard_id FROM ({escalated}) e
         GROUP BY 1, 2, 3 HAVING count(*) > 1) d"
    ))
    .await;
    assert_eq!(duplicates, 0, "no (hazard, clock, due, rung) fired twice");
    let uneven = count(format!(
        "SELECT count(*) FROM (SELECT tenant_id, hazard_id, count(*) AS n FROM ({escalated}) e
         GROUP BY 1, 2) h WHERE n <> {per_hazard}"
    ))
    .await;
    assert_eq!(uneven, 0, "every hazard fired its whole due ladder");

    // Nothing is left to fire.
    let again = engines[0].sweep().await.unwrap();
    assert_eq!(again.fired, 0, "a later sweep fires nothing");
}
