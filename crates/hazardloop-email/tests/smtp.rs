//! The e-mail notifier against a real SMTP server on 127.0.0.1: Chinese subject and body,
//! recipients, Message-ID from the idempotency key, reply classes, missing addresses, secrets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use hazardloop_core::model::{Grade, Lang};
use hazardloop_core::notify::{Addressee, Delivery, DeliveryError, Notice, NoticeKind, Notifier};
use hazardloop_core::org::Contacts;
use hazardloop_core::workflow::StageKind;
use hazardloop_email::{message_id, EmailNotifier, Security, SmtpConfig};
use hazardloop_testkit::{notifier_conformance, Fixture, ManualClock};
use mail_parser::MessageParser;
use support::SmtpServer;

fn notifier(server: &SmtpServer) -> EmailNotifier {
    let config =
        SmtpConfig::new("127.0.0.1", Security::Plain, "学校安全办 <safety@school.example.cn>")
            .port(server.addr.port());
    EmailNotifier::new(config)
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(Fixture::school().start)))
}

fn delivery(key: &str, email: Option<&str>, n: usize) -> Delivery {
    let f = Fixture::school();
    let (hazard, _) = f.walked(Grade::General, StageKind::Treating);
    let notice = Notice {
        kind: NoticeKind::Overdue,
        hazard: hazard.id,
        number: None,
        title: hazard.stage.facts().title.clone(),
        location: hazard.stage.facts().location.clone(),
        stage: hazard.kind(),
        clock: Some(hazardloop_core::deadline::ClockKind::Rectify),
        due: Some(f.start),
        note: None,
        occurrence: None,
        record: None,
    };
    Delivery {
        idempotency_key: key.into(),
        tenant: f.tenant.clone(),
        to: Addressee {
            person: f.people.worker.clone(),
            name: "孙师傅".into(),
            contacts: Contacts { email: email.map(str::to_string), ..Contacts::default() },
        },
        notices: vec![notice; n],
        lang: Lang::Zh,
    }
}

#[tokio::test]
async fn mail_arrives_with_chinese_subject_and_body_the_recipient_and_a_message_id_from_the_key() {
    let server = SmtpServer::start();
    let email = notifier(&server);
    let d = delivery("hl-0a1b2c", Some("sun@school.example.cn"), 1);
    email.deliver(&d).await.unwrap();
    let mails = server.mails();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.from, "safety@school.example.cn");
    assert_eq!(mail.to, vec!["sun@school.example.cn".to_string()]);
    let parsed = MessageParser::default().parse(&mail.raw).unwrap();
    assert_eq!(parsed.subject(), Some(d.subject().as_str()));
    assert!(d.subject().starts_with("【逾期通知】"));
    let body = parsed.body_text(0).unwrap();
    assert_eq!(body.replace("\r\n", "\n").trim_end(), d.body(chrono_tz::Asia::Shanghai).trim_end());
    assert!(body.contains("隐患：") && body.contains("已逾期，请立即办理并说明原因。"), "{body}");
    assert_eq!(parsed.message_id(), Some("hl-0a1b2c@hazardloop.school.example.cn"));
    let to = parsed.to().unwrap().first().unwrap();
    assert_eq!(to.address(), Some("sun@school.example.cn"));
    assert_eq!(to.name(), Some("孙师傅"));
    let from = parsed.from().unwrap().first().unwrap();
    assert_eq!(from.name(), Some("学校安全办"));
    // The Date header comes from the notifier's clock (2025-03-03 02:00 UTC), written in the
    // school's zone: 10:00 +0800.
    assert_eq!(parsed.date().unwrap().to_rfc3339(), "2025-03-03T10:00:00+08:00");
    let raw = String::from_utf8_lossy(&mail.raw);
    assert!(raw.contains("Date: Mon, 03 Mar 2025 10:00:00 +0800\r\n"), "{raw}");
    assert_eq!(raw.matches("\r\nDate: ").count(), 1, "one Date header");
}

