//! Loading many hazards straight through the store, with commits built like the engine's.

#![allow(dead_code, unreachable_pub)]

use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};
use hazardloop_core::chain::ChainHash;
use hazardloop_core::escalation::next_fire;
use hazardloop_core::model::{Grade, HazardId, TenantId};
use hazardloop_core::report::LedgerRow;
use hazardloop_core::store::{Commit, Store};
use hazardloop_core::workflow::{Event, Hazard, StageKind};
use hazardloop_postgres::PgStore;
use hazardloop_testkit::conformance::{chain, sample};
use hazardloop_testkit::Fixture;

/// The school fixture in tenant `name`.
pub fn school(name: &str) -> Fixture {
    Fixture::school_in(TenantId::new(name).unwrap(), "bureau", "school")
}

/// The commit that creates a copy of `template` (a hazard of `f`'s tenant, with `events`) under
/// a new id.
pub fn copy_of(f: &Fixture, template: &Hazard, events: &[Event], at: DateTime<Utc>) -> Commit {
    let id = HazardId::new_at(at);
    let hazard = Hazard { id, ..template.clone() };
    let records = chain(&f.tenant, id, 0, ChainHash::default(), events, at);
    let policy = &f.policy;
    let next_due = next_fire(
        &hazard.clocks,
        Grade::General,
        &hazard.fired,
        policy.ladders(),
        policy.calendar(),
    );
    Commit {
        tenant: f.tenant.clone(),
        hazard: id,
        expected_version: 0,
        events: records.into(),
        ledger: LedgerRow::from_hazard(&hazard, at).into(),
        state: hazard,
        next_due,
        outbox: Vec::new(),
        idempotency: None,
        numbering: None,
    }
}

/// The sample hazard of `f` at `stage`, and its events.
pub fn template(f: &Fixture, stage: StageKind) -> (Hazard, Vec<Event>) {
    let (hazard, records) = sample(f, stage);
    (hazard, records.into_iter().map(|r| r.event).collect())
}

/// Commits `n` copies of `f`'s sample hazard at `stage`, `parallel` at a time.
pub async fn load(
    store: &PgStore,
    f: &Fixture,
    stage: StageKind,
    n: usize,
    parallel: usize,
) -> Hazard {
    let (template, events) = template(f, stage);
    let commits: Vec<Commit> = (0..n).map(|_| copy_of(f, &template, &events, f.start)).collect();
    stream::iter(commits)
        .for_each_concurrent(parallel, |c| async move {
            store.commit(c).await.unwrap();
        })
        .await;
    template
}
