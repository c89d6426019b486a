//! Running the matrix: a fresh tenant and a fresh hazard per row, brought through the engine to
//! the stage where the command is valid, then the command as the row's actor, and for a denial
//! a before/after comparison of everything the command could have touched.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::deadline::ClockKind;
use hazardloop_core::engine::{Engine, EngineError, Request};
use hazardloop_core::model::{Actor, Grade, HazardId, PersonId, TenantId};
use hazardloop_core::notify::Discard;
use hazardloop_core::org::Org;
use hazardloop_core::store::{
    HazardRecord, LedgerPage, LedgerQuery, OutboxMessage, OutboxStatus, Snapshot, Store,
};
use hazardloop_core::workflow::{Command, Plan, Step, WorkflowError};

use super::buffered::Buffered;
use super::world::World;
use super::{check_complete, parse, Expected, Row, Scope, Variant, MATRIX};
use crate::ManualClock;

/// Rows checked at the same time.
const IN_FLIGHT: usize = 8;

/// What a run of the matrix checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatrixReport {
    /// Rows run.
    pub rows: usize,
    /// Rows that expect the command to be carried out.
    pub allowed: usize,
    /// Rows that expect a denial (each also checked to change nothing).
    pub denied: usize,
}

/// Runs every row of [`MATRIX`] through an engine on `store` and panics with a table of every
/// row that does not hold (not just the first). Each row gets a tenant of its own, so the
/// store may hold other data; run it on a store of its own all the same, as it writes about
/// 4 000 commits.
pub async fn authorization_matrix<S: Store>(store: S) -> MatrixReport {
    let rows = parse(MATRIX).unwrap_or_else(|e| panic!("authorization.csv: {e}"));
    if let Err(e) = check_complete(&rows) {
        panic!("authorization.csv is incomplete: {e}");
    }
    let world = World::new().unwrap_or_else(|e| panic!("the matrix organisation: {e}"));
    let clock = ManualClock::new(world.f.start);
    let engine = Engine::new(store, Discard, Arc::new(clock), world.f.policy.clone())
        .with_org(world.b.clone());
    let nonce = HazardId::new_at(world.f.start).to_string();
    let nonce = &nonce[nonce.len() - 8..];
    // Rows are independent (a tenant each), so several run at once: the SQL stores commit
    // them in groups instead of one round trip at a time.
    let checks = rows.iter().map(|row| {
        let (world, engine) = (&world, &engine);
        async move {
            let result = match Case::new(world, engine, row, nonce) {
                Ok(case) => case.run().await,
                Err(e) => Err(format!("cannot set up: {e}")),
            };
            result.err().map(|why| format!("{row}  {why}"))
        }
    });
    let checked = Buffered::new(checks, IN_FLIGHT).await;
    assert_eq!(checked.len(), rows.len(), "every row of the matrix ran");
    let failures: Vec<String> = checked.into_iter().flatten().collect();
    if !failures.is_empty() {
        panic!(
            "{} of {} rows of the authorization matrix do not hold:\n{}",
            failures.len(),
            rows.len(),
            failures.join("\n")
        );
    }
    let allowed = rows.iter().filter(|r| r.expected == Expected::Allow).count();
    MatrixReport { rows: rows.len(), allowed, denied: rows.len() - allowed }
}

/// One row: its tenant, organisation, actor and rectifier.
struct Case<'a, S: Store> {
    world: &'a World,
    engine: &'a Engine<S, Discard>,
    row: &'a Row,
    tenant: TenantId,
    org: Org,
    actor: Actor,
    rectifier: PersonId,
    grade: Grade,
}

type Result<T, E = String> = std::result::Result<T, E>;

