#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Incidents (突发事件报告), report duties (报告事项) and campaigns (专项整治) over real HTTP:
//! an incident's reports and its clocks, the rule that closes it only after the written
//! report, tenants kept apart; schedules, generated duties and a submission made once; a
//! campaign's hazards counted on their own; and the scheduler firing an incident's overdue
//! rung to the bureau exactly once.

mod common;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::duty::{campaign_preset, schedule_presets, ReportSchedule};
use hazardloop_core::model::{Grade, TenantId};
use hazardloop_core::notify::Discard;
use hazardloop_core::store::{Store, ORG_DOC};
use hazardloop_core::workflow::Step;
use hazardloop_server::tokens::{Grant, TokenBook};
use hazardloop_server::{Scheduler, ServerConfig, Service};
use hazardloop_testkit::{Fixture, RecordingNotifier};
use reqwest::{Client, Response};
use serde_json::{json, Value};

use common::Running;

/// Checks a problem response: its status, media type and Chinese detail; returns its body.
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
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "detail is Chinese: {body}"
    );
    assert!(!body["detail_en"].as_str().unwrap().is_empty(), "{body}");
    body
}

/// The JSON of a successful response, checking its status.
async fn ok(response: Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap_or_else(|| panic!("a time: {v}")).parse().unwrap()
}

/// A duty id as one path segment.
fn segment(id: &str) -> String {
    id.replace('/', "%2F")
}

/// The body of an incident opened at the school, 10 minutes after it happened.
fn incident_body(running: &Running, title: &str) -> Value {
    let now = running.service.engine().now();
    json!({
        "unit": running.fixture.school.as_str(),
        "title": title,
        "kind": "public_health",
        "location": "学生食堂",
        "summary": "午餐后十二名学生腹痛呕吐，已送医",
        "occurred_at": now - Duration::minutes(10),
    })
}

async fn open_incident(client: &Client, running: &Running, token: &str) -> Value {
    let response = client
        .post(running.url("/v1/incidents"))
        .bearer_auth(token)
        .json(&incident_body(running, "学生疑似食物中毒"))
        .send()
        .await
        .unwrap();
    let location = response.headers().get("location").map(|v| v.to_str().unwrap().to_string());
    let body = ok(response, 201).await;
    let id = body["id"].as_str().unwrap();
    assert_eq!(location, Some(format!("/v1/incidents/{id}")));
    body
}

