//! A valid command and a capable actor for every step: for table tests, proptests and benches.

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::model::{Actor, Category, Grade};
use hazardloop_core::workflow::{Command, DismissReason, Hazard, Interim, InterimMeasure, Step};

use crate::{evidence, Fixture};

/// The seven steps of the loop as commands, in order, for a hazard that passes acceptance.
pub const MAIN_PATH: [Step; 8] = [
    Step::Discover,
    Step::Register,
    Step::Report,
    Step::StartTreatment,
    Step::Complete,
    Step::Pass,
    Step::Close,
    Step::Archive,
];

impl Fixture {
    /// A well-formed command for `step` on a hazard of `grade` at `now`. Whether it is accepted
    /// depends on the hazard's stage and the rules; the payload itself is valid.
    pub fn command_for(&self, step: Step, grade: Grade, now: DateTime<Utc>) -> Command {
        match step {
            Step::Discover => self.discover(),
            Step::FixOnTheSpot => {
                let Command::Discover(discover) = self.discover() else { unreachable!("discover") };
                Command::FixOnTheSpot {
                    discover,
                    category: self.category(),
                    assessment: None,
                    measures: "当场拧紧螺栓".into(),
                    evidence: vec![evidence(3)],
                }
            }
            Step::Register => self.register(grade),
            Step::Report => self.report(grade),
            Step::StartTreatment => self.start_treatment(grade, now + Duration::hours(30)),
            Step::Complete => self.complete(),
            Step::Pass => Command::Pass { note: "复查合格".into() },
            Step::Fail => Command::Fail { reason: "整改不彻底".into() },
            Step::Close => Command::Close { note: String::new() },
            Step::Archive => Command::Archive,
            Step::Dismiss => Command::Dismiss {
                reason: DismissReason::NotAHazard,
                note: "经复核不构成隐患".into(),
                requested_by: self.people.officer.clone(),
            },
            Step::AddInterimControl => Command::AddInterimControl(Interim {
                measures: vec![InterimMeasure::WarningSigns],
                note: "设置警示标志".into(),
            }),
            Step::RecordProgress => Command::RecordProgress {
                note: "已订购配件".into(),
                percent: Some(40),
                evidence: vec![],
            },
            Step::RequestExtension => Command::RequestExtension {
                new_deadline: now + Duration::days(20),
                reason: "配件需从厂家订购".into(),
            },
            Step::GrantExtension => Command::GrantExtension { note: "同意".into() },
            Step::DenyExtension => Command::DenyExtension { reason: "应按期完成".into() },
            Step::PauseClock => Command::PauseClock { reason: "等待教育局批复".into() },
            Step::ResumeClock => Command::ResumeClock { note: String::new() },
            Step::Reassign => {
                Command::Reassign { to: self.people.worker.clone(), note: "人员调整".into() }
            }
            Step::AddEvidence => Command::AddEvidence { evidence: vec![evidence(7)] },
            Step::Comment => Command::Comment { text: "已电话督促".into() },
            Step::Supervise => {
                Command::Supervise { reference: Some("督办〔2025〕3号".into()) }
            }
            // An import is built from a ledger row (hazardloop-cli); the finding stands in.
            Step::Import => self.discover(),
        }
    }

    /// An actor who may take `step` on `hazard` (or on a new one) in this fixture.
    pub fn actor_for(&self, step: Step, hazard: Option<&Hazard>) -> Actor {
        let grade = hazard.and_then(|h| h.stage.registration()).map_or(Grade::General, |r| r.grade);
        let supervised =
            hazard.and_then(|h| h.stage.report()).is_some_and(|r| r.supervision.is_some());
        match step {
            Step::Discover | Step::Pass | Step::Fail | Step::AddEvidence | Step::Comment => {
                self.inspector()
            }
            Step::FixOnTheSpot | Step::GrantExtension | Step::DenyExtension | Step::Reassign => {
                self.logistics_head()
            }
            Step::Register | Step::Report | Step::Archive | Step::Import => self.officer(),
            Step::Close if supervised => self.bureau_officer(),
            Step::Close => self.officer(),
            Step::StartTreatment if grade == Grade::Major => self.principal(),
            Step::StartTreatment
            | Step::Complete
            | Step::AddInterimControl
            | Step::RecordProgress
            | Step::RequestExtension => self.worker(),
            Step::Dismiss | Step::PauseClock | Step::ResumeClock => self.deputy(),
            Step::Supervise => self.bureau_officer(),
        }
    }

    /// Every actor of the fixture.
    pub fn actors(&self) -> Vec<Actor> {
        vec![
            self.inspector(),
            self.officer(),
            self.worker(),
            self.logistics_head(),
            self.security_head(),
            self.principal(),
            self.deputy(),
            self.bureau_officer(),
            self.grid_member(),
        ]
    }

    fn category(&self) -> Category {
        #[allow(clippy::expect_used)] // a constant key
        Category::new("buildings_construction").expect("valid key")
    }
}

impl Fixture {
    /// Takes `step` on `hazard` (or a new one) through `engine`, with the step's usual actor and
    /// command; returns the hazard's id. For tests that drive a real engine.
    pub async fn drive<S, N>(
        &self,
        engine: &hazardloop_core::engine::Engine<S, N>,
        hazard: Option<hazardloop_core::model::HazardId>,
        step: Step,
    ) -> Result<hazardloop_core::model::HazardId, hazardloop_core::engine::EngineError>
    where
        S: hazardloop_core::store::Store,
        N: hazardloop_core::notify::Notifier,
    {
        let current = match hazard {
            Some(id) => Some(engine.hazard(&self.tenant, id).await?.hazard),
            None => None,
        };
        let actor = self.actor_for(step, current.as_ref());
        let command = self.command_for(step, Grade::General, engine.now());
        let request = hazardloop_core::engine::Request::to(hazard, command);
        Ok(engine.execute(&actor, request).await?.hazard)
    }
}
