//! WeCom and DingTalk robots against a real HTTP server on 127.0.0.1: their documented message
//! shapes, mentions, DingTalk's signed URL recomputed here, and errcode classification.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use base64::Engine as _;
use hazardloop_core::clock::Clock;
use hazardloop_core::notify::{DeliveryError, Notifier};
use hazardloop_core::org::Contacts;
use hazardloop_testkit::{Fixture, ManualClock};
use hazardloop_webhook::{DingTalkNotifier, WeComFormat, WeComNotifier};
use hmac::{Mac, SimpleHmac};
use support::{delivery, full_contacts, Reply, Server};

async fn robot_server() -> (Server, ManualClock) {
    let clock = ManualClock::new(Fixture::school().start);
    let server = Server::start(None, Arc::new(clock.clone())).await;
    server.script(|_, _| Reply::robot(0));
    (server, clock)
}

#[tokio::test]
async fn wecom_markdown_is_the_documented_shape_and_mentions_the_wecom_user() {
    let (server, _) = robot_server().await;
    let wecom = WeComNotifier::new("KEY-1").unwrap().with_base_url(&server.base()).unwrap();
    let d = delivery("hl-1", full_contacts(), 1);
    wecom.deliver(&d).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.path, "/cgi-bin/webhook/send");
    assert_eq!(r.query["key"], "KEY-1");
    assert_eq!(r.json["msgtype"], "markdown");
    let content = r.json["markdown"]["content"].as_str().unwrap();
    assert!(content.starts_with(&format!("### {}", d.subject())), "{content}");
    assert!(content.contains("隐患：") && content.contains("已逾期"), "{content}");
    assert!(content.ends_with("<@sunshifu>"), "{content}");
    assert!(content.len() <= 4096);
    assert_eq!(r.json.as_object().unwrap().len(), 2, "only msgtype and markdown: {}", r.json);
}

#[tokio::test]
async fn wecom_text_mentions_by_user_id_and_mobile() {
    let (server, _) = robot_server().await;
    let wecom = WeComNotifier::new("KEY-2")
        .unwrap()
        .with_format(WeComFormat::Text)
        .with_base_url(&format!("{}/proxy", server.base()))
        .unwrap();
    let d = delivery("hl-2", full_contacts(), 2);
    wecom.deliver(&d).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.path, "/proxy/cgi-bin/webhook/send", "a base URL's path is kept");
    assert_eq!(r.json["msgtype"], "text");
    assert!(r.json["text"]["content"].as_str().unwrap().starts_with("【隐患督办汇总】共2条待办"));
    assert_eq!(r.json["text"]["mentioned_list"], serde_json::json!(["sunshifu"]));
    assert_eq!(r.json["text"]["mentioned_mobile_list"], serde_json::json!(["13800000000"]));
}

#[tokio::test]
async fn wecom_posts_without_a_mention_unless_a_mention_is_required() {
    let (server, _) = robot_server().await;
    let wecom = WeComNotifier::new("K").unwrap().with_base_url(&server.base()).unwrap();
    let nobody = delivery("hl-3", Contacts::default(), 1);
    wecom.deliver(&nobody).await.unwrap();
    assert!(!server.requests()[0].json["markdown"]["content"].as_str().unwrap().contains("<@"));
    let strict = wecom.require_mention(true);
    let err = strict.deliver(&nobody).await.unwrap_err();
    assert!(
        matches!(&err, DeliveryError::Permanent(m) if m.contains("has no WeCom user id or mobile number")),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1, "nothing sent for the refused one");
}

#[tokio::test]
async fn dingtalk_markdown_with_at_is_the_documented_shape() {
    let (server, _) = robot_server().await;
    let dingtalk = DingTalkNotifier::new("TOKEN-1").unwrap().with_base_url(&server.base()).unwrap();
    let d = delivery("hl-4", full_contacts(), 1);
    dingtalk.deliver(&d).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.path, "/robot/send");
    assert_eq!(r.query["access_token"], "TOKEN-1");
    assert!(!r.query.contains_key("sign"), "unsigned mode sends no sign");
    assert_eq!(r.json["msgtype"], "markdown");
    assert_eq!(r.json["markdown"]["title"], d.subject());
    let text = r.json["markdown"]["text"].as_str().unwrap();
    assert!(text.contains("隐患：") && text.contains("@13800000000"), "{text}");
    assert_eq!(r.json["at"]["atMobiles"], serde_json::json!(["13800000000"]));
    assert_eq!(r.json["at"]["atUserIds"], serde_json::json!(["dd-sun"]));
    assert_eq!(r.json["at"]["isAtAll"], false);
}

#[tokio::test]
async fn dingtalk_signed_mode_sends_timestamp_ms_and_the_hmac_sign() {
    let (server, clock) = robot_server().await;
    let secret = "SECa1b2c3d4e5f6";
    let dingtalk = DingTalkNotifier::new("TOKEN-2")
        .unwrap()
        .with_secret(secret)
        .with_clock(Arc::new(clock.clone()))
        .with_base_url(&server.base())
        .unwrap();
    dingtalk.deliver(&delivery("hl-5", Contacts::default(), 1)).await.unwrap();
    let r = &server.requests()[0];
    let ms = clock.now().timestamp_millis();
    assert_eq!(r.query["timestamp"], ms.to_string());
    // Recomputed from DingTalk's description: HmacSHA256(key=secret, timestamp + "\n" + secret),
    // base64, then URL-encoded (the server decoded the query, so compare the base64).
    let mut mac = SimpleHmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ms}\n{secret}").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(r.query["sign"], expected);
    assert!(r.json["at"]["atMobiles"].as_array().unwrap().is_empty(), "no contacts, no mention");
}

#[tokio::test]
async fn robot_rate_limit_codes_are_transient_and_other_codes_permanent() {
    let (server, _) = robot_server().await;
    let wecom = WeComNotifier::new("K").unwrap().with_base_url(&server.base()).unwrap();
    let dingtalk = DingTalkNotifier::new("T").unwrap().with_base_url(&server.base()).unwrap();
    let d = delivery("hl-6", full_contacts(), 1);
    let cases: [(&dyn Notifier, i64, bool); 6] = [
        (&wecom, 45009, true),
        (&wecom, -1, true),
        (&wecom, 93000, false),
        (&dingtalk, 130101, true),
        (&dingtalk, 310000, false),
        (&dingtalk, 300001, false),
    ];
    for (notifier, code, transient) in cases {
        server.script(move |_, _| Reply::robot(code));
        let err = notifier.deliver(&d).await.unwrap_err();
        let text = err.to_string();
        assert!(text.contains(&code.to_string()) && text.contains("scripted"), "{text}");
        assert_eq!(
            matches!(err, DeliveryError::Transient(_)),
            transient,
            "{} {code}",
            notifier.name()
        );
    }
    server.script(|_, _| Reply::Status(200, "<html>portal</html>".into()));
    let err = wecom.deliver(&d).await.unwrap_err();
    assert!(
        matches!(&err, DeliveryError::Permanent(m) if m.contains("without an errcode")),
        "{err}"
    );
    server.script(|_, _| Reply::Status(503, "busy".into()));
    assert!(matches!(dingtalk.deliver(&d).await, Err(DeliveryError::Transient(_))));
}
