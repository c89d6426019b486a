//! What is known about a hazard from the moment it is found: where, what, who found it, evidence.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{named_enum, Category, InputError, PersonId, TenantId, UnitId};
use crate::org::Role;

/// How a hazard came to light (排查方式).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// 日常巡查.
    DailyPatrol,
    /// 周检查.
    Weekly,
    /// 半月集中检查.
    HalfMonthly,
    /// 月检查.
    Monthly,
    /// 开学前检查.
    TermStart,
    /// 期中检查.
    MidTerm,
    /// 期末/放假前检查.
    TermEnd,
    /// 恶劣天气后检查.
    SevereWeather,
    /// 专项整治.
    SpecialCampaign,
    /// 举报/投诉.
    Report,
}

named_enum!(Source {
    DailyPatrol => ("日常巡查", "daily patrol"),
    Weekly => ("周检查", "weekly check"),
    HalfMonthly => ("半月检查", "half-monthly check"),
    Monthly => ("月检查", "monthly check"),
    TermStart => ("开学检查", "term-start check"),
    MidTerm => ("期中检查", "mid-term check"),
    TermEnd => ("期末检查", "term-end check"),
    SevereWeather => ("恶劣天气后检查", "check after severe weather"),
    SpecialCampaign => ("专项整治", "special campaign"),
    Report => ("举报投诉", "report or complaint"),
});

/// A piece of evidence: a photo, a document, a video. The bytes live with the host; the record keeps
/// where they are and their SHA-256 so a later change to the file is detectable.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// Where the host stores it (`https://…`, `s3://…`, `file:…`).
    pub uri: String,
    /// SHA-256 of the content, 64 lowercase hex digits.
    pub sha256: String,
    /// Media type (`image/jpeg`, `application/pdf`).
    pub media_type: String,
}

impl Evidence {
    /// Checks the fields; errors name `field.uri`, `field.sha256` or `field.media_type`.
    pub fn validate(&self, field: impl std::fmt::Display) -> Result<(), InputError> {
        let bad = |name: &str, reason: &str| InputError::Malformed {
            field: format!("{field}.{name}"),
            reason: reason.into(),
        };
        if self.uri.trim().is_empty() || !self.uri.contains(':') {
            return Err(bad("uri", "must be an absolute URI with a scheme"));
        }
        if self.sha256.len() != 64
            || !self.sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(bad("sha256", "must be 64 lowercase hex digits"));
        }
        let (kind, sub) = self.media_type.split_once('/').unwrap_or_default();
        if kind.is_empty() || sub.is_empty() {
            return Err(bad("media_type", "must look like `type/subtype`"));
        }
        Ok(())
    }
}

/// The facts of discovery (排查发现): fixed once the hazard is found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// The tenant the hazard belongs to.
    pub tenant: TenantId,
    /// The unit where it was found.
    pub unit: UnitId,
    /// Where exactly (具体位置), free text: `实验楼3楼化学实验室`.
    pub location: String,
    /// The category suggested by the discoverer; registration decides the final one.
    pub category: Option<Category>,
    /// A short title.
    pub title: String,
    /// What was seen (隐患描述).
    pub description: String,
    /// How it was found.
    pub source: Source,
    /// Who found it.
    pub discovered_by: PersonId,
    /// When it was found (may be earlier than when it was entered).
    pub discovered_at: DateTime<Utc>,
    /// Photos and documents from discovery.
    pub evidence: Vec<Evidence>,
    /// The inspection item this hazard was raised from (检查发现), when an inspection's
    /// completion raised it; only the engine sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ///
    /// Boxed: most hazards have none, and a smaller stage moves faster from step to step.
    pub finding: Option<Box<crate::inspection::FindingRef>>,
    /// The special campaign (专项整治) it was found in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
}

/// Someone acting on the engine: the person, the tenant they act in, their roles and the units their
/// roles apply to. Authentication is the host's; the host builds the actor it has authenticated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The tenant the actor acts in.
    pub tenant: TenantId,
    /// Who is acting.
    pub person: PersonId,
    /// Their roles.
    pub roles: BTreeSet<Role>,
    /// The units their roles cover (each with everything below it).
    pub units: Vec<UnitId>,
}

impl Actor {
    /// An actor with the given roles over the given units.
    pub fn new(
        tenant: TenantId,
        person: PersonId,
        roles: impl IntoIterator<Item = Role>,
        units: impl IntoIterator<Item = UnitId>,
    ) -> Actor {
        Actor {
            tenant,
            person,
            roles: roles.into_iter().collect(),
            units: units.into_iter().collect(),
        }
    }

    /// Whether the actor holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}
