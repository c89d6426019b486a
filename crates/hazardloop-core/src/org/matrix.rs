//! The responsibility matrix (责任分工): which department leads each hazard category and which
//! take part, after "谁主管、谁负责" (whoever is in charge is responsible). It is routing data: a
//! hazard's category picks its lead department.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::{Category, InputError, Lang, UnitId};
use crate::org::{Org, Unit, UnitKind};

/// One row of the matrix: a category and who answers for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Responsibility {
    /// The category code (`fire`, `food_safety`).
    pub category: Category,
    /// Chinese name, as the source document writes it.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The lead department (牵头部门), by its Chinese name (`安全保卫处`).
    pub lead: String,
    /// Participating or responsible departments (参与/责任部门), by Chinese name, in the order
    /// the source lists them. Names of groups such as `各二级学院` stand for every unit of that
    /// sort (see [`is_collective`]).
    #[serde(default)]
    pub participating: Vec<String>,
    /// Anything the table cannot hold: co-leads, a division of duties, the source's wording.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Responsibility {
    /// The category's name in `lang`.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.name_zh,
            Lang::En => &self.name_en,
        }
    }
}

/// The matrix: category → [`Responsibility`]. In TOML, one `[[entries]]` table per category.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponsibilityMatrix {
    entries: Vec<Responsibility>,
}

impl ResponsibilityMatrix {
    /// A validated matrix; see [`ResponsibilityMatrix::validate`].
    pub fn new(entries: Vec<Responsibility>) -> Result<Self, InputError> {
        let matrix = Self { entries };
        matrix.validate()?;
        Ok(matrix)
    }

    /// Checks what deserialising cannot: categories are unique, names and the lead are not blank,
    /// and no department is listed twice in one entry. Errors name the field, as in
    /// `entries[2].lead`.
    pub fn validate(&self) -> Result<(), InputError> {
        let mut seen: HashMap<&Category, usize> = HashMap::new();
        for (i, entry) in self.entries.iter().enumerate() {
            let field = |name: &str| format!("entries[{i}].{name}");
            if let Some(first) = seen.insert(&entry.category, i) {
                return Err(InputError::Malformed {
                    field: field("category"),
                    reason: format!("`{}` is already used by entries[{first}]", entry.category),
                });
            }
            for (name, value) in
                [("name_zh", &entry.name_zh), ("name_en", &entry.name_en), ("lead", &entry.lead)]
            {
                if value.trim().is_empty() {
                    return Err(InputError::Missing { field: field(name) });
                }
            }
            for (j, department) in entry.participating.iter().enumerate() {
                let field = field(&format!("participating[{j}]"));
                if department.trim().is_empty() {
                    return Err(InputError::Missing { field });
                }
                if *department == entry.lead || entry.participating[..j].contains(department) {
                    return Err(InputError::Malformed {
                        field,
                        reason: format!("`{department}` is listed twice"),
                    });
                }
            }
        }
        Ok(())
    }

    /// The entry for `category`.
    pub fn get(&self, category: &Category) -> Option<&Responsibility> {
        self.entries.iter().find(|e| e.category == *category)
    }

    /// Whether `category` has an entry.
    pub fn contains(&self, category: &Category) -> bool {
        self.get(category).is_some()
    }

    /// Every category, in table order.
    pub fn categories(&self) -> impl Iterator<Item = &Category> + '_ {
        self.entries.iter().map(|e| &e.category)
    }

    /// Every entry, in table order.
    pub fn entries(&self) -> &[Responsibility] {
        &self.entries
    }

    /// The name of `category` in `lang`.
    pub fn name(&self, category: &Category, lang: Lang) -> Option<&str> {
        self.get(category).map(|e| e.name(lang))
    }

    /// The department under `school` that leads `category`: the first department (breadth first)
    /// whose name matches the lead (see [`base_name`]), else the one whose id equals it.
    pub fn lead_unit(&self, org: &Org, school: &UnitId, category: &Category) -> Option<UnitId> {
        let lead = &self.get(category)?.lead;
        department_named(org, school, lead).map(|u| u.id.clone())
    }

    /// The participating departments under `school` that exist there, in table order. Group names
    /// (`各二级学院`) and departments the school does not have are left out.
    pub fn participating_units(
        &self,
        org: &Org,
        school: &UnitId,
        category: &Category,
    ) -> Vec<UnitId> {
        let Some(entry) = self.get(category) else { return Vec::new() };
        entry
            .participating
            .iter()
            .filter_map(|name| department_named(org, school, name))
            .map(|u| u.id.clone())
            .collect()
    }
}

fn department_named<'a>(org: &'a Org, school: &UnitId, name: &str) -> Option<&'a Unit> {
    let below = org.descendants(school);
    let departments = || below.iter().copied().filter(|u| u.kind == UnitKind::Department);
    let wanted = base_name(name);
    departments()
        .find(|u| base_name(&u.name) == wanted)
        .or_else(|| departments().find(|u| u.id.as_str() == name))
}

/// A department name without a trailing parenthesised note of extra duties, so that
/// `组织部（统战）` (organisation department, also doing united-front work) and `组织部` name the
/// same department. Full-width and ASCII parentheses are both understood.
pub fn base_name(name: &str) -> &str {
    let name = name.trim();
    if name.ends_with('）') || name.ends_with(')') {
        if let Some(open) = name.rfind(['（', '(']) {
            if open > 0 {
                return name[..open].trim_end();
            }
        }
    }
    name
}

