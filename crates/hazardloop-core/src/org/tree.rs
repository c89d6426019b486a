//! The unit hierarchy (组织架构) of one tenant: education bureau → school → department → grid, as a
//! petgraph tree with edges from parent to child, plus the people who work in it. Escalation
//! walks this tree upwards.

use std::collections::{BTreeMap, HashMap, VecDeque};

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;
use serde::{Deserialize, Serialize};

use crate::model::{named_enum, InputError, Lang, Named, PersonId, TenantId, UnitId};
use crate::org::{Person, Role};

/// The kind of a unit (单位类型). Kinds nest downwards in the order listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// An education bureau, city or county.
    Bureau,
    /// A school.
    School,
    /// A department, office (处室/科室) or college (二级学院) of a school.
    Department,
    /// A grid, the smallest patrolled area of the grid management of seed 001 三(二).
    Grid,
}

named_enum!(UnitKind {
    Bureau => ("教育局", "bureau"),
    School => ("学校", "school"),
    Department => ("部门", "department"),
    Grid => ("网格", "grid"),
});

impl UnitKind {
    /// Every kind, from the top down.
    pub const ALL: [UnitKind; 4] =
        [UnitKind::Bureau, UnitKind::School, UnitKind::Department, UnitKind::Grid];

    /// The kinds that may sit directly under this one: a bureau holds bureaus (city → county) and
    /// schools, a school or a department holds departments and grids, a grid holds nothing.
    pub fn children(self) -> &'static [UnitKind] {
        match self {
            UnitKind::Bureau => &[UnitKind::Bureau, UnitKind::School],
            UnitKind::School | UnitKind::Department => &[UnitKind::Department, UnitKind::Grid],
            UnitKind::Grid => &[],
        }
    }

    /// Whether a unit of kind `child` may sit directly under a unit of this kind.
    pub fn may_contain(self, child: UnitKind) -> bool {
        self.children().contains(&child)
    }
}

/// One unit (单位) of the organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// The host's key for the unit.
    pub id: UnitId,
    /// Display name, in Chinese as the school writes it (`安全保卫处`).
    pub name: String,
    /// What kind of unit it is.
    pub kind: UnitKind,
    /// The unit directly above; `None` for a root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<UnitId>,
}

impl Unit {
    /// A unit under `parent` (`None` for a root).
    pub fn new(
        id: UnitId,
        name: impl Into<String>,
        kind: UnitKind,
        parent: Option<UnitId>,
    ) -> Self {
        Self { id, name: name.into(), kind, parent }
    }
}

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

/// The organisation (组织) of one tenant: units as a forest (usually one tree) and the people in
/// them. Units are only ever added, so node indices follow insertion order, parents first.
#[derive(Clone, Debug)]
pub struct Org {
    tenant: TenantId,
    graph: DiGraph<Unit, ()>,
    // Ordered maps: a lookup compares a few short keys, cheaper than hashing one.
    units: BTreeMap<UnitId, NodeIndex>,
    people: Vec<Person>,
    person_at: BTreeMap<PersonId, usize>,
}

