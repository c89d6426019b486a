//! No-panic property tests for the parsers of outside input: policy documents (TOML and JSON)
//! and commands (JSON, then decided). Arbitrary text and bytes, and valid documents with one
//! part mutated, must give a value or a typed error, never a panic; what is accepted must hold
//! up (a policy round-trips and runs the loop; a decided command's events apply). The cargo-fuzz
//! targets in `fuzz/` run the same parsers for longer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::model::{Grade, InputError, RiskColour};
use hazardloop_core::policy::{Policy, PolicyError};
use hazardloop_core::workflow::{decide, Command, Context, Hazard, StageKind, Step, WorkflowError};
use hazardloop_testkit::{fold_onto, Fixture};
use proptest::prelude::*;
use serde_json::Value;

const DEFAULT_TOML: &str = include_str!("../../../policies/default.toml");

/// A policy error is typed and readable.
fn typed_policy_error(e: &PolicyError) {
    assert!(!e.to_string().is_empty(), "{e:?}");
}

/// A loaded policy writes out and loads back the same, and the fixture's loop runs under it.
fn holds_up(policy: &Policy) {
    let toml = policy.to_toml();
    let again = Policy::from_toml(&toml).unwrap_or_else(|e| panic!("reloads: {e}\n{toml}"));
    assert_eq!(again.to_toml(), toml);
    let json = serde_json::to_string(policy.doc()).unwrap();
    let again = Policy::from_json(&json).unwrap_or_else(|e| panic!("reloads: {e}\n{json}"));
    assert_eq!(serde_json::to_string(again.doc()).unwrap(), json);
    let mut f = Fixture::school();
    let now = f.start;
    for grade in [Grade::General, Grade::Major] {
        for colour in [RiskColour::Red, RiskColour::Orange, RiskColour::Yellow, RiskColour::Blue] {
            let _ = policy.deadlines().rectify(policy.calendar(), grade, colour, now);
        }
    }
    f.policy = policy.clone();
    for grade in [Grade::General, Grade::Major] {
        if let Err(e) = f.walk(grade, StageKind::Archived) {
            assert!(!e.to_string().is_empty());
        }
    }
}

/// Values that break things: wrong types, edges of numbers and spans, odd strings.
const TOML_VALUES: &[&str] = &[
    "0",
    "-1",
    "1",
    "18446744073709551616",
    "9223372036854775807",
    "-9223372036854775808",
    "1e309",
    "nan",
    "-inf",
    "0.0",
    "true",
    "[]",
    "{}",
    "\"\"",
    "\"0wd\"",
    "\"-5wd\"",
    "\"99999999wd\"",
    "\"2147483647d\"",
    "\"-2147483648h\"",
    "\"1h\"",
    "\"30min\"",
    "\"month_end\"",
    "\"25:99:00\"",
    "\"Mars/Olympus\"",
    "\"none\"",
    "\"red\"",
    "\"principal\"",
    "[\"red\", \"red\"]",
    "[\"9999-12-31\"]",
    "[\"262143-01-01\"]",
    "[{ name = \"t\", start = \"2025-07-04\", end = \"2025-02-17\" }]",
    "\"险险险\"",
];

#[derive(Clone, Debug)]
enum TomlEdit {
    /// Replace the value of the line with this value.
    Value(usize, usize),
    /// Replace the value of the line with an arbitrary string value.
    Text(usize, String),
    Delete(usize),
    Duplicate(usize),
    /// Cut the document at this fraction of its length.
    Truncate(usize),
}

fn toml_edit() -> impl Strategy<Value = TomlEdit> {
    let line = 0usize..400;
    prop_oneof![
        4 => (line.clone(), 0..TOML_VALUES.len()).prop_map(|(l, v)| TomlEdit::Value(l, v)),
        2 => (line.clone(), ".{0,12}").prop_map(|(l, s)| TomlEdit::Text(l, s)),
        1 => line.clone().prop_map(TomlEdit::Delete),
        1 => line.prop_map(TomlEdit::Duplicate),
        1 => (0usize..1000).prop_map(TomlEdit::Truncate),
    ]
}

