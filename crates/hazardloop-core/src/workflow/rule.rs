//! The named rules of the loop. A refusal always names the rule it applied.

use serde::{Deserialize, Serialize};

use crate::model::named_enum;

/// A rule of the hazard loop or of authorization. Each refusal carries one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rule {
    /// A step may only be taken from the stages the transition table allows.
    StepOrder,
    /// An archived record is sealed: it refuses every command.
    ArchivedIsSealed,
    /// The category must be one of the policy's responsibility matrix.
    KnownCategory,
    /// Deadlines come after discovery and after now.
    DeadlineAfterStart,
    /// A major hazard is reported to the bureau in writing.
    MajorReportedToBureauInWriting,
    /// A major hazard's plan has all six items of 16号令 art. 15.
    MajorPlanSixItems,
    /// A general hazard's plan has the four implementations (四落实).
    GeneralPlanFourImplementations,
    /// Interim control is required when a hazard cannot be removed at once (always for major).
    InterimControlRequired,
    /// Completion needs at least one evidence item.
    CompletionNeedsEvidence,
    /// The acceptance checker is neither the rectifier nor the assignee.
    CheckerIsNotRectifier,
    /// A failed acceptance needs a reason.
    FailureNeedsReason,
    /// A supervised major hazard (挂牌督办) is closed only by the bureau (核销).
    SupervisedClosedByBureau,
    /// A dismissal needs a reason and is approved one level up.
    DismissalApprovedOneLevelUp,
    /// An extension is requested before the deadline, with a reason and a later date.
    ExtensionBeforeDeadline,
    /// An extension is decided by the assignee's superior, once per request.
    ExtensionDecidedBySuperior,
    /// A clock pause needs a reason and approval; a paused clock resumes before pausing again.
    PauseApproved,
    /// Fix on the spot is for general hazards only.
    FixOnTheSpotGeneralOnly,
    /// Supervision is imposed by the bureau on a major hazard.
    SupervisionByBureau,
    /// The actor acts within their own tenant.
    SameTenant,
    /// The actor's role allows the step.
    RoleAllowsStep,
    /// The hazard's unit is within the actor's units.
    UnitScope,
    /// Texts, evidence and pages stay within the policy's limits.
    InputLimits,
}

named_enum!(Rule {
    StepOrder => ("环节顺序不可跳过", "steps follow the transition table"),
    ArchivedIsSealed => ("已备案存档，不可再更改", "an archived record is sealed"),
    KnownCategory => ("类别须在责任矩阵中", "the category must be in the responsibility matrix"),
    DeadlineAfterStart => ("期限须晚于发现时间", "deadlines come after discovery"),
    MajorReportedToBureauInWriting => ("重大隐患须书面报告教育局", "a major hazard is reported to the bureau in writing"),
    MajorPlanSixItems => ("重大隐患治理方案须含六项内容", "a major hazard plan has all six items"),
    GeneralPlanFourImplementations => ("一般隐患整改须四落实", "a general rectification has the four implementations"),
    InterimControlRequired => ("不能立即整改的须采取临时管控措施", "interim control is required"),
    CompletionNeedsEvidence => ("整改完成须附佐证材料", "completion needs evidence"),
    CheckerIsNotRectifier => ("验收人不得为整改人或责任人", "the checker is neither rectifier nor assignee"),
    FailureNeedsReason => ("验收不合格须说明理由", "a failed acceptance needs a reason"),
    SupervisedClosedByBureau => ("挂牌督办的重大隐患由教育局核销", "a supervised major hazard is closed by the bureau"),
    DismissalApprovedOneLevelUp => ("撤销须说明理由并经上一级批准", "dismissal needs a reason and approval one level up"),
    ExtensionBeforeDeadline => ("延期须在期限前申请", "an extension is requested before the deadline"),
    ExtensionDecidedBySuperior => ("延期由责任人的上级审批", "an extension is decided by the assignee's superior"),
    PauseApproved => ("暂停计时须说明理由并经批准", "a clock pause needs a reason and approval"),
    FixOnTheSpotGeneralOnly => ("立查立改仅限一般隐患", "fix on the spot is for general hazards only"),
    SupervisionByBureau => ("挂牌督办由教育局对重大隐患实施", "supervision is imposed by the bureau on major hazards"),
    SameTenant => ("不得跨租户操作", "actors act within their own tenant"),
    RoleAllowsStep => ("角色无此环节权限", "the role does not allow this step"),
    UnitScope => ("不在本人管辖单位范围内", "outside the actor's units"),
    InputLimits => ("超出输入限制", "input exceeds a limit"),
});

impl Rule {
    /// The rule's stable code (`checker_is_not_rectifier`), as used in data files and logs.
    pub fn code(&self) -> String {
        crate::model::code_of(self)
    }
}
