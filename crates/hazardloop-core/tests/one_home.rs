//! Each rule has one home. The rule scenarios (`rules.rs`, through the testkit's `then_rule`)
//! show each refusal comes from exactly one layer; these tests show the layers themselves:
//! which source file may raise which rule, that the stage moves and `apply` check nothing, and
//! that what `decide` produced always folds (never `Damaged`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::Duration;
use hazardloop_core::model::Grade;
use hazardloop_core::workflow::{
    decide, graph::next_stage, Acceptance, Closure, Completion, Event, Hazard, Report, StageKind,
    Step,
};
use hazardloop_testkit::Fixture;

/// The layers, by source file.
const ACTOR: &str = "org/authorize.rs";
const INPUT: &str = "workflow/input.rs";
const RULES: [&str; 4] = [
    "workflow/check.rs",
    "workflow/decide/mod.rs",
    "workflow/decide/create.rs",
    "workflow/decide/steps.rs",
];
/// `StepOrder`, `ArchivedIsSealed`, `InputLimits` and `KnownCategory` are named by the error
/// type itself, from the transition table's and the input pass's refusals.
const ERROR: &str = "workflow/error.rs";

/// Rules with one condition on who acts and one on the data: each condition in its own layer.
const COMPOUND: [&str; 3] =
    ["DismissalApprovedOneLevelUp", "ExtensionDecidedBySuperior", "PauseApproved"];

fn sources() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let name = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(name, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    out
}

/// Every `Rule::X` a file names (its refusals), outside comments.
fn rules_named(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
        for (i, _) in line.match_indices("Rule::") {
            // `Rule::X`, not `DueRule::After`.
            if line[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let name: String = line[i + 6..].chars().take_while(|c| c.is_alphanumeric()).collect();
            if name.chars().next().is_some_and(char::is_uppercase) {
                found.insert(name);
            }
        }
    }
    found
}

#[test]
fn every_rule_is_raised_in_one_layer() {
    let sources = sources();
    let mut homes: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for (file, text) in &sources {
        if file == "workflow/rule.rs" {
            continue;
        }
        let layer = match file.as_str() {
            f if f == ACTOR => "actor",
            f if f == INPUT => "input",
            f if RULES.contains(&f) => "rules",
            f if f == ERROR => "error",
            other => {
                let named = rules_named(text);
                assert!(named.is_empty(), "{other} raises {named:?}: no layer may live there");
                continue;
            }
        };
        for rule in rules_named(text) {
            homes.entry(rule).or_default().insert(layer);
        }
    }
    assert!(homes.len() >= 20, "the scan found the rules: {homes:?}");
    for (rule, layers) in &homes {
        let allowed = if COMPOUND.contains(&rule.as_str()) { 2 } else { 1 };
        assert!(
            layers.len() <= allowed,
            "{rule} is raised in {layers:?}: a rule has one home (compound rules one per condition)"
        );
        if COMPOUND.contains(&rule.as_str()) {
            assert_eq!(layers, &BTreeSet::from(["actor", "rules"]), "{rule}");
        }
    }
    // The moves and the fold name no rule at all.
    for file in ["workflow/stage.rs", "workflow/hazard.rs", "workflow/stage_enum.rs"] {
        assert!(rules_named(&sources[file]).is_empty(), "{file} checks a rule");
    }
}

/// `apply` moves; it does not judge. Events that break rules (forged: `decide` never writes
/// them) still fold, because stored history is protected by the hash chain, not re-checked.
#[test]
fn apply_only_moves() {
    let f = Fixture::school();
    let now = f.start + Duration::hours(2);
    let (treated, _) = f.walked(Grade::General, StageKind::Treated);
    let rectifier = treated.stage.completion().unwrap().by.clone();
    // Accepted by the rectifier (checker_is_not_rectifier is `authorize`'s).
    let passed = Event::AcceptancePassed {
        acceptance: Acceptance { note: String::new(), by: rectifier.clone(), at: now }.into(),
    };
    let accepted = treated.clone().apply(&passed).unwrap();
    assert_eq!(accepted.kind(), StageKind::Accepted);
    // Closed by the school although supervised (supervised_closed_by_bureau is `authorize`'s).
    let closed = accepted
        .apply(&Event::Closed {
            closure: Closure {
                note: String::new(),
                by_bureau: false,
                by: rectifier.clone(),
                at: now,
            }
            .into(),
        })
        .unwrap();
    assert_eq!(closed.kind(), StageKind::Closed);
    // A major hazard reported without writing, a completion without evidence.
    let (registered, _) = f.walked(Grade::Major, StageKind::Registered);
    let report = Report {
        to_bureau: false,
        written: false,
        reference: None,
        supervision: None,
        by: rectifier.clone(),
        at: now,
    };
    assert_eq!(
        registered.apply(&Event::Reported { report: report.into() }).unwrap().kind(),
        StageKind::Reported
    );
    let (treating, _) = f.walked(Grade::General, StageKind::Treating);
    let bare = Completion { summary: String::new(), evidence: Vec::new(), by: rectifier, at: now };
    let done = treating.apply(&Event::TreatmentCompleted { completion: bare.into() }).unwrap();
    assert_eq!(done.kind(), StageKind::Treated);
}

/// What `decide` produced for a hazard always folds onto it: for every stage of both grades and
/// every step the table allows there, with the testkit's command and actor for the step.
#[test]
fn what_decide_produced_always_folds() {
    let f = Fixture::school();
    let mut decided = 0;
    for grade in [Grade::General, Grade::Major] {
        for to in StageKind::ALL {
            let Ok((hazard, _)) = f.walk(grade, to) else { continue };
            let now = hazard.stage.facts().discovered_at + Duration::hours(3);
            for step in Step::ALL {
                if step == Step::Discover || step == Step::FixOnTheSpot {
                    continue;
                }
                if next_stage(Some(hazard.kind()), step).is_none() {
                    continue;
                }
                let command = f.command_for(step, grade, now);
                let actor = f.actor_for(step, Some(&hazard));
                let Ok(events) = decide(Some(&hazard), command, &f.ctx(&actor, now)) else {
                    continue;
                };
                let folded = events.iter().try_fold(hazard.clone(), Hazard::apply);
                assert!(folded.is_ok(), "{grade:?} {to:?} --{step:?}--> did not fold: {folded:?}");
                decided += 1;
            }
        }
    }
    assert!(decided >= 40, "only {decided} (stage, step) pairs were decided");
}
