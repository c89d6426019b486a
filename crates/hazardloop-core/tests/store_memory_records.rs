//! The in-memory store passes the record conformance suite.

#[tokio::test]
async fn memory_store_passes_the_record_conformance_suite() {
    let store = hazardloop_core::store::MemoryStore::new();
    hazardloop_testkit::record_conformance(&store).await;
}
