//! People (人员) of the safety organisation: who they are, where they sit, which roles they hold.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::model::{PersonId, UnitId};
use crate::org::Role;

/// A person in the organisation. Roles count at `unit`: a department head heads `unit`, a
/// principal leads the school `unit` is. Anyone may hold no role at all (a plain member).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// The host's key for the person (for example an employee number).
    pub id: PersonId,
    /// Display name.
    pub name: String,
    /// The unit the person belongs to.
    pub unit: UnitId,
    /// Roles held at `unit`.
    #[serde(default)]
    pub roles: BTreeSet<Role>,
    /// How to reach the person.
    #[serde(default)]
    pub contacts: Contacts,
}

impl Person {
    /// A person without roles or contacts.
    pub fn new(id: PersonId, name: impl Into<String>, unit: UnitId) -> Self {
        Self { id, name: name.into(), unit, roles: BTreeSet::new(), contacts: Contacts::default() }
    }

    /// The same person holding `role` as well.
    #[must_use]
    pub fn with_role(mut self, role: Role) -> Self {
        self.roles.insert(role);
        self
    }

    /// Whether the person holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// Contact details (联系方式) for notifications; every channel is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Contacts {
    /// E-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Mobile phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// WeCom (企业微信) user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wecom_user: Option<String>,
    /// DingTalk (钉钉) user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dingtalk_user: Option<String>,
}

impl Contacts {
    /// Whether no channel is known.
    pub fn is_empty(&self) -> bool {
        self.email.is_none()
            && self.mobile.is_none()
            && self.wecom_user.is_none()
            && self.dingtalk_user.is_none()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn missing_roles_and_contacts_default_to_empty() {
        let p: Person = toml::from_str("id = \"T-1\"\nname = \"张三\"\nunit = \"s1\"").unwrap();
        assert!(p.roles.is_empty());
        assert!(p.contacts.is_empty());
    }

    #[test]
    fn roles_are_written_in_snake_case() {
        let p = Person::new(PersonId::new("T-1").unwrap(), "李四", UnitId::new("s1").unwrap())
            .with_role(Role::SafetyDeputy);
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"safety_deputy\""), "{json}");
        assert_eq!(serde_json::from_str::<Person>(&json).unwrap(), p);
    }
}
