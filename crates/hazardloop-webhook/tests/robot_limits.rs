//! Robot limits through the real engine and outbox: a DingTalk robot on 127.0.0.1 that refuses
//! more than 20 requests in any minute of the (manual) clock takes a 500-message outbox whole,
//! 20 a minute, none refused and none twice; bodies over a robot's size limit arrive in parts,
//! whole and in order.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::clock::Clock;
use hazardloop_core::engine::Engine;
use hazardloop_core::model::HazardId;
use hazardloop_core::notify::{ChannelLimits, Notifier};
use hazardloop_core::policy::Policy;
use hazardloop_core::store::{MemoryStore, OutboxStatus, Store};
use hazardloop_core::workflow::Step;
use hazardloop_testkit::{Fixture, ManualClock};
use hazardloop_webhook::{DingTalkNotifier, WeComNotifier, DINGTALK_LIMITS, WECOM_LIMITS};
use support::{delivery, full_contacts, with_contacts, Received, Reply, Server};

/// DingTalk's documented answer to a 21st message within a minute.
const SEND_TOO_FAST: i64 = 130_101;

/// A receiver that takes at most 20 requests in any 60 s of `clock` and answers errcode
/// 130101 to any more; returns the instants of the requests it refused.
fn enforce_twenty_a_minute(server: &Server, clock: &ManualClock) -> Arc<Mutex<Vec<DateTime<Utc>>>> {
    let taken: Arc<Mutex<Vec<DateTime<Utc>>>> = Arc::default();
    let refused: Arc<Mutex<Vec<DateTime<Utc>>>> = Arc::default();
    let (clock, seen) = (clock.clone(), refused.clone());
    server.script(move |_, _| {
        let now = clock.now();
        let mut taken = taken.lock().unwrap();
        let in_minute = taken.iter().filter(|t| **t + Duration::seconds(60) > now).count();
        if in_minute >= 20 {
            seen.lock().unwrap().push(now);
            return Reply::robot(SEND_TOO_FAST);
        }
        taken.push(now);
        Reply::robot(0)
    });
    refused
}

/// The default policy, with every discovery announced to the school's safety office.
fn announcing_discoveries(f: &Fixture) -> Policy {
    let text = f.policy.to_toml();
    assert!(text.contains("[notices]\n"), "the policy writes a [notices] section");
    let text = text.replacen("[notices]\n", "[notices]\ndiscover = [\"safety_office\"]\n", 1);
    Policy::from_toml(&text).unwrap()
}

