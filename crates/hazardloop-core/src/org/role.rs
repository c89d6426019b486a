//! Roles people hold in the safety organisation.

use serde::{Deserialize, Serialize};

use crate::model::named_enum;

/// A role in the school-safety organisation. A person may hold several; a role applies within the
/// units the person belongs to (and the units below them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 第一责任人: the principal (or bureau head), first responsible for safety in the unit.
    Principal,
    /// 分管安全副校长: the deputy in charge of safety.
    SafetyDeputy,
    /// 部门负责人: head of a department, office or college; organises general rectification.
    DepartmentHead,
    /// 安全员 / 安全保卫处: safety officer of the school safety office; registers, reports, closes.
    SafetyOfficer,
    /// 网格员: a grid member who patrols their grid.
    GridMember,
    /// 检查员: an inspector who discovers hazards and checks rectification (验收).
    Inspector,
    /// 教育局安全科: a bureau-level officer; supervises and closes supervised major hazards (核销).
    BureauOfficer,
}

named_enum!(Role {
    Principal => ("第一责任人", "principal"),
    SafetyDeputy => ("分管安全负责人", "deputy in charge of safety"),
    DepartmentHead => ("部门负责人", "department head"),
    SafetyOfficer => ("安全员", "safety officer"),
    GridMember => ("网格员", "grid member"),
    Inspector => ("检查员", "inspector"),
    BureauOfficer => ("教育局安全科", "bureau safety officer"),
});

impl Role {
    /// Every role, in order of seniority from the grid upwards.
    pub const ALL: [Role; 7] = [
        Role::GridMember,
        Role::Inspector,
        Role::SafetyOfficer,
        Role::DepartmentHead,
        Role::SafetyDeputy,
        Role::Principal,
        Role::BureauOfficer,
    ];
}
