//! The HTTP side every notifier of this crate shares: one client, a per-request timeout, the
//! clock that stamps requests, the time zone texts are written in, and how answers and errors
//! become [`DeliveryError`]s.

use std::sync::Arc;
use std::time::Duration;

use hazardloop_core::clock::{Clock, SystemClock};
use hazardloop_core::notify::DeliveryError;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use url::Url;

use crate::redact::redact;
use crate::WebhookError;

/// Default time a request may take, connection included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// At most this much of an answer's body is quoted in an error.
const QUOTED: usize = 200;

/// One answer: status and body.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: String,
}

/// Client, timeout, clock and time zone.
#[derive(Clone)]
pub(crate) struct Transport {
    client: reqwest::Client,
    pub(crate) timeout: Duration,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) tz: chrono_tz::Tz,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("timeout", &self.timeout)
            .field("clock", &self.clock)
            .field("tz", &self.tz)
            .finish()
    }
}

impl Transport {
    pub(crate) fn new() -> Result<Transport, WebhookError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("hazardloop-webhook/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| WebhookError::Client(e.without_url().to_string()))?;
        Ok(Transport {
            client,
            timeout: DEFAULT_TIMEOUT,
            clock: Arc::new(SystemClock),
            tz: chrono_tz::Asia::Shanghai,
        })
    }

    /// POSTs a JSON body. Transport failures become [`DeliveryError`]s here; the answer's
    /// status and body are returned for the caller to judge.
    pub(crate) async fn post(
        &self,
        url: &Url,
        headers: HeaderMap,
        body: Vec<u8>,
    ) -> Result<Answer, DeliveryError> {
        let shown = redact(url);
        let sent = self
            .client
            .post(url.clone())
            .timeout(self.timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .headers(headers)
            .body(body)
            .send()
            .await;
        let response = sent.map_err(|e| request_error(&shown, e))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| request_error(&shown, e))?;
        Ok(Answer { status, body })
    }
}

/// Judges a status: 2xx delivered; 408, 429 and 5xx worth retrying; any other answer final.
pub(crate) fn judge_status(url: &Url, answer: &Answer) -> Result<(), DeliveryError> {
    let status = answer.status;
    if status.is_success() {
        return Ok(());
    }
    let reason = format!("POST {} answered {status}: {}", redact(url), quote(&answer.body));
    if status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
    {
        Err(DeliveryError::Transient(reason))
    } else {
        Err(DeliveryError::Permanent(reason))
    }
}

/// The start of a body, on one line, for an error message.
pub(crate) fn quote(body: &str) -> String {
    let line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(QUOTED) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// A failed request: timeouts and connection failures are transient, as is anything on the
/// way (the body may or may not have arrived: the receiver drops a repeat by its key). Only a
/// request that could not even be built is permanent. The URL is shown redacted, never as
/// reqwest prints it.
fn request_error(shown: &str, e: reqwest::Error) -> DeliveryError {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let permanent = e.is_builder();
    let e = e.without_url();
    let mut reason = format!("POST {shown} {what}: {e}");
    // The causes (hyper's and the OS's words) never hold the URL.
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        reason.push_str(": ");
        reason.push_str(&c.to_string());
        cause = c.source();
    }
    if permanent {
        DeliveryError::Permanent(reason)
    } else {
        DeliveryError::Transient(reason)
    }
}
