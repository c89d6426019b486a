//! Input limits (`[limits]` in the policy): every text field of every command, evidence counts
//! and sizes, and query pages. Just over a limit is a typed error naming the field and the limit;
//! at the limit is accepted; the policy changes the limit; a refused command stores nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::engine::{Engine, EngineError, Request};
use hazardloop_core::model::{Evidence, Grade, InputError};
use hazardloop_core::policy::{Limit, Policy};
use hazardloop_core::report::{LedgerFilter, Page};
use hazardloop_core::store::MemoryStore;
use hazardloop_core::workflow::{
    decide, Command, Event, FourImplementations, Hazard, Interim, InterimMeasure, Plan, StageKind,
    Step, WorkflowError,
};
use hazardloop_testkit::{
    evidence, fold_onto, major_plan, Fixture, ManualClock, RecordingNotifier,
};

/// A text of `n` characters, three bytes each, so character and byte counts differ.
fn chars(n: usize) -> String {
    "险".repeat(n)
}

/// Where a command is tried: a fresh hazard, or the fixture's hazard walked to a stage.
#[derive(Clone, Copy, Debug)]
enum At {
    New,
    Stage(Grade, StageKind),
    /// Treating, with an extension request pending.
    ExtensionPending,
    /// Treating, with the clocks paused.
    Paused,
}

/// One limited field: a command with `n` units in the field, where it is tried, and the limit.
struct Case {
    field: &'static str,
    limit: Limit,
    at: At,
    step: Step,
    make: fn(&Fixture, DateTime<Utc>, usize) -> Command,
}

fn now(f: &Fixture) -> DateTime<Utc> {
    f.start + Duration::hours(10)
}

fn hazard_at(f: &Fixture, at: At) -> Option<Hazard> {
    let treating = || f.walked(Grade::General, StageKind::Treating).0;
    let then = |h: Hazard, step: Step| {
        let command = f.command_for(step, Grade::General, now(f));
        let actor = f.actor_for(step, Some(&h));
        let events = decide(Some(&h), command, &f.ctx(&actor, now(f) - Duration::hours(1)))
            .unwrap_or_else(|e| panic!("{step:?}: {e}"));
        fold_onto(Some(h), &events, now(f)).unwrap()
    };
    match at {
        At::New => None,
        At::Stage(grade, stage) => Some(f.walked(grade, stage).0),
        At::ExtensionPending => Some(then(treating(), Step::RequestExtension)),
        At::Paused => Some(then(treating(), Step::PauseClock)),
    }
}

fn try_case(f: &Fixture, case: &Case, n: usize) -> Result<Vec<Event>, WorkflowError> {
    let hazard = hazard_at(f, case.at);
    let actor = f.actor_for(case.step, hazard.as_ref());
    let command = (case.make)(f, now(f), n);
    assert_eq!(command.step(), case.step, "{}", case.field);
    decide(hazard.as_ref(), command, &f.ctx(&actor, now(f)))
}

fn too_large(result: Result<Vec<Event>, WorkflowError>) -> InputError {
    match result {
        Err(WorkflowError::Input(e @ InputError::TooLarge { .. })) => e,
        other => panic!("expected a TooLarge input error, got {other:?}"),
    }
}

fn discover(f: &Fixture) -> hazardloop_core::workflow::Discover {
    match f.discover() {
        Command::Discover(d) => *d,
        _ => unreachable!("the fixture discovers"),
    }
}

fn general_plan(f: &Fixture, now: DateTime<Utc>) -> FourImplementations {
    match f.start_treatment(Grade::General, now + Duration::hours(20)) {
        Command::StartTreatment { plan, .. } => match *plan {
            Plan::General(p) => p,
            Plan::Major(_) => unreachable!("a general plan"),
        },
        _ => unreachable!("a general plan"),
    }
}

fn fix_on_the_spot(f: &Fixture, measures: String, evidence: Vec<Evidence>) -> Command {
    Command::FixOnTheSpot {
        discover: Box::new(discover(f)),
        category: "buildings_construction".try_into().unwrap(),
        assessment: None,
        measures,
        evidence,
    }
}

