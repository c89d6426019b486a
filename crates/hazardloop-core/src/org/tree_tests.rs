//! Tests of the unit hierarchy (`tree.rs`), one rule each.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;

use super::*;

fn uid(s: &str) -> UnitId {
    UnitId::new(s).unwrap()
}

fn pid(s: &str) -> PersonId {
    PersonId::new(s).unwrap()
}

fn unit(id: &str, name: &str, kind: UnitKind, parent: Option<&str>) -> Unit {
    Unit::new(uid(id), name, kind, parent.map(uid))
}

fn person(id: &str, unit: &str, roles: &[Role]) -> Person {
    roles.iter().fold(Person::new(pid(id), id, uid(unit)), |p, &r| p.with_role(r))
}

fn ids<'a>(people: impl IntoIterator<Item = &'a Person>) -> Vec<&'a str> {
    people.into_iter().map(|p| p.id.as_str()).collect()
}

/// City bureau → county bureau → school s1 → 安全保卫处, 计算机学院 (→ 实验中心, grid g1).
fn sample() -> Org {
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
fn department_under_grid_is_rejected() {
    use UnitKind::*;
    let units = vec![
        unit("s", "学校", School, None),
        unit("d", "总务处", Department, Some("s")),
        unit("g", "网格", Grid, Some("d")),
        unit("x", "后勤", Department, Some("g")),
    ];
    let err = Org::from_parts(TenantId::new("t").unwrap(), units, vec![]).unwrap_err();
    assert_eq!(err.field(), "units[3].kind", "{err}");
}

#[test]
fn school_under_a_school_or_department_is_rejected() {
    let mut org = sample();
    for parent in ["s1", "s1/security"] {
        let err = org.add_unit(unit("s2", "二中", UnitKind::School, Some(parent))).unwrap_err();
        assert_eq!(err.field(), "unit.kind", "{err}");
    }
    let err = org.add_unit(unit("b", "局", UnitKind::Bureau, Some("s1"))).unwrap_err();
    assert_eq!(err.field(), "unit.kind");
}

#[test]
fn county_bureau_sits_under_city_bureau_and_departments_nest() {
    let org = sample();
    assert_eq!(org.parent(&uid("county")).unwrap().id, uid("city"));
    assert_eq!(org.parent(&uid("s1/cs/lab")).unwrap().kind, UnitKind::Department);
}

#[test]
fn duplicate_unit_id_is_rejected_naming_the_entry() {
    let units =
        vec![unit("s", "学校", UnitKind::School, None), unit("s", "学校", UnitKind::School, None)];
    let err = Org::from_parts(TenantId::new("t").unwrap(), units, vec![]).unwrap_err();
    assert_eq!(err.field(), "units[1].id", "{err}");
}

#[test]
fn unknown_parent_is_rejected_naming_the_entry() {
    let units = vec![
        unit("s", "学校", UnitKind::School, None),
        unit("d", "处", UnitKind::Department, Some("z")),
    ];
    let err = Org::from_parts(TenantId::new("t").unwrap(), units, vec![]).unwrap_err();
    assert_eq!(err.field(), "units[1].parent", "{err}");
}

#[test]
fn parent_cycle_is_rejected() {
    let units = vec![
        unit("a", "甲", UnitKind::Department, Some("b")),
        unit("b", "乙", UnitKind::Department, Some("a")),
    ];
    let err = Org::from_parts(TenantId::new("t").unwrap(), units, vec![]).unwrap_err();
    assert_eq!(err.field(), "units[0].parent", "{err}");
}

#[test]
fn units_may_be_listed_before_their_parents() {
    let units = vec![
        unit("g", "网格", UnitKind::Grid, Some("s")),
        unit("s", "学校", UnitKind::School, Some("b")),
        unit("b", "局", UnitKind::Bureau, None),
    ];
    let org = Org::from_parts(TenantId::new("t").unwrap(), units, vec![]).unwrap();
    let order: Vec<&str> = org.units().map(|u| u.id.as_str()).collect();
    assert_eq!(order, ["b", "s", "g"]);
}

#[test]
fn add_unit_requires_the_parent_first() {
    let mut org = Org::new(TenantId::new("t").unwrap());
    let err = org.add_unit(unit("d", "处", UnitKind::Department, Some("s"))).unwrap_err();
    assert_eq!(err.field(), "unit.parent");
    org.add_unit(unit("s", "学校", UnitKind::School, None)).unwrap();
    org.add_unit(unit("d", "处", UnitKind::Department, Some("s"))).unwrap();
    let err = org.add_unit(unit("d", "处", UnitKind::Department, Some("s"))).unwrap_err();
    assert_eq!(err.field(), "unit.id");
    let err = org.add_unit(unit("e", " ", UnitKind::Department, Some("s"))).unwrap_err();
    assert_eq!(err.field(), "unit.name");
}

#[test]
fn person_in_unknown_unit_or_twice_is_rejected() {
    let units = vec![unit("s", "学校", UnitKind::School, None)];
    let people = vec![person("p", "s", &[]), person("q", "nowhere", &[])];
    let err = Org::from_parts(TenantId::new("t").unwrap(), units, people).unwrap_err();
    assert_eq!(err.field(), "people[1].unit", "{err}");
    let mut org = sample();
    assert_eq!(org.add_person(person("deputy", "s1", &[])).unwrap_err().field(), "person.id");
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

#[test]
fn config_round_trips_through_toml_and_json() {
    let org = sample();
    let config = org.to_config();
    let text = toml::to_string(&config).unwrap();
    assert!(text.contains("[[units]]") && text.contains("kind = \"grid\""), "{text}");
    assert_eq!(toml::from_str::<OrgConfig>(&text).unwrap(), config);
    let json = serde_json::to_string(&config).unwrap();
    let back =
        Org::from_config(org.tenant().clone(), serde_json::from_str(&json).unwrap()).unwrap();
    assert_eq!(back.to_config(), config);
}

#[test]
fn unit_kinds_display_in_chinese() {
    assert_eq!(UnitKind::Grid.to_string(), "网格");
    assert_eq!(UnitKind::Bureau.name(Lang::En), "bureau");
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
