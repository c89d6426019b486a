//! The e-mail notifier through the real engine and outbox: a 4xx deferral is retried by a later
//! dispatch, a person without an address is dead-lettered with the reason, nothing is lost.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Duration;
use hazardloop_core::deadline::ClockKind;
use hazardloop_core::engine::{Engine, Request};
use hazardloop_core::model::{Grade, HazardId};
use hazardloop_core::org::{Contacts, Org};
use hazardloop_core::store::{MemoryStore, OutboxStatus, Store};
use hazardloop_core::workflow::Step;
use hazardloop_email::{EmailNotifier, Security, SmtpConfig};
use hazardloop_testkit::{Fixture, ManualClock};
use mail_parser::MessageParser;
use support::SmtpServer;

type Mailing = Engine<Arc<MemoryStore>, EmailNotifier>;

/// Everyone has an address except the people `without`.
fn fixture(without: &[&str]) -> Fixture {
    let f = Fixture::school();
    let mut config = f.org.to_config();
    for p in &mut config.people {
        if !without.contains(&p.id.to_string().as_str()) {
            p.contacts = Contacts {
                email: Some(format!("{}@school.example.cn", p.id)),
                ..Contacts::default()
            };
        }
    }
    let org = Org::from_config(f.tenant.clone(), config).unwrap();
    Fixture { org, ..f }
}

fn engine(
    f: &Fixture,
    store: Arc<MemoryStore>,
    server: &SmtpServer,
    clock: &ManualClock,
) -> Mailing {
    let config = SmtpConfig::new("127.0.0.1", Security::Plain, "safety@school.example.cn")
        .port(server.addr.port());
    let email = EmailNotifier::new(config).unwrap().with_clock(Arc::new(clock.clone()));
    Engine::new(store, email, Arc::new(clock.clone()), f.policy.clone()).with_org(f.org.clone())
}

async fn run(e: &Mailing, f: &Fixture, hazard: Option<HazardId>, step: Step) -> HazardId {
    f.drive(e, hazard, step).await.unwrap()
}

async fn completed(e: &Mailing, f: &Fixture) {
    let id = run(e, f, None, Step::Discover).await;
    run(e, f, Some(id), Step::Register).await;
    run(e, f, Some(id), Step::Report).await;
    let h = e.hazard(&f.tenant, id).await.unwrap().hazard;
    let due = h.clocks.get(ClockKind::Rectify).unwrap();
    e.execute(&f.worker(), Request::on(id, f.start_treatment(Grade::General, due))).await.unwrap();
    run(e, f, Some(id), Step::Complete).await;
}

#[tokio::test]
async fn a_deferred_mail_is_retried_by_a_later_dispatch_and_delivered_once() {
    let f = fixture(&[]);
    let clock = ManualClock::new(f.start);
    let server = SmtpServer::start();
    let store = Arc::new(MemoryStore::new());
    let e = engine(&f, store.clone(), &server, &clock);
    completed(&e, &f).await;
    let messages = store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap().len();
    server.refuse_recipients(Some((451, "greylisted, try again later")));
    let first = e.dispatch().await.unwrap();
    assert_eq!((first.delivered, first.retried, first.dead), (0, messages, 0));
    server.refuse_recipients(None);
    clock.advance(Duration::minutes(5));
    let second = e.dispatch().await.unwrap();
    assert_eq!(second.delivered, messages);
    assert_eq!(store.outbox(&f.tenant, OutboxStatus::Delivered).await.unwrap().len(), messages);
    let ids: Vec<String> = server
        .mails()
        .iter()
        .map(|m| MessageParser::default().parse(&m.raw).unwrap().message_id().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), second.deliveries);
    assert!(ids
        .iter()
        .all(|id| id.starts_with("hl-") && id.ends_with("@hazardloop.school.example.cn")));
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len(), "one mail per delivery");
}

#[tokio::test]
async fn a_person_without_an_address_is_dead_lettered_with_the_reason_and_the_rest_delivered() {
    let base = Fixture::school();
    let officer = base.people.officer.to_string();
    let f = fixture(&[officer.as_str()]);
    let clock = ManualClock::new(f.start);
    let server = SmtpServer::start();
    let store = Arc::new(MemoryStore::new());
    let e = engine(&f, store.clone(), &server, &clock);
    completed(&e, &f).await;
    let messages = store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap().len();
    let report = e.dispatch().await.unwrap();
    let dead = store.outbox(&f.tenant, OutboxStatus::Dead).await.unwrap();
    assert!(!dead.is_empty(), "the safety officer is asked to check, and has no address");
    for m in &dead {
        assert_eq!(m.to.as_ref().map(|p| p.to_string()), Some(officer.clone()));
        assert!(m
            .last_error
            .as_deref()
            .unwrap()
            .ends_with(&format!("({officer}) has no email address")));
    }
    assert_eq!(report.delivered + report.dead, messages, "nothing lost, nothing skipped silently");
    assert!(server.mails().iter().all(|m| !m.to.iter().any(|t| t.contains(&officer))));
}
