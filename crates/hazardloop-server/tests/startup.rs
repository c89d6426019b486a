//! Starting the service: an old schema and a tenant without organisation are refused with the
//! command that fixes them; the outbox is delivered through a configured channel (a signed
//! webhook to a receiver on 127.0.0.1) with its secret from the environment.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::HeaderMap;
use hazardloop_core::clock::SystemClock;
use hazardloop_core::model::Grade;
use hazardloop_core::notify::Discard;
use hazardloop_core::store::Store;
use hazardloop_core::workflow::Step;
use hazardloop_server::config::Channel;
use hazardloop_server::{Scheduler, ServerConfig, Service, StartError};
use hazardloop_sqlite::SqliteStore;
use serde_json::json;

#[tokio::test]
async fn an_old_schema_is_refused_with_the_command_that_migrates_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("old.db")).unwrap(); // never migrated
    let config = ServerConfig::default();
    let refused =
        Service::new(Arc::new(store), config, Arc::new(SystemClock), Arc::new(Discard)).await;
    let Err(StartError::Store(message)) = refused else {
        panic!("an unmigrated store must be refused")
    };
    assert!(message.contains("hazardloop-server --db") && message.contains("migrate"), "{message}");
}

#[tokio::test]
async fn a_tenant_without_organisation_is_refused_naming_init() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("empty.db")).unwrap();
    store.migrate().unwrap();
    let config = ServerConfig { tenants: vec!["nowhere".into()], ..ServerConfig::default() };
    let refused =
        Service::new(Arc::new(store), config, Arc::new(SystemClock), Arc::new(Discard)).await;
    let Err(StartError::Tenant(message)) = refused else {
        panic!("a tenant without org must be refused")
    };
    assert!(message.contains("nowhere") && message.contains("init"), "{message}");
}

#[test]
fn a_channel_whose_secret_is_not_in_the_environment_is_refused_by_name() {
    let channels = [Channel::Webhook {
        url: "http://127.0.0.1:9/hook".into(),
        secret_env: "HOOK_SECRET".into(),
    }];
    let e = hazardloop_server::channels::build(
        &channels,
        Arc::new(SystemClock),
        chrono_tz::Asia::Shanghai,
        |_| None,
    )
    .err()
    .expect("refused");
    assert!(e.to_string().contains("$HOOK_SECRET"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_delivers_the_outbox_through_a_signed_webhook() {
    // A receiver that checks each request's signature and keeps the bodies.
    let received: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let keep = received.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let keep = keep.clone();
            async move {
                let ts = headers["x-hazardloop-timestamp"].to_str().unwrap().to_string();
                let sig = headers["x-hazardloop-signature"].to_str().unwrap().to_string();
                let now = chrono::DateTime::from_timestamp(ts.parse().unwrap(), 0).unwrap();
                hazardloop_webhook::verify_signature(
                    "s3cret",
                    &ts,
                    &body,
                    &sig,
                    now,
                    chrono::Duration::minutes(5),
                )
                .expect("signed with the secret from the environment");
                keep.lock().unwrap().push(serde_json::from_slice(&body).unwrap());
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let channels = vec![Channel::Webhook { url: hook, secret_env: "HOOK_SECRET".into() }];
    let running = common::start_full(
        |_| {},
        |clock| {
            let env = |name: &str| (name == "HOOK_SECRET").then(|| "s3cret".to_string());
            hazardloop_server::channels::build(&channels, clock, chrono_tz::Asia::Shanghai, env)
                .unwrap()
        },
    )
    .await;
    let f = &running.fixture;
    let client = reqwest::Client::new();
    let found = client
        .post(running.url("/v1/hazards"))
        .bearer_auth(running.token(&f.people.inspector))
        .json(&json!({ "unit": f.logistics.as_str(), "location": "食堂", "title": "灭火器过期",
                       "description": "三具灭火器压力不足", "source": "daily_patrol" }))
        .send()
        .await
        .unwrap();
    assert_eq!(found.status(), 201);
    let id = found.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    // Up to completion, which tells the safety office (the default notices).
    let hazard_id: hazardloop_core::model::HazardId = id.parse().unwrap();
    for step in [Step::Register, Step::Report, Step::StartTreatment, Step::Complete] {
        let hazard = running.service.engine().hazard(&f.tenant, hazard_id).await.unwrap().hazard;
        let actor = f.actor_for(step, Some(&hazard));
        let mut body = serde_json::to_value(f.command_for(step, Grade::General, f.start)).unwrap();
        body.as_object_mut().unwrap().remove("command");
        let code = serde_json::to_value(step).unwrap();
        let answer = client
            .post(running.url(&format!("/v1/hazards/{id}/{}", code.as_str().unwrap())))
            .bearer_auth(running.token(&actor.person))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{step:?}: {:?}", answer.text().await);
    }
    let pending = running
        .service
        .engine()
        .store()
        .outbox(&f.tenant, hazardloop_core::store::OutboxStatus::Pending)
        .await
        .unwrap()
        .len();
    assert!(pending > 0, "completion tells the safety office (the default notices)");
    let report = Scheduler::new(running.service.clone()).dispatch().await.unwrap();
    assert_eq!(report.delivered, pending, "{report:?}");
    assert_eq!(received.lock().unwrap().len(), pending, "each delivery reached the receiver once");
    running.stop().await;
}
