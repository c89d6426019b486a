//! `hazardloop inspection …`: checklist templates, plans, generating occurrences and performing
//! them (排查). Templates and plans are in `inspection_setup`; listings, `show` and the
//! statistics table in `inspection_view`.

use std::sync::Arc;

use chrono::{Days, NaiveDate};
use hazardloop_core::engine::{Engine, EngineError, InspectionOutcome};
use hazardloop_core::inspection::{Answer, InspectionCommand, OccurrenceId, Template};
use hazardloop_core::model::{Lang, Named};
use hazardloop_core::store::InspectionStore;
use serde_json::json;

use crate::app::{App, Printed};
use crate::error::{self, CliError};
use crate::inspection_args::{AnswerArgs, InspectionCmd};
use crate::inspection_setup as setup;
use crate::inspection_view as view;
use crate::out::Out;
use crate::responses::{self, Typed};

/// The engine the inspection commands run on.
pub(crate) type Eng<S> = Engine<Arc<S>, Printed>;

/// `zh` or `en` by language.
pub(crate) fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}

/// Runs one `inspection` subcommand.
pub async fn run<S: InspectionStore>(
    app: &App<S>,
    cmd: InspectionCmd,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = app.opts.lang;
    let (engine, _, org) = app.engine().await?;
    let tenant = &app.opts.tenant;
    let fail = |e: EngineError| error::engine(e, lang);
    match cmd {
        InspectionCmd::Templates(cmd) => setup::templates(&engine, tenant, cmd, out).await,
        InspectionCmd::Plans(cmd) => setup::plans(&engine, tenant, &org, cmd, out).await,
        InspectionCmd::Generate(args) => {
            let today = today(&engine);
            let from = args.from.as_deref().map(|d| date(d, "--from", lang)).transpose()?;
            let from = from.unwrap_or(today);
            let to = match args.to.as_deref() {
                Some(d) => date(d, "--to", lang)?,
                None => from.checked_add_days(Days::new(30)).unwrap_or(from),
            };
            if to < from {
                return Err(CliError::Invalid(match lang {
                    Lang::Zh => format!("--to：{to} 早于 --from {from}"),
                    Lang::En => format!("--to: {to} is before --from {from}"),
                }));
            }
            let r = engine.generate(tenant, from, to).await.map_err(fail)?;
            let mut human = match lang {
                Lang::Zh => format!(
                    "{from} 至 {to}：应生成检查任务 {} 个，新建 {} 个",
                    r.considered, r.created
                ),
                Lang::En => format!(
                    "{from} to {to}: {} occurrences due, {} created",
                    r.considered, r.created
                ),
            };
            if r.unassigned > 0 {
                human += &match lang {
                    Lang::Zh => format!("；{} 个无人担任检查人，未生成", r.unassigned),
                    Lang::En => {
                        format!("; {} had nobody to inspect and were skipped", r.unassigned)
                    }
                };
            }
            let value = json!({ "from": from, "to": to, "considered": r.considered, "created": r.created, "unassigned": r.unassigned });
            out.value("inspection.generate", value, human);
            Ok(())
        }
        InspectionCmd::Due(args) => {
            let actor = app.actor(&org)?;
            let day = match args.date.as_deref() {
                Some(d) => date(d, "--date", lang)?,
                None => today(&engine),
            };
            let rows = engine.due_for(tenant, &actor.person, day).await.map_err(fail)?;
            view::due(&rows, day, &org, engine.now(), out);
            Ok(())
        }
        InspectionCmd::Start(a) => {
            perform(app, &engine, &a.id, "start", InspectionCommand::Start, out).await
        }
        InspectionCmd::Answer(a) => answer(app, &engine, a, out).await,
        InspectionCmd::Complete(a) => {
            let answers = match &a.file {
                Some(file) => {
                    let template = occurrence_template(&engine, tenant, &a.id, lang).await?;
                    responses::read_file(file, &template, lang)?
                }
                None => Vec::new(),
            };
            let command = InspectionCommand::Complete { answers };
            perform(app, &engine, &a.id, "complete", command, out).await
        }
        InspectionCmd::Excuse(a) => {
            let command = InspectionCommand::Excuse { reason: a.reason };
            perform(app, &engine, &a.id, "excuse", command, out).await
        }
        InspectionCmd::Reassign(a) => {
            let to = crate::parse::person("--to", &a.to, lang)?;
            let command = InspectionCommand::Reassign { to, reason: a.reason };
            perform(app, &engine, &a.id, "reassign", command, out).await
        }
        InspectionCmd::Missed(a) => {
            let sweep =
                if a.sweep { Some(engine.sweep_inspections().await.map_err(fail)?) } else { None };
            // The sweep writes its notices to the outbox; `dispatch` delivers them.
            view::missed(&engine, tenant, sweep, &org, out).await
        }
        InspectionCmd::Stats(a) => {
            let (from, to) = (date(&a.from, "--from", lang)?, date(&a.to, "--to", lang)?);
            let period = hazardloop_core::report::Period::custom(from, to).map_err(|e| {
                CliError::Invalid(error::input(&e, lang).replace("period.to", "--to"))
            })?;
            let bounds = period.bounds(engine.policy().calendar());
            let lines = engine.inspection_statistics(tenant, bounds).await.map_err(fail)?;
            view::stats(&period.label(lang), from, to, &lines, out);
            Ok(())
        }
        InspectionCmd::Show(a) => {
            view::show(app, &engine, &occurrence_id(&a.id, lang)?, &org, out).await
        }
        InspectionCmd::Verify(a) => {
            let id = occurrence_id(&a.id, lang)?;
            engine.verify_occurrence(tenant, &id).await.map_err(fail)?;
            let human = match lang {
                Lang::Zh => format!("检查任务 {id} 校验通过"),
                Lang::En => format!("occurrence {id} verified"),
            };
            out.value("inspection.verify", json!({ "verified": id }), human);
            Ok(())
        }
    }
}

