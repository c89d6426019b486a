//! How `hazardloop incident …` shows what it did and found: the outcome of a command, one
//! incident with its report clocks and timeline, the list, the statistics, and the names of
//! statuses and clock states.

use chrono::{DateTime, Utc};
use hazardloop_core::duty::{
    Incident, IncidentClock, IncidentEvent, IncidentTally, IncidentType, RecordKind, RecordRow,
};
use hazardloop_core::engine::RecordOutcome;
use hazardloop_core::model::{Lang, Named};
use hazardloop_core::org::Org;
use hazardloop_core::report::Period;
use serde_json::{json, Value};

use crate::inspection_view::{person, unit};
use crate::out::Out;
use crate::record_view::{aligned, local, strings, t, timeline_lines};

/// `incident stats`.
pub(super) fn stats(period: &Period, tally: &IncidentTally, lang: Lang, out: &mut Out) {
    let label = period.label(lang);
    let header = strings(&[
        t(lang, "报告", "report"),
        t(lang, "按时", "on time"),
        t(lang, "迟报", "late"),
        t(lang, "逾期未报", "overdue"),
    ]);
    let rows = vec![
        vec![
            IncidentClock::Phone.name(lang).to_owned(),
            tally.phone_on_time.to_string(),
            tally.phone_late.to_string(),
            tally.phone_missing.to_string(),
        ],
        vec![
            IncidentClock::Written.name(lang).to_owned(),
            tally.written_on_time.to_string(),
            tally.written_late.to_string(),
            tally.written_missing.to_string(),
        ],
    ];
    let mut lines = vec![
        label.clone(),
        match lang {
            Lang::Zh => {
                format!("突发事件 {} 起，未结案 {} 起", tally.incidents, tally.open)
            }
            Lang::En => format!("{} incidents, {} still open", tally.incidents, tally.open),
        },
    ];
    lines.extend(aligned(&header, &rows, ""));
    out.grid("incident.stats", &lines, &[], &[], json!({ "period": label, "tally": tally }));
}

/// An incident's status in `lang`.
fn status_name(code: &str, lang: Lang) -> String {
    match code {
        "open" => t(lang, "待报告", "open"),
        "phone_reported" => t(lang, "已电话报告", "phone report made"),
        "written_reported" => t(lang, "已书面报告", "written report sent"),
        "closed" => t(lang, "已结案", "closed"),
        other => return other.to_owned(),
    }
    .to_owned()
}

/// How a report clock stands at `now`: `met` (on time), `late`, `overdue` or `pending`.
fn clock_state(due: DateTime<Utc>, met: Option<DateTime<Utc>>, now: DateTime<Utc>) -> &'static str {
    match met {
        Some(at) if at <= due => "met",
        Some(_) => "late",
        None if now > due => "overdue",
        None => "pending",
    }
}

fn clock_state_name(state: &str, lang: Lang) -> &'static str {
    match state {
        "met" => t(lang, "已报", "met"),
        "late" => t(lang, "迟报", "late"),
        "overdue" => t(lang, "逾期", "overdue"),
        _ => t(lang, "未报", "not yet"),
    }
}

