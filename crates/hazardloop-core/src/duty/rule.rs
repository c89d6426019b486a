//! The rules of incidents, report duties and campaigns, each named, and the error that names
//! the one refusing.

use serde::{Deserialize, Serialize};

use crate::model::{named_enum, InputError, PersonId, UnitId};
use crate::org::{Org, Person};

/// A rule of incidents, report duties and campaigns; every refusal names one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DutyRule {
    /// The actor acts only in their own tenant.
    SameTenant,
    /// The actor belongs to the record's unit, a unit below it or a unit above it.
    WithinUnit,
    /// Times follow one another: occurred ≤ learned of ≤ reported ≤ now.
    TimeOrder,
    /// A report of a kind that is made once (the phone report, the written report) was made.
    AlreadyReported,
    /// Follow-up reports come after the written report.
    WrittenBeforeFollowUp,
    /// An incident is closed after its written report.
    WrittenBeforeClose,
    /// Nothing is added to a closed incident.
    AlreadyClosed,
    /// A duty is submitted once.
    AlreadySubmitted,
    /// A duty that must be signed is signed by a holder of the role.
    SignedByRole,
    /// A hazard is tagged only to a campaign the tenant has.
    KnownCampaign,
}

named_enum!(DutyRule {
    SameTenant => ("只能在本单位办理", "same tenant"),
    WithinUnit => ("只能办理本单位及上下级单位的事项", "within the unit"),
    TimeOrder => ("时间先后不合理", "times in order"),
    AlreadyReported => ("该报告已报送", "already reported"),
    WrittenBeforeFollowUp => ("续报须在书面报告之后", "written report before follow-ups"),
    WrittenBeforeClose => ("书面报告报送后方可结案", "written report before closing"),
    AlreadyClosed => ("事件已结案", "already closed"),
    AlreadySubmitted => ("该事项已报送", "already submitted"),
    SignedByRole => ("须由规定人员签发", "signed by the role"),
    KnownCampaign => ("专项整治不存在", "known campaign"),
});

/// Why a command on an incident or a report duty was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DutyError {
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
        rule: DutyRule,
        /// Why.
        reason: String,
    },
    /// The record's state refuses it.
    ///
    /// **Handling:** show the reason; nothing was written.
    #[error("refused ({rule:?}): {reason}")]
    Refused {
        /// The rule.
        rule: DutyRule,
        /// Why.
        reason: String,
    },
}

impl DutyError {
    /// The rule refusing, if a rule did.
    pub fn rule(&self) -> Option<DutyRule> {
        match self {
            DutyError::Denied { rule, .. } | DutyError::Refused { rule, .. } => Some(*rule),
            DutyError::Input(_) => None,
        }
    }
}

pub(crate) fn denied(rule: DutyRule, reason: impl Into<String>) -> DutyError {
    DutyError::Denied { rule, reason: reason.into() }
}

pub(crate) fn refused(rule: DutyRule, reason: impl Into<String>) -> DutyError {
    DutyError::Refused { rule, reason: reason.into() }
}

/// A malformed field.
pub(crate) fn malformed(field: &str, reason: impl Into<String>) -> DutyError {
    DutyError::Input(InputError::Malformed { field: field.to_owned(), reason: reason.into() })
}

/// Checks a required text: not blank, at most `max` characters.
pub(crate) fn text(field: &str, value: &str, max: usize) -> Result<(), DutyError> {
    if value.trim().is_empty() {
        return Err(DutyError::Input(InputError::Missing { field: field.to_owned() }));
    }
    if value.chars().count() > max {
        return Err(malformed(field, format!("is longer than {max} characters")));
    }
    Ok(())
}

/// The person acting, who must belong to `unit`, a unit below it or a unit above it.
pub(crate) fn actor_within<'o>(
    org: &'o Org,
    actor: &PersonId,
    unit: &UnitId,
) -> Result<&'o Person, DutyError> {
    let person = org.person(actor).ok_or_else(|| {
        denied(DutyRule::SameTenant, format!("{actor} is not a person of tenant {}", org.tenant()))
    })?;
    if org.is_within(&person.unit, unit) || org.is_within(unit, &person.unit) {
        Ok(person)
    } else {
        Err(denied(
            DutyRule::WithinUnit,
            format!("{actor} of unit {} does not act for unit {unit}", person.unit),
        ))
    }
}
