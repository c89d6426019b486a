//! Errors of building a notifier and of checking a signature.

/// Why a notifier could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The URL (or base URL) does not parse or is not http(s). The message never holds the
    /// URL's query, where robot keys live.
    ///
    /// **Handling:** a configuration mistake: fix the URL and build the notifier again.
    #[error("invalid webhook URL: {0}")]
    InvalidUrl(String),
    /// The HTTP client could not be built (TLS initialisation failed).
    ///
    /// **Handling:** an environment problem (no usable TLS roots or crypto provider); report it
    /// at start-up rather than retrying.
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
}

/// Why a webhook signature was refused by [`crate::verify_signature`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The timestamp header is not a whole number of seconds since the Unix epoch.
    ///
    /// **Handling:** answer 400; the request did not come from hazardloop.
    #[error("the timestamp is not unix seconds")]
    MalformedTimestamp,
    /// The signature header holds no `v1=<64 hex digits>` entry.
    ///
    /// **Handling:** answer 400; the request did not come from hazardloop (or from a newer
    /// version with another scheme: check the sender's version).
    #[error("the signature header holds no v1 signature")]
    MalformedSignature,
    /// The timestamp is further from `now` than the tolerance: a replay or a badly set clock.
    ///
    /// **Handling:** answer 400 and check both clocks; a genuine retry is signed anew, so a
    /// stale signature is never a delivery hazardloop still waits for.
    #[error("the timestamp is {age_seconds} s away from now, beyond the tolerance")]
    Stale {
        /// Seconds between the timestamp and now (negative: in the future).
        age_seconds: i64,
    },
    /// No signature matches the body under the secret.
    ///
    /// **Handling:** answer 401; the body was altered or the secrets differ (check rotation).
    #[error("the signature does not match")]
    Mismatch,
}
