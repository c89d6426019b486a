//! Shared fixtures of the store conformance suite: a tenant and fixture per check, sample
//! hazards chained from the start, commits and outbox messages built from them.

use std::future::Future;

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::chain::{ChainHash, Recorded};
use hazardloop_core::model::{Grade, HazardId, MessageId, TenantId};
use hazardloop_core::notify::NoticeKind;
use hazardloop_core::report::LedgerRow;
use hazardloop_core::store::{Commit, OutboxMessage, OutboxStatus, StoreError};
use hazardloop_core::workflow::{Event, Hazard, StageKind};

use crate::Fixture;

/// A unique tenant for one check.
pub(crate) fn tenant(check: &str) -> TenantId {
    // Only the random part matters: the suite reads no clock.
    let suffix = HazardId::new_at(DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000)).to_string();
    #[allow(clippy::expect_used)] // short ASCII key
    TenantId::new(format!("{check}-{}", &suffix[24..])).expect("valid tenant key")
}

/// A fixture in its own tenant.
pub(crate) fn fixture(check: &str) -> Fixture {
    let mut f = Fixture::school();
    let t = tenant(check);
    f = Fixture { org: rebind(&f, &t), tenant: t, ..f };
    f
}

fn rebind(f: &Fixture, tenant: &TenantId) -> hazardloop_core::org::Org {
    let config = f.org.to_config();
    #[allow(clippy::expect_used)] // the fixture's own organisation
    hazardloop_core::org::Org::from_config(tenant.clone(), config).expect("fixture org rebinds")
}

/// A hazard walked to `to` in `f`'s tenant, as records chained from the start.
pub fn sample(f: &Fixture, to: StageKind) -> (Hazard, Vec<Recorded>) {
    let (mut hazard, events) = f.walked(Grade::General, to);
    hazard.id = HazardId::new_at(f.start);
    let events: Vec<Event> = events
        .into_iter()
        .map(|e| match e {
            Event::Discovered { mut facts } => {
                std::sync::Arc::make_mut(&mut facts).tenant = f.tenant.clone();
                Event::Discovered { facts }
            }
            other => other,
        })
        .collect();
    let hazard = refold(hazard.id, &events);
    (hazard.clone(), chain(&f.tenant, hazard.id, 0, ChainHash::default(), &events, f.start))
}

fn refold(id: HazardId, events: &[Event]) -> Hazard {
    match Hazard::fold(id, events) {
        Ok(h) => h,
        Err(e) => panic!("sample events do not fold: {e}"),
    }
}

/// Chains `events` after `seq` / `prev`.
pub fn chain(
    tenant: &TenantId,
    hazard: HazardId,
    seq: u64,
    prev: ChainHash,
    events: &[Event],
    at: DateTime<Utc>,
) -> Vec<Recorded> {
    let mut prev = prev;
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let r = Recorded::new(tenant.clone(), hazard, seq + i as u64 + 1, at, e.clone(), prev);
            prev = r.hash;
            r
        })
        .collect()
}

pub(crate) fn commit(
    tenant: &TenantId,
    hazard: &Hazard,
    expected: u64,
    events: Vec<Recorded>,
    at: DateTime<Utc>,
) -> Commit {
    Commit {
        tenant: tenant.clone(),
        hazard: hazard.id,
        expected_version: expected,
        events: events.into(),
        ledger: LedgerRow::from_hazard(hazard, at).into(),
        state: hazard.clone(),
        next_due: None,
        outbox: Vec::new(),
        idempotency: None,
        numbering: None,
    }
}

/// A pending overdue message about `hazard` to its assignee, in digest group `group`, made at
/// `at`: the sample message of the store conformance suite, for stores' own tests too.
pub fn sample_message(
    tenant: &TenantId,
    hazard: &Hazard,
    group: &str,
    at: DateTime<Utc>,
) -> OutboxMessage {
    OutboxMessage {
        id: MessageId::new_at(at),
        tenant: tenant.clone(),
        group: group.into(),
        to: hazard.stage.registration().map(|r| r.assignee.clone()),
        notice: hazardloop_core::notify::compose::notice(hazard, NoticeKind::Overdue, None, None),
        created_at: at,
        available_at: at,
        attempts: 0,
        last_error: None,
        status: OutboxStatus::Pending,
    }
}

pub(super) fn message(
    tenant: &TenantId,
    hazard: &Hazard,
    group: &str,
    at: DateTime<Utc>,
) -> OutboxMessage {
    sample_message(tenant, hazard, group, at)
}

pub(crate) async fn ok<T>(what: &str, f: impl Future<Output = Result<T, StoreError>>) -> T {
    match f.await {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e}"),
    }
}
