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
    // The hazard's number (隐患编号) is in the answer, and names the hazard as its id does.
    let number = created["ledger"]["number"].as_str().unwrap().to_string();
    assert!(number.ends_with("-0001"), "the first hazard's number: {number}");
    assert_eq!(shown["number"], number.as_str());
    let by_number: Value = client
        .get(running.url(&format!("/v1/hazards/{number}")))
        .bearer_auth(running.token(&inspector))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_number["id"], id);
    let unknown = client
        .get(running.url("/v1/hazards/1999-0404"))
        .bearer_auth(running.token(&inspector))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let problem: Value = unknown.json().await.unwrap();
    assert_eq!(problem["detail"], "隐患编号 1999-0404 不存在", "{problem}");
    assert_eq!(shown["timeline"][0]["origin"]["via"].as_str().unwrap().len(), "token:".len() + 16);
    let none = client.get(running.url("/v1/ledger")).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["content-type"], "application/problem+json");
    running.stop().await;
}
