//! The one validation pass over a command's input, before any rule of the loop: every text and
//! evidence list within the policy's `[limits]`, required texts present, and every unit, person
//! and category it names known. An error names the field (and, for a size, the limit key).
//!
//! What the input *means* for the hazard (a deadline after now, a major hazard's report in
//! writing, evidence on completion) is a rule, checked after this in `check.rs`.

use std::collections::BTreeSet;

use crate::model::{Category, Evidence, InputError, PersonId, UnitId};
use crate::org::Org;
use crate::policy::{Limits, Policy};
use crate::workflow::{Command, Discover, Interim, Plan, WorkflowError};

type Result = std::result::Result<(), WorkflowError>;

/// Checks `command`'s input against `policy` and `org`.
pub(crate) fn validate(command: &Command, policy: &Policy, org: &Org) -> Result {
    let v = Validator { limits: policy.limits(), policy, org };
    match command {
        Command::Discover(d) => v.discover(d),
        Command::FixOnTheSpot { discover, category, measures, evidence, .. } => {
            v.discover(discover)?;
            v.category(category)?;
            v.required("measures", measures)?;
            v.text("measures", measures)?;
            v.evidence("evidence", evidence)
        }
        Command::Import(i) => {
            v.discover(&i.discover)?;
            v.category(&i.register.category)?;
            v.person("assignee", &i.register.assignee)?;
            if let Some(unit) = &i.register.responsible_unit {
                v.unit("responsible_unit", unit)?;
            }
            if let Some(person) = &i.accepted_by {
                v.person("accepted_by", person)?;
            }
            v.text("measures", &i.measures)?;
            v.text("outcome", &i.outcome)?;
            v.limits.title("source.file", &i.source.file)?;
            Ok(v.limits.title("source.number", i.source.number.as_deref().unwrap_or(""))?)
        }
        Command::Register(r) => {
            v.category(&r.category)?;
            v.person("assignee", &r.assignee)?;
            match &r.responsible_unit {
                Some(unit) => v.unit("responsible_unit", unit),
                None => Ok(()),
            }
        }
        Command::Report { reference, .. } | Command::Supervise { reference } => {
            v.title_opt("reference", reference.as_deref())
        }
        Command::StartTreatment { plan, interim } => {
            v.plan(plan)?;
            match interim {
                Some(i) => v.interim(i),
                None => Ok(()),
            }
        }
        Command::Complete { summary, evidence } => {
            v.text("summary", summary)?;
            v.evidence("evidence", evidence)
        }
        Command::Pass { note }
        | Command::Close { note }
        | Command::GrantExtension { note }
        | Command::ResumeClock { note } => v.text("note", note),
        Command::Fail { reason }
        | Command::DenyExtension { reason }
        | Command::PauseClock { reason }
        | Command::RequestExtension { reason, .. } => v.text("reason", reason),
        Command::Dismiss { note, requested_by: _, .. } => v.text("note", note),
        Command::AddInterimControl(i) => v.interim(i),
        Command::RecordProgress { note, percent, evidence } => {
            v.required("note", note)?;
            v.text("note", note)?;
            v.evidence("evidence", evidence)?;
            if percent.is_some_and(|p| p > 100) {
                return Err(malformed("percent", "must be 0 to 100"));
            }
            Ok(())
        }
        Command::Reassign { to, note } => {
            v.required("note", note)?;
            v.text("note", note)?;
            v.person("to", to)
        }
        Command::AddEvidence { evidence } => {
            if evidence.is_empty() {
                return Err(InputError::Missing { field: "evidence".into() }.into());
            }
            v.evidence("evidence", evidence)
        }
        Command::Comment { text } => {
            v.required("text", text)?;
            v.text("text", text)
        }
        Command::Archive => Ok(()),
    }
}

fn malformed(field: &str, reason: &str) -> WorkflowError {
    InputError::Malformed { field: field.into(), reason: reason.into() }.into()
}

struct Validator<'a> {
    limits: &'a Limits,
    policy: &'a Policy,
    org: &'a Org,
}

impl Validator<'_> {
    fn discover(&self, d: &Discover) -> Result {
        self.unit("unit", &d.unit)?;
        self.required("location", &d.location)?;
        self.required("title", &d.title)?;
        self.required("description", &d.description)?;
        self.limits.title("title", &d.title)?;
        self.text("location", &d.location)?;
        self.text("description", &d.description)?;
        if let Some(category) = &d.category {
            self.category(category)?;
        }
        self.evidence("evidence", &d.evidence)
    }

    fn plan(&self, plan: &Plan) -> Result {
        match plan {
            Plan::Major(p) => {
                for (field, text) in p.items() {
                    self.text(field, text)?;
                }
                Ok(())
            }
            Plan::General(p) => {
                self.text("plan.measures", &p.measures)?;
                self.text("plan.contingency", &p.contingency)?;
                self.person("plan.responsible", &p.responsible)
            }
        }
    }

    /// Interim measures: at least one, each kind at most once (so the list is bounded).
    fn interim(&self, i: &Interim) -> Result {
        if i.measures.is_empty() {
            return Err(InputError::Missing { field: "interim.measures".into() }.into());
        }
        let mut seen = BTreeSet::new();
        if let Some(twice) = i.measures.iter().find(|m| !seen.insert(**m)) {
            return Err(InputError::Malformed {
                field: "interim.measures".into(),
                reason: format!("`{twice}` is listed more than once"),
            }
            .into());
        }
        self.text("interim.note", &i.note)
    }

    fn required(&self, field: &str, text: &str) -> Result {
        if text.trim().is_empty() {
            return Err(InputError::Missing { field: field.into() }.into());
        }
        Ok(())
    }

    fn text(&self, field: &str, text: &str) -> Result {
        Ok(self.limits.text(field, text)?)
    }

    fn title_opt(&self, field: &str, text: Option<&str>) -> Result {
        match text {
            Some(t) => Ok(self.limits.title(field, t)?),
            None => Ok(()),
        }
    }

    fn evidence(&self, field: &str, evidence: &[Evidence]) -> Result {
        Ok(self.limits.evidence(field, evidence)?)
    }

    fn unit(&self, field: &str, unit: &UnitId) -> Result {
        match self.org.unit(unit) {
            Some(_) => Ok(()),
            None => {
                Err(InputError::Unknown { field: field.into(), value: format!("unit `{unit}`") }
                    .into())
            }
        }
    }

    fn person(&self, field: &str, person: &PersonId) -> Result {
        match self.org.person(person) {
            Some(_) => Ok(()),
            None => Err(InputError::Unknown {
                field: field.into(),
                value: format!("person `{person}`"),
            }
            .into()),
        }
    }

    /// A category of the responsibility matrix (the rule `known_category`); the refusal lists the
    /// known codes.
    fn category(&self, category: &Category) -> Result {
        let matrix = self.policy.matrix();
        if matrix.contains(category) {
            return Ok(());
        }
        let known: Vec<String> = matrix.categories().map(|c| c.to_string()).collect();
        Err(InputError::UnknownCategory {
            field: "category".into(),
            category: category.to_string(),
            known: known.join(", "),
        }
        .into())
    }
}
