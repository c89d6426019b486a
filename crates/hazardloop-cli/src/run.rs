//! Each subcommand, on any store.

use hazardloop_core::engine::{Engine, EngineError, Request};
use hazardloop_core::model::{Lang, Named, TenantId};
use hazardloop_core::org::{Contacts, Org, Person, Preset, Role, Unit, UnitKind};
use hazardloop_core::policy::Policy;
use hazardloop_core::report::{LedgerFilter, LedgerRow, Page, Period};
use hazardloop_core::store::{InspectionStore, Store};
use hazardloop_core::workflow::{
    Command, Discover, DismissReason, FourImplementations, Interim, MajorPlan, Plan, Register,
};
use serde_json::json;

use crate::app::{hazard_id, parse_deadline, App, Printed, POLICY_DOC};
use crate::args::{Cmd, InitArgs, OrgCmd};
use crate::error::CliError;
use crate::out::Out;
use crate::parse;

/// Runs one subcommand.
pub async fn run<S: InspectionStore>(
    app: &App<S>,
    cmd: Cmd,
    out: &mut Out,
) -> Result<(), CliError> {
    match cmd {
        Cmd::Init(args) => init(app, args, out).await,
        Cmd::Org(cmd) => org(app, cmd, out).await,
        Cmd::List(args) => {
            let (engine, _, org) = app.engine().await?;
            let filter = LedgerFilter {
                stages: args.stage.iter().map(|s| parse::stage(s)).collect::<Result<_, _>>()?,
                overdue: args.overdue.then_some(true),
                unit: args.unit.as_deref().map(|u| parse::unit("--unit", u)).transpose()?,
                category: args
                    .category
                    .as_deref()
                    .map(|c| parse::category("--category", c))
                    .transpose()?,
                grade: args.grade.as_deref().map(parse::grade).transpose()?,
                ..LedgerFilter::default()
            };
            let page = engine
                .ledger(&app.opts.tenant, &filter, Page::new(args.offset, args.limit))
                .await?;
            out.ledger(&page, &org);
            Ok(())
        }
        Cmd::Show(args) => {
            let (engine, _, org) = app.engine().await?;
            let view = engine.hazard(&app.opts.tenant, hazard_id(&args.id)?).await?;
            out.timeline(&LedgerRow::from_hazard(&view.hazard, engine.now()), &view.timeline, &org);
            Ok(())
        }
        Cmd::Sweep => {
            let (engine, _, _) = app.engine().await?;
            let r = engine.sweep().await?;
            let human = format!(
                "扫描 {} 条隐患，触发 {} 级督办，待发通知 {} 条",
                r.hazards, r.fired, r.messages
            );
            out.value(
                "sweep",
                json!({ "hazards": r.hazards, "fired": r.fired, "messages": r.messages, "conflicts": r.conflicts }),
                human,
            );
            Ok(())
        }
        Cmd::Dispatch => {
            let (engine, printed, _) = app.engine().await?;
            dispatch(&engine, &printed, out).await
        }
        Cmd::Stats(args) => {
            let (engine, _, _) = app.engine().await?;
            let period: Period = args.period.parse()?;
            let table = engine.statistics(&app.opts.tenant, &period).await?;
            out.stats(&period.label(app.opts.lang), &table);
            Ok(())
        }
        Cmd::Export(args) => crate::export::export(app, args, out).await,
        Cmd::Verify(args) => verify(app, args.id.as_deref(), out).await,
        Cmd::Import(args) => crate::import::import(app, &args.file, out).await,
        Cmd::Inspection(cmd) => crate::inspection::run(app, cmd, out).await,
        step => execute(app, step, out).await,
    }
}

async fn init<S: Store>(app: &App<S>, args: InitArgs, out: &mut Out) -> Result<(), CliError> {
    let tenant: &TenantId = &app.opts.tenant;
    let preset: Preset = args.preset.parse()?;
    let policy_text = match &args.policy {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::Invalid(format!("--policy {}: {e}", path.display())))?;
            let policy = if path.extension().is_some_and(|x| x == "json") {
                Policy::from_json(&text)
            } else {
                Policy::from_toml(&text)
            }
            .map_err(|e| CliError::Invalid(format!("--policy {}: {e}", path.display())))?;
            policy.to_toml()
        }
        None => {
            let mut doc = Policy::default().doc().clone();
            doc.matrix.preset = Some(preset.key().into());
            Policy::from_doc(doc).map_err(|e| CliError::Other(e.to_string()))?.to_toml()
        }
    };
    let org = preset.school_org(
        tenant.clone(),
        (parse::unit("--bureau-id", &args.bureau_id)?, &args.bureau),
        (parse::unit("--school-id", &args.school_id)?, &args.school),
    )?;
    app.save_org(&org).await?;
    app.store.put_document(tenant, POLICY_DOC, &policy_text).await?;
    let units = org.units().count();
    let message = match app.opts.lang {
        Lang::Zh => format!("已初始化租户 {tenant}：{units} 个单位（预设 {}）。用 `hazardloop org add-person` 添加人员。", preset.key()),
        Lang::En => format!("initialised tenant {tenant}: {units} units (preset {}). Add people with `hazardloop org add-person`.", preset.key()),
    };
    out.message(
        "init",
        &message,
        json!({ "tenant": tenant, "units": units, "preset": preset.key() }),
    );
    Ok(())
}

