//! The inspection authorization matrix: `data/inspection_authorization.csv` lists, for every
//! role, inspection command, scope and whether the actor is the occurrence's inspector, what
//! the default policy must answer. [`inspection_matrix`] runs every row through a real engine
//! on any [`InspectionStore`]; a denial must change nothing.

use std::sync::Arc;

use chrono::{Days, NaiveDate};
use hazardloop_core::engine::{Engine, EngineError};
use hazardloop_core::inspection::{
    Answer, Cadence, InspectionCommand, InspectionPlan, Inspector, OccurrenceId, Response,
    Template, Window,
};
use hazardloop_core::model::{HazardId, PersonId, TenantId};
use hazardloop_core::notify::Discard;
use hazardloop_core::org::Role;
use hazardloop_core::store::InspectionStore;

use super::buffered::Buffered;
use super::world::World;
use super::{role, Scope};
use crate::ManualClock;

/// The inspection matrix, as shipped.
pub const INSPECTION_MATRIX: &str = include_str!("../../data/inspection_authorization.csv");

/// One row of the inspection matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Row {
    line: usize,
    role: Option<Role>,
    command: String,
    scope: Scope,
    inspector: bool,
    /// `None` to allow, else the rule a denial names.
    deny: Option<String>,
}

fn parse(text: &str) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.starts_with('#') || line.trim().is_empty() || line.starts_with("role,") {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        let [r, command, scope, inspector, expected, rule] = f[..] else {
            return Err(format!("line {line_no}: six fields expected"));
        };
        let scope = match scope {
            "own_unit" => Scope::OwnUnit,
            "other_unit" => Scope::OtherUnit,
            "other_tenant" => Scope::OtherTenant,
            other => return Err(format!("line {line_no}: unknown scope `{other}`")),
        };
        let deny = match (expected, rule) {
            ("allow", "") => None,
            ("deny", rule) if !rule.is_empty() => Some(rule.to_owned()),
            _ => return Err(format!("line {line_no}: `{expected},{rule}`")),
        };
        rows.push(Row {
            line: line_no,
            role: role(r).map_err(|e| format!("line {line_no}: {e}"))?,
            command: command.into(),
            scope,
            inspector: inspector == "yes",
            deny,
        });
    }
    Ok(rows)
}

/// What a run of the inspection matrix checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InspectionMatrixReport {
    /// Rows run.
    pub rows: usize,
    /// Rows expecting the command carried out.
    pub allowed: usize,
}

/// Runs every row of [`INSPECTION_MATRIX`] through an engine on `store` (a tenant each) and
/// panics with every row that does not hold.
pub async fn inspection_matrix<S: InspectionStore>(store: S) -> InspectionMatrixReport {
    let rows =
        parse(INSPECTION_MATRIX).unwrap_or_else(|e| panic!("inspection_authorization.csv: {e}"));
    assert_eq!(rows.len(), 8 * 5 * 3 * 2, "every role, command, scope and inspector flag");
    let world = World::new().unwrap_or_else(|e| panic!("the matrix organisation: {e}"));
    let clock = ManualClock::new(world.f.start);
    let engine = Engine::new(store, Discard, Arc::new(clock), world.f.policy.clone())
        .with_org(world.b.clone());
    let nonce = HazardId::new_at(world.f.start).to_string();
    let nonce = &nonce[nonce.len() - 8..];
    let checks = rows.iter().map(|row| {
        let (world, engine) = (&world, &engine);
        async move {
            run(world, engine, row, nonce)
                .await
                .err()
                .map(|why| format!("line {:>3} {:?}  {why}", row.line, row))
        }
    });
    let failures: Vec<String> = Buffered::new(checks, 8).await.into_iter().flatten().collect();
    if !failures.is_empty() {
        panic!(
            "{} of {} inspection matrix rows do not hold:\n{}",
            failures.len(),
            rows.len(),
            failures.join("\n")
        );
    }
    InspectionMatrixReport {
        rows: rows.len(),
        allowed: rows.iter().filter(|r| r.deny.is_none()).count(),
    }
}

