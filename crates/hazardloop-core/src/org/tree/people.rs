//! The people of an [`Org`]: who holds which role where, and the line of command (上级) that
//! escalation follows upwards.

use petgraph::graph::NodeIndex;

use super::{Org, Unit, UnitKind};
use crate::model::{PersonId, UnitId};
use crate::org::{Person, Role};

impl Org {
    /// The person with this id.
    pub fn person(&self, id: &PersonId) -> Option<&Person> {
        self.person_at.get(id).map(|&i| &self.people[i])
    }

    /// Every person, in the order they were added.
    pub fn people(&self) -> impl Iterator<Item = &Person> + '_ {
        self.people.iter()
    }

    /// People whose unit is exactly `unit` and who hold `role`, in the order they were added.
    pub fn holders(&self, role: Role, unit: &UnitId) -> Vec<&Person> {
        self.node(unit).map(|n| self.holders_at(role, n)).unwrap_or_default()
    }

    /// People anywhere within `unit` (it or any unit below it) who hold `role`, in the order
    /// they were added.
    pub fn holders_within(&self, role: Role, unit: &UnitId) -> Vec<&Person> {
        let Some(top) = self.node(unit) else { return Vec::new() };
        let nodes = std::iter::once(top).chain(self.descendant_nodes(unit));
        let mut found: Vec<usize> = nodes
            .filter_map(|n| self.members.get(n.index()))
            .flatten()
            .copied()
            .filter(|&i| self.people.get(i).is_some_and(|p| p.has(role)))
            .collect();
        found.sort_unstable();
        found.into_iter().filter_map(|i| self.people.get(i)).collect()
    }

    /// Walks from `unit` upwards and returns the holders of `role` at the first level that has any.
    pub fn find_up(&self, unit: &UnitId, role: Role) -> Vec<&Person> {
        self.up(unit)
            .map(|n| self.holders_at(role, n))
            .find(|found| !found.is_empty())
            .unwrap_or_default()
    }

    /// The holders of `role` whose unit is the node `n`.
    fn holders_at(&self, role: Role, n: NodeIndex) -> Vec<&Person> {
        let members = self.members.get(n.index()).map_or(&[][..], Vec::as_slice);
        members.iter().filter_map(|&i| self.people.get(i)).filter(|p| p.has(role)).collect()
    }

    /// The people one level up the line (上级) from `id`, for escalation.
    ///
    /// The line above a unit is read from its ancestors, bottom first: a department or grid
    /// contributes its `DepartmentHead`, a school its `SafetyDeputy` then its `Principal`, a
    /// bureau its `BureauOfficer` then its `Principal` (the bureau head). Roles count only at the
    /// person's own unit; the walk starts just above the highest such step the person holds and
    /// returns the holders at the first step that has any, never the person. So a plain member
    /// (or grid member) gets the head of the department, a department head the head of the
    /// enclosing department, else the school's safety deputy, else its principal; a principal
    /// gets the bureau's officer; a bureau officer the bureau head; a bureau head the officer of
    /// the bureau above. Empty for an unknown person or at the top.
    pub fn superiors(&self, id: &PersonId) -> Vec<&Person> {
        let Some(person) = self.person(id) else { return Vec::new() };
        let line: Vec<(Role, &Unit)> = self
            .ancestors(&person.unit)
            .into_iter()
            .flat_map(|unit| line_roles(unit.kind).iter().map(move |&role| (role, unit)))
            .collect();
        let start = line
            .iter()
            .rposition(|(role, unit)| unit.id == person.unit && person.has(*role))
            .map_or(0, |held| held + 1);
        line[start..]
            .iter()
            .map(|(role, unit)| {
                let found = self.holders(*role, &unit.id).into_iter();
                found.filter(|p| p.id != person.id).collect::<Vec<_>>()
            })
            .find(|found| !found.is_empty())
            .unwrap_or_default()
    }
}

