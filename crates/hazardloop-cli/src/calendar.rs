//! `calendar show` and `calendar load FILE`: the working-day calendar's notices and horizon, and
//! loading the next year's holiday notice (TOML, iCalendar or holiday-cn JSON).

use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use clap::Subcommand;
use hazardloop_core::calendar::{Calendar, HolidayFormat, HolidayNotice};
use hazardloop_core::model::{Lang, Named};
use hazardloop_core::store::{InspectionStore, Store};
use serde_json::json;

use crate::app::{App, POLICY_DOC};
use crate::error::{self, CliError};
use crate::out::Out;

/// `calendar …`.
#[derive(Debug, Subcommand)]
pub enum CalendarCmd {
    /// The loaded holiday notices, the horizon, and the statutory holidays past it.
    Show {
        /// Also list the days of this year (notice days, or statutory holidays past the horizon).
        #[arg(long)]
        year: Option<i32>,
    },
    /// Load a year's holiday notice and re-reckon the provisional deadlines (重新推算).
    Load {
        /// The notice: `.toml` (as the shipped cn.toml), `.ics` (all-day events) or `.json`
        /// (holiday-cn).
        file: PathBuf,
    },
}

fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}

/// Runs `calendar …`.
pub async fn run<S: InspectionStore>(
    app: &App<S>,
    cmd: CalendarCmd,
    out: &mut Out,
) -> Result<(), CliError> {
    match cmd {
        CalendarCmd::Show { year } => {
            let policy = app.policy().await?;
            show(policy.calendar(), year, out);
            Ok(())
        }
        CalendarCmd::Load { file } => load(app, &file, out).await,
    }
}

fn show(cal: &Calendar, year: Option<i32>, out: &mut Out) {
    let lang = out.lang;
    let horizon = cal.horizon();
    let notices: Vec<_> = cal
        .covered_years()
        .into_iter()
        .filter_map(|y| cal.notice(y).map(|n| json!({ "year": y, "source": n.source })))
        .collect();
    let days: Vec<(NaiveDate, String)> = year
        .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1))
        .map(|first| {
            first
                .iter_days()
                .take_while(|d| d.year() == first.year())
                .filter_map(|d| {
                    let day = cal.day(d);
                    let listed = (!day.official && cal.statutory_holiday(d).is_some())
                        || (day.official && day.kind != weekday_kind(d));
                    listed.then(|| (d, day.kind.name(lang).to_owned()))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut human = Vec::new();
    let colon = pick(lang, "：", ": ");
    let none = pick(lang, "无", "none");
    let h = horizon.map_or_else(|| none.to_owned(), |d| d.to_string());
    human.push(format!("{}{colon}{h}", pick(lang, "节假日数据截至", "Horizon")));
    for n in &notices {
        human.push(format!("  {} {}", n["year"], n["source"].as_str().unwrap_or_default()));
    }
    if cal.knows_statutory_holidays() {
        human.push(
            pick(
                lang,
                "此后按法定节假日推算（不含调休），期限标注（暂定）",
                "past it: statutory holidays only (no 调休); deadlines marked provisional",
            )
            .to_owned(),
        );
    }
    for (d, kind) in &days {
        let festival = cal.statutory_holiday(*d).unwrap_or_default();
        human.push(format!("  {d} {kind} {festival}").trim_end().to_owned());
    }
    let listed: Vec<_> = days
        .iter()
        .map(|(d, kind)| json!({ "date": d, "kind": kind, "statutory": cal.statutory_holiday(*d) }))
        .collect();
    out.value(
        "calendar",
        json!({ "horizon": horizon, "notices": notices, "days": listed }),
        human.join("\n"),
    );
}

fn weekday_kind(d: NaiveDate) -> hazardloop_core::calendar::DayKind {
    use chrono::Weekday;
    use hazardloop_core::calendar::DayKind;
    if matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        DayKind::Weekend
    } else {
        DayKind::Workday
    }
}

async fn load<S: Store>(app: &App<S>, file: &PathBuf, out: &mut Out) -> Result<(), CliError> {
    let lang = app.opts.lang;
    let name = file.display().to_string();
    let format = HolidayFormat::of_file_name(&name).ok_or_else(|| {
        CliError::Usage(match lang {
            Lang::Zh => format!("{name}：请使用 .toml、.ics 或 .json 文件"),
            Lang::En => format!("{name}: use a .toml, .ics or .json file"),
        })
    })?;
    let text = std::fs::read_to_string(file)
        .map_err(|e| CliError::Invalid(format!("{name}{}{e}", pick(lang, "：", ": "))))?;
    let notice = HolidayNotice::parse(&text, format).map_err(|e| {
        CliError::Invalid(format!("{name}{}{}", pick(lang, "：", ": "), error::input(&e, lang)))
    })?;
    let (mut engine, _, _) = app.engine().await?;
    let report = engine.load_holidays(notice).await.map_err(|e| error::hazard(e, lang))?;
    app.store
        .put_document(&app.opts.tenant, POLICY_DOC, &engine.policy().to_toml())
        .await
        .map_err(|e| error::store(e, lang))?;
    let tz = out.tz;
    let time = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
    };
    let mut human = vec![match lang {
        Lang::Zh => format!(
            "已载入 {:?} 年节假日安排，数据截至 {}；重新推算 {} 条隐患的 {} 个期限",
            report.years,
            report.horizon.map(|d| d.to_string()).unwrap_or_default(),
            report.examined,
            report.moved.len()
        ),
        Lang::En => format!(
            "loaded the holiday notices of {:?}, horizon {}; re-reckoned {} deadlines of {} hazards",
            report.years,
            report.horizon.map(|d| d.to_string()).unwrap_or_default(),
            report.moved.len(),
            report.examined
        ),
    }];
    let mut moved = Vec::new();
    for (id, m) in &report.moved {
        let mark = if m.provisional { pick(lang, "（暂定）", " (provisional)") } else { "" };
        human.push(format!(
            "  {id} {} {} → {}{mark}",
            m.clock.name(lang),
            time(m.from),
            time(m.to)
        ));
        moved.push(json!({ "hazard": id, "clock": m.clock, "from": m.from, "to": m.to,
                           "provisional": m.provisional }));
    }
    out.value(
        "calendar_load",
        json!({ "years": report.years, "horizon": report.horizon, "examined": report.examined,
                "moved": moved }),
        human.join("\n"),
    );
    Ok(())
}
