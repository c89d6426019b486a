//! The generic webhook's JSON payload, version 1. Fields are only ever added within a version;
//! receivers should ignore fields they do not know.

use hazardloop_core::model::{Lang, PersonId, TenantId};
use hazardloop_core::notify::{Delivery, Notice};
use hazardloop_core::org::Contacts;
use serde::{Deserialize, Serialize};

/// The payload's version; a change that breaks receivers gets a new one.
pub const PAYLOAD_VERSION: u32 = 1;

/// What the generic webhook POSTs, as JSON (UTF-8):
///
/// ```json
/// {
///   "version": 1,
///   "idempotency_key": "hl-2f0c…",
///   "tenant": "t1",
///   "recipient": { "person": "worker", "name": "孙师傅",
///                  "contacts": { "email": "sun@school.example.cn", "mobile": "13800000000" } },
///   "lang": "zh",
///   "digest": false,
///   "subject": "【逾期通知】教学楼二楼楼梯扶手松动（教学楼A栋2层）",
///   "text": "隐患：教学楼二楼楼梯扶手松动\n位置：…",
///   "notices": [ { "kind": "overdue", "hazard": "…", "title": "…", "location": "…",
///                  "stage": "treating", "clock": "rectify", "due": "2025-03-10T09:30:00Z",
///                  "note": null, "subject": "【逾期通知】…", "action_required": "已逾期，…" } ]
/// }
/// ```
///
/// `idempotency_key` is also sent as the `Idempotency-Key` header: the same delivery retried
/// carries the same key, so a receiver that has seen the key should answer 2xx and do nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookPayload {
    /// Always [`PAYLOAD_VERSION`] for this shape.
    pub version: u32,
    /// Stable across retries of the same delivery.
    pub idempotency_key: String,
    /// The tenant.
    pub tenant: TenantId,
    /// Who the delivery is for.
    pub recipient: PayloadRecipient,
    /// The language of `subject`, `text` and each notice's texts.
    pub lang: Lang,
    /// Whether `notices` holds more than one notice.
    pub digest: bool,
    /// A subject line.
    pub subject: String,
    /// The plain-text body: every notice, one paragraph each.
    pub text: String,
    /// The notices, structured.
    pub notices: Vec<PayloadNotice>,
}

/// The recipient of a [`WebhookPayload`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayloadRecipient {
    /// The host's key for the person.
    pub person: PersonId,
    /// Display name.
    pub name: String,
    /// Known contacts (absent ones are left out).
    pub contacts: Contacts,
}

/// One notice of a [`WebhookPayload`]: the core [`Notice`] fields plus its texts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PayloadNotice {
    /// The notice's fields (`kind`, `hazard`, `number` when it has one, `title`, `location`,
    /// `stage`, `clock`, `due`, `note`, and `occurrence` for a notice about an inspection
    /// occurrence).
    #[serde(flatten)]
    pub notice: Notice,
    /// Its one-line subject.
    pub subject: String,
    /// What the recipient must do.
    pub action_required: String,
}

impl WebhookPayload {
    /// The payload of `delivery`, with times written in `tz`.
    pub fn of(delivery: &Delivery, tz: chrono_tz::Tz) -> WebhookPayload {
        WebhookPayload {
            version: PAYLOAD_VERSION,
            idempotency_key: delivery.idempotency_key.clone(),
            tenant: delivery.tenant.clone(),
            recipient: PayloadRecipient {
                person: delivery.to.person.clone(),
                name: delivery.to.name.clone(),
                contacts: delivery.to.contacts.clone(),
            },
            lang: delivery.lang,
            digest: delivery.is_digest(),
            subject: delivery.subject(),
            text: delivery.body(tz),
            notices: delivery
                .notices
                .iter()
                .map(|n| PayloadNotice {
                    notice: n.clone(),
                    subject: n.subject(delivery.lang),
                    action_required: n.action_required(delivery.lang).to_string(),
                })
                .collect(),
        }
    }
}
