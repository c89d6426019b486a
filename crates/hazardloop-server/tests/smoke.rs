//! The service answers over real HTTP: a hazard is discovered and read back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hazard_is_discovered_and_read_back_over_http() {
    let running = common::start().await;
    let client = reqwest::Client::new();
    let inspector = running.fixture.people.inspector.clone();
    let body = json!({
        "unit": running.fixture.logistics.as_str(),
        "location": "教学楼二楼",
        "title": "楼梯扶手松动",
        "description": "两处螺栓松动",
        "source": "daily_patrol"
    });
    let created = client
        .post(running.url("/v1/hazards"))
        .bearer_auth(running.token(&inspector))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{:?}", created.text().await);
    let etag = created.headers()["etag"].to_str().unwrap().to_string();
    let created: Value = created.json().await.unwrap();
    assert_eq!(etag, format!("\"{}\"", created["version"]), "the ETag is the version");
    let id = created["id"].as_str().unwrap();
    let shown: Value = client
        .get(running.url(&format!("/v1/hazards/{id}")))
        .bearer_auth(running.token(&inspector))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["stage"], "discovered");
    assert_eq!(shown["timeline"][0]["origin"]["via"].as_str().unwrap().len(), "token:".len() + 16);
    let none = client.get(running.url("/v1/ledger")).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["content-type"], "application/problem+json");
    running.stop().await;
}
