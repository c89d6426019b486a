//! Faults through the real engine and outbox (MemoryStore, the school fixture with contacts,
//! a manual clock) with the generic webhook delivering to a real HTTP receiver on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::Duration;
use hazardloop_core::clock::Clock;
use hazardloop_core::deadline::ClockKind;
use hazardloop_core::engine::{Engine, Request};
use hazardloop_core::model::{Grade, HazardId};
use hazardloop_core::store::{MemoryStore, OutboxStatus, Store};
use hazardloop_core::workflow::Step;
use hazardloop_testkit::{Fixture, ManualClock};
use hazardloop_webhook::WebhookNotifier;
use support::{with_contacts, Reply, Server};

const SECRET: &str = "engine-secret";

type Hooked = Engine<Arc<MemoryStore>, WebhookNotifier>;

fn engine(f: &Fixture, store: Arc<MemoryStore>, server: &Server, clock: &ManualClock) -> Hooked {
    let notifier = WebhookNotifier::new(&server.url("/hook"), SECRET)
        .unwrap()
        .with_clock(Arc::new(clock.clone()));
    Engine::new(store, notifier, Arc::new(clock.clone()), f.policy.clone()).with_org(f.org.clone())
}

async fn run(e: &Hooked, f: &Fixture, hazard: Option<HazardId>, step: Step) -> HazardId {
    f.drive(e, hazard, step).await.unwrap()
}

/// A hazard taken to treatment and completed: its notices land in the outbox.
async fn completed(e: &Hooked, f: &Fixture) -> HazardId {
    let id = run(e, f, None, Step::Discover).await;
    run(e, f, Some(id), Step::Register).await;
    run(e, f, Some(id), Step::Report).await;
    let h = e.hazard(&f.tenant, id).await.unwrap().hazard;
    let due = h.clocks.get(ClockKind::Rectify).unwrap();
    e.execute(&f.worker(), Request::on(id, f.start_treatment(Grade::General, due))).await.unwrap();
    run(e, f, Some(id), Step::Complete).await;
    id
}

async fn count(store: &MemoryStore, f: &Fixture, status: OutboxStatus) -> usize {
    store.outbox(&f.tenant, status).await.unwrap().len()
}

fn per_key(server: &Server) -> BTreeMap<String, Vec<usize>> {
    let mut out: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for r in server.requests() {
        out.entry(r.key.clone().unwrap()).or_default().push(r.attempt);
    }
    out
}

#[tokio::test]
async fn five_hundred_three_times_then_ok_is_delivered_once_more_with_the_same_key_and_acked() {
    let f = with_contacts(Fixture::school());
    let clock = ManualClock::new(f.start);
    let server = Server::start(Some(SECRET), Arc::new(clock.clone())).await;
    server
        .script(|r, _| if r.attempt < 3 { Reply::Status(500, "oops".into()) } else { Reply::ok() });
    let store = Arc::new(MemoryStore::new());
    let e = engine(&f, store.clone(), &server, &clock);
    completed(&e, &f).await;
    let messages = count(&store, &f, OutboxStatus::Pending).await;
    assert!(messages >= 1);
    for _ in 0..10 {
        e.dispatch().await.unwrap();
        clock.advance(Duration::hours(1));
    }
    let keys = per_key(&server);
    assert!(!keys.is_empty());
    for (key, attempts) in &keys {
        assert_eq!(attempts, &vec![0, 1, 2, 3], "{key}: three 500s, then one 200, same key");
    }
    assert!(server.requests().iter().all(|r| r.signature == Some(Ok(()))));
    let acked = server.acknowledged();
    assert_eq!(acked.len(), keys.len(), "each delivery acknowledged once: {acked:?}");
    assert_eq!(count(&store, &f, OutboxStatus::Delivered).await, messages);
    assert_eq!(count(&store, &f, OutboxStatus::Pending).await, 0);
    assert_eq!(count(&store, &f, OutboxStatus::Dead).await, 0);
}