fn markdown_text(r: &Received) -> String {
    r.json["markdown"]["text"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn five_hundred_messages_reach_one_dingtalk_robot_twenty_a_minute_none_refused_none_twice() {
    let f = with_contacts(Fixture::school());
    let clock = ManualClock::new(f.start);
    let server = Server::start(None, Arc::new(clock.clone())).await;
    let refused = enforce_twenty_a_minute(&server, &clock);
    let robot = DingTalkNotifier::new("TOKEN").unwrap().with_base_url(&server.base()).unwrap();
    assert_eq!(robot.limits(), DINGTALK_LIMITS);
    let store = Arc::new(MemoryStore::new());
    let engine =
        Engine::new(store.clone(), robot, Arc::new(clock.clone()), announcing_discoveries(&f))
            .with_org(f.org.clone());
    let mut hazards: Vec<HazardId> = Vec::new();
    for _ in 0..500 {
        hazards.push(f.drive(&engine, None, Step::Discover).await.unwrap());
    }
    let pending = store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
    assert_eq!(pending.len(), 500, "one message per discovery, to the one safety officer");

    let start = clock.now();
    let mut minutes = 0;
    let mut postponed_seen = false;
    loop {
        let report = engine.dispatch().await.unwrap();
        assert_eq!((report.retried, report.dead), (0, 0), "minute {minutes}: {report:?}");
        assert!(report.delivered <= 20, "minute {minutes}: {report:?}");
        postponed_seen |= report.resume_at.is_some();
        if store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap().is_empty() {
            break;
        }
        assert!(minutes < 40, "still pending after {minutes} minutes");
        clock.advance(Duration::minutes(1));
        minutes += 1;
    }
    assert!(postponed_seen, "the dispatcher stopped for the window");

    let delivered = store.outbox(&f.tenant, OutboxStatus::Delivered).await.unwrap();
    assert_eq!(delivered.len(), 500);
    assert!(delivered.iter().all(|m| m.attempts == 1), "waiting for the window is no attempt");
    assert!(store.outbox(&f.tenant, OutboxStatus::Dead).await.unwrap().is_empty());
    assert_eq!(refused.lock().unwrap().len(), 0, "the robot refused nothing");

    // Each hazard's message reached the robot exactly once.
    let requests = server.requests();
    assert_eq!(requests.len(), 500, "one request per message, no repeats");
    let mut per_hazard: BTreeMap<HazardId, usize> = BTreeMap::new();
    for r in &requests {
        let text = markdown_text(r);
        let about: Vec<&HazardId> =
            hazards.iter().filter(|h| text.contains(&h.to_string())).collect();
        assert_eq!(about.len(), 1, "one hazard per message: {text}");
        *per_hazard.entry(*about[0]).or_default() += 1;
    }
    assert_eq!(per_hazard.len(), 500);
    assert!(per_hazard.values().all(|n| *n == 1), "no message twice");

    // 20 in each of minutes 0..=24: all 500 in ceil(500 / 20) = 25 minutes of the clock.
    let last = clock.now();
    assert_eq!(last - start, Duration::minutes(24), "the 25th minute starts 24 minutes in");
    assert_eq!(minutes + 1, 25);
}

#[tokio::test]
async fn a_robot_paced_below_its_limit_by_configuration_takes_that_many_a_minute() {
    let f = with_contacts(Fixture::school());
    let clock = ManualClock::new(f.start);
    let server = Server::start(None, Arc::new(clock.clone())).await;
    let refused = enforce_twenty_a_minute(&server, &clock);
    let shared_robot = DingTalkNotifier::new("TOKEN")
        .unwrap()
        .with_base_url(&server.base())
        .unwrap()
        .with_limits(ChannelLimits { per_minute: Some(5), ..DINGTALK_LIMITS });
    let store = Arc::new(MemoryStore::new());
    let engine = Engine::new(
        store.clone(),
        shared_robot,
        Arc::new(clock.clone()),
        announcing_discoveries(&f),
    )
    .with_org(f.org.clone());
    for _ in 0..12 {
        f.drive(&engine, None, Step::Discover).await.unwrap();
    }
    let mut per_minute = Vec::new();
    for _ in 0..3 {
        per_minute.push(engine.dispatch().await.unwrap().delivered);
        clock.advance(Duration::minutes(1));
    }
    assert_eq!(per_minute, vec![5, 5, 2]);
    assert_eq!(refused.lock().unwrap().len(), 0);
}

/// The WeCom markdown contents the server received, markers and mentions as sent.
fn contents(server: &Server) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| r.json["markdown"]["content"].as_str().unwrap().to_string())
        .collect()
}

/// A part's content without its `（i/n）` marker and the closing mention.
fn unmarked(content: &str, i: usize, n: usize) -> String {
    let content = content.strip_suffix("\n<@sunshifu>").unwrap_or(content);
    let marker = format!("\n\n（{i}/{n}）");
    assert!(content.ends_with(&marker), "part {i} of {n} is marked: …{}", tail(content));
    content.strip_suffix(&marker).unwrap().to_string()
}

fn tail(s: &str) -> String {
    s.chars().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect()
}

#[tokio::test]
async fn a_wecom_notice_over_4096_bytes_arrives_whole_in_order_in_marked_parts() {
    let clock = ManualClock::new(Fixture::school().start);
    let server = Server::start(None, Arc::new(clock.clone())).await;
    server.script(|_, _| Reply::robot(0));
    let mut long = delivery("hl-long", full_contacts(), 1);
    let note: String = (0..600).map(|i| format!("第{i}处扶手松动；")).collect();
    assert!(note.len() > 3 * 4096);
    long.notices[0].note = Some(note.clone());

    // The whole content, as an unlimited channel would send it.
    let unlimited = WeComNotifier::new("K")
        .unwrap()
        .with_base_url(&server.base())
        .unwrap()
        .with_limits(ChannelLimits::NONE);
    assert_eq!(unlimited.parts(&long), 1);
    unlimited.deliver(&long).await.unwrap();
    let whole = contents(&server)[0].strip_suffix("\n<@sunshifu>").unwrap().to_string();

    let wecom = WeComNotifier::new("K").unwrap().with_base_url(&server.base()).unwrap();
    assert_eq!(wecom.limits(), WECOM_LIMITS);
    let n = wecom.parts(&long) as usize;
    assert!(n >= 4, "{n} parts");
    wecom.deliver(&long).await.unwrap();
    let parts = &contents(&server)[1..];
    assert_eq!(parts.len(), n);
    assert!(parts.iter().all(|p| p.len() <= 4096), "{:?}", parts.iter().map(String::len));
    assert!(parts[n - 1].ends_with("<@sunshifu>") && !parts[0].contains("<@sunshifu>"));
    let joined: String = parts.iter().enumerate().map(|(i, p)| unmarked(p, i + 1, n)).collect();
    assert_eq!(joined, whole, "the parts joined are the whole message, in order");
}

