//! Test fixtures: hazards built by folding real events, and a small organisation.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::deadline::ClockKind;
use crate::escalation::{Action, Escalation, Recipient, RungKey};
use crate::model::{
    Assessment, Category, Evidence, Facts, Grade, HazardId, Method, PersonId, RiskColour, Source,
    TenantId, UnitId,
};
use crate::org::{Org, Person, Unit, UnitKind};
use crate::report::LedgerRow;
use crate::workflow::{
    Acceptance, Closure, Completion, DismissReason, Dismissal, Event, ExtensionDecision,
    ExtensionRequest, FourImplementations, Hazard, InterimControl, InterimMeasure, MajorPlan,
    Pause, Plan, Registration, Rejection, Report, Seal, Treatment,
};

/// 10:00 in Shanghai on 2025-03-`n` (days past 31 run on into April).
pub(crate) fn day(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 2, 0, 0).unwrap() + Duration::days(n - 1)
}

fn person(id: &str) -> PersonId {
    PersonId::new(id).unwrap()
}

fn unit(id: &str) -> UnitId {
    UnitId::new(id).unwrap()
}

/// Bureau `b` over schools `s1` (with department `s1/d1`) and `s2`.
pub(crate) fn org() -> Org {
    let units = vec![
        Unit::new(unit("b"), "区教育局", UnitKind::Bureau, None),
        Unit::new(unit("s1"), "第一中学", UnitKind::School, Some(unit("b"))),
        Unit::new(unit("s2"), "第二中学", UnitKind::School, Some(unit("b"))),
        Unit::new(unit("s1/d1"), "后勤处", UnitKind::Department, Some(unit("s1"))),
    ];
    let people = vec![Person::new(person("rectifier"), "张三", unit("s1/d1"))];
    Org::from_parts(TenantId::new("t").unwrap(), units, people).unwrap()
}

/// A hazard's history, told one step at a time.
pub(crate) struct Story {
    id: HazardId,
    events: Vec<Event>,
    grade: Grade,
    deadline: DateTime<Utc>,
    rungs: u16,
}

impl Story {
    /// Found at `unit` at `at`.
    pub(crate) fn found(unit_id: &str, at: DateTime<Utc>) -> Story {
        let facts = Facts {
            tenant: TenantId::new("t").unwrap(),
            unit: unit(unit_id),
            location: "实验楼3楼".into(),
            category: None,
            title: "灭火器过期".into(),
            description: "两具干粉灭火器压力不足".into(),
            source: Source::DailyPatrol,
            discovered_by: person("finder"),
            discovered_at: at,
            evidence: vec![],
            finding: None,
            campaign: None,
        };
        Story {
            id: HazardId::new_at(at),
            events: vec![Event::Discovered { facts: Arc::new(facts) }],
            grade: Grade::General,
            deadline: at,
            rungs: 0,
        }
    }

    fn push(mut self, events: impl IntoIterator<Item = Event>) -> Story {
        self.events.extend(events);
        self
    }

    fn clocks(at: DateTime<Utc>, clocks: &[(ClockKind, DateTime<Utc>)]) -> Event {
        Event::DeadlinesSet { clocks: clocks.iter().copied().collect(), at }
    }

    /// The discoverer suggests `category`.
    pub(crate) fn suggest(mut self, category: &str) -> Story {
        if let Some(Event::Discovered { facts }) = self.events.first_mut() {
            Arc::make_mut(facts).category = Some(Category::new(category).unwrap());
        }
        self
    }

    /// A general `fire` hazard, the responsibility of the unit where it was found.
    pub(crate) fn register(self, at: DateTime<Utc>, deadline: DateTime<Utc>) -> Story {
        let found_at = match self.events.first() {
            Some(Event::Discovered { facts }) => facts.unit.to_string(),
            _ => unreachable!("a story starts with a discovery"),
        };
        self.register_as(at, deadline, Grade::General, "fire", &found_at)
    }

    /// Registered with the given grade, category and responsible unit.
    pub(crate) fn register_as(
        mut self,
        at: DateTime<Utc>,
        deadline: DateTime<Utc>,
        grade: Grade,
        category: &str,
        responsible: &str,
    ) -> Story {
        (self.grade, self.deadline) = (grade, deadline);
        let colour = RiskColour::Yellow;
        let registration = Registration {
            grade,
            assessment: Assessment { method: Method::Judgement { colour }, score: None, colour },
            category: Category::new(category).unwrap(),
            responsible_unit: unit(responsible),
            assignee: person("rectifier"),
            deadline,
            fixable_at_once: true,
            by: person("officer"),
            at,
            campaign: None,
        };
        self.push([
            Event::Registered { registration: Arc::new(registration) },
            Story::clocks(at, &[(ClockKind::Rectify, deadline)]),
        ])
    }

    /// Reported (to the bureau in writing when major).
    pub(crate) fn report(self, at: DateTime<Utc>) -> Story {
        let major = self.grade == Grade::Major;
        let report = Report {
            to_bureau: major,
            written: major,
            reference: None,
            supervision: None,
            by: person("officer"),
            at,
        };
        self.push([Event::Reported { report: report.into() }])
    }

