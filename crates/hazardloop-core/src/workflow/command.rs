//! Commands: what an actor asks the engine to do. Each names one step or auxiliary action.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{named_enum, Category, Evidence, Grade, Method, PersonId, Source, UnitId};
use crate::workflow::{DismissReason, InterimMeasure, Plan};

/// Input of discovery (排查).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discover {
    /// The unit where the hazard is.
    pub unit: UnitId,
    /// Where exactly.
    pub location: String,
    /// A suggested category.
    #[serde(default)]
    pub category: Option<Category>,
    /// A short title.
    pub title: String,
    /// What was seen.
    pub description: String,
    /// How it was found.
    pub source: Source,
    /// When it was found; defaults to now. Not in the future.
    #[serde(default)]
    pub discovered_at: Option<DateTime<Utc>>,
    /// Photos and documents.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// The special campaign (专项整治) it was found in: a code of the tenant's campaigns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
}

/// Input of registration and assessment (登记评估).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Register {
    /// The grade; when absent, policy derives it from the assessed colour.
    #[serde(default)]
    pub grade: Option<Grade>,
    /// The assessment method and inputs.
    pub assessment: Method,
    /// The category; must be in the policy's responsibility matrix.
    pub category: Category,
    /// The responsible unit; when absent, the category's lead department in the school, else the hazard's unit.
    #[serde(default)]
    pub responsible_unit: Option<UnitId>,
    /// The person responsible.
    pub assignee: PersonId,
    /// The rectification deadline; when absent, the policy default for the grade and colour.
    #[serde(default)]
    pub deadline: Option<DateTime<Utc>>,
    /// Whether it can be removed at once (if not, interim control is required).
    #[serde(default = "yes")]
    pub fixable_at_once: bool,
    /// The special campaign (专项整治) to count it in, when discovery did not name one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
}

fn yes() -> bool {
    true
}

/// Input of interim control.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interim {
    /// The measures.
    pub measures: Vec<InterimMeasure>,
    /// What was done.
    pub note: String,
}

