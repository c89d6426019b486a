//! Occurrences (检查任务): one inspection of one unit in one period, and its events.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::cadence::Slot;
use super::response::Response;
use super::template::TemplateRef;
use crate::model::{named_enum, Evidence, HazardId, PersonId, Source, TenantId, UnitId};

/// Identifies one occurrence: `plan/unit/period` (`daily-patrol/s1-grid-a/2026-09-14`), so the
/// same plan, unit and period always name the same occurrence, whoever generates it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OccurrenceId(String);

impl OccurrenceId {
    /// The id of `plan`'s occurrence for `unit` in `period`.
    pub fn of(plan: &str, unit: &UnitId, period: &str) -> OccurrenceId {
        OccurrenceId(format!("{plan}/{unit}/{period}"))
    }

    /// Parses an id as printed; it has three parts separated by `/` (the period may hold more).
    pub fn parse(text: &str) -> Result<OccurrenceId, crate::model::InputError> {
        let parts: Vec<&str> = text.splitn(3, '/').collect();
        if parts.len() == 3 && parts.iter().all(|p| !p.trim().is_empty()) && text.len() <= 300 {
            Ok(OccurrenceId(text.to_owned()))
        } else {
            Err(crate::model::InputError::Malformed {
                field: "occurrence".into(),
                reason: format!("`{text}` is not an occurrence id (plan/unit/period)"),
            })
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The plan part.
    pub fn plan(&self) -> &str {
        self.0.split('/').next().unwrap_or_default()
    }
}

impl std::fmt::Display for OccurrenceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an occurrence is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 待检查: scheduled, not yet started (it may not be open yet).
    Scheduled,
    /// 检查中: started.
    InProgress,
    /// 逾期: past its due time, the window still open.
    Overdue,
    /// 已完成: completed (on time or late).
    Completed,
    /// 漏检: the window closed before it was completed.
    Missed,
    /// 已核准免检: missed, and excused by the safety office with a reason.
    Excused,
}

named_enum!(Status {
    Scheduled => ("待检查", "scheduled"),
    InProgress => ("检查中", "in progress"),
    Overdue => ("逾期未检", "overdue"),
    Completed => ("已完成", "completed"),
    Missed => ("漏检", "missed"),
    Excused => ("已核准免检", "excused"),
});

/// One item's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The template item.
    pub item: String,
    /// The response.
    pub response: Response,
    /// A comment.
    #[serde(default)]
    pub comment: String,
    /// Photos and documents.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// Where exactly a failure was seen (`教学楼三楼东侧`); its hazard takes it instead of the
    /// plan's location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// For a failed item fixed at once (立查立改): what was done. The finding takes the
    /// fix-on-the-spot path instead of becoming an open hazard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_on_the_spot: Option<String>,
}

/// Where a hazard raised by an inspection came from: the occurrence and the item.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FindingRef {
    /// The occurrence.
    pub occurrence: OccurrenceId,
    /// The template item that failed.
    pub item: String,
}

impl std::fmt::Display for FindingRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.occurrence, self.item)
    }
}

/// A failed item and the hazard it became.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The template item.
    pub item: String,
    /// The hazard raised from it.
    pub hazard: HazardId,
}

/// What an occurrence is scheduled with: fixed for its life.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheduled {
    /// The plan.
    pub plan: String,
    /// The plan's title.
    pub title: String,
    /// The checklist version it uses.
    pub template: TemplateRef,
    /// The unit inspected.
    pub unit: UnitId,
    /// Where.
    pub location: String,
    /// Who inspects.
    pub inspector: PersonId,
    /// When.
    pub slot: Slot,
    /// Whether a late submission is taken.
    pub late_allowed: bool,
    /// How its findings say they were found.
    pub source: Source,
}

