//! `hazardloop duty …`: 报告事项. Report schedules (季度安全形势分析, 年度总结, 会议纪要,
//! 责任书) and campaigns' report dates become duties, each due on a day; a duty is submitted
//! with its documents (the statistics table made here when asked), on time or late, or is
//! missed (漏报).

use chrono::{DateTime, Utc};
use hazardloop_core::duty::{Duty, DutyEvent, RecordKind, RecordQuery, RecordRow};
use hazardloop_core::model::{Lang, Named};
use hazardloop_core::org::Org;
use hazardloop_core::store::{InspectionStore, RecordStore};
use serde_json::{json, Value};

use crate::app::App;
use crate::error::CliError;
use crate::inspection::date;
use crate::inspection_view::{person, unit};
use crate::out::Out;
use crate::record_args::DutyCmd;
use crate::record_error::record as fail;
use crate::record_view::{aligned, day_range, local, record_id, strings, t, timeline_lines};

use crate::duty_schedules::schedules;
use crate::duty_submit::submit;

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
            let timeline =
                engine.record_timeline::<Duty>(tenant, &id).await.map_err(|e| fail(e, lang))?;
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
