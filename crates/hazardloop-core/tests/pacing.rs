//! The dispatcher paced by a channel's limits (issue 18), without HTTP: a notifier that takes
//! at most a few messages a minute and a few notices a message. A sweep's digest too large for
//! one message goes out as consecutive digests in order; no minute gets more than the limit;
//! waiting for the window is no attempt; nothing is sent twice or lost.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::clock::Clock;
use hazardloop_core::engine::Engine;
use hazardloop_core::model::PersonId;
use hazardloop_core::notify::{
    BoxFuture, ChannelLimits, Delivery, DeliveryError, Fanout, Notice, Notifier,
};
use hazardloop_core::store::{MemoryStore, OutboxStatus, Store};
use hazardloop_core::workflow::Step;
use hazardloop_testkit::{Fixture, ManualClock};

/// A delivery the notifier took, and when.
type Sent = (DateTime<Utc>, Delivery);

/// Takes `per_minute` messages a minute and `per_message` notices a message; records what it
/// was given, when.
#[derive(Clone)]
struct Narrow {
    per_minute: u32,
    per_message: usize,
    clock: ManualClock,
    log: Arc<Mutex<Vec<Sent>>>,
}

impl Notifier for Narrow {
    fn name(&self) -> &str {
        "narrow"
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        let parts = self.parts(delivery) as usize;
        let now = self.clock.now();
        let mut log = self.log.lock().unwrap();
        let in_minute = log.iter().filter(|(t, _)| *t + Duration::seconds(60) > now).count();
        let result = if in_minute + parts > self.per_minute as usize {
            Err(DeliveryError::Transient("send too fast".into()))
        } else {
            log.push((now, delivery.clone()));
            Ok(())
        };
        Box::pin(async move { result })
    }

    fn limits(&self) -> ChannelLimits {
        ChannelLimits { per_minute: Some(self.per_minute), max_body_bytes: Some(1000) }
    }

    fn parts(&self, delivery: &Delivery) -> u32 {
        delivery.notices.len().div_ceil(self.per_message) as u32
    }
}

/// 40 hazards that all miss their report deadline: one sweep writes one digest per person.
async fn overdue_digests<N: Notifier>(
    f: &Fixture,
    engine: &Engine<Arc<MemoryStore>, N>,
    clock: &ManualClock,
) {
    for _ in 0..40 {
        f.drive(engine, None, Step::Discover).await.unwrap();
    }
    clock.advance(Duration::days(30));
    assert!(engine.sweep().await.unwrap().fired >= 40);
}

#[tokio::test]
async fn a_digest_too_large_for_one_message_goes_out_in_order_in_parts_paced_per_minute() {
    let f = Fixture::school();
    let clock = ManualClock::new(f.start);
    // Robot-like: 20 a minute. The largest digest (120 notices) needs 24 messages, so it
    // spans two minutes, well inside its 300 s lease.
    let narrow =
        Narrow { per_minute: 20, per_message: 5, clock: clock.clone(), log: Arc::default() };
    let store = Arc::new(MemoryStore::new());
    let engine =
        Engine::new(store.clone(), narrow.clone(), Arc::new(clock.clone()), f.policy.clone())
            .with_org(f.org.clone());
    overdue_digests(&f, &engine, &clock).await;
    let pending: Vec<_> = store
        .outbox(&f.tenant, OutboxStatus::Pending)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.to.is_some())
        .collect();
    // What each person should get, in the outbox's order.
    let mut expected: BTreeMap<PersonId, Vec<Notice>> = BTreeMap::new();
    for m in &pending {
        expected.entry(m.to.clone().unwrap()).or_default().push(m.notice.clone());
    }
    assert!(expected.values().any(|n| n.len() >= 40), "a large digest");

    let mut minutes = 0;
    loop {
        let report = engine.dispatch().await.unwrap();
        assert_eq!(report.retried, 0, "the channel never refused: {report:?}");
        let left = store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
        if left.is_empty() {
            break;
        }
        assert!(report.resume_at.is_some(), "stopped for the window: {report:?}");
        clock.advance(Duration::minutes(1));
        minutes += 1;
        assert!(minutes < 200);
    }
    let log = narrow.log.lock().unwrap().clone();
    let mut per_minute: BTreeMap<DateTime<Utc>, usize> = BTreeMap::new();
    let mut got: BTreeMap<PersonId, Vec<Notice>> = BTreeMap::new();
    for (at, d) in &log {
        assert!(d.notices.len() <= 5, "each delivery fits one message");
        *per_minute.entry(*at).or_default() += 1;
        got.entry(d.to.person.clone()).or_default().extend(d.notices.iter().cloned());
    }
    assert!(per_minute.values().all(|n| *n <= 20), "{per_minute:?}");
    assert!(minutes >= 2, "the window made the dispatch wait: {minutes} minutes");
    assert_eq!(got, expected, "every notice once, each person's in order");
    let keys: std::collections::BTreeSet<&str> =
        log.iter().map(|(_, d)| d.idempotency_key.as_str()).collect();
    assert_eq!(keys.len(), log.len(), "each part its own key");
    let delivered = store.outbox(&f.tenant, OutboxStatus::Delivered).await.unwrap();
    assert_eq!(delivered.len(), pending.len());
    assert!(delivered.iter().all(|m| m.attempts == 1), "waiting is no attempt");
}

#[test]
fn a_fanout_is_paced_as_its_tightest_channel_and_counts_the_most_parts() {
    let clock = ManualClock::new(Fixture::school().start);
    let narrow = |per_minute, per_message| Narrow {
        per_minute,
        per_message,
        clock: clock.clone(),
        log: Arc::default(),
    };
    let fanout = Fanout(vec![Box::new(narrow(20, 10)), Box::new(narrow(5, 2))]);
    assert_eq!(fanout.limits(), ChannelLimits { per_minute: Some(5), max_body_bytes: Some(1000) });
    let f = Fixture::school();
    let (hazard, _) = f.walked(
        hazardloop_core::model::Grade::General,
        hazardloop_core::workflow::StageKind::Treating,
    );
    let notice = hazardloop_core::notify::compose::notice(
        &hazard,
        hazardloop_core::notify::NoticeKind::Overdue,
        None,
        None,
    );
    let d = Delivery {
        idempotency_key: "k".into(),
        tenant: f.tenant.clone(),
        to: hazardloop_core::notify::Addressee {
            person: f.people.worker.clone(),
            name: "孙师傅".into(),
            contacts: Default::default(),
        },
        notices: vec![notice; 7],
        lang: hazardloop_core::model::Lang::Zh,
    };
    assert_eq!(fanout.parts(&d), 4, "max(ceil(7/10), ceil(7/2))");
}
