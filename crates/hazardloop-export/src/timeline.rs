//! A hazard's timeline in words: what each event says beyond its name, for every place a
//! person reads the history (the CLI's `show`, the console's hazard page).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use hazardloop_core::escalation::Escalation;
use hazardloop_core::model::{Lang, Named, PersonId};
use hazardloop_core::notify::{resolve, Resolved};
use hazardloop_core::org::Org;
use hazardloop_core::report::LedgerRow;
use hazardloop_core::workflow::Event;

fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}

fn person(org: &Org, p: &PersonId) -> String {
    org.person(p).map_or_else(|| p.to_string(), |x| x.name.clone())
}

/// What an escalation did: which clock, which rung (from 1), the action and who was told (the
/// ladder's roles, with the people who hold them for this hazard now).
pub fn escalation_text(e: &Escalation, row: &LedgerRow, org: &Org, lang: Lang) -> String {
    let unit = row.responsible_unit.as_ref().unwrap_or(&row.unit);
    let told: Vec<String> =
        e.to.iter()
            .map(|r| {
                let role = r.name(lang);
                match resolve(org, *r, unit, row.assignee.as_ref()) {
                    Resolved::People(people) => {
                        let names: Vec<String> = people.iter().map(|p| person(org, p)).collect();
                        match lang {
                            Lang::Zh => format!("{role}（{}）", names.join("、")),
                            Lang::En => format!("{role} ({})", names.join(", ")),
                        }
                    }
                    Resolved::Nobody(_) => match lang {
                        Lang::Zh => format!("{role}（无人）"),
                        Lang::En => format!("{role} (nobody)"),
                    },
                }
            })
            .collect();
    let rung = u32::from(e.key.rung) + 1;
    match lang {
        Lang::Zh => format!(
            "{} 第 {rung} 级 {}，通知 {}",
            e.key.clock.name(lang),
            e.action.name(lang),
            told.join("、")
        ),
        Lang::En => format!(
            "{} rung {rung}: {}, told {}",
            e.key.clock.name(lang),
            e.action.name(lang),
            told.join(", ")
        ),
    }
}

/// The detail of `event` worth a line in the timeline (empty when its name says it all).
pub fn event_detail(event: &Event, row: &LedgerRow, org: &Org, lang: Lang, tz: Tz) -> String {
    let time = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let colon = pick(lang, "：", ": ");
    match event {
        Event::Escalated { escalation, .. } => escalation_text(escalation, row, org, lang),
        Event::Supervised { supervision } => supervision
            .reference
            .as_ref()
            .map(|r| format!("{}{colon}{r}", pick(lang, "督办文号", "reference")))
            .unwrap_or_default(),
        Event::Reassigned { to, note, .. } => format!("→ {} {note}", person(org, to)),
        Event::Commented { text, .. } => text.clone(),
        Event::ProgressRecorded { progress } => match progress.percent {
            Some(p) => format!("{p}% {}", progress.note),
            None => progress.note.clone(),
        },
        Event::ExtensionRequested { request } => format!(
            "{}{colon}{} {}",
            pick(lang, "申请延至", "to"),
            time(request.new_deadline),
            request.reason
        ),
        Event::ClockPaused { pause } => pause.reason.clone(),
        Event::DeadlineReprojected { clock, from, to, provisional, reason, .. } => {
            let mark = if *provisional { pick(lang, "（暂定）", " (provisional)") } else { "" };
            format!("{} {} → {}{mark}{colon}{reason}", clock.name(lang), time(*from), time(*to))
        }
        Event::AcceptanceFailed { rejection } => rejection.reason.clone(),
        Event::InterimControlAdded { control } => {
            let m: Vec<&str> = control.measures.iter().map(|m| m.name(lang)).collect();
            format!("{} {}", m.join(pick(lang, "、", ", ")), control.note)
        }
        _ => String::new(),
    }
    .trim()
    .to_owned()
}
