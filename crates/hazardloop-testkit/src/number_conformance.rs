//! The store contract for hazard numbers (隐患编号): a new hazard's commit takes the next number
//! of its series in its own transaction, gives it to the state, the ledger row and the commit's
//! notices, and a commit that fails gives it back (numbers are gap-free); `find_number` finds
//! a hazard by its number within its tenant only.

use chrono::Duration;
use hazardloop_core::engine::{Engine, Request};
use hazardloop_core::notify::Notifier;
use hazardloop_core::numbering::NumberFormat;
use hazardloop_core::store::{Commit, IdempotentResult, OutboxStatus, Store, StoreError};
use hazardloop_core::workflow::StageKind;

use crate::conformance::{commit, fixture, ok, sample, sample_message};
use crate::Fixture;

/// A new hazard's commit, numbered by the default template, found at `start + offset` seconds.
fn numbered(f: &Fixture, offset: i64, year_of: chrono::DateTime<chrono::Utc>) -> Commit {
    let g = Fixture { start: f.start + Duration::seconds(offset), ..f.clone() };
    let (hazard, records) = sample(&g, StageKind::Discovered);
    let mut c = commit(&f.tenant, &hazard, 0, records, g.start);
    c.outbox = vec![sample_message(&f.tenant, &hazard, "numbers", g.start)];
    c.numbering = Some(NumberFormat::default().numbering(year_of, f.policy.calendar().time_zone()));
    c
}

/// The sequence part of `2026-0017`.
fn seq(number: &str) -> u64 {
    number
        .rsplit('-')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{number} is not a default-format number"))
}

/// Runs the number checks (the suite may run twice on one store: numbers are compared with the
/// first one taken, not with 1).
pub async fn numbers_are_gap_free_and_found<S: Store>(store: &S) {
    let f = fixture("numbers");
    let at = f.start;
    let first = numbered(&f, 0, at);
    let (first_id, first_key) = (first.hazard, "numbers-key");
    let mut keyed = first;
    keyed.idempotency =
        Some(IdempotentResult { key: first_key.into(), hazard: first_id, version: 1, events: 1 });
    let committed = ok("commit a numbered hazard", store.commit(keyed)).await;
    let Some(snapshot) = ok("snapshot", store.snapshot(&f.tenant, first_id)).await else {
        panic!("the numbered hazard is stored")
    };
    let Some(number) = snapshot.hazard.number.clone() else {
        panic!("the store gives a new hazard its number")
    };
    assert_eq!(committed.number.as_ref(), Some(&number), "the commit says the number it gave");
    let n0 = seq(&number);
    assert_eq!(ok("find", store.find_number(&f.tenant, &number)).await, Some(first_id));

    // A commit that fails (a used idempotency key) takes no number.
    let mut refused = numbered(&f, 1, at);
    refused.idempotency = Some(IdempotentResult {
        key: first_key.into(),
        hazard: refused.hazard,
        version: 1,
        events: 1,
    });
    let refused_id = refused.hazard;
    assert_eq!(store.commit(refused).await, Err(StoreError::DuplicateKey));
    assert!(ok("load", store.load(&f.tenant, refused_id)).await.is_none());

    // The next ones follow without a gap, in a batch too; each carries its number everywhere.
    let second = numbered(&f, 2, at);
    let second_id = second.hazard;
    let second_number = ok("commit", store.commit(second)).await.number;
    let batch = vec![numbered(&f, 3, at), numbered(&f, 4, at)];
    let batch_ids: Vec<_> = batch.iter().map(|c| c.hazard).collect();
    for r in store.commit_many(batch).await {
        assert_eq!(r, Ok(()), "a numbered batch lands");
    }
    let mut numbers = Vec::new();
    for id in [second_id].iter().chain(&batch_ids) {
        let Some(s) = ok("snapshot", store.snapshot(&f.tenant, *id)).await else {
            panic!("stored")
        };
        let number = s.hazard.number.unwrap_or_else(|| panic!("hazard {id} has no number"));
        assert_eq!(ok("find", store.find_number(&f.tenant, &number)).await, Some(*id));
        if *id == second_id {
            assert_eq!(second_number.as_ref(), Some(&number), "the commit says its number");
        }
        numbers.push(seq(&number));
    }
    numbers.sort_unstable();
    assert_eq!(numbers, vec![n0 + 1, n0 + 2, n0 + 3], "gap-free after a refused commit");

    // The ledger row and the commit's notices carry the number.
    let page = ok("ledger", store.ledger(&f.tenant, &Default::default())).await;
    let row = page.rows.iter().find(|r| r.id == second_id);
    assert!(row.is_some_and(|r| r.number.as_deref().map(seq) == Some(n0 + 1)), "ledger row");
    let outbox = ok("outbox", store.outbox(&f.tenant, OutboxStatus::Pending)).await;
    let notice = outbox.iter().find(|m| m.notice.hazard == second_id);
    assert!(
        notice.is_some_and(|m| m.notice.number.as_deref().map(seq) == Some(n0 + 1)),
        "the notice of the commit that created the hazard carries its number"
    );

    // Another series (the next year) counts on its own; another tenant finds nothing.
    let next_year = numbered(&f, 5, at + Duration::days(366));
    let next_year_id = next_year.hazard;
    ok("commit", store.commit(next_year)).await;
    let Some(s) = ok("snapshot", store.snapshot(&f.tenant, next_year_id)).await else {
        panic!("stored")
    };
    let other_series = s.hazard.number.unwrap_or_default();
    assert_ne!(other_series.split('-').next(), number.split('-').next(), "a year of its own");
    let stranger = fixture("numbers-other");
    assert_eq!(ok("find", store.find_number(&stranger.tenant, &number)).await, None);
    assert_eq!(ok("find", store.find_number(&f.tenant, "no-such-number")).await, None);
}

/// Checks that `numbers` (default format, one series) are `count` distinct numbers following
/// each other from 1: what two processes racing to discover `count` hazards must get.
pub fn assert_consecutive(numbers: &[String], count: usize) {
    let mut seqs: Vec<u64> = numbers.iter().map(|n| seq(n)).collect();
    seqs.sort_unstable();
    let distinct = seqs.windows(2).all(|w| w[0] != w[1]);
    assert!(distinct, "hazard numbers repeat: {} numbers", numbers.len());
    let expected: Vec<u64> = (1..=count as u64).collect();
    assert_eq!(seqs.len(), count, "every hazard has a number");
    assert_eq!(seqs, expected, "the numbers are 1..={count} without a gap");
}

/// Discovers `n` hazards through `engine` as the safety officer, on two lanes polled together:
/// one racing process of the two-process number tests (each SQL store runs two of these at
/// once, in two processes, on one database).
pub async fn discover_on_two_lanes<S: Store, N: Notifier>(
    engine: &Engine<S, N>,
    f: &Fixture,
    n: usize,
) {
    let lane = |count: usize| async move {
        for _ in 0..count {
            if let Err(e) = engine.execute(&f.officer(), Request::new(f.discover())).await {
                panic!("discover: {e}");
            }
        }
    };
    crate::conformance::join(lane(n / 2), lane(n - n / 2)).await;
}