fn evidence_of(n: usize) -> Vec<Evidence> {
    (0..n).map(|i| evidence(i as u8)).collect()
}

/// One evidence item whose URI is `n` bytes long.
fn uri_of(n: usize) -> Vec<Evidence> {
    let prefix = "https://files.example.edu.cn/";
    vec![Evidence { uri: format!("{prefix}{}", "a".repeat(n - prefix.len())), ..evidence(1) }]
}

/// One evidence item whose media type is `n` bytes long.
fn media_type_of(n: usize) -> Vec<Evidence> {
    vec![Evidence { media_type: format!("image/{}", "x".repeat(n - 6)), ..evidence(1) }]
}

fn major_start(now: DateTime<Utc>, edit: impl FnOnce(&mut Plan)) -> Command {
    let mut plan = Plan::Major(Box::new(major_plan(now + Duration::hours(20))));
    edit(&mut plan);
    Command::StartTreatment {
        plan: Box::new(plan),
        interim: Some(Interim { measures: vec![InterimMeasure::Cordon], note: "封闭".into() }),
    }
}

macro_rules! major_field {
    ($name:literal, $field:ident) => {
        Case {
            field: concat!("plan.", $name),
            limit: Limit::Text,
            at: At::Stage(Grade::Major, StageKind::Reported),
            step: Step::StartTreatment,
            make: |_, now, n| {
                major_start(now, |p| {
                    if let Plan::Major(m) = p {
                        m.$field = chars(n);
                    }
                })
            },
        }
    };
}

