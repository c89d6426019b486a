//! Notifications: the notices the loop sends, who they go to, and the [`Notifier`] trait that
//! delivers them. Delivery goes through the outbox (see [`crate::store`]): at least once, with an
//! idempotency key on every delivery.

pub mod compose;
mod limits;
mod notice;
mod recipients;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use limits::{ChannelLimits, RateWindow};
pub use notice::{Notice, NoticeKind};
pub use recipients::{resolve, Resolved};

use crate::model::{Lang, PersonId, TenantId};
use crate::org::Contacts;

/// A boxed future, for the object-safe [`Notifier`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Who a delivery goes to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addressee {
    /// The person.
    pub person: PersonId,
    /// Their name.
    pub name: String,
    /// Their contacts.
    pub contacts: Contacts,
}

/// One delivery: one or more notices (a digest) to one person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// Stable across retries of the same delivery; receivers use it to drop duplicates.
    pub idempotency_key: String,
    /// The tenant.
    pub tenant: TenantId,
    /// The person.
    pub to: Addressee,
    /// The notices; more than one makes it a digest.
    pub notices: Vec<Notice>,
    /// The language to write in.
    pub lang: Lang,
}

impl Delivery {
    /// Whether this delivery is a digest of several notices.
    pub fn is_digest(&self) -> bool {
        self.notices.len() > 1
    }

    /// A subject line (Chinese by default).
    pub fn subject(&self) -> String {
        match (self.notices.as_slice(), self.lang) {
            ([one], lang) => one.subject(lang),
            (many, Lang::Zh) => format!("【隐患督办汇总】共{}条待办", many.len()),
            (many, Lang::En) => format!("[Hazard digest] {} items need attention", many.len()),
        }
    }

    /// The plain-text body: every notice, one paragraph each.
    pub fn body(&self, tz: chrono_tz::Tz) -> String {
        self.notices.iter().map(|n| n.body(self.lang, tz)).collect::<Vec<_>>().join("\n\n")
    }
}

/// Why a delivery failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// Worth retrying (timeouts, 5xx, 429, connection refused).
    ///
    /// **Handling:** the dispatcher retries with backoff until the policy's attempt limit.
    #[error("transient delivery failure: {0}")]
    Transient(String),
    /// Retrying cannot help (4xx, a person without a contact for the channel).
    ///
    /// **Handling:** the message is dead-lettered with this reason at once.
    #[error("permanent delivery failure: {0}")]
    Permanent(String),
}

/// Delivers notices over one channel (webhook, email, …). Object-safe, so channels combine at
/// run time as `Box<dyn Notifier>`. Must be idempotent per `Delivery::idempotency_key` as far as
/// the channel allows: the dispatcher delivers at least once.
pub trait Notifier: Send + Sync {
    /// The channel's name, for logs.
    fn name(&self) -> &str;

    /// Delivers one delivery. A delivery whose body is over the channel's size limit is sent as
    /// [`Notifier::parts`] messages, in order.
    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>>;

    /// What the channel takes: the dispatcher sends at most `per_minute` messages a minute
    /// through it and keeps each delivery's body within `max_body_bytes` (none by default).
    fn limits(&self) -> ChannelLimits {
        ChannelLimits::NONE
    }

    /// How many messages (requests) the channel sends for `delivery`: one when its body is
    /// within the size limit as this channel renders it, more when it is sent in parts. The
    /// dispatcher splits a digest until each part needs one, and paces by this count.
    fn parts(&self, delivery: &Delivery) -> u32 {
        let _ = delivery;
        1
    }
}

impl<N: Notifier + ?Sized> Notifier for Box<N> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        (**self).deliver(delivery)
    }
    fn limits(&self) -> ChannelLimits {
        (**self).limits()
    }
    fn parts(&self, delivery: &Delivery) -> u32 {
        (**self).parts(delivery)
    }
}

impl<N: Notifier + ?Sized> Notifier for Arc<N> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        (**self).deliver(delivery)
    }
    fn limits(&self) -> ChannelLimits {
        (**self).limits()
    }
    fn parts(&self, delivery: &Delivery) -> u32 {
        (**self).parts(delivery)
    }
}

/// Several channels at once: delivered when every channel delivered. A permanent failure of one
/// channel is permanent; otherwise a failure is transient (the whole delivery is retried, and
/// channels that already delivered drop the repeat by its idempotency key).
///
/// Every delivery goes to every channel, so the fanout is paced as its tightest channel
/// ([`ChannelLimits::tightest`]) and counts a delivery as the most parts any channel needs:
/// no channel is then sent more than its own limit.
pub struct Fanout(pub Vec<Box<dyn Notifier>>);

impl Notifier for Fanout {
    fn name(&self) -> &str {
        "fanout"
    }

    fn limits(&self) -> ChannelLimits {
        self.0.iter().fold(ChannelLimits::NONE, |all, c| all.tightest(c.limits()))
    }

    fn parts(&self, delivery: &Delivery) -> u32 {
        self.0.iter().map(|c| c.parts(delivery)).max().unwrap_or(1)
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(async move {
            let mut transient = None;
            for channel in &self.0 {
                match channel.deliver(delivery).await {
                    Ok(()) => {}
                    Err(DeliveryError::Permanent(e)) => {
                        return Err(DeliveryError::Permanent(format!("{}: {e}", channel.name())))
                    }
                    Err(e) => transient = Some(format!("{}: {e}", channel.name())),
                }
            }
            transient.map_or(Ok(()), |e| Err(DeliveryError::Transient(e)))
        })
    }
}

/// A notifier that delivers nowhere and always succeeds (for hosts that only read the ledger).
#[derive(Clone, Copy, Debug, Default)]
pub struct Discard;

impl Notifier for Discard {
    fn name(&self) -> &str {
        "discard"
    }
    fn deliver<'a>(&'a self, _: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(async { Ok(()) })
    }
}
