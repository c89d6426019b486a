//! The generic webhook: a signed JSON POST to the host's own endpoint.

use std::sync::Arc;
use std::time::Duration;

use hazardloop_core::clock::Clock;
use hazardloop_core::notify::{BoxFuture, Delivery, DeliveryError, Notifier};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::contact::ContactKind;
use crate::redact::redact;
use crate::transport::{judge_status, Transport};
use crate::{sign, WebhookError, WebhookPayload};

/// The header carrying [`Delivery::idempotency_key`].
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";
/// The header carrying the signing time, in Unix seconds.
pub const TIMESTAMP_HEADER: &str = "X-Hazardloop-Timestamp";
/// The header carrying the signature, `v1=<hex>` (see [`crate::verify_signature`]).
pub const SIGNATURE_HEADER: &str = "X-Hazardloop-Signature";

/// POSTs each delivery as a [`WebhookPayload`] to one URL, signed with a shared secret.
///
/// Every request carries:
///
/// | header | value |
/// | --- | --- |
/// | `Content-Type` | `application/json; charset=utf-8` |
/// | `Idempotency-Key` | the delivery's key, the same on every retry |
/// | `X-Hazardloop-Timestamp` | when it was signed, Unix seconds |
/// | `X-Hazardloop-Signature` | `v1=` + hex of HMAC-SHA256(secret, `timestamp + "." + body`) |
///
/// A receiver recomputes the HMAC over the raw body (before parsing it), compares in constant
/// time and refuses timestamps more than a few minutes away from its clock; Rust receivers call
/// [`crate::verify_signature`]. It answers 2xx once it has stored the delivery (or has seen the
/// key before); 408, 429 and 5xx ask for a retry; any other status is final and dead-letters
/// the message with the status and the start of the answer as the reason.
///
/// The recipient is identified by `recipient.person`, so by default no contact is required;
/// [`WebhookNotifier::require`] makes one mandatory (a recipient without it is a permanent
/// failure, `"<person> has no email address"`).
#[derive(Clone)]
pub struct WebhookNotifier {
    url: Url,
    secret: Arc<SecretString>,
    required: Option<ContactKind>,
    transport: Transport,
}

impl std::fmt::Debug for WebhookNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookNotifier")
            .field("url", &redact(&self.url))
            .field("secret", &"[REDACTED]")
            .field("required", &self.required)
            .field("transport", &self.transport)
            .finish()
    }
}

impl WebhookNotifier {
    /// A notifier POSTing to `url` (http or https), signing with `secret`.
    pub fn new(url: &str, secret: impl Into<String>) -> Result<WebhookNotifier, WebhookError> {
        Ok(WebhookNotifier {
            url: parse_url(url)?,
            secret: Arc::new(SecretString::from(secret.into())),
            required: None,
            transport: Transport::new()?,
        })
    }

    /// With a time limit per request, connection included (10 s by default).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> WebhookNotifier {
        self.transport.timeout = timeout;
        self
    }

    /// With another clock for the signature's timestamp (the system clock by default).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> WebhookNotifier {
        self.transport.clock = clock;
        self
    }

    /// With due times written in `tz` (Asia/Shanghai by default).
    #[must_use]
    pub fn with_time_zone(mut self, tz: chrono_tz::Tz) -> WebhookNotifier {
        self.transport.tz = tz;
        self
    }

    /// Requiring every recipient to have a contact of `kind` (the receiver routes by it).
    #[must_use]
    pub fn require(mut self, kind: ContactKind) -> WebhookNotifier {
        self.required = Some(kind);
        self
    }

    async fn send(&self, delivery: &Delivery) -> Result<(), DeliveryError> {
        if let Some(kind) = self.required {
            kind.require(&delivery.to)?;
        }
        let payload = WebhookPayload::of(delivery, self.transport.tz);
        let body = serde_json::to_vec(&payload)
            .map_err(|e| DeliveryError::Permanent(format!("the payload did not serialise: {e}")))?;
        let timestamp = self.transport.clock.now().timestamp();
        let signature = sign(self.secret.expose_secret(), timestamp, &body);
        let mut headers = HeaderMap::new();
        let key = HeaderValue::from_str(&delivery.idempotency_key).map_err(|_| {
            DeliveryError::Permanent("the idempotency key is not a valid header value".into())
        })?;
        headers.insert(HeaderName::from_static("idempotency-key"), key);
        headers.insert(HeaderName::from_static("x-hazardloop-timestamp"), header(timestamp)?);
        headers.insert(HeaderName::from_static("x-hazardloop-signature"), header(signature)?);
        let answer = self.transport.post(&self.url, headers, body).await?;
        judge_status(&self.url, &answer)
    }
}

fn header(value: impl ToString) -> Result<HeaderValue, DeliveryError> {
    HeaderValue::from_str(&value.to_string())
        .map_err(|_| DeliveryError::Permanent("a header value is not valid".into()))
}

/// Parses an http(s) URL; the error never quotes the query.
pub(crate) fn parse_url(url: &str) -> Result<Url, WebhookError> {
    let parsed = Url::parse(url).map_err(|e| WebhookError::InvalidUrl(e.to_string()))?;
    match parsed.scheme() {
        "http" | "https" if parsed.host().is_some() => Ok(parsed),
        other => Err(WebhookError::InvalidUrl(format!(
            "{} is not an http(s) URL with a host (scheme {other})",
            redact(&parsed)
        ))),
    }
}

impl Notifier for WebhookNotifier {
    fn name(&self) -> &str {
        "webhook"
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(self.send(delivery))
    }
}
