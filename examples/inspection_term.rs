//! A term of inspections (一个学期的安全检查): the spring term 2026 of a school with two grids,
//! run on the in-memory store and simulated time, on the real calendar (Qingming, Labour Day
//! and the Dragon Boat Festival with their adjusted working days).
//!
//! - Checklists: the shipped presets from the seeds (daily patrol, half-monthly concentrated
//!   check, monthly leadership check, term start / mid-term / term end, pre-holiday, and the
//!   fire-safety focus list of seed 001 三(七)).
//! - Plans: a daily patrol of each grid by its grid member (seed 004 七(四)), the safety
//!   office's half-monthly check, the deputy's monthly check (seed 002), checks in the first
//!   and last week of term and mid-term (seed 003 第十五条), two days before each public
//!   holiday, and a one-off fire-safety campaign.
//! - Every morning each inspector does what `due_for` lists; now and then one is late, and
//!   one is forgotten: the evening sweep marks it missed and walks the ladder (reminder,
//!   overdue to the head, safety office, principal). The safety office excuses some misses.
//! - A failed item becomes a hazard in the same commit as the completion.
//! - At the end: the inspection statistics table rolled up the school, and a weekly completion
//!   chart.
//!
//! ```text
//! cargo run --example inspection_term
//! cargo run --example inspection_term -- --seed 7
//! ```

use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use hazardloop::calendar::{CalendarConfig, Term};
use hazardloop::clock::{Clock, SetClock};
use hazardloop::engine::Engine;
use hazardloop::inspection::{
    preset, Answer, Cadence, InspectionCommand, InspectionPlan, Inspector, OccurrenceQuery, Plans,
    Response, ResponseKind, Status, Template, TemplateRef, Window,
};
use hazardloop::model::{Evidence, PersonId, TenantId, UnitId};
use hazardloop::notify::{BoxFuture, Delivery, DeliveryError, Notifier};
use hazardloop::org::{Org, Person, Preset, Role, Unit, UnitKind};
use hazardloop::policy::{Policy, PolicyDoc};
use hazardloop::store::MemoryStore;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

/// The people (key, name, unit, role).
const PEOPLE: [(&str, &str, &str, Role); 7] = [
    ("wang", "王校长", "school", Role::Principal),
    ("li", "李副校长", "school", Role::SafetyDeputy),
    ("zhang", "张安全员", "school/security", Role::SafetyOfficer),
    ("zhao", "赵处长", "school/security", Role::DepartmentHead),
    ("qian", "钱处长", "school/logistics", Role::DepartmentHead),
    ("sun", "孙老师", "school/g1", Role::GridMember),
    ("zhou", "周老师", "school/g2", Role::GridMember),
];

/// A notifier that sends nothing (a stand-in for WeCom or email).
#[derive(Debug, Default)]
struct Quiet;

impl Notifier for Quiet {
    fn name(&self) -> &str {
        "quiet"
    }
    fn deliver<'a>(&'a self, _: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(async { Ok(()) })
    }
}

fn date(m: u32, d: u32) -> Fallible<NaiveDate> {
    NaiveDate::from_ymd_opt(2026, m, d).ok_or_else(|| "date".into())
}

fn org(tenant: &TenantId) -> Fallible<Org> {
    let school = UnitId::new("school")?;
    let mut org = Preset::FocusAreas.school_org(
        tenant.clone(),
        (UnitId::new("bureau")?, "区教育局"),
        (school.clone(), "第一中学"),
    )?;
    org.add_unit(Unit::new(
        UnitId::new("school/g1")?,
        "教学区网格",
        UnitKind::Grid,
        Some(school.clone()),
    ))?;
    org.add_unit(Unit::new(UnitId::new("school/g2")?, "生活区网格", UnitKind::Grid, Some(school)))?;
    for (key, name, unit, role) in PEOPLE {
        org.add_person(Person::new(PersonId::new(key)?, name, UnitId::new(unit)?).with_role(role))?;
    }
    Ok(org)
}

