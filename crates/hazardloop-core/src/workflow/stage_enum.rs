//! `Stage`: the run-time enum over the stage types, for records loaded from storage.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::Facts;
use crate::workflow::{
    Accepted, Archived, Closed, Completion, Discovered, Dismissed, Filed, Registered, Registration,
    Report, Reported, StageKind, Treated, Treating, Treatment,
};

/// A hazard's stage with its data, when the stage is only known at run time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// See [`Discovered`].
    Discovered(Discovered),
    /// See [`Registered`].
    Registered(Registered),
    /// See [`Reported`].
    Reported(Reported),
    /// See [`Treating`].
    Treating(Treating),
    /// See [`Treated`].
    Treated(Treated),
    /// See [`Accepted`].
    Accepted(Accepted),
    /// See [`Closed`].
    Closed(Closed),
    /// See [`Archived`].
    Archived(Archived),
    /// See [`Dismissed`].
    Dismissed(Dismissed),
}

macro_rules! from_stage {
    ($($t:ident),+) => {$(
        impl From<$t> for Stage {
            fn from(s: $t) -> Stage {
                Stage::$t(s)
            }
        }
    )+};
}
from_stage!(
    Discovered, Registered, Reported, Treating, Treated, Accepted, Closed, Archived, Dismissed
);

impl Stage {
    /// The stage's name.
    pub fn kind(&self) -> StageKind {
        match self {
            Stage::Discovered(_) => StageKind::Discovered,
            Stage::Registered(_) => StageKind::Registered,
            Stage::Reported(_) => StageKind::Reported,
            Stage::Treating(_) => StageKind::Treating,
            Stage::Treated(_) => StageKind::Treated,
            Stage::Accepted(_) => StageKind::Accepted,
            Stage::Closed(_) => StageKind::Closed,
            Stage::Archived(_) => StageKind::Archived,
            Stage::Dismissed(_) => StageKind::Dismissed,
        }
    }

