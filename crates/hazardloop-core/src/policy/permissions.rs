//! Which roles may take which step.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::InputError;
use crate::org::Role;
use crate::workflow::Step;

/// Roles allowed per step, and the steps the assignee may take whatever their role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Permissions {
    /// The roles that may take each step. A step missing here is allowed to no role.
    pub steps: BTreeMap<Step, BTreeSet<Role>>,
    /// Steps the hazard's assignee may always take on their own hazard.
    pub assignee: BTreeSet<Step>,
    /// Roles that may start treatment of a major hazard (the principal owns the plan).
    pub major_plan: BTreeSet<Role>,
}

impl Default for Permissions {
    fn default() -> Self {
        use Role::*;
        let all = Role::ALL.to_vec();
        let heads = vec![DepartmentHead, SafetyOfficer, SafetyDeputy, Principal];
        let checkers =
            vec![Inspector, SafetyOfficer, DepartmentHead, SafetyDeputy, Principal, BureauOfficer];
        let superiors = vec![DepartmentHead, SafetyDeputy, Principal, BureauOfficer];
        let table: Vec<(Step, Vec<Role>)> = vec![
            (Step::Discover, all.clone()),
            (Step::FixOnTheSpot, all.clone()),
            (Step::Register, heads.clone()),
            (Step::Report, vec![SafetyOfficer, SafetyDeputy, Principal]),
            (Step::StartTreatment, heads.clone()),
            (Step::Complete, vec![DepartmentHead, SafetyOfficer]),
            (Step::Pass, checkers.clone()),
            (Step::Fail, checkers),
            (Step::Close, vec![SafetyOfficer, SafetyDeputy, Principal, BureauOfficer]),
            (Step::Archive, vec![SafetyOfficer, BureauOfficer]),
            (
                Step::Dismiss,
                vec![DepartmentHead, SafetyOfficer, SafetyDeputy, Principal, BureauOfficer],
            ),
            (Step::AddInterimControl, heads.clone()),
            (Step::RecordProgress, heads.clone()),
            (Step::RequestExtension, vec![DepartmentHead]),
            (Step::GrantExtension, superiors.clone()),
            (Step::DenyExtension, superiors),
            (Step::PauseClock, vec![SafetyDeputy, Principal, BureauOfficer]),
            (Step::ResumeClock, vec![SafetyDeputy, Principal, BureauOfficer]),
            (Step::Reassign, heads),
            (Step::AddEvidence, all.clone()),
            (Step::Comment, all),
            (Step::Supervise, vec![BureauOfficer]),
            (Step::Import, vec![SafetyOfficer, SafetyDeputy, Principal, BureauOfficer]),
        ];
        Permissions {
            steps: table.into_iter().map(|(s, r)| (s, r.into_iter().collect())).collect(),
            assignee: [
                Step::StartTreatment,
                Step::Complete,
                Step::RecordProgress,
                Step::AddInterimControl,
                Step::RequestExtension,
                Step::AddEvidence,
                Step::Comment,
            ]
            .into_iter()
            .collect(),
            major_plan: [Principal, SafetyDeputy].into_iter().collect(),
        }
    }
}

impl Permissions {
    /// Whether `role` may take `step`.
    pub fn allows(&self, step: Step, role: Role) -> bool {
        self.steps.get(&step).is_some_and(|roles| roles.contains(&role))
    }

    /// Checks the grants are consistent; errors name `permissions.steps.close`.
    pub fn validate(&self) -> Result<(), InputError> {
        for step in [Step::Close, Step::Archive, Step::Pass] {
            if self.steps.get(&step).is_none_or(BTreeSet::is_empty) {
                return Err(InputError::Missing {
                    field: format!("permissions.steps.{}", crate::model::code_of(&step)),
                });
            }
        }
        if self.assignee.contains(&Step::Pass) || self.assignee.contains(&Step::Fail) {
            return Err(InputError::NotAllowed {
                field: "permissions.assignee".into(),
                value: "pass/fail".into(),
                allowed: "steps other than acceptance (the assignee never checks their own work)"
                    .into(),
            });
        }
        Ok(())
    }
}
