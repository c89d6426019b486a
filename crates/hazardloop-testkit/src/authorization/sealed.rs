//! Engine-level checks beside the matrix: an archived record refuses every command, two tenants
//! with the same unit and person keys never see each other, and helpers for tamper tests (a
//! sealed hazard to edit behind the store's back, and the check that `verify` names it).

use std::sync::Arc;

use chrono::Duration;
use hazardloop_core::engine::{Engine, EngineError, Request};
use hazardloop_core::model::{Grade, HazardId, TenantId};
use hazardloop_core::notify::Discard;
use hazardloop_core::report::{LedgerFilter, Page, Period};
use hazardloop_core::store::{LedgerQuery, OutboxStatus, Store};
use hazardloop_core::workflow::{Command, Event, Rule, Step, WorkflowError};

use crate::{Fixture, ManualClock, MAIN_PATH};

fn unique(name: &str, f: &Fixture) -> TenantId {
    let nonce = HazardId::new_at(f.start).to_string();
    #[allow(clippy::expect_used)] // a short ASCII key
    TenantId::new(format!("{name}-{}", &nonce[nonce.len() - 8..])).expect("valid tenant key")
}

async fn drive<S: Store>(engine: &Engine<S, Discard>, f: &Fixture, to: &[Step]) -> HazardId {
    let mut id = None;
    for &step in to {
        match f.drive(engine, id, step).await {
            Ok(h) => id = Some(h),
            Err(e) => panic!("{step:?} on the fixture path was refused: {e}"),
        }
    }
    id.unwrap_or_else(|| panic!("no steps to drive"))
}

/// Archives a hazard, then gives it every command (all 22 steps) as every actor of the school:
/// each is refused with a typed error (`archived_is_sealed`, or a target error for the commands
/// that create a hazard), and the stored history, snapshot, ledger and outbox stay as they were.
pub async fn archived_record_refuses_every_command<S: Store>(store: S) {
    let base = Fixture::school();
    let tenant = unique("sealed", &base);
    let f = Fixture { org: rebound(&base, &tenant), tenant, ..base };
    let clock = ManualClock::new(f.start);
    let engine = Engine::new(store, Discard, Arc::new(clock.clone()), f.policy.clone())
        .with_org(f.org.clone());
    let id = drive(&engine, &f, &MAIN_PATH).await;
    clock.advance(Duration::days(3));
    let store = engine.store();
    let t = &f.tenant;
    let query = LedgerQuery { limit: 10, ..LedgerQuery::default() };
    let state = || async {
        (
            store.load(t, id).await.ok().flatten(),
            store.snapshot(t, id).await.ok().flatten(),
            store.ledger(t, &query).await.ok(),
            store.outbox(t, OutboxStatus::Pending).await.ok(),
        )
    };
    let before = state().await;
    let sealed = before.0.as_ref().and_then(|r| r.events.last()).map(|r| &r.event);
    assert!(matches!(sealed, Some(Event::Archived { .. })), "the walk ends archived: {sealed:?}");
    let mut wrong = Vec::new();
    for step in Step::ALL {
        for actor in f.actors() {
            let command = f.command_for(step, Grade::General, engine.now());
            let got = engine.execute(&actor, Request::on(id, command)).await;
            let typed = match &got {
                Err(EngineError::Workflow(WorkflowError::Target(_))) => step_creates(step),
                Err(EngineError::Workflow(w)) => w.rule() == Some(Rule::ArchivedIsSealed),
                _ => false,
            };
            if !typed {
                wrong.push(format!("{step:?} by {}: {got:?}", actor.person));
            }
        }
    }
    assert!(wrong.is_empty(), "an archived record took commands:\n{}", wrong.join("\n"));
    assert!(before == state().await, "refused commands changed the archived record");
    if let Err(e) = engine.verify(t, id).await {
        panic!("the archived record no longer verifies: {e}");
    }
}

fn step_creates(step: Step) -> bool {
    matches!(step, Step::Discover | Step::FixOnTheSpot)
}

fn rebound(f: &Fixture, tenant: &TenantId) -> hazardloop_core::org::Org {
    let org = hazardloop_core::org::Org::from_config(tenant.clone(), f.org.to_config());
    org.unwrap_or_else(|e| panic!("the fixture organisation rebinds: {e}"))
}

