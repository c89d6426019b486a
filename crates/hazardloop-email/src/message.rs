//! A delivery as an e-mail: UTF-8 subject and plain-text body, a `Message-ID` derived from the
//! idempotency key.

use std::time::SystemTime;

use hazardloop_core::notify::{Delivery, DeliveryError};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::Mailbox;
use lettre::Message;
use sha2::{Digest, Sha256};

/// The `Message-ID` of the delivery with `key`: `<{key}@hazardloop.{domain}>`. Every retry of a
/// delivery carries the same one, so a mail client or a filter can recognise a repeat. A key
/// with characters a Message-ID cannot hold is replaced by the hex of its SHA-256.
///
/// ```
/// assert_eq!(
///     hazardloop_email::message_id("hl-0123abcd", "school.example.cn"),
///     "<hl-0123abcd@hazardloop.school.example.cn>"
/// );
/// ```
pub fn message_id(key: &str, domain: &str) -> String {
    let safe = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    let left = if safe { key.to_string() } else { hex::encode(Sha256::digest(key.as_bytes())) };
    format!("<{left}@hazardloop.{domain}>")
}

/// The message for `delivery` to `to`, from `from`, dated `date`.
pub(crate) fn compose(
    delivery: &Delivery,
    from: &Mailbox,
    to: &str,
    domain: &str,
    tz: chrono_tz::Tz,
    date: SystemTime,
) -> Result<Message, DeliveryError> {
    let address = to.parse().map_err(|e| {
        DeliveryError::Permanent(format!(
            "{} ({}) has an invalid email address {to:?}: {e}",
            delivery.to.name, delivery.to.person
        ))
    })?;
    let to = Mailbox::new(Some(delivery.to.name.clone()), address);
    let mut message = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(delivery.subject())
        .message_id(Some(message_id(&delivery.idempotency_key, domain)))
        .date(date)
        .header(ContentType::TEXT_PLAIN)
        .body(delivery.body(tz))
        .map_err(|e| DeliveryError::Permanent(format!("the message could not be built: {e}")))?;
    // lettre writes `Date` in UTC (+0000); the school reads its own time (RFC 5322 allows any
    // zone), so the header is written again in the school's zone once the message is built
    // (before, the builder would take a +0800 date for a missing one and replace it).
    let local = chrono::DateTime::<chrono::Utc>::from(date).with_timezone(&tz);
    message.headers_mut().insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str("Date"),
        local.format("%a, %d %b %Y %H:%M:%S %z").to_string(),
    ));
    Ok(message)
}
