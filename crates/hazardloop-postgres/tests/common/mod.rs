//! Test support: the server URL from `HAZARDLOOP_PG_URL`, and a schema of the test's own,
//! dropped when the guard goes (also when the test panics).

#![allow(dead_code, unreachable_pub)]

pub mod load;

use hazardloop_core::store::OutboxMessage;
use hazardloop_postgres::{PgOptions, PgStore};
use hazardloop_testkit::Fixture;

/// The server to test against, or `None` after printing why the test skips.
pub fn pg_url(test: &str) -> Option<String> {
    match std::env::var("HAZARDLOOP_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!(
                "skipping {test}: HAZARDLOOP_PG_URL is not set \
                 (e.g. postgres://postgres@127.0.0.1:5432/test)"
            );
            None
        }
    }
}

/// A random schema that is dropped with the guard.
pub struct TestSchema {
    pub url: String,
    pub name: String,
}

impl TestSchema {
    pub fn new(url: &str) -> TestSchema {
        let name = format!("hl_test_{}", uuid::Uuid::new_v4().simple());
        TestSchema { url: url.to_owned(), name }
    }

    /// A store on this schema with `pool_size` connections.
    pub fn store(&self, pool_size: usize) -> PgStore {
        PgStore::new(&self.url, PgOptions::default().pool_size(pool_size).schema(&self.name))
            .expect("store")
    }

    /// A migrated store on this schema.
    pub async fn migrated(&self, pool_size: usize) -> PgStore {
        let store = self.store(pool_size);
        store.migrate().await.expect("migrate");
        store
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        // Drop runs inside the test's runtime: use a thread with a runtime of its own.
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(async {
                let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
                let task = tokio::spawn(conn);
                client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE")).await?;
                drop(client);
                let _ = task.await;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
            .map_err(|e| e.to_string())
            .map_err(std::io::Error::other)
        })
        .join();
        if let Ok(Err(e)) = done {
            eprintln!("could not drop test schema {}: {e}", self.name);
        }
    }
}

/// A pending message about `hazard` to the worker.
pub fn message(f: &Fixture, hazard: &hazardloop_core::workflow::Hazard) -> OutboxMessage {
    let mut m = hazardloop_testkit::conformance::sample_message(&f.tenant, hazard, "g", f.start);
    m.to = Some(f.people.worker.clone());
    m
}
