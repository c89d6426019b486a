//! Checklist presets (预置检查表), written from the seeds' own wording: each item cites its seed
//! and clause in the preset file under `presets/inspections/`.

use super::template::Template;
use crate::model::InputError;
use crate::org::ResponsibilityMatrix;

macro_rules! presets {
    ($($code:literal),+ $(,)?) => {
        const PRESETS: &[(&str, &str)] = &[
            $(($code, include_str!(concat!("../../presets/inspections/", $code, ".toml"))),)+
        ];
    };
}

presets!(
    "daily_patrol",
    "half_monthly",
    "monthly_leadership",
    "term_start",
    "mid_term",
    "term_end",
    "pre_holiday",
    "focus_responsibility",
    "focus_grid_management",
    "focus_risk_control",
    "focus_public_order",
    "focus_crime_prevention",
    "focus_safety_education",
    "focus_fire",
    "focus_traffic",
    "focus_food_safety",
    "focus_lab_chemicals",
    "focus_buildings_construction",
    "focus_political_security",
);

/// The codes of every shipped preset, in order: the cadence checklists (daily patrol,
/// half-monthly, monthly leadership, term start, mid-term, term end, pre-holiday), then one
/// list per seed 001 focus area (`focus_fire`, …).
pub fn preset_codes() -> impl Iterator<Item = &'static str> {
    PRESETS.iter().map(|(code, _)| *code)
}

/// The preset `code`, validated against `matrix` (the default matrix, the seed 001 focus
/// areas, holds every category the presets use). `None` for an unknown code.
pub fn preset(code: &str, matrix: &ResponsibilityMatrix) -> Option<Result<Template, InputError>> {
    PRESETS.iter().find(|(c, _)| *c == code).map(|(_, text)| Template::from_toml(text, matrix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Preset;

    #[test]
    fn every_preset_loads_cites_its_seed_and_is_named_by_its_file() {
        let matrix = Preset::FocusAreas.matrix();
        for code in preset_codes() {
            let t = preset(code, &matrix).unwrap().unwrap_or_else(|e| panic!("{code}: {e}"));
            assert_eq!(t.code, code);
            assert!(t.source.starts_with("seed 00"), "{code}: source {}", t.source);
            for item in t.items() {
                assert!(
                    item.cite.starts_with("seed 00"),
                    "{code}/{}: cite {:?}",
                    item.id,
                    item.cite
                );
            }
        }
        assert_eq!(preset_codes().count(), 19);
    }
}
