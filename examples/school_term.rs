//! A school term (一个学期), the main demo: a school lives through a 20-week autumn term on
//! simulated time and the real mainland-China calendar (Monday 2025-09-01 on, National Day and its
//! adjusted working weekends included).
//!
//! - 排查: inspection plans on the shipped checklists (seed 004 七(四), seed 002): a daily patrol
//!   by the inspector, a concentrated check on the first working day of every half month by the
//!   safety office, and a monthly check by the deputy on the month's last working day. A failed
//!   checklist item becomes a hazard in the same commit as the completion (seeded random, from a
//!   catalogue in the policy's categories). Now and then a patrol is done a day late, or
//!   forgotten (漏检): the evening sweep marks it missed and walks the inspection ladder. A
//!   teacher reports the occasional hazard directly.
//! - 登记 / 报告 / 治理: the safety officer registers and reports them the same day; each goes to
//!   its category's lead department (the seed 001 preset's routing), whose worker fixes it within
//!   the week (日检查、周整改、月汇总).
//! - 验收 / 销号 / 备案存档: an inspector checks the work (some checks fail and the work is
//!   redone), the safety office closes the entry and files the closed records every week and at
//!   month end.
//! - Some rectifiers miss the deadline: the engine's sweep, run every simulated evening, walks
//!   those hazards up the escalation ladder, and the dispatcher delivers the notices to a notifier
//!   that counts them.
//! - One major hazard (重大事故隐患) is reported to the bureau in writing, put under supervision
//!   (挂牌督办), treated under the principal's six-item plan with interim control, extended once,
//!   and closed by the bureau (核销).
//! - Each month ends with a one-line summary from the statistics table (隐患问题统计表).
//!
//! It writes the SQLite database, the ledger (台账) as XLSX and an HTML summary per month
//! (`school_term.db`, `school_term-ledger.xlsx`, `school_term-summary-YYYY-MM.html`) into
//! `./hazardloop-demo/` (the old demo database is deleted first). The same seed prints the same
//! output. Time comes from [`SetClock`], a [`Clock`] the simulation sets: that is how a host runs
//! the engine on any time it likes.
//!
//! ```text
//! cargo run --example school_term
//! cargo run --example school_term -- --weeks 3 --seed 7 --out /tmp/hazardloop-demo
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use hazardloop::calendar::Calendar;
use hazardloop::clock::{Clock, SetClock};
use hazardloop::deadline::ClockKind;
use hazardloop::engine::{Engine, Request};
use hazardloop::export::{ledger_xlsx, monthly_html_with, InspectionSummary};
use hazardloop::inspection::{
    self as inspect, Answer, Cadence, InspectionCommand, InspectionPlan, Inspector,
    OccurrenceQuery, Plans, Response, ResponseKind, Status, Template, TemplateRef, Window,
};
use hazardloop::model::{Category, TenantId, UnitId};
use hazardloop::model::{Evidence, Grade, HazardId, Lang, Method, Named, PersonId, Source};
use hazardloop::notify::{BoxFuture, Delivery, DeliveryError, NoticeKind, Notifier};
use hazardloop::org::{Org, Person, Preset, Role};
use hazardloop::policy::Policy;
use hazardloop::report::{CellContext, LedgerFilter, LedgerRow, Page, Period};
use hazardloop::sqlite::SqliteStore;
use hazardloop::workflow::{Command, Discover, FourImplementations, Interim, InterimMeasure};
use hazardloop::workflow::{MajorPlan, Plan, Register, Step};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

const USAGE: &str =
    "usage: school_term [--weeks N (20)] [--seed N (2025)] [--out DIR (hazardloop-demo)]";

/// The people (key, name, unit, role). Workers hold no role: they act on what is assigned to them.
const PEOPLE: [(&str, &str, &str, Option<Role>); 12] = [
    ("wang", "王校长", "school", Some(Role::Principal)),
    ("li", "李副校长", "school", Some(Role::SafetyDeputy)),
    ("zhang", "张安全员", "school/security", Some(Role::SafetyOfficer)),
    ("zhou", "周检查员", "school", Some(Role::Inspector)),
    ("zhao", "赵处长", "school/security", Some(Role::DepartmentHead)),
    ("qian", "钱处长", "school/logistics", Some(Role::DepartmentHead)),
    ("wu", "吴处长", "school/academic", Some(Role::DepartmentHead)),
    ("chen", "陈师傅", "school/security", None),
    ("sun", "孙师傅", "school/logistics", None),
    ("liu", "刘师傅", "school/logistics", None),
    ("he", "何老师", "school/academic", None),
    ("zheng", "郑科长", "bureau", Some(Role::BureauOfficer)),
];
const PRINCIPAL: &str = "wang";
const DEPUTY: &str = "li";
const OFFICER: &str = "zhang";
const INSPECTOR: &str = "zhou";
const LOGISTICS_HEAD: &str = "qian";
const BUREAU: &str = "zheng";

/// A kind of finding: a category of the policy's matrix, where, what, an LEC score and the fix.
struct Finding {
    category: &'static str,
    location: &'static str,
    title: &'static str,
    description: &'static str,
    lec: [f64; 3],
    fix: &'static str,
}

const fn finding(
    category: &'static str,
    location: &'static str,
    title: &'static str,
    description: &'static str,
    lec: [f64; 3],
    fix: &'static str,
) -> Finding {
    Finding { category, location, title, description, lec, fix }
}

