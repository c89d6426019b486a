//! What the record subcommands (`incident`, `duty`, `campaign`) share: ids, days, local times,
//! aligned text and reading TOML or JSON files.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use hazardloop_core::calendar::Calendar;
use hazardloop_core::duty::RecordId;
use hazardloop_core::model::Lang;
use hazardloop_core::report::Period;
use serde::de::DeserializeOwned;

use crate::error::{self, CliError};

/// `zh` or `en` by language.
pub(crate) fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    crate::inspection::t(lang, zh, en)
}

/// A record id from the command line.
pub(crate) fn record_id(text: &str, option: &str, lang: Lang) -> Result<RecordId, CliError> {
    RecordId::parse_as(text, option).map_err(|e| CliError::Invalid(error::input(&e, lang)))
}

/// A time in the school's time zone (`2026-10-09 10:30`).
pub(crate) fn local(tz: Tz, time: DateTime<Utc>) -> String {
    time.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// The instants a listing starts at and ends before, when bounded.
pub(crate) type Bounds = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The instants `from..to` of the days `--from`..=`--to` (either may be absent).
pub(crate) fn day_range(
    from: Option<&str>,
    to: Option<&str>,
    calendar: &Calendar,
    lang: Lang,
) -> Result<Bounds, CliError> {
    let from = from.map(|d| crate::inspection::date(d, "--from", lang)).transpose()?;
    let to = to.map(|d| crate::inspection::date(d, "--to", lang)).transpose()?;
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            return Err(CliError::Invalid(match lang {
                Lang::Zh => format!("--to：{t} 早于 --from {f}"),
                Lang::En => format!("--to: {t} is before --from {f}"),
            }));
        }
    }
    let day = |d: NaiveDate| Period::custom(d, d).map(|p| p.bounds(calendar));
    let start = from.and_then(|d| day(d).ok()).map(|b| b.0);
    let end = to.and_then(|d| day(d).ok()).map(|b| b.1);
    Ok((start, end))
}

/// `--period` as for `stats`.
pub(crate) fn period(text: &str, lang: Lang) -> Result<Period, CliError> {
    text.parse()
        .map_err(|e| CliError::Invalid(error::about("--period", &error::input(&e, lang), lang)))
}

/// Rows of cells aligned in columns (a CJK character is two columns wide), under `header`.
pub(crate) fn aligned(header: &[String], rows: &[Vec<String>], indent: &str) -> Vec<String> {
    let width = |s: &str| s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum::<usize>();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(width(c));
            }
        }
    }
    let render = |cells: &[String]| {
        let line = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = widths.get(i).copied().unwrap_or(0).saturating_sub(width(c));
                format!("{c}{}", " ".repeat(pad))
            })
            .collect::<Vec<_>>()
            .join("  ");
        format!("{indent}{}", line.trim_end())
    };
    std::iter::once(render(header)).chain(rows.iter().map(|r| render(r))).collect()
}

/// Strings of `cells`.
/// Adds a record's timeline under `lines` (a heading, then one aligned row per event: its
/// sequence, time, name and detail) and returns the same as JSON for `--format json`.
pub(crate) fn timeline_lines(
    lines: &mut Vec<String>,
    events: impl Iterator<Item = (u64, DateTime<Utc>, (String, String, String))>,
    lang: Lang,
    tz: Tz,
) -> Vec<serde_json::Value> {
    lines.push(t(lang, "事件经过", "timeline").to_owned());
    let mut json = Vec::new();
    let mut rows = Vec::new();
    for (seq, at, (kind, name, detail)) in events {
        rows.push(vec![seq.to_string(), local(tz, at), name.clone(), detail.clone()]);
        json.push(serde_json::json!({ "seq": seq, "at": at, "type": kind, "name": name, "detail": detail }));
    }
    let header = strings(&[
        t(lang, "序号", "seq"),
        t(lang, "记录时间", "recorded"),
        t(lang, "事件", "event"),
        t(lang, "内容", "detail"),
    ]);
    lines.extend(aligned(&header, &rows, "  "));
    json
}

pub(crate) fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

/// A file of TOML (its dates read as text) or, by its `.json` extension, JSON; errors name
/// `option` and the file.
pub(crate) fn read_doc<T: DeserializeOwned>(
    path: &Path,
    option: &str,
    lang: Lang,
) -> Result<T, CliError> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::Invalid(match lang {
            Lang::Zh => format!("{option} {shown}：无法读取（{e}）"),
            Lang::En => format!("{option} {shown}: cannot read it ({e})"),
        })
    })?;
    let parsed = if path.extension().is_some_and(|x| x.eq_ignore_ascii_case("json")) {
        serde_json::from_str(&text).map_err(|e| e.to_string())
    } else {
        toml::from_str(&crate::parse::plain_dates(&text)).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| {
        CliError::Invalid(match lang {
            Lang::Zh => format!("{option} {shown}：格式有误（{}）", e.trim()),
            Lang::En => format!("{option} {shown}: {}", e.trim()),
        })
    })
}

/// Verifies every incident and report duty of `tenant`; a record whose history does not verify
/// is added to `failed` (id, sentence) and the rest go on; anything else (storage) stops.
/// Returns how many verify.
pub(crate) async fn verify_records<S: hazardloop_core::store::RecordStore>(
    engine: &crate::inspection::Eng<S>,
    tenant: &hazardloop_core::model::TenantId,
    lang: Lang,
    failed: &mut Vec<(String, String)>,
) -> Result<usize, CliError> {
    use hazardloop_core::engine::EngineError;
    let all = hazardloop_core::duty::RecordQuery::default();
    let fail = |e| crate::record_error::record(e, lang);
    let mut rows = engine.incidents(tenant, &all).await.map_err(fail)?;
    rows.extend(engine.duties(tenant, &all).await.map_err(fail)?);
    let mut verified = 0;
    for row in rows {
        match engine.verify_record(tenant, row.kind, &row.id).await {
            Ok(()) => verified += 1,
            Err(e @ EngineError::RecordChain { .. }) => {
                failed.push((format!("{}:{}", row.kind.code(), row.id), fail(e).to_string()));
            }
            Err(e) => return Err(fail(e)),
        }
    }
    Ok(verified)
}
