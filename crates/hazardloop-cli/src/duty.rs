//! `hazardloop duty …`: 报告事项. Report schedules (季度安全形势分析, 年度总结, 会议纪要,
//! 责任书) and campaigns' report dates become duties, each due on a day; a duty is submitted
//! with its documents (the statistics table made here when asked), on time or late, or is
//! missed (漏报).

use std::path::Path;

use chrono::{DateTime, Utc};
use hazardloop_core::duty::{
    schedule_presets, Attachment, DueRule, Duty, DutyCommand, DutyEvent, Every, RecordKind,
    RecordQuery, RecordRow, ReportSchedule,
};
use hazardloop_core::model::{Lang, Named, TenantId};
use hazardloop_core::org::Org;
use hazardloop_core::report::{CellContext, Period};
use hazardloop_core::store::{InspectionStore, RecordStore};
use hazardloop_export::{Format, PrintSetup, RenderError, What};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::error::CliError;
use crate::inspection::{date, Eng};
use crate::inspection_view::{person, unit};
use crate::out::Out;
use crate::record_args::{DutyCmd, DutySubmitArgs, SchedulesCmd};
use crate::record_error::record as fail;
use crate::record_view::{
    aligned, day_range, local, read_doc, record_id, strings, t, timeline_lines,
};

/// Runs one `duty` subcommand.
pub async fn run<S: InspectionStore + RecordStore>(
    app: &App<S>,
    cmd: DutyCmd,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = app.opts.lang;
    let (engine, _, org) = app.engine().await?;
    let tenant = &app.opts.tenant;
    match cmd {
        DutyCmd::Schedules(cmd) => schedules(&engine, tenant, cmd, out).await,
        DutyCmd::Generate(a) => {
            let (from, to) = (date(&a.from, "--from", lang)?, date(&a.to, "--to", lang)?);
            if to < from {
                return Err(CliError::Invalid(match lang {
                    Lang::Zh => format!("--to：{to} 早于 --from {from}"),
                    Lang::En => format!("--to: {to} is before --from {from}"),
                }));
            }
            let r = engine.generate_duties(tenant, from, to).await.map_err(|e| fail(e, lang))?;
            let human = match lang {
                Lang::Zh => format!(
                    "{from} 至 {to}：应生成报告事项 {} 个，新建 {} 个",
                    r.considered, r.created
                ),
                Lang::En => {
                    format!("{from} to {to}: {} duties due, {} created", r.considered, r.created)
                }
            };
            let value =
                json!({ "from": from, "to": to, "considered": r.considered, "created": r.created });
            out.value("duty.generate", value, human);
            Ok(())
        }
        DutyCmd::List(a) => {
            let calendar = engine.policy().calendar();
            let (from, to) = day_range(a.from.as_deref(), a.to.as_deref(), calendar, lang)?;
            let units = match a.unit.as_deref() {
                None => None,
                Some(u) => {
                    let id = crate::parse::unit("--unit", u, lang)?;
                    if org.unit(&id).is_none() {
                        return Err(CliError::Invalid(match lang {
                            Lang::Zh => {
                                format!("--unit：没有单位 `{u}`（见 `hazardloop org show`）")
                            }
                            Lang::En => {
                                format!("--unit: unknown unit `{u}` (see `hazardloop org show`)")
                            }
                        }));
                    }
                    Some(
                        org.units()
                            .filter(|x| org.is_within(&x.id, &id))
                            .map(|x| x.id.clone())
                            .collect(),
                    )
                }
            };
            let query = RecordQuery {
                units,
                from,
                to,
                open: a.open.then_some(true),
                ..RecordQuery::default()
            };
            let rows = engine.duties(tenant, &query).await.map_err(|e| fail(e, lang))?;
            list(&rows, &org, engine.now(), out);
            Ok(())
        }
        DutyCmd::Show(a) => {
            let id = record_id(&a.id, "id", lang)?;
            let duty = engine.load_duty(tenant, &id).await.map_err(|e| fail(e, lang))?;
            let history = engine
                .record_history(tenant, RecordKind::Duty, &id)
                .await
                .map_err(|e| fail(e, lang))?;
            let timeline: Vec<(u64, DateTime<Utc>, DutyEvent)> = history
                .iter()
                .filter_map(|e| {
                    serde_json::from_value(e.event.clone())
                        .ok()
                        .map(|ev| (e.seq, e.recorded_at, ev))
                })
                .collect();
            show(&duty, &timeline, &org, engine.now(), out);
            Ok(())
        }
        DutyCmd::Submit(a) => submit(app, &engine, &org, a, out).await,
        DutyCmd::Stats(a) => {
            let period = crate::record_view::period(&a.period, lang)?;
            let tally = engine.duty_statistics(tenant, &period).await.map_err(|e| fail(e, lang))?;
            let label = period.label(lang);
            let header = strings(&[
                t(lang, "应报", "due"),
                t(lang, "按时报送", "on time"),
                t(lang, "逾期报送", "late"),
                t(lang, "逾期未报", "outstanding"),
                t(lang, "其中漏报", "of which missed"),
                t(lang, "未到期", "not yet due"),
            ]);
            let rows = vec![vec![
                tally.duties.to_string(),
                tally.on_time.to_string(),
                tally.late.to_string(),
                tally.outstanding.to_string(),
                tally.missed.to_string(),
                tally.pending.to_string(),
            ]];
            let mut lines = vec![label.clone()];
            lines.extend(aligned(&header, &rows, ""));
            out.grid("duty.stats", &lines, &[], &[], json!({ "period": label, "tally": tally }));
            Ok(())
        }
    }
}

