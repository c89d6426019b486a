//! The transition table, as data and as a `petgraph` graph: one source for `decide`, the docs'
//! diagram and the dead-end check.

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::Dfs;

use crate::model::{Lang, Named};
use crate::workflow::{StageKind, Step};

use StageKind as S;

/// Where a step leads: into a new stage, or back into the same one (an auxiliary action).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The stage the step is taken from; `None` for steps that create a hazard.
    pub from: Option<StageKind>,
    /// The step.
    pub step: Step,
    /// The stage after it.
    pub to: StageKind,
}

const fn t(from: Option<StageKind>, step: Step, to: StageKind) -> Transition {
    Transition { from, step, to }
}

/// The steps that move a hazard from one stage to another, in loop order.
pub const TRANSITIONS: &[Transition] = &[
    t(None, Step::Discover, S::Discovered),
    t(None, Step::FixOnTheSpot, S::Treated),
    t(Some(S::Discovered), Step::Register, S::Registered),
    t(Some(S::Discovered), Step::Dismiss, S::Dismissed),
    t(Some(S::Registered), Step::Report, S::Reported),
    t(Some(S::Registered), Step::Dismiss, S::Dismissed),
    t(Some(S::Reported), Step::StartTreatment, S::Treating),
    t(Some(S::Treating), Step::Complete, S::Treated),
    t(Some(S::Treated), Step::Pass, S::Accepted),
    t(Some(S::Treated), Step::Fail, S::Treating),
    t(Some(S::Accepted), Step::Close, S::Closed),
    t(Some(S::Closed), Step::Archive, S::Archived),
    t(Some(S::Dismissed), Step::Archive, S::Archived),
];

const OPEN: &[StageKind] =
    &[S::Discovered, S::Registered, S::Reported, S::Treating, S::Treated, S::Accepted];

/// The auxiliary steps and the stages where each is allowed; they keep the stage.
pub const AUXILIARY: &[(Step, &[StageKind])] = &[
    (Step::AddInterimControl, &[S::Treating]),
    (Step::RecordProgress, &[S::Treating]),
    (Step::RequestExtension, &[S::Treating]),
    (Step::GrantExtension, &[S::Treating]),
    (Step::DenyExtension, &[S::Treating]),
    (Step::PauseClock, OPEN),
    (Step::ResumeClock, OPEN),
    (Step::Reassign, &[S::Registered, S::Reported, S::Treating]),
    (Step::AddEvidence, OPEN),
    (
        Step::Comment,
        &[
            S::Discovered,
            S::Registered,
            S::Reported,
            S::Treating,
            S::Treated,
            S::Accepted,
            S::Closed,
            S::Dismissed,
        ],
    ),
    (Step::Supervise, &[S::Reported, S::Treating, S::Treated, S::Accepted]),
];

/// The steps that move an existing hazard to another stage (the table's rows with a `from`),
/// as a bit per step, worked out from [`TRANSITIONS`] at compile time.
const MOVING: u32 = {
    let mut bits = 0u32;
    let mut i = 0;
    while i < TRANSITIONS.len() {
        if TRANSITIONS[i].from.is_some() {
            bits |= 1 << TRANSITIONS[i].step as u32;
        }
        i += 1;
    }
    bits
};

/// Whether `step` moves an existing hazard to another stage (the auxiliary steps keep it).
pub(crate) fn moves_stage(step: Step) -> bool {
    MOVING & (1 << step as u32) != 0
}

/// The stage `step` leads to from `from` (`None` = no hazard yet), or `None` if the table forbids it.
pub fn next_stage(from: Option<StageKind>, step: Step) -> Option<StageKind> {
    if let Some(tr) = TRANSITIONS.iter().find(|tr| tr.from == from && tr.step == step) {
        return Some(tr.to);
    }
    let from = from?;
    AUXILIARY.iter().find(|(s, stages)| *s == step && stages.contains(&from)).map(|_| from)
}

/// A node of the transition graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Node {
    /// Before the first event (`[*]` in the diagram).
    Start,
    /// A stage.
    Stage(StageKind),
}

