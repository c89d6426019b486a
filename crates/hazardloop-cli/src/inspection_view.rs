//! What the `inspection` subcommands print: occurrence lists (`due`, `missed`), one
//! occurrence with its answers and timeline (`show`), and the inspection statistics table.

use chrono::{DateTime, NaiveDate, Utc};
use hazardloop_core::engine::InspectionSweepReport;
use hazardloop_core::inspection::{
    InspectionLine, Occurrence, OccurrenceEvent, OccurrenceId, OccurrenceQuery, OccurrenceRow,
    Response, ResponseKind, Status,
};
use hazardloop_core::model::{Lang, Named, PersonId, TenantId, UnitId};
use hazardloop_core::org::Org;
use hazardloop_core::store::InspectionStore;
use serde_json::{json, Value};

use crate::app::App;
use crate::error::{self, CliError};
use crate::inspection::{t, Eng};
use crate::out::Out;

pub(crate) fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

pub(crate) fn unit(org: &Org, id: &UnitId) -> String {
    org.unit(id).map_or_else(|| id.to_string(), |u| u.name.clone())
}

pub(crate) fn person(org: &Org, id: &PersonId) -> String {
    org.person(id).map_or_else(|| id.to_string(), |p| p.name.clone())
}

fn at(out: &Out, time: DateTime<Utc>) -> String {
    time.with_timezone(&out.tz).format("%Y-%m-%d %H:%M").to_string()
}

/// The serde name of an occurrence event (`completed`).
pub(crate) fn event_type(e: &OccurrenceEvent) -> String {
    serde_json::to_value(e)
        .ok()
        .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default()
}

fn row_json(row: &OccurrenceRow, now: DateTime<Utc>) -> Value {
    let mut v = serde_json::to_value(row).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("status".into(), json!(row.status(now)));
    }
    v
}

fn occurrence_rows(
    rows: &[OccurrenceRow],
    org: &Org,
    now: DateTime<Utc>,
    out: &Out,
) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.title.clone(),
                unit(org, &r.unit),
                r.location.clone(),
                person(org, &r.inspector),
                at(out, r.due),
                at(out, r.closes),
                r.status(now).name(out.lang).to_owned(),
            ]
        })
        .collect()
}

fn occurrence_header(lang: Lang) -> Vec<String> {
    strings(&[
        t(lang, "检查任务", "occurrence"),
        t(lang, "名称", "title"),
        t(lang, "单位", "unit"),
        t(lang, "地点", "location"),
        t(lang, "检查人", "inspector"),
        t(lang, "应完成", "due"),
        t(lang, "截止", "closes"),
        t(lang, "状态", "status"),
    ])
}

/// `due`.
pub(crate) fn due(
    rows: &[OccurrenceRow],
    day: NaiveDate,
    org: &Org,
    now: DateTime<Utc>,
    out: &mut Out,
) {
    let lang = out.lang;
    let title = vec![match lang {
        Lang::Zh => format!("{day} 待检任务 {} 个", rows.len()),
        Lang::En => format!("{} occurrences to inspect on {day}", rows.len()),
    }];
    let list: Vec<Value> = rows.iter().map(|r| row_json(r, now)).collect();
    let table = occurrence_rows(rows, org, now, out);
    out.grid(
        "inspection.due",
        &title,
        &occurrence_header(lang),
        &table,
        json!({ "date": day, "rows": list }),
    );
}

/// `missed`.
pub(crate) async fn missed<S: InspectionStore>(
    engine: &Eng<S>,
    tenant: &TenantId,
    sweep: Option<InspectionSweepReport>,
    org: &Org,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = out.lang;
    let now = engine.now();
    let query = OccurrenceQuery { due_to: Some(now), ..OccurrenceQuery::default() };
    let rows: Vec<OccurrenceRow> = engine
        .occurrences(tenant, &query)
        .await
        .map_err(|e| error::engine(e, lang))?
        .into_iter()
        .filter(|r| matches!(r.status(now), Status::Missed | Status::Overdue))
        .collect();
    let mut title = Vec::new();
    if let Some(r) = &sweep {
        title.push(match lang {
            Lang::Zh => format!(
                "检查扫描：{} 个任务，新标记漏检 {} 个，触发督办 {} 级，待发通知 {} 条",
                r.occurrences, r.missed, r.fired, r.messages
            ),
            Lang::En => format!(
                "inspection sweep: {} occurrences, {} newly missed, {} rungs fired, {} messages",
                r.occurrences, r.missed, r.fired, r.messages
            ),
        });
    }
    let missed = rows.iter().filter(|r| r.status(now) == Status::Missed).count();
    title.push(match lang {
        Lang::Zh => format!("漏检 {missed} 个，逾期未检 {} 个", rows.len() - missed),
        Lang::En => format!("{missed} missed, {} overdue", rows.len() - missed),
    });
    let sweep_json = sweep.map(|r| {
        json!({ "occurrences": r.occurrences, "missed": r.missed, "fired": r.fired,
            "messages": r.messages, "conflicts": r.conflicts })
    });
    let list: Vec<Value> = rows.iter().map(|r| row_json(r, now)).collect();
    let table = occurrence_rows(&rows, org, now, out);
    let value = json!({ "sweep": sweep_json, "missed": missed, "rows": list });
    out.grid("inspection.missed", &title, &occurrence_header(lang), &table, value);
    Ok(())
}