/// What an `incident` command did.
pub(super) fn outcome_out(name: &str, o: &RecordOutcome<Incident>, out: &mut Out) {
    let lang = out.lang;
    let i = &o.record;
    let events: Vec<String> = o
        .events
        .iter()
        .filter_map(|e| e.event.get("event").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let mut human = match lang {
        Lang::Zh => format!(
            "突发事件 {}（{}）  状态：{}（版本 {}）",
            i.id,
            i.title,
            status_name(i.status(), lang),
            i.version
        ),
        Lang::En => format!(
            "incident {} ({})  status: {} (version {})",
            i.id,
            i.title,
            status_name(i.status(), lang),
            i.version
        ),
    };
    if name == "open" {
        human += &match lang {
            Lang::Zh => format!(
                "\n电话报告应报时间 {}，书面报告应报时间 {}",
                local(out.tz, i.phone.due),
                local(out.tz, i.written.due)
            ),
            Lang::En => format!(
                "\nphone report due {}, written report due {}",
                local(out.tz, i.phone.due),
                local(out.tz, i.written.due)
            ),
        };
    }
    out.value(
        &format!("incident.{name}"),
        json!({
            "incident": i.id,
            "version": i.version,
            "status": i.status(),
            "events": events,
            "phone_due": i.phone.due,
            "written_due": i.written.due,
        }),
        human,
    );
}

/// One event of the timeline: its type code, its name in `lang` and what it says.
fn event_line(
    e: &IncidentEvent,
    org: &Org,
    lang: Lang,
    tz: chrono_tz::Tz,
) -> (String, String, String) {
    match e {
        IncidentEvent::Opened { by, learned_at, .. } => (
            "opened".into(),
            t(lang, "获知立案", "opened").into(),
            match lang {
                Lang::Zh => format!("{} 于 {} 获知", person(org, by), local(tz, *learned_at)),
                Lang::En => {
                    format!("{} learned of it at {}", person(org, by), local(tz, *learned_at))
                }
            },
        ),
        IncidentEvent::Reported { report } => {
            let mut detail = format!("{} {}", person(org, &report.by), local(tz, report.at));
            if let Some(to) = &report.to {
                detail += &format!(" → {to}");
            }
            if let Some(n) = &report.note {
                detail += t(lang, "：", ": ");
                detail += n;
            }
            ("reported".into(), report.way.name(lang).to_owned(), detail)
        }
        IncidentEvent::Attached { by, uri } => (
            "attached".into(),
            t(lang, "补充附件", "attached").into(),
            format!("{} {uri}", person(org, by)),
        ),
        IncidentEvent::Escalated { clock, rung, .. } => (
            "escalated".into(),
            t(lang, "督办提醒", "escalated").into(),
            match lang {
                Lang::Zh => format!("{} 第 {} 级", clock.name(lang), rung + 1),
                Lang::En => format!("{} rung {}", clock.name(lang), rung + 1),
            },
        ),
        IncidentEvent::Closed { by, note, .. } => (
            "closed".into(),
            t(lang, "结案", "closed").into(),
            match note {
                Some(n) => format!("{}{}{n}", person(org, by), t(lang, "：", ": ")),
                None => person(org, by),
            },
        ),
    }
}

/// `incident show`.
pub(super) fn show(
    i: &Incident,
    timeline: &[(u64, DateTime<Utc>, IncidentEvent)],
    org: &Org,
    now: DateTime<Utc>,
    out: &mut Out,
) {
    let lang = out.lang;
    let tz = out.tz;
    let colon = t(lang, "：", ": ");
    let mut lines = vec![format!("{}{colon}{} {}", RecordKind::Incident.name(lang), i.id, i.title)];
    let facts = [
        (t(lang, "类别", "class"), i.kind.name(lang).to_owned()),
        (t(lang, "单位", "unit"), unit(org, &i.unit)),
        (t(lang, "地点", "location"), i.location.clone()),
        (t(lang, "发生时间", "occurred at"), local(tz, i.occurred_at)),
        (t(lang, "获知时间", "learned of at"), local(tz, i.learned_at)),
        (t(lang, "立案人", "opened by"), person(org, &i.opened_by)),
        (t(lang, "状态", "status"), status_name(i.status(), lang)),
        (t(lang, "概况", "summary"), i.summary.clone()),
    ];
    for (label, value) in facts {
        if !value.is_empty() {
            lines.push(format!("{label}{colon}{value}"));
        }
    }
    if let Some(at) = i.closed_at {
        lines.push(format!("{}{colon}{}", t(lang, "结案时间", "closed at"), local(tz, at)));
    }
    let mut clocks = Vec::new();
    let mut clock_rows = Vec::new();
    for clock in [IncidentClock::Phone, IncidentClock::Written] {
        let c = i.clock(clock);
        let state = clock_state(c.due, c.met_at, now);
        clock_rows.push(vec![
            clock.name(lang).to_owned(),
            local(tz, c.due),
            c.met_at.map_or_else(|| "-".to_owned(), |m| local(tz, m)),
            clock_state_name(state, lang).to_owned(),
        ]);
        clocks.push(json!({
            "clock": clock,
            "name": clock.name(lang),
            "due": c.due,
            "due_local": local(tz, c.due),
            "met_at": c.met_at,
            "state": state,
        }));
    }
    lines.push(t(lang, "报告时限", "report clocks").to_owned());
    let header = strings(&[
        t(lang, "报告", "report"),
        t(lang, "应报时间", "due"),
        t(lang, "报告时间", "made at"),
        t(lang, "状态", "state"),
    ]);
    lines.extend(aligned(&header, &clock_rows, "  "));
    if !i.reports.is_empty() {
        lines.push(t(lang, "报告记录", "reports").to_owned());
        let header = strings(&[
            t(lang, "方式", "way"),
            t(lang, "时间", "at"),
            t(lang, "报告人", "by"),
            t(lang, "报送对象", "to"),
            t(lang, "内容", "note"),
            t(lang, "附件", "attachments"),
        ]);
        let rows: Vec<Vec<String>> = i
            .reports
            .iter()
            .map(|r| {
                vec![
                    r.way.name(lang).to_owned(),
                    local(tz, r.at),
                    person(org, &r.by),
                    r.to.clone().unwrap_or_default(),
                    r.note.clone().unwrap_or_default(),
                    r.attachments.join(" "),
                ]
            })
            .collect();
        lines.extend(aligned(&header, &rows, "  "));
    }
    if !i.attachments.is_empty() {
        lines.push(t(lang, "附件", "attachments").to_owned());
        lines.extend(i.attachments.iter().map(|a| format!("  {a}")));
    }
    let events = timeline_lines(
        &mut lines,
        timeline.iter().map(|(seq, at, e)| (*seq, *at, event_line(e, org, lang, tz))),
        lang,
        tz,
    );
    out.grid(
        "incident.show",
        &lines,
        &[],
        &[],
        json!({
            "incident": i,
            "status": i.status(),
            "clocks": clocks,
            "reports": i.reports,
            "timeline": events,
        }),
    );
}

/// `incident list`.
pub(super) fn list(rows: &[RecordRow], org: &Org, out: &mut Out) {
    let lang = out.lang;
    let header = strings(&[
        t(lang, "编号", "id"),
        t(lang, "名称", "title"),
        t(lang, "类别", "class"),
        t(lang, "单位", "unit"),
        t(lang, "获知时间", "learned of"),
        t(lang, "状态", "status"),
        t(lang, "迟报/逾期", "late"),
    ]);
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let class = r
                .group
                .as_deref()
                .and_then(|g| crate::parse::variant::<IncidentType>("", g, lang).ok())
                .map_or_else(String::new, |k| k.name(lang).to_owned());
            vec![
                r.id.to_string(),
                r.title.clone(),
                class,
                unit(org, &r.unit),
                local(out.tz, r.at),
                status_name(&r.status, lang),
                if r.late { t(lang, "是", "yes") } else { "" }.to_owned(),
            ]
        })
        .collect();
    let title = vec![match lang {
        Lang::Zh => format!("突发事件 {} 起", rows.len()),
        Lang::En => format!("{} incidents", rows.len()),
    }];
    out.grid(
        "incident.list",
        &title,
        &header,
        &table,
        json!({ "total": rows.len(), "rows": rows }),
    );
}
