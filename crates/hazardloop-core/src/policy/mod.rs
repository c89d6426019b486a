//! Policy: everything configurable, loaded from TOML or JSON and validated on load.
//!
//! The default policy carries DOMAIN.md's numbers; `policies/default.toml` is the same policy
//! written out with a comment on every line.

mod limits;
mod notices;
mod permissions;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

pub use limits::{Limit, Limits};
pub use notices::Notices;
pub use permissions::{Grants, Permissions};

use crate::calendar::{Calendar, CalendarConfig, Span};
use crate::deadline::DeadlinePolicy;
use crate::escalation::Ladders;
use crate::model::{Bands, Grade, InputError, RiskColour};
use crate::org::{Preset, Responsibility, ResponsibilityMatrix};

/// A policy document that failed to load.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The text is not valid TOML/JSON, or a field has the wrong type or is unknown.
    ///
    /// **Handling:** fix the document at the position given.
    #[error("policy {format} does not parse: {message}")]
    Parse {
        /// `toml` or `json`.
        format: &'static str,
        /// The parser's message, with the position and key.
        message: String,
    },
    /// A value parses but breaks a rule; the error names the field path.
    ///
    /// **Handling:** fix the named field.
    #[error("policy is invalid: {0}")]
    Invalid(#[from] InputError),
}

/// How to score risk and derive the grade.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AssessmentPolicy {
    /// LEC colour bands (D = L × E × C).
    pub lec_bands: Bands,
    /// LS matrix colour bands (R = L × S).
    pub ls_bands: Bands,
    /// Colours that make a hazard major when the assessor gives no grade.
    pub major_colours: BTreeSet<RiskColour>,
}

impl Default for AssessmentPolicy {
    fn default() -> Self {
        AssessmentPolicy {
            lec_bands: Bands::lec_default(),
            ls_bands: Bands::ls_default(),
            major_colours: [RiskColour::Red].into_iter().collect(),
        }
    }
}

impl AssessmentPolicy {
    /// The grade policy derives from a colour.
    pub fn grade_of(&self, colour: RiskColour) -> Grade {
        if self.major_colours.contains(&colour) {
            Grade::Major
        } else {
            Grade::General
        }
    }
}

/// The responsibility matrix: a preset, extended or overridden by entries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatrixSource {
    /// A preset from the seeds (`focus_areas`, `work_groups`, `domains`), or none.
    pub preset: Option<String>,
    /// Entries added to the preset; an entry with a preset's category replaces it.
    pub entries: Vec<Responsibility>,
}

impl Default for MatrixSource {
    fn default() -> Self {
        MatrixSource { preset: Some("focus_areas".into()), entries: Vec::new() }
    }
}

/// Outbox delivery: retries with exponential backoff and jitter, then dead letter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryPolicy {
    /// Attempts before a message is dead-lettered.
    pub max_attempts: u32,
    /// The first retry's delay; each later one doubles, up to `backoff_max`.
    pub backoff_base: Span,
    /// The longest delay between attempts.
    pub backoff_max: Span,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            max_attempts: 8,
            backoff_base: Span::minutes(1),
            backoff_max: Span::hours(6),
        }
    }
}

/// The policy document as written (TOML or JSON). Every section has defaults.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyDoc {
    /// The business calendar.
    pub calendar: CalendarConfig,
    /// Scoring and grading.
    pub assessment: AssessmentPolicy,
    /// Deadlines by grade and colour.
    pub deadlines: DeadlinePolicy,
    /// Escalation ladders.
    pub ladders: Ladders,
    /// The responsibility matrix (categories and lead departments).
    pub matrix: MatrixSource,
    /// Who may take which step.
    pub permissions: Permissions,
    /// Input limits.
    pub limits: Limits,
    /// Which step notifies which roles.
    pub notices: Notices,
    /// Outbox delivery.
    pub delivery: DeliveryPolicy,
    /// Inspections: the ladder for overdue and missed occurrences.
    pub inspections: crate::inspection::InspectionPolicy,
    /// Incident reports: the phone and written report clocks and their ladder.
    pub incidents: crate::duty::IncidentPolicy,
    /// Report duties: when one is missed and the ladder.
    pub reports: crate::duty::ReportPolicy,
    /// Hazard numbers (隐患编号): the template.
    pub numbering: crate::numbering::NumberingPolicy,
}

