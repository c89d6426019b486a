//! The generic webhook against a real HTTP receiver on 127.0.0.1: signature, idempotency key,
//! payload, status classes, timeouts, missing contacts, secrets kept out of sight.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use hazardloop_core::clock::Clock;
use hazardloop_core::notify::{DeliveryError, Notifier};
use hazardloop_core::org::Contacts;
use hazardloop_testkit::{notifier_conformance, Fixture, ManualClock};
use hazardloop_webhook::{
    ContactKind, DingTalkNotifier, WeComNotifier, WebhookNotifier, WebhookPayload, PAYLOAD_VERSION,
};
use support::{delivery, full_contacts, Reply, Server};

const SECRET: &str = "whsec-TOP-SECRET-42";

fn clock() -> ManualClock {
    ManualClock::new(Fixture::school().start)
}

async fn setup() -> (Server, WebhookNotifier, ManualClock) {
    let clock = clock();
    let server = Server::start(Some(SECRET), Arc::new(clock.clone())).await;
    let notifier = WebhookNotifier::new(&server.url("/hazards"), SECRET)
        .unwrap()
        .with_clock(Arc::new(clock.clone()));
    (server, notifier, clock)
}

#[tokio::test]
async fn webhook_is_signed_over_timestamp_and_body_and_carries_the_idempotency_key() {
    let (server, notifier, clock) = setup().await;
    let d = delivery("hl-abc123", full_contacts(), 1);
    notifier.deliver(&d).await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.path, "/hazards");
    assert_eq!(r.signature, Some(Ok(())), "the receiver's verify_signature accepts it");
    assert_eq!(r.key.as_deref(), Some("hl-abc123"));
    assert_eq!(r.headers["x-hazardloop-timestamp"], clock.now().timestamp().to_string());
    assert!(r.headers["x-hazardloop-signature"].starts_with("v1="));
    assert!(r.headers["content-type"].starts_with("application/json"));
    // A tampered body fails the same check.
    let mut tampered = r.body.clone();
    tampered.push(b' ');
    let check = hazardloop_webhook::verify_signature(
        SECRET,
        &r.headers["x-hazardloop-timestamp"],
        &tampered,
        &r.headers["x-hazardloop-signature"],
        clock.now(),
        chrono::Duration::minutes(5),
    );
    assert!(check.is_err());
}

#[tokio::test]
async fn webhook_payload_is_the_documented_stable_shape() {
    let (server, notifier, _) = setup().await;
    let d = delivery("hl-digest", full_contacts(), 2);
    notifier.deliver(&d).await.unwrap();
    let r = &server.requests()[0];
    let payload: WebhookPayload = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(payload.version, PAYLOAD_VERSION);
    assert_eq!(payload.idempotency_key, "hl-digest");
    assert_eq!(payload.tenant, d.tenant);
    assert_eq!(payload.recipient.person, d.to.person);
    assert_eq!(payload.recipient.name, "孙师傅");
    assert!(payload.digest);
    assert_eq!(payload.subject, d.subject());
    assert_eq!(payload.text, d.body(chrono_tz::Asia::Shanghai));
    assert_eq!(payload.notices.len(), 2);
    assert_eq!(payload.notices[0].notice, d.notices[0]);
    assert_eq!(payload.notices[0].action_required, "已逾期，请立即办理并说明原因。");
    // The field names receivers in other languages rely on.
    let j = &r.json;
    for field in [
        "version",
        "idempotency_key",
        "tenant",
        "recipient",
        "lang",
        "digest",
        "subject",
        "text",
        "notices",
    ] {
        assert!(j.get(field).is_some(), "{field} missing in {j}");
    }
    assert_eq!(j["lang"], "zh");
    assert_eq!(j["recipient"]["person"], d.to.person.to_string());
    assert_eq!(j["notices"][0]["kind"], "overdue");
    assert!(j["notices"][0]["due"].is_string());
    assert!(j["text"].as_str().unwrap().contains("隐患："));
}

#[tokio::test]
async fn server_errors_rate_limits_and_request_timeouts_are_transient() {
    let (server, notifier, _) = setup().await;
    for code in [500u16, 502, 503, 429, 408] {
        server.script(move |_, _| Reply::Status(code, "try later".into()));
        let err = notifier.deliver(&delivery("hl-t", full_contacts(), 1)).await.unwrap_err();
        assert!(
            matches!(&err, DeliveryError::Transient(m) if m.contains(&code.to_string())),
            "{code}: {err}"
        );
    }
}