impl Org {
    /// An empty organisation.
    pub fn new(tenant: TenantId) -> Org {
        Org {
            tenant,
            graph: DiGraph::new(),
            units: BTreeMap::new(),
            people: Vec::new(),
            person_at: BTreeMap::new(),
        }
    }

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
        if !self.units.contains_key(&person.unit) {
            return Err(InputError::Unknown {
                field: "unit".into(),
                value: format!("unit `{}`", person.unit),
            });
        }
        self.person_at.insert(person.id.clone(), self.people.len());
        self.people.push(person);
        Ok(())
    }

    /// The tenant the organisation belongs to.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// The unit with this id.
    pub fn unit(&self, id: &UnitId) -> Option<&Unit> {
        self.node(id).map(|n| &self.graph[n])
    }

    /// Every unit, parents before children.
    pub fn units(&self) -> impl Iterator<Item = &Unit> + '_ {
        self.graph.node_indices().map(|n| &self.graph[n])
    }

    /// The unit directly above `id`.
    pub fn parent(&self, id: &UnitId) -> Option<&Unit> {
        self.node(id).and_then(|n| self.parent_node(n)).map(|n| &self.graph[n])
    }

    /// The units directly below `id`, in the order they were added.
    pub fn children(&self, id: &UnitId) -> Vec<&Unit> {
        self.node(id)
            .map_or_else(Vec::new, |n| self.child_nodes(n).map(|c| &self.graph[c]).collect())
    }

    /// The unit itself first, then each unit above it up to the root. Empty for an unknown id.
    pub fn ancestors(&self, id: &UnitId) -> Vec<&Unit> {
        self.up(id).map(|n| &self.graph[n]).collect()
    }

    /// Every unit below `id`, breadth first (parents before children), not the unit itself.
    pub fn descendants(&self, id: &UnitId) -> Vec<&Unit> {
        let mut found = Vec::new();
        let mut queue: VecDeque<NodeIndex> = self.node(id).into_iter().collect();
        while let Some(n) = queue.pop_front() {
            for child in self.child_nodes(n) {
                found.push(&self.graph[child]);
                queue.push_back(child);
            }
        }
        found
    }

    /// Whether `unit` is `scope` or lies below it. False when either is unknown.
    pub fn is_within(&self, unit: &UnitId, scope: &UnitId) -> bool {
        self.node(scope).is_some_and(|s| self.up(unit).any(|n| n == s))
    }

    /// Whether `unit` is one of `scopes` or lies below one of them (one walk up the tree).
    pub fn is_within_any(&self, unit: &UnitId, scopes: &[UnitId]) -> bool {
        self.up(unit).any(|n| scopes.iter().any(|s| self.graph[n].id == *s))
    }

    /// The unit itself or its closest ancestor of `kind`, such as the school of a grid.
    pub fn nearest(&self, id: &UnitId, kind: UnitKind) -> Option<&Unit> {
        self.up(id).map(|n| &self.graph[n]).find(|u| u.kind == kind)
    }

    /// The person with this id.
    pub fn person(&self, id: &PersonId) -> Option<&Person> {
        self.person_at.get(id).map(|&i| &self.people[i])
    }

    /// Every person, in the order they were added.
    pub fn people(&self) -> impl Iterator<Item = &Person> + '_ {
        self.people.iter()
    }

    /// People whose unit is exactly `unit` and who hold `role`.
    pub fn holders(&self, role: Role, unit: &UnitId) -> Vec<&Person> {
        self.people.iter().filter(|p| p.unit == *unit && p.has(role)).collect()
    }

    /// Walks from `unit` upwards and returns the holders of `role` at the first level that has any.
    pub fn find_up(&self, unit: &UnitId, role: Role) -> Vec<&Person> {
        self.up(unit)
            .map(|n| self.holders(role, &self.graph[n].id))
            .find(|found| !found.is_empty())
            .unwrap_or_default()
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

    fn node(&self, id: &UnitId) -> Option<NodeIndex> {
        self.units.get(id).copied()
    }

    fn parent_node(&self, n: NodeIndex) -> Option<NodeIndex> {
        self.graph.neighbors_directed(n, Direction::Incoming).next()
    }

    fn child_nodes(&self, n: NodeIndex) -> impl Iterator<Item = NodeIndex> {
        // petgraph lists neighbours newest first; sort back to insertion order.
        let mut children: Vec<NodeIndex> =
            self.graph.neighbors_directed(n, Direction::Outgoing).collect();
        children.sort_unstable();
        children.into_iter()
    }

    fn up(&self, id: &UnitId) -> impl Iterator<Item = NodeIndex> + '_ {
        std::iter::successors(self.node(id), |&n| self.parent_node(n))
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
#[path = "tree_tests.rs"]
mod tests;
