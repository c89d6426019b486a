//! Occurrence tenancy check: one tenant never sees another's occurrences.

use hazardloop_core::inspection::OccurrenceQuery;
use hazardloop_core::store::InspectionStore;

use super::fixtures::{schedule_commit, scheduled};
use crate::conformance::{fixture, ok, tenant};

/// One tenant never sees another's occurrences.
pub async fn occurrences_stay_in_their_tenant<S: InspectionStore>(store: &S) {
    let a = fixture("occ-ten-a");
    let b_tenant = tenant("occ-ten-b");
    let o = scheduled(&a.tenant, "patrol", &a.grid, 9, &a.people.grid_member);
    ok("schedule", store.schedule(vec![schedule_commit(&o, None)])).await;
    assert_eq!(ok("other", store.occurrence(&b_tenant, &o.id)).await, None);
    assert!(ok("other events", store.occurrence_events(&b_tenant, &o.id)).await.is_empty());
    assert!(ok("other rows", store.occurrences(&b_tenant, &OccurrenceQuery::default()))
        .await
        .is_empty());
    // The same id in another tenant is another occurrence.
    let mut other = o.clone();
    other.tenant = b_tenant.clone();
    assert_eq!(
        ok("same id elsewhere", store.schedule(vec![schedule_commit(&other, None)])).await,
        1
    );
}