/// Everything that happens to an occurrence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OccurrenceEvent {
    /// Generated from its plan.
    Scheduled {
        /// What it was scheduled with.
        scheduled: Box<Scheduled>,
    },
    /// The inspector began.
    Started {
        /// Who.
        by: PersonId,
        /// When.
        at: DateTime<Utc>,
    },
    /// Items were answered (a later answer to an item replaces an earlier one).
    Answered {
        /// The answers.
        answers: Vec<Answer>,
        /// Who.
        by: PersonId,
        /// When.
        at: DateTime<Utc>,
    },
    /// The inspection was completed; its findings became hazards in the same commit.
    Completed {
        /// Who.
        by: PersonId,
        /// When.
        at: DateTime<Utc>,
        /// After the due time.
        late: bool,
        /// The failed items and their hazards.
        findings: Vec<Finding>,
    },
    /// Given to another inspector by a head.
    Reassigned {
        /// The previous inspector.
        from: PersonId,
        /// The new inspector.
        to: PersonId,
        /// Who reassigned it.
        by: PersonId,
        /// Why.
        reason: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The window closed before completion (漏检).
    Missed {
        /// When it was found missed (its closing time).
        at: DateTime<Utc>,
    },
    /// A missed occurrence excused by the safety office; the miss stays on record.
    Excused {
        /// Who.
        by: PersonId,
        /// Why.
        reason: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// A rung of the inspection ladder fired.
    Escalated {
        /// The rung's index in the ladder.
        rung: usize,
        /// When it fired.
        at: DateTime<Utc>,
    },
}

/// An occurrence as its events leave it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Occurrence {
    /// Its id.
    pub id: OccurrenceId,
    /// The tenant.
    pub tenant: TenantId,
    /// What it was scheduled with.
    pub scheduled: Scheduled,
    /// The inspector now (after reassignments).
    pub inspector: PersonId,
    /// When it was started.
    pub started_at: Option<DateTime<Utc>>,
    /// The answers so far, by item.
    pub answers: BTreeMap<String, Answer>,
    /// When it was completed, and whether late.
    pub completed: Option<(DateTime<Utc>, bool)>,
    /// The findings and their hazards.
    pub findings: Vec<Finding>,
    /// When it was missed.
    pub missed_at: Option<DateTime<Utc>>,
    /// Who excused it, why and when.
    pub excused: Option<(PersonId, String, DateTime<Utc>)>,
    /// The rungs fired.
    pub fired: BTreeSet<usize>,
    /// How many events it has.
    pub version: u64,
}

impl Occurrence {
    /// Folds events from the first (`Scheduled`). A history that does not start so, or whose
    /// events do not fit, is refused.
    pub fn fold<'a>(
        id: OccurrenceId,
        tenant: TenantId,
        events: impl IntoIterator<Item = &'a OccurrenceEvent>,
    ) -> Result<Occurrence, String> {
        let mut events = events.into_iter();
        let Some(OccurrenceEvent::Scheduled { scheduled }) = events.next() else {
            return Err("an occurrence's history starts with `scheduled`".into());
        };
        let mut occurrence = Occurrence {
            id,
            tenant,
            inspector: scheduled.inspector.clone(),
            scheduled: (**scheduled).clone(),
            started_at: None,
            answers: BTreeMap::new(),
            completed: None,
            findings: Vec::new(),
            missed_at: None,
            excused: None,
            fired: BTreeSet::new(),
            version: 1,
        };
        for event in events {
            occurrence.apply(event)?;
        }
        Ok(occurrence)
    }

    /// Applies one event: it only moves (the checks are in `decide`).
    pub fn apply(&mut self, event: &OccurrenceEvent) -> Result<(), String> {
        match event {
            OccurrenceEvent::Scheduled { .. } => return Err("scheduled twice".into()),
            OccurrenceEvent::Started { at, .. } => self.started_at = Some(*at),
            OccurrenceEvent::Answered { answers, .. } => {
                for a in answers {
                    self.answers.insert(a.item.clone(), a.clone());
                }
            }
            OccurrenceEvent::Completed { at, late, findings, .. } => {
                self.completed = Some((*at, *late));
                self.findings.clone_from(findings);
            }
            OccurrenceEvent::Reassigned { to, .. } => self.inspector = to.clone(),
            OccurrenceEvent::Missed { at } => self.missed_at = Some(*at),
            OccurrenceEvent::Excused { by, reason, at } => {
                self.excused = Some((by.clone(), reason.clone(), *at));
            }
            OccurrenceEvent::Escalated { rung, .. } => {
                self.fired.insert(*rung);
            }
        }
        self.version += 1;
        Ok(())
    }

    /// Where it is at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> Status {
        if self.completed.is_some() {
            Status::Completed
        } else if self.excused.is_some() {
            Status::Excused
        } else if self.missed_at.is_some() || now >= self.scheduled.slot.closes {
            Status::Missed
        } else if now > self.scheduled.slot.due {
            Status::Overdue
        } else if self.started_at.is_some() {
            Status::InProgress
        } else {
            Status::Scheduled
        }
    }

    /// Whether it is finished with (completed, or missed and recorded as such).
    pub fn is_settled(&self) -> bool {
        self.completed.is_some() || self.excused.is_some() || self.missed_at.is_some()
    }
}
