//! What the WeCom and DingTalk robots share: they answer HTTP 200 with a JSON `errcode`, zero
//! for success; a few codes mean "too fast" or "busy" and are worth retrying.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use hazardloop_core::notify::DeliveryError;
use serde::Deserialize;
use url::Url;

use crate::generic::parse_url;
use crate::redact::redact;
use crate::transport::{judge_status, quote, Answer};
use crate::WebhookError;

#[derive(Deserialize)]
struct RobotAnswer {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

/// Judges a robot's answer: the HTTP status first, then `errcode` (codes in `transient` are
/// retried, any other non-zero code is final).
pub(crate) fn judge(
    channel: &str,
    url: &Url,
    answer: &Answer,
    transient: &[i64],
) -> Result<(), DeliveryError> {
    judge_status(url, answer)?;
    let parsed: RobotAnswer = serde_json::from_str(&answer.body).map_err(|_| {
        DeliveryError::Permanent(format!(
            "{channel} robot at {} answered without an errcode: {}",
            redact(url),
            quote(&answer.body)
        ))
    })?;
    if parsed.errcode == 0 {
        return Ok(());
    }
    let reason = format!(
        "{channel} robot at {} answered errcode {}: {}",
        redact(url),
        parsed.errcode,
        quote(&parsed.errmsg)
    );
    if transient.contains(&parsed.errcode) {
        Err(DeliveryError::Transient(reason))
    } else {
        Err(DeliveryError::Permanent(reason))
    }
}

/// `base` joined with `path`, keeping any path `base` has (for a proxy or a test server).
pub(crate) fn endpoint(base: &str, path: &str) -> Result<Url, WebhookError> {
    let mut base = parse_url(base)?;
    if !base.path().ends_with('/') {
        let with_slash = format!("{}/", base.path());
        base.set_path(&with_slash);
    }
    base.set_query(None);
    base.join(path).map_err(|e| WebhookError::InvalidUrl(e.to_string()))
}

/// Parts of a split delivery the robot has already taken, by idempotency key: a retry after a
/// later part failed posts only the parts not yet taken (the robot cannot drop repeats itself).
/// Kept in memory, so a restarted process may post a part twice; a key is forgotten once its
/// last part is taken.
#[derive(Clone, Debug, Default)]
pub(crate) struct Progress(Arc<Mutex<HashMap<String, usize>>>);

impl Progress {
    /// Parts of `key` taken so far.
    pub(crate) fn taken(&self, key: &str) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).get(key).copied().unwrap_or(0)
    }

    /// Part `taken` (counting from 1) of `total` of `key` was taken.
    pub(crate) fn record(&self, key: &str, taken: usize, total: usize) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if taken >= total {
            map.remove(key);
        } else {
            map.insert(key.to_string(), taken);
        }
    }
}
