//! The organisations the matrix runs in: the fixture school with a person per role and scope,
//! a second school under a county bureau (the "other unit" of school-wide roles), and a second
//! tenant whose people carry the same ids.

use hazardloop_core::model::{InputError, PersonId, TenantId, UnitId};
use hazardloop_core::org::{Org, OrgConfig, Person, Role, Unit, UnitKind};

use super::{role_code, Scope};
use crate::Fixture;

/// The matrix's organisations and the place every hazard lies.
#[derive(Clone, Debug)]
pub(super) struct World {
    /// The fixture of tenant A (its tenant is replaced per row).
    pub(super) f: Fixture,
    /// Tenant A's organisation, rebound to a fresh tenant for every row.
    pub(super) a: OrgConfig,
    /// Tenant B: the same layout under other unit ids, with people of the same ids.
    pub(super) b: Org,
    /// Where every hazard lies: a grid under the logistics department (the category's lead).
    pub(super) spot: UnitId,
}

impl World {
    pub(super) fn new() -> Result<World, InputError> {
        let f = Fixture::school();
        let a = grown(&f)?;
        let fb = Fixture::school_in(TenantId::new("authz-other-tenant")?, "b-bureau", "b-school");
        let b = grown(&fb)?;
        Ok(World { spot: spot(&f)?, a: a.to_config(), b, f })
    }

    /// The person acting in a row: one per role (or none) and scope; the other tenant's actor
    /// has the id of the own-unit actor.
    pub(super) fn person(role: Option<Role>, scope: Scope) -> Result<PersonId, InputError> {
        let role = role_code(role);
        let at = if scope == Scope::OtherUnit { "other" } else { "own" };
        PersonId::new(format!("x-{role}-{at}"))
    }

    /// Tenant A's organisation under `tenant`.
    pub(super) fn org_in(&self, tenant: TenantId) -> Result<Org, InputError> {
        Org::from_config(tenant, self.a.clone())
    }
}

fn spot(f: &Fixture) -> Result<UnitId, InputError> {
    UnitId::new(format!("{}/grid-l", f.logistics))
}

/// The fixture's organisation with the units and people the matrix needs.
fn grown(f: &Fixture) -> Result<Org, InputError> {
    let mut org = f.org.clone();
    let county = UnitId::new(format!("{}-county", f.bureau))?;
    let school_b = UnitId::new(format!("{}-b", f.school))?;
    let spot = spot(f)?;
    org.add_unit(Unit::new(spot.clone(), "后勤网格", UnitKind::Grid, Some(f.logistics.clone())))?;
    org.add_unit(Unit::new(county.clone(), "县教育局", UnitKind::Bureau, Some(f.bureau.clone())))?;
    org.add_unit(Unit::new(school_b.clone(), "第二中学", UnitKind::School, Some(county.clone())))?;
    // (role, own unit, other unit): the own unit holds the hazard's spot within the role's
    // scope, the other unit does not.
    let placements: [(Option<Role>, &UnitId, &UnitId); 8] = [
        (Some(Role::GridMember), &spot, &f.grid),
        (Some(Role::Inspector), &f.school, &school_b),
        (Some(Role::SafetyOfficer), &f.security, &school_b),
        (Some(Role::DepartmentHead), &f.logistics, &f.security),
        (Some(Role::SafetyDeputy), &f.school, &school_b),
        (Some(Role::Principal), &f.school, &school_b),
        (Some(Role::BureauOfficer), &f.bureau, &county),
        (None, &f.logistics, &f.security),
    ];
    for (role, own, other) in placements {
        for (scope, unit) in [(Scope::OwnUnit, own), (Scope::OtherUnit, other)] {
            let id = World::person(role, scope)?;
            let name = format!("{}（矩阵）", id.as_str());
            let mut person = Person::new(id, name, unit.clone());
            if let Some(role) = role {
                person = person.with_role(role);
            }
            org.add_person(person)?;
        }
    }
    Ok(org)
}