fn apply_toml(text: &str, edits: &[TomlEdit]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let assignments = |lines: &[String]| -> Vec<usize> {
        (0..lines.len())
            .filter(|&i| lines[i].contains(" = ") && !lines[i].starts_with('#'))
            .collect()
    };
    for edit in edits {
        let candidates = assignments(&lines);
        if candidates.is_empty() {
            break;
        }
        let pick = |i: usize| candidates[i % candidates.len()];
        match edit {
            TomlEdit::Value(l, v) => {
                let i = pick(*l);
                let key = lines[i].split(" = ").next().unwrap_or_default().to_owned();
                lines[i] = format!("{key} = {}", TOML_VALUES[*v]);
            }
            TomlEdit::Text(l, s) => {
                let i = pick(*l);
                let key = lines[i].split(" = ").next().unwrap_or_default().to_owned();
                lines[i] = format!("{key} = {}", Value::String(s.clone()));
            }
            TomlEdit::Delete(l) => {
                lines.remove(pick(*l));
            }
            TomlEdit::Duplicate(l) => {
                let i = pick(*l);
                lines.insert(i, lines[i].clone());
            }
            TomlEdit::Truncate(per_mille) => {
                let joined = lines.join("\n");
                let mut cut = joined.len() * per_mille / 1000;
                while !joined.is_char_boundary(cut) {
                    cut -= 1;
                }
                lines = joined[..cut].lines().map(str::to_owned).collect();
            }
        }
    }
    lines.join("\n")
}

/// JSON values that break things.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop_oneof![Just(0.0), Just(-1.5), Just(1e300), Just(-1e-300), any::<f64>()]
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,16}".prop_map(Value::String),
        prop_oneof![Just(199usize), Just(200), Just(201), Just(4000), Just(4001), Just(5000)]
            .prop_map(|n| Value::String("险".repeat(n))),
        prop_oneof![
            Just("2025-03-03T10:00:00Z"),
            Just("+262143-12-31T23:59:59Z"),
            Just("-262143-01-01T00:00:00Z"),
            Just("1970-01-01T00:00:00Z"),
            Just("general"),
            Just("major"),
            Just("red"),
            Just("cordon"),
            Just("lec"),
            Just("judgement"),
            Just("https://x.cn/a.jpg"),
            Just("image/jpeg"),
            Just("buildings_construction"),
            Just("school-worker"),
            Just("school/logistics"),
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The JSON pointers of every value inside `v` (not the root).
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum JsonEdit {
    Set(usize, Value),
    Remove(usize),
    /// Repeat an array's items, or one string, to this many.
    Grow(usize, usize),
}

fn json_edit() -> impl Strategy<Value = JsonEdit> {
    prop_oneof![
        4 => (any::<usize>(), json_value()).prop_map(|(p, v)| JsonEdit::Set(p, v)),
        1 => any::<usize>().prop_map(JsonEdit::Remove),
        1 => (any::<usize>(), prop_oneof![Just(2usize), Just(21), Just(300)])
            .prop_map(|(p, n)| JsonEdit::Grow(p, n)),
    ]
}

fn apply_json(mut doc: Value, edits: &[JsonEdit]) -> Value {
    for edit in edits {
        let mut all = Vec::new();
        pointers(&doc, String::new(), &mut all);
        if all.is_empty() {
            break;
        }
        let path = |i: usize| all[i % all.len()].clone();
        match edit {
            JsonEdit::Set(i, v) => {
                if let Some(slot) = doc.pointer_mut(&path(*i)) {
                    *slot = v.clone();
                }
            }
            JsonEdit::Remove(i) => {
                let p = path(*i);
                let (parent, key) = p.rsplit_once('/').unwrap();
                match doc.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(items)) => {
                        if let Ok(k) = key.parse::<usize>() {
                            if k < items.len() {
                                items.remove(k);
                            }
                        }
                    }
                    _ => {}
                }
            }
            JsonEdit::Grow(i, n) => match doc.pointer_mut(&path(*i)) {
                Some(Value::Array(items)) if !items.is_empty() => {
                    let first = items[0].clone();
                    items.resize(*n, first);
                }
                Some(Value::String(s)) => *s = s.repeat(*n),
                _ => {}
            },
        }
    }
    doc
}

/// The fixture's hazards at every stage of both grades, plus one with an extension pending and
/// one paused, and the time of decisions.
struct World {
    f: Fixture,
    hazards: Vec<Hazard>,
    now: DateTime<Utc>,
}

fn world() -> &'static World {
    static WORLD: std::sync::OnceLock<World> = std::sync::OnceLock::new();
    WORLD.get_or_init(build_world)
}

fn build_world() -> World {
    let f = Fixture::school();
    let now = f.start + Duration::hours(10);
    let mut hazards = Vec::new();
    for grade in [Grade::General, Grade::Major] {
        for stage in StageKind::ALL {
            if let Ok((h, _)) = f.walk(grade, stage) {
                if h.kind() == stage {
                    hazards.push(h);
                }
            }
        }
    }
    let treating = f.walked(Grade::General, StageKind::Treating).0;
    for step in [Step::RequestExtension, Step::PauseClock] {
        let actor = f.actor_for(step, Some(&treating));
        let at = now - Duration::hours(1);
        let events =
            decide(Some(&treating), f.command_for(step, Grade::General, now), &f.ctx(&actor, at))
                .unwrap();
        hazards.push(fold_onto(Some(treating.clone()), &events, at).unwrap());
    }
    assert!(hazards.len() >= 18, "every stage of both grades, and two more");
    World { f, hazards, now }
}

