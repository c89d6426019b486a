//! Resolving ladder recipients (roles relative to the hazard's unit) to people.

use crate::escalation::Recipient;
use crate::model::{PersonId, UnitId};
use crate::org::{Org, Role, UnitKind};

/// The people a recipient role resolves to, or why none was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// These people.
    People(Vec<PersonId>),
    /// Nobody holds the role there; reported, never silently skipped.
    Nobody(String),
}

/// Resolves `recipient` for a hazard of `unit` (the responsible unit) assigned to `assignee`.
pub fn resolve(
    org: &Org,
    recipient: Recipient,
    unit: &UnitId,
    assignee: Option<&PersonId>,
) -> Resolved {
    let people =
        |v: Vec<&crate::org::Person>| v.into_iter().map(|p| p.id.clone()).collect::<Vec<_>>();
    let at_kind = |kind: UnitKind, role: Role| {
        org.nearest(unit, kind).map(|u| people(org.find_up(&u.id, role))).unwrap_or_default()
    };
    let found = match recipient {
        Recipient::Assignee => assignee.cloned().into_iter().collect(),
        Recipient::UnitHead => people(org.find_up(unit, Role::DepartmentHead)),
        Recipient::SafetyOffice => at_kind(UnitKind::School, Role::SafetyOfficer)
            .into_iter()
            .chain(school_officers(org, unit))
            .fold(Vec::new(), |mut acc, p| {
                if !acc.contains(&p) {
                    acc.push(p);
                }
                acc
            }),
        Recipient::Principal => at_kind(UnitKind::School, Role::Principal),
        Recipient::BureauSafety => at_kind(UnitKind::Bureau, Role::BureauOfficer),
    };
    if found.is_empty() {
        Resolved::Nobody(format!(
            "nobody holds the role {} for unit {unit}",
            crate::model::code_of(&recipient)
        ))
    } else {
        Resolved::People(found)
    }
}

/// Safety officers anywhere in the hazard's school (the safety office is a department).
fn school_officers(org: &Org, unit: &UnitId) -> Vec<PersonId> {
    let Some(school) = org.nearest(unit, UnitKind::School) else { return Vec::new() };
    org.holders_within(Role::SafetyOfficer, &school.id).into_iter().map(|p| p.id.clone()).collect()
}
