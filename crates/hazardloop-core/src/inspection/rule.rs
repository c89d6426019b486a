//! The rules of inspections, each named, and the error that names the one refusing.

use serde::{Deserialize, Serialize};

use crate::model::{named_enum, InputError};

/// A rule of inspections; every refusal names one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionRule {
    /// The actor acts only in their own tenant.
    SameTenant,
    /// An inspector performs only their own occurrences.
    OwnOccurrenceOnly,
    /// Reassigning is for a head of the unit (or above) or the safety office.
    ReassignByHead,
    /// Excusing is for the school safety office (or the principal).
    ExcuseBySafetyOffice,
    /// Nothing is done before the window opens.
    WindowNotOpen,
    /// Nothing is done after the window closes: the occurrence is missed.
    WindowClosed,
    /// This plan takes no submission after the due time.
    LateNotAllowed,
    /// A completed occurrence is not changed.
    AlreadyCompleted,
    /// Completion needs every mandatory item answered.
    MandatoryAnswered,
    /// A failed item that needs evidence has it.
    EvidenceOnFail,
    /// Only a missed occurrence is excused, and once.
    ExcuseOnlyMissed,
    /// The new inspector is a known person, other than the current one.
    ReassignToAnother,
    /// A stored template is never edited in place: a change is a new version.
    TemplateVersioned,
}

named_enum!(InspectionRule {
    SameTenant => ("只能在本单位办理", "same tenant"),
    OwnOccurrenceOnly => ("只能执行本人的检查任务", "own occurrence only"),
    ReassignByHead => ("改派须由部门负责人或安全管理部门办理", "reassign by a head"),
    ExcuseBySafetyOffice => ("免检须由学校安全管理部门核准", "excuse by the safety office"),
    WindowNotOpen => ("检查时段尚未开始", "window not open"),
    WindowClosed => ("检查时段已结束（漏检）", "window closed"),
    LateNotAllowed => ("本计划不接受逾期提交", "late not allowed"),
    AlreadyCompleted => ("检查已完成", "already completed"),
    MandatoryAnswered => ("必检项目未填写", "mandatory items answered"),
    EvidenceOnFail => ("不合格项目须附照片", "evidence on fail"),
    ExcuseOnlyMissed => ("只有漏检任务可以核准免检", "excuse only a missed occurrence"),
    ReassignToAnother => ("改派对象须为他人", "reassign to another"),
    TemplateVersioned => ("检查表修改须另立版本", "a changed template is a new version"),
});

/// Why a command on an occurrence was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InspectionError {
    /// The input is malformed; the error names the field.
    ///
    /// **Handling:** show the field to the user; nothing was written.
    #[error("{0}")]
    Input(#[from] InputError),
    /// The actor may not do this.
    ///
    /// **Handling:** tell the user who may; nothing was written.
    #[error("denied ({rule:?}): {reason}")]
    Denied {
        /// The rule.
        rule: InspectionRule,
        /// Why.
        reason: String,
    },
    /// The occurrence's state or window refuses it.
    ///
    /// **Handling:** show the reason; nothing was written.
    #[error("refused ({rule:?}): {reason}")]
    Refused {
        /// The rule.
        rule: InspectionRule,
        /// Why.
        reason: String,
    },
}

impl InspectionError {
    /// The rule refusing, if a rule did.
    pub fn rule(&self) -> Option<InspectionRule> {
        match self {
            InspectionError::Denied { rule, .. } | InspectionError::Refused { rule, .. } => {
                Some(*rule)
            }
            InspectionError::Input(_) => None,
        }
    }
}

pub(super) fn denied(rule: InspectionRule, reason: impl Into<String>) -> InspectionError {
    InspectionError::Denied { rule, reason: reason.into() }
}

pub(super) fn refused(rule: InspectionRule, reason: impl Into<String>) -> InspectionError {
    InspectionError::Refused { rule, reason: reason.into() }
}
