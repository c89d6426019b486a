//! A city roll-up (市级汇总): a bureau with 30 schools, a month of seeded hazards, and the
//! hazard statistics table (隐患问题统计表) rolled up per school, per category and for the
//! bureau, on the embedded SQLite store (`./hazardloop-demo/city_rollup.db`).
//!
//! What it teaches:
//! - building an organisation in code: a bureau, its schools, the departments the
//!   responsibility matrix routes categories to, and a person in every role the policy needs;
//! - driving many hazards through the loop on one clock, with a sweep each evening so overdue
//!   hazards escalate (督办) as they would in production;
//! - `Engine::statistics` for a period, and reading a `StatsTable`: a bureau's line covers its
//!   schools, rates are recomputed from counts (never averaged).
//!
//! The hazards come from a seeded ChaCha8 generator, so the output is the same on every run.
//!
//! `cargo run --example city_rollup`

use std::collections::BTreeMap;
use std::error::Error;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use hazardloop::calendar::Calendar;
use hazardloop::clock::SetClock;
use hazardloop::engine::{Engine, Request};
use hazardloop::model::{Category, Evidence, Grade, HazardId, Lang, Method, Named, PersonId};
use hazardloop::model::{Source, TenantId, UnitId};
use hazardloop::notify::Discard;
use hazardloop::org::{Org, Person, Role, Unit, UnitKind};
use hazardloop::policy::Policy;
use hazardloop::report::{Period, Stats, StatsTable};
use hazardloop::sqlite::SqliteStore;
use hazardloop::workflow::{
    Command, Discover, FourImplementations, Interim, InterimMeasure, MajorPlan, Plan, Register,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

type Result<T, E = Box<dyn Error>> = std::result::Result<T, E>;
type Demo = Engine<SqliteStore, Discard>;

const SCHOOLS: usize = 30;
const SEED: u64 = 2025;

/// The departments each school has: (id suffix, name). The names must be the ones the
/// responsibility matrix (seed 001) uses, so `register` routes a category to its lead department.
const DEPARTMENTS: [(&str, &str); 3] =
    [("security", "安全保卫处"), ("logistics", "后勤管理处"), ("academic", "教务处")];

/// The categories of the simulation: (code in the matrix, lead department's suffix, a finding).
const CATEGORIES: [(&str, &str, &str, &str); 6] = [
    ("fire", "security", "灭火器压力不足", "教学楼一楼走廊"),
    ("food_safety", "logistics", "食堂留样记录缺失", "学生食堂操作间"),
    ("lab_chemicals", "academic", "危化品柜未双人双锁", "化学实验室"),
    ("buildings_construction", "logistics", "楼梯扶手松动", "教学楼东侧楼梯"),
    ("traffic", "logistics", "校门口减速带破损", "学校南门"),
    ("public_order", "security", "监控探头损坏", "操场西北角"),
];

/// 1 → 一, 12 → 十二, 30 → 三十: school names as a city writes them.
fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match (n / 10, n % 10) {
        (0, ones) => DIGITS[ones].into(),
        (1, ones) => format!("十{}", DIGITS[ones]),
        (tens, ones) => format!("{}十{}", DIGITS[tens], DIGITS[ones]),
    }
}

/// The id of school `i` (0-based): `s01` … `s30`.
fn school_id(i: usize) -> Result<UnitId> {
    Ok(UnitId::new(format!("s{:02}", i + 1))?)
}

/// A person key within a school: `s07-officer`.
fn person(school: usize, key: &str) -> Result<PersonId> {
    Ok(PersonId::new(format!("s{:02}-{key}", school + 1))?)
}

/// The bureau, 30 schools with their departments, and the people the default policy needs:
/// principal (major plans), safety officer (register, report, close, archive), inspector
/// (discover, acceptance) and a head per department (assignee, rectifier).
fn organisation(tenant: &TenantId) -> Result<Org> {
    let mut org = Org::new(tenant.clone());
    let bureau = UnitId::new("bureau")?;
    org.add_unit(Unit::new(bureau.clone(), "市教育局", UnitKind::Bureau, None))?;
    org.add_person(
        Person::new(PersonId::new("bureau-officer")?, "郑科长", bureau.clone())
            .with_role(Role::BureauOfficer),
    )?;
    for i in 0..SCHOOLS {
        let school = school_id(i)?;
        let name = format!("市第{}中学", chinese_number(i + 1));
        org.add_unit(Unit::new(school.clone(), name, UnitKind::School, Some(bureau.clone())))?;
        for (slug, dept) in DEPARTMENTS {
            let id = UnitId::new(format!("{school}/{slug}"))?;
            let unit = Unit::new(id.clone(), dept, UnitKind::Department, Some(school.clone()));
            org.add_unit(unit)?;
            let head = Person::new(person(i, slug)?, format!("{dept}处长"), id);
            org.add_person(head.with_role(Role::DepartmentHead))?;
        }
        let staff = [
            ("principal", "校长", school.clone(), Role::Principal),
            ("inspector", "检查员", school.clone(), Role::Inspector),
            ("officer", "安全员", UnitId::new(format!("{school}/security"))?, Role::SafetyOfficer),
        ];
        for (key, title, unit, role) in staff {
            org.add_person(Person::new(person(i, key)?, title, unit).with_role(role))?;
        }
    }
    Ok(org)
}

