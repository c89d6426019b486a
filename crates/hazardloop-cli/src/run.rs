//! Each subcommand, on any store.

use hazardloop_core::engine::{Engine, EngineError};
use hazardloop_core::model::{Lang, Named, TenantId};
use hazardloop_core::org::{Contacts, Org, Person, Preset, Role, Unit, UnitKind};
use hazardloop_core::policy::Policy;
use hazardloop_core::report::{LedgerFilter, LedgerRow, Page, Period};
use hazardloop_core::store::{InspectionStore, RecordStore, Store};
use serde_json::json;

use crate::app::{App, Printed, POLICY_DOC};
use crate::args::{Cmd, InitArgs, OrgCmd};
use crate::error::{self, CliError};
use crate::out::Out;
use crate::parse;
use crate::steps::known_category;

/// Runs one subcommand.
pub async fn run<S: InspectionStore + RecordStore>(
    app: &App<S>,
    cmd: Cmd,
    out: &mut Out,
) -> Result<(), CliError> {
    match cmd {
        Cmd::Init(args) => init(app, args, out).await,
        Cmd::Org(cmd) => org(app, cmd, out).await,
        Cmd::List(args) => {
            let lang = app.opts.lang;
            let (engine, _, org) = app.engine().await?;
            let filter = LedgerFilter {
                stages: args
                    .stage
                    .iter()
                    .map(|s| parse::stage(s, lang))
                    .collect::<Result<_, _>>()?,
                overdue: args.overdue.then_some(true),
                unit: args.unit.as_deref().map(|u| parse::unit("--unit", u, lang)).transpose()?,
                category: args
                    .category
                    .as_deref()
                    .map(|c| known_category(engine.policy(), "--category", c, lang))
                    .transpose()?,
                grade: args.grade.as_deref().map(|g| parse::grade(g, lang)).transpose()?,
                ..LedgerFilter::default()
            };
            let page = engine
                .ledger(&app.opts.tenant, &filter, Page::new(args.offset, args.limit))
                .await
                .map_err(|e| error::hazard(e, lang))?;
            out.ledger(&page, &org);
            Ok(())
        }
        Cmd::Show(args) => {
            let lang = app.opts.lang;
            let (engine, _, org) = app.engine().await?;
            let id = crate::steps::target(&engine, &app.opts.tenant, &args.id, lang).await?;
            let view =
                engine.hazard(&app.opts.tenant, id).await.map_err(|e| error::hazard(e, lang))?;
            let row = LedgerRow::from_hazard(&view.hazard, engine.now());
            crate::timeline::show(out, &row, &view.timeline, &org, engine.policy());
            Ok(())
        }
        Cmd::Categories => {
            let policy = app.policy().await?;
            crate::timeline::categories(out, &policy);
            Ok(())
        }
        Cmd::Sweep => {
            let (engine, _, _) = app.engine().await?;
            let r = engine.sweep().await.map_err(|e| error::hazard(e, app.opts.lang))?;
            let rec = engine
                .sweep_records()
                .await
                .map_err(|e| crate::record_error::record(e, app.opts.lang))?;
            let human = match app.opts.lang {
                Lang::Zh => format!(
                    "扫描 {} 条隐患，触发 {} 次督办升级，待发通知 {} 条\n\
                     扫描 {} 条突发事件与报告事项，触发 {} 次督办提醒，标记漏报 {} 项，待发通知 {} 条",
                    r.hazards, r.fired, r.messages, rec.records, rec.fired, rec.missed, rec.messages
                ),
                Lang::En => format!(
                    "swept {} hazards, fired {} rungs, {} notifications waiting\n\
                     swept {} incidents and report duties, fired {} rungs, {} duties missed, {} notifications waiting",
                    r.hazards, r.fired, r.messages, rec.records, rec.fired, rec.missed, rec.messages
                ),
            };
            out.value(
                "sweep",
                json!({ "hazards": r.hazards, "fired": r.fired, "messages": r.messages, "conflicts": r.conflicts, "records": rec }),
                human,
            );
            Ok(())
        }
        Cmd::Dispatch => {
            let (engine, printed, _) = app.engine().await?;
            dispatch(&engine, &printed, app.opts.lang, out).await
        }
        Cmd::Stats(args) => {
            let (engine, _, _) = app.engine().await?;
            let lang = app.opts.lang;
            let period: Period = args.period.parse().map_err(|e| {
                CliError::Invalid(error::about("--period", &error::input(&e, lang), lang))
            })?;
            let table = engine
                .statistics(&app.opts.tenant, &period)
                .await
                .map_err(|e| error::hazard(e, lang))?;
            out.stats(&period.label(app.opts.lang), &table);
            Ok(())
        }
        Cmd::Export(args) => crate::export::export(app, args, out).await,
        Cmd::Calendar(cmd) => crate::calendar::run(app, cmd, out).await,
        Cmd::Verify(args) => verify(app, args.id.as_deref(), out).await,
        Cmd::Import(args) => crate::import::import(app, &args, out).await,
        Cmd::Inspection(cmd) => crate::inspection::run(app, cmd, out).await,
        Cmd::Incident(cmd) => crate::incident::run(app, cmd, out).await,
        Cmd::Duty(cmd) => crate::duty::run(app, cmd, out).await,
        Cmd::Campaign(cmd) => crate::campaign::run(app, cmd, out).await,
        step => crate::steps::execute(app, step, out).await,
    }
}