/// What the inspectors find. Every LEC score stays below red, so these are general hazards.
#[rustfmt::skip]
static FINDINGS: &[Finding] = &[
    finding("fire", "教学楼三楼东侧消防通道", "消防通道堆放杂物", "通道内堆放废旧课桌椅和纸箱，占用约一半疏散宽度", [3.0, 6.0, 7.0], "清理杂物并张贴禁止堆放标识"),
    finding("fire", "学生宿舍2号楼二楼走廊", "灭火器压力不足", "两具干粉灭火器压力指针处于红区", [3.0, 6.0, 3.0], "更换灭火器并补登巡检记录"),
    finding("fire", "图书馆一楼大厅", "应急照明灯不亮", "安全出口上方应急照明灯断电测试不亮", [1.0, 6.0, 7.0], "更换应急照明灯蓄电池"),
    finding("fire", "学生宿舍3号楼", "违规使用大功率电器", "宿舍内查出电热锅一只", [3.0, 3.0, 7.0], "收缴电器并开展宿舍用电安全教育"),
    finding("food_safety", "食堂操作间", "燃气软管老化", "灶台燃气软管老化开裂，超过使用年限未更换", [3.0, 6.0, 15.0], "更换燃气软管并加装燃气泄漏报警器"),
    finding("food_safety", "食堂后厨", "生熟食品未分开存放", "冷藏柜内生肉与熟食混放", [3.0, 6.0, 3.0], "分柜存放并张贴标识"),
    finding("food_safety", "食堂留样间", "留样记录不全", "部分餐次留样未登记重量和时间", [1.0, 6.0, 3.0], "补全留样记录并培训留样人员"),
    finding("food_safety", "食堂排烟系统", "排油烟管道油污积聚", "排烟罩及管道油污较厚，未按期清洗", [3.0, 3.0, 15.0], "委托专业单位清洗排烟管道"),
    finding("buildings_construction", "操场看台", "看台护栏松动", "东侧看台第三排护栏底座螺栓锈蚀松动", [3.0, 6.0, 7.0], "更换锈蚀螺栓并加固护栏"),
    finding("buildings_construction", "教学楼二楼东侧楼梯", "楼梯扶手松动", "两处扶手固定螺栓松动", [3.0, 6.0, 3.0], "更换螺栓并加装扶手托架"),
    finding("buildings_construction", "体育馆入口", "吊顶板脱落", "入口处两块吊顶板脱落", [1.0, 3.0, 15.0], "更换吊顶板并检查龙骨"),
    finding("buildings_construction", "学校西侧围墙", "围墙出现裂缝", "西侧围墙约3米长竖向裂缝", [1.0, 3.0, 15.0], "修补裂缝并设置沉降观测点"),
    finding("risk_control", "配电室", "配电室门未上锁", "配电室门未上锁，无人值守", [3.0, 3.0, 15.0], "加装门锁并落实钥匙专人保管"),
    finding("risk_control", "教学楼一楼走廊", "配电箱箱门损坏", "配电箱箱门损坏，线路外露", [3.0, 6.0, 7.0], "更换箱门并整理线路"),
    finding("lab_chemicals", "化学实验室危化品储存室", "危化品柜未双人双锁", "危化品柜仅一把锁，钥匙由一人保管", [3.0, 3.0, 15.0], "加装第二把锁，落实双人双锁管理"),
    finding("lab_chemicals", "化学实验室", "废液桶未标识", "两只废液桶未贴成分标签", [1.0, 6.0, 7.0], "粘贴废液成分标签并登记台账"),
    finding("lab_chemicals", "物理实验室", "气瓶未固定", "氮气瓶未使用固定链条", [1.0, 6.0, 15.0], "加装气瓶固定链条"),
    finding("traffic", "学校正门", "减速带损坏", "正门外减速带两处断裂", [3.0, 6.0, 3.0], "更换减速带"),
    finding("traffic", "校车停车场", "校车灭火器过期", "2号校车车载灭火器超过有效期", [1.0, 6.0, 7.0], "更换车载灭火器"),
    finding("public_order", "学校北门", "门禁闸机失灵", "北门人脸识别闸机失灵，外来人员可直接进入", [3.0, 6.0, 3.0], "维修闸机，维修期间安排专人值守"),
    finding("public_order", "门卫室", "监控摄像头故障", "门卫室两路监控画面无信号", [1.0, 6.0, 7.0], "更换摄像头并检查录像存储"),
];

const REWORK_REASONS: [&str; 4] = [
    "整改不彻底，现场复查仍存在问题",
    "未提供整改前后对比照片",
    "整改措施与方案不符",
    "复查时隐患再次出现",
];

/// What the notifier was asked to deliver.
#[derive(Debug, Default)]
struct Deliveries {
    count: usize,
    digests: usize,
    notices: BTreeMap<NoticeKind, usize>,
}

/// A notifier that sends nothing and counts everything: a stand-in for WeCom, email, ….
#[derive(Debug, Default)]
struct CountingNotifier(Mutex<Deliveries>);

impl Notifier for CountingNotifier {
    fn name(&self) -> &str {
        "count"
    }

    fn deliver<'a>(&'a self, d: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        let mut seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        seen.count += 1;
        seen.digests += usize::from(d.is_digest());
        for notice in &d.notices {
            *seen.notices.entry(notice.kind).or_default() += 1;
        }
        Box::pin(async { Ok(()) })
    }
}

/// Where a general hazard stands in the simulation's plans (the engine keeps the real record).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Found,
    Reported,
    Treating { done_on: NaiveDate },
    Treated { on: NaiveDate },
    Accepted,
    Closed,
}

/// A general hazard: what was found, who fixes it, and how many working days the fix takes.
#[derive(Clone, Copy)]
struct General {
    id: HazardId,
    finding: &'static Finding,
    assignee: &'static str,
    work_days: i32,
    phase: Phase,
}

/// A step of the major hazard's story: the day, who acts, the command, a line for the story.
struct Scheduled {
    on: NaiveDate,
    who: &'static str,
    command: Command,
    line: String,
}

