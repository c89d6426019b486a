//! Webhook notifiers for hazardloop (通知渠道): a signed JSON POST to the host's own endpoint,
//! and the WeCom (企业微信) and DingTalk (钉钉) group robots. Each is a
//! [`hazardloop_core::notify::Notifier`]: the engine's dispatcher calls it with a
//! [`Delivery`](hazardloop_core::notify::Delivery) from the outbox and settles the message by the
//! answer.
//!
//! | answer | result |
//! | --- | --- |
//! | 2xx (robots: and `errcode` 0) | delivered |
//! | 408, 429, 5xx, timeout, connection failure, robot rate limit | `DeliveryError::Transient`: retried with backoff |
//! | any other status, any other robot `errcode`, a required contact missing | `DeliveryError::Permanent`: dead-lettered with the reason |
//!
//! The robots declare their documented limits ([`DINGTALK_LIMITS`], [`WECOM_LIMITS`]): the
//! engine's dispatcher sends them at most 20 messages a minute, splits a digest too large for
//! one message into digests that fit, and a robot posts a single notice too large for one
//! message in parts marked `（i/n）`. Nothing is cut.
//!
//! Secrets (the webhook secret, robot keys, tokens and the DingTalk secret) never show in
//! `Debug` output or error messages: URLs are shown with their query values as `***`.
//!
//! ```no_run
//! use std::sync::Arc;
//! use hazardloop_core::engine::Engine;
//! use hazardloop_core::clock::SystemClock;
//! use hazardloop_core::notify::Fanout;
//! use hazardloop_core::policy::Policy;
//! use hazardloop_core::store::MemoryStore;
//! use hazardloop_webhook::{DingTalkNotifier, WeComNotifier, WebhookNotifier};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let webhook = WebhookNotifier::new("https://ops.school.example.cn/hazards", "s3cret")?;
//! let wecom = WeComNotifier::new("693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa")?;
//! let dingtalk = DingTalkNotifier::new("ACCESS_TOKEN")?.with_secret("SEC0123");
//! let channels = Fanout(vec![Box::new(webhook), Box::new(wecom), Box::new(dingtalk)]);
//! let engine = Engine::new(MemoryStore::new(), channels, Arc::new(SystemClock), Policy::default());
//! let report = engine.dispatch().await?;
//! println!("{} delivered, {} to retry, {} dead", report.delivered, report.retried, report.dead);
//! # Ok(()) }
//! ```
//!
//! A receiver of the generic webhook checks each request with [`verify_signature`]:
//!
//! ```
//! use chrono::{Duration, TimeZone, Utc};
//! use hazardloop_webhook::{sign, verify_signature};
//!
//! let body = br#"{"version":1}"#; // the raw request body
//! let timestamp = "1741000000"; // X-Hazardloop-Timestamp
//! let signature = sign("s3cret", 1_741_000_000, body); // X-Hazardloop-Signature, as sent
//! let now = Utc.timestamp_opt(1_741_000_012, 0).unwrap();
//! verify_signature("s3cret", timestamp, body, &signature, now, Duration::minutes(5)).unwrap();
//! ```

mod contact;
mod dingtalk;
mod error;
mod generic;
mod payload;
mod redact;
mod render;
mod robot;
mod signature;
mod transport;
mod wecom;

pub use contact::ContactKind;
pub use dingtalk::{dingtalk_sign, DingTalkNotifier, DINGTALK_BASE_URL, DINGTALK_LIMITS};
pub use error::{SignatureError, WebhookError};
pub use generic::{WebhookNotifier, IDEMPOTENCY_KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
pub use payload::{PayloadNotice, PayloadRecipient, WebhookPayload, PAYLOAD_VERSION};
pub use signature::{sign, verify_signature};
pub use transport::DEFAULT_TIMEOUT;
pub use wecom::{WeComFormat, WeComNotifier, WECOM_BASE_URL, WECOM_LIMITS, WECOM_TEXT_LIMITS};