/// `stats`.
pub(crate) fn stats(
    label: &str,
    from: NaiveDate,
    to: NaiveDate,
    lines: &[InspectionLine],
    out: &mut Out,
) {
    let lang = out.lang;
    let header = strings(&[
        t(lang, "单位", "unit"),
        t(lang, "应检", "planned"),
        t(lang, "已检", "completed"),
        t(lang, "按时", "on time"),
        t(lang, "逾期完成", "late"),
        t(lang, "漏检", "missed"),
        t(lang, "免检", "excused"),
        t(lang, "完成率", "rate"),
        t(lang, "平均发现隐患", "findings per inspection"),
    ]);
    let pct = |r: Option<f64>| r.map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", r * 100.0));
    let avg = |r: Option<f64>| r.map_or_else(|| "-".to_owned(), |r| format!("{r:.2}"));
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            let s = &l.tally;
            vec![
                format!("{}{}", "  ".repeat(l.depth), l.name),
                s.planned.to_string(),
                s.completed.to_string(),
                s.on_time.to_string(),
                s.late.to_string(),
                s.missed.to_string(),
                s.excused.to_string(),
                pct(s.completion_rate()),
                avg(s.findings_per_inspection()),
            ]
        })
        .collect();
    let table: Vec<Value> = lines
        .iter()
        .map(|l| {
            json!({ "unit": l.unit, "name": l.name, "depth": l.depth, "tally": l.tally,
                "completion_rate": l.tally.completion_rate(),
                "findings_per_inspection": l.tally.findings_per_inspection() })
        })
        .collect();
    let title = vec![format!("{} {label}", t(lang, "检查统计表", "inspection statistics"))];
    let value = json!({ "period": label, "from": from, "to": to, "table": table });
    out.grid("inspection.stats", &title, &header, &rows, value);
}

fn response(r: &Response, item: Option<&hazardloop_core::inspection::Item>, lang: Lang) -> String {
    match r {
        Response::Pass => t(lang, "合格", "pass").to_owned(),
        Response::Fail => t(lang, "不合格", "fail").to_owned(),
        Response::NotApplicable => t(lang, "不适用", "n/a").to_owned(),
        Response::Number(v) => match item.map(|i| &i.response) {
            Some(ResponseKind::Number { unit: Some(u), .. }) => format!("{v}{u}"),
            _ => v.to_string(),
        },
        Response::Choice(c) => c.clone(),
    }
}

fn event_label(e: &OccurrenceEvent, org: &Org, lang: Lang) -> (String, Option<String>) {
    let zh = lang == Lang::Zh;
    let (label, by): (String, Option<&PersonId>) = match e {
        OccurrenceEvent::Scheduled { .. } => (t(lang, "已排定", "scheduled").into(), None),
        OccurrenceEvent::Started { by, .. } => (t(lang, "开始检查", "started").into(), Some(by)),
        OccurrenceEvent::Answered { answers, by, .. } => {
            let n = answers.len();
            (if zh { format!("填写 {n} 项") } else { format!("answered {n} items") }, Some(by))
        }
        OccurrenceEvent::Completed { by, late, findings, .. } => {
            let n = findings.len();
            let late = if *late { t(lang, "（逾期）", " (late)") } else { "" };
            let text = if zh {
                format!("完成检查{late}，发现隐患 {n} 条")
            } else {
                format!("completed{late}, {n} findings")
            };
            (text, Some(by))
        }
        OccurrenceEvent::Reassigned { from, to, by, reason, .. } => {
            let (from, to) = (person(org, from), person(org, to));
            let text = if zh {
                format!("改派 {from} → {to}：{reason}")
            } else {
                format!("reassigned {from} → {to}: {reason}")
            };
            (text, Some(by))
        }
        OccurrenceEvent::Missed { .. } => (t(lang, "漏检", "missed").into(), None),
        OccurrenceEvent::Excused { by, reason, .. } => {
            (format!("{}：{reason}", t(lang, "核准免检", "excused")), Some(by))
        }
        OccurrenceEvent::Escalated { rung, .. } => (
            if zh {
                format!("督办第 {} 级", rung + 1)
            } else {
                format!("escalated, rung {}", rung + 1)
            },
            None,
        ),
        other => (event_type(other), None),
    };
    (label, by.map(|p| person(org, p)))
}