fn cases() -> Vec<Case> {
    use At::*;
    use Grade::General;
    use StageKind::*;
    vec![
        // 排查: title, location, description and the finding's evidence.
        Case {
            field: "title",
            limit: Limit::Title,
            at: New,
            step: Step::Discover,
            make: |f, _, n| {
                Command::from(hazardloop_core::workflow::Discover {
                    title: chars(n),
                    ..discover(f)
                })
            },
        },
        Case {
            field: "location",
            limit: Limit::Text,
            at: New,
            step: Step::Discover,
            make: |f, _, n| {
                Command::from(hazardloop_core::workflow::Discover {
                    location: chars(n),
                    ..discover(f)
                })
            },
        },
        Case {
            field: "description",
            limit: Limit::Text,
            at: New,
            step: Step::Discover,
            make: |f, _, n| {
                Command::from(hazardloop_core::workflow::Discover {
                    description: chars(n),
                    ..discover(f)
                })
            },
        },
        Case {
            field: "evidence",
            limit: Limit::EvidenceItems,
            at: New,
            step: Step::Discover,
            make: |f, _, n| {
                Command::from(hazardloop_core::workflow::Discover {
                    evidence: evidence_of(n),
                    campaign: None,
                    ..discover(f)
                })
            },
        },
        Case {
            field: "evidence[0].uri",
            limit: Limit::Uri,
            at: New,
            step: Step::Discover,
            make: |f, _, n| {
                Command::from(hazardloop_core::workflow::Discover {
                    evidence: uri_of(n),
                    campaign: None,
                    ..discover(f)
                })
            },
        },
        Case {
            field: "evidence[0].media_type",
            limit: Limit::MediaType,
            at: New,
            step: Step::Discover,
            make: |f, _, n| {
                Command::from(hazardloop_core::workflow::Discover {
                    evidence: media_type_of(n),
                    campaign: None,
                    ..discover(f)
                })
            },
        },
        // 立查立改.
        Case {
            field: "measures",
            limit: Limit::Text,
            at: New,
            step: Step::FixOnTheSpot,
            make: |f, _, n| fix_on_the_spot(f, chars(n), vec![evidence(3)]),
        },
        Case {
            field: "evidence",
            limit: Limit::EvidenceItems,
            at: New,
            step: Step::FixOnTheSpot,
            make: |f, _, n| fix_on_the_spot(f, "当场拧紧".into(), evidence_of(n)),
        },
        // 报告 and 挂牌督办: document references.
        Case {
            field: "reference",
            limit: Limit::Title,
            at: Stage(General, Registered),
            step: Step::Report,
            make: |_, _, n| Command::Report {
                to_bureau: false,
                written: true,
                reference: Some(chars(n)),
            },
        },
        Case {
            field: "reference",
            limit: Limit::Title,
            at: Stage(Grade::Major, Reported),
            step: Step::Supervise,
            make: |_, _, n| Command::Supervise { reference: Some(chars(n)) },
        },
        // 治理: the general plan, the six items of a major plan, interim control.
        Case {
            field: "plan.measures",
            limit: Limit::Text,
            at: Stage(General, Reported),
            step: Step::StartTreatment,
            make: |f, now, n| Command::StartTreatment {
                plan: Box::new(Plan::General(FourImplementations {
                    measures: chars(n),
                    ..general_plan(f, now)
                })),
                interim: None,
            },
        },
        Case {
            field: "plan.contingency",
            limit: Limit::Text,
            at: Stage(General, Reported),
            step: Step::StartTreatment,
            make: |f, now, n| Command::StartTreatment {
                plan: Box::new(Plan::General(FourImplementations {
                    contingency: chars(n),
                    ..general_plan(f, now)
                })),
                interim: None,
            },
        },
        Case {
            field: "interim.note",
            limit: Limit::Text,
            at: Stage(General, Reported),
            step: Step::StartTreatment,
            make: |f, now, n| Command::StartTreatment {
                plan: Box::new(Plan::General(general_plan(f, now))),
                interim: Some(Interim { measures: vec![InterimMeasure::Cordon], note: chars(n) }),
            },
        },
        major_field!("objectives", objectives),
        major_field!("methods", methods),
        major_field!("funds", funds),
        major_field!("organisation", organisation),
        major_field!("schedule", schedule),
        major_field!("safety", safety),
        Case {
            field: "interim.note",
            limit: Limit::Text,
            at: Stage(General, Treating),
            step: Step::AddInterimControl,
            make: |_, _, n| {
                Command::AddInterimControl(Interim {
                    measures: vec![InterimMeasure::WarningSigns],
                    note: chars(n),
                })
            },
        },
        Case {
            field: "note",
            limit: Limit::Text,
            at: Stage(General, Treating),
            step: Step::RecordProgress,
            make: |_, _, n| Command::RecordProgress {
                note: chars(n),
                percent: None,
                evidence: vec![],
            },
        },
        Case {
            field: "evidence",
            limit: Limit::EvidenceItems,
            at: Stage(General, Treating),
            step: Step::RecordProgress,
            make: |_, _, n| Command::RecordProgress {
                note: "进展".into(),
                percent: Some(50),
                evidence: evidence_of(n),
            },
        },
        Case {
            field: "summary",
            limit: Limit::Text,
            at: Stage(General, Treating),
            step: Step::Complete,
            make: |_, _, n| Command::Complete { summary: chars(n), evidence: vec![evidence(2)] },
        },
        Case {
            field: "evidence",
            limit: Limit::EvidenceItems,
            at: Stage(General, Treating),
            step: Step::Complete,
            make: |_, _, n| Command::Complete {
                summary: "已修复".into(),
                evidence: evidence_of(n),
            },
        },
        Case {
            field: "evidence[0].uri",
            limit: Limit::Uri,
            at: Stage(General, Treating),
            step: Step::Complete,
            make: |_, _, n| Command::Complete { summary: "已修复".into(), evidence: uri_of(n) },
        },
        // 延期, 暂停计时.
        Case {
            field: "reason",
            limit: Limit::Text,
            at: Stage(General, Treating),
            step: Step::RequestExtension,
            make: |_, now, n| Command::RequestExtension {
                new_deadline: now + Duration::days(30),
                reason: chars(n),
            },
        },
        Case {
            field: "note",
            limit: Limit::Text,
            at: ExtensionPending,
            step: Step::GrantExtension,
            make: |_, _, n| Command::GrantExtension { note: chars(n) },
        },
        Case {
            field: "reason",
            limit: Limit::Text,
            at: ExtensionPending,
            step: Step::DenyExtension,
            make: |_, _, n| Command::DenyExtension { reason: chars(n) },
        },
        Case {
            field: "reason",
            limit: Limit::Text,
            at: Stage(General, Treating),
            step: Step::PauseClock,
            make: |_, _, n| Command::PauseClock { reason: chars(n) },
        },
        Case {
            field: "note",
            limit: Limit::Text,
            at: Paused,
            step: Step::ResumeClock,
            make: |_, _, n| Command::ResumeClock { note: chars(n) },
        },
        // 变更责任人, 佐证, 备注.
        Case {
            field: "note",
            limit: Limit::Text,
            at: Stage(General, Treating),
            step: Step::Reassign,
            make: |f, _, n| Command::Reassign { to: f.people.worker.clone(), note: chars(n) },
        },
        Case {
            field: "evidence",
            limit: Limit::EvidenceItems,
            at: Stage(General, Treating),
            step: Step::AddEvidence,
            make: |_, _, n| Command::AddEvidence { evidence: evidence_of(n) },
        },
        Case {
            field: "evidence[0].media_type",
            limit: Limit::MediaType,
            at: Stage(General, Treating),
            step: Step::AddEvidence,
            make: |_, _, n| Command::AddEvidence { evidence: media_type_of(n) },
        },
        Case {
            field: "text",
            limit: Limit::Text,
            at: Stage(General, Treating),
            step: Step::Comment,
            make: |_, _, n| Command::Comment { text: chars(n) },
        },
        // 验收, 销号, 撤销.
        Case {
            field: "note",
            limit: Limit::Text,
            at: Stage(General, Treated),
            step: Step::Pass,
            make: |_, _, n| Command::Pass { note: chars(n) },
        },
        Case {
            field: "reason",
            limit: Limit::Text,
            at: Stage(General, Treated),
            step: Step::Fail,
            make: |_, _, n| Command::Fail { reason: chars(n) },
        },
        Case {
            field: "note",
            limit: Limit::Text,
            at: Stage(General, Accepted),
            step: Step::Close,
            make: |_, _, n| Command::Close { note: chars(n) },
        },
        Case {
            field: "note",
            limit: Limit::Text,
            at: Stage(General, Discovered),
            step: Step::Dismiss,
            make: |f, _, n| Command::Dismiss {
                reason: hazardloop_core::workflow::DismissReason::NotAHazard,
                note: chars(n),
                requested_by: f.people.officer.clone(),
            },
        },
    ]
}

