//! Building an [`Org`]: adding units and people with their checks, from parts in any order or
//! from its serialisable form, and back.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Org, Unit, UnitKind};
use crate::model::{InputError, Lang, Named, TenantId, UnitId};
use crate::org::Person;

/// The serialisable form of an [`Org`]: `[[units]]` and `[[people]]` in TOML, two arrays in JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgConfig {
    /// Units, in any order.
    #[serde(default)]
    pub units: Vec<Unit>,
    /// People.
    #[serde(default)]
    pub people: Vec<Person>,
}

impl Org {
    /// Builds and validates an organisation. Units may come in any order; errors name the entry,
    /// as in `units[3].parent` or `people[0].unit`.
    pub fn from_parts(
        tenant: TenantId,
        units: Vec<Unit>,
        people: Vec<Person>,
    ) -> Result<Org, InputError> {
        let order = parents_first(&units)?;
        let mut slots: Vec<Option<Unit>> = units.into_iter().map(Some).collect();
        let mut org = Org::new(tenant);
        for i in order {
            if let Some(unit) = slots[i].take() {
                org.insert(unit).map_err(|e| e.within(&format!("units[{i}]")))?;
            }
        }
        for (i, person) in people.into_iter().enumerate() {
            org.insert_person(person).map_err(|e| e.within(&format!("people[{i}]")))?;
        }
        Ok(org)
    }

    /// Builds an organisation from its serialised form; see [`Org::from_parts`].
    pub fn from_config(tenant: TenantId, config: OrgConfig) -> Result<Org, InputError> {
        Org::from_parts(tenant, config.units, config.people)
    }

    /// The serialisable form: units parents first, people in the order they were added.
    pub fn to_config(&self) -> OrgConfig {
        OrgConfig { units: self.units().cloned().collect(), people: self.people.clone() }
    }

    /// Adds a unit whose parent is already present. Errors name `unit.id`, `unit.name`,
    /// `unit.parent` or `unit.kind` (when the kind may not sit under the parent's kind).
    pub fn add_unit(&mut self, unit: Unit) -> Result<(), InputError> {
        self.insert(unit).map_err(|e| e.within("unit"))
    }

    /// Adds a person to an existing unit. Errors name `person.id`, `person.name` or `person.unit`.
    pub fn add_person(&mut self, person: Person) -> Result<(), InputError> {
        self.insert_person(person).map_err(|e| e.within("person"))
    }

    /// Adds a unit; errors name bare fields (`parent`), for the caller to prefix.
    pub(crate) fn insert(&mut self, unit: Unit) -> Result<(), InputError> {
        if unit.name.trim().is_empty() {
            return Err(InputError::Missing { field: "name".into() });
        }
        if self.units.contains_key(&unit.id) {
            return Err(InputError::Malformed {
                field: "id".into(),
                reason: format!("`{}` is already a unit", unit.id),
            });
        }
        let parent = match &unit.parent {
            None => None,
            Some(id) => {
                let node = self.node(id).ok_or_else(|| InputError::Unknown {
                    field: "parent".into(),
                    value: format!("unit `{id}`"),
                })?;
                let above = self.graph[node].kind;
                if !above.may_contain(unit.kind) {
                    return Err(InputError::NotAllowed {
                        field: "kind".into(),
                        value: format!(
                            "{} under a {}",
                            unit.kind.name(Lang::En),
                            above.name(Lang::En)
                        ),
                        allowed: allowed_under(above),
                    });
                }
                Some(node)
            }
        };
        let id = unit.id.clone();
        let node = self.graph.add_node(unit);
        self.members.resize_with(node.index() + 1, Vec::new);
        if let Some(parent) = parent {
            self.graph.add_edge(parent, node, ());
        }
        self.units.insert(id, node);
        Ok(())
    }

    fn insert_person(&mut self, person: Person) -> Result<(), InputError> {
        if person.name.trim().is_empty() {
            return Err(InputError::Missing { field: "name".into() });
        }
        if self.person_at.contains_key(&person.id) {
            return Err(InputError::Malformed {
                field: "id".into(),
                reason: format!("`{}` is already a person", person.id),
            });
        }
        let Some(members) = self.node(&person.unit).and_then(|n| self.members.get_mut(n.index()))
        else {
            return Err(InputError::Unknown {
                field: "unit".into(),
                value: format!("unit `{}`", person.unit),
            });
        };
        members.push(self.people.len());
        self.person_at.insert(person.id.clone(), self.people.len());
        self.people.push(person);
        Ok(())
    }
}

fn allowed_under(parent: UnitKind) -> String {
    let kinds: Vec<&str> = parent.children().iter().map(|k| k.name(Lang::En)).collect();
    let kinds = if kinds.is_empty() { "nothing".to_owned() } else { kinds.join(" or ") };
    format!("{kinds} under a {}", parent.name(Lang::En))
}

/// Indices of `units` ordered so that every parent comes before its children.
fn parents_first(units: &[Unit]) -> Result<Vec<usize>, InputError> {
    let mut at: HashMap<&UnitId, usize> = HashMap::with_capacity(units.len());
    for (i, unit) in units.iter().enumerate() {
        if let Some(first) = at.insert(&unit.id, i) {
            return Err(InputError::Malformed {
                field: format!("units[{i}].id"),
                reason: format!("`{}` is already used by units[{first}]", unit.id),
            });
        }
    }
    let mut parent_of = Vec::with_capacity(units.len());
    for (i, unit) in units.iter().enumerate() {
        let parent = match &unit.parent {
            None => None,
            Some(id) => Some(*at.get(id).ok_or_else(|| InputError::Unknown {
                field: format!("units[{i}].parent"),
                value: format!("unit `{id}`"),
            })?),
        };
        parent_of.push(parent);
    }
    let mut depth = Vec::with_capacity(units.len());
    for i in 0..units.len() {
        let steps = std::iter::successors(parent_of[i], |&j| parent_of[j]).take(units.len() + 1);
        let d = steps.count();
        if d >= units.len() {
            return Err(InputError::Malformed {
                field: format!("units[{i}].parent"),
                reason: "the parents form a cycle".into(),
            });
        }
        depth.push(d);
    }
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by_key(|&i| depth[i]);
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{person, sample, unit};
    use super::*;

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
    fn duplicate_unit_id_is_rejected_naming_the_entry() {
        let units = vec![
            unit("s", "学校", UnitKind::School, None),
            unit("s", "学校", UnitKind::School, None),
        ];
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
}