async fn org<S: Store>(app: &App<S>, cmd: OrgCmd, out: &mut Out) -> Result<(), CliError> {
    let mut org: Org = app.org().await?;
    match cmd {
        OrgCmd::AddUnit { id, name, kind, parent } => {
            let kind: UnitKind = parse::variant("--kind", &kind)?;
            let parent = parent.as_deref().map(|p| parse::unit("--parent", p)).transpose()?;
            org.add_unit(Unit::new(parse::unit("id", &id)?, name, kind, parent))?;
            app.save_org(&org).await?;
            out.message("org", &format!("unit {id} added"), json!({ "unit": id }));
        }
        OrgCmd::AddPerson { id, name, unit, roles, email, mobile } => {
            let mut person =
                Person::new(parse::person("id", &id)?, name, parse::unit("--unit", &unit)?);
            for role in &roles {
                person = person.with_role(parse::variant::<Role>("--role", role)?);
            }
            person.contacts = Contacts { email, mobile, ..Contacts::default() };
            org.add_person(person)?;
            app.save_org(&org).await?;
            out.message("org", &format!("person {id} added"), json!({ "person": id }));
        }
        OrgCmd::Show => {
            let lang = app.opts.lang;
            let mut text = String::new();
            for u in org.units() {
                let depth = org.ancestors(&u.id).len().saturating_sub(1);
                text +=
                    &format!("{}{} [{}] {}\n", "  ".repeat(depth), u.name, u.id, u.kind.name(lang));
                for p in org.people().filter(|p| p.unit == u.id) {
                    let roles: Vec<&str> = p.roles.iter().map(|r| r.name(lang)).collect();
                    text += &format!(
                        "{}  · {} [{}] {}\n",
                        "  ".repeat(depth),
                        p.name,
                        p.id,
                        roles.join("、")
                    );
                }
            }
            out.value("org", json!({ "org": org.to_config() }), text.trim_end().to_owned());
        }
    }
    Ok(())
}

/// The subcommands that are steps of the loop.
async fn execute<S: Store>(app: &App<S>, cmd: Cmd, out: &mut Out) -> Result<(), CliError> {
    let (engine, _, org) = app.engine().await?;
    let actor = app.actor(&org)?;
    let policy = engine.policy().clone();
    let time = |text: &str, field: &str| parse_deadline(text, &policy, field);
    let (name, target, command) = match cmd {
        Cmd::Discover(a) => (
            "discover",
            None,
            Command::Discover(Discover {
                unit: parse::unit("--unit", &a.unit)?,
                location: a.location,
                category: a
                    .category
                    .as_deref()
                    .map(|c| parse::category("--category", c))
                    .transpose()?,
                description: if a.description.trim().is_empty() {
                    a.title.clone()
                } else {
                    a.description
                },
                title: a.title,
                source: parse::source(&a.source)?,
                discovered_at: None,
                evidence: parse::evidence(&a.evidence)?,
            }),
        ),
        Cmd::Register(a) => (
            "register",
            Some(a.id),
            Command::Register(Register {
                grade: a.grade.as_deref().map(parse::grade).transpose()?,
                assessment: parse::method(a.lec.as_deref(), a.ls.as_deref(), a.colour.as_deref())?,
                category: parse::category("--category", &a.category)?,
                responsible_unit: a
                    .unit
                    .as_deref()
                    .map(|u| parse::unit("--unit", u))
                    .transpose()?,
                assignee: parse::person("--assignee", &a.assignee)?,
                deadline: a.deadline.as_deref().map(|d| time(d, "--deadline")).transpose()?,
                fixable_at_once: !a.not_fixable_at_once,
            }),
        ),
        Cmd::Report(a) => (
            "report",
            Some(a.id),
            Command::Report { to_bureau: a.to_bureau, written: a.written, reference: a.reference },
        ),
        Cmd::Start(a) => {
            let deadline = time(&a.deadline, "--deadline")?;
            let major =
                [&a.objectives, &a.methods, &a.funds, &a.organisation, &a.schedule, &a.safety]
                    .iter()
                    .any(|x| x.is_some());
            let plan = if major {
                let item = |x: Option<String>| x.unwrap_or_default();
                Plan::Major(MajorPlan {
                    objectives: item(a.objectives),
                    methods: item(a.methods),
                    funds: item(a.funds),
                    organisation: item(a.organisation),
                    schedule: item(a.schedule),
                    safety: item(a.safety),
                    deadline,
                })
            } else {
                Plan::General(FourImplementations {
                    responsible: match &a.responsible {
                        Some(p) => parse::person("--responsible", p)?,
                        None => actor.person.clone(),
                    },
                    measures: a.measures.unwrap_or_default(),
                    deadline,
                    contingency: a.contingency.unwrap_or_default(),
                })
            };
            let interim = a
                .interim
                .as_deref()
                .map(|m| {
                    parse::measures(m)
                        .map(|measures| Interim { measures, note: a.interim_note.clone() })
                })
                .transpose()?;
            ("start", Some(a.id), Command::StartTreatment { plan, interim })
        }
        Cmd::Progress(a) => (
            "progress",
            Some(a.id),
            Command::RecordProgress { note: a.note, percent: a.percent, evidence: Vec::new() },
        ),
        Cmd::Extend(a) => {
            let command = match (a.to, a.grant, a.deny) {
                (Some(to), _, _) => {
                    Command::RequestExtension { new_deadline: time(&to, "--to")?, reason: a.reason }
                }
                (None, true, _) => Command::GrantExtension { note: a.reason },
                (None, false, true) => Command::DenyExtension { reason: a.reason },
                (None, false, false) => {
                    return Err(CliError::Usage("extend needs --to DATE, --grant or --deny".into()))
                }
            };
            ("extend", Some(a.id), command)
        }
        Cmd::Complete(a) => (
            "complete",
            Some(a.id),
            Command::Complete { summary: a.summary, evidence: parse::evidence(&a.evidence)? },
        ),
        Cmd::Accept(a) => {
            let command = if a.fail {
                Command::Fail { reason: a.reason }
            } else {
                Command::Pass { note: a.reason }
            };
            ("accept", Some(a.id), command)
        }
        Cmd::Close(a) => ("close", Some(a.id), Command::Close { note: a.note }),
        Cmd::Archive(a) => ("archive", Some(a.id), Command::Archive),
        Cmd::Dismiss(a) => {
            let reason = match a.reason.split_once(':') {
                Some(("duplicate", of)) => DismissReason::Duplicate { of: hazard_id(of)? },
                None if a.reason == "not_a_hazard" => DismissReason::NotAHazard,
                _ => {
                    return Err(CliError::Invalid(format!(
                        "--reason: `{}` is neither not_a_hazard nor duplicate:<id>",
                        a.reason
                    )))
                }
            };
            let requested_by = parse::person("--requested-by", &a.requested_by)?;
            ("dismiss", Some(a.id), Command::Dismiss { reason, note: a.note, requested_by })
        }
        other => return Err(CliError::Other(format!("not a step: {other:?}"))),
    };
    let hazard = target.as_deref().map(hazard_id).transpose()?;
    let outcome = engine.execute(&actor, Request::to(hazard, command)).await?;
    out.outcome(name, &outcome);
    Ok(())
}