#[test]
fn every_limited_field_is_refused_just_over_its_limit_and_accepted_at_it() {
    let f = Fixture::school();
    let limits = *f.policy.limits();
    for case in cases() {
        let max = limits.get(case.limit);
        let err = too_large(try_case(&f, &case, max + 1));
        assert_eq!(err.field(), case.field, "{:?} {}", case.step, case.field);
        assert_eq!(Limit::of(&err), Some(case.limit), "{:?} {}: {err}", case.step, case.field);
        assert!(err.to_string().contains(case.limit.key()), "the message names the limit: {err}");
        try_case(&f, &case, max)
            .unwrap_or_else(|e| panic!("{:?} {} at the limit: {e}", case.step, case.field));
    }
}

#[test]
fn every_command_with_text_has_a_case() {
    // Steps whose commands carry text or evidence; a new one must be added to `cases`.
    let covered: std::collections::BTreeSet<Step> = cases().iter().map(|c| c.step).collect();
    let without_text = [Step::Register, Step::Archive];
    for step in Step::ALL {
        assert!(
            covered.contains(&step) || without_text.contains(&step),
            "{step:?} has no limit case"
        );
    }
}

/// The default policy with one line of `[limits]` in `policies/default.toml` changed.
fn policy_with(line: &str, value: usize) -> Policy {
    let shipped = include_str!("../../../policies/default.toml");
    let key = line.split_once('=').unwrap().0.trim();
    let edited: String = shipped
        .lines()
        .map(|l| if l.starts_with(line) { format!("{key} = {value}") } else { l.to_owned() })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(edited.trim(), shipped.trim(), "policies/default.toml has `{line}`");
    let policy = Policy::from_toml(&edited).unwrap();
    assert_eq!(policy.limits().get(limit_of_key(key)), value);
    policy
}