    /// Treatment starts under a plan fitting the grade, with interim control when major.
    pub(crate) fn treat(self, at: DateTime<Utc>) -> Story {
        let (rectifier, deadline) = (person("rectifier"), self.deadline);
        let (plan, interim) = match self.grade {
            Grade::General => (
                Plan::General(FourImplementations {
                    responsible: rectifier.clone(),
                    measures: "更换灭火器".into(),
                    deadline,
                    contingency: "临时调配灭火器".into(),
                }),
                vec![],
            ),
            Grade::Major => (
                Plan::Major(Box::new(MajorPlan {
                    objectives: "消除隐患".into(),
                    methods: "加固".into(),
                    funds: "专项经费".into(),
                    organisation: "后勤处".into(),
                    schedule: "两周".into(),
                    safety: "警戒".into(),
                    deadline,
                })),
                vec![InterimControl {
                    measures: vec![InterimMeasure::Cordon],
                    note: "拉警戒线".into(),
                    by: rectifier.clone(),
                    at,
                }],
            ),
        };
        let treatment = Treatment {
            plan,
            interim,
            progress: vec![],
            pending_extension: None,
            extensions: vec![],
            failed: vec![],
            by: rectifier,
            at,
        };
        self.push([Event::TreatmentStarted { treatment: Arc::new(treatment) }])
    }

    /// An extension to `new_deadline`, granted at `at`.
    pub(crate) fn extend(mut self, at: DateTime<Utc>, new_deadline: DateTime<Utc>) -> Story {
        self.deadline = new_deadline;
        let request = ExtensionRequest {
            new_deadline,
            reason: "材料未到".into(),
            by: person("rectifier"),
            at,
        };
        let decision = ExtensionDecision {
            request: request.clone(),
            granted: true,
            note: "同意".into(),
            by: person("head"),
            at,
        };
        self.push([
            Event::ExtensionRequested { request },
            Event::ExtensionDecided { decision },
            Story::clocks(at, &[(ClockKind::Rectify, new_deadline)]),
        ])
    }

    /// The rectifier claims completion; the rectify clock closes.
    pub(crate) fn complete(self, at: DateTime<Utc>) -> Story {
        let evidence = Evidence {
            uri: "https://x/1.jpg".into(),
            sha256: "0".repeat(64),
            media_type: "image/jpeg".into(),
        };
        let completion = Completion {
            summary: "已更换".into(),
            evidence: vec![evidence],
            by: person("rectifier"),
            at,
        };
        self.push([
            Event::TreatmentCompleted { completion: completion.into() },
            Story::clocks(at, &[]),
        ])
    }

    /// The check fails; the rectify clock reopens at the deadline in force.
    pub(crate) fn fail(self, at: DateTime<Utc>, reason: &str) -> Story {
        let rejection = Rejection { reason: reason.into(), by: person("checker"), at };
        let deadline = self.deadline;
        self.push([
            Event::AcceptanceFailed { rejection },
            Story::clocks(at, &[(ClockKind::Rectify, deadline)]),
        ])
    }

    /// The check passes.
    pub(crate) fn pass(self, at: DateTime<Utc>) -> Story {
        let acceptance = Acceptance { note: "合格".into(), by: person("checker"), at };
        self.push([Event::AcceptancePassed { acceptance: acceptance.into() }])
    }

    /// Closed (销号).
    pub(crate) fn close(self, at: DateTime<Utc>) -> Story {
        let closure =
            Closure { note: "销号".into(), by_bureau: false, by: person("officer"), at };
        self.push([Event::Closed { closure: closure.into() }])
    }

    /// Dismissed as not a hazard.
    pub(crate) fn dismiss(self, at: DateTime<Utc>, note: &str) -> Story {
        let dismissal = Dismissal {
            reason: DismissReason::NotAHazard,
            note: note.into(),
            requested_by: person("finder"),
            by: person("officer"),
            at,
        };
        self.push([Event::Dismissed { dismissal }, Story::clocks(at, &[])])
    }

    /// Filed and sealed.
    pub(crate) fn archive(self, at: DateTime<Utc>) -> Story {
        self.push([Event::Archived { seal: Seal { by: person("officer"), at } }])
    }

    /// Every clock paused.
    pub(crate) fn pause(self, at: DateTime<Utc>) -> Story {
        let pause = Pause { reason: "等待教育局批复".into(), by: person("officer"), at };
        self.push([Event::ClockPaused { pause }])
    }

    /// A rung fired on the rectify clock.
    pub(crate) fn escalate(mut self, at: DateTime<Utc>, action: Action) -> Story {
        let key = RungKey { clock: ClockKind::Rectify, due: self.deadline, rung: self.rungs };
        self.rungs += 1;
        let escalation = Escalation { key, fire_at: at, action, to: vec![Recipient::Assignee] };
        self.push([Event::Escalated { escalation, at }])
    }

    /// The hazard the events fold into.
    pub(crate) fn hazard(&self) -> Hazard {
        Hazard::fold(self.id, &self.events).unwrap()
    }

    /// Its ledger row at `now`.
    pub(crate) fn row(&self, now: DateTime<Utc>) -> LedgerRow {
        LedgerRow::from_hazard(&self.hazard(), now)
    }
}