/// The major hazard: a facade found after the rainstorm of `found`, and every step of its
/// treatment, each so many working days after that.
fn major_hazard(
    calendar: &Calendar,
    school: &UnitId,
    found: NaiveDate,
) -> Fallible<Vec<Scheduled>> {
    let day = |n| working_days_after(calendar, found, n);
    let (deadline, extended) = (calendar.end_of_day(day(21)), calendar.end_of_day(day(31)));
    let category = Category::new("buildings_construction")?;
    let discover = Command::from(Discover {
        unit: school.clone(),
        location: "教学楼B栋北侧外墙（四至六层）".into(),
        category: Some(category.clone()),
        title: "外墙瓷砖空鼓脱落".into(),
        description: "暴雨后检查发现北侧外墙大面积瓷砖空鼓，三块脱落坠至学生通道".into(),
        source: Source::SevereWeather,
        discovered_at: None,
        evidence: vec![photo(9001)],
        campaign: None,
    });
    let register = Command::from(Register {
        grade: None, // derived from the colour: D = 6 × 6 × 15 = 540 is red, so major
        assessment: Method::Lec { l: 6.0, e: 6.0, c: 15.0 },
        category,
        responsible_unit: None, // the lead department: 后勤管理处
        assignee: PersonId::new(LOGISTICS_HEAD)?,
        deadline: None,
        fixable_at_once: false,
        campaign: None,
    });
    // The six items of a major hazard's plan (16号令第十五条), and interim control meanwhile.
    let plan = Plan::Major(Box::new(MajorPlan {
        objectives: "消除教学楼B栋北侧外墙瓷砖脱落隐患".into(),
        methods: "委托有资质单位搭设脚手架，铲除空鼓瓷砖，外墙改做真石漆".into(),
        funds: "专项经费28万元，由后勤管理处落实材料和施工单位".into(),
        organisation: "校长牵头，后勤管理处组织施工，安全保卫处现场监督".into(),
        schedule: "21个工作日内完工，完工后报区教育局核销".into(),
        safety: "施工区域全封闭，学生改走南侧通道；制定高处坠物应急预案".into(),
        deadline,
    }));
    let interim = Some(Interim {
        measures: vec![
            InterimMeasure::Cordon,
            InterimMeasure::WarningSigns,
            InterimMeasure::WithdrawPeople,
        ],
        note: "北侧外墙下方10米范围拉设警戒线、设置警示标志，学生改走南侧通道".into(),
    });
    let treat = Command::StartTreatment { plan: Box::new(plan), interim };
    let progress = |percent| Command::RecordProgress {
        note: format!("外墙整治施工完成约{percent}%"),
        percent: Some(percent),
        evidence: vec![],
    };
    let report = Command::Report {
        to_bureau: true,
        written: true,
        reference: Some("一中安〔2025〕17号".into()),
    };
    let supervise = Command::Supervise { reference: Some("区教安督〔2025〕3号".into()) };
    let reason = "国庆假期后连续降雨，外墙无法施工".into();
    let extend = Command::RequestExtension { new_deadline: extended, reason };
    let grant = Command::GrantExtension { note: "同意延期，警戒措施不得撤除".into() };
    let summary = "空鼓瓷砖已全部铲除，外墙改做真石漆".into();
    let complete = Command::Complete { summary, evidence: vec![photo(9002)] };
    let pass = Command::Pass { note: "学校验收合格，报请区教育局核销".into() };
    let close = Command::Close { note: "现场核查合格，同意核销".into() };
    let (due, extended) = (calendar.local_date(deadline), calendar.local_date(extended));
    let steps: Vec<(i32, &str, Command, String)> = vec![
        (0, DEPUTY, discover, "暴雨后检查：教学楼B栋北侧外墙瓷砖空鼓脱落".into()),
        (0, OFFICER, register, "LEC D=540 红色，判定为重大事故隐患".into()),
        (0, OFFICER, report, "书面报告区教育局（一中安〔2025〕17号）".into()),
        (0, BUREAU, supervise, "区教育局挂牌督办（区教安督〔2025〕3号）".into()),
        (1, PRINCIPAL, treat, format!("校长签批六项治理方案，临时管控，期限 {due}")),
        (6, LOGISTICS_HEAD, progress(30), "施工完成约30%".into()),
        (13, LOGISTICS_HEAD, progress(60), "施工完成约60%".into()),
        (18, LOGISTICS_HEAD, extend, format!("因连续降雨申请延期至 {extended}")),
        (19, DEPUTY, grant, "分管副校长批准延期".into()),
        (25, LOGISTICS_HEAD, progress(90), "施工完成约90%".into()),
        (29, LOGISTICS_HEAD, complete, "整改完成，申请验收".into()),
        (30, INSPECTOR, pass, "学校验收合格".into()),
        (33, BUREAU, close, "区教育局现场核查，核销".into()),
    ];
    Ok(steps
        .into_iter()
        .map(|(n, who, command, line)| Scheduled { on: day(n), who, command, line })
        .collect())
}

/// The local date `n` working days after the working day `date`.
fn working_days_after(calendar: &Calendar, date: NaiveDate, n: i32) -> NaiveDate {
    calendar.local_date(calendar.add_working_days(calendar.end_of_day(date), n))
}

/// A photo as evidence: where the host keeps it and its SHA-256 (made up here).
fn photo(n: u64) -> Evidence {
    Evidence {
        uri: format!("https://files.example.edu.cn/demo/{n:05}.jpg"),
        sha256: format!("{n:064x}"),
        media_type: "image/jpeg".into(),
    }
}