/// The steps of the line of command a unit of `kind` contributes, lowest first.
fn line_roles(kind: UnitKind) -> &'static [Role] {
    match kind {
        UnitKind::Grid | UnitKind::Department => &[Role::DepartmentHead],
        UnitKind::School => &[Role::SafetyDeputy, Role::Principal],
        UnitKind::Bureau => &[Role::BureauOfficer, Role::Principal],
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ids, pid, sample, uid};
    use super::*;
    use crate::model::TenantId;

    #[test]
    fn holders_are_only_those_at_the_exact_unit() {
        let org = sample();
        assert_eq!(ids(org.holders(Role::DepartmentHead, &uid("s1/cs"))), ["cs-head"]);
        assert!(org.holders(Role::DepartmentHead, &uid("s1")).is_empty());
        assert_eq!(
            ids(org.holders(Role::SafetyOfficer, &uid("s1/security"))),
            ["security-head", "officer"]
        );
    }

    #[test]
    fn holders_within_are_everyone_below_in_the_order_they_were_added() {
        let mut org = sample();
        // Added last, above a holder added earlier: the order is still the order of adding.
        org.add_person(super::super::tests::person("late", "s1", &[Role::GridMember])).unwrap();
        for unit in org.units() {
            for role in Role::ALL {
                // The plain reading of the rule: every person, in order, kept when within.
                let scan: Vec<&Person> = org
                    .people()
                    .filter(|p| p.has(role) && org.is_within(&p.unit, &unit.id))
                    .collect();
                assert_eq!(
                    ids(org.holders_within(role, &unit.id)),
                    ids(scan),
                    "{role:?} {}",
                    unit.id
                );
                let exact: Vec<&Person> =
                    org.people().filter(|p| p.unit == unit.id && p.has(role)).collect();
                assert_eq!(ids(org.holders(role, &unit.id)), ids(exact), "{role:?} {}", unit.id);
            }
        }
        assert!(org.holders_within(Role::Principal, &uid("nowhere")).is_empty());
        assert_eq!(
            ids(org.holders_within(Role::SafetyOfficer, &uid("s1"))),
            ["security-head", "officer"]
        );
    }

    #[test]
    fn find_up_skips_levels_without_holders() {
        let org = sample();
        assert_eq!(ids(org.find_up(&uid("s1/cs/g1"), Role::DepartmentHead)), ["cs-head"]);
        assert_eq!(ids(org.find_up(&uid("s1/cs/g1"), Role::BureauOfficer)), ["county-officer"]);
        assert!(org.find_up(&uid("s1/cs/g1"), Role::Inspector).is_empty());
    }

    #[test]
    fn plain_member_reports_to_the_head_of_the_department() {
        let org = sample();
        assert_eq!(ids(org.superiors(&pid("officer"))), ["security-head"]);
        assert_eq!(ids(org.superiors(&pid("grid-member"))), ["cs-head"]);
    }

    #[test]
    fn department_head_reports_to_the_enclosing_head_else_the_safety_deputy() {
        let org = sample();
        assert_eq!(ids(org.superiors(&pid("lab-head"))), ["cs-head"]);
        assert_eq!(ids(org.superiors(&pid("cs-head"))), ["deputy"]);
        assert_eq!(ids(org.superiors(&pid("deputy"))), ["principal"]);
    }

    #[test]
    fn department_head_reports_to_the_principal_when_there_is_no_deputy() {
        let mut config = sample().to_config();
        config.people.retain(|p| p.id.as_str() != "deputy");
        let org = Org::from_config(TenantId::new("t1").unwrap(), config).unwrap();
        assert_eq!(ids(org.superiors(&pid("security-head"))), ["principal"]);
    }

    #[test]
    fn principal_reports_to_the_bureau_officer_and_upwards() {
        let org = sample();
        assert_eq!(ids(org.superiors(&pid("principal"))), ["county-officer"]);
        assert_eq!(ids(org.superiors(&pid("county-officer"))), ["county-head"]);
        assert_eq!(ids(org.superiors(&pid("county-head"))), ["city-officer"]);
        assert!(org.superiors(&pid("city-officer")).is_empty());
        assert!(org.superiors(&pid("nobody")).is_empty());
    }
}
