//! The in-memory store passes the store conformance suite.

use hazardloop_core::store::MemoryStore;
use hazardloop_testkit::store_conformance;

#[tokio::test]
async fn memory_store_passes_the_conformance_suite() {
    store_conformance(&MemoryStore::new()).await;
}

#[tokio::test]
async fn recording_and_flaky_notifiers_pass_the_notifier_suite() {
    hazardloop_testkit::notifier_conformance(&hazardloop_testkit::RecordingNotifier::new()).await;
    hazardloop_testkit::notifier_conformance(&hazardloop_testkit::FlakyNotifier::failing(0)).await;
    hazardloop_testkit::notifier_conformance(&hazardloop_core::notify::Discard).await;
}