#[tokio::test]
async fn a_resend_carries_the_same_message_id() {
    let server = SmtpServer::start();
    let email = notifier(&server);
    let d = delivery("hl-same", Some("sun@school.example.cn"), 2);
    email.deliver(&d).await.unwrap();
    email.deliver(&d).await.unwrap();
    let ids: Vec<String> = server
        .mails()
        .iter()
        .map(|m| MessageParser::default().parse(&m.raw).unwrap().message_id().unwrap().to_string())
        .collect();
    assert_eq!(ids, vec!["hl-same@hazardloop.school.example.cn".to_string(); 2]);
    assert_eq!(message_id("a key/with spaces", "x.cn").len(), "<@hazardloop.x.cn>".len() + 64);
}

#[tokio::test]
async fn a_recipient_without_an_email_address_is_permanent_and_nothing_is_sent() {
    let server = SmtpServer::start();
    let email = notifier(&server);
    let err = email.deliver(&delivery("hl-n", None, 1)).await.unwrap_err();
    let worker = Fixture::school().people.worker;
    assert_eq!(err, DeliveryError::Permanent(format!("孙师傅 ({worker}) has no email address")));
    let err = email.deliver(&delivery("hl-n", Some("not an address"), 1)).await.unwrap_err();
    assert!(
        matches!(&err, DeliveryError::Permanent(m) if m.contains("invalid email address")),
        "{err}"
    );
    assert!(server.mails().is_empty());
}

#[tokio::test]
async fn smtp_5xx_is_permanent_and_4xx_transient() {
    let server = SmtpServer::start();
    let email = notifier(&server);
    let d = delivery("hl-r", Some("sun@school.example.cn"), 1);
    server.refuse_recipients(Some((550, "mailbox unavailable")));
    let err = email.deliver(&d).await.unwrap_err();
    assert!(
        matches!(&err, DeliveryError::Permanent(m) if m.contains("550") || m.contains("mailbox unavailable")),
        "{err}"
    );
    server.refuse_recipients(Some((451, "try again later")));
    let err = email.deliver(&d).await.unwrap_err();
    assert!(matches!(&err, DeliveryError::Transient(_)), "{err}");
    server.refuse_recipients(None);
    email.deliver(&d).await.unwrap();
    assert_eq!(server.mails().len(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_transient() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let config = SmtpConfig::new("127.0.0.1", Security::Plain, "safety@school.example.cn")
        .port(free.port())
        .timeout(std::time::Duration::from_secs(2));
    let email = EmailNotifier::new(config).unwrap();
    let err = email.deliver(&delivery("hl-c", Some("sun@school.example.cn"), 1)).await.unwrap_err();
    assert!(matches!(err, DeliveryError::Transient(_)), "{err}");
}

#[tokio::test]
async fn the_smtp_password_never_shows_in_debug_or_errors() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let config = SmtpConfig::new("127.0.0.1", Security::StartTls, "safety@school.example.cn")
        .port(free.port())
        .credentials("safety@school.example.cn", "SMTP-PASSWORD-9");
    let shown_config = format!("{config:?}");
    let email = EmailNotifier::new(config).unwrap();
    let err = email.deliver(&delivery("hl-p", Some("sun@school.example.cn"), 1)).await.unwrap_err();
    for text in [shown_config, format!("{email:?}"), err.to_string()] {
        assert!(!text.contains("SMTP-PASSWORD-9"), "leaked in {text}");
    }
}

#[tokio::test]
async fn a_bad_from_address_is_refused_when_building() {
    let config = SmtpConfig::new("127.0.0.1", Security::Plain, "not an address");
    assert!(matches!(
        EmailNotifier::new(config),
        Err(hazardloop_email::EmailError::InvalidFrom { .. })
    ));
}

#[tokio::test]
async fn email_passes_the_notifier_conformance_suite() {
    let server = SmtpServer::start();
    notifier_conformance(&notifier(&server)).await;
    let mails = server.mails();
    assert_eq!(mails.len(), 3);
    assert!(mails.iter().all(|m| m.to == vec!["worker@school.example.cn".to_string()]));
}
