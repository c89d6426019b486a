//! WeCom (企业微信) group robot (群机器人).

use std::sync::Arc;
use std::time::Duration;

use hazardloop_core::clock::Clock;
use hazardloop_core::notify::{BoxFuture, ChannelLimits, Delivery, DeliveryError, Notifier};
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use url::Url;

use crate::contact::{missing, ContactKind};
use crate::redact::redact;
use crate::render::{markdown, marked, pieces, MARKER_BYTES};
use crate::robot::{endpoint, judge, Progress};
use crate::transport::Transport;
use crate::WebhookError;

/// The robot API's public base URL.
pub const WECOM_BASE_URL: &str = "https://qyapi.weixin.qq.com";

/// `errcode`s worth retrying: -1 system busy, 45009 frequency limit (20 messages a minute per
/// robot), 45033 concurrency limit.
const TRANSIENT: &[i64] = &[-1, 45009, 45033];

/// What a WeCom group robot (群机器人) takes in markdown: "每个机器人发送的消息不能超过20条/分钟"
/// (20 messages a minute; more is refused with errcode 45009) and `markdown.content` "最长不超过
/// 4096个字节" (4096 bytes of UTF-8), see <https://developer.work.weixin.qq.com/document/path/91770>
/// (群机器人配置说明). `max_body_bytes` counts the content, as WeCom does.
pub const WECOM_LIMITS: ChannelLimits =
    ChannelLimits { per_minute: Some(20), max_body_bytes: Some(4096) };

/// The same for [`WeComFormat::Text`]: `text.content` "最长不超过2048个字节" (same page).
pub const WECOM_TEXT_LIMITS: ChannelLimits =
    ChannelLimits { per_minute: Some(20), max_body_bytes: Some(2048) };

/// Which of the robot's message types to send.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum WeComFormat {
    /// `{"msgtype":"markdown","markdown":{"content":…}}`, mentioning the recipient with
    /// `<@userid>` when their WeCom user id is known.
    #[default]
    Markdown,
    /// `{"msgtype":"text","text":{"content":…,"mentioned_list":[…],"mentioned_mobile_list":[…]}}`,
    /// mentioning by user id and by mobile number.
    Text,
}

/// Posts each delivery to a WeCom group robot: `POST {base}/cgi-bin/webhook/send?key=KEY`.
///
/// The group sees the message; the recipient is mentioned when their WeCom user id (or, in
/// [`WeComFormat::Text`], mobile number) is known. A recipient with neither is still posted
/// to the group unless [`WeComNotifier::require_mention`] is set, in which case it is a
/// permanent failure. The robot answers HTTP 200 with `errcode`: 0 is delivered, the rate
/// limit (45009) and "busy" (-1) are retried, any other code dead-letters the message. The
/// robot cannot drop repeats by key, so a retried delivery may show twice in the group.
///
/// Limits: [`WECOM_LIMITS`] ([`WECOM_TEXT_LIMITS`] in the text format) unless
/// [`WeComNotifier::with_limits`] says otherwise. Content over `max_body_bytes` is sent in
/// parts, in order, each marked `（i/n）`, the mention in the last; a retry posts only the parts
/// the robot has not taken.
#[derive(Clone)]
pub struct WeComNotifier {
    base: Url,
    key: Arc<SecretString>,
    format: WeComFormat,
    require_mention: bool,
    transport: Transport,
    limits: Option<ChannelLimits>,
    progress: Progress,
}

impl std::fmt::Debug for WeComNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeComNotifier")
            .field("base", &redact(&self.base))
            .field("key", &"[REDACTED]")
            .field("format", &self.format)
            .field("require_mention", &self.require_mention)
            .field("transport", &self.transport)
            .field("limits", &self.limits())
            .finish()
    }
}

impl WeComNotifier {
    /// A notifier for the robot with webhook key `key` (the `key=` of its webhook URL).
    pub fn new(key: impl Into<String>) -> Result<WeComNotifier, WebhookError> {
        Ok(WeComNotifier {
            base: endpoint(WECOM_BASE_URL, "cgi-bin/webhook/send")?,
            key: Arc::new(SecretString::from(key.into())),
            format: WeComFormat::default(),
            require_mention: false,
            transport: Transport::new()?,
            limits: None,
            progress: Progress::default(),
        })
    }

    /// With other limits than the format's ([`WECOM_LIMITS`], [`WECOM_TEXT_LIMITS`]): a robot
    /// shared with another system gets a smaller share of its minute.
    #[must_use]
    pub fn with_limits(mut self, limits: ChannelLimits) -> WeComNotifier {
        self.limits = Some(limits);
        self
    }

    /// With another base URL than [`WECOM_BASE_URL`] (a proxy, or a test server).
    pub fn with_base_url(mut self, base: &str) -> Result<WeComNotifier, WebhookError> {
        self.base = endpoint(base, "cgi-bin/webhook/send")?;
        Ok(self)
    }

