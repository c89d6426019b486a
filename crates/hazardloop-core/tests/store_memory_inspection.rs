//! The in-memory store holds itself to the inspection store conformance suite.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[tokio::test]
async fn memory_store_passes_inspection_conformance() {
    let store = hazardloop_core::store::MemoryStore::new();
    hazardloop_testkit::inspection_conformance(&store).await;
}
