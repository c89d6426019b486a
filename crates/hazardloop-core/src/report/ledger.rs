//! The ledger (台账): one flat row per hazard, derived from the hazard at a given `now`, for
//! listing, filtering, statistics and the spreadsheet that is mailed upward.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::deadline::ClockKind;
use crate::escalation::Action;
use crate::model::{Category, Grade, HazardId, PersonId, RiskColour, Source, TenantId, UnitId};
use crate::workflow::{Dismissal, Filed, Hazard, Stage, StageKind, Treatment};

/// One row of the hazard ledger (隐患台账), as the hazard stood at [`LedgerRow::as_of`].
///
/// Every field is read from the hazard; nothing is stored that the events do not give back. Times
/// are instants (UTC); render them in the school's time zone (see [`super::CellContext`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LedgerRow {
    /// The hazard's key (a UUID).
    pub id: HazardId,
    /// Its number (隐患编号, e.g. `2026-0017`); `None` for a hazard stored before numbering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// The tenant it belongs to.
    pub tenant: TenantId,
    /// Events applied so far.
    pub version: u64,
    /// The instant the row was derived at; `overdue` is as at this instant.
    pub as_of: DateTime<Utc>,
    /// The unit where it was found (所在单位).
    pub unit: UnitId,
    /// Where exactly (具体位置).
    pub location: String,
    /// The registered category, else the one suggested at discovery.
    pub category: Option<Category>,
    /// Short title.
    pub title: String,
    /// What was seen (隐患描述).
    pub description: String,
    /// How it was found.
    pub source: Source,
    /// Who found it (发现人).
    pub discovered_by: PersonId,
    /// When it was found (发现时间).
    pub discovered_at: DateTime<Utc>,
    /// The inspection occurrence and item it was raised from (来源检查), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<crate::inspection::FindingRef>,
    /// The special campaign (专项整治) it is counted in: registration's, else discovery's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    /// When it entered the ledger, once registered.
    pub registered_at: Option<DateTime<Utc>>,
    /// General or major (等级), once registered.
    pub grade: Option<Grade>,
    /// Risk colour (风险等级), once registered.
    pub colour: Option<RiskColour>,
    /// Risk score (LEC D or LS R), when the method gives one.
    pub score: Option<f64>,
    /// Responsible unit (责任单位), once registered.
    pub responsible_unit: Option<UnitId>,
    /// Responsible person (责任人), once registered.
    pub assignee: Option<PersonId>,
    /// Rectification measures (整改措施) of the plan, once treatment started.
    pub measures: Option<String>,
    /// The rectification deadline in force (整改期限): the open `rectify_by` clock (which pauses
    /// and extensions move), else the treatment's deadline, else the registered one.
    pub deadline: Option<DateTime<Utc>>,
    /// Whether `deadline` is provisional (暂定): the open `rectify_by` clock was reckoned past
    /// the holiday calendar's horizon, so a later notice may move it.
    #[serde(default)]
    pub deadline_provisional: bool,
    /// The current step (当前环节).
    pub stage: StageKind,
    /// Overdue at `as_of` (是否逾期): see [`LedgerRow::is_overdue_at`]. The engine's ledger
    /// queries give rows as at the query's time, so the flag is current there.
    pub overdue: bool,
    /// Since when the clocks are paused, if a pause is in force.
    pub paused_since: Option<DateTime<Utc>>,
    /// Under bureau supervision (挂牌督办).
    pub supervised: bool,
    /// When the rectifier claimed the completion that passed acceptance.
    pub completed_at: Option<DateTime<Utc>>,
    /// Who passed the acceptance check (验收人).
    pub accepted_by: Option<PersonId>,
    /// When it passed (验收时间).
    pub accepted_at: Option<DateTime<Utc>>,
    /// When the entry was closed (销号时间).
    pub closed_at: Option<DateTime<Utc>>,
    /// When it was dismissed, if it was.
    pub dismissed_at: Option<DateTime<Utc>>,
    /// When it was filed and sealed (备案存档).
    pub archived_at: Option<DateTime<Utc>>,
    /// Times the work went back after a failed acceptance (返工).
    pub reworks: usize,
    /// When each failed acceptance happened, oldest first.
    pub failed_at: Vec<DateTime<Utc>>,
    /// When each extension (延期) was granted, oldest first.
    pub extensions_granted_at: Vec<DateTime<Utc>>,
    /// Escalation rungs fired (督办升级): when, and what they did, oldest first.
    pub escalations: Vec<(DateTime<Utc>, Action)>,
    /// Remarks (备注): the dismissal note, else the reason of the last failed acceptance.
    pub note: Option<String>,
}

impl LedgerRow {
    /// The row of `h` as at `now`. Pure: `now` only decides `overdue`.
    pub fn from_hazard(h: &Hazard, now: DateTime<Utc>) -> LedgerRow {
        let mut row = LedgerRow::derive(h, now);
        row.overdue = row.is_overdue_at(now);
        row
    }

