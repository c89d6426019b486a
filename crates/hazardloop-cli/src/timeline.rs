//! `show` (one hazard: its ledger row and its timeline, in the chosen language) and
//! `categories` (the responsibility matrix's codes and names).

use hazardloop_core::chain::Recorded;
use hazardloop_core::model::Lang;
use hazardloop_core::org::Org;
use hazardloop_core::policy::Policy;
use hazardloop_core::report::{CellContext, Column, LedgerRow};
use hazardloop_core::workflow::Event;
use serde_json::json;

use crate::args::OutputFormat;
use crate::out::Out;

fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}

/// `show`: the row's cells, supervision and the inspection it came from, then the timeline.
pub fn show(out: &mut Out, row: &LedgerRow, timeline: &[Recorded], org: &Org, policy: &Policy) {
    let lang = out.lang;
    if out.format == OutputFormat::Json {
        let names: Vec<_> = timeline
            .iter()
            .map(|r| {
                json!({ "seq": r.seq, "type": r.event.type_name(), "name": r.event.name(lang),
                        "detail": hazardloop_export::event_detail(&r.event, row, org, lang, out.tz) })
            })
            .collect();
        out.value(
            "show",
            json!({ "ledger": row, "timeline": timeline, "events": names }),
            String::new(),
        );
        return;
    }
    let cx = CellContext::new(lang, out.tz).with_org(org).with_matrix(policy.matrix());
    let colon = pick(lang, "：", ": ");
    for col in Column::ALL.iter().filter(|c| **c != Column::Number) {
        let cell = row.cell(*col, &cx);
        if !cell.is_empty() {
            out.line(format!("{}{colon}{cell}", col.header(lang)));
        }
    }
    if row.number.is_some() {
        out.line(format!("{}{colon}{}", pick(lang, "记录标识", "Record key"), row.id));
    }
    if row.supervised {
        let supervision = timeline.iter().rev().find_map(|r| match &r.event {
            Event::Supervised { supervision } => Some(supervision),
            _ => None,
        });
        let mut text = pick(lang, "是", "yes").to_owned();
        if let Some(s) = supervision {
            let by = org.person(&s.by).map_or_else(|| s.by.to_string(), |p| p.name.clone());
            let at = s.at.with_timezone(&out.tz).format("%Y-%m-%d %H:%M");
            text += &format!(" {by} {at} {}", s.reference.as_deref().unwrap_or(""));
        }
        out.line(format!("{}{colon}{}", pick(lang, "挂牌督办", "Supervised"), text.trim_end()));
    }
    if let Some(since) = row.paused_since {
        let at = since.with_timezone(&out.tz).format("%Y-%m-%d %H:%M");
        out.line(format!("{}{colon}{at}", pick(lang, "暂停计时自", "Paused since")));
    }
    out.line(pick(lang, "过程记录：", "Timeline:"));
    for r in timeline {
        let who = r.event.by().map_or_else(
            || pick(lang, "系统", "system").to_owned(),
            |p| org.person(p).map_or_else(|| p.to_string(), |x| x.name.clone()),
        );
        let at = r.event.at().with_timezone(&out.tz).format("%Y-%m-%d %H:%M");
        let name = r.event.name(lang);
        let more = hazardloop_export::event_detail(&r.event, row, org, lang, out.tz);
        let line = format!("  #{:<3} {at}  {name}  {who}  {more}", r.seq);
        out.line(line.trim_end());
    }
}

/// `categories`: code, Chinese and English names, lead department, participating ones.
pub fn categories(out: &mut Out, policy: &Policy) {
    let lang = out.lang;
    let entries = policy.matrix().entries();
    let header: Vec<String> = [
        pick(lang, "代码", "code"),
        pick(lang, "类别", "category"),
        pick(lang, "牵头部门", "lead"),
        pick(lang, "配合部门", "participating"),
    ]
    .iter()
    .map(|h| (*h).to_owned())
    .collect();
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.category.to_string(),
                e.name(lang).to_owned(),
                e.lead.clone(),
                e.participating.join(pick(lang, "、", ", ")),
            ]
        })
        .collect();
    let list: Vec<_> = entries
        .iter()
        .map(|e| {
            json!({ "code": e.category, "name": e.name(lang), "name_zh": e.name_zh,
                    "name_en": e.name_en, "lead": e.lead, "participating": e.participating })
        })
        .collect();
    let title = match lang {
        Lang::Zh => format!("职责清单中的隐患类别（{} 类）", rows.len()),
        Lang::En => format!("hazard categories of the responsibility matrix ({})", rows.len()),
    };
    out.grid("categories", &[title], &header, &rows, json!({ "categories": list }));
}