/// `duty schedules …`.
async fn schedules<S: InspectionStore + RecordStore>(
    engine: &Eng<S>,
    tenant: &TenantId,
    cmd: SchedulesCmd,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = out.lang;
    let saved = |n: usize| match lang {
        Lang::Zh => format!("已保存报告制度 {n} 项（用 `hazardloop duty generate` 生成报告事项）"),
        Lang::En => {
            format!("{n} report schedules saved (generate duties with `hazardloop duty generate`)")
        }
    };
    match cmd {
        SchedulesCmd::Show => {
            let all = engine.schedules(tenant).await.map_err(|e| fail(e, lang))?;
            let header = strings(&[
                t(lang, "代码", "code"),
                t(lang, "名称", "title"),
                t(lang, "类型", "kind"),
                t(lang, "截止", "due"),
                t(lang, "统计表", "statistics"),
                t(lang, "签发", "signed by"),
            ]);
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|s| {
                    vec![
                        s.code.clone(),
                        s.title.clone(),
                        s.kind.name(lang).to_owned(),
                        due_rule(&s.due, lang),
                        if s.statistics { t(lang, "是", "yes") } else { "" }.to_owned(),
                        s.signer.map(|r| r.name(lang).to_owned()).unwrap_or_default(),
                    ]
                })
                .collect();
            let title = vec![match lang {
                Lang::Zh => format!("报告制度 {} 项", all.len()),
                Lang::En => format!("{} report schedules", all.len()),
            }];
            out.grid("duty.schedules", &title, &header, &rows, json!({ "schedules": all }));
            Ok(())
        }
        SchedulesCmd::Preset => {
            let presets = schedule_presets();
            let n = presets.len();
            engine.set_schedules(tenant, presets).await.map_err(|e| fail(e, lang))?;
            out.message("duty.schedules.preset", &saved(n), json!({ "schedules": n }));
            Ok(())
        }
        SchedulesCmd::Load { file } => {
            let doc: Value = read_doc(&file, "duty schedules load", lang)?;
            let items = match doc {
                Value::Array(items) => items,
                Value::Object(mut map) => match map.remove("schedules") {
                    Some(Value::Array(items)) => items,
                    _ => {
                        return Err(CliError::Invalid(match lang {
                            Lang::Zh => {
                                format!("{}：schedules：必须填写（[[schedules]]）", file.display())
                            }
                            Lang::En => {
                                format!("{}: schedules: missing ([[schedules]])", file.display())
                            }
                        }))
                    }
                },
                _ => Vec::new(),
            };
            let mut list = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let s: ReportSchedule = serde_json::from_value(item).map_err(|e| {
                    CliError::Invalid(match lang {
                        Lang::Zh => format!("schedules[{i}]：格式有误（{e}）"),
                        Lang::En => format!("schedules[{i}]: {e}"),
                    })
                })?;
                list.push(s);
            }
            let n = list.len();
            engine.set_schedules(tenant, list).await.map_err(|e| fail(e, lang))?;
            out.message("duty.schedules.load", &saved(n), json!({ "schedules": n }));
            Ok(())
        }
    }
}

