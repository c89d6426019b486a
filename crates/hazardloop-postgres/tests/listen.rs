//! LISTEN/NOTIFY: a dispatcher waiting on `listen_outbox` wakes when a commit adds messages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::load::{copy_of, school, template};
use common::{pg_url, TestSchema};
use hazardloop_core::store::Store;
use hazardloop_core::workflow::StageKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_with_outbox_messages_wakes_the_listener() {
    let Some(url) = pg_url("a_commit_with_outbox_messages_wakes_the_listener") else { return };
    let schema = TestSchema::new(&url);
    let store = schema.migrated(2).await;
    let mut listener = store.listen_outbox().await.unwrap();
    let f = school("listen");
    let (hazard, events) = template(&f, StageKind::Treating);

    // A commit without messages wakes nobody.
    store.commit(copy_of(&f, &hazard, &events, f.start)).await.unwrap();
    let quiet = tokio::time::timeout(Duration::from_millis(300), listener.notified()).await;
    assert!(quiet.is_err(), "no wake-up without outbox messages");

    let mut c = copy_of(&f, &hazard, &events, f.start);
    let pending = store.outbox(&f.tenant, hazardloop_core::store::OutboxStatus::Pending);
    assert!(pending.await.unwrap().is_empty());
    c.outbox.push(common::message(&f, &c.state));
    store.commit(c).await.unwrap();
    let woke = tokio::time::timeout(Duration::from_secs(10), listener.notified()).await;
    assert!(matches!(woke, Ok(Ok(()))), "{woke:?}");
}
