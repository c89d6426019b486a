//! A supervised major hazard (挂牌督办的重大事故隐患) from discovery to the archive, on the
//! embedded SQLite store (`./hazardloop-demo/major_hazard.db`).
//!
//! What it teaches:
//! - registering a hazard as major (重大事故隐患) and the written report to the bureau;
//! - the bureau putting it under supervision (挂牌督办);
//! - the principal's six-item treatment plan (治理方案 六项) with interim control (临时管控);
//! - an extension (延期) asked by the assignee and granted by the bureau;
//! - acceptance (验收) by someone other than the rectifier, and closing by the bureau (核销):
//!   the school's own safety officer is refused;
//! - the timeline (step, actor, time in Asia/Shanghai) and the check of the hash chain.
//!
//! Only the public `hazardloop` API is used; the clock is a small one of our own that the story
//! moves from scene to scene.
//!
//! `cargo run --example major_hazard`

use std::error::Error;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use hazardloop::clock::SetClock;
use hazardloop::deadline::Deadlines;
use hazardloop::engine::{Engine, EngineError, Outcome, Request};
use hazardloop::model::{Evidence, Grade, HazardId, Lang, Method, Named, PersonId, Source};
use hazardloop::model::{TenantId, UnitId};
use hazardloop::notify::Discard;
use hazardloop::org::{Org, Person, Preset, Role};
use hazardloop::policy::Policy;
use hazardloop::sqlite::SqliteStore;
use hazardloop::workflow::{
    Command, Discover, Event, Interim, InterimMeasure, MajorPlan, Plan, Register, WorkflowError,
};

type Result<T, E = Box<dyn Error>> = std::result::Result<T, E>;
type Demo = Engine<SqliteStore, Discard>;

/// A local time in Shanghai, written `2025-04-08 09:00`.
fn local(text: &str) -> Result<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")?;
    let at = Shanghai.from_local_datetime(&naive).single().ok_or("ambiguous local time")?;
    Ok(at.with_timezone(&Utc))
}

/// Shows an instant as Shanghai wall-clock time.
fn shown(at: DateTime<Utc>) -> String {
    at.with_timezone(&Shanghai).format("%m-%d %H:%M").to_string()
}

/// The bureau, one school from the seed 001 preset, and the people this story needs.
fn organisation(tenant: &TenantId) -> Result<Org> {
    let mut org = Preset::FocusAreas.school_org(
        tenant.clone(),
        (UnitId::new("bureau")?, "区教育局"),
        (UnitId::new("s1")?, "第一中学"),
    )?;
    let people = [
        ("wang", "王校长", "s1", Role::Principal),
        ("li", "李副校长", "s1", Role::SafetyDeputy),
        ("zhang", "张安全员", "s1/security", Role::SafetyOfficer),
        ("qian", "钱处长", "s1/logistics", Role::DepartmentHead), // 后勤管理处处长
        ("zhou", "周检查员", "s1", Role::Inspector),
        ("zheng", "郑科长", "bureau", Role::BureauOfficer), // 教育局安全科
    ];
    for (id, name, unit, role) in people {
        org.add_person(Person::new(PersonId::new(id)?, name, UnitId::new(unit)?).with_role(role))?;
    }
    Ok(org)
}

/// Opens a fresh SQLite file (an old one is removed so reruns start clean) and the engine.
fn open_engine(org: &Org, clock: Arc<SetClock>) -> Result<Demo> {
    let path = Path::new("hazardloop-demo/major_hazard.db");
    std::fs::create_dir_all("hazardloop-demo")?;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let store = SqliteStore::open(path)?;
    store.migrate()?; // explicit: opening never migrates
    Ok(Engine::new(store, Discard, clock, Policy::default()).with_org(org.clone()))
}

/// A photo or document the host keeps; the record holds its address and SHA-256.
fn evidence(name: &str, n: u8, media_type: &str) -> Evidence {
    Evidence {
        uri: format!("https://files.example.edu.cn/s1/{name}"),
        sha256: format!("{n:02x}").repeat(32),
        media_type: media_type.into(),
    }
}

