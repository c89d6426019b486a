//! Quick start: one general hazard through all seven steps, printing its timeline.
//!
//! `cargo run --example quickstart`

use chrono::Duration;
use hazardloop::model::{Grade, Lang, Named};
use hazardloop::workflow::{decide, Command, Event, Hazard, StageKind, Step};
use hazardloop_testkit::{fold_onto, Fixture};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A bureau and a school from the seed 001 preset, with a person in every role.
    let school = Fixture::school();
    let mut now = school.start;
    let mut hazard: Option<Hazard> = None;
    let mut timeline: Vec<Event> = Vec::new();
    let steps = [
        (Step::Discover, "排查"),
        (Step::Register, "登记"),
        (Step::Report, "报告"),
        (Step::StartTreatment, "治理"),
        (Step::Complete, "治理"),
        (Step::Pass, "验收"),
        (Step::Close, "销号"),
        (Step::Archive, "备案存档"),
    ];
    for (step, _) in steps {
        let actor = school.actor_for(step, hazard.as_ref());
        let command: Command = school.command_for(step, Grade::General, now);
        let events = decide(hazard.as_ref(), command, &school.ctx(&actor, now))?;
        hazard = Some(fold_onto(hazard, &events, now)?);
        timeline.extend(events);
        now += Duration::hours(3);
    }
    let Some(hazard) = hazard else { return Ok(()) };
    println!("隐患 {} — {}", hazard.id, hazard.stage.facts().title);
    for event in &timeline {
        let who = event.by().map_or("系统".to_string(), |p| {
            school.org.person(p).map_or(p.to_string(), |person| person.name.clone())
        });
        let local = event.at().with_timezone(&school.policy.calendar().time_zone());
        println!("  {}  {:<20} {}", local.format("%m-%d %H:%M"), event.type_name(), who);
    }
    assert_eq!(hazard.kind(), StageKind::Archived);
    println!("当前环节: {}", hazard.kind().name(Lang::Zh));
    Ok(())
}
