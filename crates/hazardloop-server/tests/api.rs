//! The API over real HTTP: every documented route answers, the OpenAPI document matches the
//! route table, the whole loop runs, every error of the problem table comes back as a problem
//! document, retries are idempotent, `If-Match` races have one winner, and offline batches keep
//! their device times and replay without effect.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use hazardloop_core::model::{Grade, HazardId, PersonId, TenantId};
use hazardloop_core::notify::Discard;
use hazardloop_core::store::{Store, ORG_DOC};
use hazardloop_core::workflow::{Command, Step};
use hazardloop_server::routes::hazards::step_code;
use hazardloop_server::tokens::{Grant, SpeaksFor, TokenBook};
use hazardloop_server::{ServerConfig, Service};
use hazardloop_testkit::{Fixture, MAIN_PATH};
use reqwest::{Client, Response};
use serde_json::{json, Value};

use common::Running;

/// The command's JSON without its `command` tag: the body the API takes.
fn body_of(command: &Command) -> Value {
    let mut value = serde_json::to_value(command).unwrap();
    value.as_object_mut().unwrap().remove("command");
    value
}

/// The body of `step` of the main path, as the testkit makes it at the service's `now`.
fn step_body(running: &Running, step: Step) -> Value {
    let now = running.service.engine().now();
    body_of(&running.fixture.command_for(step, Grade::General, now))
}

/// Who takes `step` of the main path.
fn person_for(running: &Running, step: Step) -> PersonId {
    running.fixture.actor_for(step, None).person
}

/// The URL of `step` on `hazard` (discover: the collection).
fn step_url(running: &Running, step: Step, hazard: Option<&str>) -> String {
    match hazard {
        None => running.url("/v1/hazards"),
        Some(id) => running.url(&format!("/v1/hazards/{id}/{}", step_code(step))),
    }
}

/// Posts `step` with its usual body as its usual person.
async fn post_step(
    client: &Client,
    running: &Running,
    step: Step,
    hazard: Option<&str>,
) -> Response {
    client
        .post(step_url(running, step, hazard))
        .bearer_auth(running.token(&person_for(running, step)))
        .json(&step_body(running, step))
        .send()
        .await
        .unwrap()
}

/// Runs the main path up to and including `last`; the hazard's id and its last response body.
async fn drive_to(client: &Client, running: &Running, last: Step) -> (String, Value) {
    let mut id: Option<String> = None;
    let mut body = Value::Null;
    for step in MAIN_PATH {
        let response = post_step(client, running, step, id.as_deref()).await;
        let status = response.status();
        body = response.json().await.unwrap();
        assert!(status.is_success(), "{step:?}: {status} {body}");
        id = Some(body["id"].as_str().unwrap().to_string());
        if step == last {
            break;
        }
    }
    (id.unwrap(), body)
}

