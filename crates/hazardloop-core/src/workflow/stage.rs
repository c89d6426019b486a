//! The stages of a hazard as types. Each carries exactly the data valid there, and each step is a
//! method that consumes one stage and returns the next, so code holding a stage cannot take a step
//! the loop does not allow.
//!
//! A move never fails and never checks: the rules are checked once, before the move, by
//! `decide` (`check.rs` for the data, [`crate::org::authorize`] for who acts), and a stored
//! history is protected by its hash chain.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::{named_enum, Facts};
use crate::workflow::{
    Acceptance, Closure, Completion, Dismissal, FailedAttempt, Registration, Rejection, Report,
    Seal, Treatment,
};

/// The name of a stage, without its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    /// 已发现.
    Discovered,
    /// 已登记.
    Registered,
    /// 已报告.
    Reported,
    /// 治理中.
    Treating,
    /// 待验收.
    Treated,
    /// 验收合格.
    Accepted,
    /// 已销号.
    Closed,
    /// 已备案存档.
    Archived,
    /// 已撤销.
    Dismissed,
}

named_enum!(StageKind {
    Discovered => ("已发现", "discovered"),
    Registered => ("已登记", "registered"),
    Reported => ("已报告", "reported"),
    Treating => ("治理中", "treating"),
    Treated => ("待验收", "awaiting acceptance"),
    Accepted => ("验收合格", "accepted"),
    Closed => ("已销号", "closed"),
    Archived => ("已存档", "archived"),
    Dismissed => ("已撤销", "dismissed"),
});

impl StageKind {
    /// Every stage, in loop order.
    pub const ALL: [StageKind; 9] = [
        StageKind::Discovered,
        StageKind::Registered,
        StageKind::Reported,
        StageKind::Treating,
        StageKind::Treated,
        StageKind::Accepted,
        StageKind::Closed,
        StageKind::Archived,
        StageKind::Dismissed,
    ];

    /// Whether the hazard is still open (not closed, dismissed or archived).
    pub fn is_open(self) -> bool {
        !matches!(self, StageKind::Closed | StageKind::Archived | StageKind::Dismissed)
    }

    /// The stage's identifier as used in diagrams (`Discovered`).
    pub fn ident(self) -> &'static str {
        match self {
            StageKind::Discovered => "Discovered",
            StageKind::Registered => "Registered",
            StageKind::Reported => "Reported",
            StageKind::Treating => "Treating",
            StageKind::Treated => "Treated",
            StageKind::Accepted => "Accepted",
            StageKind::Closed => "Closed",
            StageKind::Archived => "Archived",
            StageKind::Dismissed => "Dismissed",
        }
    }
}

/// 排查发现: found, not yet in the ledger.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Discovered {
    /// The facts of discovery.
    pub facts: Arc<Facts>,
}

/// 登记评估: in the ledger, graded and assigned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Registered {
    /// The facts of discovery.
    pub facts: Arc<Facts>,
    /// The ledger entry.
    pub registration: Arc<Registration>,
}

/// 报告: reported up the line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reported {
    /// The facts of discovery.
    pub facts: Arc<Facts>,
    /// The ledger entry.
    pub registration: Arc<Registration>,
    /// The report.
    pub report: Arc<Report>,
}

/// 治理: being rectified under a plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Treating {
    /// The facts of discovery.
    pub facts: Arc<Facts>,
    /// The ledger entry.
    pub registration: Arc<Registration>,
    /// The report.
    pub report: Arc<Report>,
    /// The rectification work.
    pub treatment: Arc<Treatment>,
}

/// The rectifier says it is fixed; waiting for the acceptance check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Treated {
    /// The facts of discovery.
    pub facts: Arc<Facts>,
    /// The ledger entry.
    pub registration: Arc<Registration>,
    /// The report.
    pub report: Arc<Report>,
    /// The rectification work.
    pub treatment: Arc<Treatment>,
    /// The completion claim.
    pub completion: Arc<Completion>,
}

/// 验收: checked and passed by someone other than the rectifier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Accepted {
    /// The facts of discovery.
    pub facts: Arc<Facts>,
    /// The ledger entry.
    pub registration: Arc<Registration>,
    /// The report.
    pub report: Arc<Report>,
    /// The rectification work.
    pub treatment: Arc<Treatment>,
    /// The completion claim.
    pub completion: Arc<Completion>,
    /// The passed check.
    pub acceptance: Arc<Acceptance>,
}