impl<'a, S: Store> Case<'a, S> {
    fn new(
        world: &'a World,
        engine: &'a Engine<S, Discard>,
        row: &'a Row,
        nonce: &str,
    ) -> Result<Case<'a, S>> {
        let tenant = TenantId::new(format!("authz-{nonce}-{}", row.line)).map_err(str)?;
        let org = world.org_in(tenant.clone()).map_err(str)?;
        engine.set_org(org.clone());
        let own = if row.scope == Scope::OtherUnit { Scope::OtherUnit } else { Scope::OwnUnit };
        let person = World::person(row.role, own).map_err(str)?;
        let actor = match row.scope {
            Scope::OtherTenant => world.b.actor(&person),
            _ => org.actor(&person),
        }
        .ok_or_else(|| format!("no person {person}"))?;
        let rectifier = if row.rectifier { person } else { world.f.people.worker.clone() };
        let major = row.variant != Variant::General || row.step == Step::Supervise;
        let grade = if major { Grade::Major } else { Grade::General };
        Ok(Case { world, engine, row, tenant, org, actor, rectifier, grade })
    }

    async fn run(&self) -> Result<()> {
        let hazard = self.hazard_at_stage().await.map_err(|e| format!("setup: {e}"))?;
        let before = self.seen(hazard).await?;
        let command = self.command(hazard).await?;
        let request = Request::to(hazard, command);
        let result = self.engine.execute(&self.actor, request).await;
        match (&self.row.expected, result) {
            (Expected::Allow, Ok(outcome)) => {
                let was = before.record.as_ref().map_or(0, |r| r.version);
                if outcome.replayed || outcome.version <= was {
                    return Err(format!("allowed but wrote nothing (version {was})"));
                }
                Ok(())
            }
            (Expected::Allow, Err(e)) => Err(format!("expected allow, got {}", denial(&e))),
            (Expected::Deny(rule), Ok(_)) => Err(format!("expected deny ({rule}), got allow")),
            (Expected::Deny(rule), Err(e)) => {
                let got = denial(&e);
                if &got != rule {
                    let detail = if got.contains(' ') { String::new() } else { format!(": {e}") };
                    return Err(format!("expected deny ({rule}), got {got}{detail}"));
                }
                let after = self.seen(hazard).await?;
                match before.differs(&after) {
                    Some(what) => Err(format!("denied, but the {what} changed")),
                    None => Ok(()),
                }
            }
        }
    }

    fn as_person(&self, person: &PersonId) -> Result<Actor> {
        self.org.actor(person).ok_or_else(|| format!("no person {person}"))
    }

    async fn step(
        &self,
        hazard: Option<HazardId>,
        by: &PersonId,
        command: Command,
    ) -> Result<HazardId> {
        let step = command.step();
        let actor = self.as_person(by)?;
        let request = Request::to(hazard, command);
        match self.engine.execute(&actor, request).await {
            Ok(outcome) => Ok(outcome.hazard),
            Err(e) => Err(format!("{step:?} by {by} refused: {e}")),
        }
    }

    /// A new hazard walked to the stage where the row's command is valid.
    async fn hazard_at_stage(&self) -> Result<Option<HazardId>> {
        use Step::*;
        let (f, p, step) = (&self.world.f, &self.world.f.people, self.row.step);
        if matches!(step, Discover | FixOnTheSpot) {
            return Ok(None);
        }
        let id = self.step(None, &p.inspector, self.discover()).await?;
        let at = Some(id);
        if step == Register {
            return Ok(at);
        }
        self.step(at, &p.officer, self.register()).await?;
        if matches!(step, Report | Dismiss) {
            return Ok(at);
        }
        self.step(at, &p.officer, f.report(self.grade)).await?;
        if matches!(step, StartTreatment | Supervise) {
            return Ok(at);
        }
        if self.row.variant == Variant::Supervised {
            self.step(at, &p.bureau_officer, f.command_for(Supervise, self.grade, f.start)).await?;
        }
        let starter = if self.grade == Grade::Major { &p.principal } else { &self.rectifier };
        self.step(at, starter, self.start(id).await?).await?;
        match step {
            GrantExtension | DenyExtension => {
                self.step(at, &self.rectifier, self.extension(id).await?).await?;
                return Ok(at);
            }
            ResumeClock => {
                self.step(at, &p.deputy, f.command_for(PauseClock, self.grade, f.start)).await?;
                return Ok(at);
            }
            Complete | AddInterimControl | RecordProgress | RequestExtension | PauseClock
            | Reassign | AddEvidence | Comment => return Ok(at),
            _ => {}
        }
        self.step(at, &self.rectifier, f.complete()).await?;
        if matches!(step, Pass | Fail) {
            return Ok(at);
        }
        self.step(at, &p.inspector, Command::Pass { note: "复查合格".into() }).await?;
        if step == Close {
            return Ok(at);
        }
        self.step(at, &p.officer, Command::Close { note: String::new() }).await?;
        Ok(at)
    }

    /// The row's command, well formed for the hazard.
    async fn command(&self, hazard: Option<HazardId>) -> Result<Command> {
        let (f, step) = (&self.world.f, self.row.step);
        Ok(match (step, hazard) {
            (Step::Discover, _) => self.discover(),
            (Step::FixOnTheSpot, _) => match f.command_for(step, self.grade, f.start) {
                Command::FixOnTheSpot {
                    mut discover,
                    category,
                    assessment,
                    measures,
                    evidence,
                } => {
                    discover.unit = self.world.spot.clone();
                    Command::FixOnTheSpot { discover, category, assessment, measures, evidence }
                }
                other => other,
            },
            (Step::Register, _) => self.register(),
            (Step::StartTreatment, Some(id)) => self.start(id).await?,
            (Step::RequestExtension, Some(id)) => self.extension(id).await?,
            (Step::Dismiss, _) => match f.command_for(step, self.grade, f.start) {
                Command::Dismiss { reason, note, .. } => {
                    Command::Dismiss { reason, note, requested_by: f.people.worker.clone() }
                }
                other => other,
            },
            (Step::Reassign, _) => Command::Reassign {
                to: f.people.logistics_head.clone(),
                note: "人员调整".into(),
            },
            _ => f.command_for(step, self.grade, f.start),
        })
    }

    fn discover(&self) -> Command {
        match self.world.f.discover() {
            Command::Discover(mut d) => {
                d.unit = self.world.spot.clone();
                Command::Discover(d)
            }
            other => other,
        }
    }

    fn register(&self) -> Command {
        match self.world.f.register(self.grade) {
            Command::Register(mut r) => {
                r.assignee = self.rectifier.clone();
                Command::Register(r)
            }
            other => other,
        }
    }

    async fn rectify_by(&self, id: HazardId) -> Result<DateTime<Utc>> {
        let snapshot = self.engine.store().snapshot(&self.tenant, id).await.map_err(str)?;
        snapshot
            .and_then(|s| s.hazard.clocks.get(ClockKind::Rectify))
            .ok_or_else(|| "the hazard has no rectification deadline".into())
    }

    /// Treatment under a complete plan due on the registered deadline; the rectifier owns a
    /// general plan.
    async fn start(&self, id: HazardId) -> Result<Command> {
        let due = self.rectify_by(id).await?;
        let mut command = self.world.f.start_treatment(self.grade, due);
        if let Command::StartTreatment { plan, .. } = &mut command {
            if let Plan::General(p) = plan.as_mut() {
                p.responsible = self.rectifier.clone();
            }
        }
        Ok(command)
    }

    async fn extension(&self, id: HazardId) -> Result<Command> {
        let due = self.rectify_by(id).await?;
        Ok(Command::RequestExtension {
            new_deadline: due + Duration::days(20),
            reason: "配件需从厂家订购".into(),
        })
    }

    /// Everything a command on the row's hazard could change, in its tenant and in the other.
    async fn seen(&self, hazard: Option<HazardId>) -> Result<Seen> {
        let store = self.engine.store();
        let t = &self.tenant;
        let b = self.world.b.tenant();
        let (record, snapshot) = match hazard {
            Some(id) => {
                (store.load(t, id).await.map_err(str)?, store.snapshot(t, id).await.map_err(str)?)
            }
            None => (None, None),
        };
        let query = LedgerQuery { limit: 10, ..LedgerQuery::default() };
        // Only an actor of the other tenant could write there.
        let other = match self.row.scope {
            Scope::OtherTenant => Some((
                store.ledger(b, &query).await.map_err(str)?.total,
                store.outbox(b, OutboxStatus::Pending).await.map_err(str)?.len(),
            )),
            _ => None,
        };
        Ok(Seen {
            record,
            snapshot,
            ledger: store.ledger(t, &query).await.map_err(str)?,
            outbox: store.outbox(t, OutboxStatus::Pending).await.map_err(str)?,
            other,
        })
    }
}