/// The transition table as a graph: nodes are stages, edges are steps.
#[derive(Debug, Clone)]
pub struct TransitionGraph {
    graph: DiGraph<Node, Step>,
    start: NodeIndex,
    stages: Vec<(StageKind, NodeIndex)>,
}

impl TransitionGraph {
    /// Builds the graph from [`TRANSITIONS`].
    pub fn new() -> TransitionGraph {
        let mut graph = DiGraph::new();
        let start = graph.add_node(Node::Start);
        let stages: Vec<_> =
            StageKind::ALL.iter().map(|&k| (k, graph.add_node(Node::Stage(k)))).collect();
        let index = |k: StageKind| stages.iter().find(|(s, _)| *s == k).map(|(_, i)| *i);
        for tr in TRANSITIONS {
            let from = tr.from.and_then(index).unwrap_or(start);
            if let Some(to) = index(tr.to) {
                graph.add_edge(from, to, tr.step);
            }
        }
        TransitionGraph { graph, start, stages }
    }

    /// The underlying graph.
    pub fn graph(&self) -> &DiGraph<Node, Step> {
        &self.graph
    }

    /// The stages from which `target` cannot be reached: must be empty for `Archived`.
    pub fn dead_ends(&self, target: StageKind) -> Vec<StageKind> {
        let Some(&(_, goal)) = self.stages.iter().find(|(k, _)| *k == target) else {
            return StageKind::ALL.to_vec();
        };
        self.stages
            .iter()
            .filter(|&&(_, from)| {
                let mut dfs = Dfs::new(&self.graph, from);
                !std::iter::from_fn(|| dfs.next(&self.graph)).any(|n| n == goal)
            })
            .map(|(k, _)| *k)
            .collect()
    }

    /// The loop as a Mermaid state diagram, with Chinese and English names. The README shows it.
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("stateDiagram-v2\n");
        for (kind, _) in &self.stages {
            out += &format!("    {}: {} {}\n", kind.ident(), kind.name(Lang::Zh), kind.ident());
        }
        for edge in self.graph.raw_edges() {
            let name = |n: NodeIndex| match self.graph[n] {
                Node::Start => "[*]",
                Node::Stage(k) => k.ident(),
            };
            let step = edge.weight;
            out += &format!(
                "    {} --> {}: {} {}\n",
                name(edge.source()),
                name(edge.target()),
                step.name(Lang::Zh),
                step.name(Lang::En)
            );
        }
        out += "    Archived --> [*]\n";
        out
    }

    /// The loop as Graphviz DOT.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph hazardloop {\n    start [shape=point];\n");
        for edge in self.graph.raw_edges() {
            let name = |n: NodeIndex| match self.graph[n] {
                Node::Start => "start",
                Node::Stage(k) => k.ident(),
            };
            out += &format!(
                "    {} -> {} [label=\"{}\"];\n",
                name(edge.source()),
                name(edge.target()),
                edge.weight.name(Lang::Zh)
            );
        }
        out += "}\n";
        out
    }

    /// The start node.
    pub fn start(&self) -> NodeIndex {
        self.start
    }
}

impl Default for TransitionGraph {
    fn default() -> Self {
        TransitionGraph::new()
    }
}

/// The Mermaid diagram of the loop (shorthand for `TransitionGraph::new().to_mermaid()`).
pub fn to_mermaid() -> String {
    TransitionGraph::new().to_mermaid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_moves_the_stage_exactly_when_the_table_moves_an_existing_hazard_with_it() {
        for step in TRANSITIONS.iter().map(|t| t.step).chain(AUXILIARY.iter().map(|a| a.0)) {
            let moves = TRANSITIONS.iter().any(|t| t.from.is_some() && t.step == step);
            assert_eq!(moves_stage(step), moves, "{step:?}");
        }
        assert!(moves_stage(Step::Pass) && moves_stage(Step::Dismiss));
        assert!(!moves_stage(Step::Discover) && !moves_stage(Step::Comment));
    }
}