/// 销号: the ledger entry is closed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Closed {
    /// The facts of discovery.
    pub facts: Arc<Facts>,
    /// The ledger entry.
    pub registration: Arc<Registration>,
    /// The report.
    pub report: Arc<Report>,
    /// The rectification work.
    pub treatment: Arc<Treatment>,
    /// The completion claim.
    pub completion: Arc<Completion>,
    /// The passed check.
    pub acceptance: Arc<Acceptance>,
    /// The closure.
    pub closure: Arc<Closure>,
}

/// Dismissed: not a hazard, or a duplicate. Still archived.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dismissed {
    /// The facts of discovery.
    pub facts: Arc<Facts>,
    /// The ledger entry, if it was registered before dismissal.
    pub registration: Option<Arc<Registration>>,
    /// The dismissal.
    pub dismissal: Arc<Dismissal>,
}

/// What an archive holds: a closed or a dismissed hazard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Filed {
    /// Closed after rectification.
    Closed(Box<Closed>),
    /// Dismissed.
    Dismissed(Box<Dismissed>),
}

/// 备案存档: filed and sealed; no later change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Archived {
    /// The record filed.
    pub record: Filed,
    /// The seal.
    pub seal: Seal,
}

impl Discovered {
    /// Step 1, 排查: a hazard is found.
    pub fn new(facts: impl Into<Arc<Facts>>) -> Discovered {
        Discovered { facts: facts.into() }
    }

    /// Step 2, 登记: the hazard enters the ledger.
    pub fn register(self, registration: impl Into<Arc<Registration>>) -> Registered {
        Registered { facts: self.facts, registration: registration.into() }
    }

    /// Dismiss a finding that is not a hazard.
    pub fn dismiss(self, dismissal: Dismissal) -> Dismissed {
        Dismissed { facts: self.facts, registration: None, dismissal: Arc::new(dismissal) }
    }
}

impl Registered {
    /// Step 3, 报告: reported up the line; a major hazard to the bureau, in writing.
    pub fn report(self, report: impl Into<Arc<Report>>) -> Reported {
        Reported { facts: self.facts, registration: self.registration, report: report.into() }
    }

    /// Dismiss a registered finding (duplicate, or not a hazard after all).
    pub fn dismiss(self, dismissal: Dismissal) -> Dismissed {
        Dismissed {
            facts: self.facts,
            registration: Some(self.registration),
            dismissal: Arc::new(dismissal),
        }
    }
}

impl Reported {
    /// Step 4a, 治理: treatment starts under a plan.
    pub fn start(self, treatment: impl Into<Arc<Treatment>>) -> Treating {
        Treating {
            facts: self.facts,
            registration: self.registration,
            report: self.report,
            treatment: treatment.into(),
        }
    }
}

impl Treating {
    /// Step 4b: the rectifier says it is fixed, with evidence.
    pub fn complete(self, completion: impl Into<Arc<Completion>>) -> Treated {
        Treated {
            facts: self.facts,
            registration: self.registration,
            report: self.report,
            treatment: self.treatment,
            completion: completion.into(),
        }
    }
}

impl Treated {
    /// Step 5, 验收 passed, by someone who is neither rectifier nor assignee.
    pub fn pass(self, acceptance: impl Into<Arc<Acceptance>>) -> Accepted {
        Accepted {
            facts: self.facts,
            registration: self.registration,
            report: self.report,
            treatment: self.treatment,
            completion: self.completion,
            acceptance: acceptance.into(),
        }
    }

    /// Step 5, 验收 failed: back to treatment with the same assignee; the attempt stays in history.
    pub fn fail(self, rejection: Rejection) -> Treating {
        let mut treatment = self.treatment;
        let completion = Arc::unwrap_or_clone(self.completion);
        Arc::make_mut(&mut treatment).failed.push(FailedAttempt { completion, rejection });
        Treating {
            facts: self.facts,
            registration: self.registration,
            report: self.report,
            treatment,
        }
    }
}

impl Accepted {
    /// Step 6, 销号: the ledger entry is closed; a supervised major hazard only by the bureau (核销).
    pub fn close(self, closure: impl Into<Arc<Closure>>) -> Closed {
        Closed {
            facts: self.facts,
            registration: self.registration,
            report: self.report,
            treatment: self.treatment,
            completion: self.completion,
            acceptance: self.acceptance,
            closure: closure.into(),
        }
    }
}

impl Closed {
    /// Step 7, 备案存档: file and seal the record.
    pub fn archive(self, seal: Seal) -> Archived {
        Archived { record: Filed::Closed(Box::new(self)), seal }
    }
}

impl Dismissed {
    /// File and seal a dismissed finding.
    pub fn archive(self, seal: Seal) -> Archived {
        Archived { record: Filed::Dismissed(Box::new(self)), seal }
    }
}