/// One simulated hazard: where, what, and how its story goes.
#[derive(Clone, Debug)]
struct Case {
    school: usize,
    category: usize,
    found: DateTime<Utc>,
    grade: Grade,
    /// Working days from discovery to the claimed fix; `None` if it is never fixed this month.
    fixed_after: Option<i32>,
    /// Whether the first acceptance check fails (返工).
    rework: bool,
    /// Whether the finding is still waiting for registration.
    unregistered: bool,
}

/// Draws the cases: 2–9 per school, found on working days of 3–24 March 2025.
fn draw_cases(calendar: &Calendar) -> Result<Vec<Case>> {
    let first = NaiveDate::from_ymd_opt(2025, 3, 3).ok_or("date")?;
    let last = NaiveDate::from_ymd_opt(2025, 3, 24).ok_or("date")?;
    let days: Vec<NaiveDate> = first
        .iter_days()
        .take_while(|d| *d <= last)
        .filter(|d| calendar.is_working_day(*d))
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut cases = Vec::new();
    for school in 0..SCHOOLS {
        for _ in 0..rng.random_range(2..=9) {
            let day = days[rng.random_range(0..days.len())];
            let minute = rng.random_range(0..7 * 60); // 08:30 to 15:30
            let at = day.and_time(NaiveTime::from_hms_opt(8, 30, 0).ok_or("time")?)
                + Duration::minutes(minute);
            let found = Shanghai.from_local_datetime(&at).single().ok_or("time")?;
            cases.push(Case {
                school,
                category: rng.random_range(0..CATEGORIES.len()),
                found: found.with_timezone(&Utc),
                grade: if rng.random_bool(0.05) { Grade::Major } else { Grade::General },
                fixed_after: rng.random_bool(0.85).then(|| rng.random_range(1..=8)),
                rework: rng.random_bool(0.1),
                unregistered: rng.random_bool(0.04),
            });
        }
    }
    Ok(cases)
}

/// One command of one case, at a time.
struct Action {
    at: DateTime<Utc>,
    case: usize,
    who: PersonId,
    command: Command,
}

/// A photo of the fix; the host keeps the file, the record its address and SHA-256.
fn photo(case: usize) -> Evidence {
    Evidence {
        uri: format!("https://files.example.edu.cn/rollup/{case}.jpg"),
        sha256: format!("{:02x}", case % 256).repeat(32),
        media_type: "image/jpeg".into(),
    }
}