    /// The stage before archiving, for an archived record; otherwise `self`.
    fn live(&self) -> Live<'_> {
        match self {
            Stage::Archived(a) => match &a.record {
                Filed::Closed(c) => Live::Closed(c),
                Filed::Dismissed(d) => Live::Dismissed(d),
            },
            Stage::Closed(c) => Live::Closed(c),
            Stage::Dismissed(d) => Live::Dismissed(d),
            other => Live::Other(other),
        }
    }

    /// The facts of discovery.
    pub fn facts(&self) -> &Facts {
        match self {
            Stage::Discovered(x) => &x.facts,
            Stage::Registered(x) => &x.facts,
            Stage::Reported(x) => &x.facts,
            Stage::Treating(x) => &x.facts,
            Stage::Treated(x) => &x.facts,
            Stage::Accepted(x) => &x.facts,
            Stage::Closed(x) => &x.facts,
            Stage::Dismissed(x) => &x.facts,
            Stage::Archived(a) => match &a.record {
                Filed::Closed(c) => &c.facts,
                Filed::Dismissed(d) => &d.facts,
            },
        }
    }

    /// The ledger entry, once registered.
    pub fn registration(&self) -> Option<&Registration> {
        match self.live() {
            Live::Closed(c) => Some(&c.registration),
            Live::Dismissed(d) => d.registration.as_deref(),
            Live::Other(s) => match s {
                Stage::Registered(x) => Some(&x.registration),
                Stage::Reported(x) => Some(&x.registration),
                Stage::Treating(x) => Some(&x.registration),
                Stage::Treated(x) => Some(&x.registration),
                Stage::Accepted(x) => Some(&x.registration),
                _ => None,
            },
        }
    }

    /// The report, once reported.
    pub fn report(&self) -> Option<&Report> {
        match self.live() {
            Live::Closed(c) => Some(&c.report),
            Live::Dismissed(_) => None,
            Live::Other(s) => match s {
                Stage::Reported(x) => Some(&x.report),
                Stage::Treating(x) => Some(&x.report),
                Stage::Treated(x) => Some(&x.report),
                Stage::Accepted(x) => Some(&x.report),
                _ => None,
            },
        }
    }

    /// The treatment, once started.
    pub fn treatment(&self) -> Option<&Treatment> {
        match self.live() {
            Live::Closed(c) => Some(&c.treatment),
            Live::Dismissed(_) => None,
            Live::Other(s) => match s {
                Stage::Treating(x) => Some(&x.treatment),
                Stage::Treated(x) => Some(&x.treatment),
                Stage::Accepted(x) => Some(&x.treatment),
                _ => None,
            },
        }
    }

    /// The latest completion claim, while it stands.
    pub fn completion(&self) -> Option<&Completion> {
        match self.live() {
            Live::Closed(c) => Some(&c.completion),
            Live::Dismissed(_) => None,
            Live::Other(s) => match s {
                Stage::Treated(x) => Some(&x.completion),
                Stage::Accepted(x) => Some(&x.completion),
                _ => None,
            },
        }
    }

    /// The closed record, when closed or archived after closing.
    pub fn closed(&self) -> Option<&Closed> {
        match self.live() {
            Live::Closed(c) => Some(c),
            _ => None,
        }
    }

    /// The accepted check, from acceptance on.
    pub fn acceptance(&self) -> Option<&crate::workflow::Acceptance> {
        match self.live() {
            Live::Closed(c) => Some(&c.acceptance),
            Live::Other(Stage::Accepted(a)) => Some(&a.acceptance),
            _ => None,
        }
    }

    /// Mutable access to the data that auxiliary events touch.
    pub(crate) fn parts_mut(&mut self) -> PartsMut<'_> {
        match self {
            Stage::Discovered(x) => {
                PartsMut { facts: &mut x.facts, registration: None, report: None, treatment: None }
            }
            Stage::Registered(x) => PartsMut {
                facts: &mut x.facts,
                registration: Some(&mut x.registration),
                report: None,
                treatment: None,
            },
            Stage::Reported(x) => PartsMut {
                facts: &mut x.facts,
                registration: Some(&mut x.registration),
                report: Some(&mut x.report),
                treatment: None,
            },
            Stage::Treating(x) => PartsMut {
                facts: &mut x.facts,
                registration: Some(&mut x.registration),
                report: Some(&mut x.report),
                treatment: Some(&mut x.treatment),
            },
            Stage::Treated(x) => PartsMut {
                facts: &mut x.facts,
                registration: Some(&mut x.registration),
                report: Some(&mut x.report),
                treatment: Some(&mut x.treatment),
            },
            Stage::Accepted(x) => PartsMut {
                facts: &mut x.facts,
                registration: Some(&mut x.registration),
                report: Some(&mut x.report),
                treatment: Some(&mut x.treatment),
            },
            Stage::Closed(x) => {
                PartsMut { facts: &mut x.facts, registration: None, report: None, treatment: None }
            }
            Stage::Dismissed(x) => {
                PartsMut { facts: &mut x.facts, registration: None, report: None, treatment: None }
            }
            Stage::Archived(a) => match &mut a.record {
                Filed::Closed(x) => PartsMut {
                    facts: &mut x.facts,
                    registration: None,
                    report: None,
                    treatment: None,
                },
                Filed::Dismissed(x) => PartsMut {
                    facts: &mut x.facts,
                    registration: None,
                    report: None,
                    treatment: None,
                },
            },
        }
    }
}

/// The parts of a stage that auxiliary events may change; `None` where the stage does not allow it.
pub(crate) struct PartsMut<'a> {
    pub(crate) facts: &'a mut Arc<Facts>,
    pub(crate) registration: Option<&'a mut Arc<Registration>>,
    pub(crate) report: Option<&'a mut Arc<Report>>,
    pub(crate) treatment: Option<&'a mut Arc<Treatment>>,
}

enum Live<'a> {
    Closed(&'a Closed),
    Dismissed(&'a Dismissed),
    Other(&'a Stage),
}