#[tokio::test]
async fn a_receiver_down_during_dispatch_gets_the_delivery_from_a_later_dispatch() {
    let f = with_contacts(Fixture::school());
    let clock = ManualClock::new(f.start);
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let store = Arc::new(MemoryStore::new());
    let notifier = WebhookNotifier::new(&format!("http://{addr}/hook"), SECRET)
        .unwrap()
        .with_clock(Arc::new(clock.clone()));
    let e = Engine::new(store.clone(), notifier, Arc::new(clock.clone()), f.policy.clone())
        .with_org(f.org.clone());
    completed(&e, &f).await;
    let messages = count(&store, &f, OutboxStatus::Pending).await;
    let down = e.dispatch().await.unwrap();
    assert_eq!((down.delivered, down.dead), (0, 0));
    assert_eq!(down.retried, messages);
    let pending = store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
    assert!(pending.iter().all(|m| m.last_error.as_deref().unwrap().contains("could not connect")));
    // Before the backoff has passed, nothing is tried.
    assert_eq!(e.dispatch().await.unwrap().deliveries, 0);

    let server = Server::start_on(addr, Some(SECRET), Arc::new(clock.clone())).await;
    clock.advance(Duration::minutes(5));
    let up = e.dispatch().await.unwrap();
    assert_eq!(up.delivered, messages);
    assert_eq!(count(&store, &f, OutboxStatus::Delivered).await, messages);
    assert_eq!(server.acknowledged().len(), up.deliveries);
}

#[tokio::test]
async fn a_bad_request_dead_letters_the_message_with_the_reason() {
    let f = with_contacts(Fixture::school());
    let clock = ManualClock::new(f.start);
    let server = Server::start(Some(SECRET), Arc::new(clock.clone())).await;
    server.script(|_, _| Reply::Status(400, "unknown recipient".into()));
    let store = Arc::new(MemoryStore::new());
    let e = engine(&f, store.clone(), &server, &clock);
    completed(&e, &f).await;
    let messages = count(&store, &f, OutboxStatus::Pending).await;
    let report = e.dispatch().await.unwrap();
    assert_eq!(report.dead, messages);
    let dead = store.outbox(&f.tenant, OutboxStatus::Dead).await.unwrap();
    for m in &dead {
        let reason = m.last_error.as_deref().unwrap();
        assert!(reason.contains("400") && reason.contains("unknown recipient"), "{reason}");
        assert!(!reason.contains(SECRET));
    }
    clock.advance(Duration::days(1));
    assert_eq!(e.dispatch().await.unwrap().deliveries, 0, "dead letters are not retried");
    assert_eq!(server.requests().len(), report.deliveries, "one attempt each");
}

#[tokio::test]
async fn a_dispatcher_stopped_mid_batch_loses_nothing_and_acknowledges_nothing_twice() {
    let f = with_contacts(Fixture::school());
    let clock = ManualClock::new(f.start);
    let server = Server::start(Some(SECRET), Arc::new(clock.clone())).await;
    let store = Arc::new(MemoryStore::new());
    let first = engine(&f, store.clone(), &server, &clock);
    for _ in 0..3 {
        completed(&first, &f).await;
    }
    // Several deliveries wait; the receiver takes the first, then hangs on the second.
    let messages = count(&store, &f, OutboxStatus::Pending).await;
    server.script(|_, index| if index == 1 { Reply::Hang } else { Reply::ok() });
    let stopped =
        tokio::time::timeout(std::time::Duration::from_millis(500), first.dispatch()).await;
    assert!(stopped.is_err(), "the dispatcher is stopped mid-batch");
    drop(first);
    let seen = server.requests();
    assert_eq!(seen.len(), 2, "one delivered, one in flight when stopped");
    let done = seen[0].key.clone().unwrap();
    let in_flight = seen[1].key.clone().unwrap();
    let delivered_before = count(&store, &f, OutboxStatus::Delivered).await;
    assert!(delivered_before >= 1 && delivered_before < messages);

    // Restarted: a new engine over the same store. The rest are leased to the stopped one.
    server.script(|_, _| Reply::ok());
    let restarted = engine(&f, store.clone(), &server, &clock);
    assert_eq!(restarted.dispatch().await.unwrap().deliveries, 0, "leased messages wait");
    clock.advance(Duration::seconds(301)); // past the 300 s lease
    let report = restarted.dispatch().await.unwrap();
    assert_eq!(report.stale, 0);
    assert_eq!(report.dead, 0);
    assert_eq!(delivered_before + report.delivered, messages, "nothing lost");
    assert_eq!(count(&store, &f, OutboxStatus::Delivered).await, messages);
    assert_eq!(count(&store, &f, OutboxStatus::Pending).await, 0);

    let keys = per_key(&server);
    assert_eq!(keys[&done], vec![0], "the settled delivery is not sent again");
    assert_eq!(keys[&in_flight], vec![0, 1], "the one in flight is sent again, same key");
    let acked = server.acknowledged();
    let unique: BTreeSet<&String> = acked.iter().collect();
    assert_eq!(unique.len(), acked.len(), "no key acknowledged twice: {acked:?}");
    assert_eq!(unique.len(), keys.len(), "every delivery acknowledged");
    assert!(clock.now() > f.start);
}