    /// Whether the hazard is overdue at `at` (逾期未整改): open and not yet accepted, its clocks
    /// not paused, and the rectification deadline in force before `at`. The statistics
    /// (`Stats::overdue`) and every store's `overdue` filter use this same rule; the clocks of
    /// other steps (registering, reporting, the plan, acceptance) escalate through the ladder
    /// but do not make the ledger row overdue.
    pub fn is_overdue_at(&self, at: DateTime<Utc>) -> bool {
        self.stage.is_open()
            && self.stage != StageKind::Accepted
            && self.paused_since.is_none()
            && self.deadline.is_some_and(|d| d < at)
    }

    /// The row as it stands at `now`, for a row stored at an earlier commit: nothing has
    /// happened to the hazard since (else the row would be newer), so only time moved on.
    pub fn as_at(mut self, now: DateTime<Utc>) -> LedgerRow {
        if now > self.as_of {
            self.as_of = now;
            self.overdue = self.is_overdue_at(now);
        }
        self
    }

    fn derive(h: &Hazard, now: DateTime<Utc>) -> LedgerRow {
        let stage = &h.stage;
        let facts = stage.facts();
        let registration = stage.registration();
        let treatment = stage.treatment();
        let acceptance = stage.acceptance();
        let dismissal = dismissal(stage);
        let failed = treatment.map_or(&[][..], |t| t.failed.as_slice());
        let mut escalations: Vec<(DateTime<Utc>, Action)> =
            h.fired.values().map(|f| (f.at, f.action)).collect();
        escalations.sort();
        LedgerRow {
            id: h.id,
            number: h.number.clone(),
            tenant: facts.tenant.clone(),
            version: h.version,
            as_of: now,
            unit: facts.unit.clone(),
            location: facts.location.clone(),
            category: registration.map(|r| r.category.clone()).or_else(|| facts.category.clone()),
            title: facts.title.clone(),
            description: facts.description.clone(),
            source: facts.source,
            discovered_by: facts.discovered_by.clone(),
            discovered_at: facts.discovered_at,
            finding: facts.finding.as_deref().cloned(),
            campaign: registration
                .and_then(|r| r.campaign.clone())
                .or_else(|| facts.campaign.clone()),
            registered_at: registration.map(|r| r.at),
            grade: registration.map(|r| r.grade),
            colour: registration.map(|r| r.assessment.colour),
            score: registration.and_then(|r| r.assessment.score),
            responsible_unit: registration.map(|r| r.responsible_unit.clone()),
            assignee: registration.map(|r| r.assignee.clone()),
            measures: treatment.map(|t| t.plan.measures().to_owned()),
            deadline: h
                .clocks
                .get(ClockKind::Rectify)
                .or_else(|| treatment.map(Treatment::deadline))
                .or_else(|| registration.map(|r| r.deadline)),
            deadline_provisional: h.clocks.get(ClockKind::Rectify).is_some()
                && h.provisional.contains(ClockKind::Rectify),
            stage: h.kind(),
            overdue: false, // set below, from the row's own fields
            paused_since: h.paused.as_ref().map(|p| p.at),
            supervised: stage.report().is_some_and(|r| r.supervision.is_some()),
            completed_at: acceptance.and(stage.completion()).map(|c| c.at),
            accepted_by: acceptance.map(|a| a.by.clone()),
            accepted_at: acceptance.map(|a| a.at),
            closed_at: stage.closed().map(|c| c.closure.at),
            dismissed_at: dismissal.map(|d| d.at),
            archived_at: match stage {
                Stage::Archived(a) => Some(a.seal.at),
                _ => None,
            },
            reworks: failed.len(),
            failed_at: failed.iter().map(|f| f.rejection.at).collect(),
            extensions_granted_at: treatment
                .map(|t| t.extensions.iter().filter(|d| d.granted).map(|d| d.at).collect())
                .unwrap_or_default(),
            escalations,
            note: dismissal
                .map(|d| d.note.clone())
                .or_else(|| failed.last().map(|f| f.rejection.reason.clone())),
        }
    }

    /// The unit that answers for the hazard: the responsible unit once registered, else the unit
    /// where it was found. Filters and statistics place a row here.
    pub fn accountable_unit(&self) -> &UnitId {
        self.responsible_unit.as_ref().unwrap_or(&self.unit)
    }
}