/// `show`: the occurrence, its answers, findings and event timeline.
pub(crate) async fn show<S: InspectionStore>(
    app: &App<S>,
    engine: &Eng<S>,
    id: &OccurrenceId,
    org: &Org,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = out.lang;
    let tenant = &app.opts.tenant;
    let fail = |e| error::engine(e, lang);
    let Some(o): Option<Occurrence> = engine.occurrence(tenant, id).await.map_err(fail)? else {
        return Err(fail(hazardloop_core::engine::EngineError::OccurrenceNotFound {
            tenant: tenant.clone(),
            occurrence: id.clone(),
        }));
    };
    let records = engine.store().occurrence_events(tenant, id).await?;
    let tpl = engine.template(tenant, &o.scheduled.template).await.map_err(fail)?;
    let now = engine.now();
    let status = o.status(now);
    let findings: Vec<Value> = o
        .findings
        .iter()
        .map(|f| json!({ "item": f.item, "hazard": f.hazard.to_string(), "link": format!("{}#{}", o.id, f.item) }))
        .collect();
    if out.format == crate::args::OutputFormat::Json {
        let value = json!({ "occurrence": o, "status": status, "row": OccurrenceRow::of(&o),
            "findings": findings, "timeline": records });
        out.value("inspection.show", value, String::new());
        return Ok(());
    }
    let s = &o.scheduled;
    let kv = |k: (&'static str, &'static str), v: String| format!("{}: {v}", t(lang, k.0, k.1));
    let mut lines = vec![
        kv(("检查任务", "Occurrence"), o.id.to_string()),
        kv(("名称", "Title"), s.title.clone()),
        kv(
            ("检查表", "Template"),
            tpl.as_ref().map_or_else(
                || s.template.to_string(),
                |x| format!("{} {}", x.name(lang), s.template),
            ),
        ),
        kv(("单位", "Unit"), unit(org, &s.unit)),
        kv(("地点", "Location"), s.location.clone()),
        kv(("检查人", "Inspector"), person(org, &o.inspector)),
        kv(("开放", "Opens"), at(out, s.slot.opens)),
        kv(("应完成", "Due"), at(out, s.slot.due)),
        kv(("截止", "Closes"), at(out, s.slot.closes)),
        kv(("状态", "Status"), status.name(lang).to_owned()),
    ];
    if !o.answers.is_empty() {
        lines.push(t(lang, "检查记录:", "Answers:").to_owned());
        // In the checklist's order (answers to items it no longer has, last).
        let order: Vec<&str> =
            tpl.as_ref().map(|x| x.items().map(|i| i.id.as_str()).collect()).unwrap_or_default();
        let mut answers: Vec<_> = o.answers.values().collect();
        answers.sort_by_key(|a| order.iter().position(|id| *id == a.item).unwrap_or(usize::MAX));
        for a in answers {
            let item = tpl.as_ref().and_then(|x| x.item(&a.item));
            let prompt = item.map(|i| i.prompt(lang)).unwrap_or_default();
            let mut line =
                format!("  {}  {prompt}  → {}", a.item, response(&a.response, item, lang));
            if !a.comment.is_empty() {
                line += &format!("  {}", a.comment);
            }
            if !a.evidence.is_empty() {
                line += &format!("  [{} {}]", t(lang, "证据", "evidence"), a.evidence.len());
            }
            if let Some(fix) = &a.fixed_on_the_spot {
                line += &format!("  {}: {fix}", t(lang, "立查立改", "fixed on the spot"));
            }
            lines.push(line);
        }
    }
    if !o.findings.is_empty() {
        lines.push(t(lang, "发现隐患:", "Findings:").to_owned());
        for f in &o.findings {
            lines.push(format!("  {} → {}", f.item, f.hazard));
        }
    }
    lines.push(t(lang, "事件记录:", "Timeline:").to_owned());
    for r in &records {
        let (label, by) = event_label(&r.event, org, lang);
        let by = by.unwrap_or_else(|| t(lang, "系统", "system").to_owned());
        lines.push(format!("  #{:<3} {}  {label}  {by}", r.seq, at(out, r.recorded_at)));
    }
    out.value("inspection.show", Value::Null, lines.join("\n"));
    Ok(())
}
