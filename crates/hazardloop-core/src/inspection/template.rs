//! Checklist templates (检查表): items grouped in sections, each routed to a category of the
//! responsibility matrix, with how it is answered and what a failure needs.
//!
//! A template is identified by its code and version. A template in use is never edited in
//! place: a change is a new version, and an occurrence keeps the version it was scheduled with.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

#[cfg(test)]
use super::response::Response;
use super::response::ResponseKind;
use crate::model::{Category, Evidence, Grade, InputError, Lang};
use crate::org::ResponsibilityMatrix;

/// The longest item id, template code or section title accepted, in characters.
const MAX_ID: usize = 40;
/// The most items a template may have.
const MAX_ITEMS: usize = 500;

/// One item of a checklist (检查项).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Unique within its template.
    pub id: String,
    /// The prompt in Chinese.
    pub prompt_zh: String,
    /// The prompt in English.
    pub prompt_en: String,
    /// The category a finding routes to (the responsibility matrix picks the lead department).
    pub category: Category,
    /// How it is answered.
    pub response: ResponseKind,
    /// Whether it must be answered before the inspection can be completed.
    #[serde(default = "yes")]
    pub mandatory: bool,
    /// Whether a failure needs a photo (evidence).
    #[serde(default = "yes")]
    pub evidence_on_fail: bool,
    /// The grade of the hazard a failure raises.
    #[serde(default = "general")]
    pub grade: Grade,
    /// Where the item comes from (`seed 001 三(七)`).
    #[serde(default)]
    pub cite: String,
}

fn yes() -> bool {
    true
}

fn general() -> Grade {
    Grade::General
}

/// A section of a checklist (检查类别).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// The title in Chinese.
    pub title_zh: String,
    /// The title in English.
    pub title_en: String,
    /// The items, in the order asked.
    pub items: Vec<Item>,
}

/// A checklist template (检查表).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// The template's code (`daily_patrol`); with the version, its identity.
    pub code: String,
    /// The version; a change to a template in use is a new version.
    pub version: u32,
    /// The name in Chinese.
    pub name_zh: String,
    /// The name in English.
    pub name_en: String,
    /// Where the check is required (`seed 004 七(四)`).
    #[serde(default)]
    pub source: String,
    /// The sections, in order.
    pub sections: Vec<Section>,
}

/// A template's identity: its code and version.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TemplateRef {
    /// The code.
    pub code: String,
    /// The version.
    pub version: u32,
}

impl std::fmt::Display for TemplateRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.code, self.version)
    }
}

impl Template {
    /// Parses a template from TOML and validates it against `matrix` (every item's category
    /// must be in it). Errors name the field: `sections[1].items[3].response.pass_max`.
    pub fn from_toml(text: &str, matrix: &ResponsibilityMatrix) -> Result<Template, InputError> {
        let template: Template = toml::from_str(text).map_err(|e| toml_error(&e))?;
        template.validate(matrix)?;
        Ok(template)
    }

    /// Its identity.
    pub fn reference(&self) -> TemplateRef {
        TemplateRef { code: self.code.clone(), version: self.version }
    }

    /// The name in `lang`.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.name_zh,
            Lang::En => &self.name_en,
        }
    }

    /// Every item, in order.
    pub fn items(&self) -> impl Iterator<Item = &Item> + '_ {
        self.sections.iter().flat_map(|s| s.items.iter())
    }

    /// The item with this id.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items().find(|i| i.id == id)
    }

    /// Checks the template: identifiers, texts, unique item ids, response kinds, categories.
    pub fn validate(&self, matrix: &ResponsibilityMatrix) -> Result<(), InputError> {
        ident("code", &self.code)?;
        if self.version == 0 {
            return Err(malformed("version", "versions start at 1"));
        }
        text("name_zh", &self.name_zh)?;
        text("name_en", &self.name_en)?;
        if self.sections.is_empty() {
            return Err(InputError::Missing { field: "sections".into() });
        }
        let mut seen = BTreeSet::new();
        let mut count = 0;
        for (s, section) in self.sections.iter().enumerate() {
            let at = |f: &str| format!("sections[{s}].{f}");
            text(&at("title_zh"), &section.title_zh)?;
            text(&at("title_en"), &section.title_en)?;
            if section.items.is_empty() {
                return Err(InputError::Missing { field: at("items") });
            }
            for (i, item) in section.items.iter().enumerate() {
                let field = at(&format!("items[{i}]"));
                item.validate(matrix).map_err(|e| e.within(&field))?;
                if !seen.insert(item.id.as_str()) {
                    return Err(malformed(&format!("{field}.id"), "is used twice"));
                }
                count += 1;
            }
        }
        if count > MAX_ITEMS {
            return Err(InputError::TooLarge {
                field: "sections".into(),
                limit: MAX_ITEMS.to_string(),
            });
        }
        Ok(())
    }
}