/// A due rule in words.
fn due_rule(rule: &DueRule, lang: Lang) -> String {
    let every = |e: &Every| match e {
        Every::Quarter => t(lang, "季度", "quarter"),
        Every::HalfYear => t(lang, "半年", "half year"),
        Every::Year => t(lang, "年度", "year"),
    };
    match (rule, lang) {
        (DueRule::Dates { dates, .. }, _) => {
            let list: Vec<String> = dates.iter().map(ToString::to_string).collect();
            format!("{}{}", t(lang, "按日期：", "on "), list.join(t(lang, "、", ", ")))
        }
        (DueRule::AfterPeriod { every: e, month, day }, Lang::Zh) => {
            format!("每{}结束后第 {month} 个月 {day} 日前", every(e))
        }
        (DueRule::AfterPeriod { every: e, month, day }, Lang::En) => {
            format!("by day {day} of month {month} after each {}", every(e))
        }
        (DueRule::EndOfPeriod { every: e }, Lang::Zh) => format!("每{}末前", every(e)),
        (DueRule::EndOfPeriod { every: e }, Lang::En) => format!("by the end of each {}", every(e)),
        (DueRule::Yearly { month, day }, Lang::Zh) => format!("每年 {month} 月 {day} 日前"),
        (DueRule::Yearly { month, day }, Lang::En) => format!("each year by {month}-{day}"),
    }
}

/// A duty's status code at `now` from its row (stored as at its last commit): an unsubmitted,
/// unmissed duty is `overdue` past its due time, else `due`.
fn row_status(row: &RecordRow, now: DateTime<Utc>) -> String {
    match row.status.as_str() {
        "due" | "overdue" if now > row.at => "overdue".to_owned(),
        "due" | "overdue" => "due".to_owned(),
        other => other.to_owned(),
    }
}

/// A duty's status in `lang`.
pub(crate) fn status_name(code: &str, lang: Lang) -> String {
    match code {
        "submitted" => t(lang, "已报送", "submitted"),
        "late" => t(lang, "逾期报送", "submitted late"),
        "missed" => t(lang, "漏报", "missed"),
        "overdue" => t(lang, "逾期", "overdue"),
        "due" => t(lang, "待报送", "due"),
        other => return other.to_owned(),
    }
    .to_owned()
}

/// The period key of a duty id (`schedule/unit/key`).
fn key_of(id: &str) -> &str {
    id.rsplit_once('/').map_or("", |(_, k)| k)
}

