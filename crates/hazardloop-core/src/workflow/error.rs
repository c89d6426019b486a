//! Errors of deciding and applying steps.

use crate::model::{InputError, Lang, Named};
use crate::workflow::{Rule, StageKind, Step};

/// Why a command was refused. Nothing was changed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum WorkflowError {
    /// The step cannot be taken from the hazard's current stage.
    ///
    /// **Handling:** reload the hazard; the ledger shows which step is next.
    #[error("{step} is not allowed while the hazard is {stage} (rule: {})", Rule::StepOrder.code())]
    NotAllowed {
        /// The current stage.
        stage: StageKind,
        /// The step attempted.
        step: Step,
    },
    /// A rule of the loop refused the command.
    ///
    /// **Handling:** the detail says what is missing or wrong; fix the input or ask the right person.
    #[error("{detail} (rule: {}: {})", rule.code(), rule.name(Lang::Zh))]
    Broken {
        /// The rule applied.
        rule: Rule,
        /// What exactly failed.
        detail: String,
    },
    /// The actor may not take the step.
    ///
    /// **Handling:** do not retry as the same actor; the rule names what is missing.
    #[error("denied: {detail} (rule: {}: {})", rule.code(), rule.name(Lang::Zh))]
    Denied {
        /// The authorization rule applied.
        rule: Rule,
        /// Who tried what.
        detail: String,
    },
    /// The input is malformed or names something unknown.
    ///
    /// **Handling:** fix the named field and send again.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The command needs an existing hazard and none was given, or creates one where one exists.
    ///
    /// **Handling:** a programming error in the caller; discover creates, every other command needs the hazard.
    #[error("{0}")]
    Target(&'static str),
}

impl WorkflowError {
    /// A refusal by `rule` with `detail`.
    pub fn broken(rule: Rule, detail: impl Into<String>) -> Self {
        WorkflowError::Broken { rule, detail: detail.into() }
    }

    /// A denial by `rule` with `detail`.
    pub fn denied(rule: Rule, detail: impl Into<String>) -> Self {
        WorkflowError::Denied { rule, detail: detail.into() }
    }

    /// The rule behind the refusal, if one applies.
    pub fn rule(&self) -> Option<Rule> {
        match self {
            WorkflowError::NotAllowed { stage: StageKind::Archived, .. } => {
                Some(Rule::ArchivedIsSealed)
            }
            WorkflowError::NotAllowed { .. } => Some(Rule::StepOrder),
            WorkflowError::Broken { rule, .. } | WorkflowError::Denied { rule, .. } => Some(*rule),
            WorkflowError::Input(InputError::TooLarge { .. }) => Some(Rule::InputLimits),
            WorkflowError::Input(InputError::UnknownCategory { .. }) => Some(Rule::KnownCategory),
            _ => None,
        }
    }
}

/// An event that does not fit the hazard it is applied to: the stored history is damaged.
///
/// **Handling:** run `verify` on the hazard; restore it from a backup. Never produced by events
/// that came from `decide`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {event} cannot apply to a hazard that is {stage}")]
pub struct ApplyError {
    /// The stage the hazard was in (`None` before the first event).
    pub stage: String,
    /// The event's type.
    pub event: &'static str,
}
