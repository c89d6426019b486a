//! # hazardloop-core
//!
//! The pure core of hazardloop: the seven-step school-safety hazard loop
//! (排查—登记—报告—治理—验收—销号—备案存档) as a typed state machine, with deadlines on a
//! working-day calendar, escalation ladders, the organisation and its responsibility matrix,
//! and policy. No I/O, no async runtime, no reading of the system clock.
//!
//! ```
//! use hazardloop_core::prelude::*;
//! use chrono::{TimeZone, Utc};
//!
//! // A school built from the seed 001 preset, with three people.
//! let tenant = TenantId::new("demo")?;
//! let mut org = Preset::FocusAreas.school_org(
//!     tenant.clone(),
//!     (UnitId::new("bureau")?, "区教育局"),
//!     (UnitId::new("s1")?, "第一中学"),
//! )?;
//! let unit = UnitId::new("s1")?;
//! for (id, role) in [("officer", Role::SafetyOfficer), ("head", Role::DepartmentHead), ("inspector", Role::Inspector)] {
//!     org.add_person(Person::new(PersonId::new(id)?, id, unit.clone()).with_role(role))?;
//! }
//! let actor = |id: &str, role| Actor::new(tenant.clone(), PersonId::new(id).unwrap(), [role], [unit.clone()]);
//! let policy = Policy::default();
//! let now = Utc.with_ymd_and_hms(2025, 3, 3, 2, 0, 0).unwrap(); // Monday 10:00 in Shanghai
//! let officer = actor("officer", Role::SafetyOfficer);
//! let ctx = Context { now, actor: &officer, policy: &policy, org: &org };
//!
//! // 排查: a finding becomes a hazard.
//! let found = Command::from(Discover {
//!     unit: unit.clone(),
//!     location: "实验楼3楼化学实验室".into(),
//!     category: None,
//!     title: "灭火器过期".into(),
//!     description: "两具干粉灭火器压力不足".into(),
//!     source: Source::DailyPatrol,
//!     discovered_at: None,
//!     evidence: vec![],
//!     campaign: None,
//! });
//! let events = decide(None, found, &ctx)?;
//! let hazard = Hazard::fold(HazardId::new_at(now), &events)?;
//! assert_eq!(hazard.kind(), StageKind::Discovered);
//! // Registration is due by the end of the same working day (17:30 in Shanghai).
//! assert_eq!(hazard.clocks.get(ClockKind::Register), Some(Utc.with_ymd_and_hms(2025, 3, 3, 9, 30, 0).unwrap()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod calendar;
pub mod chain;
pub mod clock;
pub mod deadline;
pub mod duty;
pub mod engine;
pub mod escalation;
pub mod inspection;
pub mod model;
pub mod notify;
pub mod numbering;
pub mod org;
pub mod policy;
pub mod report;
pub mod store;
pub mod workflow;

/// The names most programs need.
pub mod prelude {
    pub use crate::calendar::{Calendar, Span};
    pub use crate::deadline::{ClockKind, Deadlines};
    pub use crate::escalation::{plan_sweep, Action, Escalation, Ladders, Recipient};
    pub use crate::model::{
        Actor, Assessment, Category, Evidence, Grade, HazardId, Lang, Method, Named, PersonId,
        RiskColour, Source, TenantId, UnitId,
    };
    pub use crate::org::{authorize, Org, Person, Preset, Role, Unit, UnitKind};
    pub use crate::policy::Policy;
    pub use crate::workflow::{
        decide, Command, Context, Discover, Event, Hazard, Plan, Register, Rule, Stage, StageKind,
        Step, WorkflowError,
    };
}
