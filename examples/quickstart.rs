//! Quick start: one general hazard through all seven steps on the embedded SQLite store
//! (`./hazardloop-demo/quickstart.db`), then its timeline and a check of its hash chain.
//!
//! `cargo run --example quickstart`

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use hazardloop::engine::{Engine, Request};
use hazardloop::model::{Evidence, Grade, Lang, Method, Named, PersonId, Source, TenantId, UnitId};
use hazardloop::notify::Discard;
use hazardloop::org::{Person, Preset, Role};
use hazardloop::policy::Policy;
use hazardloop::sqlite::SqliteStore;
use hazardloop::workflow::{Command, Discover, FourImplementations, Plan, Register};
use hazardloop_testkit::ManualClock;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. An organisation: a bureau and a school whose departments come from the seed 001 preset.
    let tenant = TenantId::new("demo")?;
    let school = UnitId::new("s1")?;
    let mut org = Preset::FocusAreas.school_org(
        tenant.clone(),
        (UnitId::new("bureau")?, "区教育局"),
        (school.clone(), "第一中学"),
    )?;
    let logistics = UnitId::new("s1/logistics")?; // 后勤管理处
    for (id, name, unit, role) in [
        ("zhang", "张安全员", UnitId::new("s1/security")?, Some(Role::SafetyOfficer)),
        ("zhou", "周检查员", school.clone(), Some(Role::Inspector)),
        ("sun", "孙师傅", logistics.clone(), None),
    ] {
        let mut person = Person::new(PersonId::new(id)?, name, unit);
        if let Some(role) = role {
            person = person.with_role(role);
        }
        org.add_person(person)?;
    }
    // The host authenticates people; the organisation gives each its roles and scope.
    let actor = |id: &str| -> Result<_, Box<dyn std::error::Error>> {
        org.actor(&PersonId::new(id)?)
            .ok_or_else(|| format!("{id} is not in the organisation").into())
    };
    let (officer, inspector, worker) = (actor("zhang")?, actor("zhou")?, actor("sun")?);

    // 2. The engine: a SQLite file (migrated explicitly), no notification channel, a clock we
    //    move by hand.
    std::fs::create_dir_all("hazardloop-demo")?;
    let path = std::path::Path::new("hazardloop-demo/quickstart.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let store = SqliteStore::open(path)?;
    store.migrate()?;
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2025, 3, 3, 2, 0, 0).single().ok_or("time")?);
    let engine = Engine::new(store, Discard, Arc::new(clock.clone()), Policy::default())
        .with_org(org.clone());
    // Saved with the data, so `hazardloop --db hazardloop-demo/quickstart.db --tenant demo list` opens this file.
    engine.save_documents(&tenant).await?;
    let photo = |n: u8| Evidence {
        uri: format!("https://files.example.edu.cn/{n}.jpg"),
        sha256: format!("{n:02x}").repeat(32),
        media_type: "image/jpeg".into(),
    };

    // 3. The seven steps.
    let found = engine
        .execute(
            &inspector,
            Request::new(Command::from(Discover {
                unit: logistics.clone(),
                location: "教学楼二楼东侧楼梯".into(),
                category: None,
                title: "楼梯扶手松动".into(),
                description: "两处固定螺栓松动".into(),
                source: Source::DailyPatrol,
                discovered_at: None,
                evidence: vec![photo(1)],
                campaign: None,
            })),
        )
        .await?;
    let id = found.hazard;
    let steps = [
        (
            &officer,
            Command::from(Register {
                grade: Some(Grade::General),
                assessment: Method::Lec { l: 3.0, e: 6.0, c: 3.0 },
                category: "buildings_construction".parse()?,
                responsible_unit: None, // the category's lead department: 后勤管理处
                assignee: worker.person.clone(),
                deadline: None, // policy default: 5 working days
                fixable_at_once: true,
                campaign: None,
            }),
        ),
        (&officer, Command::Report { to_bureau: false, written: false, reference: None }),
        (
            &worker,
            Command::StartTreatment {
                plan: Box::new(Plan::General(FourImplementations {
                    responsible: worker.person.clone(),
                    measures: "更换螺栓，加装托架".into(),
                    deadline: clock
                        .calendar()
                        .add_working_days(hazardloop::clock::Clock::now(&clock), 3),
                    contingency: "整改期间设置警示标志".into(),
                })),
                interim: None,
            },
        ),
        (
            &worker,
            Command::Complete {
                summary: "已更换螺栓并加装托架".into(), evidence: vec![photo(2)]
            },
        ),
        (&inspector, Command::Pass { note: "复查合格".into() }),
        (&officer, Command::Close { note: String::new() }),
        (&officer, Command::Archive),
    ];
    for (who, command) in steps {
        clock.advance(Duration::hours(5));
        engine.execute(who, Request::on(id, command)).await?;
    }

    // 4. The timeline, and the proof that nothing was changed.
    let view = engine.hazard(&tenant, id).await?;
    let tz = engine.policy().calendar().time_zone();
    println!("隐患 {id}：{}", view.hazard.stage.facts().title);
    for r in &view.timeline {
        let who = r.event.by().and_then(|p| org.person(p)).map_or("系统", |p| p.name.as_str());
        let at = r.event.at().with_timezone(&tz).format("%m-%d %H:%M");
        println!("  #{:<2} {at}  {:<20} {who}", r.seq, r.event.type_name());
    }
    engine.verify(&tenant, id).await?;
    println!("当前环节：{}；哈希链校验通过", view.hazard.kind().name(Lang::Zh));
    println!("数据库：{}", path.display());
    Ok(())
}
