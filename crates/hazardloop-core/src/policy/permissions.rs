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

/// [`Permissions`] compiled to bit masks, as [`authorize`](crate::org::authorize) reads them:
/// the roles that may take each step, the steps the assignee may take and the roles that own
/// a major hazard's plan. The policy builds it once ([`Policy::grants`](super::Policy::grants));
/// `Grants::from(&permissions)` builds it from any other document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Grants {
    steps: [u8; STEP_SLOTS],
    assignee: u32,
    major_plan: u8,
}

/// One slot per step: `Import` is the last.
const STEP_SLOTS: usize = Step::Import as usize + 1;
const _: () =
    assert!(STEP_SLOTS <= 32 && Role::ALL.len() <= 8, "the masks hold every step and role");

fn role_bit(role: Role) -> u8 {
    1 << role as u8
}

fn step_bit(step: Step) -> u32 {
    1 << step as u32
}

impl Grants {
    /// Whether `role` may take `step` (as [`Permissions::allows`] answers).
    pub fn allows(&self, step: Step, role: Role) -> bool {
        self.allows_any(step, role_bit(role))
    }

    /// Whether the hazard's assignee may take `step` on their own hazard, whatever their role.
    pub fn assignee_may(&self, step: Step) -> bool {
        self.assignee & step_bit(step) != 0
    }

    /// The mask of a set of roles, as [`Grants::allows_any`] and [`Grants::owns_major_plan`]
    /// take it.
    pub(crate) fn roles<'r>(roles: impl IntoIterator<Item = &'r Role>) -> u8 {
        roles.into_iter().fold(0, |mask, &role| mask | role_bit(role))
    }

    /// Whether a role of `roles` (a [`Grants::roles`] mask) may take `step`.
    pub(crate) fn allows_any(&self, step: Step, roles: u8) -> bool {
        self.steps.get(step as usize).is_some_and(|allowed| allowed & roles != 0)
    }

    /// Whether a role of `roles` (a [`Grants::roles`] mask) may start a major hazard's treatment.
    pub(crate) fn owns_major_plan(&self, roles: u8) -> bool {
        self.major_plan & roles != 0
    }
}

impl From<&Permissions> for Grants {
    fn from(p: &Permissions) -> Grants {
        let mut grants = Grants {
            steps: [0; STEP_SLOTS],
            assignee: p.assignee.iter().fold(0, |mask, &step| mask | step_bit(step)),
            major_plan: Grants::roles(&p.major_plan),
        };
        for (&step, roles) in &p.steps {
            if let Some(slot) = grants.steps.get_mut(step as usize) {
                *slot = Grants::roles(roles);
            }
        }
        grants
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_masks_answer_as_the_document_does() {
        let mut p = Permissions::default();
        p.assignee.insert(Step::Close);
        p.major_plan.insert(Role::BureauOfficer);
        let grants = Grants::from(&p);
        let steps = Step::ALL.into_iter().chain([Step::Import]);
        for step in steps {
            for role in Role::ALL {
                let one = Grants::roles(&[role]);
                assert_eq!(grants.allows(step, role), p.allows(step, role), "{step:?} {role:?}");
                assert_eq!(grants.allows_any(step, one), p.allows(step, role), "{step:?} {role:?}");
                assert_eq!(grants.owns_major_plan(one), p.major_plan.contains(&role), "{role:?}");
            }
            assert_eq!(grants.assignee_may(step), p.assignee.contains(&step), "{step:?}");
            let everyone = Grants::roles(&Role::ALL);
            let anyone = Role::ALL.iter().any(|&r| p.allows(step, r));
            assert_eq!(grants.allows_any(step, everyone), anyone, "{step:?}");
            assert!(!grants.allows_any(step, 0), "no role takes no step");
        }
    }
}