/// `answer`: one item from the flags, or a response file.
async fn answer<S: InspectionStore>(
    app: &App<S>,
    engine: &Eng<S>,
    a: AnswerArgs,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = app.opts.lang;
    let template = occurrence_template(engine, &app.opts.tenant, &a.id, lang).await?;
    if let Some(file) = &a.file {
        let answers = responses::read_file(file, &template, lang)?;
        return perform(app, engine, &a.id, "answer", InspectionCommand::Answer { answers }, out)
            .await;
    }
    let (Some(item), Some(typed)) = (a.item, a.response) else {
        return Err(CliError::Usage(match lang {
            Lang::Zh => "answer 须填 --item 和 --response，或 --file".into(),
            Lang::En => "answer needs --item and --response, or --file".into(),
        }));
    };
    let answer = Answer {
        response: responses::response(&Typed::Text(typed), &item, Some(&template)),
        item,
        comment: a.comment,
        evidence: crate::parse::evidence(&a.evidence, lang)?,
        location: a.location,
        fixed_on_the_spot: a.fixed,
    };
    let result = perform(
        app,
        engine,
        &a.id,
        "answer",
        InspectionCommand::Answer { answers: vec![answer] },
        out,
    )
    .await;
    // The engine names `answers[0].…`; on the command line that is the flag.
    result.map_err(|e| match e {
        CliError::Invalid(m) => CliError::Invalid(
            m.replace("answers[0].fixed_on_the_spot", "--fixed").replace("answers[0].", "--"),
        ),
        other => other,
    })
}

/// Runs a command on an occurrence as the actor and prints the outcome.
async fn perform<S: InspectionStore>(
    app: &App<S>,
    engine: &Eng<S>,
    id: &str,
    name: &str,
    command: InspectionCommand,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = app.opts.lang;
    let org = engine.org(&app.opts.tenant).map_err(|e| error::engine(e, lang))?;
    let actor = app.actor(&org)?;
    let id = occurrence_id(id, lang)?;
    let outcome = engine.inspect(&actor, &id, command).await.map_err(|e| error::engine(e, lang))?;
    outcome_out(name, &outcome, lang, out);
    Ok(())
}

fn outcome_out(name: &str, o: &InspectionOutcome, lang: Lang, out: &mut Out) {
    let events: Vec<String> = o.events.iter().map(|r| view::event_type(&r.event)).collect();
    let hazards: Vec<_> = o
        .hazards
        .iter()
        .map(|(item, h)| json!({ "item": item, "hazard": h.to_string() }))
        .collect();
    let mut human = format!(
        "{} {}  {}: {}  ({} {})",
        t(lang, "检查任务", "occurrence"),
        o.occurrence,
        t(lang, "状态", "status"),
        o.status.name(lang),
        t(lang, "版本", "version"),
        o.version
    );
    if !o.hazards.is_empty() {
        human += &match lang {
            Lang::Zh => {
                format!("\n发现隐患 {} 条（已登记为隐患，进入排查治理闭环）：", o.hazards.len())
            }
            Lang::En => format!("\n{} hazards raised from findings:", o.hazards.len()),
        };
        for (item, hazard) in &o.hazards {
            human += &format!("\n  {item} → {hazard}");
        }
    }
    out.value(
        &format!("inspection.{name}"),
        json!({
            "occurrence": o.occurrence,
            "version": o.version,
            "status": o.status,
            "events": events,
            "hazards": hazards,
        }),
        human,
    );
}

/// The template an occurrence was scheduled with.
async fn occurrence_template<S: InspectionStore>(
    engine: &Eng<S>,
    tenant: &hazardloop_core::model::TenantId,
    id: &str,
    lang: Lang,
) -> Result<Template, CliError> {
    let id = occurrence_id(id, lang)?;
    let fail = |e: EngineError| error::engine(e, lang);
    let occurrence = engine.occurrence(tenant, &id).await.map_err(fail)?.ok_or_else(|| {
        fail(EngineError::OccurrenceNotFound { tenant: tenant.clone(), occurrence: id.clone() })
    })?;
    let reference = &occurrence.scheduled.template;
    engine
        .template(tenant, reference)
        .await
        .map_err(fail)?
        .ok_or_else(|| setup::no_template(&reference.to_string(), lang))
}

/// An occurrence id from the command line.
pub(crate) fn occurrence_id(text: &str, lang: Lang) -> Result<OccurrenceId, CliError> {
    OccurrenceId::parse(text.trim()).map_err(|_| {
        CliError::Invalid(match lang {
            Lang::Zh => format!("`{text}` 不是检查任务编号（形如 计划/单位/期次）"),
            Lang::En => format!("`{text}` is not an occurrence id (plan/unit/period)"),
        })
    })
}

/// A date option (`YYYY-MM-DD`).
pub(crate) fn date(text: &str, option: &str, lang: Lang) -> Result<NaiveDate, CliError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        CliError::Invalid(match lang {
            Lang::Zh => format!("{option}：`{text}` 不是日期（应为 YYYY-MM-DD）"),
            Lang::En => format!("{option}: `{text}` is not a date (YYYY-MM-DD)"),
        })
    })
}

/// Today in the school's time zone.
pub(crate) fn today<S: InspectionStore>(engine: &Eng<S>) -> NaiveDate {
    engine.policy().calendar().local_date(engine.now())
}
