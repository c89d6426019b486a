//! The seven-step loop as a state machine: stage types with consuming transitions, the `Stage`
//! enum for loaded records, commands and events, and the pure `decide` and `apply`.

mod check;
mod command;
mod data;
mod decide;
mod error;
mod event;
pub mod graph;
mod hazard;
mod import;
mod input;
mod rule;
mod stage;
mod stage_enum;

pub use command::{Command, Discover, Interim, Register, Step};
pub use data::{
    Acceptance, Closure, Completion, DismissReason, Dismissal, ExtensionDecision, ExtensionRequest,
    FailedAttempt, FourImplementations, InterimControl, InterimMeasure, MajorPlan, Pause, Plan,
    Progress, Registration, Rejection, Report, Seal, Supervision, Treatment,
};
pub use decide::{decide, decide_into, Context};
pub use error::{ApplyError, WorkflowError};
pub use event::{Event, EVENT_SCHEMA};
pub use graph::{to_mermaid, TransitionGraph};
pub use hazard::Hazard;
pub use import::{Historic, Import, ImportSource, Imported, Passed};
pub use rule::Rule;
pub use stage::{
    Accepted, Archived, Closed, Discovered, Dismissed, Filed, Registered, Reported, StageKind,
    Treated, Treating,
};
pub use stage_enum::Stage;

pub(crate) use crate::model::Grade;