/// `duty list`.
fn list(rows: &[RecordRow], org: &Org, now: DateTime<Utc>, out: &mut Out) {
    let lang = out.lang;
    let header = strings(&[
        t(lang, "报告事项", "duty"),
        t(lang, "名称", "title"),
        t(lang, "单位", "unit"),
        t(lang, "期次", "period"),
        t(lang, "截止", "due"),
        t(lang, "状态", "status"),
    ]);
    let tz = out.tz;
    let due_date = |r: &RecordRow| r.at.with_timezone(&tz).date_naive().to_string();
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.title.clone(),
                unit(org, &r.unit),
                key_of(r.id.as_str()).to_owned(),
                due_date(r),
                status_name(&row_status(r, now), lang),
            ]
        })
        .collect();
    let list: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
            if let Some(obj) = v.as_object_mut() {
                obj.insert("status".into(), json!(row_status(r, now)));
                obj.insert("due_date".into(), json!(due_date(r)));
                obj.insert("key".into(), json!(key_of(r.id.as_str())));
            }
            v
        })
        .collect();
    let title = vec![match lang {
        Lang::Zh => format!("报告事项 {} 个", rows.len()),
        Lang::En => format!("{} report duties", rows.len()),
    }];
    out.grid("duty.list", &title, &header, &table, json!({ "total": rows.len(), "rows": list }));
}

/// One event of a duty's timeline: its type code, its name and what it says.
fn event_line(e: &DutyEvent, org: &Org, lang: Lang, tz: chrono_tz::Tz) -> (String, String, String) {
    match e {
        DutyEvent::Scheduled { schedule, due, .. } => (
            "scheduled".into(),
            t(lang, "生成", "scheduled").into(),
            match lang {
                Lang::Zh => format!("按报告制度 {schedule} 生成，截止 {}", local(tz, *due)),
                Lang::En => format!("from schedule {schedule}, due {}", local(tz, *due)),
            },
        ),
        DutyEvent::Submitted { submission: s } => (
            "submitted".into(),
            if s.late {
                t(lang, "逾期报送", "submitted late")
            } else {
                t(lang, "报送", "submitted")
            }
            .into(),
            format!("{} {}", person(org, &s.by), local(tz, s.at)),
        ),
        DutyEvent::Missed { at } => {
            ("missed".into(), t(lang, "漏报", "missed").into(), local(tz, *at))
        }
        DutyEvent::Escalated { rung, .. } => (
            "escalated".into(),
            t(lang, "督办提醒", "escalated").into(),
            match lang {
                Lang::Zh => format!("第 {} 级", rung + 1),
                Lang::En => format!("rung {}", rung + 1),
            },
        ),
    }
}

/// `duty show`.
fn show(
    d: &Duty,
    timeline: &[(u64, DateTime<Utc>, DutyEvent)],
    org: &Org,
    now: DateTime<Utc>,
    out: &mut Out,
) {
    let lang = out.lang;
    let tz = out.tz;
    let colon = t(lang, "：", ": ");
    let status = d.status_at(now);
    let mut lines = vec![format!("{}{colon}{} {}", RecordKind::Duty.name(lang), d.id, d.title)];
    let mut facts = vec![
        (t(lang, "类型", "kind"), d.kind.name(lang).to_owned()),
        (t(lang, "单位", "unit"), unit(org, &d.unit)),
        (t(lang, "期次", "period"), d.key.clone()),
        (
            t(lang, "所报期间", "reports on"),
            d.period.map(|(a, b)| format!("{a} – {b}")).unwrap_or_default(),
        ),
        (t(lang, "截止", "due"), local(tz, d.clock.due)),
        (t(lang, "状态", "status"), status_name(status, lang)),
    ];
    if let Some(o) = &d.owner {
        facts.push((t(lang, "责任人", "owner"), person(org, o)));
    }
    if let Some(r) = d.signer {
        facts.push((t(lang, "签发", "signed by"), r.name(lang).to_owned()));
    }
    if d.statistics {
        facts.push((
            t(lang, "报送内容", "what"),
            t(lang, "隐患问题统计表", "the statistics table").into(),
        ));
    }
    if let Some(c) = &d.campaign {
        facts.push((t(lang, "专项整治", "campaign"), c.clone()));
    }
    for (label, value) in facts {
        if !value.is_empty() {
            lines.push(format!("{label}{colon}{value}"));
        }
    }
    if let Some(s) = &d.submission {
        lines.push(t(lang, "报送情况", "submission").to_owned());
        lines.push(format!("  {}{colon}{}", t(lang, "报送时间", "at"), local(tz, s.at)));
        lines.push(format!("  {}{colon}{}", t(lang, "报送人", "by"), person(org, &s.by)));
        if let Some(p) = &s.signed_by {
            lines.push(format!("  {}{colon}{}", t(lang, "签发人", "signed by"), person(org, p)));
        }
        if let Some(n) = &s.note {
            lines.push(format!("  {}{colon}{n}", t(lang, "备注", "note")));
        }
        for a in &s.attachments {
            let sha = a.sha256.as_deref().map(|h| format!("  SHA-256 {h}")).unwrap_or_default();
            lines.push(format!("  {}{colon}{}{sha}", t(lang, "附件", "attachment"), a.uri));
        }
    }
    if let Some(at) = d.missed_at {
        lines.push(format!("{}{colon}{}", t(lang, "漏报时间", "missed at"), local(tz, at)));
    }
    let events = timeline_lines(
        &mut lines,
        timeline.iter().map(|(seq, at, e)| (*seq, *at, event_line(e, org, lang, tz))),
        lang,
        tz,
    );
    out.grid(
        "duty.show",
        &lines,
        &[],
        &[],
        json!({ "duty": d, "status": status, "timeline": events }),
    );
}