#[tokio::test]
async fn other_client_errors_are_permanent_with_status_and_body() {
    let (server, notifier, _) = setup().await;
    for code in [400u16, 401, 404, 410, 422] {
        server.script(move |_, _| Reply::Status(code, "unknown tenant t1".into()));
        let err = notifier.deliver(&delivery("hl-p", full_contacts(), 1)).await.unwrap_err();
        match err {
            DeliveryError::Permanent(m) => {
                assert!(m.contains(&code.to_string()) && m.contains("unknown tenant t1"), "{m}")
            }
            other => panic!("{code} gave {other}"),
        }
    }
    server.script(|_, _| Reply::Status(302, String::new()));
    let err = notifier.deliver(&delivery("hl-p", full_contacts(), 1)).await.unwrap_err();
    assert!(matches!(err, DeliveryError::Permanent(_)), "a redirect is not followed: {err}");
}

#[tokio::test]
async fn a_refused_connection_and_a_hanging_server_are_transient() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let down = WebhookNotifier::new(&format!("http://{free}/hook"), SECRET).unwrap();
    let err = down.deliver(&delivery("hl-down", full_contacts(), 1)).await.unwrap_err();
    assert!(
        matches!(&err, DeliveryError::Transient(m) if m.contains("could not connect")),
        "{err}"
    );

    let (server, notifier, _) = setup().await;
    server.script(|_, _| Reply::Hang);
    let notifier = notifier.with_timeout(Duration::from_millis(300));
    let started = std::time::Instant::now();
    let err = notifier.deliver(&delivery("hl-hang", full_contacts(), 1)).await.unwrap_err();
    assert!(matches!(&err, DeliveryError::Transient(m) if m.contains("timed out")), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_required_contact_missing_is_permanent_and_nothing_is_sent() {
    let (server, notifier, clock) = setup().await;
    let plain = notifier.clone().with_clock(Arc::new(clock));
    let notifier = notifier.require(ContactKind::Email);
    let no_email = Contacts { email: None, ..full_contacts() };
    let err = notifier.deliver(&delivery("hl-x", no_email, 1)).await.unwrap_err();
    assert_eq!(
        err,
        DeliveryError::Permanent(format!(
            "孙师傅 ({}) has no email address",
            Fixture::school().people.worker
        ))
    );
    assert!(server.requests().is_empty());
    // Without a requirement the person id suffices.
    plain.deliver(&delivery("hl-y", Contacts::default(), 1)).await.unwrap();
}

#[tokio::test]
async fn secrets_never_show_in_debug_or_error_messages() {
    let clock = clock();
    let server = Server::start(None, Arc::new(clock.clone())).await;
    server.script(|_, _| Reply::Status(400, "bad".into()));
    let webhook = WebhookNotifier::new(&server.url("/h?token=URLSECRET"), SECRET).unwrap();
    let wecom =
        WeComNotifier::new("WECOMKEY-SECRET").unwrap().with_base_url(&server.base()).unwrap();
    let dingtalk = DingTalkNotifier::new("DINGTOKEN-SECRET")
        .unwrap()
        .with_secret("SECdingsecret")
        .with_base_url(&server.base())
        .unwrap();
    let secrets = [SECRET, "URLSECRET", "WECOMKEY-SECRET", "DINGTOKEN-SECRET", "SECdingsecret"];
    let d = delivery("hl-s", full_contacts(), 1);
    let mut shown = vec![format!("{webhook:?}"), format!("{wecom:?}"), format!("{dingtalk:?}")];
    for n in [&webhook as &dyn Notifier, &wecom, &dingtalk] {
        shown.push(n.deliver(&d).await.unwrap_err().to_string());
    }
    // And when the connection fails (reqwest would print the whole URL).
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let wecom_down = WeComNotifier::new("WECOMKEY-SECRET")
        .unwrap()
        .with_base_url(&format!("http://{free}"))
        .unwrap();
    shown.push(wecom_down.deliver(&d).await.unwrap_err().to_string());
    for text in &shown {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
    }
    assert!(shown[3].contains("token=***"), "{}", shown[3]);
    assert!(shown[4].contains("key=***"), "{}", shown[4]);
    assert!(shown.last().unwrap().contains("key=***"));
}

#[tokio::test]
async fn webhook_passes_the_notifier_conformance_suite() {
    let (server, notifier, _) = setup().await;
    notifier_conformance(&notifier).await;
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.signature == Some(Ok(()))));
    assert_eq!(requests[0].key, requests[2].key, "the repeat carries the same key");
}

#[tokio::test]
async fn robots_pass_the_notifier_conformance_suite() {
    let clock = clock();
    let server = Server::start(None, Arc::new(clock.clone())).await;
    server.script(|_, _| Reply::robot(0));
    let wecom = WeComNotifier::new("k").unwrap().with_base_url(&server.base()).unwrap();
    notifier_conformance(&wecom).await;
    let dingtalk = DingTalkNotifier::new("t")
        .unwrap()
        .with_secret("SECx")
        .with_clock(Arc::new(clock.clone()))
        .with_base_url(&server.base())
        .unwrap();
    notifier_conformance(&dingtalk).await;
    assert_eq!(server.requests().len(), 6);
}