/// The hazard as `GET /v1/hazards/{id}` shows it.
async fn show(client: &Client, running: &Running, id: &str) -> Value {
    let response = client
        .get(running.url(&format!("/v1/hazards/{id}")))
        .bearer_auth(running.token(&running.fixture.people.officer))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Checks a problem response: its status, media type, and both messages; returns its body.
async fn problem(response: Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let media = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body: Value = response.json().await.unwrap();
    assert_eq!(got, status, "{body}");
    assert_eq!(media, "application/problem+json", "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert!(body["type"].as_str().unwrap().starts_with("https://"), "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(!detail.is_empty(), "{body}");
    assert!(
        detail.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "detail is Chinese: {body}"
    );
    assert!(!body["detail_en"].as_str().unwrap().is_empty(), "{body}");
    body
}

fn hex16(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_route_answers() {
    let running = common::start_quiet().await;
    let client = Client::new();
    let (hazard, _) = drive_to(&client, &running, Step::Discover).await;
    let token = running.token(&running.fixture.people.principal).to_string();
    let docs = hazardloop_server::routes::docs();
    assert!(docs.len() > 30, "{} routes", docs.len());
    for doc in docs {
        let path = if doc.path.starts_with("/v1/hazards/") {
            doc.path.replace("{id}", &hazard)
        } else {
            doc.path.replace("{id}", "no-such-occurrence")
        };
        let url = running.url(&path);
        let request = match doc.method {
            "get" => client.get(&url),
            "post" => client.post(&url),
            "put" => client.put(&url),
            other => panic!("method {other}"),
        }
        .bearer_auth(&token);
        let request = match doc.body {
            hazardloop_server::routes::Body::None => request,
            hazardloop_server::routes::Body::Json => {
                request.header("content-type", "application/json").body("{}")
            }
            hazardloop_server::routes::Body::Toml => {
                request.header("content-type", "application/toml").body("")
            }
        };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_ne!(status, 405, "{} {}: {text}", doc.method, doc.path);
        if status == 404 {
            let body: Value = serde_json::from_str(&text).unwrap();
            let routerless = body["type"].as_str().unwrap().ends_with("/unknown")
                && body["detail_en"].as_str().unwrap().starts_with("no such route");
            assert!(!routerless, "{} {} is not routed: {text}", doc.method, doc.path);
        }
    }
    // The fallback itself is the problem the loop above looks for.
    let none = client.get(running.url("/v1/nothing")).bearer_auth(&token).send().await.unwrap();
    let none = problem(none, 404).await;
    assert!(none["detail_en"].as_str().unwrap().starts_with("no such route"));
    let wrong = client.delete(running.url("/v1/ledger")).bearer_auth(&token).send().await.unwrap();
    problem(wrong, 405).await;
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_exactly_the_routes() {
    let running = common::start_quiet().await;
    let response = reqwest::get(running.url("/v1/openapi.json")).await.unwrap();
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"), "{}", document["openapi"]);
    let paths = document["paths"].as_object().unwrap();
    let docs = hazardloop_server::routes::docs();
    let mut documented = BTreeSet::new();
    for doc in &docs {
        let operation = &paths
            .get(&doc.path)
            .unwrap_or_else(|| panic!("{} is not in the document", doc.path))[doc.method];
        assert!(operation.is_object(), "{} {} is not in the document", doc.method, doc.path);
        assert_eq!(operation["operationId"], doc.id);
        assert!(
            operation["responses"]["default"].is_object(),
            "{} {} has no default problem response",
            doc.method,
            doc.path
        );
        assert!(operation["responses"][doc.ok.to_string()].is_object());
        documented.insert((doc.path.clone(), doc.method.to_string()));
    }
    for (path, item) in paths {
        for method in ["get", "put", "post", "delete", "patch", "head", "options"] {
            if item.get(method).is_some() {
                assert!(
                    documented.contains(&(path.clone(), method.to_string())),
                    "{method} {path} is in the document but not in the route table"
                );
            }
        }
    }
    let ids: BTreeSet<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids.len(), docs.len(), "operation ids are unique");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_loop_runs_over_http() {
    let running = common::start_quiet().await;
    let client = Client::new();
    let mut id: Option<String> = None;
    let mut version = 0;
    for step in MAIN_PATH {
        let response = post_step(&client, &running, step, id.as_deref()).await;
        let status = response.status().as_u16();
        let etag = response.headers().get("etag").map(|v| v.to_str().unwrap().to_string());
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, if step == Step::Discover { 201 } else { 200 }, "{step:?}: {body}");
        assert!(body["version"].as_u64().unwrap() > version, "{step:?} moves the version");
        version = body["version"].as_u64().unwrap();
        assert_eq!(etag, Some(format!("\"{version}\"")));
        id = Some(body["id"].as_str().unwrap().to_string());
    }
    let id = id.unwrap();
    let shown = show(&client, &running, &id).await;
    assert_eq!(shown["stage"], "archived");
    assert_eq!(shown["version"], version);
    // Each step was recorded through its own person's token.
    let vias: BTreeSet<&str> = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["origin"]["via"].as_str().unwrap())
        .collect();
    assert!(vias.len() >= 3, "{vias:?}");
    let verified = client
        .get(running.url(&format!("/v1/hazards/{id}/verify")))
        .bearer_auth(running.token(&running.fixture.people.officer))
        .send()
        .await
        .unwrap();
    assert_eq!(verified.status(), 200);
    let hazard: HazardId = id.parse().unwrap();
    let view = running.service.engine().hazard(&running.fixture.tenant, hazard).await.unwrap();
    assert_eq!(serde_json::to_value(view.hazard.kind()).unwrap(), "archived");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_callers_get_401() {
    let running = common::start_quiet().await;
    let client = Client::new();
    let ledger = running.url("/v1/ledger");
    problem(client.get(&ledger).send().await.unwrap(), 401).await;
    problem(client.get(&ledger).bearer_auth("hl_nope").send().await.unwrap(), 401).await;
    let unknown = format!("hl_{}_{}", "0".repeat(16), "a".repeat(64));
    problem(client.get(&ledger).bearer_auth(unknown).send().await.unwrap(), 401).await;
    let basic = client.get(&ledger).header("authorization", "Basic dTpw").send().await.unwrap();
    problem(basic, 401).await;

    // A token works until it is revoked; then it is refused (tokens are read on every request).
    let store = running.service.engine().store().clone();
    let grant = Grant::Person { person: running.fixture.people.inspector.clone() };
    let (record, token) =
        TokenBook::create(&*store, &running.fixture.org, grant, "phone", running.fixture.start)
            .await
            .unwrap();
    let ok = client.get(&ledger).bearer_auth(&token).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    TokenBook::revoke(&*store, &running.fixture.tenant, &record.id, running.fixture.start)
        .await
        .unwrap();
    let revoked = client.get(&ledger).bearer_auth(&token).send().await.unwrap();
    let revoked = problem(revoked, 401).await;
    assert!(revoked["detail_en"].as_str().unwrap().contains("revoked"), "{revoked}");
    // The right id with a wrong secret is refused too.
    let forged = format!("hl_{}_{}", record.id, "b".repeat(64));
    problem(client.get(&ledger).bearer_auth(forged).send().await.unwrap(), 401).await;
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_without_the_right_get_403() {
    let running = common::start_quiet().await;
    let client = Client::new();
    let people = running.fixture.people.clone();
    let (hazard, _) = drive_to(&client, &running, Step::Discover).await;

    // The grid member may not register a hazard: a rule refuses.
    let denied = client
        .post(step_url(&running, Step::Register, Some(&hazard)))
        .bearer_auth(running.token(&people.grid_member))
        .json(&step_body(&running, Step::Register))
        .send()
        .await
        .unwrap();
    let denied = problem(denied, 403).await;
    assert!(denied["type"].as_str().unwrap().ends_with("/denied"), "{denied}");
    assert!(denied["rule"].is_string(), "a rule refused: {denied}");
    assert!(denied["rule_name"]["zh"].is_string(), "{denied}");

    // A host token speaks for the people of logistics only.
    let store = running.service.engine().store().clone();
    let grant = Grant::Host {
        name: "教务系统".into(),
        speaks_for: vec![SpeaksFor::Unit(running.fixture.logistics.clone())],
    };
    let (_, host) =
        TokenBook::create(&*store, &running.fixture.org, grant, "erp", running.fixture.start)
            .await
            .unwrap();
    let ledger = running.url("/v1/ledger");
    let as_worker = client
        .get(&ledger)
        .bearer_auth(&host)
        .header("x-acting-for", people.worker.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(as_worker.status(), 200, "{:?}", as_worker.text().await);
    for outsider in [&people.officer, &people.principal, &people.bureau_officer] {
        let response = client
            .post(step_url(&running, Step::Register, Some(&hazard)))
            .bearer_auth(&host)
            .header("x-acting-for", outsider.as_str())
            .json(&step_body(&running, Step::Register))
            .send()
            .await
            .unwrap();
        let body = problem(response, 403).await;
        assert!(body["detail_en"].as_str().unwrap().contains("may not speak for"), "{body}");
    }
    // Someone not in the organisation at all, and no one named.
    let stranger = client
        .get(&ledger)
        .bearer_auth(&host)
        .header("x-acting-for", "nobody")
        .send()
        .await
        .unwrap();
    problem(stranger, 403).await;
    problem(client.get(&ledger).bearer_auth(&host).send().await.unwrap(), 403).await;
    // The registration never happened.
    assert_eq!(show(&client, &running, &hazard).await["stage"], "discovered");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tenant_comes_from_the_token() {
    let running = common::start_quiet().await;
    let client = Client::new();
    let (hazard, _) = drive_to(&client, &running, Step::Discover).await;

    // A second tenant in the same store, served by a second process over both tenants.
    let store = running.service.engine().store().clone();
    let other = Fixture::school_in(TenantId::new("t2").unwrap(), "bureau2", "school2");
    store
        .put_document(
            &other.tenant,
            ORG_DOC,
            &serde_json::to_string(&other.org.to_config()).unwrap(),
        )
        .await
        .unwrap();
    let grant = Grant::Person { person: other.people.officer.clone() };
    let (_, theirs) =
        TokenBook::create(&*store, &other.org, grant, "t2 officer", other.start).await.unwrap();
    let config = ServerConfig {
        tenants: vec![running.fixture.tenant.as_str().into(), other.tenant.as_str().into()],
        token_refresh_seconds: 0,
        ..ServerConfig::default()
    };
    let both = Arc::new(
        Service::new(store, config, running.clock.clone(), Arc::new(Discard)).await.unwrap(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(hazardloop_server::serve(both, listener, async {
        let _ = stopped.await;
    }));

    // Our own hazard is visible to our token on the second process.
    let ours = running.token(&running.fixture.people.officer).to_string();
    let url = format!("{base}/v1/hazards/{hazard}");
    let seen = client.get(&url).bearer_auth(&ours).send().await.unwrap();
    assert_eq!(seen.status(), 200);
    // The other tenant's token reaches nothing of ours: neither reading nor acting.
    let read = client.get(&url).bearer_auth(&theirs).send().await.unwrap();
    let read = problem(read, 404).await;
    assert!(read["type"].as_str().unwrap().ends_with("/unknown"), "{read}");
    let act = client
        .post(format!("{base}/v1/hazards/{hazard}/register"))
        .bearer_auth(&theirs)
        .json(&step_body(&running, Step::Register))
        .send()
        .await
        .unwrap();
    let act = problem(act, 404).await;
    assert!(!act["detail_en"].as_str().unwrap().starts_with("no such route"), "{act}");
    let ledger: Value = client
        .get(format!("{base}/v1/ledger"))
        .bearer_auth(&theirs)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!ledger.to_string().contains(&hazard), "the other tenant's ledger: {ledger}");
    // A token of a tenant this process does not serve authenticates nothing.
    let first_only = client
        .get(running.url(&format!("/v1/hazards/{hazard}")))
        .bearer_auth(&theirs)
        .send()
        .await
        .unwrap();
    problem(first_only, 401).await;
    assert_eq!(show(&client, &running, &hazard).await["stage"], "discovered");
    let _ = stop.send(());
    task.await.unwrap().unwrap();
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_error_table_over_http() {
    let running = common::start_quiet().await;
    let client = Client::new();
    let people = running.fixture.people.clone();
    let (hazard, first) = drive_to(&client, &running, Step::Discover).await;
    let version = first["version"].as_u64().unwrap();
    let officer = running.token(&people.officer).to_string();
    let inspector = running.token(&people.inspector).to_string();

    // 404: a hazard id that names no hazard, and one that is no hazard id at all.
    let missing = HazardId::new_at(running.fixture.start).to_string();
    for id in [missing.as_str(), "not-a-hazard"] {
        let response = client
            .post(step_url(&running, Step::Register, Some(id)))
            .bearer_auth(&officer)
            .json(&step_body(&running, Step::Register))
            .send()
            .await
            .unwrap();
        let body = problem(response, 404).await;
        assert!(body["type"].as_str().unwrap().ends_with("/unknown"), "{body}");
        let shown = client
            .get(running.url(&format!("/v1/hazards/{id}")))
            .bearer_auth(&officer)
            .send()
            .await
            .unwrap();
        problem(shown, 404).await;
    }

    // 409: archiving a hazard that was only discovered.
    let early = client
        .post(step_url(&running, Step::Archive, Some(&hazard)))
        .bearer_auth(&officer)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let early = problem(early, 409).await;
    assert!(early["type"].as_str().unwrap().ends_with("/conflict"), "{early}");

    // 412: If-Match on a version that is not the hazard's.
    let stale = client
        .post(step_url(&running, Step::Register, Some(&hazard)))
        .bearer_auth(&officer)
        .header("if-match", "\"7\"")
        .json(&step_body(&running, Step::Register))
        .send()
        .await
        .unwrap();
    let stale = problem(stale, 412).await;
    assert_eq!(stale["expected"], 7, "{stale}");
    assert_eq!(stale["actual"], version, "{stale}");
    // An If-Match that is no version is bad input.
    let garbled = client
        .post(step_url(&running, Step::Register, Some(&hazard)))
        .bearer_auth(&officer)
        .header("if-match", "\"abc\"")
        .json(&step_body(&running, Step::Register))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(garbled, 422).await["field"], "If-Match");

    // 413: a title over the policy's limit.
    let mut long = step_body(&running, Step::Discover);
    let limit = running.service.engine().policy().limits().title;
    long["title"] = json!("隐".repeat(limit + 1));
    let response = client
        .post(running.url("/v1/hazards"))
        .bearer_auth(&inspector)
        .json(&long)
        .send()
        .await
        .unwrap();
    let too_large = problem(response, 413).await;
    assert_eq!(too_large["field"], "title", "{too_large}");
    assert!(too_large["rule"].is_string(), "a rule refused: {too_large}");

    // 415: a text body.
    let plain = client
        .post(running.url("/v1/hazards"))
        .bearer_auth(&inspector)
        .header("content-type", "text/plain")
        .body(step_body(&running, Step::Discover).to_string())
        .send()
        .await
        .unwrap();
    problem(plain, 415).await;
    // 400: broken JSON.
    let broken = client
        .post(running.url("/v1/hazards"))
        .bearer_auth(&inspector)
        .header("content-type", "application/json")
        .body(r#"{"unit": "school/logistics", "title": "#)
        .send()
        .await
        .unwrap();
    let broken = problem(broken, 400).await;
    assert!(broken["type"].as_str().unwrap().ends_with("/malformed"), "{broken}");
    // 422: a field the engine refuses (an empty location), and one that does not decode.
    let mut empty = step_body(&running, Step::Discover);
    empty["location"] = json!("   ");
    let response = client
        .post(running.url("/v1/hazards"))
        .bearer_auth(&inspector)
        .json(&empty)
        .send()
        .await
        .unwrap();
    let invalid = problem(response, 422).await;
    assert_eq!(invalid["field"], "location", "{invalid}");
    let mut unknown_source = step_body(&running, Step::Discover);
    unknown_source["source"] = json!("gossip");
    let response = client
        .post(running.url("/v1/hazards"))
        .bearer_auth(&inspector)
        .json(&unknown_source)
        .send()
        .await
        .unwrap();
    let undecoded = problem(response, 422).await;
    assert!(undecoded["field"].is_string(), "{undecoded}");
    assert!(undecoded["detail_en"].as_str().unwrap().contains("gossip"), "{undecoded}");
    // A JSON array is no command.
    let array = client
        .post(running.url("/v1/hazards"))
        .bearer_auth(&inspector)
        .json(&json!([1, 2]))
        .send()
        .await
        .unwrap();
    problem(array, 422).await;

    // None of it touched the hazard.
    let shown = show(&client, &running, &hazard).await;
    assert_eq!(shown["version"], version);
    assert_eq!(shown["stage"], "discovered");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_with_the_same_key_is_answered_from_the_first() {
    let running = common::start_quiet().await;
    let client = Client::new();
    let (hazard, _) = drive_to(&client, &running, Step::Discover).await;
    let send = || {
        client
            .post(step_url(&running, Step::Register, Some(&hazard)))
            .bearer_auth(running.token(&running.fixture.people.officer))
            .header("idempotency-key", "register-once-7f3a")
            .json(&step_body(&running, Step::Register))
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("idempotency-replayed").is_none());
    let first_tag = first.headers()["etag"].clone();
    let first: Value = first.json().await.unwrap();
    let second = send().await.unwrap();
    assert_eq!(second.status(), 200);
    assert_eq!(second.headers()["idempotency-replayed"], "true");
    assert_eq!(second.headers()["etag"], first_tag);
    let second: Value = second.json().await.unwrap();
    assert_eq!(first, second, "the retry gets the first answer");
    let shown = show(&client, &running, &hazard).await;
    assert_eq!(shown["version"], first["version"], "the retry wrote nothing");
    assert_eq!(
        shown["timeline"].as_array().unwrap().len() as u64,
        first["version"].as_u64().unwrap()
    );
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_on_one_version_have_one_winner() {
    let running = common::start_quiet().await;
    let client = Client::new();
    let (hazard, created) = drive_to(&client, &running, Step::Discover).await;
    let version = created["version"].as_u64().unwrap();
    // Two officers' screens both show version 1: one registers, one comments.
    let register = client
        .post(step_url(&running, Step::Register, Some(&hazard)))
        .bearer_auth(running.token(&running.fixture.people.officer))
        .header("if-match", format!("\"{version}\""))
        .json(&step_body(&running, Step::Register))
        .send();
    let other = Client::new();
    let comment = other
        .post(step_url(&running, Step::Comment, Some(&hazard)))
        .bearer_auth(running.token(&running.fixture.people.inspector))
        .header("if-match", format!("\"{version}\""))
        .json(&json!({ "text": "已电话督促" }))
        .send();
    let (a, b) = tokio::join!(register, comment);
    let (a, b) = (a.unwrap(), b.unwrap());
    let statuses = [a.status().as_u16(), b.status().as_u16()];
    assert!(statuses.contains(&200) && statuses.contains(&412), "{statuses:?}");
    let (winner, loser) = if a.status() == 412 { (b, a) } else { (a, b) };
    let winner: Value = winner.json().await.unwrap();
    let landed = winner["version"].as_u64().unwrap();
    assert!(landed > version, "{winner}");
    let loser = problem(loser, 412).await;
    assert_eq!(loser["expected"], version);
    assert_eq!(loser["actual"], landed, "{loser}");
    let shown = show(&client, &running, &hazard).await;
    assert_eq!(shown["version"], landed, "exactly one write landed");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_batches_keep_device_time_and_replay_without_effect() {
    let running = common::start_quiet().await;
    let client = Client::new();
    let fixture = &running.fixture;
    let tagged = |step: Step| {
        serde_json::to_value(fixture.command_for(step, Grade::General, fixture.start)).unwrap()
    };
    let discovered_at = "2025-03-03T01:15:00Z";
    let batch = json!({
        "items": [
            { "key": "dev1-0001", "recorded_at": discovered_at, "command": tagged(Step::Discover) },
            {
                "key": "dev1-0002",
                "recorded_at": "2025-03-03T01:20:00Z",
                "hazard": "@dev1-0001",
                "command": tagged(Step::Register)
            }
        ]
    });
    // The officer's device recorded both (an officer may discover too).
    let officer = running.token(&fixture.people.officer).to_string();
    let post = |body: &Value| {
        client.post(running.url("/v1/batch")).bearer_auth(&officer).json(body).send()
    };
    let response = post(&batch).await.unwrap();
    assert_eq!(response.status(), 200);
    let first: Value = response.json().await.unwrap();
    let results = first["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{first}");
    assert_eq!(results[0]["status"], 201, "{first}");
    assert_eq!(results[1]["status"], 200, "{first}");
    assert_eq!(results[0]["key"], "dev1-0001");
    assert_eq!(results[1]["stage"], "registered", "{first}");
    assert!(results.iter().all(|r| r["replayed"] == false), "{first}");
    let hazard = results[0]["id"].as_str().unwrap().to_string();
    assert_eq!(results[1]["id"], hazard.as_str(), "`@key` names the hazard the batch created");
    let version = results[1]["version"].as_u64().unwrap();

    // The device sends the same batch again: nothing changes.
    let again: Value = post(&batch).await.unwrap().json().await.unwrap();
    let replays = again["results"].as_array().unwrap();
    assert_eq!(replays.len(), 2, "{again}");
    for (r, f) in replays.iter().zip(results) {
        assert_eq!(r["replayed"], true, "{again}");
        assert_eq!(r["id"], f["id"]);
        assert_eq!(r["version"], f["version"]);
        assert_eq!(r["status"], f["status"]);
    }
    let shown = show(&client, &running, &hazard).await;
    assert_eq!(shown["version"], version, "a replayed batch writes nothing");

    // An item recorded against version 1 comes back stale with the hazard as it stands.
    let stale = json!({
        "items": [{
            "key": "dev2-0001",
            "recorded_at": "2025-03-03T01:30:00Z",
            "hazard": hazard,
            "expected_version": 1,
            "command": tagged(Step::Report)
        }]
    });
    let answer: Value = post(&stale).await.unwrap().json().await.unwrap();
    let item = &answer["results"][0];
    assert_eq!(item["status"], 412, "{answer}");
    assert_eq!(item["key"], "dev2-0001");
    assert_eq!(item["problem"]["expected"], 1, "{answer}");
    assert_eq!(item["problem"]["actual"], version, "{answer}");
    assert!(item["problem"]["detail_en"].is_string(), "{answer}");
    assert_eq!(item["problem"]["current"]["version"], version, "{answer}");
    assert_eq!(item["problem"]["current"]["stage"], "registered", "{answer}");
    assert!(item["problem"]["current"]["ledger"].is_object(), "{answer}");
    assert_eq!(show(&client, &running, &hazard).await["version"], version);

    // Both times are kept: the device's as the origin, the receipt as the event's own.
    let timeline = shown["timeline"].as_array().unwrap();
    let captured: Vec<&str> =
        timeline.iter().map(|e| e["origin"]["captured_at"].as_str().unwrap_or("")).collect();
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap();
    assert_eq!(parse(captured[0]), parse(discovered_at), "{shown}");
    assert_eq!(parse(captured.last().unwrap()), parse("2025-03-03T01:20:00Z"), "{shown}");
    let received = parse(timeline[0]["recorded_at"].as_str().unwrap());
    assert_eq!(received, fixture.start, "the event's own time is the receipt");
    let via = timeline[0]["origin"]["via"].as_str().unwrap();
    assert!(via.strip_prefix("token:").is_some_and(hex16), "{via}");

    // A reference to an item that created nothing, and a malformed item.
    let dangling = json!({ "items": [{
        "key": "dev3-0001", "recorded_at": "2025-03-03T01:40:00Z",
        "hazard": "@nothing", "command": tagged(Step::Report)
    }]});
    let answer: Value = post(&dangling).await.unwrap().json().await.unwrap();
    assert_eq!(answer["results"][0]["status"], 409, "{answer}");
    let unknown_member = json!({ "items": [], "extra": 1 });
    problem(post(&unknown_member).await.unwrap(), 422).await;
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_answers_only_for_its_own_command_and_bodies_are_bounded() {
    let running = common::start_quiet().await;
    let client = Client::new();
    let (id, _) = drive_to(&client, &running, Step::Register).await;
    // A comment under a key, then the same key on a report: 409, never the comment's result.
    let officer = running.token(&running.fixture.people.officer).to_string();
    let commented = client
        .post(running.url(&format!("/v1/hazards/{id}/comment")))
        .bearer_auth(&officer)
        .header("idempotency-key", "k-1")
        .json(&json!({ "text": "已通知后勤" }))
        .send()
        .await
        .unwrap();
    assert_eq!(commented.status(), 200, "{:?}", commented.text().await);
    let reused = client
        .post(running.url(&format!("/v1/hazards/{id}/report")))
        .bearer_auth(&officer)
        .header("idempotency-key", "k-1")
        .json(&step_body(&running, Step::Report))
        .send()
        .await
        .unwrap();
    let body = problem(reused, 409).await;
    assert!(body["detail_en"].as_str().unwrap().contains("Idempotency-Key"), "{body}");

    // A body larger than the policy's limits allow is refused before it is read whole.
    let limit = hazardloop_server::serve::body_limit(running.service.engine().policy().limits());
    let huge = json!({ "text": "字".repeat(limit) });
    // A client of its own: the service closes a connection whose body it did not read, and a
    // pooled connection closed that way would fail the next request of a shared client.
    let refused = Client::new()
        .post(running.url(&format!("/v1/hazards/{id}/comment")))
        .bearer_auth(&officer)
        .json(&huge)
        .send()
        .await
        .unwrap();
    problem(refused, 413).await;

    // A bad member of a discovery is named by its path.
    let mut bad = step_body(&running, Step::Discover);
    bad["source"] = json!("gossip");
    let refused = client
        .post(running.url("/v1/hazards"))
        .bearer_auth(running.token(&person_for(&running, Step::Discover)))
        .json(&bad)
        .send()
        .await
        .unwrap();
    let body = problem(refused, 422).await;
    assert_eq!(body["field"], "source", "{body}");
    running.stop().await;
}