/// Decides `command` against every hazard it could apply to; errors are typed, events apply.
fn decide_everywhere(w: &World, command: &Command) -> usize {
    let targets: Vec<Option<&Hazard>> =
        if command.creates() { vec![None] } else { w.hazards.iter().map(Some).collect() };
    let mut accepted = 0;
    for hazard in targets {
        let actor = w.f.actor_for(command.step(), hazard);
        let ctx = Context { now: w.now, actor: &actor, policy: &w.f.policy, org: &w.f.org };
        match decide(hazard, command.clone(), &ctx) {
            Ok(events) => {
                assert!(!events.is_empty());
                let text = serde_json::to_string(&events).unwrap();
                let back: Vec<hazardloop_core::workflow::Event> =
                    serde_json::from_str(&text).unwrap();
                assert_eq!(back, events, "events survive JSON");
                fold_onto(hazard.cloned(), &events, w.now)
                    .unwrap_or_else(|e| panic!("{e}: {events:?}"));
                accepted += 1;
            }
            Err(WorkflowError::Input(e)) => {
                assert!(!e.field().is_empty(), "an input error names its field: {e}");
                if let InputError::TooLarge { limit, .. } = &e {
                    assert!(
                        hazardloop_core::policy::Limit::of(&e).is_some(),
                        "a size error names its limit: {limit}"
                    );
                }
            }
            Err(e) => assert!(!e.to_string().is_empty(), "{e:?}"),
        }
    }
    accepted
}

/// A valid command for every step, as JSON.
fn valid_commands(w: &World) -> Vec<Value> {
    Step::ALL
        .iter()
        .map(|&s| serde_json::to_value(w.f.command_for(s, Grade::General, w.now)).unwrap())
        .chain([serde_json::to_value(w.f.command_for(Step::StartTreatment, Grade::Major, w.now))
            .unwrap()])
        .collect()
}

#[test]
fn the_valid_commands_are_accepted_somewhere() {
    let w = world();
    for doc in valid_commands(w) {
        let command: Command = serde_json::from_value(doc.clone()).unwrap();
        assert!(decide_everywhere(w, &command) > 0, "{doc} is accepted at some stage");
    }
}

#[test]
fn the_mutations_change_the_documents() {
    let edited = apply_toml(DEFAULT_TOML, &[TomlEdit::Value(3, 0)]);
    assert_ne!(edited, DEFAULT_TOML.trim_end());
    let doc = serde_json::to_value(Fixture::school().discover()).unwrap();
    assert_ne!(apply_json(doc.clone(), &[JsonEdit::Set(1, Value::Null)]), doc);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_is_a_policy_or_a_typed_error(text in "\\PC{0,200}") {
        for result in [Policy::from_toml(&text), Policy::from_json(&text)] {
            if let Err(e) = &result {
                typed_policy_error(e);
            }
        }
    }

    #[test]
    fn arbitrary_bytes_are_a_command_or_an_error(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(command) = serde_json::from_slice::<Command>(&bytes) {
            let w = world();
            decide_everywhere(w, &command);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn mutated_toml_policies_load_or_fail_typed(edits in prop::collection::vec(toml_edit(), 1..4)) {
        let text = apply_toml(DEFAULT_TOML, &edits);
        match Policy::from_toml(&text) {
            Ok(policy) => holds_up(&policy),
            Err(e) => typed_policy_error(&e),
        }
    }

    #[test]
    fn mutated_json_policies_load_or_fail_typed(edits in prop::collection::vec(json_edit(), 1..4)) {
        let doc = serde_json::to_value(Policy::default().doc()).unwrap();
        let text = apply_json(doc, &edits).to_string();
        match Policy::from_json(&text) {
            Ok(policy) => holds_up(&policy),
            Err(e) => typed_policy_error(&e),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn mutated_commands_decide_or_fail_typed(
        which in 0usize..23,
        edits in prop::collection::vec(json_edit(), 1..4),
    ) {
        let w = world();
        let docs = valid_commands(w);
        let doc = apply_json(docs[which % docs.len()].clone(), &edits);
        let text = doc.to_string();
        if let Ok(command) = serde_json::from_str::<Command>(&text) {
            let again: Command =
                serde_json::from_str(&serde_json::to_string(&command).unwrap()).unwrap();
            prop_assert_eq!(&again, &command);
            decide_everywhere(w, &command);
        }
    }
}
