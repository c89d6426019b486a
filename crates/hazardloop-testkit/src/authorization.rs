//! The authorization matrix (授权矩阵): `data/authorization.csv` lists, for every role, every
//! command, every scope (own unit, other unit, other tenant) and whether the actor is the
//! hazard's rectifier, what the default policy must answer and the rule a denial names.
//! [`authorization_matrix`] walks every row against a real engine on any store; a denial must
//! change nothing. The data file was written from the rules of the loop, not from the code, so
//! a change to `authorize` that breaks a rule fails here.

mod buffered;
mod inspection;
mod run;
mod sealed;
mod world;

use std::fmt;

use hazardloop_core::org::Role;
use hazardloop_core::workflow::Step;

pub use inspection::{inspection_matrix, InspectionMatrixReport, INSPECTION_MATRIX};
pub use run::{authorization_matrix, MatrixReport};
pub use sealed::{
    archived_hazard, archived_record_refuses_every_command, assert_tamper_found,
    tenants_are_isolated_through_the_engine,
};

/// The matrix as shipped (`data/authorization.csv`).
pub const MATRIX: &str = include_str!("../data/authorization.csv");

/// Where the hazard lies, seen from the actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Within the actor's units.
    OwnUnit,
    /// In the actor's tenant, outside their units.
    OtherUnit,
    /// The actor belongs to another tenant.
    OtherTenant,
}

/// The hazard a command is given on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    /// A general hazard.
    General,
    /// A major hazard (`start_treatment_major`).
    Major,
    /// A major hazard under bureau supervision (`close_supervised`).
    Supervised,
}

/// What the row expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// The command is carried out.
    Allow,
    /// The command is denied by the named rule (a `Rule` code, or `not_found`).
    Deny(String),
}

/// One row of the matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Line number in the file (from 1).
    pub line: usize,
    /// The actor's one role; `None` for a person without a role (`member`).
    pub role: Option<Role>,
    /// The command's step.
    pub step: Step,
    /// The kind of hazard it is given on.
    pub variant: Variant,
    /// Where the hazard lies.
    pub scope: Scope,
    /// The actor is the hazard's assignee, plan owner and completer.
    pub rectifier: bool,
    /// The answer the policy must give.
    pub expected: Expected,
}

impl fmt::Display for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {:>4}: {:<15} {:<22} {:<12} rectifier={:<3}",
            self.line,
            role_code(self.role),
            command_code(self.step, self.variant),
            match self.scope {
                Scope::OwnUnit => "own_unit",
                Scope::OtherUnit => "other_unit",
                Scope::OtherTenant => "other_tenant",
            },
            if self.rectifier { "yes" } else { "no" },
        )
    }
}

/// The data-file name of a role (`safety_officer`), or `member` for none.
pub(crate) fn role_code(role: Option<Role>) -> String {
    match role.map(serde_json::to_value) {
        None => "member".into(),
        Some(Ok(serde_json::Value::String(s))) => s,
        Some(_) => "?".into(),
    }
}

/// The data-file name of a command: the step's code, with `_major` or `_supervised`.
fn command_code(step: Step, variant: Variant) -> String {
    let step = match serde_json::to_value(step) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "?".into(),
    };
    match variant {
        Variant::General => step,
        Variant::Major => format!("{step}_major"),
        Variant::Supervised => format!("{step}_supervised"),
    }
}

fn role(name: &str) -> Result<Option<Role>, String> {
    match name {
        "member" => Ok(None),
        other => serde_json::from_value(serde_json::Value::String(other.into()))
            .map(Some)
            .map_err(|_| format!("unknown role `{other}`")),
    }
}

fn step(name: &str) -> Result<Step, String> {
    serde_json::from_value(serde_json::Value::String(name.into()))
        .map_err(|_| format!("unknown command `{name}`"))
}

/// Parses the matrix: `#` lines are comments, the first other line is the header.
pub fn parse(text: &str) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    let mut header = true;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if std::mem::take(&mut header) {
            if line != "role,command,scope,rectifier,expected,rule" {
                return Err(format!("line {line_no}: unexpected header `{line}`"));
            }
            continue;
        }
        rows.push(row(line_no, line).map_err(|e| format!("line {line_no}: {e}"))?);
    }
    Ok(rows)
}

fn row(line: usize, text: &str) -> Result<Row, String> {
    let cells: Vec<&str> = text.split(',').map(str::trim).collect();
    let [role, command, scope, rectifier, expected, rule] = cells[..] else {
        return Err(format!("expected 6 cells, found {}", cells.len()));
    };
    let role = self::role(role)?;
    let (step, variant) = if let Some(base) = command.strip_suffix("_major") {
        (step(base)?, Variant::Major)
    } else if let Some(base) = command.strip_suffix("_supervised") {
        (step(base)?, Variant::Supervised)
    } else {
        (step(command)?, Variant::General)
    };
    let scope = match scope {
        "own_unit" => Scope::OwnUnit,
        "other_unit" => Scope::OtherUnit,
        "other_tenant" => Scope::OtherTenant,
        other => return Err(format!("unknown scope `{other}`")),
    };
    let rectifier = match rectifier {
        "yes" => true,
        "no" => false,
        other => return Err(format!("rectifier must be yes or no, not `{other}`")),
    };
    let expected = match (expected, rule) {
        ("allow", "") => Expected::Allow,
        ("deny", rule) if !rule.is_empty() => Expected::Deny(rule.to_owned()),
        (e, r) => {
            return Err(format!("expected `allow` with no rule or `deny` with one: `{e},{r}`"))
        }
    };
    Ok(Row { line, role, step, variant, scope, rectifier, expected })
}

/// Checks the rows cover every role (and `member`) × every step (and the major and supervised
/// variants) × every scope × rectifier or not, exactly once.
pub fn check_complete(rows: &[Row]) -> Result<(), String> {
    let roles: Vec<Option<Role>> = Role::ALL.iter().copied().map(Some).chain([None]).collect();
    let commands: Vec<(Step, Variant)> = Step::ALL
        .iter()
        .map(|&s| (s, Variant::General))
        .chain([(Step::StartTreatment, Variant::Major), (Step::Close, Variant::Supervised)])
        .collect();
    let scopes = [Scope::OwnUnit, Scope::OtherUnit, Scope::OtherTenant];
    let mut missing = Vec::new();
    for &role in &roles {
        for &(step, variant) in &commands {
            for scope in scopes {
                for rectifier in [false, true] {
                    let n = rows
                        .iter()
                        .filter(|r| {
                            (r.role, r.step, r.variant, r.scope, r.rectifier)
                                == (role, step, variant, scope, rectifier)
                        })
                        .count();
                    if n != 1 {
                        missing.push(format!(
                            "{} {} {scope:?} rectifier={rectifier}: {n} rows",
                            role_code(role),
                            command_code(step, variant),
                        ));
                    }
                }
            }
        }
    }
    let expected = roles.len() * commands.len() * scopes.len() * 2;
    if missing.is_empty() && rows.len() == expected {
        Ok(())
    } else {
        Err(format!(
            "the matrix must have {expected} rows, one per combination; found {}; {}",
            rows.len(),
            missing.join("; ")
        ))
    }
}

/// The serde name of a unit enum value (`own_occurrence_only`).
pub(crate) fn code(value: &hazardloop_core::inspection::InspectionRule) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}