fn limit_of_key(key: &str) -> Limit {
    Limit::ALL.into_iter().find(|l| l.key() == format!("limits.{key}")).unwrap()
}

#[test]
fn the_policy_sets_each_limit() {
    let shipped = Fixture::school();
    let probes: [(&str, usize, usize); 5] = [
        // (line in default.toml, new value, a size the default allows but the new value not)
        ("title = 200", 10, 11),
        ("text = 4000", 30, 31),
        ("evidence_items = 20", 2, 3),
        ("uri = 2048", 60, 61),
        ("media_type = 255", 12, 13),
    ];
    for (line, value, over) in probes {
        let key = line.split_once(" =").unwrap().0;
        let limit = limit_of_key(key);
        let case =
            cases().into_iter().find(|c| c.limit == limit && matches!(c.at, At::New)).unwrap();
        try_case(&shipped, &case, over).expect("the default policy allows it");
        let mut f = Fixture::school();
        f.policy = policy_with(line, value);
        let err = too_large(try_case(&f, &case, over));
        assert_eq!((err.field(), Limit::of(&err)), (case.field, Some(limit)));
        assert!(err.to_string().contains(&format!("{value} ")), "{err}");
        try_case(&f, &case, value).unwrap_or_else(|e| panic!("{line} at {value}: {e}"));
    }
}

#[test]
fn a_zero_limit_in_the_policy_is_refused_by_name() {
    let shipped = include_str!("../../../policies/default.toml");
    let err = Policy::from_toml(&shipped.replace("text = 4000", "text = 0")).unwrap_err();
    assert!(err.to_string().contains("limits.text"), "{err}");
    let err = Policy::from_toml("[limits]\nwords = 3\n").unwrap_err();
    assert!(err.to_string().contains("words"), "unknown limits are refused: {err}");
}

#[test]
fn interim_measures_are_listed_once_each() {
    let f = Fixture::school();
    let case = Case {
        field: "interim.measures",
        limit: Limit::Text,
        at: At::Stage(Grade::General, StageKind::Treating),
        step: Step::AddInterimControl,
        make: |_, _, n| {
            Command::AddInterimControl(Interim {
                measures: vec![InterimMeasure::Cordon; n],
                note: "警戒".into(),
            })
        },
    };
    try_case(&f, &case, 1).unwrap();
    match try_case(&f, &case, 2) {
        Err(WorkflowError::Input(e @ InputError::Malformed { .. })) => {
            assert_eq!(e.field(), "interim.measures")
        }
        other => panic!("duplicates are refused: {other:?}"),
    }
}

type MemEngine = Engine<Arc<MemoryStore>, RecordingNotifier>;

fn engine(f: &Fixture, policy: Policy) -> MemEngine {
    let clock = ManualClock::new(f.start);
    Engine::new(Arc::new(MemoryStore::new()), RecordingNotifier::new(), Arc::new(clock), policy)
        .with_org(f.org.clone())
}