/// Two tenants whose units and people have the same keys share one engine and one store. Each
/// sees only its own hazards in the ledger, the statistics, `hazard`, `verify` and the outbox
/// (also after a sweep escalated both), and commands on the other's hazard ids are not found.
pub async fn tenants_are_isolated_through_the_engine<S: Store>(store: S) {
    let base = Fixture::school();
    let a = Fixture { org: rebound(&base, &unique("iso-a", &base)), ..base.clone() };
    let a = Fixture { tenant: a.org.tenant().clone(), ..a };
    let b = Fixture { org: rebound(&base, &unique("iso-b", &base)), ..base };
    let b = Fixture { tenant: b.org.tenant().clone(), ..b };
    let clock = ManualClock::new(a.start);
    let engine = Engine::new(store, Discard, Arc::new(clock.clone()), a.policy.clone())
        .with_org(a.org.clone())
        .with_org(b.org.clone());
    let treated = &MAIN_PATH[..5];
    let a_ids = vec![
        drive(&engine, &a, treated).await,
        drive(&engine, &a, &MAIN_PATH[..7]).await,
        drive(&engine, &a, &MAIN_PATH[..1]).await,
    ];
    let b_ids = vec![drive(&engine, &b, &MAIN_PATH[..4]).await, drive(&engine, &b, treated).await];
    clock.advance(Duration::days(12));
    let swept = engine.sweep().await.unwrap_or_else(|e| panic!("sweep: {e}"));
    assert!(swept.fired > 0, "the sweep escalated overdue hazards of both tenants: {swept:?}");
    let period = Period::month(2025, 3).unwrap_or_else(|e| panic!("period: {e}"));
    for (f, mine, theirs) in [(&a, &a_ids, &b_ids), (&b, &b_ids, &a_ids)] {
        let t = &f.tenant;
        let page = engine.ledger(t, &LedgerFilter::default(), Page::new(0, 100)).await;
        let page = page.unwrap_or_else(|e| panic!("ledger: {e}"));
        let mut seen: Vec<HazardId> = page.rows.iter().map(|r| r.id).collect();
        let mut want = mine.clone();
        seen.sort();
        want.sort();
        assert_eq!(seen, want, "{t} sees exactly its own ledger");
        let stats = engine.statistics(t, &period).await.unwrap_or_else(|e| panic!("stats: {e}"));
        assert_eq!(stats.total.discovered, mine.len(), "{t}'s statistics count its own hazards");
        let outbox = engine.store().outbox(t, OutboxStatus::Pending).await;
        let outbox = outbox.unwrap_or_else(|e| panic!("outbox: {e}"));
        assert!(!outbox.is_empty(), "{t} has messages of its own");
        assert!(
            outbox.iter().all(|m| m.tenant == *t && mine.contains(&m.notice.hazard)),
            "{t}'s outbox holds only its own hazards' messages"
        );
        for id in theirs {
            let shown = engine.hazard(t, *id).await;
            assert!(matches!(shown, Err(EngineError::NotFound { .. })), "{t} shows {id}");
            let verified = engine.verify(t, *id).await;
            assert!(matches!(verified, Err(EngineError::NotFound { .. })), "{t} verifies {id}");
            let other = if f.tenant == a.tenant { &b } else { &a };
            let before = engine.store().load(&other.tenant, *id).await.ok().flatten();
            for actor in f.actors() {
                let comment = Command::Comment { text: "跨租户".into() };
                let got = engine.execute(&actor, Request::on(*id, comment)).await;
                assert!(
                    matches!(got, Err(EngineError::NotFound { .. })),
                    "{} of {t} commented on {id}: {got:?}",
                    actor.person
                );
            }
            let after = engine.store().load(&other.tenant, *id).await.ok().flatten();
            assert!(before.is_some() && before == after, "{id} is unchanged");
        }
        for id in mine {
            if let Err(e) = engine.verify(t, *id).await {
                panic!("{t}'s hazard {id} does not verify: {e}");
            }
        }
    }
}

/// For tamper tests: an engine on `store` with the school fixture in a tenant of its own, and a
/// hazard taken through the whole loop with a comment on the way, archived: 17 events. Event 3
/// is the registration (the assignee), 9 the comment, 17 the seal.
pub async fn archived_hazard<S: Store>(store: S) -> (Engine<S, Discard>, Fixture, HazardId) {
    let base = Fixture::school();
    let tenant = unique("tamper", &base);
    let f = Fixture { org: rebound(&base, &tenant), tenant, ..base };
    let clock = ManualClock::new(f.start);
    let engine =
        Engine::new(store, Discard, Arc::new(clock), f.policy.clone()).with_org(f.org.clone());
    let id = drive(&engine, &f, &MAIN_PATH[..4]).await;
    let comment = Command::Comment { text: "night patrol checked the cordon".into() };
    if let Err(e) = engine.execute(&f.officer(), Request::on(id, comment)).await {
        panic!("comment refused: {e}");
    }
    for &step in &MAIN_PATH[4..] {
        if let Err(e) = f.drive(&engine, Some(id), step).await {
            panic!("{step:?} refused: {e}");
        }
    }
    match engine.hazard(&f.tenant, id).await {
        Ok(view) if view.timeline.len() == 17 => {}
        other => panic!("the tamper hazard has 17 events: {other:?}"),
    }
    if let Err(e) = engine.verify(&f.tenant, id).await {
        panic!("the untouched hazard verifies: {e}");
    }
    (engine, f, id)
}

/// Asserts that `verify` fails for `hazard` naming it and `seq` as the first bad event, as a
/// typed chain error whose message also names both.
pub async fn assert_tamper_found<S: Store>(
    engine: &Engine<S, Discard>,
    tenant: &TenantId,
    hazard: HazardId,
    seq: u64,
) -> String {
    match engine.verify(tenant, hazard).await {
        Err(EngineError::Chain(e)) => {
            assert_eq!((e.hazard, e.seq), (hazard, seq), "verify names the hazard and event: {e}");
            let text = e.to_string();
            assert!(
                text.contains(&hazard.to_string()) && text.contains(&format!("event {seq} ")),
                "the message names both: {text}"
            );
            text
        }
        other => panic!("verify of tampered {hazard} should name event {seq}, got {other:?}"),
    }
}
