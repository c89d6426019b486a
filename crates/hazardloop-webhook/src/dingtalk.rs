//! DingTalk (钉钉) custom robot (自定义机器人), with its optional signed-URL secret (加签).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use hazardloop_core::clock::Clock;
use hazardloop_core::notify::{BoxFuture, ChannelLimits, Delivery, DeliveryError, Notifier};
use hmac::{Mac, SimpleHmac};
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sha2::Sha256;
use url::Url;

use crate::contact::ContactKind;
use crate::redact::redact;
use crate::render::{markdown, marked, pieces, MARKER_BYTES};
use crate::robot::{endpoint, judge, Progress};
use crate::transport::Transport;
use crate::WebhookError;

/// The robot API's public base URL.
pub const DINGTALK_BASE_URL: &str = "https://oapi.dingtalk.com";

/// `errcode`s worth retrying: -1 system busy, 130101 and 410100 sending too fast (20 messages
/// a minute per robot).
const TRANSIENT: &[i64] = &[-1, 130_101, 410_100];

/// What a DingTalk custom robot (自定义机器人) takes: "每个机器人每分钟最多发送20条" (20
/// messages a minute per robot; more is refused with errcode 130101 "send too fast" and the
/// robot is throttled for 10 minutes), see
/// <https://open.dingtalk.com/document/group/custom-robot-access> ("消息发送频率限制"); and
/// request bodies of at most about 20,000 bytes (the page gives no exact figure; 20,000 bytes is
/// the commonly observed bound, so the whole JSON body is kept within it).
pub const DINGTALK_LIMITS: ChannelLimits =
    ChannelLimits { per_minute: Some(20), max_body_bytes: Some(20_000) };

/// The `sign` query parameter of DingTalk's signed mode before URL encoding:
/// base64(HMAC-SHA256(key = secret, message = `"{timestamp_ms}\n{secret}"`)).
///
/// ```
/// let sign = hazardloop_webhook::dingtalk_sign("SEC000", 1_700_000_000_000);
/// assert_eq!(sign.len(), 44); // 32 bytes in base64
/// ```
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let mut mac = match SimpleHmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    };
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Posts each delivery to a DingTalk group robot:
/// `POST {base}/robot/send?access_token=TOKEN`, plus `&timestamp=<ms>&sign=<sign>` in signed
/// mode ([`DingTalkNotifier::with_secret`]; see [`dingtalk_sign`]).
///
/// The body is `{"msgtype":"markdown","markdown":{"title":…,"text":…},"at":{"atMobiles":[…],
/// "atUserIds":[…],"isAtAll":false}}`; the recipient is mentioned by mobile number and DingTalk
/// user id when known (and `@…` is added to the text, which the robot needs to show the
/// mention). A recipient with neither is still posted to the group. The robot answers HTTP
/// 200 with `errcode`: 0 is delivered, the rate limit (130101, 410100) and "busy" (-1) are
/// retried, any other code (a wrong token or signature, a missing keyword, …) dead-letters the
/// message. The robot cannot drop repeats by key.
///
/// Limits: [`DINGTALK_LIMITS`] unless [`DingTalkNotifier::with_limits`] says otherwise. A body
/// over `max_body_bytes` is sent in parts, in order, each marked `（i/n）`, the mention in the
/// last; a retry posts only the parts the robot has not taken.
#[derive(Clone)]
pub struct DingTalkNotifier {
    base: Url,
    token: Arc<SecretString>,
    secret: Option<Arc<SecretString>>,
    transport: Transport,
    limits: ChannelLimits,
    progress: Progress,
}

impl std::fmt::Debug for DingTalkNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DingTalkNotifier")
            .field("base", &redact(&self.base))
            .field("access_token", &"[REDACTED]")
            .field("secret", &self.secret.as_ref().map(|_| "[REDACTED]"))
            .field("transport", &self.transport)
            .field("limits", &self.limits)
            .finish()
    }
}

impl DingTalkNotifier {
    /// A notifier for the robot with `access_token` (the `access_token=` of its webhook URL).
    pub fn new(access_token: impl Into<String>) -> Result<DingTalkNotifier, WebhookError> {
        Ok(DingTalkNotifier {
            base: endpoint(DINGTALK_BASE_URL, "robot/send")?,
            token: Arc::new(SecretString::from(access_token.into())),
            secret: None,
            transport: Transport::new()?,
            limits: DINGTALK_LIMITS,
            progress: Progress::default(),
        })
    }

    /// With other limits than [`DINGTALK_LIMITS`] (a robot shared with another system gets a
    /// smaller share of its minute; [`ChannelLimits::NONE`] for a proxy that queues).
    #[must_use]
    pub fn with_limits(mut self, limits: ChannelLimits) -> DingTalkNotifier {
        self.limits = limits;
        self
    }