/// The commands of a case in order, each with its time and actor.
fn script(n: usize, case: &Case, calendar: &Calendar) -> Result<Vec<Action>> {
    let (code, dept, title, location) = CATEGORIES[case.category];
    let s = case.school;
    let head = person(s, dept)?;
    let hour = |h: i64| case.found + Duration::hours(h);
    // A working-day offset from discovery, at 15:00 local time.
    let day = |wd: i32| -> Result<DateTime<Utc>> {
        let date = calendar.local_date(calendar.add_working_days(case.found, wd));
        let at = date.and_time(NaiveTime::from_hms_opt(15, 0, 0).ok_or("time")?);
        Ok(Shanghai.from_local_datetime(&at).single().ok_or("time")?.with_timezone(&Utc))
    };
    let act = |at, who: &PersonId, command| Action { at, case: n, who: who.clone(), command };
    let discover = Command::from(Discover {
        unit: school_id(s)?,
        location: location.into(),
        category: Some(code.parse()?),
        title: title.into(),
        description: format!("{location}：{title}"),
        source: Source::DailyPatrol,
        discovered_at: None,
        evidence: vec![],
        campaign: None,
    });
    let mut out = vec![act(case.found, &person(s, "inspector")?, discover)];
    if case.unregistered {
        return Ok(out);
    }
    let major = case.grade == Grade::Major;
    let (l, e, c) = if major { (6.0, 6.0, 15.0) } else { (3.0, 3.0, 3.0) };
    let register = Command::from(Register {
        grade: Some(case.grade),
        assessment: Method::Lec { l, e, c },
        category: code.parse::<Category>()?,
        responsible_unit: None, // routed to the category's lead department
        assignee: head.clone(),
        deadline: None, // the policy's: 5 working days (general), 20 (major, until the plan)
        fixable_at_once: !major,
        campaign: None,
    });
    let officer = person(s, "officer")?;
    out.push(act(hour(1), &officer, register));
    let report = Command::Report { to_bureau: major, written: major, reference: None };
    out.push(act(hour(2), &officer, report));
    let (starter, start) = if major {
        (person(s, "principal")?, major_start(day(20)?))
    } else {
        let plan = Plan::General(FourImplementations {
            responsible: head.clone(),
            measures: format!("{title}：立即维修或更换"),
            deadline: calendar.add_working_days(case.found, 5),
            contingency: "整改期间设置警示标志".into(),
        });
        (head.clone(), Command::StartTreatment { plan: Box::new(plan), interim: None })
    };
    out.push(act(hour(3), &starter, start));
    let Some(fixed) = case.fixed_after else { return Ok(out) };
    let complete = || Command::Complete { summary: "已整改".into(), evidence: vec![photo(n)] };
    out.push(act(day(fixed)?, &head, complete()));
    let inspector = person(s, "inspector")?;
    let mut checked = fixed + 1;
    if case.rework {
        let fail = Command::Fail { reason: "整改不彻底，需返工".into() };
        out.push(act(day(checked)?, &inspector, fail));
        out.push(act(day(checked + 1)?, &head, complete()));
        checked += 2;
    }
    out.push(act(day(checked)?, &inspector, Command::Pass { note: "复查合格".into() }));
    out.push(act(day(checked + 1)?, &officer, Command::Close { note: String::new() }));
    out.push(act(day(checked + 2)?, &officer, Command::Archive));
    Ok(out)
}

/// A major hazard's start: the principal's six-item plan and interim control.
fn major_start(deadline: DateTime<Utc>) -> Command {
    let plan = MajorPlan {
        objectives: "彻底消除隐患".into(),
        methods: "委托专业单位整改".into(),
        funds: "学校专项经费".into(),
        organisation: "校长牵头，责任部门实施".into(),
        schedule: "20个工作日内完成".into(),
        safety: "封闭现场，制定应急预案".into(),
        deadline,
    };
    let interim = Interim {
        measures: vec![InterimMeasure::Cordon, InterimMeasure::WarningSigns],
        note: "设置警戒区域".into(),
    };
    Command::StartTreatment { plan: Box::new(Plan::Major(Box::new(plan))), interim: Some(interim) }
}

/// Opens a fresh SQLite file (an old one is removed so reruns start clean) and the engine.
fn open_engine(org: &Org, clock: Arc<SetClock>) -> Result<Demo> {
    let path = Path::new("hazardloop-demo/city_rollup.db");
    std::fs::create_dir_all("hazardloop-demo")?;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let store = SqliteStore::open(path)?;
    store.migrate()?;
    Ok(Engine::new(store, Discard, clock, Policy::default()).with_org(org.clone()))
}

/// Runs the actions before `end` in time order, sweeping each working evening at 18:00 (so
/// overdue hazards escalate), and returns how many commands ran.
async fn simulate(
    engine: &Demo,
    clock: &SetClock,
    org: &Org,
    mut actions: Vec<Action>,
    end: DateTime<Utc>,
) -> Result<usize> {
    actions.retain(|a| a.at < end);
    let count = actions.len();
    // Stable: a case's actions at the same instant keep their order.
    actions.sort_by_key(|a| a.at);
    let mut ids: BTreeMap<usize, HazardId> = BTreeMap::new();
    let mut next_sweep =
        evening(engine.policy().calendar(), actions.first().map_or(end, |a| a.at))?;
    for action in actions {
        while next_sweep <= action.at {
            clock.set(next_sweep);
            engine.sweep().await?;
            next_sweep = evening(engine.policy().calendar(), next_sweep + Duration::hours(1))?;
        }
        clock.set(action.at);
        let actor = org.actor(&action.who).ok_or("not in the organisation")?;
        let request = match ids.get(&action.case) {
            Some(id) => Request::on(*id, action.command),
            None => Request::new(action.command),
        };
        let outcome = engine.execute(&actor, request).await?;
        ids.insert(action.case, outcome.hazard);
    }
    while next_sweep <= end {
        clock.set(next_sweep);
        engine.sweep().await?;
        next_sweep = evening(engine.policy().calendar(), next_sweep + Duration::hours(1))?;
    }
    clock.set(end);
    Ok(count)
}

