//! The checks behind the fuzz targets in `fuzz_targets/`, one function per target. Each takes
//! arbitrary input, must never panic, and panics (so libFuzzer reports a crash) only when an
//! invariant breaks:
//!
//! - a policy that loads writes itself back out (TOML or JSON) and loads again to the same
//!   document, and its deadlines, ladders and the fixture's whole loop run under it;
//! - a command that parses serialises back to the same command, and `decide` on it, against a
//!   fixture hazard at every stage, either refuses it with an error or returns events that apply;
//! - a CSV row that the import parses decides (discover, then register) like a command.

use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::deadline::ClockKind;
use hazardloop_core::model::{Grade, RiskColour};
use hazardloop_core::policy::Policy;
use hazardloop_core::workflow::{decide, Command, Event, Hazard, StageKind, Step};
use hazardloop_testkit::{fold_onto, Fixture};

/// The fixture school and its hazards at every stage, built once.
pub struct World {
    /// The fixture (default policy).
    pub fixture: Fixture,
    /// Hazards of both grades at every stage, plus one with an extension pending and one paused.
    pub hazards: Vec<Hazard>,
    /// The time of every decision: ten hours after the fixture's start, when no walked deadline
    /// has passed yet.
    pub now: DateTime<Utc>,
}

/// The shared world.
pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let fixture = Fixture::school();
        let now = fixture.start + Duration::hours(10);
        let mut hazards = Vec::new();
        for grade in [Grade::General, Grade::Major] {
            for stage in StageKind::ALL {
                if let Ok((h, _)) = fixture.walk(grade, stage) {
                    if h.kind() == stage {
                        hazards.push(h);
                    }
                }
            }
        }
        let treating = fixture.walked(Grade::General, StageKind::Treating).0;
        for step in [Step::RequestExtension, Step::PauseClock] {
            let actor = fixture.actor_for(step, Some(&treating));
            let command = fixture.command_for(step, Grade::General, now);
            let at = now - Duration::hours(1);
            if let Ok(events) = decide(Some(&treating), command, &fixture.ctx(&actor, at)) {
                if let Ok(h) = fold_onto(Some(treating.clone()), &events, at) {
                    hazards.push(h);
                }
            }
        }
        World { fixture, hazards, now }
    })
}

/// Decides `command` against every hazard it could apply to (none for a command that creates
/// one), as the step's usual actor, with `policy`. Events that `decide` returns must apply.
pub fn decide_everywhere(world: &World, policy: &Policy, command: &Command) {
    let f = &world.fixture;
    let targets: Vec<Option<&Hazard>> =
        if command.creates() { vec![None] } else { world.hazards.iter().map(Some).collect() };
    for hazard in targets {
        let actor = f.actor_for(command.step(), hazard);
        let ctx = hazardloop_core::workflow::Context {
            now: world.now,
            actor: &actor,
            policy,
            org: &f.org,
        };
        if let Ok(events) = decide(hazard, command.clone(), &ctx) {
            check_events(hazard, &events, world.now);
        }
    }
}

/// Accepted events apply to the hazard they were decided for, and survive JSON.
pub fn check_events(hazard: Option<&Hazard>, events: &[Event], now: DateTime<Utc>) -> Hazard {
    assert!(!events.is_empty(), "an accepted command records something");
    let text = serde_json::to_string(events).unwrap_or_else(|e| panic!("events serialise: {e}"));
    let back: Vec<Event> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("events read back: {e}\n{text}"));
    assert_eq!(back, events, "events survive JSON");
    fold_onto(hazard.cloned(), events, now)
        .unwrap_or_else(|e| panic!("events from decide apply: {e}\n{events:?}"))
}

/// `policy_toml`: a TOML policy document.
pub fn policy_toml(text: &str) {
    if let Ok(policy) = Policy::from_toml(text) {
        let written = policy.to_toml();
        let again = Policy::from_toml(&written).unwrap_or_else(|e| {
            panic!("a loaded policy loads again from its TOML: {e}\n{written}")
        });
        assert_eq!(again.to_toml(), written, "TOML round trip");
        exercise(&policy);
    }
}

