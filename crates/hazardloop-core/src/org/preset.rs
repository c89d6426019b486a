//! Presets (预置方案): responsibility matrices taken from real school documents (the seeds), shipped
//! as TOML data in `presets/` and embedded in the library.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::{named_enum, InputError, TenantId, UnitId};
use crate::org::{base_name, is_collective, Org, ResponsibilityMatrix, Unit, UnitKind};

/// A responsibility matrix taken from one seed document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Seed 000: the 8 work groups (工作组) of a school safety leadership group, from political
    /// security to public opinion, each with a lead department and participating departments.
    WorkGroups,
    /// Seed 001: the 12 focus areas (整治重点) of a campus safety campaign, such as fire, traffic,
    /// food, laboratory chemicals, buildings and construction.
    FocusAreas,
    /// Seed 002: the 9 work domains (工作领域) a school assigns to its offices.
    Domains,
}

named_enum!(Preset {
    WorkGroups => ("安全工作组", "work groups"),
    FocusAreas => ("专项整治重点", "focus areas"),
    Domains => ("科室工作领域", "office domains"),
});

/// The department-name → id-slug table at the end of each preset file.
#[derive(Deserialize)]
struct Slugs {
    slugs: BTreeMap<String, String>,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 3] = [Preset::WorkGroups, Preset::FocusAreas, Preset::Domains];

    /// The preset's key in configuration: `work_groups`, `focus_areas` or `domains`.
    pub fn key(&self) -> &'static str {
        match self {
            Preset::WorkGroups => "work_groups",
            Preset::FocusAreas => "focus_areas",
            Preset::Domains => "domains",
        }
    }

    /// The preset's TOML source.
    pub fn source(&self) -> &'static str {
        match self {
            Preset::WorkGroups => include_str!("../../presets/work_groups.toml"),
            Preset::FocusAreas => include_str!("../../presets/focus_areas.toml"),
            Preset::Domains => include_str!("../../presets/domains.toml"),
        }
    }

    /// The preset's responsibility matrix.
    // The sources are compiled in and a unit test parses and validates every one of them, so
    // parsing cannot fail at run time.
    #[allow(clippy::expect_used)]
    pub fn matrix(&self) -> ResponsibilityMatrix {
        toml::from_str(self.source()).expect("embedded preset parses (tested)")
    }

    /// Every department the preset names as lead or participant, in order of first mention, one
    /// entry per department (see [`base_name`]). Group names such as `各二级学院` are left out
    /// (see [`is_collective`]).
    pub fn departments(&self) -> Vec<String> {
        let matrix = self.matrix();
        let mut found: Vec<String> = Vec::new();
        for entry in matrix.entries() {
            for name in std::iter::once(&entry.lead).chain(&entry.participating) {
                let name = base_name(name);
                if !is_collective(name) && !found.iter().any(|f| f == name) {
                    found.push(name.to_owned());
                }
            }
        }
        found
    }

    /// A new organisation with `bureau` → `school` → one department per name in
    /// [`Preset::departments`], and no people. Each department's id is the school's id, `/` and a
    /// stable slug from the preset (`school-1/security`); its name is the Chinese name. Fails when
    /// a name is blank or a department id would exceed the key length.
    pub fn school_org(
        &self,
        tenant: TenantId,
        bureau: (UnitId, &str),
        school: (UnitId, &str),
    ) -> Result<Org, InputError> {
        let (bureau_id, bureau_name) = bureau;
        let (school_id, school_name) = school;
        let mut org = Org::new(tenant);
        org.insert(Unit::new(bureau_id.clone(), bureau_name, UnitKind::Bureau, None))
            .map_err(|e| e.within("bureau"))?;
        org.insert(Unit::new(school_id.clone(), school_name, UnitKind::School, Some(bureau_id)))
            .map_err(|e| e.within("school"))?;
        let slugs = self.slugs();
        for (i, name) in self.departments().into_iter().enumerate() {
            let slug = slugs.get(&name).cloned().unwrap_or_else(|| format!("d{}", i + 1));
            let field = format!("departments[{i}]");
            let id = UnitId::new(format!("{school_id}/{slug}")).map_err(|e| {
                InputError::Malformed { field: format!("{field}.id"), reason: e.to_string() }
            })?;
            let unit = Unit::new(id, name, UnitKind::Department, Some(school_id.clone()));
            org.insert(unit).map_err(|e| e.within(&field))?;
        }
        Ok(org)
    }

    /// Department name → id slug; empty if the table were missing (ids then fall back to `d1`...).
    fn slugs(&self) -> BTreeMap<String, String> {
        toml::from_str::<Slugs>(self.source()).map(|s| s.slugs).unwrap_or_default()
    }
}