/// A validated policy, ready to use: the document plus the calendar and matrix built from it.
#[derive(Clone, Debug)]
pub struct Policy {
    doc: PolicyDoc,
    calendar: Calendar,
    matrix: ResponsibilityMatrix,
    grants: Grants,
}

impl Default for Policy {
    /// The default policy: DOMAIN.md's numbers, the mainland-China calendar, the seed 001 matrix.
    fn default() -> Self {
        let doc = PolicyDoc::default();
        let matrix = Preset::FocusAreas.matrix();
        let grants = Grants::from(&doc.permissions);
        Policy { calendar: Calendar::china(), matrix, grants, doc }
    }
}

impl Policy {
    /// Loads and validates a TOML policy.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let doc: PolicyDoc = toml::from_str(text)
            .map_err(|e| PolicyError::Parse { format: "toml", message: e.to_string() })?;
        Policy::from_doc(doc)
    }

    /// Loads and validates a JSON policy.
    pub fn from_json(text: &str) -> Result<Policy, PolicyError> {
        let doc: PolicyDoc = serde_json::from_str(text)
            .map_err(|e| PolicyError::Parse { format: "json", message: e.to_string() })?;
        Policy::from_doc(doc)
    }

    /// Validates a document and builds the policy.
    pub fn from_doc(doc: PolicyDoc) -> Result<Policy, PolicyError> {
        let calendar = Calendar::from_config(&doc.calendar)?;
        doc.assessment.lec_bands.validate("assessment.lec_bands")?;
        doc.assessment.ls_bands.validate("assessment.ls_bands")?;
        doc.deadlines.validate()?;
        doc.ladders.validate(&calendar)?;
        doc.permissions.validate()?;
        doc.limits.validate()?;
        doc.notices.validate()?;
        doc.inspections.validate(&calendar)?;
        doc.incidents.validate(&calendar)?;
        doc.reports.validate(&calendar)?;
        if doc.delivery.max_attempts == 0 {
            return Err(InputError::Malformed {
                field: "delivery.max_attempts".into(),
                reason: "must be positive".into(),
            }
            .into());
        }
        let matrix = build_matrix(&doc.matrix)?;
        let grants = Grants::from(&doc.permissions);
        Ok(Policy { doc, calendar, matrix, grants })
    }

    /// The template of hazard numbers (隐患编号).
    pub fn number_format(&self) -> &crate::numbering::NumberFormat {
        &self.doc.numbering.format
    }

    /// The document, for writing back out.
    pub fn doc(&self) -> &PolicyDoc {
        &self.doc
    }

    /// The policy as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(&self.doc).unwrap_or_default()
    }

    /// The business calendar.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// Loads one year's official holiday notice into the calendar, and into the document's
    /// `calendar.extra_years` so that the policy written back out keeps it. A year already
    /// there is replaced. Errors name the field (`holidays[2]`) and change nothing.
    pub fn load_holiday_year(
        &mut self,
        year: crate::calendar::HolidayYear,
    ) -> Result<(), InputError> {
        self.calendar.load_year(year.clone())?;
        self.doc.calendar.extra_years.retain(|y| y.year != year.year);
        self.doc.calendar.extra_years.push(year);
        self.doc.calendar.extra_years.sort_by_key(|y| y.year);
        Ok(())
    }

    /// The responsibility matrix.
    pub fn matrix(&self) -> &ResponsibilityMatrix {
        &self.matrix
    }

    /// Scoring and grading.
    pub fn assessment(&self) -> &AssessmentPolicy {
        &self.doc.assessment
    }

    /// Deadline rules.
    pub fn deadlines(&self) -> &DeadlinePolicy {
        &self.doc.deadlines
    }

    /// Escalation ladders.
    pub fn ladders(&self) -> &Ladders {
        &self.doc.ladders
    }

    /// Permissions.
    pub fn permissions(&self) -> &Permissions {
        &self.doc.permissions
    }

    /// The permissions compiled to bit masks, as [`authorize`](crate::org::authorize) reads them.
    pub fn grants(&self) -> &Grants {
        &self.grants
    }

    /// Input limits.
    pub fn limits(&self) -> &Limits {
        &self.doc.limits
    }

    /// Which step notifies which roles.
    pub fn notices(&self) -> &Notices {
        &self.doc.notices
    }

    /// Inspections: the ladder for overdue and missed occurrences.
    pub fn inspections(&self) -> &crate::inspection::InspectionPolicy {
        &self.doc.inspections
    }

    /// Incident reports: the clocks and their ladder.
    pub fn incidents(&self) -> &crate::duty::IncidentPolicy {
        &self.doc.incidents
    }

    /// Report duties: when one is missed and the ladder.
    pub fn reports(&self) -> &crate::duty::ReportPolicy {
        &self.doc.reports
    }

    /// Outbox delivery.
    pub fn delivery(&self) -> &DeliveryPolicy {
        &self.doc.delivery
    }
}