/// 18:00 of the first working day at or after `at`'s local date (or the next, if past 18:00).
fn evening(calendar: &Calendar, at: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let mut date = calendar.next_working_day(calendar.local_date(at));
    loop {
        let six = date.and_time(NaiveTime::from_hms_opt(18, 0, 0).ok_or("time")?);
        let six = Shanghai.from_local_datetime(&six).single().ok_or("time")?.with_timezone(&Utc);
        if six >= at {
            return Ok(six);
        }
        date = calendar.next_working_day(date.succ_opt().ok_or("date")?);
    }
}

/// Display width: a Chinese character takes two columns.
fn width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// Prints rows as a table: the first column left-aligned, the others right-aligned.
fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                let fill = " ".repeat(w.saturating_sub(width(cell)));
                if i == 0 {
                    format!("{cell}{fill}")
                } else {
                    format!("{fill}{cell}")
                }
            })
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

const HEADER: [&str; 9] =
    ["", "发现", "重大", "已整改", "按期", "未销号", "逾期", "返工", "整改率"];

/// One line of figures: the columns of `HEADER` after the first.
fn figures(label: String, s: &Stats) -> Vec<String> {
    let rate = s.rectification_rate.map_or_else(|| "-".into(), |r| format!("{:.1}%", r * 100.0));
    let counts =
        [s.discovered, s.major, s.rectified, s.rectified_on_time, s.open, s.overdue, s.reworks];
    std::iter::once(label).chain(counts.iter().map(usize::to_string)).chain([rate]).collect()
}

/// The table per school, per category, and the bureau's total.
fn print_statistics(table: &StatsTable, policy: &Policy, period: &Period) -> Result<()> {
    println!("{}隐患问题统计表（按学校）", period.label(Lang::Zh));
    let mut header = HEADER;
    header[0] = "学校";
    let schools: Vec<Vec<String>> = table
        .rows()
        .filter(|u| u.kind == Some(UnitKind::School))
        .map(|u| figures(u.name.clone(), &u.total))
        .collect();
    print_table(&header, &schools);

    println!("\n按类别");
    header[0] = "类别";
    let categories: Vec<Vec<String>> = table
        .categories
        .iter()
        .map(|c| {
            let name = c.category.as_ref().and_then(|c| policy.matrix().name(c, Lang::Zh));
            figures(name.unwrap_or("未分类").to_owned(), &c.stats)
        })
        .collect();
    print_table(&header, &categories);

    // The bureau's line is the roll-up of its schools; it must equal the grand total.
    let bureau = table.unit(&UnitId::new("bureau")?).ok_or("no bureau line")?;
    if bureau.total != table.total {
        return Err("the bureau's roll-up differs from the grand total".into());
    }
    println!("\n全市合计");
    header[0] = "";
    print_table(&header, &[figures(bureau.name.clone(), &bureau.total)]);
    let escalations: Vec<String> = bureau
        .total
        .escalations
        .iter()
        .map(|(action, n)| format!("{} {n}", action.name(Lang::Zh)))
        .collect();
    println!("督办升级：{}", escalations.join("，"));
    let on_time = bureau.total.on_time_rate.map_or("-".into(), |r| format!("{:.1}%", r * 100.0));
    let median = bureau.total.median_days_to_rectify.map_or("-".into(), |d| format!("{d:.1} 天"));
    println!("按期整改率：{on_time}；发现到验收合格的中位时长：{median}");
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let tenant = TenantId::new("city")?;
    let org = organisation(&tenant)?;
    let policy = Policy::default();
    let period = Period::month(2025, 3)?;
    let (start, end) = period.bounds(policy.calendar());
    let clock = Arc::new(SetClock::new(start));
    let engine = open_engine(&org, clock.clone())?;
    // Saved with the data, so `hazardloop --db hazardloop-demo/city_rollup.db --tenant city list` opens this file.
    engine.save_documents(&tenant).await?;

    let cases = draw_cases(policy.calendar())?;
    let mut actions = Vec::new();
    for (n, case) in cases.iter().enumerate() {
        actions.extend(script(n, case, policy.calendar())?);
    }
    // Commands that would fall after the month are left out: those hazards stay open.
    let ran = simulate(&engine, &clock, &org, actions, end - Duration::seconds(1)).await?;
    println!(
        "{SCHOOLS} 所学校，{} 条隐患，本月执行 {ran} 条命令（随机种子 {SEED}）\n",
        cases.len()
    );

    // Every school and category, rolled up the tree; each stored row stands as it is now.
    let table = engine.statistics(org.tenant(), &period).await?;
    print_statistics(&table, &policy, &period)?;
    println!("数据库：{}", engine.store().path().display());
    Ok(())
}
