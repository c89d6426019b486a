//! The inspection store conformance suite: every [`InspectionStore`] runs
//! [`inspection_conformance`], the in-memory store included. Each check uses tenants of its own.

mod commits;
mod fixtures;
mod queries;
mod tenancy;

pub use commits::{
    completion_and_its_hazards_land_together_or_not_at_all,
    malformed_occurrence_commits_write_nothing, occurrences_round_trip_with_their_chain,
    scheduling_is_idempotent, stale_occurrence_commits_conflict,
};
pub use fixtures::{event_commit, schedule_commit, scheduled};
pub use queries::{
    occurrence_dues_are_ordered_paged_and_replaced, occurrence_queries_filter_and_order,
};
pub use tenancy::occurrences_stay_in_their_tenant;

use hazardloop_core::store::InspectionStore;

/// Runs every inspection store check.
pub async fn inspection_conformance<S: InspectionStore>(store: &S) {
    occurrences_round_trip_with_their_chain(store).await;
    scheduling_is_idempotent(store).await;
    stale_occurrence_commits_conflict(store).await;
    completion_and_its_hazards_land_together_or_not_at_all(store).await;
    occurrence_queries_filter_and_order(store).await;
    occurrence_dues_are_ordered_paged_and_replaced(store).await;
    occurrences_stay_in_their_tenant(store).await;
    malformed_occurrence_commits_write_nothing(store).await;
}
