//! Events: what happened to a hazard. Append-only; the hazard is the fold of its events.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::deadline::{ClockKind, DeadlineChange, Deadlines};
use crate::escalation::Escalation;
use crate::model::{Evidence, Facts, PersonId};
use crate::workflow::{
    Acceptance, Closure, Completion, Dismissal, ExtensionDecision, ExtensionRequest,
    InterimControl, Pause, Progress, Registration, Rejection, Report, Seal, Step, Supervision,
    Treatment,
};

/// The schema version written with every event. Older versions stay loadable: a change to an
/// event's shape bumps this and adds an upcast where events are read.
///
/// Schema 2 writes `DeadlinesChanged` (only the clocks a step touches) where schema 1 wrote
/// `DeadlinesSet` (every clock), and a `ClockResumed` shifts the clocks itself; schema-1 events
/// load unchanged.
pub const EVENT_SCHEMA: u16 = 2;

/// Something that happened to a hazard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// Step 1 (排查): found.
    Discovered {
        /// The facts (shared with the stage that folds them: most events are far smaller).
        facts: Arc<Facts>,
    },
    /// Step 2 (登记): entered in the ledger.
    Registered {
        /// The ledger entry (shared with the stage that folds it).
        registration: Arc<Registration>,
    },
    /// Step 3 (报告): reported up the line.
    Reported {
        /// The report (shared with the stage that folds it).
        report: Arc<Report>,
    },
    /// Step 4a (治理): treatment started under a plan.
    TreatmentStarted {
        /// The treatment as it starts (shared with the stage: it is the largest event by far).
        treatment: Arc<Treatment>,
    },
    /// Step 4b: the rectifier says it is fixed.
    TreatmentCompleted {
        /// The claim with evidence (shared with the stage that folds it).
        completion: Arc<Completion>,
    },
    /// Step 5 (验收) passed.
    AcceptancePassed {
        /// The check (shared with the stage that folds it).
        acceptance: Arc<Acceptance>,
    },
    /// Step 5 (验收) failed: back to treatment.
    AcceptanceFailed {
        /// The failed check.
        rejection: Rejection,
    },
    /// Step 6 (销号): closed.
    Closed {
        /// The closure (shared with the stage that folds it).
        closure: Arc<Closure>,
    },
    /// Step 7 (备案存档): filed and sealed.
    Archived {
        /// The seal.
        seal: Seal,
    },
    /// Dismissed: not a hazard or a duplicate.
    Dismissed {
        /// The dismissal.
        dismissal: Dismissal,
    },
    /// Interim control measures put in place.
    InterimControlAdded {
        /// The control.
        control: InterimControl,
    },
    /// Progress recorded.
    ProgressRecorded {
        /// The progress note.
        progress: Progress,
    },
    /// An extension requested.
    ExtensionRequested {
        /// The request.
        request: ExtensionRequest,
    },
    /// An extension decided (granted or denied).
    ExtensionDecided {
        /// The decision.
        decision: ExtensionDecision,
    },
    /// All clocks paused.
    ClockPaused {
        /// The pause.
        pause: Pause,
    },
    /// Clocks resumed: every running clock moves later by the time they were paused. (Before
    /// schema 2 a `DeadlinesSet` with the shifted clocks followed; it sets the same values.)
    ClockResumed {
        /// Note.
        note: String,
        /// Who.
        by: PersonId,
        /// When.
        at: DateTime<Utc>,
    },
    /// The assignee changed.
    Reassigned {
        /// The new assignee.
        to: PersonId,
        /// Why.
        note: String,
        /// Who.
        by: PersonId,
        /// When.
        at: DateTime<Utc>,
    },
    /// Evidence added.
    EvidenceAdded {
        /// The evidence.
        evidence: Vec<Evidence>,
        /// Who.
        by: PersonId,
        /// When.
        at: DateTime<Utc>,
    },
    /// A comment.
    Commented {
        /// The text.
        text: String,
        /// Who.
        by: PersonId,
        /// When.
        at: DateTime<Utc>,
    },
    /// The bureau put the hazard under supervision (挂牌督办).
    Supervised {
        /// The supervision.
        supervision: Supervision,
    },
    /// A step stopped some clocks and started or moved others ([`crate::deadline::CLOCK_TABLE`]);
    /// the clocks it names are the only ones it changes.
    DeadlinesChanged {
        /// What changed.
        #[serde(flatten)]
        change: DeadlineChange,
        /// When.
        at: DateTime<Utc>,
    },
    /// The hazard's open clocks, replacing the previous set. Written before schema 2 (since
    /// then [`Event::DeadlinesChanged`]); kept so that older histories load.
    DeadlinesSet {
        /// The open clocks.
        clocks: Deadlines,
        /// When they were set.
        at: DateTime<Utc>,
    },
    /// Imported (导入) from another ledger, directly in the stage its source shows, with the
    /// source's history and dates.
    Imported {
        /// What was imported (boxed: it holds a whole stage).
        import: Box<crate::workflow::Imported>,
    },
    /// A rung of an escalation ladder fired.
    Escalated {
        /// What fired.
        escalation: Escalation,
        /// When the sweep fired it.
        at: DateTime<Utc>,
    },
    /// A provisional deadline re-reckoned (重新推算) after a holiday notice was loaded: moved
    /// from `from` to `to`, or confirmed where they are equal. The rungs that already fired for
    /// `from` count as fired for `to`, so none fires twice.
    DeadlineReprojected {
        /// The clock.
        clock: ClockKind,
        /// Its due time before.
        from: DateTime<Utc>,
        /// Its due time now.
        to: DateTime<Utc>,
        /// Whether it is still provisional (its count still reaches past the new horizon).
        provisional: bool,
        /// Why: the notice loaded (its source).
        reason: String,
        /// When it was re-reckoned.
        at: DateTime<Utc>,
    },
}

