//! The unit hierarchy (组织架构) of one tenant: education bureau → school → department → grid, as a
//! petgraph tree with edges from parent to child, plus the people who work in it. Escalation
//! walks this tree upwards.

mod build;
mod people;
mod unit;

use std::collections::BTreeMap;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

use crate::model::{PersonId, TenantId, UnitId};
use crate::org::Person;

pub use build::OrgConfig;
pub use unit::{Unit, UnitKind};

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
    /// The people of each unit (by its node's index), as indices into `people`, in the order
    /// they were added: finding a role's holders reads one unit's list, not everyone.
    members: Vec<Vec<usize>>,
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
            members: Vec::new(),
        }
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
        self.descendant_nodes(id).into_iter().map(|n| &self.graph[n]).collect()
    }

    /// The nodes of [`Org::descendants`].
    fn descendant_nodes(&self, id: &UnitId) -> Vec<NodeIndex> {
        // One list serves as the queue: each node's children are appended (in the order they
        // were added) behind the nodes still to visit.
        let mut order: Vec<NodeIndex> = Vec::new();
        let mut next = self.node(id);
        let mut visited = 0;
        while let Some(n) = next {
            let start = order.len();
            order.extend(self.graph.neighbors_directed(n, Direction::Outgoing));
            order[start..].sort_unstable();
            next = order.get(visited).copied();
            visited += 1;
        }
        order
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

#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;