/// What the stores hold about a row.
struct Seen {
    record: Option<HazardRecord>,
    snapshot: Option<Snapshot>,
    ledger: LedgerPage,
    outbox: Vec<OutboxMessage>,
    /// The other tenant's ledger size and pending messages, for its actors' rows.
    other: Option<(usize, usize)>,
}

impl Seen {
    /// The first part that differs, by name.
    fn differs(&self, after: &Seen) -> Option<&'static str> {
        if self.record != after.record {
            Some("event history")
        } else if self.snapshot != after.snapshot {
            Some("snapshot")
        } else if self.ledger != after.ledger {
            Some("ledger")
        } else if self.outbox != after.outbox {
            Some("outbox")
        } else if self.other != after.other {
            Some("other tenant's ledger or outbox")
        } else {
            None
        }
    }
}

/// The name a refusal goes by in the matrix: the rule of an authorization denial, `not_found`,
/// or a description of anything else (which no row expects).
fn denial(e: &EngineError) -> String {
    match e {
        EngineError::Workflow(WorkflowError::Denied { rule, .. }) => rule.code(),
        EngineError::NotFound { .. } => "not_found".into(),
        other => format!("a refusal that is not an authorization denial ({other})"),
    }
}

fn str(e: impl std::fmt::Display) -> String {
    e.to_string()
}