/// `policy_json`: a JSON policy document.
pub fn policy_json(text: &str) {
    if let Ok(policy) = Policy::from_json(text) {
        let written = serde_json::to_string(policy.doc())
            .unwrap_or_else(|e| panic!("a loaded policy writes JSON: {e}"));
        let again = Policy::from_json(&written).unwrap_or_else(|e| {
            panic!("a loaded policy loads again from its JSON: {e}\n{written}")
        });
        let rewritten = serde_json::to_string(again.doc()).unwrap_or_default();
        assert_eq!(rewritten, written, "JSON round trip");
        exercise(&policy);
    }
}

/// Runs a loaded policy's deadlines, ladders and the fixture's loop.
fn exercise(policy: &Policy) {
    let w = world();
    let calendar = policy.calendar();
    for grade in [Grade::General, Grade::Major] {
        let rules = policy.deadlines().of(grade);
        for rule in [rules.register, rules.report, rules.rectify, rules.accept, rules.close]
            .into_iter()
            .chain([rules.archive])
            .chain(rules.plan)
        {
            let _ = rule.due(calendar, w.now);
        }
        for colour in [RiskColour::Red, RiskColour::Orange, RiskColour::Yellow, RiskColour::Blue] {
            let _ = policy.deadlines().rectify(calendar, grade, colour, w.now);
        }
        for clock in ClockKind::ALL {
            let _ = policy.ladders().for_clock(clock, grade);
        }
    }
    let _ = policy.limits().validate();
    let mut f = w.fixture.clone();
    f.policy = policy.clone();
    for grade in [Grade::General, Grade::Major] {
        let _ = f.walk(grade, StageKind::Archived);
    }
}

/// `command_json`: a command as JSON, decided against the fixture.
pub fn command_json(data: &[u8]) {
    let Ok(command) = serde_json::from_slice::<Command>(data) else { return };
    let text = serde_json::to_string(&command).unwrap_or_else(|e| panic!("serialise: {e}"));
    let back: Command =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("read back: {e}\n{text}"));
    assert_eq!(back, command, "a command survives JSON");
    let w = world();
    decide_everywhere(w, &w.fixture.policy, &command);
}

/// The export's header row (Chinese), every column.
pub const HEADER: &str =
    "序号,隐患编号,发现时间,发现人,所在单位,具体位置,类别,隐患描述,等级,风险等级,\
责任单位,责任人,整改措施,整改期限,当前环节,是否逾期,验收人,验收时间,销号时间,备注";

/// `import_row`: CSV text. When the first byte is even, the rest is read under the export's
/// header row; when odd, the rest is a whole CSV file with its own header. Every row (up to 16)
/// goes through the import's row parser, and rows it accepts are decided: discover, then
/// register.
pub fn import_csv(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let text: Vec<u8> = if mode % 2 == 0 {
        let mut t = HEADER.as_bytes().to_vec();
        t.push(b'\n');
        t.extend_from_slice(rest);
        t
    } else {
        rest.to_vec()
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_slice());
    let Ok(header) = reader.headers().cloned() else { return };
    let w = world();
    let f = &w.fixture;
    for record in reader.records().take(16) {
        let Ok(record) = record else { continue };
        let parsed = hazardloop_cli::import::parse_row(&header, &record, &f.org, &f.policy, w.now);
        let Ok(commands) = parsed else { continue };
        import_decide(w, commands);
    }
}

/// Decides an imported row's commands in order, as the import's batch would.
pub fn import_decide(w: &World, commands: Vec<Command>) {
    let f = &w.fixture;
    let mut hazard: Option<Hazard> = None;
    for command in commands {
        let actor = f.actor_for(command.step(), hazard.as_ref());
        let Ok(events) = decide(hazard.as_ref(), command, &f.ctx(&actor, w.now)) else { return };
        hazard = Some(check_events(hazard.as_ref(), &events, w.now));
    }
}