/// What an actor asks for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Command {
    /// Step 1: record a finding (boxed, as are the other large payloads, so that a command is
    /// small to move: build it with `Command::from(Discover { .. })`).
    Discover(Box<Discover>),
    /// Step 2: register and assess (`Command::from(Register { .. })`).
    Register(Box<Register>),
    /// Step 3: report up the line.
    Report {
        /// Also to the education bureau.
        #[serde(default)]
        to_bureau: bool,
        /// In writing.
        #[serde(default)]
        written: bool,
        /// Document reference.
        #[serde(default)]
        reference: Option<String>,
    },
    /// Step 4a: start treatment under a plan.
    StartTreatment {
        /// The plan (six items for major, four implementations for general).
        plan: Box<Plan>,
        /// Interim control, required when the hazard cannot be removed at once.
        #[serde(default)]
        interim: Option<Interim>,
    },
    /// Step 4b: the rectifier says it is fixed.
    Complete {
        /// What was done.
        summary: String,
        /// Evidence (at least one).
        evidence: Vec<Evidence>,
    },
    /// Step 5: acceptance passed.
    Pass {
        /// The checker's note.
        #[serde(default)]
        note: String,
    },
    /// Step 5: acceptance failed; back to treatment.
    Fail {
        /// Why (required).
        reason: String,
    },
    /// Step 6: close the ledger entry (销号).
    Close {
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// Step 7: file and seal (备案存档).
    Archive,
    /// Dismiss a finding; the actor approves a proposal by `requested_by`.
    Dismiss {
        /// Why.
        reason: DismissReason,
        /// Explanation (required).
        note: String,
        /// Who proposed the dismissal.
        requested_by: PersonId,
    },
    /// Fix on the spot (立查立改): discover, register, report, treat and complete at once; a
    /// general hazard only. Acceptance is still by another person.
    FixOnTheSpot {
        /// The finding.
        discover: Box<Discover>,
        /// The category.
        category: Category,
        /// The assessment; by default the finder's judgement of blue (low). One that grades the
        /// hazard major is refused: a major hazard goes through every step.
        #[serde(default)]
        assessment: Option<Method>,
        /// What was done.
        measures: String,
        /// Evidence of the fix (at least one).
        evidence: Vec<Evidence>,
    },
    /// Add interim control measures.
    AddInterimControl(Interim),
    /// Record progress.
    RecordProgress {
        /// What was done.
        note: String,
        /// Percent complete.
        #[serde(default)]
        percent: Option<u8>,
        /// Evidence.
        #[serde(default)]
        evidence: Vec<Evidence>,
    },
    /// Ask for more time, before the deadline.
    RequestExtension {
        /// The new date.
        new_deadline: DateTime<Utc>,
        /// Why.
        reason: String,
    },
    /// Grant the pending extension.
    GrantExtension {
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// Deny the pending extension.
    DenyExtension {
        /// Why.
        reason: String,
    },
    /// Pause the hazard's clocks (the actor approves).
    PauseClock {
        /// Why.
        reason: String,
    },
    /// Resume paused clocks; deadlines move by the paused time.
    ResumeClock {
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// Hand the hazard to another person.
    Reassign {
        /// The new assignee.
        to: PersonId,
        /// Why.
        note: String,
    },
    /// Add evidence.
    AddEvidence {
        /// The evidence.
        evidence: Vec<Evidence>,
    },
    /// Add a comment.
    Comment {
        /// The text.
        text: String,
    },
    /// Put a major hazard under bureau supervision (挂牌督办).
    Supervise {
        /// Document reference.
        #[serde(default)]
        reference: Option<String>,
    },
    /// Import (导入) a hazard from an existing ledger, directly in the stage its source shows.
    Import(Box<crate::workflow::Import>),
}

impl From<Discover> for Command {
    /// `Command::Discover`, boxed.
    fn from(d: Discover) -> Command {
        Command::Discover(Box::new(d))
    }
}

impl From<Register> for Command {
    /// `Command::Register`, boxed.
    fn from(r: Register) -> Command {
        Command::Register(Box::new(r))
    }
}

/// The kinds of command, used by the transition table, permissions and logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// 排查.
    Discover,
    /// 登记.
    Register,
    /// 报告.
    Report,
    /// 治理 (开始).
    StartTreatment,
    /// 整改完成.
    Complete,
    /// 验收合格.
    Pass,
    /// 验收不合格.
    Fail,
    /// 销号.
    Close,
    /// 备案存档.
    Archive,
    /// 撤销.
    Dismiss,
    /// 立查立改.
    FixOnTheSpot,
    /// 临时管控.
    AddInterimControl,
    /// 整改进展.
    RecordProgress,
    /// 延期申请.
    RequestExtension,
    /// 批准延期.
    GrantExtension,
    /// 不批准延期.
    DenyExtension,
    /// 暂停计时.
    PauseClock,
    /// 恢复计时.
    ResumeClock,
    /// 变更责任人.
    Reassign,
    /// 补充佐证.
    AddEvidence,
    /// 备注.
    Comment,
    /// 挂牌督办.
    Supervise,
    /// 导入: a hazard from another ledger enters in its own stage. Not in [`Step::ALL`]: it is
    /// no step of the loop a user takes, and only an import (`Engine::import_many`) takes it.
    Import,
}

named_enum!(Step {
    Discover => ("排查", "discover"),
    Register => ("登记", "register"),
    Report => ("报告", "report"),
    StartTreatment => ("治理", "start treatment"),
    Complete => ("整改完成", "complete"),
    Pass => ("验收合格", "pass acceptance"),
    Fail => ("验收不合格", "fail acceptance"),
    Close => ("销号", "close"),
    Archive => ("备案存档", "archive"),
    Dismiss => ("撤销", "dismiss"),
    FixOnTheSpot => ("立查立改", "fix on the spot"),
    AddInterimControl => ("临时管控", "interim control"),
    RecordProgress => ("整改进展", "record progress"),
    RequestExtension => ("延期申请", "request extension"),
    GrantExtension => ("批准延期", "grant extension"),
    DenyExtension => ("不批准延期", "deny extension"),
    PauseClock => ("暂停计时", "pause clock"),
    ResumeClock => ("恢复计时", "resume clock"),
    Reassign => ("变更责任人", "reassign"),
    AddEvidence => ("补充佐证", "add evidence"),
    Comment => ("备注", "comment"),
    Supervise => ("挂牌督办", "supervise"),
    Import => ("导入", "import"),
});

impl Step {
    /// Every step of the loop (all but [`Step::Import`]).
    pub const ALL: [Step; 22] = [
        Step::Discover,
        Step::Register,
        Step::Report,
        Step::StartTreatment,
        Step::Complete,
        Step::Pass,
        Step::Fail,
        Step::Close,
        Step::Archive,
        Step::Dismiss,
        Step::FixOnTheSpot,
        Step::AddInterimControl,
        Step::RecordProgress,
        Step::RequestExtension,
        Step::GrantExtension,
        Step::DenyExtension,
        Step::PauseClock,
        Step::ResumeClock,
        Step::Reassign,
        Step::AddEvidence,
        Step::Comment,
        Step::Supervise,
    ];
}

impl Command {
    /// The step the command asks for.
    pub fn step(&self) -> Step {
        match self {
            Command::Discover(_) => Step::Discover,
            Command::Register(_) => Step::Register,
            Command::Report { .. } => Step::Report,
            Command::StartTreatment { .. } => Step::StartTreatment,
            Command::Complete { .. } => Step::Complete,
            Command::Pass { .. } => Step::Pass,
            Command::Fail { .. } => Step::Fail,
            Command::Close { .. } => Step::Close,
            Command::Archive => Step::Archive,
            Command::Dismiss { .. } => Step::Dismiss,
            Command::FixOnTheSpot { .. } => Step::FixOnTheSpot,
            Command::AddInterimControl(_) => Step::AddInterimControl,
            Command::RecordProgress { .. } => Step::RecordProgress,
            Command::RequestExtension { .. } => Step::RequestExtension,
            Command::GrantExtension { .. } => Step::GrantExtension,
            Command::DenyExtension { .. } => Step::DenyExtension,
            Command::PauseClock { .. } => Step::PauseClock,
            Command::ResumeClock { .. } => Step::ResumeClock,
            Command::Reassign { .. } => Step::Reassign,
            Command::AddEvidence { .. } => Step::AddEvidence,
            Command::Comment { .. } => Step::Comment,
            Command::Supervise { .. } => Step::Supervise,
            Command::Import(_) => Step::Import,
        }
    }

    /// The special campaign the command tags the hazard to, if any.
    pub fn campaign(&self) -> Option<&String> {
        match self {
            Command::Discover(d) | Command::FixOnTheSpot { discover: d, .. } => d.campaign.as_ref(),
            Command::Register(r) => r.campaign.as_ref(),
            Command::Import(i) => i.discover.campaign.as_ref().or(i.register.campaign.as_ref()),
            _ => None,
        }
    }

    /// Whether the command creates a hazard (and so takes no existing one).
    pub fn creates(&self) -> bool {
        matches!(self, Command::Discover(_) | Command::FixOnTheSpot { .. } | Command::Import(_))
    }
}