impl Event {
    /// The event's type name (`treatment_completed`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Event::Discovered { .. } => "discovered",
            Event::Registered { .. } => "registered",
            Event::Reported { .. } => "reported",
            Event::TreatmentStarted { .. } => "treatment_started",
            Event::TreatmentCompleted { .. } => "treatment_completed",
            Event::AcceptancePassed { .. } => "acceptance_passed",
            Event::AcceptanceFailed { .. } => "acceptance_failed",
            Event::Closed { .. } => "closed",
            Event::Archived { .. } => "archived",
            Event::Dismissed { .. } => "dismissed",
            Event::InterimControlAdded { .. } => "interim_control_added",
            Event::ProgressRecorded { .. } => "progress_recorded",
            Event::ExtensionRequested { .. } => "extension_requested",
            Event::ExtensionDecided { .. } => "extension_decided",
            Event::ClockPaused { .. } => "clock_paused",
            Event::ClockResumed { .. } => "clock_resumed",
            Event::Reassigned { .. } => "reassigned",
            Event::EvidenceAdded { .. } => "evidence_added",
            Event::Commented { .. } => "commented",
            Event::Supervised { .. } => "supervised",
            Event::DeadlinesChanged { .. } => "deadlines_changed",
            Event::DeadlinesSet { .. } => "deadlines_set",
            Event::Escalated { .. } => "escalated",
            Event::DeadlineReprojected { .. } => "deadline_reprojected",
            Event::Imported { .. } => "imported",
        }
    }

    /// The event's name in `lang`: the step it records, else the engine's own events
    /// (督办升级, 期限设定, 期限变更, 期限重新推算).
    pub fn name(&self, lang: crate::model::Lang) -> &'static str {
        use crate::model::Named;
        let pick = |zh, en| if lang == crate::model::Lang::Zh { zh } else { en };
        match (self.step(), self) {
            (Some(step), _) => step.name(lang),
            (None, Event::Escalated { .. }) => pick("督办升级", "escalation"),
            (None, Event::DeadlinesChanged { .. }) => pick("期限变更", "deadlines changed"),
            (None, Event::DeadlinesSet { .. }) => pick("期限设定", "deadlines set"),
            (None, Event::DeadlineReprojected { .. }) => {
                pick("期限重新推算", "deadline re-reckoned")
            }
            (None, _) => pick("其他", "other"),
        }
    }

    /// The step the event records; `None` for events of the engine itself (deadlines,
    /// escalations). A fix on the spot records the steps it stands for, one event each.
    pub fn step(&self) -> Option<Step> {
        Some(match self {
            Event::Discovered { .. } => Step::Discover,
            Event::Registered { .. } => Step::Register,
            Event::Reported { .. } => Step::Report,
            Event::TreatmentStarted { .. } => Step::StartTreatment,
            Event::TreatmentCompleted { .. } => Step::Complete,
            Event::AcceptancePassed { .. } => Step::Pass,
            Event::AcceptanceFailed { .. } => Step::Fail,
            Event::Closed { .. } => Step::Close,
            Event::Archived { .. } => Step::Archive,
            Event::Dismissed { .. } => Step::Dismiss,
            Event::InterimControlAdded { .. } => Step::AddInterimControl,
            Event::ProgressRecorded { .. } => Step::RecordProgress,
            Event::ExtensionRequested { .. } => Step::RequestExtension,
            Event::ExtensionDecided { decision } if decision.granted => Step::GrantExtension,
            Event::ExtensionDecided { .. } => Step::DenyExtension,
            Event::ClockPaused { .. } => Step::PauseClock,
            Event::ClockResumed { .. } => Step::ResumeClock,
            Event::Reassigned { .. } => Step::Reassign,
            Event::EvidenceAdded { .. } => Step::AddEvidence,
            Event::Commented { .. } => Step::Comment,
            Event::Supervised { .. } => Step::Supervise,
            Event::Imported { .. } => Step::Import,
            Event::DeadlinesChanged { .. }
            | Event::DeadlinesSet { .. }
            | Event::DeadlineReprojected { .. }
            | Event::Escalated { .. } => return None,
        })
    }

    /// Who caused it; `None` for events of the engine itself (deadlines, escalations).
    pub fn by(&self) -> Option<&PersonId> {
        Some(match self {
            Event::Discovered { facts } => &facts.discovered_by,
            Event::Registered { registration } => &registration.by,
            Event::Reported { report } => &report.by,
            Event::TreatmentStarted { treatment } => &treatment.by,
            Event::TreatmentCompleted { completion } => &completion.by,
            Event::AcceptancePassed { acceptance } => &acceptance.by,
            Event::AcceptanceFailed { rejection } => &rejection.by,
            Event::Closed { closure } => &closure.by,
            Event::Archived { seal } => &seal.by,
            Event::Dismissed { dismissal } => &dismissal.by,
            Event::InterimControlAdded { control } => &control.by,
            Event::ProgressRecorded { progress } => &progress.by,
            Event::ExtensionRequested { request } => &request.by,
            Event::ExtensionDecided { decision } => &decision.by,
            Event::ClockPaused { pause } => &pause.by,
            Event::Supervised { supervision } => &supervision.by,
            Event::Imported { import } => &import.by,
            Event::ClockResumed { by, .. }
            | Event::Reassigned { by, .. }
            | Event::EvidenceAdded { by, .. }
            | Event::Commented { by, .. } => by,
            Event::DeadlinesChanged { .. }
            | Event::DeadlinesSet { .. }
            | Event::DeadlineReprojected { .. }
            | Event::Escalated { .. } => return None,
        })
    }

    /// When it happened.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Event::Discovered { facts } => facts.discovered_at,
            Event::Registered { registration } => registration.at,
            Event::Reported { report } => report.at,
            Event::TreatmentStarted { treatment } => treatment.at,
            Event::TreatmentCompleted { completion } => completion.at,
            Event::AcceptancePassed { acceptance } => acceptance.at,
            Event::AcceptanceFailed { rejection } => rejection.at,
            Event::Closed { closure } => closure.at,
            Event::Archived { seal } => seal.at,
            Event::Dismissed { dismissal } => dismissal.at,
            Event::InterimControlAdded { control } => control.at,
            Event::ProgressRecorded { progress } => progress.at,
            Event::ExtensionRequested { request } => request.at,
            Event::ExtensionDecided { decision } => decision.at,
            Event::ClockPaused { pause } => pause.at,
            Event::Supervised { supervision } => supervision.at,
            Event::Imported { import } => import.at,
            Event::ClockResumed { at, .. }
            | Event::Reassigned { at, .. }
            | Event::EvidenceAdded { at, .. }
            | Event::Commented { at, .. }
            | Event::DeadlinesChanged { at, .. }
            | Event::DeadlinesSet { at, .. }
            | Event::DeadlineReprojected { at, .. }
            | Event::Escalated { at, .. } => *at,
        }
    }
}
