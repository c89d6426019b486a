//! The action forms of a hazard's page: which steps the console offers, the fields of each
//! (every one labelled), and the command a filled form stands for. The engine decides: a form
//! is only shown when the actor's roles and the hazard's step allow it, and what is submitted
//! is decided again, with the hazard's version, so a stale form is refused.

use std::collections::HashMap;

use chrono::NaiveDate;
use hazardloop_core::calendar::Calendar;
use hazardloop_core::model::{Actor, Evidence, Lang, Method, Named, RiskColour};
use hazardloop_core::org::{authorize, Org};
use hazardloop_core::policy::Policy;
use hazardloop_core::workflow::graph::next_stage;
use hazardloop_core::workflow::{Command, FourImplementations, Hazard, Plan, Register, Step};
use serde_json::{json, Value};

/// What kind of input a field is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Area,
    Date,
    Check,
    File,
    Select(Vec<(String, String)>),
}

/// One labelled input.
#[derive(Clone, Debug)]
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) label: &'static str,
    pub(crate) kind: Kind,
    pub(crate) required: bool,
}

impl Field {
    pub(crate) fn is(&self, kind: &str) -> bool {
        matches!(
            (&self.kind, kind),
            (Kind::Text, "text")
                | (Kind::Area, "area")
                | (Kind::Date, "date")
                | (Kind::Check, "check")
                | (Kind::File, "file")
                | (Kind::Select(_), "select")
        )
    }

    pub(crate) fn options(&self) -> &[(String, String)] {
        match &self.kind {
            Kind::Select(o) => o,
            _ => &[],
        }
    }
}

/// One form: a step, its title, its fields.
#[derive(Clone, Debug)]
pub(crate) struct ActionForm {
    pub(crate) step: String,
    pub(crate) title: &'static str,
    pub(crate) fields: Vec<Field>,
    pub(crate) multipart: bool,
}

/// The steps the console offers, in the loop's order.
const OFFERED: [Step; 10] = [
    Step::Register,
    Step::Report,
    Step::StartTreatment,
    Step::Complete,
    Step::Pass,
    Step::Fail,
    Step::Close,
    Step::Archive,
    Step::Reassign,
    Step::Comment,
];