/// The person's name and first role, for printing.
fn who(org: &Org, person: &PersonId) -> String {
    org.person(person).map_or_else(
        || person.to_string(),
        |p| match p.roles.iter().next() {
            Some(role) => format!("{}（{}）", p.name, role.name(Lang::Zh)),
            None => p.name.clone(),
        },
    )
}

/// One scene: set the clock to the local time `at` and execute `command` as `person`.
async fn act(
    engine: &Demo,
    clock: &SetClock,
    at: &str,
    person: &str,
    hazard: Option<HazardId>,
    command: Command,
) -> Result<Outcome> {
    clock.set(local(at)?);
    // The host authenticates the person; the organisation gives their roles and scope.
    let org = engine.org(&TenantId::new("demo")?)?;
    let actor = org.actor(&PersonId::new(person)?).ok_or("not in the organisation")?;
    let request = match hazard {
        Some(id) => Request::on(id, command),
        None => Request::new(command),
    };
    Ok(engine.execute(&actor, request).await?)
}

/// Pads `text` to `width` columns, a Chinese character taking two.
fn pad(text: &str, width: usize) -> String {
    let used: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

/// The six items of 16号令 art. 15 (治理方案), committing to a date.
fn six_item_plan(deadline: DateTime<Utc>) -> MajorPlan {
    MajorPlan {
        objectives: "消除宿舍楼北侧外墙饰面砖脱落隐患，恢复北侧通道正常使用".into(),
        methods: "委托有资质单位全面检测，剔除空鼓面砖，改为涂料饰面并加设防护网".into(),
        funds: "安排专项经费28万元，脚手架及材料由后勤管理处采购落实".into(),
        organisation: "校长牵头，后勤管理处钱处长具体负责，安全保卫处全程监督".into(),
        schedule: "5月9日前完成，完工后经第三方检测并报区教育局核销".into(),
        safety: "施工区域围挡封闭，设专人值守；遇大风暴雨停工并启动应急疏散预案".into(),
        deadline,
    }
}

/// Prints the plan's six items as they were filed.
fn print_plan(plan: &MajorPlan) {
    let items = [
        ("目标任务", &plan.objectives),
        ("方法措施", &plan.methods),
        ("经费物资", &plan.funds),
        ("机构人员", &plan.organisation),
        ("时限要求", &plan.schedule),
        ("安全措施", &plan.safety),
    ];
    for (i, (label, text)) in items.iter().enumerate() {
        println!("  {}. {label}：{text}", i + 1);
    }
}

/// The story, scene by scene. Returns the hazard.
async fn run_story(engine: &Demo, clock: &SetClock) -> Result<HazardId> {
    // 排查: the monthly check finds loose wall tiles above a walkway.
    let found = act(
        engine,
        clock,
        "2025-04-08 09:00",
        "zhou",
        None,
        Command::from(Discover {
            unit: UnitId::new("s1")?,
            location: "学生宿舍楼北侧外墙（三至五层）".into(),
            category: Some("buildings_construction".parse()?),
            title: "宿舍楼外墙饰面砖大面积空鼓".into(),
            description: "北侧外墙饰面砖空鼓约120平方米，已有局部脱落，下方为学生通道".into(),
            source: Source::Monthly,
            discovered_at: None,
            evidence: vec![evidence("wall-1.jpg", 1, "image/jpeg")],
            campaign: None,
        }),
    )
    .await?;
    let id = Some(found.hazard);
    // 登记评估: LEC D = 6 × 6 × 15 = 540 (red); major, assigned to the logistics head.
    let register = Command::from(Register {
        grade: Some(Grade::Major),
        assessment: Method::Lec { l: 6.0, e: 6.0, c: 15.0 },
        category: "buildings_construction".parse()?,
        responsible_unit: None, // the category's lead department: 后勤管理处
        assignee: PersonId::new("qian")?,
        deadline: None, // provisional (20 working days) until the plan gives its date
        fixable_at_once: false,
        campaign: None,
    });
    act(engine, clock, "2025-04-08 09:40", "zhang", id, register).await?;
    // 报告: a major hazard goes to the bureau in writing, within 2 hours.
    let report = Command::Report {
        to_bureau: true,
        written: true,
        reference: Some("一中安〔2025〕7号".into()),
    };
    act(engine, clock, "2025-04-08 10:30", "zhang", id, report).await?;
    // 挂牌督办: from now on only the bureau may close it.
    let supervise = Command::Supervise { reference: Some("区教安督〔2025〕3号".into()) };
    act(engine, clock, "2025-04-09 10:00", "zheng", id, supervise).await?;
    // 治理: the principal owns the six-item plan; interim control is required for a major hazard.
    let plan = six_item_plan(local("2025-05-09 17:30")?);
    let start = Command::StartTreatment {
        plan: Box::new(Plan::Major(Box::new(plan.clone()))),
        interim: Some(Interim {
            measures: vec![
                InterimMeasure::Cordon,
                InterimMeasure::WarningSigns,
                InterimMeasure::StopUsing,
            ],
            note: "北侧通道拉设警戒线并封闭，学生改走南门".into(),
        }),
    };
    act(engine, clock, "2025-04-10 15:00", "wang", id, start).await?;
    println!("王校长提交的治理方案（16号令第十五条 六项）：");
    print_plan(&plan);
    // 临时管控: a further measure while the work goes on.
    let interim = Command::AddInterimControl(Interim {
        measures: vec![InterimMeasure::Other],
        note: "三层以上外墙加挂安全防护网，通道上方搭设防护棚".into(),
    });
    act(engine, clock, "2025-04-11 16:00", "qian", id, interim).await?;
    let progress = Command::RecordProgress {
        note: "脚手架搭设完成，空鼓面砖已剔除约六成".into(),
        percent: Some(60),
        evidence: vec![evidence("progress-1.jpg", 2, "image/jpeg")],
    };
    act(engine, clock, "2025-04-25 17:00", "qian", id, progress).await?;
    // 延期: asked at least a working day before the deadline; granted by the supervising bureau.
    let extend = Command::RequestExtension {
        new_deadline: local("2025-05-23 17:30")?,
        reason: "连续降雨无法进行外墙施工，且五一假期停工".into(),
    };
    act(engine, clock, "2025-04-28 10:00", "qian", id, extend).await?;
    let grant = Command::GrantExtension {
        note: "同意延期至5月23日，督办期限相应顺延".into()
    };
    act(engine, clock, "2025-04-29 09:30", "zheng", id, grant).await?;
    let complete = Command::Complete {
        summary: "空鼓面砖全部剔除，改为真石漆饰面，防护网保留至验收".into(),
        evidence: vec![
            evidence("wall-after.jpg", 3, "image/jpeg"),
            evidence("test-report.pdf", 4, "application/pdf"),
        ],
    };
    act(engine, clock, "2025-05-20 16:00", "qian", id, complete).await?;
    // 验收: by the deputy, not the rectifier.
    let pass = Command::Pass {
        note: "组织第三方检测及专家验收，饰面粘结强度合格".into()
    };
    act(engine, clock, "2025-05-22 10:00", "li", id, pass).await?;
    refused_close(engine, clock, found.hazard).await?;
    // 核销: the bureau closes the supervised hazard, then the school files the record.
    let close =
        Command::Close { note: "经现场核查，同意核销，撤销挂牌督办".into() };
    act(engine, clock, "2025-05-27 14:00", "zheng", id, close).await?;
    act(engine, clock, "2025-05-28 09:00", "zhang", id, Command::Archive).await?;
    Ok(found.hazard)
}

/// The school's safety officer may close ordinary hazards, not a supervised one.
async fn refused_close(engine: &Demo, clock: &SetClock, id: HazardId) -> Result<()> {
    let close = Command::Close { note: "学校自行销号".into() };
    match act(engine, clock, "2025-05-26 09:00", "zhang", Some(id), close).await {
        Err(e) => match e.downcast_ref::<EngineError>() {
            Some(EngineError::Workflow(WorkflowError::Denied { rule, .. })) => {
                println!(
                    "\n05-26 张安全员申请学校自行销号，被拒绝（{}），未写入任何事件",
                    rule.name(Lang::Zh)
                );
                Ok(())
            }
            _ => Err(e),
        },
        Ok(_) => Err("the school closed a supervised hazard; only the bureau may".into()),
    }
}

/// What an event means, in the words of the ledger.
fn label(event: &Event) -> String {
    match event {
        Event::Discovered { facts } => format!("排查发现（{}）", facts.source.name(Lang::Zh)),
        Event::Registered { registration: r } => format!(
            "登记评估（{}，{}）",
            r.grade.name(Lang::Zh),
            r.assessment.colour.name(Lang::Zh)
        ),
        Event::Reported { report } => {
            format!("书面报告教育局（{}）", report.reference.as_deref().unwrap_or("无文号"))
        }
        Event::Supervised { supervision } => {
            format!("挂牌督办（{}）", supervision.reference.as_deref().unwrap_or("无文号"))
        }
        Event::TreatmentStarted { .. } => "治理方案（六项）及临时管控".into(),
        Event::InterimControlAdded { .. } => "临时管控".into(),
        Event::ProgressRecorded { progress } => {
            format!("整改进展 {}%", progress.percent.unwrap_or(0))
        }
        Event::ExtensionRequested { request } => {
            format!("延期申请（至 {}）", shown(request.new_deadline))
        }
        Event::ExtensionDecided { decision } if decision.granted => "批准延期".into(),
        Event::ExtensionDecided { .. } => "不批准延期".into(),
        Event::TreatmentCompleted { .. } => "整改完成".into(),
        Event::AcceptancePassed { .. } => "验收合格".into(),
        Event::AcceptanceFailed { .. } => "验收不合格".into(),
        Event::Closed { closure } if closure.by_bureau => "核销（教育局）".into(),
        Event::Closed { .. } => "销号".into(),
        Event::Archived { .. } => "备案存档".into(),
        other => other.type_name().into(),
    }
}

/// The clocks left open after a change, as `整改期限 05-23 17:30`.
fn clocks_text(clocks: &Deadlines) -> String {
    let open: Vec<String> = clocks
        .iter()
        .map(|(kind, due)| format!("{} {}", kind.name(Lang::Zh), shown(due)))
        .collect();
    if open.is_empty() {
        "期限全部停止".into()
    } else {
        open.join("，")
    }
}

/// The stored timeline: each step with its actor and time, and the deadlines it set.
async fn print_timeline(engine: &Demo, org: &Org, id: HazardId) -> Result<()> {
    let view = engine.hazard(org.tenant(), id).await?;
    println!("\n时间线（{}，北京时间）：", view.hazard.stage.facts().title);
    // Each `DeadlinesChanged` names only the clocks it touches; fold them to show what is open.
    let mut open = Deadlines::default();
    for r in &view.timeline {
        match &r.event {
            Event::DeadlinesChanged { change, .. } => {
                change.apply_to(&mut open);
                println!("{}→ {}", " ".repeat(24), clocks_text(&open))
            }
            event => {
                let actor = event.by().map_or_else(|| "系统".to_owned(), |p| who(org, p));
                let at = event.at().with_timezone(&Shanghai).format("%Y-%m-%d %H:%M");
                println!("  #{:<2} {at}  {} {actor}", r.seq, pad(&label(event), 36));
            }
        }
    }
    println!("当前环节：{}", view.hazard.kind().name(Lang::Zh));
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let tenant = TenantId::new("demo")?;
    let org = organisation(&tenant)?;
    let clock = Arc::new(SetClock::new(local("2025-04-08 09:00")?));
    let engine = open_engine(&org, clock.clone())?;
    // Saved with the data, so `hazardloop --db hazardloop-demo/major_hazard.db --tenant demo list` opens this file.
    engine.save_documents(&tenant).await?;

    let id = run_story(&engine, &clock).await?;
    print_timeline(&engine, &org, id).await?;

    // Every event carries the hash of the one before; the archive seals the chain.
    engine.verify(&tenant, id).await?;
    let view = engine.hazard(&tenant, id).await?;
    let head = view.timeline.last().map(|r| r.hash.to_string()).unwrap_or_default();
    let head = head.get(..16).unwrap_or(&head);
    println!("哈希链校验通过：{} 条事件，末端哈希 {head}…", view.timeline.len());
    println!("数据库：{}", engine.store().path().display());
    Ok(())
}
