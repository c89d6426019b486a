//! A local policy (本地规定) from TOML: one county's deadlines and a shorter escalation ladder,
//! checked on load, then one hazard run under it and under the default policy side by side, on
//! the embedded SQLite store (`./hazardloop-demo/custom_policy-*.db`).
//!
//! What it teaches:
//! - every number of the loop is configuration: `Policy::from_toml` reads a document such as
//!   `examples/custom_policy.toml` (a written report within 4 hours, general hazards rectified
//!   within 3 working days, extensions asked 2 working days ahead, a four-rung ladder);
//! - a bad document is refused with a typed `PolicyError` that names the field;
//! - the same commands at the same times give different deadlines, escalation times and
//!   decisions under the two policies, on the mainland-China working-day calendar (the hazard
//!   is found just before the Qingming holiday).
//!
//! `cargo run --example custom_policy`

use std::collections::BTreeMap;
use std::error::Error;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use hazardloop::calendar::Span;
use hazardloop::clock::SetClock;
use hazardloop::deadline::{ClockKind, Deadlines};
use hazardloop::engine::{Engine, EngineError, Request};
use hazardloop::escalation::{plan_sweep, Escalation, FiredRungs};
use hazardloop::model::{Grade, HazardId, Lang, Method, Named, PersonId, Source, TenantId, UnitId};
use hazardloop::notify::Discard;
use hazardloop::org::{Org, Person, Preset, Role};
use hazardloop::policy::{Policy, PolicyError};
use hazardloop::sqlite::SqliteStore;
use hazardloop::workflow::{Command, Discover, Event, FourImplementations, Plan, Register};

type Result<T, E = Box<dyn Error>> = std::result::Result<T, E>;
type Demo = Engine<SqliteStore, Discard>;

/// The county's policy, kept next to this example.
const LOCAL_POLICY: &str = include_str!("custom_policy.toml");

/// A local time in Shanghai, written `2025-04-03 14:00`.
fn local(text: &str) -> Result<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")?;
    let at = Shanghai.from_local_datetime(&naive).single().ok_or("ambiguous local time")?;
    Ok(at.with_timezone(&Utc))
}

/// Shows an instant as Shanghai wall-clock time.
fn shown(at: DateTime<Utc>) -> String {
    at.with_timezone(&Shanghai).format("%m-%d %H:%M").to_string()
}