/// A step's code in URLs (`start_treatment`).
pub(crate) fn code(step: Step) -> String {
    serde_json::to_value(step).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// The step of a code.
pub(crate) fn step_of(code: &str) -> Option<Step> {
    OFFERED.into_iter().find(|s| self::code(*s) == code)
}

/// A command of `step` with placeholder content: what `authorize` needs to judge the actor.
fn sample(
    step: Step,
    actor: &Actor,
    policy: &Policy,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Command> {
    let me = actor.person.clone();
    Some(match step {
        Step::Register => Command::from(Register {
            grade: None,
            assessment: Method::Judgement { colour: RiskColour::Blue },
            category: policy.matrix().categories().next()?.clone(),
            responsible_unit: None,
            assignee: me,
            deadline: None,
            fixable_at_once: true,
            campaign: None,
        }),
        Step::Report => Command::Report { to_bureau: false, written: false, reference: None },
        Step::StartTreatment => Command::StartTreatment {
            plan: Box::new(Plan::General(FourImplementations {
                responsible: me,
                measures: String::new(),
                deadline: now,
                contingency: String::new(),
            })),
            interim: None,
        },
        Step::Complete => Command::Complete { summary: String::new(), evidence: Vec::new() },
        Step::Pass => Command::Pass { note: String::new() },
        Step::Fail => Command::Fail { reason: String::new() },
        Step::Close => Command::Close { note: String::new() },
        Step::Archive => Command::Archive,
        Step::Reassign => Command::Reassign { to: me, note: String::new() },
        Step::Comment => Command::Comment { text: String::new() },
        _ => return None,
    })
}

/// The forms `actor` may use on `hazard` now: the step table allows the step from the
/// hazard's stage and the engine's authorization admits the actor for it.
pub(crate) fn offered(
    hazard: &Hazard,
    actor: &Actor,
    org: &Org,
    policy: &Policy,
    now: chrono::DateTime<chrono::Utc>,
    lang: Lang,
) -> Vec<ActionForm> {
    let kind = hazard.stage.kind();
    OFFERED
        .into_iter()
        .filter(|s| next_stage(Some(kind), *s).is_some())
        .filter(|s| {
            sample(*s, actor, policy, now)
                .is_some_and(|c| authorize(actor, &c, Some(hazard), org, policy.grants()).is_ok())
        })
        .map(|s| form(s, org, policy, lang))
        .collect()
}

fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}

fn field(name: &'static str, label: &'static str, kind: Kind, required: bool) -> Field {
    Field { name, label, kind, required }
}

fn people(org: &Org) -> Kind {
    Kind::Select(org.people().map(|p| (p.id.to_string(), p.name.clone())).collect())
}

/// The form of `step`.
pub(crate) fn form(step: Step, org: &Org, policy: &Policy, lang: Lang) -> ActionForm {
    use Kind::*;
    let colours = Select(
        [RiskColour::Blue, RiskColour::Yellow, RiskColour::Orange, RiskColour::Red]
            .iter()
            .map(|c| {
                (
                    serde_json::to_value(c)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    c.name(lang).to_owned(),
                )
            })
            .collect(),
    );
    let categories = Select(
        policy
            .matrix()
            .entries()
            .iter()
            .map(|e| (e.category.to_string(), e.name(lang).to_owned()))
            .collect(),
    );
    let fields = match step {
        Step::Register => vec![
            field("colour", t(lang, "风险颜色", "Risk colour"), colours, true),
            field("category", t(lang, "类别", "Category"), categories, true),
            field("assignee", t(lang, "责任人", "Assignee"), people(org), true),
            field(
                "deadline",
                t(lang, "整改期限（空则按规定）", "Deadline (blank: the rule's)"),
                Date,
                false,
            ),
        ],
        Step::Report => vec![
            field("to_bureau", t(lang, "同时报教育局", "Also to the bureau"), Check, false),
            field("written", t(lang, "书面报告", "In writing"), Check, false),
            field("reference", t(lang, "文号", "Reference"), Text, false),
        ],
        Step::StartTreatment => vec![
            field("responsible", t(lang, "整改负责人", "Responsible"), people(org), true),
            field("measures", t(lang, "整改措施", "Measures"), Area, true),
            field("deadline", t(lang, "整改期限", "Deadline"), Date, true),
            field("contingency", t(lang, "应急预案", "Contingency"), Area, true),
        ],
        Step::Complete => vec![
            field("summary", t(lang, "整改情况", "What was done"), Area, true),
            field("photo", t(lang, "整改照片", "Photo"), File, true),
        ],
        Step::Pass => vec![field("note", t(lang, "验收意见", "Finding"), Area, false)],
        Step::Fail => vec![field("reason", t(lang, "不合格原因", "Why it failed"), Area, true)],
        Step::Close => vec![field("note", t(lang, "销号说明", "Note"), Area, false)],
        Step::Reassign => vec![
            field("to", t(lang, "改派给", "Reassign to"), people(org), true),
            field("note", t(lang, "原因", "Reason"), Area, true),
        ],
        Step::Comment => vec![field("text", t(lang, "备注", "Comment"), Area, true)],
        _ => Vec::new(),
    };
    ActionForm {
        step: code(step),
        title: step.name(lang),
        multipart: step == Step::Complete,
        fields,
    }
}

fn text(f: &HashMap<String, String>, name: &str) -> String {
    f.get(name).map(|v| v.trim().to_owned()).unwrap_or_default()
}

/// A date field as the end of that working day, or `Value::Null` when blank.
fn deadline(f: &HashMap<String, String>, name: &str, cal: &Calendar) -> Result<Value, String> {
    let v = text(f, name);
    if v.is_empty() {
        return Ok(Value::Null);
    }
    let d = NaiveDate::parse_from_str(&v, "%Y-%m-%d")
        .map_err(|_| format!("{name}: `{v}` is not a date"))?;
    Ok(json!(cal.end_of_day(d)))
}

/// The command a filled form of `step` stands for; errors name the field.
pub(crate) fn command(
    step: Step,
    f: &HashMap<String, String>,
    evidence: Vec<Evidence>,
    cal: &Calendar,
) -> Result<Command, String> {
    let checked = |name: &str| f.get(name).is_some_and(|v| v == "on" || v == "true");
    let body = match step {
        Step::Register => json!({
            "command": "register",
            "assessment": { "method": "judgement", "colour": text(f, "colour") },
            "category": text(f, "category"),
            "assignee": text(f, "assignee"),
            "deadline": deadline(f, "deadline", cal)?,
        }),
        Step::Report => json!({
            "command": "report",
            "to_bureau": checked("to_bureau"),
            "written": checked("written"),
            "reference": Some(text(f, "reference")).filter(|r| !r.is_empty()),
        }),
        Step::StartTreatment => json!({
            "command": "start_treatment",
            "plan": {
                "kind": "general",
                "responsible": text(f, "responsible"),
                "measures": text(f, "measures"),
                "deadline": deadline(f, "deadline", cal)?,
                "contingency": text(f, "contingency"),
            },
        }),
        Step::Complete => {
            json!({ "command": "complete", "summary": text(f, "summary"), "evidence": evidence })
        }
        Step::Pass => json!({ "command": "pass", "note": text(f, "note") }),
        Step::Fail => json!({ "command": "fail", "reason": text(f, "reason") }),
        Step::Close => json!({ "command": "close", "note": text(f, "note") }),
        Step::Archive => json!({ "command": "archive" }),
        Step::Reassign => {
            json!({ "command": "reassign", "to": text(f, "to"), "note": text(f, "note") })
        }
        Step::Comment => json!({ "command": "comment", "text": text(f, "text") }),
        _ => return Err(format!("{}: not offered here", code(step))),
    };
    serde_json::from_value(body).map_err(|e| e.to_string())
}
