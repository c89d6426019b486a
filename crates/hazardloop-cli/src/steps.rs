//! The subcommands that are steps of the loop (and its auxiliary steps): each turns its
//! arguments into one engine `Command` for the hazard named by its id.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hazardloop_core::engine::{Engine, Request};
use hazardloop_core::model::{Category, HazardId, Lang, PersonId, TenantId, UnitId};
use hazardloop_core::org::Org;
use hazardloop_core::policy::Policy;
use hazardloop_core::report::LedgerRow;
use hazardloop_core::store::Store;
use hazardloop_core::workflow::{
    Command, Discover, DismissReason, FourImplementations, Interim, MajorPlan, Plan, Register,
    StageKind, Step, WorkflowError,
};

use crate::app::{parse_deadline_in, App, Printed};
use crate::args::{Cmd, StartArgs};
use crate::error::{self, CliError};
use crate::out::Out;
use crate::parse;

/// What the checks of the command line need: the language, the organisation and the policy.
struct Check<'a> {
    lang: Lang,
    org: &'a Org,
    policy: &'a Policy,
}

impl Check<'_> {
    fn say(&self, zh: String, en: String) -> CliError {
        CliError::Invalid(if self.lang == Lang::Zh { zh } else { en })
    }

    /// A unit of the organisation: an unknown one is invalid input (4), not a denial.
    fn unit(&self, option: &str, text: &str) -> Result<UnitId, CliError> {
        let id = parse::unit(option, text, self.lang)?;
        match self.org.unit(&id) {
            Some(_) => Ok(id),
            None => Err(self.say(
                format!("{option}：没有单位 `{text}`（见 `hazardloop org show`）"),
                format!("{option}: unknown unit `{text}` (see `hazardloop org show`)"),
            )),
        }
    }

    /// What was found, where: a discovery without category or evidence, found now.
    fn finding(&self, f: crate::args::FindingArgs) -> Result<Discover, CliError> {
        Ok(Discover {
            unit: self.unit("--unit", &f.unit)?,
            location: f.location,
            category: None,
            description: if f.description.trim().is_empty() {
                f.title.clone()
            } else {
                f.description
            },
            source: parse::source(&f.source, self.lang)?,
            title: f.title,
            discovered_at: None,
            evidence: Vec::new(),
            campaign: f.campaign,
        })
    }

    /// A person of the organisation.
    fn person(&self, option: &str, text: &str) -> Result<PersonId, CliError> {
        let id = parse::person(option, text, self.lang)?;
        match self.org.person(&id) {
            Some(_) => Ok(id),
            None => Err(self.say(
                format!("{option}：没有人员 `{text}`（见 `hazardloop org show`）"),
                format!("{option}: unknown person `{text}` (see `hazardloop org show`)"),
            )),
        }
    }

    /// A category of the policy's responsibility matrix.
    fn category(&self, option: &str, text: &str) -> Result<Category, CliError> {
        known_category(self.policy, option, text, self.lang)
    }

    fn time(&self, option: &str, text: &str) -> Result<DateTime<Utc>, CliError> {
        parse_deadline_in(text, self.policy, option, self.lang)
    }
}

/// A category of `policy`'s responsibility matrix; an unknown one is refused listing the codes.
pub fn known_category(
    policy: &Policy,
    option: &str,
    text: &str,
    lang: Lang,
) -> Result<Category, CliError> {
    let category = parse::category(option, text, lang)?;
    let matrix = policy.matrix();
    if matrix.contains(&category) {
        return Ok(category);
    }
    let known: Vec<String> = matrix.categories().map(ToString::to_string).collect();
    let known = known.join(", ");
    Err(CliError::Invalid(match lang {
        Lang::Zh => format!(
            "{option}：类别 `{text}` 不在职责清单中（可选：{known}；见 `hazardloop categories`）"
        ),
        Lang::En => format!(
            "{option}: unknown category `{text}` (known: {known}; see `hazardloop categories`)"
        ),
    }))
}

