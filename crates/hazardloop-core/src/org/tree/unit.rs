//! Units (单位) and their kinds: bureau, school, department, grid, and which kind may sit
//! under which.

use serde::{Deserialize, Serialize};

use crate::model::{named_enum, UnitId};

/// The kind of a unit (单位类型). Kinds nest downwards in the order listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// An education bureau, city or county.
    Bureau,
    /// A school.
    School,
    /// A department, office (处室/科室) or college (二级学院) of a school.
    Department,
    /// A grid, the smallest patrolled area of the grid management of seed 001 三(二).
    Grid,
}

named_enum!(UnitKind {
    Bureau => ("教育局", "bureau"),
    School => ("学校", "school"),
    Department => ("部门", "department"),
    Grid => ("网格", "grid"),
});

impl UnitKind {
    /// Every kind, from the top down.
    pub const ALL: [UnitKind; 4] =
        [UnitKind::Bureau, UnitKind::School, UnitKind::Department, UnitKind::Grid];

    /// The kinds that may sit directly under this one: a bureau holds bureaus (city → county) and
    /// schools, a school or a department holds departments and grids, a grid holds nothing.
    pub fn children(self) -> &'static [UnitKind] {
        match self {
            UnitKind::Bureau => &[UnitKind::Bureau, UnitKind::School],
            UnitKind::School | UnitKind::Department => &[UnitKind::Department, UnitKind::Grid],
            UnitKind::Grid => &[],
        }
    }

    /// Whether a unit of kind `child` may sit directly under a unit of this kind.
    pub fn may_contain(self, child: UnitKind) -> bool {
        self.children().contains(&child)
    }
}

/// One unit (单位) of the organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// The host's key for the unit.
    pub id: UnitId,
    /// Display name, in Chinese as the school writes it (`安全保卫处`).
    pub name: String,
    /// What kind of unit it is.
    pub kind: UnitKind,
    /// The unit directly above; `None` for a root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<UnitId>,
}

impl Unit {
    /// A unit under `parent` (`None` for a root).
    pub fn new(
        id: UnitId,
        name: impl Into<String>,
        kind: UnitKind,
        parent: Option<UnitId>,
    ) -> Self {
        Self { id, name: name.into(), kind, parent }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Lang, Named};

    #[test]
    fn unit_kinds_display_in_chinese() {
        assert_eq!(UnitKind::Grid.to_string(), "网格");
        assert_eq!(UnitKind::Bureau.name(Lang::En), "bureau");
    }
}