/// Whether a name in a matrix stands for a group of units rather than one department:
/// `各教学部门` (every teaching department), `各二级学院`, `机关各处室`, `其他相关科室`.
pub fn is_collective(name: &str) -> bool {
    let name = name.trim();
    name.starts_with('各') || name.starts_with("其他") || name.contains("各处室")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::TenantId;

    fn entry(category: &str, lead: &str, participating: &[&str]) -> Responsibility {
        Responsibility {
            category: Category::new(category).unwrap(),
            name_zh: "名称".into(),
            name_en: "name".into(),
            lead: lead.into(),
            participating: participating.iter().map(|s| s.to_string()).collect(),
            note: None,
        }
    }

    fn school() -> Org {
        let id = |s: &str| UnitId::new(s).unwrap();
        let units = vec![
            Unit::new(id("s"), "一中", UnitKind::School, None),
            Unit::new(id("s/sec"), "安全保卫处", UnitKind::Department, Some(id("s"))),
            Unit::new(id("s/org"), "组织部", UnitKind::Department, Some(id("s"))),
            Unit::new(id("s/ops"), "后勤", UnitKind::Department, Some(id("s"))),
            Unit::new(id("s/g"), "网格", UnitKind::Grid, Some(id("s"))),
        ];
        Org::from_parts(TenantId::new("t").unwrap(), units, vec![]).unwrap()
    }

    #[test]
    fn duplicate_category_is_rejected_naming_the_entry() {
        let err = ResponsibilityMatrix::new(vec![
            entry("fire", "安全保卫处", &[]),
            entry("fire", "后勤", &[]),
        ])
        .unwrap_err();
        assert_eq!(err.field(), "entries[1].category", "{err}");
    }

    #[test]
    fn blank_lead_is_rejected_naming_the_entry() {
        let entries =
            vec![entry("fire", "安全保卫处", &[]), entry("food", "x", &[]), entry("lab", " ", &[])];
        let err = ResponsibilityMatrix::new(entries).unwrap_err();
        assert_eq!(err.field(), "entries[2].lead", "{err}");
    }

    #[test]
    fn department_listed_twice_is_rejected() {
        let err =
            ResponsibilityMatrix::new(vec![entry("fire", "安全保卫处", &["后勤", "安全保卫处"])])
                .unwrap_err();
        assert_eq!(err.field(), "entries[0].participating[1]", "{err}");
    }

    #[test]
    fn lead_unit_matches_the_department_name_or_id() {
        let matrix = ResponsibilityMatrix::new(vec![
            entry("fire", "安全保卫处", &["组织部（统战）", "各二级学院", "财务处"]),
            entry("food", "s/ops", &[]),
            entry("exam", "教务处", &[]),
            entry("grid", "网格", &[]),
        ])
        .unwrap();
        let org = school();
        let s = UnitId::new("s").unwrap();
        let cat = |c: &str| Category::new(c).unwrap();
        assert_eq!(matrix.lead_unit(&org, &s, &cat("fire")).unwrap().as_str(), "s/sec");
        assert_eq!(matrix.lead_unit(&org, &s, &cat("food")).unwrap().as_str(), "s/ops");
        assert_eq!(matrix.lead_unit(&org, &s, &cat("exam")), None, "the school has no 教务处");
        assert_eq!(matrix.lead_unit(&org, &s, &cat("grid")), None, "a grid is not a department");
        assert_eq!(matrix.lead_unit(&org, &s, &cat("none")), None);
        let taking_part = matrix.participating_units(&org, &s, &cat("fire"));
        assert_eq!(taking_part, [UnitId::new("s/org").unwrap()]);
    }

    #[test]
    fn names_come_in_both_languages() {
        let matrix = ResponsibilityMatrix::new(vec![entry("fire", "安全保卫处", &[])]).unwrap();
        let fire = Category::new("fire").unwrap();
        assert_eq!(matrix.name(&fire, Lang::Zh), Some("名称"));
        assert_eq!(matrix.name(&fire, Lang::En), Some("name"));
        assert!(matrix.contains(&fire));
        assert_eq!(matrix.categories().count(), 1);
    }

    #[test]
    fn a_parenthesised_duty_does_not_make_another_department() {
        assert_eq!(base_name("组织部（统战）"), "组织部");
        assert_eq!(base_name("组织部"), "组织部");
        assert_eq!(base_name("（统战）"), "（统战）");
    }

    #[test]
    fn group_names_are_collective() {
        for name in ["各教学部门", "各二级学院", "机关各处室", "其他相关科室"]
        {
            assert!(is_collective(name), "{name}");
        }
        for name in ["安全保卫处", "教务科研处", "马院"] {
            assert!(!is_collective(name), "{name}");
        }
    }

    #[test]
    fn matrix_reads_entries_tables_from_toml() {
        let text = "[[entries]]\ncategory = \"fire\"\nname_zh = \"消防\"\nname_en = \"Fire\"\n\
                    lead = \"安全保卫处\"\nparticipating = [\"各二级学院\"]\n";
        let matrix: ResponsibilityMatrix = toml::from_str(text).unwrap();
        matrix.validate().unwrap();
        assert_eq!(matrix.entries()[0].participating, ["各二级学院"]);
        assert_eq!(
            toml::from_str::<ResponsibilityMatrix>(&toml::to_string(&matrix).unwrap()).unwrap(),
            matrix
        );
    }
}