/// The dismissal of a dismissed hazard, archived or not.
fn dismissal(stage: &Stage) -> Option<&Dismissal> {
    match stage {
        Stage::Dismissed(d) => Some(&d.dismissal),
        Stage::Archived(a) => match &a.record {
            Filed::Dismissed(d) => Some(&d.dismissal),
            Filed::Closed(_) => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{day, Story};

    #[test]
    fn overdue_is_derived_at_now_not_stored() {
        let h = Story::found("s1", day(3)).register(day(3), day(10)).hazard();
        assert!(!LedgerRow::from_hazard(&h, day(9)).overdue);
        assert!(LedgerRow::from_hazard(&h, day(11)).overdue);
    }

    #[test]
    fn only_the_rectification_deadline_makes_a_row_overdue() {
        // Found, never registered: its registration clock lapses, but there is no deadline.
        let found = Story::found("s1", day(3)).hazard();
        assert!(!LedgerRow::from_hazard(&found, day(30)).overdue);
        // Completed in time and accepted, not yet closed: past the deadline it is not overdue.
        let accepted = Story::found("s1", day(3))
            .register(day(3), day(10))
            .report(day(3))
            .treat(day(4))
            .complete(day(8))
            .pass(day(9))
            .hazard();
        assert!(!LedgerRow::from_hazard(&accepted, day(12)).overdue);
        // Completed but not yet accepted when the deadline passes: overdue, as in the statistics.
        let waiting = Story::found("s1", day(3))
            .register(day(3), day(10))
            .report(day(3))
            .treat(day(4))
            .complete(day(8));
        assert!(LedgerRow::from_hazard(&waiting.hazard(), day(12)).overdue);
    }

    #[test]
    fn a_stored_row_as_at_a_later_time_is_overdue_once_its_deadline_passes() {
        let h = Story::found("s1", day(3)).register(day(3), day(10)).hazard();
        let stored = LedgerRow::from_hazard(&h, day(4));
        assert!(!stored.overdue);
        let now = stored.clone().as_at(day(11));
        assert_eq!((now.as_of, now.overdue), (day(11), true));
        assert_eq!(LedgerRow { as_of: day(4), overdue: false, ..now }, stored, "only time moved");
        // An earlier time cannot be reconstructed: the row stays as stored.
        assert_eq!(stored.clone().as_at(day(2)), stored);
    }

    #[test]
    fn paused_hazard_is_not_overdue() {
        let h = Story::found("s1", day(3)).register(day(3), day(10)).pause(day(5)).hazard();
        let row = LedgerRow::from_hazard(&h, day(20));
        assert!(!row.overdue);
        assert_eq!(row.paused_since, Some(day(5)));
    }

    #[test]
    fn deadline_in_force_is_the_open_clock_then_the_extended_plan() {
        let story =
            Story::found("s1", day(3)).register(day(3), day(10)).report(day(3)).treat(day(4));
        let extended = story.extend(day(8), day(15));
        assert_eq!(LedgerRow::from_hazard(&extended.hazard(), day(9)).deadline, Some(day(15)));
        // Once completed the rectify clock closes; the treatment's (extended) deadline remains.
        let done = extended.complete(day(14)).pass(day(16));
        let row = LedgerRow::from_hazard(&done.hazard(), day(20));
        assert_eq!(
            (row.deadline, row.completed_at, row.accepted_at),
            (Some(day(15)), Some(day(14)), Some(day(16)))
        );
        assert_eq!(row.extensions_granted_at, [day(8)]);
        assert_eq!(row.accepted_by.as_ref().map(PersonId::as_str), Some("checker"));
    }

    #[test]
    fn unregistered_row_takes_the_suggested_category_and_has_no_deadline() {
        let row =
            LedgerRow::from_hazard(&Story::found("s1", day(3)).suggest("food").hazard(), day(3));
        assert_eq!(row.category.as_ref().map(Category::as_str), Some("food"));
        assert_eq!((row.grade, row.deadline, row.responsible_unit.as_ref()), (None, None, None));
        assert_eq!(row.accountable_unit().as_str(), "s1");
    }

    #[test]
    fn failed_acceptance_is_kept_with_its_time_and_reason() {
        let h = Story::found("s1", day(3))
            .register(day(3), day(10))
            .report(day(3))
            .treat(day(4))
            .complete(day(5))
            .fail(day(6), "灭火器仍未更换")
            .hazard();
        let row = LedgerRow::from_hazard(&h, day(7));
        assert_eq!(
            (row.stage, row.reworks, row.failed_at.as_slice()),
            (StageKind::Treating, 1, &[day(6)][..])
        );
        assert_eq!(row.note.as_deref(), Some("灭火器仍未更换"));
        assert_eq!(row.completed_at, None, "a failed completion is not the accepted one");
    }

    #[test]
    fn archived_dismissal_keeps_its_times_and_note() {
        let h = Story::found("s1", day(3)).dismiss(day(4), "不是隐患").archive(day(5)).hazard();
        let row = LedgerRow::from_hazard(&h, day(6));
        assert_eq!(row.stage, StageKind::Archived);
        assert_eq!(
            (row.dismissed_at, row.archived_at, row.closed_at),
            (Some(day(4)), Some(day(5)), None)
        );
        assert_eq!(row.note.as_deref(), Some("不是隐患"));
    }

    #[test]
    fn escalations_are_listed_oldest_first() {
        let h = Story::found("s1", day(3))
            .register(day(3), day(10))
            .escalate(day(12), Action::SupervisionLetter)
            .escalate(day(11), Action::Overdue)
            .hazard();
        let row = LedgerRow::from_hazard(&h, day(13));
        assert_eq!(
            row.escalations,
            [(day(11), Action::Overdue), (day(12), Action::SupervisionLetter)]
        );
    }
}