/// The plans of the term: who, where, which checklist, how often.
fn plans(start: NaiveDate, end: NaiveDate) -> Fallible<Plans> {
    let plan = |id: &str,
                title: &str,
                code: &str,
                units: &[&str],
                who: Inspector,
                cadence: Cadence|
     -> Fallible<InspectionPlan> {
        Ok(InspectionPlan {
            id: id.into(),
            title: title.into(),
            template: TemplateRef { code: code.into(), version: 1 },
            units: units.iter().map(|u| UnitId::new(*u)).collect::<Result<_, _>>()?,
            location: String::new(),
            inspector: who,
            cadence,
            window: Window::default(),
            skip_vacations: true,
            late_allowed: true,
            start,
            end: Some(end),
            source: None,
        })
    };
    let officer = || Inspector::Person(PersonId::new("zhang").unwrap_or_else(|_| unreachable!()));
    let deputy = Inspector::Role(Role::SafetyDeputy);
    Ok(Plans {
        plans: vec![
            plan(
                "daily",
                "网格每日巡查",
                "daily_patrol",
                &["school/g1", "school/g2"],
                Inspector::Role(Role::GridMember),
                Cadence::WorkingDay,
            )?,
            plan(
                "half-month",
                "半月集中检查",
                "half_monthly",
                &["school"],
                officer(),
                Cadence::HalfMonth { day: None },
            )?,
            plan(
                "monthly",
                "校领导月检查",
                "monthly_leadership",
                &["school"],
                deputy.clone(),
                Cadence::Month { day: None },
            )?,
            plan(
                "term-start",
                "开学安全检查",
                "term_start",
                &["school"],
                officer(),
                Cadence::TermStart { days: 5 },
            )?,
            plan("mid-term", "期中安全检查", "mid_term", &["school"], deputy, Cadence::MidTerm)?,
            plan(
                "term-end",
                "期末安全检查",
                "term_end",
                &["school"],
                officer(),
                Cadence::TermEnd { days: 5 },
            )?,
            plan(
                "pre-holiday",
                "节前安全检查",
                "pre_holiday",
                &["school"],
                officer(),
                Cadence::BeforeHoliday { days: 2 },
            )?,
            plan(
                "fire-campaign",
                "消防安全专项检查",
                "focus_fire",
                &["school/g1", "school/g2"],
                officer(),
                Cadence::Once { from: date(4, 13)?, to: date(4, 24)? },
            )?,
        ],
    })
}

