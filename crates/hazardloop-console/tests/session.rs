//! Sessions over plain HTTP (no browser needed): a code signs in once, the session expires on
//! the engine's clock, signing out ends it, and a host token signs nobody in by default.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use hazardloop_console::{
    issue_login_code, router, Console, ConsoleConfig, DirEvidenceStore, Fixed,
};
use hazardloop_core::engine::Engine;
use hazardloop_core::store::MemoryStore;
use hazardloop_testkit::{Fixture, ManualClock, RecordingNotifier};

#[tokio::test]
async fn a_session_expires_on_the_engines_clock_and_ends_at_sign_out() {
    let start = chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2026, 12, 7, 9, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let f = Fixture::school();
    let clock = ManualClock::new(start);
    let engine = Arc::new(
        Engine::new(
            MemoryStore::new(),
            RecordingNotifier::new(),
            Arc::new(clock.clone()),
            f.policy.clone(),
        )
        .with_org(f.org.clone()),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = ConsoleConfig { session_ttl: Duration::hours(1), ..ConsoleConfig::default() };
    let console = Console::new(Fixed(engine.clone()), DirEvidenceStore::new(dir.path()), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router(console)).await });
    let http = || {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    };

    // An expired code signs nobody in.
    let late = issue_login_code(&engine, &f.tenant, &f.people.officer, Duration::minutes(5))
        .await
        .unwrap();
    clock.advance(Duration::minutes(6));
    let r = http()
        .post(format!("{base}/console/login"))
        .form(&[("code", late.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let code = issue_login_code(&engine, &f.tenant, &f.people.officer, Duration::minutes(30))
        .await
        .unwrap();
    let client = http();
    let r = client
        .post(format!("{base}/console/login"))
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && !cookie.contains("Secure"),
        "{cookie}"
    );
    let ledger = client.get(format!("{base}/console/ledger")).send().await.unwrap();
    assert_eq!(ledger.status(), 200);
    let html = ledger.text().await.unwrap();
    assert!(html.contains("台账") && html.contains("共 0 条"), "an empty ledger");

    // 59 minutes on it still works; past the hour it is gone.
    clock.advance(Duration::minutes(59));
    assert_eq!(client.get(format!("{base}/console/ledger")).send().await.unwrap().status(), 200);
    clock.advance(Duration::minutes(2));
    let r = client.get(format!("{base}/console/ledger")).send().await.unwrap();
    assert_eq!(
        (r.status().as_u16(), r.headers()["location"].to_str().unwrap()),
        (303, "/console/login")
    );

    // Sign out needs the form's token and ends the session.
    let code = issue_login_code(&engine, &f.tenant, &f.people.officer, Duration::minutes(30))
        .await
        .unwrap();
    let client = http();
    client
        .post(format!("{base}/console/login"))
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    let page =
        client.get(format!("{base}/console/ledger")).send().await.unwrap().text().await.unwrap();
    let csrf =
        page.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let forged =
        client.post(format!("{base}/console/logout")).form(&[("csrf", "x")]).send().await.unwrap();
    assert_eq!(forged.status(), 403);
    let out = client
        .post(format!("{base}/console/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(client.get(format!("{base}/console/ledger")).send().await.unwrap().status(), 303);

    // The default backend takes no host token.
    let r = http()
        .post(format!("{base}/console/login"))
        .form(&[("token", "hl_x_y")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
