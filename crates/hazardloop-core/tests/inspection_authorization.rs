//! The inspection authorization matrix on the memory store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspection_matrix_holds_on_the_memory_store() {
    let report = hazardloop_testkit::authorization::inspection_matrix(
        hazardloop_core::store::MemoryStore::new(),
    )
    .await;
    assert_eq!(report.rows, 240);
    assert!(report.allowed > 0 && report.allowed < report.rows);
}