/// Answers for every item of `template`: mostly passing, each item failing with `p`.
fn answers(template: &Template, rng: &mut ChaCha8Rng, p: f64, photo: &mut u64) -> Vec<Answer> {
    template
        .items()
        .map(|item| {
            let fail = rng.random_bool(p);
            let response = match (&item.response, fail) {
                (ResponseKind::PassFail, false) => Response::Pass,
                (ResponseKind::PassFail, true) => Response::Fail,
                (ResponseKind::Number { min, max, pass_min, pass_max, .. }, fail) => {
                    let ok = (pass_min.unwrap_or(*min) + pass_max.unwrap_or(*max)) / 2.0;
                    Response::Number(if fail && pass_min.is_some() { *min } else { ok })
                }
                (ResponseKind::Choice { options, failing }, fail) => {
                    let pick =
                        options.iter().find(|o| failing.contains(*o) == fail).or(options.first());
                    Response::Choice(pick.cloned().unwrap_or_default())
                }
            };
            *photo += 1;
            Answer {
                item: item.id.clone(),
                response,
                comment: if fail {
                    "现场检查发现问题，已拍照记录".into()
                } else {
                    String::new()
                },
                evidence: if fail {
                    vec![Evidence {
                        uri: format!("https://files.example.edu.cn/inspections/{photo:05}.jpg"),
                        sha256: format!("{photo:064x}"),
                        media_type: "image/jpeg".into(),
                    }]
                } else {
                    Vec::new()
                },
                location: None,
                fixed_on_the_spot: None,
            }
        })
        .collect()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Fallible<()> {
    let seed = match std::env::args().skip_while(|a| a != "--seed").nth(1) {
        Some(s) => s.parse()?,
        None => 2026,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let tenant = TenantId::new("demo")?;
    let org = org(&tenant)?;
    let (first, last) = (date(3, 2)?, date(7, 10)?);
    let doc = PolicyDoc {
        calendar: CalendarConfig {
            terms: vec![Term {
                name: "2025-2026学年第二学期".into(), start: first, end: last
            }],
            ..CalendarConfig::default()
        },
        ..PolicyDoc::default()
    };
    let policy = Policy::from_doc(doc)?;
    let calendar = policy.calendar().clone();
    let clock = Arc::new(SetClock::new(calendar.end_of_day(first) - Duration::hours(10)));
    let engine = Engine::new(Arc::new(MemoryStore::new()), Quiet, clock.clone(), policy)
        .with_org(org.clone());

    let mut templates = Vec::new();
    for code in [
        "daily_patrol",
        "half_monthly",
        "monthly_leadership",
        "term_start",
        "mid_term",
        "term_end",
        "pre_holiday",
        "focus_fire",
    ] {
        let template = preset(code, engine.policy().matrix()).ok_or("no preset")??;
        engine.import_template(&tenant, template.clone()).await?;
        templates.push(template);
    }
    engine.set_plans(&tenant, plans(first, last)?).await?;
    let generated = engine.generate(&tenant, first, last).await?;
    println!("第一中学 · {first} 至 {last} · seed {seed}");
    println!(
        "检查计划 plans: {} · 生成检查任务 occurrences generated: {}",
        engine.plans(&tenant).await?.plans.len(),
        generated.created
    );

    let at = |d: NaiveDate, h: u32| -> Fallible<chrono::DateTime<Utc>> {
        let local = d.and_hms_opt(h, 0, 0).ok_or("time")?;
        Ok(calendar
            .time_zone()
            .from_local_datetime(&local)
            .single()
            .ok_or("time")?
            .with_timezone(&Utc))
    };
    let people: Vec<PersonId> =
        PEOPLE.iter().map(|p| PersonId::new(p.0)).collect::<Result<_, _>>()?;
    let (mut photo, mut hazards, mut excused) = (0u64, 0usize, 0usize);
    let mut considered = std::collections::BTreeSet::new();
    let mut d = first;
    while d <= last {
        if calendar.is_working_day(d) {
            clock.set(at(d, 9)?);
            for person in &people {
                let actor = org.actor(person).ok_or("actor")?;
                for row in engine.due_for(&tenant, person, d).await? {
                    let late = row.due < clock.now();
                    // Most are done on the day; some wait a day (late), and some of those are
                    // forgotten until the window closes (missed).
                    if rng.random_bool(if late { 0.4 } else { 0.05 }) {
                        continue;
                    }
                    let o = engine.occurrence(&tenant, &row.id).await?.ok_or("occurrence")?;
                    let template = templates
                        .iter()
                        .find(|t| t.reference() == o.scheduled.template)
                        .ok_or("template")?;
                    let answers = answers(template, &mut rng, 0.015, &mut photo);
                    let done = engine
                        .inspect(&actor, &row.id, InspectionCommand::Complete { answers })
                        .await?;
                    hazards += done.hazards.len();
                }
            }
            // The safety office looks at yesterday's misses and excuses some, with a reason.
            let officer = org.actor(&PersonId::new("zhang")?).ok_or("actor")?;
            let query = OccurrenceQuery { due_to: Some(clock.now()), ..OccurrenceQuery::default() };
            for row in engine.occurrences(&tenant, &query).await? {
                if row.status(clock.now()) == Status::Missed
                    && !row.excused
                    && considered.insert(row.id.clone())
                    && rng.random_bool(0.3)
                {
                    let reason = InspectionCommand::Excuse {
                        reason: "检查人因公外出，已安排补查".into(),
                    };
                    engine.inspect(&officer, &row.id, reason).await?;
                    excused += 1;
                }
            }
        }
        // Every evening: mark what was missed, walk the ladder, deliver.
        clock.set(at(d, 19)?);
        engine.sweep_inspections().await?;
        engine.dispatch().await?;
        d = d.succ_opt().ok_or("date")?;
    }

    let bounds = (
        calendar.end_of_day(first) - Duration::days(1),
        calendar.end_of_day(last) + Duration::hours(1),
    );
    let lines = engine.inspection_statistics(&tenant, bounds).await?;
    println!("\n检查统计 inspection statistics (应检 planned · 已检 completed · 按时 on time · 逾期完成 late · 漏检 missed · 免检 excused · 完成率 rate · 平均发现 findings/inspection)");
    for line in &lines {
        let t = &line.tally;
        let rate = t.completion_rate().map_or("—".into(), |r| format!("{:.1}%", r * 100.0));
        let per = t.findings_per_inspection().map_or("—".into(), |r| format!("{r:.2}"));
        println!(
            "  {} {:>4} {:>4} {:>4} {:>4} {:>4} {:>4} {:>7} {:>5}",
            pad(&format!("{}{}", "  ".repeat(line.depth), line.name), 16),
            t.planned,
            t.completed,
            t.on_time,
            t.late,
            t.missed,
            t.excused,
            rate,
            per
        );
    }
    let rows = engine.occurrences(&tenant, &OccurrenceQuery::default()).await?;
    println!("\n每周完成情况 weekly completion (█ completed, ░ not):");
    for (monday, t) in hazardloop::inspection::weekly(&rows, bounds, clock.now()) {
        let done = usize::try_from(t.completed).unwrap_or(0);
        let rest = usize::try_from(t.planned - t.completed).unwrap_or(0);
        println!(
            "  {} {}{} {}/{}",
            monday.format("%m-%d"),
            "█".repeat(done / 2),
            "░".repeat(rest.div_ceil(2)),
            t.completed,
            t.planned
        );
    }
    let total = lines.first().map(|l| l.tally.clone()).unwrap_or_default();
    println!(
        "\n合计 total: 应检 planned {} · 已检 completed {} (逾期完成 late {}) · 漏检 missed {} (其中核准免检 of which excused {}) · 检查发现隐患 hazards from findings {hazards}",
        total.planned, total.completed, total.late, total.missed + total.excused, total.excused,
    );
    assert_eq!(usize::try_from(total.excused)?, excused, "every excuse is counted");
    for id in rows.iter().take(50).map(|r| r.id.clone()) {
        engine.verify_occurrence(&tenant, &id).await?;
    }
    Ok(())
}

/// `text` padded with spaces to `width` terminal columns (CJK characters take two).
fn pad(text: &str, width: usize) -> String {
    let columns: usize = text.chars().map(|c| if c >= '\u{2e80}' { 2 } else { 1 }).sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(columns)))
}
