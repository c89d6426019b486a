//! The store and notifier conformance suites. Every store runs [`store_conformance`]; every
//! notifier runs [`notifier_conformance`]. Public, so stores and notifiers outside this
//! repository can hold themselves to the same contract.
//!
//! Each check uses tenants of its own, so the suite can run against a store that other tests use.

mod commits;
mod due;
mod fixtures;
mod join;
mod ledger;
mod notifier;
mod outbox;
mod statistics;
mod tenancy;

pub use commits::{
    commit_load_round_trip, event_order_and_chain_are_preserved,
    idempotency_keys_are_remembered_once, racing_writers_exactly_one_wins,
};
pub use due::due_clocks_are_ordered_paged_and_replaced;
pub use fixtures::{chain, sample, sample_message};
pub(crate) use fixtures::{commit, fixture, ok, tenant};
pub use join::join;
pub use ledger::ledger_queries_filter_and_page;
pub use notifier::notifier_conformance;
pub use outbox::{outbox_claims_lease_and_settle, outbox_is_written_atomically_with_events};
pub use statistics::statistics_agree_with_the_reference;
pub use tenancy::{documents_are_kept_per_tenant, tenants_never_see_each_other};

use hazardloop_core::store::Store;

/// Runs every store check.
pub async fn store_conformance<S: Store>(store: &S) {
    commit_load_round_trip(store).await;
    racing_writers_exactly_one_wins(store).await;
    outbox_is_written_atomically_with_events(store).await;
    due_clocks_are_ordered_paged_and_replaced(store).await;
    tenants_never_see_each_other(store).await;
    idempotency_keys_are_remembered_once(store).await;
    event_order_and_chain_are_preserved(store).await;
    outbox_claims_lease_and_settle(store).await;
    ledger_queries_filter_and_page(store).await;
    documents_are_kept_per_tenant(store).await;
    statistics_agree_with_the_reference(store).await;
    crate::number_conformance::numbers_are_gap_free_and_found(store).await;
}