/// A second service over the same store serving the running one's tenant and a second one;
/// its base URL, the second tenant's officer's token, and what stops it.
async fn second_tenant(
    running: &Running,
) -> (String, String, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<std::io::Result<()>>)
{
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
        sweep_every_seconds: 86_400,
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
    (base, theirs, stop, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_is_reported_by_phone_and_in_writing_then_closed() {
    let running = common::start_quiet().await;
    let client = Client::new();
    let officer = running.token(&running.fixture.people.officer).to_string();
    let learned = running.service.engine().now();

    let opened = open_incident(&client, &running, &officer).await;
    let id = opened["id"].as_str().unwrap().to_string();
    assert_eq!(opened["status"], "open", "{opened}");
    assert_eq!(opened["version"], 1);
    assert_eq!(time(&opened["learned_at"]), learned);
    assert_eq!(time(&opened["phone"]["due"]), learned + Duration::minutes(30), "{opened}");
    assert_eq!(time(&opened["written"]["due"]), learned + Duration::hours(2), "{opened}");
    let action = |name: &str| running.url(&format!("/v1/incidents/{id}/{name}"));

    // Closing before the written report names the rule.
    let early = client.post(action("close")).bearer_auth(&officer).json(&json!({})).send();
    let early = problem(early.await.unwrap(), 422).await;
    assert_eq!(early["rule"], "written_before_close", "{early}");
    assert!(early["detail"].as_str().unwrap().contains("书面报告报送后方可结案"), "{early}");
    assert_eq!(early["rule_name"]["zh"], "书面报告报送后方可结案", "{early}");

    running.clock.advance(Duration::minutes(12));
    let phoned = client
        .post(action("phone_report"))
        .bearer_auth(&officer)
        .json(&json!({ "to": "区教育局安全科郑科长", "note": "已电话报告事件概况" }))
        .send()
        .await
        .unwrap();
    let phoned = ok(phoned, 200).await;
    assert_eq!(phoned["status"], "phone_reported", "{phoned}");
    assert_eq!(time(&phoned["phone"]["met_at"]), learned + Duration::minutes(12));
    // The phone report is made once.
    let again = client
        .post(action("phone_report"))
        .bearer_auth(&officer)
        .json(&json!({ "to": "区教育局" }))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(again, 422).await["rule"], "already_reported");

    running.clock.advance(Duration::minutes(60));
    let written = client
        .post(action("written_report"))
        .bearer_auth(&officer)
        .json(&json!({ "note": "简要书面报告", "attachments": ["doc://incident/brief.pdf"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(ok(written, 200).await["status"], "written_reported");
    let attached = client
        .post(action("attach"))
        .bearer_auth(&officer)
        .json(&json!({ "uri": "doc://incident/photo-1.jpg" }))
        .send()
        .await
        .unwrap();
    ok(attached, 200).await;
    let closed = client
        .post(action("close"))
        .bearer_auth(&officer)
        .json(&json!({ "note": "学生均已康复出院" }))
        .send()
        .await
        .unwrap();
    let closed = ok(closed, 200).await;
    assert_eq!(closed["status"], "closed", "{closed}");

    // GET shows the clocks, each met in time, and the reports.
    let shown = client
        .get(running.url(&format!("/v1/incidents/{id}")))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(shown.headers()["etag"], "\"5\"");
    let shown = ok(shown, 200).await;
    assert_eq!(shown["status"], "closed");
    assert_eq!(shown["late"], false, "{shown}");
    assert_eq!(time(&shown["phone"]["met_at"]), learned + Duration::minutes(12));
    assert_eq!(time(&shown["written"]["met_at"]), learned + Duration::minutes(72));
    assert!(time(&shown["written"]["met_at"]) <= time(&shown["written"]["due"]));
    assert_eq!(shown["reports"].as_array().unwrap().len(), 2, "{shown}");
    assert_eq!(shown["attachments"], json!(["doc://incident/photo-1.jpg"]));
    assert!(shown["closed_at"].is_string(), "{shown}");

    // Its history: five chained events; the chain verifies.
    let history = client
        .get(running.url(&format!("/v1/incidents/{id}/history")))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    let history = ok(history, 200).await;
    let events = history["events"].as_array().unwrap();
    assert_eq!(events.len(), 5, "{history}");
    assert_eq!(events[0]["event"]["event"], "opened");
    assert_eq!(events[4]["event"]["event"], "closed");
    let verified = client
        .get(running.url(&format!("/v1/incidents/{id}/verify")))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(ok(verified, 200).await["verified"], true);

    // Listed, and counted in the month's figures.
    let list = client
        .get(
            running
                .url("/v1/incidents?open=false&kind=public_health&from=2025-03-01&to=2025-03-31"),
        )
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    let list = ok(list, 200).await;
    assert_eq!(list["rows"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["rows"][0]["id"], id.as_str());
    let none = client
        .get(running.url("/v1/incidents?open=true"))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert!(ok(none, 200).await["rows"].as_array().unwrap().is_empty());
    let stats = client
        .get(running.url("/v1/incidents/statistics?period=2025-03"))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    let stats = ok(stats, 200).await;
    assert_eq!(stats["tally"]["incidents"], 1, "{stats}");
    assert_eq!(stats["tally"]["phone_on_time"], 1, "{stats}");
    assert_eq!(stats["tally"]["written_on_time"], 1, "{stats}");
    let no_period = client
        .get(running.url("/v1/incidents/statistics"))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(problem(no_period, 422).await["field"], "period");

    // A blank title is named; so is a member the command does not have.
    let mut blank = incident_body(&running, "   ");
    let response =
        client.post(running.url("/v1/incidents")).bearer_auth(&officer).json(&blank).send();
    assert_eq!(problem(response.await.unwrap(), 422).await["field"], "title");
    blank["title"] = json!("有标题");
    blank["colour"] = json!("red");
    let response =
        client.post(running.url("/v1/incidents")).bearer_auth(&officer).json(&blank).send();
    assert_eq!(problem(response.await.unwrap(), 422).await["field"], "colour");
    // An incident id that names nothing is unknown.
    let missing = client
        .get(running.url("/v1/incidents/no-such-incident"))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    problem(missing, 404).await;

    // Another tenant's token sees nothing of it, and cannot act on it.
    let (base, theirs, stop, task) = second_tenant(&running).await;
    let ours =
        client.get(format!("{base}/v1/incidents/{id}")).bearer_auth(&officer).send().await.unwrap();
    assert_eq!(ours.status(), 200);
    let read =
        client.get(format!("{base}/v1/incidents/{id}")).bearer_auth(&theirs).send().await.unwrap();
    let read = problem(read, 404).await;
    assert!(read["type"].as_str().unwrap().ends_with("/unknown"), "{read}");
    let history = client
        .get(format!("{base}/v1/incidents/{id}/history"))
        .bearer_auth(&theirs)
        .send()
        .await
        .unwrap();
    problem(history, 404).await;
    let act = client
        .post(format!("{base}/v1/incidents/{id}/attach"))
        .bearer_auth(&theirs)
        .json(&json!({ "uri": "doc://x" }))
        .send()
        .await
        .unwrap();
    problem(act, 404).await;
    let list = client.get(format!("{base}/v1/incidents")).bearer_auth(&theirs).send();
    let list = ok(list.await.unwrap(), 200).await;
    assert!(list["rows"].as_array().unwrap().is_empty(), "{list}");
    let _ = stop.send(());
    task.await.unwrap().unwrap();
    running.stop().await;
}

#[derive(serde::Serialize)]
struct Schedules {
    schedules: Vec<ReportSchedule>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duties_are_generated_from_the_schedules_and_submitted_once() {
    let running = common::start_quiet().await;
    let client = Client::new();
    let f = &running.fixture;
    let principal = running.token(&f.people.principal).to_string();

    // The presets, as TOML; then the same as a JSON array.
    let presets = schedule_presets();
    let toml = toml::to_string(&Schedules { schedules: presets.clone() }).unwrap();
    let put = client
        .put(running.url("/v1/duties/schedules"))
        .bearer_auth(&principal)
        .header("content-type", "application/toml")
        .body(toml)
        .send()
        .await
        .unwrap();
    assert_eq!(ok(put, 200).await["schedules"], presets.len());
    let put = client
        .put(running.url("/v1/duties/schedules"))
        .bearer_auth(&principal)
        .json(&presets)
        .send()
        .await
        .unwrap();
    assert_eq!(ok(put, 200).await["schedules"], presets.len());
    let shown = client.get(running.url("/v1/duties/schedules")).bearer_auth(&principal).send();
    let shown = ok(shown.await.unwrap(), 200).await;
    assert_eq!(shown["schedules"][0]["code"], "quarterly-analysis", "{shown}");
    // A schedule the engine refuses is named by its place.
    let mut bad = serde_json::to_value(&presets).unwrap();
    bad[1]["title"] = json!(" ");
    let put = client
        .put(running.url("/v1/duties/schedules"))
        .bearer_auth(&principal)
        .json(&bad)
        .send()
        .await
        .unwrap();
    let refused = problem(put, 422).await;
    assert!(refused["field"].as_str().unwrap().starts_with("schedules[1]"), "{refused}");

    // October 2026: the third quarter's analysis is due on the 15th.
    let generated = client
        .post(running.url("/v1/duties/generate?from=2026-10-01&to=2026-10-31"))
        .bearer_auth(&principal)
        .send()
        .await
        .unwrap();
    let generated = ok(generated, 200).await;
    assert!(generated["created"].as_u64().unwrap() >= 1, "{generated}");
    let again = client
        .post(running.url("/v1/duties/generate?from=2026-10-01&to=2026-10-31"))
        .bearer_auth(&principal)
        .send()
        .await
        .unwrap();
    assert_eq!(ok(again, 200).await["created"], 0, "generating again adds nothing");

    let id = format!("quarterly-analysis/{}/2026-Q3", f.school);
    let list =
        client
            .get(running.url(&format!(
                "/v1/duties?open=true&unit={}&from=2026-10-01&to=2026-10-31",
                f.school
            )))
            .bearer_auth(&principal)
            .send()
            .await
            .unwrap();
    let list = ok(list, 200).await;
    let row = list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{id} listed: {list}"))
        .clone();
    assert_eq!(row["status"], "due", "{row}");
    let duty = client
        .get(running.url(&format!("/v1/duties/{}", segment(&id))))
        .bearer_auth(&principal)
        .send()
        .await
        .unwrap();
    let duty = ok(duty, 200).await;
    assert_eq!(duty["due_date"], "2026-10-15", "{duty}");
    assert_eq!(duty["key"], "2026-Q3");
    assert_eq!(time(&duty["clock"]["due"]), time(&row["at"]));

    // Submitted once; a second submission is refused by its rule.
    let url = running.url(&format!("/v1/duties/{}/submit", segment(&id)));
    let empty = client.post(&url).bearer_auth(&principal).json(&json!({ "attachments": [] }));
    assert_eq!(problem(empty.send().await.unwrap(), 422).await["field"], "attachments");
    let body = json!({ "attachments": [{ "uri": "doc://reports/2026-Q3.xlsx" }], "note": "三季度安全形势分析" });
    let submitted = client.post(&url).bearer_auth(&principal).json(&body).send().await.unwrap();
    let submitted = ok(submitted, 200).await;
    assert_eq!(submitted["status"], "submitted", "{submitted}");
    assert_eq!(submitted["submission"]["attachments"][0]["uri"], "doc://reports/2026-Q3.xlsx");
    let twice = client.post(&url).bearer_auth(&principal).json(&body).send().await.unwrap();
    let twice = problem(twice, 422).await;
    assert_eq!(twice["rule"], "already_submitted", "{twice}");
    let history = client
        .get(running.url(&format!("/v1/duties/{}/history", segment(&id))))
        .bearer_auth(&principal)
        .send()
        .await
        .unwrap();
    assert_eq!(ok(history, 200).await["events"].as_array().unwrap().len(), 2);
    let unknown = client
        .get(running.url("/v1/duties/quarterly-analysis%2Fschool%2F1999-Q1"))
        .bearer_auth(&principal)
        .send()
        .await
        .unwrap();
    problem(unknown, 404).await;

    let stats = client
        .get(running.url("/v1/duties/statistics?period=2026-Q4"))
        .bearer_auth(&principal)
        .send()
        .await
        .unwrap();
    let stats = ok(stats, 200).await;
    assert!(stats["tally"]["duties"].as_u64().unwrap() >= 1, "{stats}");
    assert_eq!(stats["tally"]["on_time"], 1, "{stats}");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaigns_hazards_are_counted_on_their_own() {
    let running = common::start_quiet().await;
    let client = Client::new();
    let f = &running.fixture;
    let principal = running.token(&f.people.principal).to_string();
    let inspector = running.token(&f.people.inspector).to_string();

    // Seed 001's campaign, moved to the fixture's term so that today falls in its first phase.
    let today = running.service.engine().now().date_naive();
    let campaign = campaign_preset("seed-001").unwrap().moved_to(today);
    assert_eq!(campaign.code, "campus-safety");
    let put = client
        .put(running.url("/v1/campaigns/campus-safety"))
        .bearer_auth(&principal)
        .json(&campaign)
        .send()
        .await
        .unwrap();
    assert_eq!(ok(put, 200).await["code"], "campus-safety");
    // The path's code must be the body's.
    let put = client
        .put(running.url("/v1/campaigns/another"))
        .bearer_auth(&principal)
        .json(&campaign)
        .send()
        .await
        .unwrap();
    assert_eq!(problem(put, 422).await["field"], "code");
    // A campaign as TOML, with TOML dates, its code from the path.
    let toml = "title = \"消防安全专项整治\"\n\
                report_dates = [2025-03-20]\n\
                [[phases]]\nname = \"排查阶段\"\nfrom = 2025-03-03\nto = 2025-03-31\n";
    let put = client
        .put(running.url("/v1/campaigns/fire-2025"))
        .bearer_auth(&principal)
        .header("content-type", "application/toml")
        .body(toml)
        .send()
        .await
        .unwrap();
    assert_eq!(ok(put, 200).await["phases"][0]["from"], "2025-03-03");
    let listed = client.get(running.url("/v1/campaigns")).bearer_auth(&principal).send();
    let listed = ok(listed.await.unwrap(), 200).await;
    assert_eq!(listed["campaigns"].as_array().unwrap().len(), 2, "{listed}");

    // A hazard found in the campaign, and one found outside it.
    let mut body =
        serde_json::to_value(f.command_for(Step::Discover, Grade::General, f.start)).unwrap();
    body.as_object_mut().unwrap().remove("command");
    let plain = client.post(running.url("/v1/hazards")).bearer_auth(&inspector).json(&body);
    ok(plain.send().await.unwrap(), 201).await;
    body["campaign"] = json!("campus-safety");
    let tagged = client.post(running.url("/v1/hazards")).bearer_auth(&inspector).json(&body);
    ok(tagged.send().await.unwrap(), 201).await;
    body["campaign"] = json!("no-such-campaign");
    let unknown = client.post(running.url("/v1/hazards")).bearer_auth(&inspector).json(&body);
    assert_eq!(problem(unknown.send().await.unwrap(), 422).await["field"], "campaign");

    let stats = |query: &str| {
        client
            .get(running.url(&format!("/v1/campaigns/campus-safety/statistics{query}")))
            .bearer_auth(&principal)
            .send()
    };
    let whole = ok(stats("").await.unwrap(), 200).await;
    assert_eq!(whole["total"]["discovered"], 1, "only the tagged hazard: {whole}");
    assert_eq!(whole["campaign"], "campus-safety");
    let first = ok(stats("?phase=1").await.unwrap(), 200).await;
    assert_eq!(first["total"]["discovered"], 1, "{first}");
    assert_eq!(first["phase_name"], "自查自纠阶段", "{first}");
    let second = ok(stats("?phase=2").await.unwrap(), 200).await;
    assert_eq!(second["total"]["discovered"], 0, "{second}");
    assert_eq!(problem(stats("?phase=0").await.unwrap(), 422).await["field"], "phase");
    assert_eq!(problem(stats("?phase=9").await.unwrap(), 422).await["field"], "phase");
    let nowhere = client
        .get(running.url("/v1/campaigns/no-such-campaign/statistics"))
        .bearer_auth(&principal)
        .send()
        .await
        .unwrap();
    problem(nowhere, 404).await;

    let xlsx = client
        .get(running.url("/v1/campaigns/campus-safety/statistics.xlsx?phase=1"))
        .bearer_auth(&principal)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    assert_eq!(
        xlsx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let disposition = xlsx.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.contains("campaign-campus-safety-phase-1.xlsx"), "{disposition}");
    let bytes = xlsx.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "a workbook is a zip file");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_tells_the_bureau_once_when_the_phone_report_is_missed() {
    let recorder = RecordingNotifier::new();
    let channel = recorder.clone();
    let running =
        common::start_full(|c| c.sweep_every_seconds = 86_400, move |_| Arc::new(channel)).await;
    let client = Client::new();
    // The service's own first sweep (at its start) is over before the incident is opened.
    let mut swept = false;
    for _ in 0..1000 {
        let metrics =
            client.get(running.url("/metrics")).send().await.unwrap().text().await.unwrap();
        if metrics.lines().any(|l| l.starts_with("hazardloop_sweeps_total ") && !l.ends_with(" 0"))
        {
            swept = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(swept, "the scheduler swept at its start");
    let f = &running.fixture;
    let officer = running.token(&f.people.officer).to_string();
    let opened = open_incident(&client, &running, &officer).await;
    let id = opened["id"].as_str().unwrap().to_string();
    let due = time(&opened["phone"]["due"]);

    // The phone report is missed: one tick past its due time, then another.
    running.clock.set(due + Duration::seconds(60));
    let scheduler = Scheduler::new(running.service.clone());
    let first = scheduler.tick().await.unwrap();
    let second = scheduler.tick().await.unwrap();
    scheduler.dispatch().await.unwrap();
    // The phone clock's reminder and its overdue rung, each once (the first sweep of the
    // service ran at its start, before the incident was opened).
    assert_eq!(first.record_fired + second.record_fired, 2, "{first:?} {second:?}");
    assert_eq!(second.record_fired, 0, "{second:?}");
    assert!(first.record_messages > 0, "{first:?}");

    let shown = client
        .get(running.url(&format!("/v1/incidents/{id}")))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    let shown = ok(shown, 200).await;
    assert_eq!(shown["phone"]["fired"], json!([0, 1]), "{shown}");
    assert_eq!(shown["late"], true, "{shown}");

    let to_bureau: Vec<_> = recorder
        .deliveries()
        .into_iter()
        .filter(|d| d.to.person == f.people.bureau_officer)
        .flat_map(|d| d.notices)
        .filter(|n| n.record.as_ref().is_some_and(|r| r.id.as_str() == id))
        .collect();
    assert_eq!(to_bureau.len(), 1, "the bureau is told once: {to_bureau:?}");
    assert_eq!(to_bureau[0].due, Some(due));

    // The rungs are counted in the metrics.
    let metrics = client.get(running.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let fired = metrics
        .lines()
        .find_map(|l| l.strip_prefix("hazardloop_rungs_fired_total "))
        .unwrap_or_else(|| panic!("{metrics}"));
    assert!(fired.trim().parse::<u64>().unwrap() >= 2, "{fired}");
    running.stop().await;
}