async fn dispatch<S: Store>(
    engine: &Engine<std::sync::Arc<S>, Printed>,
    printed: &Printed,
    out: &mut Out,
) -> Result<(), CliError> {
    let report = engine.dispatch().await?;
    let deliveries = printed.take();
    let tz = engine.policy().calendar().time_zone();
    let list: Vec<_> = deliveries
        .iter()
        .map(|d| json!({ "key": d.idempotency_key, "to": d.to.person, "name": d.to.name, "subject": d.subject(), "body": d.body(tz) }))
        .collect();
    let mut human = String::new();
    for d in &deliveries {
        human += &format!("→ {}：{}\n", d.to.name, d.subject());
    }
    human +=
        &format!("已发送 {}，待重试 {}，失败 {}", report.delivered, report.retried, report.dead);
    out.value(
        "dispatch",
        json!({ "deliveries": list, "delivered": report.delivered, "retried": report.retried, "dead": report.dead }),
        human,
    );
    Ok(())
}

async fn verify<S: hazardloop_core::store::InspectionStore>(
    app: &App<S>,
    id: Option<&str>,
    out: &mut Out,
) -> Result<(), CliError> {
    let (engine, _, _) = app.engine().await?;
    let tenant = &app.opts.tenant;
    let ids = match id {
        Some(id) => vec![hazard_id(id)?],
        None => {
            let rows = engine.ledger_rows(tenant, &LedgerFilter::default()).await?;
            rows.iter().map(|r| r.id).collect()
        }
    };
    for id in &ids {
        // A history that does not verify fails with 1; an unknown id is invalid input (4).
        engine.verify(tenant, *id).await.map_err(|e| match e {
            EngineError::Chain(_) | EngineError::Damaged(_) => {
                CliError::Other(format!("verify failed: {e}"))
            }
            other => other.into(),
        })?;
    }
    // Without an id, every inspection occurrence's chain too.
    let mut occurrences = 0;
    if id.is_none() {
        let query = hazardloop_core::inspection::OccurrenceQuery::default();
        for row in engine.occurrences(tenant, &query).await? {
            engine.verify_occurrence(tenant, &row.id).await.map_err(|e| match e {
                EngineError::OccurrenceChain { .. } => {
                    CliError::Other(format!("verify failed: {e}"))
                }
                other => other.into(),
            })?;
            occurrences += 1;
        }
    }
    out.value(
        "verify",
        json!({ "verified": ids.len(), "occurrences": occurrences }),
        format!("{} 条隐患记录、{occurrences} 个检查任务校验通过", ids.len()),
    );
    Ok(())
}
