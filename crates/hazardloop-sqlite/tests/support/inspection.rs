//! Building occurrence commits and their findings' hazards for the SQLite store's own tests
//! (shared by `inspections.rs` and `crash.rs`).

use chrono::{DateTime, Utc};
use hazardloop_core::chain::ChainHash;
use hazardloop_core::inspection::{Finding, FindingRef, Occurrence, OccurrenceEvent};
use hazardloop_core::model::{Grade, HazardId};
use hazardloop_core::report::LedgerRow;
use hazardloop_core::store::{Commit, OccurrenceCommit};
use hazardloop_core::workflow::{Event, Hazard, StageKind};
use hazardloop_testkit::conformance::{chain, sample_message};
use hazardloop_testkit::inspection_conformance::event_commit;
use hazardloop_testkit::Fixture;

/// A new hazard `id` in `f`'s tenant raised from `link` (as an inspection's finding is): its
/// discovery with `facts.finding` set, chained from the start, its ledger row, a due clock at
/// `at` + 1 day and one pending message.
pub(crate) fn finding_hazard(
    f: &Fixture,
    id: HazardId,
    link: &FindingRef,
    at: DateTime<Utc>,
) -> Commit {
    let (_, events) = f.walked(Grade::General, StageKind::Discovered);
    let events: Vec<Event> = events
        .into_iter()
        .map(|e| match e {
            Event::Discovered { mut facts } => {
                let edit = std::sync::Arc::make_mut(&mut facts);
                edit.tenant = f.tenant.clone();
                edit.finding = Some(Box::new(link.clone()));
                Event::Discovered { facts }
            }
            other => other,
        })
        .collect();
    let hazard = Hazard::fold(id, &events).unwrap_or_else(|e| panic!("the finding folds: {e}"));
    Commit {
        tenant: f.tenant.clone(),
        hazard: id,
        expected_version: 0,
        events: chain(&f.tenant, id, 0, ChainHash::default(), &events, at).into(),
        ledger: LedgerRow::from_hazard(&hazard, at).into(),
        next_due: Some(at + chrono::Duration::days(1)),
        outbox: vec![sample_message(&f.tenant, &hazard, &format!("finding:{id}"), at)],
        state: hazard,
        idempotency: None,
        numbering: None,
    }
}

/// The completion of `o` (at `head`) raising a new hazard for each of `ids` (items `item0`,
/// …): an id already stored makes the whole completion a conflict.
pub(crate) fn completion(
    f: &Fixture,
    o: &Occurrence,
    head: ChainHash,
    ids: &[HazardId],
    at: DateTime<Utc>,
) -> OccurrenceCommit {
    let mut findings = Vec::new();
    let mut hazards = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let item = format!("item{i}");
        let link = FindingRef { occurrence: o.id.clone(), item: item.clone() };
        hazards.push(finding_hazard(f, *id, &link, at));
        findings.push(Finding { item, hazard: *id });
    }
    let completed =
        OccurrenceEvent::Completed { by: o.inspector.clone(), at, late: false, findings };
    event_commit(o, head, vec![completed], hazards, None)
}