/// The hazard a command names: its id (a UUID) or its number (隐患编号, `2026-0017`).
pub async fn target<S: Store>(
    engine: &Engine<Arc<S>, Printed>,
    tenant: &TenantId,
    text: &str,
    lang: Lang,
) -> Result<HazardId, CliError> {
    engine.resolve(tenant, text).await.map_err(|e| error::hazard(e, lang))
}

/// Runs a step subcommand.
pub async fn execute<S: Store>(app: &App<S>, cmd: Cmd, out: &mut Out) -> Result<(), CliError> {
    let lang = app.opts.lang;
    let tenant = &app.opts.tenant;
    let (engine, _, org) = app.engine().await?;
    let actor = app.actor(&org)?;
    let policy = engine.policy().clone();
    let check = Check { lang, org: &org, policy: &policy };
    let (name, target_id, command) = match cmd {
        Cmd::Discover(a) => (
            "discover",
            None,
            Command::from(Discover {
                category: a
                    .category
                    .as_deref()
                    .map(|c| check.category("--category", c))
                    .transpose()?,
                evidence: parse::evidence(&a.evidence, lang)?,
                ..check.finding(a.finding)?
            }),
        ),
        Cmd::FixOnTheSpot(a) => {
            let assessment = a.assessment.given().then(|| a.assessment.method(lang)).transpose()?;
            let discover = check.finding(a.finding)?;
            let command = Command::FixOnTheSpot {
                discover: Box::new(discover),
                category: check.category("--category", &a.category)?,
                assessment,
                measures: a.measures,
                evidence: parse::evidence(&a.evidence, lang)?,
            };
            ("fix-on-the-spot", None, command)
        }
        Cmd::Register(a) => (
            "register",
            Some(a.id),
            Command::from(Register {
                grade: a.grade.as_deref().map(|g| parse::grade(g, lang)).transpose()?,
                assessment: a.assessment.method(lang)?,
                category: check.category("--category", &a.category)?,
                responsible_unit: a.unit.as_deref().map(|u| check.unit("--unit", u)).transpose()?,
                assignee: check.person("--assignee", &a.assignee)?,
                deadline: a.deadline.as_deref().map(|d| check.time("--deadline", d)).transpose()?,
                fixable_at_once: !a.not_fixable_at_once,
                campaign: a.campaign,
            }),
        ),
        Cmd::Report(a) => (
            "report",
            Some(a.id),
            Command::Report { to_bureau: a.to_bureau, written: a.written, reference: a.reference },
        ),
        Cmd::Start(a) => {
            let id = target(&engine, tenant, &a.id, lang).await?;
            let deadline = match &a.deadline {
                Some(text) => check.time("--deadline", text)?,
                None => match registered_deadline(&engine, app, id).await? {
                    (_, Some(d)) => d,
                    // Before registration there is no deadline: say which step comes first.
                    (stage @ StageKind::Discovered, None) => {
                        let e = WorkflowError::NotAllowed { stage, step: Step::StartTreatment };
                        return Err(error::workflow(&e, lang));
                    }
                    (_, None) => {
                        return Err(check.say(
                            "--deadline：隐患没有登记的整改期限，须填写".into(),
                            "--deadline: the hazard has no registered deadline; give one".into(),
                        ))
                    }
                },
            };
            let command = start(&check, a, deadline, &actor.person)?;
            ("start", Some(id.to_string()), command)
        }
        Cmd::Progress(a) => (
            "progress",
            Some(a.id),
            Command::RecordProgress {
                note: a.note,
                percent: a.percent,
                evidence: parse::evidence(&a.evidence, lang)?,
            },
        ),
        Cmd::Extend(a) => {
            let command = match (a.to, a.grant, a.deny) {
                (Some(to), _, _) => Command::RequestExtension {
                    new_deadline: check.time("--to", &to)?,
                    reason: a.reason,
                },
                (None, true, _) => Command::GrantExtension { note: a.reason },
                (None, false, true) => Command::DenyExtension { reason: a.reason },
                (None, false, false) => {
                    return Err(CliError::Usage(match lang {
                        Lang::Zh => "extend 需要 --to 日期、--grant 或 --deny 之一".into(),
                        Lang::En => "extend needs --to DATE, --grant or --deny".into(),
                    }))
                }
            };
            ("extend", Some(a.id), command)
        }
        Cmd::Complete(a) => (
            "complete",
            Some(a.id),
            Command::Complete { summary: a.summary, evidence: parse::evidence(&a.evidence, lang)? },
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
                Some(("duplicate", of)) => {
                    DismissReason::Duplicate { of: target(&engine, tenant, of, lang).await? }
                }
                None if a.reason == "not_a_hazard" => DismissReason::NotAHazard,
                _ => {
                    return Err(check.say(
                        format!(
                            "--reason：`{}` 既不是 not_a_hazard 也不是 duplicate:<隐患编号>",
                            a.reason
                        ),
                        format!(
                            "--reason: `{}` is neither not_a_hazard nor duplicate:<id>",
                            a.reason
                        ),
                    ))
                }
            };
            let requested_by = check.person("--requested-by", &a.requested_by)?;
            ("dismiss", Some(a.id), Command::Dismiss { reason, note: a.note, requested_by })
        }
        Cmd::Interim(a) => {
            let measures = parse::measures("--measures", &a.measures, lang)?;
            ("interim", Some(a.id), Command::AddInterimControl(Interim { measures, note: a.note }))
        }
        Cmd::Evidence(a) => (
            "evidence",
            Some(a.id),
            Command::AddEvidence { evidence: parse::evidence(&a.items, lang)? },
        ),
        Cmd::Comment(a) => ("comment", Some(a.id), Command::Comment { text: a.text }),
        Cmd::Pause(a) => ("pause", Some(a.id), Command::PauseClock { reason: a.reason }),
        Cmd::Resume(a) => ("resume", Some(a.id), Command::ResumeClock { note: a.note }),
        Cmd::Reassign(a) => {
            let to = check.person("--to", &a.to)?;
            ("reassign", Some(a.id), Command::Reassign { to, note: a.note })
        }
        Cmd::Supervise(a) => {
            ("supervise", Some(a.id), Command::Supervise { reference: a.reference })
        }
        other => return Err(CliError::Other(format!("not a step: {other:?}"))),
    };
    let hazard = match target_id.as_deref() {
        Some(t) => Some(target(&engine, tenant, t, lang).await?),
        None => None,
    };
    let outcome = engine
        .execute(&actor, Request::to(hazard, command))
        .await
        .map_err(|e| crate::record_error::campaign_flag(error::hazard(e, lang), lang))?;
    out.outcome(name, &outcome);
    Ok(())
}