impl Item {
    /// The prompt in `lang`.
    pub fn prompt(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.prompt_zh,
            Lang::En => &self.prompt_en,
        }
    }

    fn validate(&self, matrix: &ResponsibilityMatrix) -> Result<(), InputError> {
        ident("id", &self.id)?;
        text("prompt_zh", &self.prompt_zh)?;
        text("prompt_en", &self.prompt_en)?;
        if matrix.get(&self.category).is_none() {
            return Err(InputError::UnknownCategory {
                field: "category".into(),
                category: self.category.to_string(),
                known: matrix
                    .entries()
                    .iter()
                    .map(|e| e.category.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        self.response.validate()
    }
}

/// Whether `evidence` satisfies an item that failed: at least one valid photo or document.
pub(crate) fn check_evidence(evidence: &[Evidence], field: &str) -> Result<(), InputError> {
    for (i, e) in evidence.iter().enumerate() {
        e.validate(format_args!("{field}[{i}]"))?;
    }
    Ok(())
}

fn malformed(field: &str, reason: &str) -> InputError {
    InputError::Malformed { field: field.into(), reason: reason.into() }
}

/// A code or item id: 1–40 characters of `a-z`, `0-9`, `_` and `-`.
pub(crate) fn ident(field: &str, value: &str) -> Result<(), InputError> {
    let ok = !value.is_empty()
        && value.chars().count() <= MAX_ID
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(malformed(
            field,
            &format!("`{value}` must be 1–{MAX_ID} characters of a-z, 0-9, _ and -"),
        ))
    }
}

fn text(field: &str, value: &str) -> Result<(), InputError> {
    if value.trim().is_empty() {
        Err(InputError::Missing { field: field.into() })
    } else if value.chars().count() > 500 {
        Err(InputError::TooLarge { field: field.into(), limit: "500 characters".into() })
    } else {
        Ok(())
    }
}

/// A TOML error as an input error naming the field where the parser stopped.
pub(crate) fn toml_error(e: &toml::de::Error) -> InputError {
    let message = e.message().to_string();
    // `unknown field `promt`, expected one of …`: name the field.
    let field = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next())
        .map(str::to_owned)
        .or_else(|| {
            message
                .strip_prefix("missing field `")
                .and_then(|r| r.split('`').next())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| match e.span() {
            Some(span) => format!("at byte {}", span.start),
            None => "document".into(),
        });
    InputError::Malformed { field, reason: message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Preset;

    const SMALL: &str = r#"
code = "t"
version = 1
name_zh = "表"
name_en = "Sheet"
[[sections]]
title_zh = "消防"
title_en = "Fire"
[[sections.items]]
id = "exits"
prompt_zh = "通道畅通"
prompt_en = "Exits clear"
category = "fire"
response = { kind = "pass_fail" }
[[sections.items]]
id = "pressure"
prompt_zh = "灭火器压力"
prompt_en = "Extinguisher pressure"
category = "fire"
response = { kind = "number", min = 0.0, max = 5.0, pass_min = 1.0, pass_max = 1.4, unit = "MPa" }
"#;

    fn matrix() -> ResponsibilityMatrix {
        Preset::FocusAreas.matrix()
    }

    #[test]
    fn a_template_parses_and_judges_numbers_by_their_pass_range() {
        let t = Template::from_toml(SMALL, &matrix()).unwrap();
        let p = t.item("pressure").unwrap();
        assert!(!p.judge(&Response::Number(1.2), "a").unwrap());
        assert!(p.judge(&Response::Number(0.5), "a").unwrap());
        let err = p.judge(&Response::Number(9.0), "answers[1].response").unwrap_err();
        assert_eq!(err.field(), "answers[1].response");
        let err = p.judge(&Response::Pass, "answers[1].response").unwrap_err();
        assert!(matches!(err, InputError::NotAllowed { .. }), "{err}");
    }

    #[test]
    fn a_typo_in_a_template_file_names_the_field() {
        let err = Template::from_toml(
            &SMALL.replace("prompt_en = \"Exits", "promt_en = \"Exits"),
            &matrix(),
        )
        .unwrap_err();
        assert_eq!(err.field(), "promt_en", "{err}");
        let err = Template::from_toml(
            &SMALL.replace(
                "category = \"fire\"\nresponse = { kind = \"pass",
                "category = \"fier\"\nresponse = { kind = \"pass",
            ),
            &matrix(),
        )
        .unwrap_err();
        assert_eq!(err.field(), "sections[0].items[0].category", "{err}");
        let err =
            Template::from_toml(&SMALL.replace("pass_max = 1.4", "pass_max = 0.4"), &matrix())
                .unwrap_err();
        assert_eq!(err.field(), "sections[0].items[1].response.pass_max", "{err}");
        let err =
            Template::from_toml(&SMALL.replace("id = \"pressure\"", "id = \"exits\""), &matrix())
                .unwrap_err();
        assert_eq!(err.field(), "sections[0].items[1].id", "{err}");
    }
}