fn build_matrix(source: &MatrixSource) -> Result<ResponsibilityMatrix, InputError> {
    let mut entries: Vec<Responsibility> = match &source.preset {
        None => Vec::new(),
        Some(key) => {
            let preset: Preset = key.parse().map_err(|_| InputError::NotAllowed {
                field: "matrix.preset".into(),
                value: key.clone(),
                allowed: Preset::ALL.iter().map(|p| p.key()).collect::<Vec<_>>().join(", "),
            })?;
            preset.matrix().entries().to_vec()
        }
    };
    for entry in &source.entries {
        entries.retain(|e| e.category != entry.category);
        entries.push(entry.clone());
    }
    let matrix = ResponsibilityMatrix::new(entries).map_err(|e| e.within("matrix"))?;
    if matrix.entries().is_empty() {
        return Err(InputError::Missing { field: "matrix.entries".into() });
    }
    Ok(matrix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_default_toml_is_the_default_policy() {
        let shipped = Policy::from_toml(include_str!("../../../../policies/default.toml")).unwrap();
        assert_eq!(shipped.doc(), Policy::default().doc());
    }

    #[test]
    fn json_policy_loads_and_unknown_fields_are_refused() {
        let p = Policy::from_json(
            r#"{"deadlines": {"general": {"register": "0wd", "report": "0wd",
            "rectify": "3wd", "accept": "2wd", "close": "2wd", "archive": "month_end"},
            "major": {"register": "0wd", "report": "4h", "plan": "3wd", "rectify": "20wd",
            "accept": "2wd", "close": "2wd", "archive": "month_end"},
            "supervised_close": "10d", "extension_notice": "10d"}}"#,
        )
        .unwrap();
        assert_eq!(p.deadlines().general.rectify.to_string(), "3wd");
        let err = Policy::from_json(r#"{"deadline": {}}"#).unwrap_err();
        assert!(err.to_string().contains("deadline"), "{err}");
    }

    #[test]
    fn unknown_preset_names_the_field() {
        let err = Policy::from_toml("[matrix]\npreset = \"nope\"\n").unwrap_err();
        assert!(err.to_string().contains("matrix.preset"), "{err}");
    }

    #[test]
    fn bad_span_names_the_key() {
        let err = Policy::from_toml("[delivery]\nbackoff_base = \"soon\"\n").unwrap_err();
        assert!(err.to_string().contains("backoff_base"), "{err}");
    }
}
