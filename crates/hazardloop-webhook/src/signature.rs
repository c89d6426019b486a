//! The webhook signature (签名): `X-Hazardloop-Signature: v1=<hex>` where `<hex>` is the
//! lower-case hex of HMAC-SHA256 under the shared secret of `"{timestamp}.{body}"`, and
//! `timestamp` is the `X-Hazardloop-Timestamp` header (Unix seconds) sent with it.

use chrono::{DateTime, Duration, Utc};
use hmac::{Mac, SimpleHmac};
use sha2::Sha256;

use crate::SignatureError;

type HmacSha256 = SimpleHmac<Sha256>;

/// The scheme's prefix in the signature header.
const SCHEME: &str = "v1=";

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable_key(),
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

#[cold]
fn unreachable_key() -> ! {
    unreachable!("HMAC accepts keys of every length")
}

/// The signature header's value for `body` sent at `timestamp` (Unix seconds): `v1=<hex>`.
///
/// ```
/// let header = hazardloop_webhook::sign(b"s3cret", 1_700_000_000, br#"{"a":1}"#);
/// assert!(header.starts_with("v1=") && header.len() == 3 + 64);
/// ```
pub fn sign(secret: impl AsRef<[u8]>, timestamp: i64, body: &[u8]) -> String {
    let tag = mac(secret.as_ref(), &timestamp.to_string(), body).finalize().into_bytes();
    format!("{SCHEME}{}", hex::encode(tag))
}

/// Checks a delivery's signature as a receiver: `timestamp` and `header` are the values of the
/// `X-Hazardloop-Timestamp` and `X-Hazardloop-Signature` headers, `body` the raw request body
/// (before any JSON parsing), `now` the receiver's time. The timestamp must be within
/// `tolerance` of `now` either way (five minutes is usual) so a captured request cannot be
/// replayed later. The header may hold several comma-separated `v1=` entries (during a secret
/// rotation); one match suffices. Comparison is constant-time.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use hazardloop_webhook::{sign, verify_signature, SignatureError};
///
/// let body = r#"{"subject":"【逾期通知】"}"#.as_bytes();
/// let header = sign("s3cret", 1_700_000_000, body);
/// let now = Utc.timestamp_opt(1_700_000_030, 0).unwrap();
/// let five_minutes = Duration::minutes(5);
/// assert_eq!(verify_signature("s3cret", "1700000000", body, &header, now, five_minutes), Ok(()));
/// assert_eq!(
///     verify_signature("other", "1700000000", body, &header, now, five_minutes),
///     Err(SignatureError::Mismatch)
/// );
/// ```
pub fn verify_signature(
    secret: impl AsRef<[u8]>,
    timestamp: &str,
    body: &[u8],
    header: &str,
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let timestamp = timestamp.trim();
    let at: i64 = timestamp.parse().map_err(|_| SignatureError::MalformedTimestamp)?;
    let tags: Vec<Vec<u8>> = header
        .split(',')
        .filter_map(|part| part.trim().strip_prefix(SCHEME))
        .filter_map(|h| hex::decode(h).ok())
        .filter(|tag| tag.len() == 32)
        .collect();
    if tags.is_empty() {
        return Err(SignatureError::MalformedSignature);
    }
    let age_seconds = now.timestamp().saturating_sub(at);
    if age_seconds.unsigned_abs() > tolerance.num_seconds().unsigned_abs() {
        return Err(SignatureError::Stale { age_seconds });
    }
    let expected = mac(secret.as_ref(), timestamp, body);
    // `verify_slice` compares in constant time; try every entry so timing does not tell which.
    let matched =
        tags.iter().fold(false, |ok, tag| expected.clone().verify_slice(tag).is_ok() | ok);
    if matched {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).unwrap()
    }

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Computed independently: printf '1700000000.{}' | openssl dgst -sha256 -hmac key
        let header = sign("key", 1_700_000_000, b"{}");
        assert_eq!(header, "v1=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae");
        assert_eq!(
            verify_signature(
                "key",
                "1700000000",
                b"{}",
                &header,
                at(1_700_000_000),
                Duration::minutes(5)
            ),
            Ok(())
        );
    }

    #[test]
    fn an_altered_body_is_a_mismatch() {
        let header = sign("key", 100, b"{\"a\":1}");
        let r =
            verify_signature("key", "100", b"{\"a\":2}", &header, at(100), Duration::minutes(5));
        assert_eq!(r, Err(SignatureError::Mismatch));
    }

    #[test]
    fn a_stale_or_future_timestamp_is_refused() {
        let header = sign("key", 100, b"x");
        let late =
            verify_signature("key", "100", b"x", &header, at(100 + 301), Duration::minutes(5));
        assert_eq!(late, Err(SignatureError::Stale { age_seconds: 301 }));
        let early =
            verify_signature("key", "100", b"x", &header, at(100 - 301), Duration::minutes(5));
        assert_eq!(early, Err(SignatureError::Stale { age_seconds: -301 }));
    }

    #[test]
    fn malformed_headers_are_told_apart() {
        let now = at(100);
        let tol = Duration::minutes(5);
        assert_eq!(
            verify_signature("k", "soon", b"x", "v1=00", now, tol),
            Err(SignatureError::MalformedTimestamp)
        );
        assert_eq!(
            verify_signature("k", "100", b"x", "sha256=abc", now, tol),
            Err(SignatureError::MalformedSignature)
        );
    }

    #[test]
    fn one_matching_entry_of_several_suffices_during_rotation() {
        let new = sign("new", 100, b"x");
        let old = sign("old", 100, b"x");
        let both = format!("{old}, {new}");
        assert_eq!(
            verify_signature("new", "100", b"x", &both, at(100), Duration::minutes(5)),
            Ok(())
        );
    }
}
