//! A real service on 127.0.0.1 over a fresh SQLite file, with the testkit's school and a token
//! for each of its people. Shared by the integration tests.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;

use hazardloop_core::clock::Clock;
use hazardloop_core::model::PersonId;
use hazardloop_core::notify::Discard;
use hazardloop_core::store::{Store, ORG_DOC};
use hazardloop_server::tokens::{Grant, TokenBook};
use hazardloop_server::{ServerConfig, Service};
use hazardloop_sqlite::SqliteStore;
use hazardloop_testkit::{Fixture, ManualClock};
use tokio::sync::oneshot;

/// A running service.
pub struct Running {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// A token per person id of the fixture.
    pub tokens: HashMap<String, String>,
    /// The school.
    pub fixture: Fixture,
    /// The service (for its engine and store).
    pub service: Arc<Service<SqliteStore>>,
    /// The clock the service runs on (starts at the fixture's start).
    pub clock: Arc<ManualClock>,
    /// The database's directory.
    pub dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Running {
    /// The token of a person of the fixture.
    pub fn token(&self, person: &PersonId) -> &str {
        &self.tokens[person.as_str()]
    }

    /// A URL on the service.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the service (graceful) and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }
}

/// Starts a service with `config` tweaks on a fresh database.
pub async fn start_with(tweak: impl FnOnce(&mut ServerConfig)) -> Running {
    start_full(tweak, |_| Arc::new(Discard)).await
}

/// Starts a service with `config` tweaks and the channels `channels` builds from its clock.
pub async fn start_full(
    tweak: impl FnOnce(&mut ServerConfig),
    channels: impl FnOnce(Arc<ManualClock>) -> hazardloop_server::state::Channels,
) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Fixture::school();
    let store = SqliteStore::open(dir.path().join("server.db")).unwrap();
    store.migrate().unwrap();
    let tenant = fixture.tenant.clone();
    store
        .put_document(&tenant, ORG_DOC, &serde_json::to_string(&fixture.org.to_config()).unwrap())
        .await
        .unwrap();
    let clock = Arc::new(ManualClock::new(fixture.start));
    let mut tokens = HashMap::new();
    let p = &fixture.people;
    for person in [
        &p.principal,
        &p.deputy,
        &p.officer,
        &p.security_head,
        &p.logistics_head,
        &p.worker,
        &p.inspector,
        &p.grid_member,
        &p.bureau_officer,
    ] {
        let grant = Grant::Person { person: person.clone() };
        let (_, token) =
            TokenBook::create(&store, &fixture.org, grant, person.as_str(), clock.now())
                .await
                .unwrap();
        tokens.insert(person.as_str().to_string(), token);
    }
    let mut config = ServerConfig {
        tenants: vec![tenant.as_str().to_string()],
        token_refresh_seconds: 0,
        ..ServerConfig::default()
    };
    tweak(&mut config);
    let service = Arc::new(
        Service::new(Arc::new(store), config, clock.clone(), channels(clock.clone()))
            .await
            .unwrap(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(hazardloop_server::serve(service.clone(), listener, async {
        let _ = stopped.await;
    }));
    Running { base, tokens, fixture, service, clock, dir, stop: Some(stop), task: Some(task) }
}

/// Starts a service with the default configuration (one tenant, tokens read on every request).
pub async fn start() -> Running {
    start_with(|_| {}).await
}

/// A service whose scheduler has finished its first sweep (run at start) and sweeps next only a
/// day later: nothing but the test writes to its hazards between two of their steps.
pub async fn start_quiet() -> Running {
    let running = start_with(|c| c.sweep_every_seconds = 86_400).await;
    let client = reqwest::Client::new();
    for _ in 0..1000 {
        let metrics =
            client.get(running.url("/metrics")).send().await.unwrap().text().await.unwrap();
        if metrics.lines().any(|l| l.starts_with("hazardloop_sweeps_total ") && !l.ends_with(" 0"))
        {
            return running;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("the scheduler never swept");
}
