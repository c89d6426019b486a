//! Actors from the organisation: the default scope of each role.

use crate::model::{Actor, PersonId, UnitId};
use crate::org::{Org, Role, UnitKind};

impl Org {
    /// The actor for a person of this organisation, with the default scope of their roles:
    /// school-wide roles (principal, deputy, safety officer, inspector) cover their school,
    /// a bureau officer covers their bureau, other roles cover their own unit.
    pub fn actor(&self, person: &PersonId) -> Option<Actor> {
        let p = self.person(person)?;
        let mut units: Vec<UnitId> = Vec::new();
        for role in &p.roles {
            let kind = match role {
                Role::Principal | Role::SafetyDeputy | Role::SafetyOfficer | Role::Inspector => {
                    Some(UnitKind::School)
                }
                Role::BureauOfficer => Some(UnitKind::Bureau),
                Role::DepartmentHead | Role::GridMember => None,
            };
            let scope = kind.and_then(|k| self.nearest(&p.unit, k)).map_or(&p.unit, |u| &u.id);
            if !units.contains(scope) {
                units.push(scope.clone());
            }
        }
        if units.is_empty() {
            units.push(p.unit.clone());
        }
        Some(Actor::new(self.tenant().clone(), p.id.clone(), p.roles.iter().copied(), units))
    }
}