    /// In signed mode (加签) with the robot's secret (`SEC…`): each request carries
    /// `timestamp` (ms, from the notifier's clock) and `sign`.
    #[must_use]
    pub fn with_secret(mut self, secret: impl Into<String>) -> DingTalkNotifier {
        self.secret = Some(Arc::new(SecretString::from(secret.into())));
        self
    }

    /// With another base URL than [`DINGTALK_BASE_URL`] (a proxy, or a test server).
    pub fn with_base_url(mut self, base: &str) -> Result<DingTalkNotifier, WebhookError> {
        self.base = endpoint(base, "robot/send")?;
        Ok(self)
    }

    /// With a time limit per request (10 s by default).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> DingTalkNotifier {
        self.transport.timeout = timeout;
        self
    }

    /// With another clock for the signed mode's timestamp (the system clock by default;
    /// DingTalk refuses timestamps more than an hour off).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> DingTalkNotifier {
        self.transport.clock = clock;
        self
    }

    /// With due times written in `tz` (Asia/Shanghai by default).
    #[must_use]
    pub fn with_time_zone(mut self, tz: chrono_tz::Tz) -> DingTalkNotifier {
        self.transport.tz = tz;
        self
    }

    /// The JSON body of one part with markdown `text`.
    fn body(&self, delivery: &Delivery, text: &str) -> serde_json::Value {
        let mobile = ContactKind::Mobile.of(&delivery.to);
        let user = ContactKind::DingTalkUser.of(&delivery.to);
        json!({
            "msgtype": "markdown",
            "markdown": { "title": delivery.subject(), "text": text },
            "at": {
                "atMobiles": mobile.into_iter().collect::<Vec<_>>(),
                "atUserIds": user.into_iter().collect::<Vec<_>>(),
                "isAtAll": false,
            },
        })
    }

    /// The markdown texts of the parts `delivery` is sent in: one when its body fits in
    /// `max_body_bytes`. The mention (`@…`, which the robot needs in the text to show it) ends
    /// the last part.
    fn texts(&self, delivery: &Delivery) -> Vec<String> {
        let mobile = ContactKind::Mobile.of(&delivery.to);
        let user = ContactKind::DingTalkUser.of(&delivery.to);
        let mentions: Vec<String> =
            mobile.iter().chain(user.iter()).map(|m| format!("@{m}")).collect();
        let mention =
            if mentions.is_empty() { String::new() } else { format!("\n\n{}", mentions.join(" ")) };
        let text = markdown(delivery, self.transport.tz, "\n\n");
        let mut texts = match self.limits.max_body_bytes {
            None => vec![text],
            Some(max) => {
                let overhead = serde_json::to_vec(&self.body(delivery, "")).map_or(0, |b| b.len());
                let budget = max.saturating_sub(overhead + escaped_len(&mention) + MARKER_BYTES);
                let pieces = pieces(&text, budget, escaped_len);
                let n = pieces.len();
                pieces.iter().enumerate().map(|(i, p)| marked(p, i + 1, n)).collect()
            }
        };
        if let Some(last) = texts.last_mut() {
            last.push_str(&mention);
        }
        texts
    }

    async fn send(&self, delivery: &Delivery) -> Result<(), DeliveryError> {
        let texts = self.texts(delivery);
        let key = &delivery.idempotency_key;
        let n = texts.len();
        for (i, text) in texts.iter().enumerate().skip(self.progress.taken(key)) {
            self.post(&self.body(delivery, text)).await?;
            self.progress.record(key, i + 1, n);
        }
        Ok(())
    }

    async fn post(&self, body: &serde_json::Value) -> Result<(), DeliveryError> {
        let body = serde_json::to_vec(body)
            .map_err(|e| DeliveryError::Permanent(format!("the message did not serialise: {e}")))?;
        let mut url = self.base.clone();
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("access_token", self.token.expose_secret());
            if let Some(secret) = &self.secret {
                let ms = self.transport.clock.now().timestamp_millis();
                query.append_pair("timestamp", &ms.to_string());
                query.append_pair("sign", &dingtalk_sign(secret.expose_secret(), ms));
            }
        }
        let answer = self.transport.post(&url, HeaderMap::new(), body).await?;
        judge("DingTalk", &url, &answer, TRANSIENT)
    }
}

/// Bytes of `text` once written as a JSON string (without the quotes).
fn escaped_len(text: &str) -> usize {
    serde_json::to_string(text).map_or(text.len() * 6, |j| j.len().saturating_sub(2))
}

impl Notifier for DingTalkNotifier {
    fn name(&self) -> &str {
        "dingtalk"
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(self.send(delivery))
    }

    fn limits(&self) -> ChannelLimits {
        self.limits
    }

    fn parts(&self, delivery: &Delivery) -> u32 {
        u32::try_from(self.texts(delivery).len()).unwrap_or(u32::MAX)
    }
}