/// Pads `text` to `width` columns, a Chinese character taking two.
fn pad(text: &str, width: usize) -> String {
    let used: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

/// Three mistakes people make when they edit the file, and what the loader says.
fn show_bad_policies() {
    let cases = [
        ("键名拼写错误 rectfy", LOCAL_POLICY.replacen("rectify = \"3wd\"", "rectfy = \"3wd\"", 1)),
        (
            "期限写法错误 \"3 working days\"",
            LOCAL_POLICY.replacen("rectify = \"3wd\"", "rectify = \"3 working days\"", 1),
        ),
        (
            "整改期限为零 \"0wd\"",
            LOCAL_POLICY.replacen("rectify = \"3wd\"", "rectify = \"0wd\"", 1),
        ),
    ];
    println!("错误的策略文件在加载时被拒绝：");
    for (i, (what, text)) in cases.iter().enumerate() {
        println!("  {}. {what}", i + 1);
        match Policy::from_toml(text) {
            // Not TOML, a wrong type or an unknown key: the parser's message has line, column and key.
            Err(PolicyError::Parse { format, message }) => {
                println!("     PolicyError::Parse（{format}）：");
                for line in message.lines().filter(|l| !l.trim().is_empty()) {
                    println!("       {line}");
                }
            }
            // Parses, but breaks a rule: the error carries the field path.
            Err(PolicyError::Invalid(e)) => {
                println!("     PolicyError::Invalid（字段 {}）：{e}", e.field());
            }
            Err(other) => println!("     {other}"),
            Ok(_) => println!("     （竟然通过了：这是个缺陷）"),
        }
    }
}

/// A school from the seed 001 preset and the four people of the story.
fn organisation(tenant: &TenantId) -> Result<Org> {
    let mut org = Preset::FocusAreas.school_org(
        tenant.clone(),
        (UnitId::new("county")?, "县教育局"),
        (UnitId::new("s1")?, "城关中学"),
    )?;
    let people = [
        ("zhou", "周检查员", "s1", Role::Inspector),
        ("zhang", "张安全员", "s1/security", Role::SafetyOfficer),
        ("qian", "钱处长", "s1/logistics", Role::DepartmentHead), // 后勤管理处
        ("li", "李副校长", "s1", Role::SafetyDeputy),
    ];
    for (id, name, unit, role) in people {
        org.add_person(Person::new(PersonId::new(id)?, name, UnitId::new(unit)?).with_role(role))?;
    }
    Ok(org)
}

/// An engine on a fresh SQLite file of its own (an old one is removed so reruns start clean).
fn open_engine(name: &str, policy: Policy, org: &Org, clock: Arc<SetClock>) -> Result<Demo> {
    std::fs::create_dir_all("hazardloop-demo")?;
    let path = format!("hazardloop-demo/custom_policy-{name}.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    let store = SqliteStore::open(Path::new(&path))?;
    store.migrate()?;
    Ok(Engine::new(store, Discard, clock, policy).with_org(org.clone()))
}

/// Sets the clock and executes `command` as `person`; returns the hazard.
async fn act(
    engine: &Demo,
    clock: &SetClock,
    at: &str,
    person: &str,
    hazard: Option<HazardId>,
    command: Command,
) -> Result<HazardId> {
    clock.set(local(at)?);
    let org = engine.org(&TenantId::new("county")?)?;
    let actor = org.actor(&PersonId::new(person)?).ok_or("not in the organisation")?;
    let request = match hazard {
        Some(id) => Request::on(id, command),
        None => Request::new(command),
    };
    Ok(engine.execute(&actor, request).await?.hazard)
}

/// One general hazard found on the Thursday before the Qingming holiday (4–6 April 2025):
/// discovered, registered with the policy's deadline, reported, treated by that deadline.
async fn run_hazard(engine: &Demo, clock: &SetClock) -> Result<HazardId> {
    let discover = Command::from(Discover {
        unit: UnitId::new("s1")?,
        location: "教学楼东侧楼梯".into(),
        category: None,
        title: "楼梯扶手松动".into(),
        description: "二楼至三楼扶手两处固定螺栓松动".into(),
        source: Source::DailyPatrol,
        discovered_at: None,
        evidence: vec![],
        campaign: None,
    });
    let id = act(engine, clock, "2025-04-03 14:00", "zhou", None, discover).await?;
    let register = Command::from(Register {
        grade: Some(Grade::General),
        assessment: Method::Lec { l: 3.0, e: 6.0, c: 3.0 },
        category: "buildings_construction".parse()?,
        responsible_unit: None, // 后勤管理处, the category's lead department
        assignee: PersonId::new("qian")?,
        deadline: None, // the policy's: this is what differs
        fixable_at_once: true,
        campaign: None,
    });
    act(engine, clock, "2025-04-03 14:30", "zhang", Some(id), register).await?;
    let report = Command::Report { to_bureau: false, written: true, reference: None };
    act(engine, clock, "2025-04-03 16:00", "zhang", Some(id), report).await?;
    let due = rectify_by(engine, id).await?;
    let plan = Plan::General(FourImplementations {
        responsible: PersonId::new("qian")?,
        measures: "更换固定螺栓，加装扶手托架".into(),
        deadline: due,
        contingency: "整改期间设置警示标志，安排专人引导".into(),
    });
    let start = Command::StartTreatment { plan: Box::new(plan), interim: None };
    act(engine, clock, "2025-04-03 16:30", "qian", Some(id), start).await?;
    Ok(id)
}

/// The rectification deadline in force.
async fn rectify_by(engine: &Demo, id: HazardId) -> Result<DateTime<Utc>> {
    let view = engine.hazard(&TenantId::new("county")?, id).await?;
    Ok(view.hazard.clocks.get(ClockKind::Rectify).ok_or("no rectification deadline")?)
}

/// Every deadline the hazard was given, as its `DeadlinesChanged` events last set each one.
async fn deadlines(engine: &Demo, id: HazardId) -> Result<BTreeMap<ClockKind, DateTime<Utc>>> {
    let view = engine.hazard(&TenantId::new("county")?, id).await?;
    let mut set = BTreeMap::new();
    for record in &view.timeline {
        if let Event::DeadlinesChanged { change, .. } = &record.event {
            set.extend(change.set.iter());
        }
    }
    Ok(set)
}

/// The last moment an extension may be asked: the notice span before the deadline.
fn extension_cutoff(policy: &Policy, due: DateTime<Utc>) -> DateTime<Utc> {
    let notice = policy.deadlines().extension_notice;
    policy.calendar().add(due, Span { amount: -notice.amount, unit: notice.unit })
}

/// The rungs the ladder will fire for a rectification deadline, in order.
fn ladder_for(policy: &Policy, due: DateTime<Utc>) -> Vec<Escalation> {
    let clocks: Deadlines = [(ClockKind::Rectify, due)].into_iter().collect();
    let far = due + Duration::days(90);
    plan_sweep(
        far,
        &clocks,
        Grade::General,
        &FiredRungs::new(),
        policy.ladders(),
        policy.calendar(),
    )
}

/// One policy's run: its engine, the hazard, and the deadlines the hazard was given.
struct Run {
    name: &'static str,
    engine: Demo,
    hazard: HazardId,
    deadlines: BTreeMap<ClockKind, DateTime<Utc>>,
}

/// Opens an engine under `policy`, runs the hazard and collects its deadlines.
async fn run(
    name: &'static str,
    file: &str,
    policy: Policy,
    org: &Org,
    clock: &Arc<SetClock>,
) -> Result<Run> {
    let engine = open_engine(file, policy, org, clock.clone())?;
    // Saved with the data (its own policy too), so `hazardloop --db … --tenant county` opens it.
    engine.save_documents(org.tenant()).await?;
    let hazard = run_hazard(&engine, clock).await?;
    let deadlines = deadlines(&engine, hazard).await?;
    Ok(Run { name, engine, hazard, deadlines })
}

/// Prints the deadlines of both runs side by side.
fn print_deadlines(runs: &[Run]) {
    let cell = |at: Option<&DateTime<Utc>>| at.map_or_else(|| "-".into(), |t| shown(*t));
    let mut header = pad("期限", 16);
    for run in runs {
        header += &pad(run.name, 16);
    }
    println!("{}", header.trim_end());
    for kind in [ClockKind::Register, ClockKind::Report, ClockKind::Rectify] {
        let mut line = pad(kind.name(Lang::Zh), 16);
        for run in runs {
            line += &pad(&cell(run.deadlines.get(&kind)), 16);
        }
        println!("{}", line.trim_end());
    }
    let mut line = pad("延期申请截止", 16);
    for run in runs {
        let due = run.deadlines.get(&ClockKind::Rectify);
        let cutoff = due.map(|due| extension_cutoff(run.engine.policy(), *due));
        line += &pad(&cell(cutoff.as_ref()), 16);
    }
    println!("{}", line.trim_end());
}

/// Prints the escalation ladder each policy runs for the rectification deadline.
fn print_ladders(runs: &[Run]) {
    println!("\n整改期限的督办升级：");
    for run in runs {
        let Some(due) = run.deadlines.get(&ClockKind::Rectify) else { continue };
        println!("  {}：", run.name);
        for rung in ladder_for(run.engine.policy(), *due) {
            let to: Vec<&str> = rung.to.iter().map(|r| r.name(Lang::Zh)).collect();
            let action = pad(rung.action.name(Lang::Zh), 8);
            println!("    {}  {action} → {}", shown(rung.fire_at), to.join("、"));
        }
    }
}

/// The same extension request on 8 April: in time for the default policy, too late locally.
async fn ask_extension(run: &Run, clock: &SetClock) -> Result<()> {
    let (name, engine, id) = (run.name, &run.engine, run.hazard);
    let cutoff = extension_cutoff(engine.policy(), rectify_by(engine, id).await?);
    let request = Command::RequestExtension {
        new_deadline: local("2025-04-18 17:30")?,
        reason: "定制托架到货需一周".into(),
    };
    match act(engine, clock, "2025-04-08 10:00", "qian", Some(id), request).await {
        Ok(_) => {
            println!("  {name}：延期申请已受理（最迟 {} 提出），等待李副校长审批", shown(cutoff))
        }
        Err(e) => match e.downcast_ref::<EngineError>() {
            Some(EngineError::Workflow(refusal)) => {
                let rule = refusal.rule().map_or("", |r| r.name(Lang::Zh));
                println!("  {name}：延期申请被拒绝（{rule}：最迟 {} 提出）", shown(cutoff));
                println!("            引擎返回：{refusal}");
            }
            _ => return Err(e),
        },
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let local_policy = Policy::from_toml(LOCAL_POLICY)?;
    println!("本地策略已加载：examples/custom_policy.toml");
    let general = &local_policy.deadlines().general;
    println!(
        "  一般隐患：报告 {}，整改 {}，验收 {}；延期提前 {}；升级阶梯 {} 级\n",
        general.report,
        general.rectify,
        general.accept,
        local_policy.deadlines().extension_notice,
        local_policy.ladders().0.iter().map(|l| l.rungs.len()).sum::<usize>(),
    );
    show_bad_policies();

    // The same organisation, commands and times under each policy, each on its own database.
    let tenant = TenantId::new("county")?;
    let org = organisation(&tenant)?;
    let clock = Arc::new(SetClock::new(local("2025-04-03 14:00")?));
    let runs = [
        run("默认策略", "default", Policy::default(), &org, &clock).await?,
        run("本地策略", "local", local_policy, &org, &clock).await?,
    ];
    println!("\n同一条一般隐患（2025-04-03 周四 14:00 发现，14:30 登记，16:00 书面报告；4月4日至6日清明放假）：");
    print_deadlines(&runs);
    print_ladders(&runs);
    println!("\n4月8日 10:00 钱处长申请延期至4月18日：");
    for run in &runs {
        ask_extension(run, &clock).await?;
    }
    Ok(())
}
