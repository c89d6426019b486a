//! A delivery as an e-mail: UTF-8 subject and plain-text body, a `Message-ID` derived from the
//! idempotency key.

use std::time::SystemTime;

use hazardloop_core::notify::{Delivery, DeliveryError};
use lettre::message::header::ContentType;
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
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(delivery.subject())
        .message_id(Some(message_id(&delivery.idempotency_key, domain)))
        .date(date)
        .header(ContentType::TEXT_PLAIN)
        .body(delivery.body(tz))
        .map_err(|e| DeliveryError::Permanent(format!("the message could not be built: {e}")))
}
