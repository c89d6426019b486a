//! Inspections (排查), step 1 of the loop: checklist templates, plans on a cadence, the
//! occurrences they generate, and what a missed or overdue one sets off.
//!
//! The seeds put inspections on a cadence more often than any other duty: daily patrols and a
//! concentrated check every half month (seed 004 七(四)), a monthly check led by the school's
//! leadership (seed 002), checks before, during and after each term (seed 003 第十五条), and
//! "日检查、周整改、月汇总" (seed 001). A missed inspection is itself grounds for
//! accountability.
//!
//! Built the way the hazard loop is: pure rules ([`decide`], [`sweep`]), events in a hash chain
//! ([`OccurrenceRecord`]), one atomic commit per command. Completing an occurrence raises a
//! hazard for each failed item in the same commit; the hazard links back ([`FindingRef`]).
//!
//! ```
//! use hazardloop_core::calendar::{Calendar, CalendarConfig, Term};
//! use hazardloop_core::inspection::{slots, Cadence, Window};
//! use chrono::NaiveDate;
//!
//! let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
//! let cal = Calendar::china();
//! // The half-monthly check on the 3rd working day of each half: National Day and its
//! // adjusted Saturday 10-10 move October's first one.
//! let slots = slots(&Cadence::HalfMonth { day: Some(3) }, &Window::default(), false, &cal, d(9, 1), d(10, 31));
//! let days: Vec<_> = slots.iter().map(|s| s.first_day).collect();
//! assert_eq!(days, [d(9, 3), d(9, 18), d(10, 10), d(10, 20)]);
//! ```

mod cadence;
mod dates;
mod decide;
mod escalate;
mod occurrence;
mod plan;
mod presets;
mod record;
mod response;
mod rule;
mod stats;
mod template;

pub use cadence::{slots, Cadence, CadenceKind, Slot, Window};
pub use decide::{authorize, check_answers, decide, InspectionCommand, InspectionContext};
pub use escalate::{next_due, sweep, InspectionPolicy};
pub use occurrence::{
    Answer, Finding, FindingRef, Occurrence, OccurrenceEvent, OccurrenceId, Scheduled, Status,
};
pub use plan::{InspectionPlan, Inspector, Plans};
pub use presets::{preset, preset_codes};
pub use record::{chain, verify, OccurrenceRecord, OCCURRENCE_SCHEMA};
pub use response::{Response, ResponseKind};
pub use rule::{InspectionError, InspectionRule};
pub use stats::{
    statistics, weekly, InspectionLine, InspectionTally, OccurrenceQuery, OccurrenceRow,
};
pub use template::{Item, Section, Template, TemplateRef};
