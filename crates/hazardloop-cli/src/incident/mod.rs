//! `hazardloop incident …`: 突发事件报告. An incident the school learns of is reported to the
//! bureau by phone (within 30 minutes by default) and in writing (within 2 hours), followed up,
//! and closed once the written report is sent.
//!
//! Here the dispatch of the subcommands and the parsing of their input; `view` renders what
//! they answer.

mod view;

use hazardloop_core::duty::{Incident, IncidentCommand, IncidentType, RecordQuery};
use hazardloop_core::model::Lang;
use hazardloop_core::store::{InspectionStore, RecordStore};

use self::view::{list, outcome_out, show, stats};
use crate::app::{parse_time_in, App};
use crate::error::CliError;
use crate::out::Out;
use crate::record_args::IncidentCmd;
use crate::record_error::record as fail;
use crate::record_view::record_id;

/// Runs one `incident` subcommand.
pub async fn run<S: InspectionStore + RecordStore>(
    app: &App<S>,
    cmd: IncidentCmd,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = app.opts.lang;
    let (engine, _, org) = app.engine().await?;
    let tenant = &app.opts.tenant;
    let policy = engine.policy().clone();
    let time = |text: &str, option: &str| parse_time_in(text, &policy, option, lang);
    let (name, id, command) = match cmd {
        IncidentCmd::Open(a) => {
            let kind = kind(&a.kind, lang)?;
            let command = IncidentCommand::Open {
                unit: crate::parse::unit("--unit", &a.unit, lang)?,
                title: a.title,
                kind,
                location: a.location,
                summary: a.summary,
                occurred_at: time(&a.occurred_at, "--occurred-at")?,
                learned_at: a.learned_at.as_deref().map(|l| time(l, "--learned-at")).transpose()?,
            };
            ("open", a.id, command)
        }
        IncidentCmd::Phone(a) => {
            let at = a.at.as_deref().map(|x| time(x, "--at")).transpose()?;
            ("phone", Some(a.id), IncidentCommand::PhoneReport { at, to: a.to, note: a.note })
        }
        IncidentCmd::Written(a) => {
            let at = a.at.as_deref().map(|x| time(x, "--at")).transpose()?;
            let command =
                IncidentCommand::WrittenReport { at, note: a.note, attachments: a.attach };
            ("written", Some(a.id), command)
        }
        IncidentCmd::FollowUp(a) => {
            let at = a.at.as_deref().map(|x| time(x, "--at")).transpose()?;
            let command = IncidentCommand::FollowUp { at, note: a.note, attachments: a.attach };
            ("follow-up", Some(a.id), command)
        }
        IncidentCmd::Attach(a) => ("attach", Some(a.id), IncidentCommand::Attach { uri: a.uri }),
        IncidentCmd::Close(a) => ("close", Some(a.id), IncidentCommand::Close { note: a.note }),
        IncidentCmd::Show(a) => {
            let id = record_id(&a.id, "id", lang)?;
            let incident = engine.load_incident(tenant, &id).await.map_err(|e| fail(e, lang))?;
            let timeline =
                engine.record_timeline::<Incident>(tenant, &id).await.map_err(|e| fail(e, lang))?;
            show(&incident, &timeline, &org, engine.now(), out);
            return Ok(());
        }
        IncidentCmd::List(a) => {
            let (from, to) = crate::record_view::day_range(
                a.from.as_deref(),
                a.to.as_deref(),
                policy.calendar(),
                lang,
            )?;
            let query =
                RecordQuery { from, to, open: a.open.then_some(true), ..RecordQuery::default() };
            let rows = engine.incidents(tenant, &query).await.map_err(|e| fail(e, lang))?;
            list(&rows, &org, out);
            return Ok(());
        }
        IncidentCmd::Stats(a) => {
            let period = crate::record_view::period(&a.period, lang)?;
            let tally =
                engine.incident_statistics(tenant, &period).await.map_err(|e| fail(e, lang))?;
            stats(&period, &tally, lang, out);
            return Ok(());
        }
    };
    let actor = app.actor(&org)?;
    let id = id.as_deref().map(|i| record_id(i, "--id", lang)).transpose()?;
    let outcome = engine.incident(&actor, id.as_ref(), command).await.map_err(|e| fail(e, lang))?;
    outcome_out(name, &outcome, out);
    Ok(())
}

/// `--kind`.
fn kind(text: &str, lang: Lang) -> Result<IncidentType, CliError> {
    crate::parse::variant::<IncidentType>("--kind", text, lang).map_err(|_| {
        CliError::Invalid(match lang {
            Lang::Zh => format!(
                "--kind：`{text}` 不是突发事件类别（可填 accident 事故灾难、natural_disaster 自然灾害、\
                 public_health 公共卫生事件、social_security 社会安全事件）"
            ),
            Lang::En => format!(
                "--kind: `{text}` is not a class of incident (accident, natural_disaster, \
                 public_health, social_security)"
            ),
        })
    })
}