    /// With another message type (markdown by default).
    #[must_use]
    pub fn with_format(mut self, format: WeComFormat) -> WeComNotifier {
        self.format = format;
        self
    }

    /// Refusing recipients who cannot be mentioned (no WeCom user id and no mobile number).
    #[must_use]
    pub fn require_mention(mut self, required: bool) -> WeComNotifier {
        self.require_mention = required;
        self
    }

    /// With a time limit per request (10 s by default).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> WeComNotifier {
        self.transport.timeout = timeout;
        self
    }

    /// With another clock (the system clock by default; WeCom's API takes no time).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> WeComNotifier {
        self.transport.clock = clock;
        self
    }

    /// With due times written in `tz` (Asia/Shanghai by default).
    #[must_use]
    pub fn with_time_zone(mut self, tz: chrono_tz::Tz) -> WeComNotifier {
        self.transport.tz = tz;
        self
    }

    /// The JSON bodies of the parts `delivery` is sent in (one when its content fits).
    fn bodies(&self, delivery: &Delivery) -> Result<Vec<serde_json::Value>, DeliveryError> {
        let user = ContactKind::WeComUser.of(&delivery.to);
        let mobile = ContactKind::Mobile.of(&delivery.to);
        if self.require_mention && user.is_none() && mobile.is_none() {
            return Err(missing(&delivery.to, "WeCom user id or mobile number"));
        }
        let max = self.limits().max_body_bytes;
        Ok(match self.format {
            WeComFormat::Markdown => {
                let mention = user.as_ref().map(|u| format!("\n<@{u}>")).unwrap_or_default();
                let content = markdown(delivery, self.transport.tz, "\n");
                let mut parts = split(&content, max, mention.len());
                if let Some(last) = parts.last_mut() {
                    last.push_str(&mention);
                }
                parts
                    .into_iter()
                    .map(|content| json!({ "msgtype": "markdown", "markdown": { "content": content } }))
                    .collect()
            }
            WeComFormat::Text => {
                let content =
                    format!("{}\n\n{}", delivery.subject(), delivery.body(self.transport.tz));
                let parts = split(&content, max, 0);
                let last = parts.len().saturating_sub(1);
                parts
                    .into_iter()
                    .enumerate()
                    .map(|(i, content)| {
                        // The mention comes with the last part, once the whole text is there.
                        let (users, mobiles) = if i == last {
                            (user.iter().collect::<Vec<_>>(), mobile.iter().collect::<Vec<_>>())
                        } else {
                            (Vec::new(), Vec::new())
                        };
                        json!({ "msgtype": "text", "text": {
                            "content": content,
                            "mentioned_list": users,
                            "mentioned_mobile_list": mobiles,
                        } })
                    })
                    .collect()
            }
        })
    }

    async fn send(&self, delivery: &Delivery) -> Result<(), DeliveryError> {
        let bodies = self.bodies(delivery)?;
        let key = &delivery.idempotency_key;
        let n = bodies.len();
        for (i, body) in bodies.iter().enumerate().skip(self.progress.taken(key)) {
            let body = serde_json::to_vec(body).map_err(|e| {
                DeliveryError::Permanent(format!("the message did not serialise: {e}"))
            })?;
            let mut url = self.base.clone();
            url.query_pairs_mut().append_pair("key", self.key.expose_secret());
            let answer = self.transport.post(&url, HeaderMap::new(), body).await?;
            judge("WeCom", &url, &answer, TRANSIENT)?;
            self.progress.record(key, i + 1, n);
        }
        Ok(())
    }
}

/// `content` in marked parts of at most `max` bytes, `reserved` bytes left free in each for
/// what the caller appends.
fn split(content: &str, max: Option<usize>, reserved: usize) -> Vec<String> {
    let Some(max) = max else { return vec![content.to_string()] };
    let pieces = pieces(content, max.saturating_sub(reserved + MARKER_BYTES), str::len);
    let n = pieces.len();
    pieces.iter().enumerate().map(|(i, p)| marked(p, i + 1, n)).collect()
}

impl Notifier for WeComNotifier {
    fn name(&self) -> &str {
        "wecom"
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(self.send(delivery))
    }

    fn limits(&self) -> ChannelLimits {
        self.limits.unwrap_or(match self.format {
            WeComFormat::Markdown => WECOM_LIMITS,
            WeComFormat::Text => WECOM_TEXT_LIMITS,
        })
    }

    /// A delivery refused for a missing mention is sent in no parts, but counted as one.
    fn parts(&self, delivery: &Delivery) -> u32 {
        self.bodies(delivery).map_or(1, |b| u32::try_from(b.len()).unwrap_or(u32::MAX))
    }
}