/// The simulation: the engine and its clock, the school, and what the simulation keeps track of.
struct Term {
    engine: Engine<SqliteStore, Arc<CountingNotifier>>,
    clock: Arc<SetClock>,
    notifier: Arc<CountingNotifier>,
    tenant: TenantId,
    school: UnitId,
    org: Org,
    calendar: Calendar,
    rng: ChaCha8Rng,
    first: NaiveDate,
    last: NaiveDate,
    out: PathBuf,
    hazards: Vec<General>,
    major: Vec<Scheduled>,
    major_id: Option<HazardId>,
    story: Vec<String>,
    to_archive: Vec<HazardId>,
    steps: BTreeMap<Step, usize>,
    photos: u64,
    files: Vec<String>,
    templates: Vec<Template>,
    from_findings: usize,
    reported: usize,
}

impl Term {
    /// The school (seed 001 preset, 专项整治重点), a fresh SQLite database, and the engine.
    fn open(weeks: i64, seed: u64, out: PathBuf) -> Fallible<Term> {
        let tenant = TenantId::new("demo")?;
        let school = UnitId::new("school")?;
        let bureau = (UnitId::new("bureau")?, "区教育局");
        let mut org =
            Preset::FocusAreas.school_org(tenant.clone(), bureau, (school.clone(), "第一中学"))?;
        for (key, name, unit, role) in PEOPLE {
            let person = Person::new(PersonId::new(key)?, name, UnitId::new(unit)?);
            org.add_person(match role {
                Some(role) => person.with_role(role),
                None => person,
            })?;
        }

        // A clean database each run; the schema is applied by an explicit call (the host's choice).
        std::fs::create_dir_all(&out)?;
        let db = out.join("school_term.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        let store = SqliteStore::open(&db)?;
        store.migrate()?;

        let policy = Policy::default(); // DOMAIN.md's numbers, the China calendar, seed 001 matrix
        let calendar = policy.calendar().clone();
        let first = NaiveDate::from_ymd_opt(2025, 9, 1).ok_or("date")?;
        let clock = Arc::new(SetClock::new(calendar.end_of_day(first)));
        let notifier = Arc::new(CountingNotifier::default());
        let engine =
            Engine::new(store, notifier.clone(), clock.clone(), policy).with_org(org.clone());
        // The major hazard is found after the rainstorm of the second week.
        let major = major_hazard(&calendar, &school, first + Duration::days(9))?;
        Ok(Term {
            engine,
            clock,
            notifier,
            tenant,
            school,
            org,
            calendar,
            rng: ChaCha8Rng::seed_from_u64(seed),
            first,
            last: first + Duration::days(weeks * 7 - 1),
            out,
            hazards: Vec::new(),
            major,
            major_id: None,
            story: Vec::new(),
            to_archive: Vec::new(),
            steps: BTreeMap::new(),
            photos: 0,
            files: vec!["school_term.db".into()],
            templates: Vec::new(),
            from_findings: 0,
            reported: 0,
        })
    }

    /// Sets the simulated clock to `hour:minute` local time on `date`.
    fn set_time(&self, date: NaiveDate, hour: u32, minute: u32) -> Fallible<()> {
        let local = date.and_hms_opt(hour, minute, 0).ok_or("time")?;
        let at = self.calendar.time_zone().from_local_datetime(&local).single().ok_or("time")?;
        self.clock.set(at.with_timezone(&Utc));
        Ok(())
    }

    /// `who` gives `command` (on `hazard`, or creating one). The host authenticates people; the
    /// organisation gives each their roles and scope, and the engine checks them.
    async fn act(
        &mut self,
        who: &str,
        hazard: Option<HazardId>,
        command: Command,
    ) -> Fallible<HazardId> {
        let step = command.step();
        let actor = self.org.actor(&PersonId::new(who)?).ok_or("unknown person")?;
        let request = match hazard {
            Some(id) => Request::on(id, command),
            None => Request::new(command),
        };
        let outcome = self.engine.execute(&actor, request).await.map_err(|e| {
            format!("{who} may not {} ({}): {e}", step.name(Lang::Zh), step.name(Lang::En))
        })?;
        *self.steps.entry(step).or_default() += 1;
        self.clock.set(self.clock.now() + Duration::minutes(1)); // each command takes a minute
        Ok(outcome.hazard)
    }

    /// The general hazards whose phase `pick` accepts, with their index.
    fn picked(&self, pick: impl Fn(Phase) -> bool) -> Vec<(usize, General)> {
        self.hazards.iter().copied().enumerate().filter(|(_, h)| pick(h.phase)).collect()
    }

    /// Whether `date` is the last working day of its week or month (`period` names it).
    fn is_last_working_day(&self, date: NaiveDate, period: impl Fn(NaiveDate) -> u32) -> bool {
        let next = date.succ_opt().map(|d| self.calendar.next_working_day(d));
        self.calendar.is_working_day(date) && next.is_some_and(|n| period(n) != period(date))
    }

    /// One simulated day: the school's work on working days, the sweep and dispatch every evening.
    async fn day(&mut self, date: NaiveDate) -> Fallible<()> {
        if self.calendar.is_working_day(date) {
            self.set_time(date, 8, 30)?;
            self.inspections(date).await?;
            self.set_time(date, 9, 30)?;
            self.acceptance_checks(date).await?;
            self.set_time(date, 10, 0)?;
            self.register_and_report().await?;
            self.set_time(date, 11, 0)?;
            self.start_treatment(date).await?;
            self.set_time(date, 13, 30)?;
            self.major_story(date).await?;
            self.set_time(date, 15, 0)?;
            self.close_accepted().await?;
            self.set_time(date, 16, 0)?;
            self.completions(date).await?;
            // Filed weekly, and at month end as the policy's archive clock asks.
            let week_end = self.is_last_working_day(date, |d| d.iso_week().week());
            if week_end || self.is_last_working_day(date, |d| d.month()) {
                self.set_time(date, 16, 30)?;
                self.archive().await?;
            }
        }
        // Every evening, holidays too: fire the escalation rungs that are due, deliver the notices.
        self.set_time(date, 18, 0)?;
        self.engine.sweep().await?;
        self.engine.sweep_inspections().await?;
        self.engine.dispatch().await?;
        if date.succ_opt().is_some_and(|d| d.month() != date.month()) || date == self.last {
            self.month_summary(date).await?;
        }
        Ok(())
    }

    /// The checklists (presets from the seeds) and the term's inspection plans, and every
    /// occurrence of the term generated up front (generating again would add nothing).
    async fn plan_inspections(&mut self) -> Fallible<()> {
        let matrix = self.engine.policy().matrix().clone();
        for code in ["daily_patrol", "half_monthly", "monthly_leadership"] {
            let template = inspect::preset(code, &matrix).ok_or("no preset")??;
            self.engine.import_template(&self.tenant, template.clone()).await?;
            self.templates.push(template);
        }
        let plan =
            |id: &str, title: &str, code: &str, who: &str, cadence| -> Fallible<InspectionPlan> {
                Ok(InspectionPlan {
                    id: id.into(),
                    title: title.into(),
                    template: TemplateRef { code: code.into(), version: 1 },
                    units: vec![self.school.clone()],
                    location: String::new(),
                    inspector: Inspector::Person(PersonId::new(who)?),
                    cadence,
                    window: Window::default(),
                    skip_vacations: false,
                    late_allowed: true,
                    start: self.first,
                    end: Some(self.last),
                    source: None,
                })
            };
        let plans = Plans {
            plans: vec![
                plan("daily", "每日安全巡查", "daily_patrol", INSPECTOR, Cadence::WorkingDay)?,
                plan(
                    "half-month",
                    "半月集中检查",
                    "half_monthly",
                    OFFICER,
                    Cadence::HalfMonth { day: Some(1) },
                )?,
                plan(
                    "monthly",
                    "校领导月检查",
                    "monthly_leadership",
                    DEPUTY,
                    Cadence::Month { day: None },
                )?,
            ],
        };
        self.engine.set_plans(&self.tenant, plans).await?;
        self.engine.generate(&self.tenant, self.first, self.last).await?;
        Ok(())
    }

    /// 排查: each inspector does what is due today: the daily patrol (now and then a day late,
    /// or forgotten), the half-monthly check, and the monthly check on the month's last working
    /// day. A teacher reports the occasional hazard directly.
    async fn inspections(&mut self, date: NaiveDate) -> Fallible<()> {
        let month_end = self.is_last_working_day(date, |d| d.month());
        for who in [INSPECTOR, OFFICER, DEPUTY] {
            let person = PersonId::new(who)?;
            for row in self.engine.due_for(&self.tenant, &person, date).await? {
                let late = row.due < self.clock.now();
                let (found, skip) = match row.plan.as_str() {
                    "daily" => (
                        [0, 0, 1, 1, 2][self.rng.random_range(0..5)],
                        if late { 0.5 } else { 0.04 },
                    ),
                    "half-month" => (self.rng.random_range(2..=4), 0.0),
                    _ if month_end || late => (self.rng.random_range(2..=3), 0.0),
                    _ => continue, // the monthly check waits for the month's last working day
                };
                if self.rng.random_bool(skip) {
                    continue;
                }
                self.inspect(who, &row.id, found).await?;
            }
        }
        if self.rng.random_bool(0.08) {
            // The safety office records what a teacher reports (举报/报告).
            self.discover(OFFICER, Source::Report).await?;
            self.reported += 1;
        }
        Ok(())
    }

    /// Performs one occurrence: `found` items fail (each matched to a finding of the
    /// catalogue in the item's category, with a photo and where it was seen); the rest pass.
    /// The engine raises a hazard per failed item in the completion's commit.
    async fn inspect(
        &mut self,
        who: &str,
        id: &inspect::OccurrenceId,
        found: usize,
    ) -> Fallible<()> {
        let occurrence = self.engine.occurrence(&self.tenant, id).await?.ok_or("occurrence")?;
        let template = self
            .templates
            .iter()
            .find(|t| t.reference() == occurrence.scheduled.template)
            .ok_or("template")?
            .clone();
        let mut failing: BTreeMap<String, &'static Finding> = BTreeMap::new();
        for _ in 0..found {
            let finding = &FINDINGS[self.rng.random_range(0..FINDINGS.len())];
            let item = template
                .items()
                .filter(|i| i.category.as_str() == finding.category && !failing.contains_key(&i.id))
                .filter(|i| matches!(i.response, ResponseKind::PassFail))
                .map(|i| i.id.clone())
                .next();
            if let Some(item) = item {
                failing.insert(item, finding);
            }
        }
        let mut answers = Vec::new();
        for item in template.items() {
            let failed = failing.get(&item.id);
            let response = match (&item.response, failed) {
                (_, Some(_)) => Response::Fail,
                (ResponseKind::PassFail, None) => Response::Pass,
                (ResponseKind::Number { min, max, pass_min, pass_max, .. }, None) => {
                    Response::Number((pass_min.unwrap_or(*min) + pass_max.unwrap_or(*max)) / 2.0)
                }
                (ResponseKind::Choice { options, failing }, None) => Response::Choice(
                    options.iter().find(|o| !failing.contains(*o)).cloned().unwrap_or_default(),
                ),
            };
            let mut answer = Answer {
                item: item.id.clone(),
                response,
                comment: String::new(),
                evidence: Vec::new(),
                location: None,
                fixed_on_the_spot: None,
            };
            if let Some(finding) = failed {
                self.photos += 1;
                answer.comment = finding.description.into();
                answer.location = Some(finding.location.into());
                answer.evidence = vec![photo(self.photos)];
            }
            answers.push(answer);
        }
        let actor = self.org.actor(&PersonId::new(who)?).ok_or("unknown person")?;
        let done = self.engine.inspect(&actor, id, InspectionCommand::Complete { answers }).await?;
        self.clock.set(self.clock.now() + Duration::minutes(1));
        for (item, hazard) in done.hazards {
            let finding = failing.get(&item).copied().ok_or("finding")?;
            self.track(hazard, finding);
            self.from_findings += 1;
            // Each finding is a discovery (排查), taken inside the completion's commit.
            *self.steps.entry(Step::Discover).or_default() += 1;
        }
        Ok(())
    }

    /// A teacher's report (举报/报告): discovered directly, without an inspection.
    async fn discover(&mut self, who: &str, source: Source) -> Fallible<()> {
        let finding = &FINDINGS[self.rng.random_range(0..FINDINGS.len())];
        self.photos += 1;
        let command = Command::from(Discover {
            unit: self.school.clone(),
            location: finding.location.into(),
            category: Some(finding.category.parse()?),
            title: finding.title.into(),
            description: finding.description.into(),
            source,
            discovered_at: None, // now
            evidence: vec![photo(self.photos)],
            campaign: None,
        });
        let id = self.act(who, None, command).await?;
        self.track(id, finding);
        Ok(())
    }

    /// Follows a new hazard: its category's lead department (the preset's routing) rectifies
    /// it, one of its workers; most fixes take a week at most, some rectifiers fall behind.
    fn track(&mut self, id: HazardId, finding: &'static Finding) {
        let late = self.rng.random_bool(0.18);
        let work_days = self.rng.random_range(if late { 6..=17 } else { 1..=5 });
        let category = finding.category.parse().ok();
        let lead = category
            .and_then(|c| self.engine.policy().matrix().lead_unit(&self.org, &self.school, &c));
        let workers: Vec<&'static str> = PEOPLE
            .iter()
            .filter(|p| p.3.is_none() && lead.as_ref().is_some_and(|unit| unit.as_str() == p.2))
            .map(|p| p.0)
            .collect();
        let assignee =
            workers.get(self.rng.random_range(0..workers.len().max(1))).copied().unwrap_or("sun");
        self.hazards.push(General { id, finding, assignee, work_days, phase: Phase::Found });
    }

    /// 登记 and 报告: the safety officer registers and reports the day's findings.
    async fn register_and_report(&mut self) -> Fallible<()> {
        for (i, h) in self.picked(|p| p == Phase::Found) {
            let [l, e, c] = h.finding.lec;
            let register = Register {
                grade: Some(Grade::General),
                assessment: Method::Lec { l, e, c },
                category: h.finding.category.parse()?,
                responsible_unit: None, // the category's lead department
                assignee: PersonId::new(h.assignee)?,
                deadline: None, // the policy's: 5 working days
                fixable_at_once: true,
                campaign: None,
            };
            self.act(OFFICER, Some(h.id), Command::from(register)).await?;
            let report = Command::Report { to_bureau: false, written: false, reference: None };
            self.act(OFFICER, Some(h.id), report).await?;
            self.hazards[i].phase = Phase::Reported;
        }
        Ok(())
    }

    /// 治理: each assignee starts work under the four implementations (四落实).
    async fn start_treatment(&mut self, date: NaiveDate) -> Fallible<()> {
        for (i, h) in self.picked(|p| p == Phase::Reported) {
            let view = self.engine.hazard(&self.tenant, h.id).await?;
            let deadline = view.hazard.clocks.get(ClockKind::Rectify).ok_or("no deadline")?;
            let plan = Plan::General(FourImplementations {
                responsible: PersonId::new(h.assignee)?,
                measures: h.finding.fix.into(),
                deadline,
                contingency: "整改完成前设置警示标志，安排专人看护".into(),
            });
            self.act(
                h.assignee,
                Some(h.id),
                Command::StartTreatment { plan: Box::new(plan), interim: None },
            )
            .await?;
            let done_on = working_days_after(&self.calendar, date, h.work_days);
            self.hazards[i].phase = Phase::Treating { done_on };
        }
        Ok(())
    }

    /// 整改完成: work due today is reported done, with a photo.
    async fn completions(&mut self, date: NaiveDate) -> Fallible<()> {
        for (i, h) in self.picked(|p| matches!(p, Phase::Treating { done_on } if done_on <= date)) {
            self.photos += 1;
            let summary = format!("已{}", h.finding.fix);
            let command = Command::Complete { summary, evidence: vec![photo(self.photos)] };
            self.act(h.assignee, Some(h.id), command).await?;
            self.hazards[i].phase = Phase::Treated { on: date };
        }
        Ok(())
    }

    /// 验收: the inspector checks earlier days' work; some checks fail and the work goes back.
    async fn acceptance_checks(&mut self, date: NaiveDate) -> Fallible<()> {
        for (i, h) in self.picked(|p| matches!(p, Phase::Treated { on } if on < date)) {
            if self.rng.random_bool(0.15) {
                let reason = REWORK_REASONS[self.rng.random_range(0..REWORK_REASONS.len())];
                self.act(INSPECTOR, Some(h.id), Command::Fail { reason: reason.into() }).await?;
                let redo = self.rng.random_range(1..=3);
                let done_on = working_days_after(&self.calendar, date, redo);
                self.hazards[i].phase = Phase::Treating { done_on };
            } else {
                self.act(INSPECTOR, Some(h.id), Command::Pass { note: "复查合格".into() }).await?;
                self.hazards[i].phase = Phase::Accepted;
            }
        }
        Ok(())
    }

    /// 销号: the safety office closes the accepted hazards.
    async fn close_accepted(&mut self) -> Fallible<()> {
        for (i, h) in self.picked(|p| p == Phase::Accepted) {
            self.act(OFFICER, Some(h.id), Command::Close { note: String::new() }).await?;
            self.hazards[i].phase = Phase::Closed;
            self.to_archive.push(h.id);
        }
        Ok(())
    }

    /// 备案存档: the closed records are filed and sealed.
    async fn archive(&mut self) -> Fallible<()> {
        for id in std::mem::take(&mut self.to_archive) {
            self.act(OFFICER, Some(id), Command::Archive).await?;
            if self.major_id == Some(id) {
                self.engine.verify(&self.tenant, id).await?; // the hash chain is intact
                self.say(Step::Archive, "记录封存，哈希链校验通过");
            }
        }
        Ok(())
    }

    /// The major hazard's steps scheduled for `date`.
    async fn major_story(&mut self, date: NaiveDate) -> Fallible<()> {
        let (today, later) =
            std::mem::take(&mut self.major).into_iter().partition(|s| s.on == date);
        self.major = later;
        for Scheduled { who, command, line, .. } in today {
            let closes = matches!(command, Command::Close { .. });
            self.say(command.step(), &line);
            let id = self.act(who, self.major_id, command).await?;
            self.major_id = Some(id);
            if closes {
                self.to_archive.push(id);
            }
        }
        Ok(())
    }

    /// Notes a line of the major hazard's story (printed at the end).
    fn say(&mut self, step: Step, text: &str) {
        let date = self.calendar.local_date(self.clock.now()).format("%m-%d");
        let step = format!("{} {}", step.name(Lang::Zh), step.name(Lang::En));
        self.story.push(format!("  {date}  {} {text}", pad(&step, 28)));
    }

    /// Every ledger row, page by page.
    async fn ledger(&self) -> Fallible<Vec<LedgerRow>> {
        let size = self.engine.policy().limits().page_size;
        let mut rows = Vec::new();
        loop {
            let page = Page::new(rows.len(), size);
            let page = self.engine.ledger(&self.tenant, &LedgerFilter::default(), page).await?;
            let n = page.rows.len();
            rows.extend(page.rows);
            if n < size {
                return Ok(rows);
            }
        }
    }

    /// 月汇总: one line from the month's statistics table, and the month's HTML summary.
    async fn month_summary(&mut self, date: NaiveDate) -> Fallible<()> {
        let period = Period::month_of(date);
        let table = self.engine.statistics(&self.tenant, &period).await?;
        let s = &table.total;
        let mut label = period.label(Lang::Zh);
        if date < period.last_day() {
            label += &format!("（至{}日）", date.day());
        }
        println!(
            "  {} 发现 {:>3}  整改 {:>3}  返工 {:>2}  督办 {:>3}  月末逾期 {:>2}  整改率 {:>6}  按期率 {:>6}",
            pad(&label, 20),
            s.discovered,
            s.rectified,
            s.reworks,
            s.escalations.values().sum::<usize>(),
            s.overdue,
            percent(s.rectification_rate),
            percent(s.on_time_rate),
        );
        let rows = self.ledger().await?;
        let cx = CellContext::new(Lang::Zh, self.calendar.time_zone())
            .with_org(&self.org)
            .with_matrix(self.engine.policy().matrix());
        let bounds = period.bounds(&self.calendar);
        let query = OccurrenceQuery {
            due_from: Some(bounds.0),
            due_to: Some(bounds.1),
            ..OccurrenceQuery::default()
        };
        let occurrences = self.engine.occurrences(&self.tenant, &query).await?;
        let inspections =
            InspectionSummary::from_rows(&occurrences, &self.org, bounds, self.clock.now());
        let page =
            monthly_html_with(&rows, &table, &period, &self.calendar, &cx, Some(&inspections))?;
        let name = format!("school_term-summary-{}.html", period.first_day().format("%Y-%m"));
        std::fs::write(self.out.join(&name), page)?;
        self.files.push(name);
        Ok(())
    }

    /// The ledger as XLSX, and the term's summary.
    async fn finish(&mut self) -> Fallible<()> {
        let rows = self.ledger().await?;
        let cx = CellContext::new(Lang::Zh, self.calendar.time_zone())
            .with_org(&self.org)
            .with_matrix(self.engine.policy().matrix());
        std::fs::write(self.out.join("school_term-ledger.xlsx"), ledger_xlsx(&rows, &cx)?)?;
        self.files.push("school_term-ledger.xlsx".into());

        println!("\n重大隐患 the major hazard:");
        self.story.iter().for_each(|line| println!("{line}"));

        let term =
            self.engine.statistics(&self.tenant, &Period::custom(self.first, self.last)?).await?;
        let s = &term.total;
        let major = rows.iter().filter(|r| r.grade == Some(Grade::Major)).count();
        println!("\n== 学期汇总 term summary ==");
        println!(
            "隐患 hazards: {} (一般 general {}, 重大 major {major})",
            rows.len(),
            rows.len() - major
        );
        self.print_inspections().await?;
        println!("各环节 steps:");
        for (step, n) in Step::ALL.iter().filter_map(|s| Some((s, self.steps.get(s)?))) {
            println!("  {} {} {n:>4}", pad(step.name(Lang::Zh), 10), pad(step.name(Lang::En), 18));
        }
        let mut stages = BTreeMap::new();
        rows.iter().for_each(|row| *stages.entry(row.stage).or_default() += 1);
        println!("期末环节 stages at term end: {}", names(&stages));
        println!(
            "逾期 overdue: {} rectified late (逾期整改), {} still overdue at term end (期末仍逾期)",
            s.rectified - s.rectified_on_time,
            s.overdue
        );
        self.print_escalations().await?;
        let seen = self.notifier.0.lock().unwrap_or_else(PoisonError::into_inner);
        println!("通知 notifications: {} deliveries, {} of them digests", seen.count, seen.digests);
        println!("  {}", names(&seen.notices));
        println!(
            "整改率 rectification rate {} · 按期整改率 on-time rate {} · 返工 reworks {} · 延期 extensions {}",
            percent(s.rectification_rate),
            percent(s.on_time_rate),
            s.reworks,
            s.extensions,
        );
        println!("文件 files in {}: {}", self.out.display(), self.files.join(", "));
        Ok(())
    }

    /// 排查: the term's inspections as the statistics count them.
    async fn print_inspections(&self) -> Fallible<()> {
        let bounds = (
            self.calendar.end_of_day(self.first) - Duration::days(1),
            self.calendar.end_of_day(self.last) + Duration::hours(1),
        );
        let lines = self.engine.inspection_statistics(&self.tenant, bounds).await?;
        let t = lines.first().map(|l| l.tally.clone()).unwrap_or_default();
        let rows = self.engine.occurrences(&self.tenant, &OccurrenceQuery::default()).await?;
        let open = rows
            .iter()
            .filter(|r| {
                matches!(
                    r.status(self.clock.now()),
                    Status::Scheduled | Status::InProgress | Status::Overdue
                )
            })
            .count();
        println!(
            "检查 inspections: 应检 planned {} · 已检 completed {} (按时 on time {}, 逾期完成 late {}) · 漏检 missed {} · 未到期 open {open}",
            t.planned, t.completed, t.on_time, t.late, t.missed + t.excused
        );
        println!(
            "隐患来源 hazards from: 检查发现 inspection findings {} · 教师报告 teacher reports {}",
            self.from_findings, self.reported
        );
        Ok(())
    }

    /// 督办升级: the rungs fired, per rung of the ladder and per clock, from the hazards' records.
    async fn print_escalations(&self) -> Fallible<()> {
        let ladders = self.engine.policy().ladders();
        let mut by_rung: BTreeMap<(u16, String), usize> = BTreeMap::new();
        let mut by_clock: BTreeMap<ClockKind, usize> = BTreeMap::new();
        for id in self.hazards.iter().map(|h| h.id).chain(self.major_id) {
            let hazard = self.engine.hazard(&self.tenant, id).await?.hazard;
            let grade = hazard.stage.registration().map_or(Grade::General, |r| r.grade);
            for key in hazard.fired.keys() {
                let ladder = ladders.for_clock(key.clock, grade);
                let rung = ladder.and_then(|l| l.rungs.get(usize::from(key.rung))).ok_or("rung")?;
                let to: Vec<&str> = rung.to.iter().map(|r| r.name(Lang::Zh)).collect();
                let sign = if rung.offset.amount > 0 { "+" } else { "" };
                let (zh, en) = (rung.action.name(Lang::Zh), rung.action.name(Lang::En));
                let label = format!(
                    "{:>5} {zh} {en} → {}",
                    format!("{sign}{}", rung.offset),
                    to.join("、")
                );
                *by_rung.entry((key.rung, label)).or_default() += 1;
                *by_clock.entry(key.clock).or_default() += 1;
            }
        }
        println!("督办升级 escalations: {} rungs fired", by_rung.values().sum::<usize>());
        for ((_, label), n) in &by_rung {
            println!("  {} {n:>4}", pad(label, 60));
        }
        println!("  by clock: {}", names(&by_clock));
        Ok(())
    }
}

/// `中文 English n · …` for counts by something with names.
fn names<K: Named>(counts: &BTreeMap<K, usize>) -> String {
    let parts: Vec<String> = counts
        .iter()
        .map(|(k, n)| format!("{} {} {n}", k.name(Lang::Zh), k.name(Lang::En)))
        .collect();
    parts.join(" · ")
}

/// `text` padded with spaces to `width` terminal columns (CJK characters take two).
fn pad(text: &str, width: usize) -> String {
    let columns: usize = text.chars().map(|c| if c >= '\u{2e80}' { 2 } else { 1 }).sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(columns)))
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0))
}