#[tokio::test]
async fn a_failed_part_is_retried_without_posting_the_parts_already_taken() {
    let clock = ManualClock::new(Fixture::school().start);
    let server = Server::start(None, Arc::new(clock.clone())).await;
    // The third request fails once (the robot is busy); everything else is taken.
    server.script(|_, index| if index == 2 { Reply::robot(-1) } else { Reply::robot(0) });
    let mut long = delivery("hl-retry", full_contacts(), 1);
    long.notices[0].note = Some("消防通道堵塞。".repeat(1200));
    let wecom = WeComNotifier::new("K").unwrap().with_base_url(&server.base()).unwrap();
    let n = wecom.parts(&long) as usize;
    assert!(n >= 3, "{n}");
    assert!(wecom.deliver(&long).await.is_err(), "the busy part fails the delivery");
    wecom.deliver(&long).await.unwrap();
    let sent = contents(&server);
    assert_eq!(sent.len(), n + 1, "only the failed part is posted again");
    let taken: Vec<String> =
        sent.iter().enumerate().filter(|(i, _)| *i != 2).map(|(_, c)| c.clone()).collect();
    for (i, c) in taken.iter().enumerate() {
        unmarked(c, i + 1, n);
    }
}

#[tokio::test]
async fn a_sweep_digest_too_large_for_wecom_is_split_into_digests_that_fit_every_notice_once() {
    let f = with_contacts(Fixture::school());
    let clock = ManualClock::new(f.start);
    let server = Server::start(None, Arc::new(clock.clone())).await;
    server.script(|_, _| Reply::robot(0));
    let wecom = WeComNotifier::new("K").unwrap().with_base_url(&server.base()).unwrap();
    let store = Arc::new(MemoryStore::new());
    let engine = Engine::new(store.clone(), wecom, Arc::new(clock.clone()), f.policy.clone())
        .with_org(f.org.clone());
    for _ in 0..40 {
        f.drive(&engine, None, Step::Discover).await.unwrap();
    }
    // Every hazard misses its report deadline: one sweep, one digest per person.
    clock.advance(Duration::days(30));
    let fired = engine.sweep().await.unwrap().fired;
    assert!(fired >= 40, "{fired}");
    // Rungs whose role nobody holds are dead-lettered with the reason, as before; the rest go out.
    let all = store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
    let nobody = all.iter().filter(|m| m.to.is_none()).count();
    let pending: Vec<_> = all.into_iter().filter(|m| m.to.is_some()).collect();
    let mut per_group: BTreeMap<String, usize> = BTreeMap::new();
    for m in &pending {
        *per_group.entry(m.group.clone()).or_default() += 1;
    }
    assert!(per_group.values().any(|n| *n >= 40), "a digest of 40 or more: {per_group:?}");

    let (mut minutes, mut dead) = (0, 0);
    while !store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap().is_empty() {
        let before = server.requests().len();
        let report = engine.dispatch().await.unwrap();
        assert_eq!(report.retried, 0, "{report:?}");
        assert!(server.requests().len() - before <= 20, "at most 20 posts a minute: {report:?}");
        dead += report.dead;
        clock.advance(Duration::minutes(1));
        minutes += 1;
        assert!(minutes < 60);
    }
    assert_eq!(dead, nobody, "only the messages with nobody to go to are dead");
    let delivered = store.outbox(&f.tenant, OutboxStatus::Delivered).await.unwrap();
    assert_eq!(delivered.len(), pending.len());
    assert!(delivered.iter().all(|m| m.attempts == 1), "parts held for the window: one attempt");
    let sent = contents(&server);
    assert!(sent.len() > per_group.len(), "some digest went in several parts");
    assert!(sent.iter().all(|c| c.len() <= 4096));
    assert!(sent.iter().all(|c| !c.contains("（1/")), "digests split by notice, not cut");
    // Each (person, hazard) notice shows exactly once across all posts.
    let mut total_items = 0;
    for c in &sent {
        let items = c.matches("**").count() / 2;
        total_items += items;
    }
    assert_eq!(total_items, pending.len(), "every notice once, none twice, none lost");
}