impl FromStr for Preset {
    type Err = InputError;

    /// Parses a preset key (`focus_areas`).
    fn from_str(s: &str) -> Result<Self, InputError> {
        Preset::ALL.into_iter().find(|p| p.key() == s).ok_or_else(|| InputError::NotAllowed {
            field: "preset".into(),
            value: s.to_owned(),
            allowed: Preset::ALL.map(|p| p.key()).join(", "),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::{Category, Lang, Named};

    fn lead(preset: Preset, category: &str) -> String {
        preset.matrix().get(&Category::new(category).unwrap()).unwrap().lead.clone()
    }

    fn participating(preset: Preset, category: &str) -> Vec<String> {
        preset.matrix().get(&Category::new(category).unwrap()).unwrap().participating.clone()
    }

    #[test]
    fn every_preset_parses_and_validates() {
        for preset in Preset::ALL {
            let matrix: ResponsibilityMatrix = toml::from_str(preset.source()).unwrap();
            matrix.validate().unwrap();
            assert!(preset.source().starts_with("# Source: seed 00"), "{}", preset.key());
        }
    }

    #[test]
    fn every_department_has_a_unique_slug() {
        for preset in Preset::ALL {
            let slugs = preset.slugs();
            let departments = preset.departments();
            let mut names: Vec<&String> = slugs.keys().collect();
            names.sort();
            let mut expected: Vec<&String> = departments.iter().collect();
            expected.sort();
            assert_eq!(names, expected, "{}: slug table and departments differ", preset.key());
            let mut values: Vec<&String> = slugs.values().collect();
            values.sort();
            values.dedup();
            assert_eq!(values.len(), slugs.len(), "{}: slugs repeat", preset.key());
            for slug in slugs.values() {
                assert!(slug.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{slug}");
            }
        }
    }

    #[test]
    fn work_groups_are_the_eight_groups_of_seed_000() {
        let matrix = Preset::WorkGroups.matrix();
        assert_eq!(matrix.entries().len(), 8);
        assert_eq!(lead(Preset::WorkGroups, "political"), "宣传部");
        assert_eq!(lead(Preset::WorkGroups, "public_health"), "附院");
        assert_eq!(lead(Preset::WorkGroups, "natural_disasters"), "办公室");
        assert_eq!(lead(Preset::WorkGroups, "examinations"), "教务科研处");
        assert_eq!(
            participating(Preset::WorkGroups, "political"),
            [
                "办公室",
                "组织部（统战）",
                "思政部",
                "教务科研处",
                "学生工作处",
                "招生就业处",
                "安全保卫处"
            ]
        );
    }

    #[test]
    fn accidents_and_disasters_are_led_by_the_security_department_in_work_groups() {
        assert_eq!(lead(Preset::WorkGroups, "accidents_disasters"), "安全保卫处");
        assert!(participating(Preset::WorkGroups, "accidents_disasters")
            .contains(&"实验实训中心".into()));
    }

    #[test]
    fn focus_areas_are_the_twelve_areas_of_seed_001() {
        assert_eq!(Preset::FocusAreas.matrix().entries().len(), 12);
        assert_eq!(lead(Preset::FocusAreas, "lab_chemicals"), "教务处");
        assert_eq!(lead(Preset::FocusAreas, "buildings_construction"), "后勤管理处");
        assert_eq!(lead(Preset::FocusAreas, "political_security"), "宣传统战部");
        assert_eq!(
            participating(Preset::FocusAreas, "political_security"),
            ["思政处", "马院", "各二级学院"]
        );
    }

    #[test]
    fn fire_is_led_by_the_security_department_in_focus_areas() {
        assert_eq!(lead(Preset::FocusAreas, "fire"), "安全保卫处");
        assert_eq!(participating(Preset::FocusAreas, "fire"), ["各二级学院", "机关各处室"]);
    }

    #[test]
    fn food_safety_falls_to_logistics_in_focus_areas() {
        assert_eq!(lead(Preset::FocusAreas, "food_safety"), "后勤管理处");
        assert!(participating(Preset::FocusAreas, "food_safety").is_empty());
    }

    #[test]
    fn domains_are_the_nine_domains_of_seed_002() {
        assert_eq!(Preset::Domains.matrix().entries().len(), 9);
        assert_eq!(lead(Preset::Domains, "campus_security"), "安保处");
        assert_eq!(lead(Preset::Domains, "staffing_disputes"), "人事科");
        assert_eq!(lead(Preset::Domains, "enrolment_disputes"), "办公室");
        assert_eq!(participating(Preset::Domains, "school_buildings"), ["总务处", "安保处"]);
    }

    #[test]
    fn departments_are_deduplicated_in_first_mention_order_without_groups() {
        let departments = Preset::WorkGroups.departments();
        assert_eq!(&departments[..3], ["宣传部", "办公室", "组织部"]);
        assert_eq!(departments.len(), 12);
        assert!(!departments.iter().any(|d| is_collective(d)));
        assert_eq!(Preset::FocusAreas.departments().len(), 10);
        assert_eq!(
            Preset::Domains.departments(),
            ["总务处", "安保处", "教技室", "教务处", "德育处", "办公室", "人事科"]
        );
    }

    #[test]
    fn school_org_routes_each_category_to_its_lead_department() {
        let uid = |s: &str| UnitId::new(s).unwrap();
        for preset in Preset::ALL {
            let org = preset
                .school_org(
                    TenantId::new("t").unwrap(),
                    (uid("qx"), "区教育局"),
                    (uid("s1"), "一中"),
                )
                .unwrap();
            assert_eq!(org.children(&uid("s1")).len(), preset.departments().len());
            let matrix = preset.matrix();
            for category in matrix.categories() {
                let unit = matrix.lead_unit(&org, &uid("s1"), category).unwrap();
                assert!(org.is_within(&unit, &uid("s1")), "{unit}");
            }
        }
        let org = Preset::FocusAreas
            .school_org(TenantId::new("t").unwrap(), (uid("qx"), "区教育局"), (uid("s1"), "一中"))
            .unwrap();
        assert_eq!(org.unit(&uid("s1/security")).unwrap().name, "安全保卫处");
    }

    #[test]
    fn school_org_names_the_failing_part() {
        let uid = |s: &str| UnitId::new(s).unwrap();
        let t = || TenantId::new("t").unwrap();
        let err = Preset::Domains.school_org(t(), (uid("b"), ""), (uid("s"), "学校")).unwrap_err();
        assert_eq!(err.field(), "bureau.name");
        let long = uid(&"s".repeat(60));
        let err = Preset::Domains.school_org(t(), (uid("b"), "局"), (long, "学校")).unwrap_err();
        assert_eq!(err.field(), "departments[0].id");
    }

    #[test]
    fn preset_keys_parse_back() {
        for preset in Preset::ALL {
            assert_eq!(preset.key().parse::<Preset>().unwrap(), preset);
            let json = serde_json::to_string(&preset).unwrap();
            assert_eq!(json, format!("\"{}\"", preset.key()));
        }
        assert_eq!("fire".parse::<Preset>().unwrap_err().field(), "preset");
        assert_eq!(Preset::FocusAreas.name(Lang::Zh), "专项整治重点");
    }
}
