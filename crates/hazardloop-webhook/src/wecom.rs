//! WeCom (企业微信) group robot (群机器人).

use std::sync::Arc;
use std::time::Duration;

use hazardloop_core::clock::Clock;
use hazardloop_core::notify::{BoxFuture, Delivery, DeliveryError, Notifier};
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use url::Url;

use crate::contact::{missing, ContactKind};
use crate::redact::redact;
use crate::render::{cut, markdown};
use crate::robot::{endpoint, judge};
use crate::transport::Transport;
use crate::WebhookError;

/// The robot API's public base URL.
pub const WECOM_BASE_URL: &str = "https://qyapi.weixin.qq.com";

/// `errcode`s worth retrying: -1 system busy, 45009 frequency limit (20 messages a minute per
/// robot), 45033 concurrency limit.
const TRANSIENT: &[i64] = &[-1, 45009, 45033];

/// WeCom's byte limits on `markdown.content` and `text.content`.
const MARKDOWN_MAX: usize = 4096;
const TEXT_MAX: usize = 2048;

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
#[derive(Clone)]
pub struct WeComNotifier {
    base: Url,
    key: Arc<SecretString>,
    format: WeComFormat,
    require_mention: bool,
    transport: Transport,
}

impl std::fmt::Debug for WeComNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeComNotifier")
            .field("base", &redact(&self.base))
            .field("key", &"[REDACTED]")
            .field("format", &self.format)
            .field("require_mention", &self.require_mention)
            .field("transport", &self.transport)
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
        })
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

    /// The JSON body for `delivery`.
    fn body(&self, delivery: &Delivery) -> Result<serde_json::Value, DeliveryError> {
        let user = ContactKind::WeComUser.of(&delivery.to);
        let mobile = ContactKind::Mobile.of(&delivery.to);
        if self.require_mention && user.is_none() && mobile.is_none() {
            return Err(missing(&delivery.to, "WeCom user id or mobile number"));
        }
        Ok(match self.format {
            WeComFormat::Markdown => {
                let mut content = markdown(delivery, self.transport.tz, "\n");
                if let Some(user) = user {
                    content = format!(
                        "{}\n<@{user}>",
                        cut(content, MARKDOWN_MAX.saturating_sub(user.len() + 4))
                    );
                }
                json!({ "msgtype": "markdown",
                        "markdown": { "content": cut(content, MARKDOWN_MAX) } })
            }
            WeComFormat::Text => {
                let content =
                    format!("{}\n\n{}", delivery.subject(), delivery.body(self.transport.tz));
                json!({ "msgtype": "text", "text": {
                    "content": cut(content, TEXT_MAX),
                    "mentioned_list": user.into_iter().collect::<Vec<_>>(),
                    "mentioned_mobile_list": mobile.into_iter().collect::<Vec<_>>(),
                } })
            }
        })
    }

    async fn send(&self, delivery: &Delivery) -> Result<(), DeliveryError> {
        let body = serde_json::to_vec(&self.body(delivery)?)
            .map_err(|e| DeliveryError::Permanent(format!("the message did not serialise: {e}")))?;
        let mut url = self.base.clone();
        url.query_pairs_mut().append_pair("key", self.key.expose_secret());
        let answer = self.transport.post(&url, HeaderMap::new(), body).await?;
        judge("WeCom", &url, &answer, TRANSIENT)
    }
}

impl Notifier for WeComNotifier {
    fn name(&self) -> &str {
        "wecom"
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(self.send(delivery))
    }
}