/// The hazard's stage and the deadline registered for it (in force now), for `start` without
/// `--deadline`.
async fn registered_deadline<S: Store>(
    engine: &Engine<Arc<S>, Printed>,
    app: &App<S>,
    id: HazardId,
) -> Result<(StageKind, Option<DateTime<Utc>>), CliError> {
    let view =
        engine.hazard(&app.opts.tenant, id).await.map_err(|e| error::hazard(e, app.opts.lang))?;
    let row = LedgerRow::from_hazard(&view.hazard, engine.now());
    Ok((row.stage, row.deadline))
}

/// `start`: a major plan when any of its six items is given, else the four implementations.
fn start(
    check: &Check<'_>,
    a: StartArgs,
    deadline: DateTime<Utc>,
    actor: &PersonId,
) -> Result<Command, CliError> {
    let major = [&a.objectives, &a.methods, &a.funds, &a.organisation, &a.schedule, &a.safety]
        .iter()
        .any(|x| x.is_some());
    let plan = if major {
        let item = |x: Option<String>| x.unwrap_or_default();
        Plan::Major(Box::new(MajorPlan {
            objectives: item(a.objectives),
            methods: item(a.methods),
            funds: item(a.funds),
            organisation: item(a.organisation),
            schedule: item(a.schedule),
            safety: item(a.safety),
            deadline,
        }))
    } else {
        Plan::General(FourImplementations {
            responsible: match &a.responsible {
                Some(p) => check.person("--responsible", p)?,
                None => actor.clone(),
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
            parse::measures("--interim", m, check.lang)
                .map(|measures| Interim { measures, note: a.interim_note.clone() })
        })
        .transpose()?;
    Ok(Command::StartTreatment { plan: Box::new(plan), interim })
}
