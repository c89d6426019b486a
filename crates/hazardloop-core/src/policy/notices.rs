//! Which step tells whom (`[notices]`): the notices a command's own events send. The ladders say
//! who hears of a deadline; this says who hears of a step. Both name roles relative to the
//! hazard's unit, resolved to people when the notice is written.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::escalation::Recipient;
use crate::model::InputError;
use crate::workflow::Step;

/// The roles each step notifies. A step not listed notifies nobody.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Notices(BTreeMap<Step, Vec<Recipient>>);

impl Default for Notices {
    /// Completion asks the school safety office for the acceptance check; a failed check goes
    /// back to the assignee; a closing tells the assignee and the head of the responsible unit.
    fn default() -> Self {
        use Recipient::*;
        Notices(
            [
                (Step::Complete, vec![SafetyOffice]),
                (Step::Fail, vec![Assignee]),
                (Step::Close, vec![Assignee, UnitHead]),
            ]
            .into_iter()
            .collect(),
        )
    }
}

impl Notices {
    /// Who `step` notifies (empty: nobody).
    pub fn to(&self, step: Step) -> &[Recipient] {
        self.0.get(&step).map_or(&[], Vec::as_slice)
    }

    /// The steps that notify someone, with their recipients.
    pub fn iter(&self) -> impl Iterator<Item = (Step, &[Recipient])> + '_ {
        self.0.iter().map(|(s, r)| (*s, r.as_slice()))
    }

    /// Each recipient at most once per step; errors name `notices.<step>`.
    pub fn validate(&self) -> Result<(), InputError> {
        for (step, to) in &self.0 {
            if let Some((i, twice)) = to.iter().enumerate().find(|(i, r)| to[..*i].contains(r)) {
                return Err(InputError::Malformed {
                    field: format!("notices.{}[{i}]", crate::model::code_of(step)),
                    reason: format!("`{}` is listed twice", crate::model::code_of(twice)),
                });
            }
        }
        Ok(())
    }
}