/// `--attach URI` or `URI#SHA256`.
fn attachment(text: &str, lang: Lang) -> Result<Attachment, CliError> {
    if let Some((uri, tail)) = text.rsplit_once('#') {
        if !tail.is_empty() && tail.chars().all(|c| c.is_ascii_hexdigit()) {
            if tail.len() != 64 {
                return Err(CliError::Invalid(match lang {
                    Lang::Zh => format!("--attach：`{tail}` 不是 SHA-256（应为 64 位十六进制）"),
                    Lang::En => format!("--attach: `{tail}` is not a SHA-256 (64 hex digits)"),
                }));
            }
            return Ok(Attachment { uri: uri.to_owned(), sha256: Some(tail.to_ascii_lowercase()) });
        }
    }
    Ok(Attachment { uri: text.to_owned(), sha256: None })
}

/// `duty submit`.
async fn submit<S: InspectionStore + RecordStore>(
    app: &App<S>,
    engine: &Eng<S>,
    org: &Org,
    a: DutySubmitArgs,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = app.opts.lang;
    let tenant = &app.opts.tenant;
    let actor = app.actor(org)?;
    let id = record_id(&a.id, "id", lang)?;
    let mut attachments =
        a.attach.iter().map(|x| attachment(x, lang)).collect::<Result<Vec<_>, _>>()?;
    let signed_by =
        a.signed_by.as_deref().map(|p| crate::parse::person("--signed-by", p, lang)).transpose()?;
    let duty = engine.load_duty(tenant, &id).await.map_err(|e| fail(e, lang))?;
    let mut written = None;
    if let Some(path) = &a.statistics {
        if duty.submission.is_some() {
            // Refused below (already submitted): write no file for it.
            attachments.push(Attachment { uri: path.display().to_string(), sha256: None });
        } else {
            let (attached, bytes) = statistics_file(app, engine, org, &duty, path).await?;
            attachments.push(attached);
            written = Some(bytes);
        }
    }
    let command = DutyCommand::Submit { attachments, signed_by, note: a.note };
    let outcome = engine.duty(&actor, &id, command).await.map_err(|e| {
        match fail(e, lang) {
            // The core names the command's fields; on the command line they are flags.
            CliError::Invalid(m) => CliError::Invalid(
                m.replace("attachments：必须填写", "--attach：必须填写（或 --statistics）")
                    .replace("attachments: missing", "--attach: missing (or --statistics)")
                    .replace("signed_by", "--signed-by"),
            ),
            other => other,
        }
    })?;
    let d = &outcome.record;
    let status = d.status_at(engine.now());
    let mut human = match lang {
        Lang::Zh => {
            format!("报告事项 {}（{}）  状态：{}", d.id, d.title, status_name(status, lang))
        }
        Lang::En => format!("duty {} ({})  status: {}", d.id, d.title, status_name(status, lang)),
    };
    if let (Some(path), Some(bytes)) = (&a.statistics, written) {
        human += &match lang {
            Lang::Zh => format!("\n统计表已写入 {}（{bytes} 字节）并作为附件报送", path.display()),
            Lang::En => format!(
                "\nstatistics table written to {} ({bytes} bytes) and attached",
                path.display()
            ),
        };
    }
    let attachments = d.submission.as_ref().map(|s| s.attachments.clone()).unwrap_or_default();
    out.value(
        "duty.submit",
        json!({ "duty": d.id, "version": d.version, "status": status, "attachments": attachments }),
        human,
    );
    Ok(())
}