async fn init<S: Store>(app: &App<S>, args: InitArgs, out: &mut Out) -> Result<(), CliError> {
    let tenant: &TenantId = &app.opts.tenant;
    let lang = app.opts.lang;
    let preset: Preset = args
        .preset
        .parse()
        .map_err(|e| CliError::Invalid(error::about("--preset", &error::input(&e, lang), lang)))?;
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
    let org = preset
        .school_org(
            tenant.clone(),
            (parse::unit("--bureau-id", &args.bureau_id, app.opts.lang)?, &args.bureau),
            (parse::unit("--school-id", &args.school_id, app.opts.lang)?, &args.school),
        )
        .map_err(|e| CliError::Invalid(error::input(&e, lang)))?;
    app.save_org(&org).await?;
    app.store
        .put_document(tenant, POLICY_DOC, &policy_text)
        .await
        .map_err(|e| error::store(e, lang))?;
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
    let lang = app.opts.lang;
    match cmd {
        OrgCmd::AddUnit { id, name, kind, parent } => {
            let kind: UnitKind = parse::variant("--kind", &kind, lang)?;
            let parent = parent.as_deref().map(|p| parse::unit("--parent", p, lang)).transpose()?;
            org.add_unit(Unit::new(parse::unit("id", &id, lang)?, name, kind, parent))
                .map_err(|e| CliError::Invalid(error::input(&e, lang)))?;
            app.save_org(&org).await?;
            let message = match lang {
                Lang::Zh => format!("已添加单位 {id}"),
                Lang::En => format!("unit {id} added"),
            };
            out.message("org", &message, json!({ "unit": id }));
        }
        OrgCmd::AddPerson { id, name, unit, roles, email, mobile } => {
            let mut person = Person::new(
                parse::person("id", &id, lang)?,
                name,
                parse::unit("--unit", &unit, lang)?,
            );
            for role in &roles {
                person = person.with_role(parse::variant::<Role>("--role", role, lang)?);
            }
            person.contacts = Contacts { email, mobile, ..Contacts::default() };
            org.add_person(person).map_err(|e| CliError::Invalid(error::input(&e, lang)))?;
            app.save_org(&org).await?;
            let message = match lang {
                Lang::Zh => format!("已添加人员 {id}"),
                Lang::En => format!("person {id} added"),
            };
            out.message("org", &message, json!({ "person": id }));
        }
        OrgCmd::Show => {
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

async fn dispatch<S: Store>(
    engine: &Engine<std::sync::Arc<S>, Printed>,
    printed: &Printed,
    lang: Lang,
    out: &mut Out,
) -> Result<(), CliError> {
    let report = engine.dispatch().await.map_err(|e| error::hazard(e, lang))?;
    let deliveries = printed.take();
    let tz = engine.policy().calendar().time_zone();
    let list: Vec<_> = deliveries
        .iter()
        .map(|d| json!({ "key": d.idempotency_key, "to": d.to.person, "name": d.to.name, "subject": d.subject(), "body": d.body(tz) }))
        .collect();
    let mut human = String::new();
    for d in &deliveries {
        human += &format!(
            "→ {}{}{}\n",
            d.to.name,
            if lang == Lang::Zh { "：" } else { ": " },
            d.subject()
        );
    }
    human += &match lang {
        Lang::Zh => {
            format!("已发送 {}，待重试 {}，失败 {}", report.delivered, report.retried, report.dead)
        }
        Lang::En => format!(
            "delivered {}, to retry {}, failed {}",
            report.delivered, report.retried, report.dead
        ),
    };
    out.value(
        "dispatch",
        json!({ "deliveries": list, "delivered": report.delivered, "retried": report.retried, "dead": report.dead }),
        human,
    );
    Ok(())
}

/// Verifies one hazard, or every hazard and inspection occurrence of the tenant. Without an id it
/// goes on past a failure and names every hazard whose history does not verify (exit 1).
async fn verify<S: InspectionStore + RecordStore>(
    app: &App<S>,
    id: Option<&str>,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = app.opts.lang;
    let (engine, _, _) = app.engine().await?;
    let tenant = &app.opts.tenant;
    if let Some(args_ref) = id {
        let id = crate::steps::target(&engine, tenant, args_ref, lang).await?;
        engine.verify(tenant, id).await.map_err(|e| error::hazard(e, lang))?;
        let human = match lang {
            Lang::Zh => format!("隐患 {} 的记录校验通过", args_ref),
            Lang::En => format!("hazard {}: the record verifies", args_ref),
        };
        out.value("verify", json!({ "verified": 1, "occurrences": 0 }), human);
        return Ok(());
    }
    let rows = engine
        .ledger_rows(tenant, &LedgerFilter::default())
        .await
        .map_err(|e| error::hazard(e, lang))?;
    let mut failed: Vec<(String, String)> = Vec::new();
    let mut bad_hazards = 0;
    for row in &rows {
        match engine.verify(tenant, row.id).await {
            Ok(()) => {}
            // A history that does not verify is reported; anything else (storage) stops.
            Err(e @ (EngineError::Chain(_) | EngineError::Damaged(_))) => {
                failed.push((row.id.to_string(), error::hazard(e, lang).to_string()));
                bad_hazards += 1;
            }
            Err(e) => return Err(error::hazard(e, lang)),
        }
    }
    let query = hazardloop_core::inspection::OccurrenceQuery::default();
    let mut occurrences = 0;
    let all = engine.occurrences(tenant, &query).await.map_err(|e| error::engine(e, lang))?;
    for row in all {
        match engine.verify_occurrence(tenant, &row.id).await {
            Ok(()) => occurrences += 1,
            Err(e @ EngineError::OccurrenceChain { .. }) => {
                failed.push((row.id.to_string(), error::engine(e, lang).to_string()));
            }
            Err(e) => return Err(error::engine(e, lang)),
        }
    }
    let records = crate::record_view::verify_records(&engine, tenant, lang, &mut failed).await?;
    let verified = rows.len() - bad_hazards;
    let list: Vec<_> = failed.iter().map(|(id, why)| json!({ "id": id, "message": why })).collect();
    if failed.is_empty() {
        let human = match lang {
            Lang::Zh => format!(
                "{verified} 条隐患记录、{occurrences} 个检查任务、{records} 项突发事件与报告事项校验通过"
            ),
            Lang::En => format!(
                "{verified} hazard records, {occurrences} occurrences and {records} incidents and report duties verify"
            ),
        };
        out.value(
            "verify",
            json!({ "verified": verified, "occurrences": occurrences, "records": records, "failed": list }),
            human,
        );
        return Ok(());
    }
    let message = match lang {
        Lang::Zh => format!("{} 条记录未通过校验：", failed.len()),
        Lang::En => format!("{} records do not verify:", failed.len()),
    };
    let message = failed.iter().fold(message, |m, (_, why)| m + "\n  " + why);
    let code = error::exit::OTHER;
    out.result(
        "verify",
        false,
        json!({ "code": code, "kind": "error", "message": message, "verified": verified, "occurrences": occurrences, "records": records, "failed": list }),
        message.clone(),
    );
    Err(CliError::Reported { code, message })
}
