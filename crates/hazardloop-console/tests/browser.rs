//! The console in a real browser: headless Chromium driven by Playwright (Python) against the
//! console served on 127.0.0.1. The Rust side sets up a school (people, hazards, a daily
//! patrol due today, a second tenant) and one-time login codes; `browser.py` signs in and
//! works the pages as the safety office, a rectifier and an inspector would, and writes
//! screenshots of every page at desktop and phone sizes under `target/console-screenshots/`.
//!
//! Without Chromium or Playwright the test says why and skips, unless `CI` is set: then it
//! fails, so CI cannot pass without having looked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command as Process;
use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use hazardloop_console::{
    issue_login_code, router, Console, ConsoleConfig, DirEvidenceStore, Fixed,
};
use hazardloop_core::engine::{Engine, Request};
use hazardloop_core::inspection::{
    preset, Cadence, InspectionPlan, Inspector, TemplateRef, Window,
};
use hazardloop_core::model::TenantId;
use hazardloop_core::org::Role;
use hazardloop_core::store::MemoryStore;
use hazardloop_core::workflow::Command;
use hazardloop_testkit::{Fixture, ManualClock, RecordingNotifier};

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        let out = Process::new("sh").arg("-c").arg(format!("command -v {name}")).output().ok()?;
        let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        (!path.is_empty()).then(|| PathBuf::from(path))
    })
}

fn playwright() -> bool {
    Process::new("python3")
        .args(["-c", "import playwright.sync_api"])
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_works_in_a_real_browser() {
    let (Some(browser), true) = (chromium(), playwright()) else {
        assert!(std::env::var_os("CI").is_none(), "CI must have chromium and python3-playwright");
        eprintln!("skipped: chromium or Python Playwright is missing (pip install playwright; apt-get install chromium)");
        return;
    };
    // Monday 2026-12-07 09:00 in Beijing.
    let now = chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2026, 12, 7, 9, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let f = Fixture::school();
    let other = Fixture::school_in(TenantId::new("other-school").unwrap(), "bureau-b", "school-b");
    let clock = ManualClock::new(now);
    let engine = Engine::new(
        MemoryStore::new(),
        RecordingNotifier::new(),
        Arc::new(clock.clone()),
        f.policy.clone(),
    )
    .with_org(f.org.clone());
    engine.set_org(other.org.clone());
    let engine = Arc::new(engine);

    // Hazards: the typical finding, one whose title is a script, and one of the other tenant.
    let inspector = f.actor(&f.people.inspector);
    let found = engine.execute(&inspector, Request::new(f.discover())).await.unwrap();
    let Command::Discover(mut evil) = f.discover() else { unreachable!() };
    evil.title = "<script>alert(1)</script>".into();
    engine.execute(&inspector, Request::new(Command::Discover(evil))).await.unwrap();
    let theirs = engine
        .execute(&other.actor(&other.people.inspector), Request::new(other.discover()))
        .await
        .unwrap();
    // An incident learned of this morning, its phone report made.
    let officer = f.actor(&f.people.officer);
    let open = hazardloop_core::duty::IncidentCommand::Open {
        unit: f.school.clone(),
        title: "学生课间摔伤送医".into(),
        kind: hazardloop_core::duty::IncidentType::Accident,
        location: "东操场".into(),
        summary: "课间活动时一名学生摔倒，已送医".into(),
        occurred_at: now - Duration::minutes(40),
        learned_at: Some(now - Duration::minutes(35)),
    };
    let incident = engine.incident(&officer, None, open).await.unwrap().record.id;
    let phone = hazardloop_core::duty::IncidentCommand::PhoneReport {
        at: None,
        to: "市教育局安全科".into(),
        note: None,
    };
    engine.incident(&officer, Some(&incident), phone).await.unwrap();
    let first = engine.hazard(&f.tenant, found.hazard).await.unwrap().hazard;
    let first_ref = first.number.clone().unwrap_or_else(|| first.id.to_string());
    let theirs_ref = engine
        .hazard(&other.tenant, theirs.hazard)
        .await
        .unwrap()
        .hazard
        .number
        .unwrap_or_else(|| theirs.hazard.to_string());

    // A daily patrol of the grid, due today, for the grid member.
    let matrix = f.policy.matrix();
    let template = preset("daily_patrol", matrix).unwrap().unwrap();
    let reference = template.reference();
    engine.import_template(&f.tenant, template).await.unwrap();
    let plan = InspectionPlan {
        id: "grid-patrol".into(),
        title: "第一网格每日巡查".into(),
        template: TemplateRef { code: reference.code.clone(), version: reference.version },
        units: vec![f.grid.clone()],
        location: "教学楼A座".into(),
        inspector: Inspector::Role(Role::GridMember),
        cadence: Cadence::WorkingDay,
        window: Window::default(),
        skip_vacations: false,
        late_allowed: true,
        start: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        end: None,
        source: None,
    };
    engine.add_plan(&f.tenant, plan).await.unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    engine.generate(&f.tenant, today, today).await.unwrap();

    let code = |t: &TenantId, p| {
        let engine = engine.clone();
        let t = t.clone();
        async move { issue_login_code(&engine, &t, &p, Duration::minutes(30)).await.unwrap() }
    };
    let codes = serde_json::json!({
        "officer": code(&f.tenant, f.people.officer.clone()).await,
        "officer2": code(&f.tenant, f.people.officer.clone()).await,
        "worker": code(&f.tenant, f.people.worker.clone()).await,
        "inspector": code(&f.tenant, f.people.inspector.clone()).await,
        "grid": code(&f.tenant, f.people.grid_member.clone()).await,
        "stranger": code(&other.tenant, other.people.officer.clone()).await,
        "used": code(&f.tenant, f.people.officer.clone()).await,
    });

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shots = root.join("target/console-screenshots");
    let evidence = tempfile::tempdir().unwrap();
    let console = Console::new(
        Fixed(engine.clone()),
        DirEvidenceStore::new(evidence.path()),
        ConsoleConfig::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, router(console)).await });

    let scenario = serde_json::json!({
        "base": base,
        "browser": browser,
        "shots": shots,
        "codes": codes,
        "hazard": first_ref,
        "hazard_id": first.id.to_string(),
        "theirs": theirs_ref,
        "theirs_id": theirs.hazard.to_string(),
        "photo": root.join("crates/hazardloop-console/tests/data/photo.png"),
        "downloads": evidence.path().join("downloads"),
        "worker_name": f.org.person(&f.people.worker).unwrap().name,
    });
    let script = root.join("crates/hazardloop-console/tests/browser.py");
    let run = tokio::task::spawn_blocking(move || {
        Process::new("python3").arg(script).arg(scenario.to_string()).output().unwrap()
    })
    .await
    .unwrap();
    server.abort();
    let out = String::from_utf8_lossy(&run.stdout);
    let err = String::from_utf8_lossy(&run.stderr);
    println!("{out}");
    assert!(run.status.success(), "browser.py failed:\n{out}\n{err}");
    assert!(out.contains("ALL CHECKS PASSED"), "{out}");

    // The browser's work is in the store: the hazard is accepted, an inspection raised a
    // hazard from its failed item.
    let after = engine.hazard(&f.tenant, found.hazard).await.unwrap().hazard;
    assert_eq!(after.stage.kind(), hazardloop_core::workflow::StageKind::Accepted);
    let rows = engine.ledger_rows(&f.tenant, &Default::default()).await.unwrap();
    assert!(rows.iter().any(|r| r.finding.is_some()), "the failed item became a hazard");
    let _ = clock;
}
