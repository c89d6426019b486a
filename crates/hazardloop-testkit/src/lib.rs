//! # hazardloop-testkit
//!
//! Test support for hazardloop and for the systems that embed it: a [`ManualClock`], fixtures
//! built from the seed presets with a person in every role ([`Fixture::school`]), and the
//! scenario DSL ([`Scenario`]) for testing rules on `decide` and `apply` without a store.
//!
//! ```
//! use hazardloop_core::prelude::*;
//! use hazardloop_testkit::{Fixture, Scenario};
//!
//! let f = Fixture::school();
//! let (_, history) = f.walked(Grade::General, StageKind::Treated);
//! // The rectifier cannot check their own work.
//! Scenario::new(&f)
//!     .given(history)
//!     .when(&f.worker(), Command::Pass { note: String::new() })
//!     .then_rule(Rule::CheckerIsNotRectifier);
//! ```

pub mod authorization;
mod clock;
mod commands;
pub use commands::MAIN_PATH;
pub mod conformance;
mod fixture;
pub mod inspection_conformance;
mod inspection_scenario;
mod notifiers;
pub mod number_conformance;
pub mod record_conformance;
mod scenario;

pub use clock::ManualClock;
pub use conformance::{notifier_conformance, store_conformance};
pub use fixture::{evidence, fold_onto, major_plan, Fixture, People};
pub use inspection_conformance::inspection_conformance;
pub use inspection_scenario::{InspectionDecision, InspectionScenario, SCENARIO_SHEET};
pub use notifiers::{Answer, FlakyNotifier, RecordingNotifier};
pub use record_conformance::record_conformance;
pub use scenario::{Decision, Scenario};