/// Renders the statistics table of the duty's period (a campaign duty's: its campaign's) to
/// `path` and returns it as an attachment with its SHA-256, and its size.
async fn statistics_file<S: InspectionStore + RecordStore>(
    app: &App<S>,
    engine: &Eng<S>,
    org: &Org,
    duty: &Duty,
    path: &Path,
) -> Result<(Attachment, usize), CliError> {
    let lang = app.opts.lang;
    let tenant = &app.opts.tenant;
    let ext = path.extension().and_then(|x| x.to_str()).unwrap_or_default().to_ascii_lowercase();
    let format = match ext.as_str() {
        "xlsx" => Format::Xlsx,
        "csv" => Format::Csv,
        _ => {
            return Err(CliError::Invalid(match lang {
                Lang::Zh => format!("--statistics：`{}` 须为 .xlsx 或 .csv 文件", path.display()),
                Lang::En => {
                    format!("--statistics: `{}` must be a .xlsx or .csv file", path.display())
                }
            }))
        }
    };
    let policy = engine.policy();
    let calendar = policy.calendar();
    let bytes = match &duty.campaign {
        Some(code) => {
            // The campaign's hazards from its first day to this report's date.
            let (from, to) = duty.period.unwrap_or((chrono::NaiveDate::MIN, duty.due_date));
            let (_, period, table) = engine
                .campaign_statistics_between(tenant, code, from, to)
                .await
                .map_err(|e| fail(e, lang))?;
            let cx = CellContext::new(lang, calendar.time_zone())
                .with_org(org)
                .with_matrix(policy.matrix());
            let made = match format {
                Format::Xlsx => {
                    let setup = PrintSetup::for_period(&period, calendar, lang, engine.now());
                    hazardloop_export::stats_xlsx_with(&table, &cx, &setup)
                }
                other => hazardloop_export::export_stats(other, &table, &cx),
            };
            made.map_err(|e| CliError::Other(e.to_string()))?
        }
        None => {
            let Some((from, to)) = duty.period else {
                return Err(CliError::Invalid(match lang {
                    Lang::Zh => {
                        format!("--statistics：报告事项 {} 没有所报期间，无统计表", duty.id)
                    }
                    Lang::En => format!("--statistics: duty {} reports on no period", duty.id),
                }));
            };
            let period = Period::custom(from, to)
                .map_err(|e| CliError::Invalid(crate::error::input(&e, lang)))?;
            let rendered = hazardloop_export::render(
                engine,
                tenant,
                org,
                lang,
                What::Stats,
                format,
                Some(&period),
            )
            .await;
            match rendered {
                Ok(bytes) => bytes,
                Err(RenderError::Engine(e)) => return Err(fail(e, lang)),
                Err(e) => return Err(CliError::Other(e.to_string())),
            }
        }
    };
    std::fs::write(path, &bytes).map_err(|e| {
        CliError::Other(match lang {
            Lang::Zh => format!("--statistics {}：无法写入（{e}）", path.display()),
            Lang::En => format!("--statistics {}: {e}", path.display()),
        })
    })?;
    let sha = hex::encode(Sha256::digest(&bytes));
    let uri = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    Ok((Attachment { uri: uri.display().to_string(), sha256: Some(sha) }, bytes.len()))
}