/// `--weeks N` (default 20), `--seed N` (default 2025), `--out DIR` (default ./hazardloop-demo).
fn parse_args() -> Fallible<(i64, u64, PathBuf)> {
    let (mut weeks, mut seed, mut out) = (20, 2025, PathBuf::from("hazardloop-demo"));
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--weeks" => weeks = value()?.parse()?,
            "--seed" => seed = value()?.parse()?,
            "--out" => out = value()?.into(),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`").into()),
        }
    }
    if !(1..=52).contains(&weeks) {
        return Err("--weeks: 1 to 52 (the built-in holiday data ends with 2026)".into());
    }
    Ok((weeks, seed, out))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Fallible<()> {
    let (weeks, seed, out) = parse_args().unwrap_or_else(|e| {
        eprintln!("{e}\n{USAGE}");
        std::process::exit(2)
    });
    let mut term = Term::open(weeks, seed, out)?;
    // Saved with the data, so `hazardloop --db <out>/school_term.db --tenant demo list` opens it.
    term.engine.save_documents(term.org.tenant()).await?;
    term.plan_inspections().await?;
    println!("第一中学 · {} 至 {} · {weeks} 周 weeks · seed {seed}", term.first, term.last);
    println!(
        "组织 org: 专项整治重点 preset (seed 001), {} people; 默认策略 default policy",
        PEOPLE.len()
    );
    println!("\n月汇总 monthly: 发现 found · 整改 rectified · 返工 reworks · 督办 rungs fired · 月末逾期 overdue at month end");
    let mut date = term.first;
    while date <= term.last {
        term.day(date).await?;
        date = date.succ_opt().ok_or("date")?;
    }
    term.finish().await
}
