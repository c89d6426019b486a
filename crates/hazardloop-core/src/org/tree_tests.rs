//! Tests of the unit hierarchy (`tree.rs`), one rule each.
//!
//! The fixtures here are shared with the tests of `tree`'s submodules.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;

use super::*;
use crate::org::Role;

pub(super) fn uid(s: &str) -> UnitId {
    UnitId::new(s).unwrap()
}

pub(super) fn pid(s: &str) -> PersonId {
    PersonId::new(s).unwrap()
}

pub(super) fn unit(id: &str, name: &str, kind: UnitKind, parent: Option<&str>) -> Unit {
    Unit::new(uid(id), name, kind, parent.map(uid))
}

pub(super) fn person(id: &str, unit: &str, roles: &[Role]) -> Person {
    roles.iter().fold(Person::new(pid(id), id, uid(unit)), |p, &r| p.with_role(r))
}

pub(super) fn ids<'a>(people: impl IntoIterator<Item = &'a Person>) -> Vec<&'a str> {
    people.into_iter().map(|p| p.id.as_str()).collect()
}

/// City bureau → county bureau → school s1 → 安全保卫处, 计算机学院 (→ 实验中心, grid g1).
pub(super) fn sample() -> Org {
    use UnitKind::*;
    let units = vec![
        unit("city", "市教育局", Bureau, None),
        unit("county", "区教育局", Bureau, Some("city")),
        unit("s1", "第一中学", School, Some("county")),
        unit("s1/security", "安全保卫处", Department, Some("s1")),
        unit("s1/cs", "计算机学院", Department, Some("s1")),
        unit("s1/cs/lab", "实验中心", Department, Some("s1/cs")),
        unit("s1/cs/g1", "教学楼网格", Grid, Some("s1/cs")),
    ];
    let people = vec![
        person("city-officer", "city", &[Role::BureauOfficer]),
        person("county-officer", "county", &[Role::BureauOfficer]),
        person("county-head", "county", &[Role::Principal]),
        person("principal", "s1", &[Role::Principal]),
        person("deputy", "s1", &[Role::SafetyDeputy]),
        person("security-head", "s1/security", &[Role::DepartmentHead, Role::SafetyOfficer]),
        person("officer", "s1/security", &[Role::SafetyOfficer]),
        person("cs-head", "s1/cs", &[Role::DepartmentHead]),
        person("lab-head", "s1/cs/lab", &[Role::DepartmentHead]),
        person("grid-member", "s1/cs/g1", &[Role::GridMember]),
    ];
    Org::from_parts(TenantId::new("t1").unwrap(), units, people).unwrap()
}

#[test]
fn grid_belongs_to_its_school() {
    let org = sample();
    assert_eq!(org.nearest(&uid("s1/cs/g1"), UnitKind::School).unwrap().id, uid("s1"));
    assert_eq!(org.nearest(&uid("s1/cs/g1"), UnitKind::Bureau).unwrap().id, uid("county"));
    assert_eq!(org.nearest(&uid("s1/cs"), UnitKind::Department).unwrap().id, uid("s1/cs"));
    assert!(org.nearest(&uid("s1"), UnitKind::Grid).is_none());
}

#[test]
fn county_bureau_sits_under_city_bureau_and_departments_nest() {
    let org = sample();
    assert_eq!(org.parent(&uid("county")).unwrap().id, uid("city"));
    assert_eq!(org.parent(&uid("s1/cs/lab")).unwrap().kind, UnitKind::Department);
}

#[test]
fn ancestors_start_with_the_unit_and_end_at_the_root() {
    let org = sample();
    let up: Vec<&str> = org.ancestors(&uid("s1/cs/lab")).iter().map(|u| u.id.as_str()).collect();
    assert_eq!(up, ["s1/cs/lab", "s1/cs", "s1", "county", "city"]);
    assert!(org.ancestors(&uid("nowhere")).is_empty());
}

#[test]
fn scope_includes_itself_and_everything_below_but_not_siblings() {
    let org = sample();
    assert!(org.is_within(&uid("s1/cs/g1"), &uid("s1")));
    assert!(org.is_within(&uid("s1"), &uid("s1")));
    assert!(!org.is_within(&uid("s1/cs/g1"), &uid("s1/security")));
    assert!(!org.is_within(&uid("s1"), &uid("s1/cs")));
    assert!(!org.is_within(&uid("nowhere"), &uid("s1")));
}

#[test]
fn descendants_are_breadth_first_without_the_unit_itself() {
    let org = sample();
    let below: Vec<&str> = org.descendants(&uid("s1")).iter().map(|u| u.id.as_str()).collect();
    assert_eq!(below, ["s1/security", "s1/cs", "s1/cs/lab", "s1/cs/g1"]);
    let kids: Vec<&str> = org.children(&uid("s1/cs")).iter().map(|u| u.id.as_str()).collect();
    assert_eq!(kids, ["s1/cs/lab", "s1/cs/g1"]);
}

proptest! {
    /// Random trees built with `add_unit`: every ancestor is a scope the unit is within, and the
    /// unit is among the ancestor's descendants.
    #[test]
    fn units_are_within_each_of_their_ancestors(picks in prop::collection::vec((any::<usize>(), any::<usize>()), 1..40)) {
        let mut org = Org::new(TenantId::new("t").unwrap());
        let mut added: Vec<(UnitId, UnitKind)> = Vec::new();
        for (i, (parent_pick, kind_pick)) in picks.into_iter().enumerate() {
            let id = uid(&format!("u{i}"));
            let parent = (!added.is_empty()).then(|| added[parent_pick % added.len()].clone());
            let (parent, kind) = match parent {
                Some((p, k)) if !k.children().is_empty() => {
                    (Some(p), k.children()[kind_pick % k.children().len()])
                }
                _ => (None, UnitKind::ALL[kind_pick % UnitKind::ALL.len()]),
            };
            org.add_unit(Unit::new(id.clone(), "单位", kind, parent)).unwrap();
            added.push((id, kind));
        }
        for (id, _) in &added {
            let ancestors = org.ancestors(id);
            prop_assert_eq!(&ancestors[0].id, id);
            prop_assert!(ancestors.last().unwrap().parent.is_none());
            for above in &ancestors {
                prop_assert!(org.is_within(id, &above.id));
                if above.id != *id {
                    prop_assert!(org.descendants(&above.id).iter().any(|u| u.id == *id));
                }
            }
        }
    }
}
