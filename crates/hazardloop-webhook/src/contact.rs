//! Which contact a channel needs, and the permanent failure when a person lacks it.

use hazardloop_core::notify::{Addressee, DeliveryError};

/// A kind of contact a receiver may require of every recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ContactKind {
    /// An e-mail address.
    Email,
    /// A mobile phone number.
    Mobile,
    /// A WeCom (企业微信) user id.
    WeComUser,
    /// A DingTalk (钉钉) user id.
    DingTalkUser,
}

impl ContactKind {
    /// `to`'s contact of this kind, if known (blank counts as unknown).
    pub fn of(self, to: &Addressee) -> Option<&str> {
        let c = &to.contacts;
        let value = match self {
            ContactKind::Email => c.email.as_deref(),
            ContactKind::Mobile => c.mobile.as_deref(),
            ContactKind::WeComUser => c.wecom_user.as_deref(),
            ContactKind::DingTalkUser => c.dingtalk_user.as_deref(),
        };
        value.map(str::trim).filter(|v| !v.is_empty())
    }

    fn noun(self) -> &'static str {
        match self {
            ContactKind::Email => "email address",
            ContactKind::Mobile => "mobile number",
            ContactKind::WeComUser => "WeCom user id",
            ContactKind::DingTalkUser => "DingTalk user id",
        }
    }

    /// The contact, or the permanent failure `"<person> has no <contact>"`.
    pub fn require(self, to: &Addressee) -> Result<&str, DeliveryError> {
        self.of(to).ok_or_else(|| missing(to, self.noun()))
    }
}

/// `"<name> (<id>) has no <what>"`, a permanent failure: retrying cannot find a contact.
pub(crate) fn missing(to: &Addressee, what: &str) -> DeliveryError {
    DeliveryError::Permanent(format!("{} ({}) has no {what}", to.name, to.person))
}