async fn run<S: InspectionStore>(
    world: &World,
    engine: &Engine<S, Discard>,
    row: &Row,
    nonce: &str,
) -> Result<(), String> {
    let str = |e: &dyn std::fmt::Display| e.to_string();
    let tenant = TenantId::new(format!("iauthz-{nonce}-{}", row.line)).map_err(|e| str(&e))?;
    let org = world.org_in(tenant.clone()).map_err(|e| str(&e))?;
    engine.set_org(org.clone());
    let own = if row.scope == Scope::OtherUnit { Scope::OtherUnit } else { Scope::OwnUnit };
    let person = World::person(row.role, own).map_err(|e| str(&e))?;
    let actor = match row.scope {
        Scope::OtherTenant => world.b.actor(&person),
        _ => org.actor(&person),
    }
    .ok_or_else(|| format!("no person {person}"))?;
    let inspector = if row.inspector { person.clone() } else { world.f.people.worker.clone() };
    let template =
        Template::from_toml(crate::SCENARIO_SHEET, world.f.policy.matrix()).map_err(|e| str(&e))?;
    engine.import_template(&tenant, template.clone()).await.map_err(|e| str(&e))?;
    // Today for performing; a week ago (its window closed: missed) for excusing.
    let today = world.f.policy.calendar().local_date(world.f.start);
    let day = if row.command == "excuse" { today - Days::new(7) } else { today };
    let plan = InspectionPlan {
        id: "matrix".into(),
        title: "矩阵巡查".into(),
        template: template.reference(),
        units: vec![world.spot.clone()],
        location: String::new(),
        inspector: Inspector::Person(inspector.clone()),
        cadence: Cadence::Once { from: day, to: day },
        window: Window::default(),
        skip_vacations: false,
        late_allowed: true,
        start: NaiveDate::MIN.max(day),
        end: None,
        source: None,
    };
    engine.add_plan(&tenant, plan).await.map_err(|e| format!("setup: {e}"))?;
    engine.generate(&tenant, day, today).await.map_err(|e| format!("setup: {e}"))?;
    let id = OccurrenceId::of("matrix", &world.spot, "once");
    let pass = || {
        let answer = |item: &hazardloop_core::inspection::Item| Answer {
            item: item.id.clone(),
            response: Response::Pass,
            comment: String::new(),
            evidence: Vec::new(),
            location: None,
            fixed_on_the_spot: None,
        };
        template.items().map(answer).collect::<Vec<_>>()
    };
    let to = if inspector == world.f.people.deputy {
        world.f.people.officer.clone()
    } else {
        world.f.people.deputy.clone()
    };
    let command = match row.command.as_str() {
        "start" => InspectionCommand::Start,
        "answer" => InspectionCommand::Answer { answers: pass() },
        "complete" => InspectionCommand::Complete { answers: pass() },
        "reassign" => {
            InspectionCommand::Reassign { to: PersonId::clone(&to), reason: "人员调整".into() }
        }
        "excuse" => InspectionCommand::Excuse { reason: "因公外出".into() },
        other => return Err(format!("unknown command `{other}`")),
    };
    let before = engine.store().occurrence_events(&tenant, &id).await.map_err(|e| str(&e))?;
    let result = engine.inspect(&actor, &id, command).await;
    let after = engine.store().occurrence_events(&tenant, &id).await.map_err(|e| str(&e))?;
    match (&row.deny, result) {
        (None, Ok(_)) if after.len() > before.len() => Ok(()),
        (None, Ok(_)) => Err("allowed but wrote nothing".into()),
        (None, Err(e)) => Err(format!("expected allow, got {e}")),
        (Some(rule), Ok(_)) => Err(format!("expected deny ({rule}), got allow")),
        (Some(rule), Err(e)) => {
            let got = match &e {
                EngineError::OccurrenceNotFound { .. } => "not_found".to_owned(),
                EngineError::Inspection(i) => i
                    .rule()
                    .map(|r| crate::authorization::code(&r))
                    .unwrap_or_else(|| e.to_string()),
                other => other.to_string(),
            };
            if &got != rule {
                return Err(format!("expected deny ({rule}), got {got}: {e}"));
            }
            if after != before {
                return Err("denied, but the occurrence changed".into());
            }
            Ok(())
        }
    }
}
