//! Inspection plans (检查计划): who inspects where, with which checklist, how often.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::cadence::{Cadence, Window};
use super::template::{ident, TemplateRef};
use crate::model::{InputError, PersonId, Source, UnitId};
use crate::org::{Org, Role};

/// Who performs a plan's inspections in each of its units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Inspector {
    /// The holder of this role nearest the unit (in the unit, else up the tree).
    Role(Role),
    /// This person, in every unit of the plan.
    Person(PersonId),
    /// A person for each unit of the plan (`{ per_unit = { "s1/g1" = "sun", "s1/g2" = "zhou" } }`).
    PerUnit(std::collections::BTreeMap<UnitId, PersonId>),
}

/// An inspection plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionPlan {
    /// The plan's key (`daily-patrol-grid-a`): 1–40 characters of a-z, 0-9, `_`, `-`.
    pub id: String,
    /// What people see (`教学楼每日巡查`).
    pub title: String,
    /// The checklist and its version.
    pub template: TemplateRef,
    /// The units inspected: one occurrence per unit and period (down to the grid).
    pub units: Vec<UnitId>,
    /// Where in the unit (`教学楼A座`); findings take it as their location.
    #[serde(default)]
    pub location: String,
    /// Who inspects.
    pub inspector: Inspector,
    /// How often.
    pub cadence: Cadence,
    /// The window of each occurrence.
    #[serde(default)]
    pub window: Window,
    /// Whether days in a school vacation are skipped.
    #[serde(default)]
    pub skip_vacations: bool,
    /// Whether a submission after the due time (and before the window closes) is taken, marked late.
    #[serde(default = "yes")]
    pub late_allowed: bool,
    /// The first day of the plan.
    #[serde(with = "super::dates")]
    pub start: NaiveDate,
    /// The last day of the plan, if it ends.
    #[serde(default, with = "super::dates::option")]
    pub end: Option<NaiveDate>,
    /// How findings say they were found; by default from the cadence.
    #[serde(default)]
    pub source: Option<Source>,
}

fn yes() -> bool {
    true
}

/// A set of plans, as kept in a TOML file (`[[plans]]`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plans {
    /// The plans.
    #[serde(default)]
    pub plans: Vec<InspectionPlan>,
}

impl InspectionPlan {
    /// Checks the plan against the organisation; errors name the field (`cadence.day`).
    /// Whether its template exists is the engine's check (templates live in the store).
    pub fn validate(&self, org: &Org) -> Result<(), InputError> {
        ident("id", &self.id)?;
        if self.title.trim().is_empty() {
            return Err(InputError::Missing { field: "title".into() });
        }
        if self.title.chars().count() > 200 || self.location.chars().count() > 200 {
            let field = if self.title.chars().count() > 200 { "title" } else { "location" };
            return Err(InputError::TooLarge {
                field: field.into(),
                limit: "200 characters".into(),
            });
        }
        ident("template.code", &self.template.code)?;
        if self.units.is_empty() {
            return Err(InputError::Missing { field: "units".into() });
        }
        for (i, unit) in self.units.iter().enumerate() {
            if org.unit(unit).is_none() {
                return Err(InputError::Unknown {
                    field: format!("units[{i}]"),
                    value: unit.to_string(),
                });
            }
            if self.units[..i].contains(unit) {
                return Err(InputError::Malformed {
                    field: format!("units[{i}]"),
                    reason: format!("`{unit}` is listed twice"),
                });
            }
        }
        match &self.inspector {
            Inspector::Person(p) if org.person(p).is_none() => {
                return Err(InputError::Unknown {
                    field: "inspector.person".into(),
                    value: p.to_string(),
                });
            }
            Inspector::Role(role) => {
                for (i, unit) in self.units.iter().enumerate() {
                    if org.find_up(unit, *role).is_empty() {
                        return Err(InputError::Malformed {
                            field: format!("units[{i}]"),
                            reason: format!(
                                "nobody holds the role {} in or above `{unit}`",
                                crate::model::code_of(role)
                            ),
                        });
                    }
                }
            }
            Inspector::Person(_) => {}
            Inspector::PerUnit(people) => {
                for (i, unit) in self.units.iter().enumerate() {
                    match people.get(unit) {
                        None => {
                            let reason = format!("no inspector is named for `{unit}`");
                            return Err(InputError::Malformed {
                                field: format!("units[{i}]"),
                                reason,
                            });
                        }
                        Some(p) if org.person(p).is_none() => {
                            let field = format!("inspector.per_unit.{unit}");
                            return Err(InputError::Unknown { field, value: p.to_string() });
                        }
                        Some(_) => {}
                    }
                }
                if let Some(extra) = people.keys().find(|u| !self.units.contains(u)) {
                    return Err(InputError::Malformed {
                        field: format!("inspector.per_unit.{extra}"),
                        reason: "is not one of the plan's units".into(),
                    });
                }
            }
        }
        self.cadence.validate("cadence")?;
        if self.window.close_after.is_negative() {
            return Err(InputError::OutOfOrder {
                field: "window.close_after".into(),
                reason: "the window cannot close before the due time".into(),
            });
        }
        if let Some(end) = self.end {
            if end < self.start {
                return Err(InputError::OutOfOrder {
                    field: "end".into(),
                    reason: format!("{end} is before start {}", self.start),
                });
            }
        }
        Ok(())
    }

    /// The inspector of `unit` under this plan, if anybody holds the role.
    pub fn inspector_of(&self, org: &Org, unit: &UnitId) -> Option<PersonId> {
        match &self.inspector {
            Inspector::Person(p) => Some(p.clone()),
            Inspector::Role(role) => org.find_up(unit, *role).first().map(|p| p.id.clone()),
            Inspector::PerUnit(people) => people.get(unit).cloned(),
        }
    }

    /// How findings say they were found.
    pub fn finding_source(&self) -> Source {
        use super::cadence::CadenceKind as K;
        self.source.unwrap_or(match self.cadence.kind() {
            K::WorkingDay => Source::DailyPatrol,
            K::Week => Source::Weekly,
            K::HalfMonth => Source::HalfMonthly,
            K::Month | K::Quarter | K::HalfYear => Source::Monthly,
            K::TermStart => Source::TermStart,
            K::MidTerm => Source::MidTerm,
            K::TermEnd | K::BeforeHoliday => Source::TermEnd,
            K::Once => Source::SpecialCampaign,
        })
    }
}

impl Plans {
    /// Parses a plan file; errors name the plan and field (`plans[2].cadence.days`).
    pub fn from_toml(text: &str, org: &Org) -> Result<Plans, InputError> {
        let plans: Plans = toml::from_str(text).map_err(|e| super::template::toml_error(&e))?;
        plans.validate(org)?;
        Ok(plans)
    }

    /// Checks every plan and that ids are unique.
    pub fn validate(&self, org: &Org) -> Result<(), InputError> {
        for (i, plan) in self.plans.iter().enumerate() {
            plan.validate(org).map_err(|e| e.within(&format!("plans[{i}]")))?;
            if self.plans[..i].iter().any(|p| p.id == plan.id) {
                return Err(InputError::Malformed {
                    field: format!("plans[{i}].id"),
                    reason: format!("`{}` is used twice", plan.id),
                });
            }
        }
        Ok(())
    }
}
