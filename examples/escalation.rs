//! Escalation: a general hazard misses its deadline across the 2025 National Day holiday and walks
//! up the ladder day by day: reminder, overdue, safety office, principal, the bureau's supervision
//! letter (督办函), and a summons (约谈).
//!
//! `cargo run --example escalation`

use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use hazardloop::clock::Clock;
use hazardloop::engine::{Engine, Request};
use hazardloop::model::{Grade, Lang, Named};
use hazardloop::notify::{BoxFuture, Delivery, DeliveryError, Notifier};
use hazardloop::store::MemoryStore;
use hazardloop::workflow::Step;
use hazardloop_testkit::{Fixture, ManualClock};

/// Prints what would be sent.
struct Print;

impl Notifier for Print {
    fn name(&self) -> &str {
        "print"
    }

    fn deliver<'a>(&'a self, d: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        let kinds: Vec<_> = d.notices.iter().map(|n| n.kind.name(Lang::Zh)).collect();
        println!("    → {}：{}", d.to.name, kinds.join("、"));
        Box::pin(async { Ok(()) })
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let f = Fixture::school();
    let shanghai = chrono_tz::Asia::Shanghai;
    let start = shanghai.with_ymd_and_hms(2025, 9, 25, 10, 0, 0).single().ok_or("time")?;
    let clock = ManualClock::new(start.with_timezone(&Utc));
    let engine = Engine::new(MemoryStore::new(), Print, Arc::new(clock.clone()), f.policy.clone())
        .with_org(f.org.clone());

    let mut id = None;
    for step in [Step::Discover, Step::Register, Step::Report, Step::StartTreatment] {
        let hazard = match id {
            Some(id) => Some(engine.hazard(&f.tenant, id).await?.hazard),
            None => None,
        };
        let mut command = f.command_for(step, Grade::General, clock.now());
        if step == Step::StartTreatment {
            let due = hazard
                .as_ref()
                .and_then(|h| h.clocks.get(hazardloop::deadline::ClockKind::Rectify));
            command = f.start_treatment(Grade::General, due.ok_or("no deadline")?);
        }
        let actor = f.actor_for(step, hazard.as_ref());
        let outcome = engine.execute(&actor, Request::to(id, command)).await?;
        id = Some(outcome.hazard);
    }
    let id = id.ok_or("no hazard")?;
    let hazard = engine.hazard(&f.tenant, id).await?.hazard;
    let due = hazard.clocks.get(hazardloop::deadline::ClockKind::Rectify).ok_or("no deadline")?;
    println!(
        "「{}」整改期限：{}",
        hazard.stage.facts().title,
        due.with_timezone(&shanghai).format("%Y-%m-%d %H:%M")
    );
    engine.dispatch().await?;

    let calendar = f.policy.calendar();
    let mut day = NaiveDate::from_ymd_opt(2025, 9, 25).ok_or("date")?;
    let last = NaiveDate::from_ymd_opt(2025, 10, 24).ok_or("date")?;
    while day <= last {
        let evening = day.and_hms_opt(18, 0, 0).ok_or("time")?;
        clock.set(
            shanghai.from_local_datetime(&evening).single().ok_or("time")?.with_timezone(&Utc),
        );
        let swept = engine.sweep().await?;
        if swept.fired > 0 {
            println!("  {} {}（{}）", day, weekday(day), calendar.day(day).kind.name(Lang::Zh));
            engine.dispatch().await?;
        }
        day += Duration::days(1);
    }
    let again = engine.sweep().await?;
    println!("再次扫描：触发 {} 条（每一级只触发一次）", again.fired);
    Ok(())
}

fn weekday(day: NaiveDate) -> &'static str {
    use chrono::Datelike;
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
        [day.weekday().num_days_from_monday() as usize]
}