fn engine_too_large(result: Result<impl std::fmt::Debug, EngineError>) -> InputError {
    match result {
        Err(EngineError::Workflow(WorkflowError::Input(e @ InputError::TooLarge { .. }))) => e,
        other => panic!("expected a TooLarge input error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_refused_command_stores_nothing() {
    let f = Fixture::school();
    let e = engine(&f, f.policy.clone());
    let max = f.policy.limits().title;
    let long = Command::from(hazardloop_core::workflow::Discover {
        title: chars(max + 1),
        ..discover(&f)
    });
    let err = engine_too_large(e.execute(&f.inspector(), Request::new(long).key("k1")).await);
    assert_eq!((err.field(), Limit::of(&err)), ("title", Some(Limit::Title)));
    let all = e.ledger(&f.tenant, &LedgerFilter::default(), Page::default()).await.unwrap();
    assert_eq!(all.total, 0, "no hazard was stored");

    // On an existing hazard: the version, the timeline and the outbox stay as they were.
    let id = f.drive(&e, None, Step::Discover).await.unwrap();
    let before = e.hazard(&f.tenant, id).await.unwrap();
    let sent = e.dispatch().await.unwrap();
    let comment = Command::Comment { text: chars(f.policy.limits().text + 1) };
    let err = engine_too_large(e.execute(&f.inspector(), Request::on(id, comment)).await);
    assert_eq!((err.field(), Limit::of(&err)), ("text", Some(Limit::Text)));
    let after = e.hazard(&f.tenant, id).await.unwrap();
    assert_eq!(after, before, "the hazard is unchanged");
    let again = e.dispatch().await.unwrap();
    assert_eq!(again.delivered, 0, "no notice was queued (first dispatch: {sent:?})");
    // The same key may be used again once the input is fixed: the refusal was not remembered.
    let ok = Command::from(discover(&f));
    e.execute(&f.inspector(), Request::new(ok).key("k1")).await.unwrap();
    let all = e.ledger(&f.tenant, &LedgerFilter::default(), Page::default()).await.unwrap();
    assert_eq!(all.total, 2);
}

#[tokio::test]
async fn ledger_pages_and_search_text_are_limited_by_policy() {
    let f = Fixture::school();
    let e = engine(&f, f.policy.clone());
    f.drive(&e, None, Step::Discover).await.unwrap();
    let max = f.policy.limits().page_size;
    let all = LedgerFilter::default();
    assert_eq!(e.ledger(&f.tenant, &all, Page::new(0, max)).await.unwrap().total, 1);
    let err = engine_too_large(e.ledger(&f.tenant, &all, Page::new(0, max + 1)).await);
    assert_eq!((err.field(), Limit::of(&err)), ("page.limit", Some(Limit::PageSize)));
    let err = engine_too_large(e.ledger(&f.tenant, &all, Page::all()).await);
    assert_eq!(Limit::of(&err), Some(Limit::PageSize));

    let title = f.policy.limits().title;
    let search = |n| LedgerFilter { text: Some(chars(n)), ..LedgerFilter::default() };
    assert_eq!(e.ledger(&f.tenant, &search(title), Page::default()).await.unwrap().total, 0);
    let err = engine_too_large(e.ledger(&f.tenant, &search(title + 1), Page::default()).await);
    assert_eq!((err.field(), Limit::of(&err)), ("filter.text", Some(Limit::Title)));

    // A policy with pages of 5 rows.
    let small = engine(&f, policy_with("page_size = 1000", 5));
    small.ledger(&f.tenant, &all, Page::new(0, 5)).await.unwrap();
    let err = engine_too_large(small.ledger(&f.tenant, &all, Page::new(0, 6)).await);
    assert!(err.to_string().contains("5 rows (limits.page_size)"), "{err}");
}

#[tokio::test]
async fn idempotency_keys_and_batches_are_limited_by_policy() {
    let f = Fixture::school();
    let e = engine(&f, Policy::default());
    let long_key = Request::new(Command::from(discover(&f))).key(chars(201));
    let err = engine_too_large(e.execute(&f.inspector(), long_key).await);
    assert!(
        err.to_string().contains("idempotency_key") && err.to_string().contains("limits.title")
    );
    let ok_key = Request::new(Command::from(discover(&f))).key(chars(200));
    assert!(e.execute(&f.inspector(), ok_key).await.is_ok());

    let small = engine(&f, policy_with("page_size = 1000", 2));
    let three =
        vec![Command::from(discover(&f)), f.register(Grade::General), f.report(Grade::General)];
    let err = engine_too_large(small.execute_batch(&f.officer(), None, three).await);
    assert!(err.to_string().contains("commands") && err.to_string().contains("limits.page_size"));
    let page = small.ledger(&f.tenant, &LedgerFilter::default(), Page::new(0, 2)).await.unwrap();
    assert_eq!(page.total, 0, "nothing stored");
}
