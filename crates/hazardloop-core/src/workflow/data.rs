//! The data each step adds to a hazard. Stage types are built from these.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{named_enum, Assessment, Category, Evidence, Grade, HazardId, PersonId, UnitId};

/// Registration and assessment (登记评估): the ledger entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Registration {
    /// General or major.
    pub grade: Grade,
    /// The risk assessment.
    pub assessment: Assessment,
    /// The category, one of the policy's responsibility matrix.
    pub category: Category,
    /// The unit responsible for rectification (责任单位).
    pub responsible_unit: UnitId,
    /// The person responsible (责任人), who rectifies or organises it.
    pub assignee: PersonId,
    /// The rectification deadline registered (整改期限).
    pub deadline: DateTime<Utc>,
    /// Whether it can be removed at once; if not, interim control is required.
    pub fixable_at_once: bool,
    /// Who registered it.
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
    /// The special campaign it is counted in, when registration named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
}

/// The report up the line (报告).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Also reported to the education bureau (required for a major hazard).
    pub to_bureau: bool,
    /// In writing (书面报告); required for a major hazard.
    pub written: bool,
    /// A document number or reference, if any.
    pub reference: Option<String>,
    /// Bureau supervision (挂牌督办), once the bureau puts the hazard under it.
    ///
    /// Boxed: it is rare, and a smaller stage moves faster from step to step.
    pub supervision: Option<Box<Supervision>>,
    /// Who reported.
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
}

/// Bureau supervision of a major hazard (挂牌督办): then only the bureau may close it (核销).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supervision {
    /// The supervision document reference.
    pub reference: Option<String>,
    /// The bureau officer who imposed it.
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
}

/// The treatment plan of a major hazard (重大事故隐患治理方案): the six items of 16号令 art. 15.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MajorPlan {
    /// 治理的目标和任务.
    pub objectives: String,
    /// 采取的方法和措施.
    pub methods: String,
    /// 经费和物资的落实.
    pub funds: String,
    /// 负责治理的机构和人员.
    pub organisation: String,
    /// 治理的时限和要求 (the text; `deadline` is the date).
    pub schedule: String,
    /// 安全措施和应急预案.
    pub safety: String,
    /// The rectification date the plan commits to.
    pub deadline: DateTime<Utc>,
}

impl MajorPlan {
    /// The six items of 16号令 art. 15, each with its field path (`plan.funds`).
    pub fn items(&self) -> [(&'static str, &str); 6] {
        [
            ("plan.objectives", &self.objectives),
            ("plan.methods", &self.methods),
            ("plan.funds", &self.funds),
            ("plan.organisation", &self.organisation),
            ("plan.schedule", &self.schedule),
            ("plan.safety", &self.safety),
        ]
    }
}

/// The four implementations (四落实) of a general rectification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FourImplementations {
    /// 责任落实: the person responsible.
    pub responsible: PersonId,
    /// 措施落实: the measures.
    pub measures: String,
    /// 时限落实: the deadline.
    pub deadline: DateTime<Utc>,
    /// 预案落实: the contingency plan.
    pub contingency: String,
}

/// A rectification plan (整改方案).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Plan {
    /// The six-item plan required for a major hazard (boxed: six texts would make every stage
    /// from treatment on larger, and a stage moves from box to box at each step).
    Major(Box<MajorPlan>),
    /// The four implementations required for a general hazard.
    General(FourImplementations),
}

impl Plan {
    /// The deadline the plan commits to.
    pub fn deadline(&self) -> DateTime<Utc> {
        match self {
            Plan::Major(p) => p.deadline,
            Plan::General(p) => p.deadline,
        }
    }

    /// The measures, as one text (for the ledger's 整改措施 column).
    pub fn measures(&self) -> &str {
        match self {
            Plan::Major(p) => &p.methods,
            Plan::General(p) => &p.measures,
        }
    }
}

/// An interim risk-control measure (临时管控措施) while a hazard cannot be removed at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterimMeasure {
    /// 撤离人员.
    WithdrawPeople,
    /// 设置警戒区域.
    Cordon,
    /// 设置警示标志.
    WarningSigns,
    /// 停止使用相关设施设备.
    StopUsing,
    /// 其他措施 (described in the note).
    Other,
}

