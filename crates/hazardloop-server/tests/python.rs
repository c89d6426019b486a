//! The standard-library Python client (`clients/python/walk.py`) drives a hazard through the
//! whole loop against a real service; a few lines of standard-library Python open an incident.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use hazardloop_core::model::HazardId;
use hazardloop_server::routes::hazards::step_code;
use hazardloop_testkit::MAIN_PATH;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_client_walks_the_whole_loop() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipped: no python3 on PATH (CI has one)");
        return;
    }
    let running = common::start_quiet().await;
    let fixture = &running.fixture;
    let tokens: BTreeMap<String, String> = MAIN_PATH
        .into_iter()
        .map(|step| {
            let person = fixture.actor_for(step, None).person;
            (step_code(step), running.token(&person).to_string())
        })
        .collect();
    let tokens_file = running.dir.path().join("tokens.json");
    std::fs::write(&tokens_file, serde_json::to_string_pretty(&tokens).unwrap()).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/python/walk.py");
    let now = running.service.engine().now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut command = Command::new("python3");
    command
        .arg(&script)
        .arg(&running.base)
        .arg(&tokens_file)
        .args(["--now", &now])
        .args(["--unit", fixture.logistics.as_str()])
        .args(["--assignee", fixture.people.worker.as_str()]);
    let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(output.status.success(), "walk.py failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    for step in MAIN_PATH {
        assert!(stdout.contains(&step_code(step)), "{step:?} not printed:\n{stdout}");
    }
    let last = stdout.lines().last().unwrap_or_default();
    let id = last
        .strip_prefix("hazard ")
        .and_then(|rest| rest.strip_suffix(" archived"))
        .unwrap_or_else(|| panic!("the last line names the hazard: {stdout}"));
    let hazard: HazardId = id.parse().unwrap();
    let view = running.service.engine().hazard(&fixture.tenant, hazard).await.unwrap();
    assert_eq!(serde_json::to_value(view.hazard.kind()).unwrap(), "archived");
    assert_eq!(view.timeline.len() as u64, view.hazard.version);

    // A missing token fails the walk before anything is sent, with a non-zero exit.
    let partial = running.dir.path().join("partial.json");
    std::fs::write(&partial, r#"{"discover": "hl_x"}"#).unwrap();
    let mut command = Command::new("python3");
    command.arg(&script).arg(&running.base).arg(&partial);
    let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().unwrap();
    assert!(!output.status.success());
    // A refused step (a bad token) fails it too.
    let bad: BTreeMap<String, String> = tokens
        .keys()
        .map(|k| (k.clone(), format!("hl_{}_{}", "0".repeat(16), "a".repeat(64))))
        .collect();
    let mut command = Command::new("python3");
    command.arg(&script).arg(&running.base).arg(serde_json::to_string(&bad).unwrap());
    let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("401"), "{output:?}");
    running.stop().await;
}

/// Opens an incident from Python (standard library only), then reads it back.
const OPEN_INCIDENT: &str = r#"
import json, sys, urllib.request
base, token, unit, occurred = sys.argv[1:5]
def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req) as r:
        return r.status, json.load(r)
status, incident = call("POST", "/v1/incidents", {
    "unit": unit, "title": "实验室试剂泄漏", "kind": "accident",
    "location": "化学实验室", "occurred_at": occurred})
assert status == 201, status
status, shown = call("GET", "/v1/incidents/" + incident["id"])
assert status == 200 and shown["status"] == "open", shown
print("incident", shown["id"], shown["status"], shown["phone"]["due"])
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_opens_an_incident() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipped: no python3 on PATH (CI has one)");
        return;
    }
    let running = common::start_quiet().await;
    let fixture = &running.fixture;
    let token = running.token(&fixture.people.officer).to_string();
    let occurred = (running.service.engine().now() - chrono::Duration::minutes(5))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut command = Command::new("python3");
    command.args(["-c", OPEN_INCIDENT, &running.base, &token, fixture.school.as_str(), &occurred]);
    let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(output.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    let id = stdout
        .split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("the script names the incident: {stdout}"));
    let id = hazardloop_core::duty::RecordId::parse_as(id, "id").unwrap();
    let incident = running.service.engine().load_incident(&fixture.tenant, &id).await.unwrap();
    assert_eq!(incident.title, "实验室试剂泄漏");
    running.stop().await;
}
