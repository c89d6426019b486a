//! Errors of the command, each with its exit code.

use hazardloop_core::engine::EngineError;
use hazardloop_core::model::InputError;
use hazardloop_core::store::StoreError;
use hazardloop_core::workflow::WorkflowError;

/// Exit codes: 0 ok, 2 usage, 3 denied, 4 invalid input, 5 conflict, 1 anything else.
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// Anything else (storage, I/O, a failed verification).
    pub const OTHER: i32 = 1;
    /// The command line is wrong.
    pub const USAGE: i32 = 2;
    /// The actor may not do this.
    pub const DENIED: i32 = 3;
    /// The input is invalid, names something unknown, or breaks a rule of the loop.
    pub const INVALID: i32 = 4;
    /// Another command changed the hazard first.
    pub const CONFLICT: i32 = 5;
}

/// A failure of the command: a readable sentence and its exit code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// The command line is wrong.
    #[error("{0}")]
    Usage(String),
    /// The actor may not do this.
    #[error("{0}")]
    Denied(String),
    /// Invalid input or a broken rule.
    #[error("{0}")]
    Invalid(String),
    /// A concurrent change.
    #[error("{0}")]
    Conflict(String),
    /// Anything else.
    #[error("{0}")]
    Other(String),
    /// The command printed its own result (with `"ok": false`) and fails with this exit code.
    #[error("{message}")]
    Reported {
        /// The exit code.
        code: i32,
        /// The sentence for stderr.
        message: String,
    },
}

impl CliError {
    /// The process exit code.
    pub fn code(&self) -> i32 {
        match self {
            CliError::Usage(_) => exit::USAGE,
            CliError::Denied(_) => exit::DENIED,
            CliError::Invalid(_) => exit::INVALID,
            CliError::Conflict(_) => exit::CONFLICT,
            CliError::Other(_) => exit::OTHER,
            CliError::Reported { code, .. } => *code,
        }
    }

    /// A stable machine name of the kind, for `--format json`.
    pub fn kind(&self) -> &'static str {
        match self {
            CliError::Usage(_) => "usage",
            CliError::Denied(_) => "denied",
            CliError::Invalid(_) => "invalid",
            CliError::Conflict(_) => "conflict",
            CliError::Other(_) | CliError::Reported { .. } => "error",
        }
    }
}

impl From<EngineError> for CliError {
    fn from(e: EngineError) -> CliError {
        match e {
            EngineError::Workflow(w) => w.into(),
            EngineError::Conflict { .. } => CliError::Conflict(e.to_string()),
            EngineError::NotFound { .. } => CliError::Invalid(e.to_string()),
            EngineError::UnknownTenant(_) => {
                CliError::Usage(format!("{e}; run `hazardloop init` first"))
            }
            other => CliError::Other(other.to_string()),
        }
    }
}

impl From<WorkflowError> for CliError {
    fn from(e: WorkflowError) -> CliError {
        match e {
            WorkflowError::Denied { .. } => CliError::Denied(e.to_string()),
            other => CliError::Invalid(other.to_string()),
        }
    }
}

impl From<InputError> for CliError {
    fn from(e: InputError) -> CliError {
        CliError::Invalid(e.to_string())
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> CliError {
        match e {
            StoreError::Conflict { .. } => CliError::Conflict(e.to_string()),
            StoreError::Schema(_) => CliError::Usage(format!("{e}; run `hazardloop init` first")),
            other => CliError::Other(other.to_string()),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> CliError {
        CliError::Other(e.to_string())
    }
}