named_enum!(InterimMeasure {
    WithdrawPeople => ("撤离人员", "withdraw people"),
    Cordon => ("设置警戒", "cordon off"),
    WarningSigns => ("设置警示标志", "warning signs"),
    StopUsing => ("停止使用", "stop using"),
    Other => ("其他措施", "other"),
});

/// Interim control put in place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterimControl {
    /// The measures.
    pub measures: Vec<InterimMeasure>,
    /// What was done, where.
    pub note: String,
    /// Who.
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
}

/// A progress note during treatment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// What was done.
    pub note: String,
    /// Percent complete, if given.
    pub percent: Option<u8>,
    /// Evidence of it.
    pub evidence: Vec<Evidence>,
    /// Who.
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
}

/// An extension request (延期申请).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRequest {
    /// The date asked for.
    pub new_deadline: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// Who asked.
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
}

/// The decision on an extension request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionDecision {
    /// The request decided.
    pub request: ExtensionRequest,
    /// Granted or denied.
    pub granted: bool,
    /// The decider's note (the reason when denied).
    pub note: String,
    /// Who decided (the assignee's superior).
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
}

/// A failed acceptance check, kept in history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// Why it failed.
    pub reason: String,
    /// The checker.
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
}

/// The completion claim (整改完成) by the rectifier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completion {
    /// What was done.
    pub summary: String,
    /// Evidence (at least one).
    pub evidence: Vec<Evidence>,
    /// The rectifier.
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
}

/// A failed attempt: the completion claimed and why the check failed it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailedAttempt {
    /// The completion that was checked.
    pub completion: Completion,
    /// The failed check.
    pub rejection: Rejection,
}

/// The work of rectification (治理).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Treatment {
    /// The plan.
    pub plan: Plan,
    /// Interim control measures in force.
    pub interim: Vec<InterimControl>,
    /// Progress notes.
    pub progress: Vec<Progress>,
    /// An extension request waiting for a decision (boxed: it is rare, and a smaller stage moves
    /// faster from step to step).
    pub pending_extension: Option<Box<ExtensionRequest>>,
    /// Extension decisions so far.
    pub extensions: Vec<ExtensionDecision>,
    /// Failed acceptance attempts (rework, 返工).
    pub failed: Vec<FailedAttempt>,
    /// Who started treatment.
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
}

impl Treatment {
    /// Extensions granted so far.
    pub fn extensions_granted(&self) -> usize {
        self.extensions.iter().filter(|d| d.granted).count()
    }

    /// The rectification deadline in force: the latest granted extension, else the plan's date.
    pub fn deadline(&self) -> DateTime<Utc> {
        self.extensions
            .iter()
            .rev()
            .find(|d| d.granted)
            .map_or_else(|| self.plan.deadline(), |d| d.request.new_deadline)
    }

    /// Times the work went back after a failed acceptance.
    pub fn reworks(&self) -> usize {
        self.failed.len()
    }
}

/// A passed acceptance check (验收合格).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acceptance {
    /// The checker's note.
    pub note: String,
    /// The checker.
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
}

/// Closing the ledger entry (销号 / 核销).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    /// Note.
    pub note: String,
    /// Closed by the bureau (核销 of a supervised major hazard).
    pub by_bureau: bool,
    /// Who closed it.
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
}

/// Why a finding is dismissed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DismissReason {
    /// Not a hazard after all.
    NotAHazard,
    /// Already known as another hazard.
    Duplicate {
        /// The hazard it duplicates.
        of: HazardId,
    },
}

/// A dismissal, proposed by one person and approved one level up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dismissal {
    /// Why.
    pub reason: DismissReason,
    /// Explanation.
    pub note: String,
    /// Who proposed it.
    pub requested_by: PersonId,
    /// Who approved it (the actor of the command).
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
}

/// The seal put on an archived record (备案存档).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    /// Who archived.
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
}

/// A pause of all of a hazard's clocks (for instance while waiting for a bureau decision).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// Why.
    pub reason: String,
    /// Who approved the pause (the actor).
    pub by: PersonId,
    /// Since when.
    pub at: DateTime<Utc>,
}
