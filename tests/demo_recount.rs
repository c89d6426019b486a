//! The main demo's inspection figures, recounted independently from the event log: the test
//! runs `school_term`, reads the occurrences' and hazards' events back from its SQLite file and
//! counts planned, completed, late and missed inspections and the hazards raised from findings
//! itself; the printed figures must agree.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(all(feature = "sqlite", feature = "export"))]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use chrono::{Duration, NaiveDate};
use hazardloop::inspection::{OccurrenceEvent, OccurrenceQuery};
use hazardloop::model::TenantId;
use hazardloop::policy::Policy;
use hazardloop::sqlite::SqliteStore;
use hazardloop::store::{InspectionStore, LedgerQuery, Store};
use hazardloop::workflow::Event;

/// The example binary `cargo test` builds beside the test binaries.
fn example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target = exe.parent().and_then(|deps| deps.parent()).unwrap();
    target.join("examples").join(format!("school_term{}", std::env::consts::EXE_SUFFIX))
}

/// The number after `label` in `line`.
fn figure(line: &str, label: &str) -> usize {
    let rest =
        &line[line.find(label).unwrap_or_else(|| panic!("`{label}` in {line}")) + label.len()..];
    rest.trim_start().split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn school_term_inspection_figures_agree_with_the_event_log() {
    let bin = example();
    if !bin.exists() {
        panic!(
            "{} not built: run `cargo test --workspace` (it builds the examples)",
            bin.display()
        );
    }
    let out = std::env::temp_dir().join(format!("hazardloop-recount-{}", std::process::id()));
    let weeks = 8;
    let run = Command::new(&bin)
        .args(["--weeks", &weeks.to_string(), "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let stdout = String::from_utf8(run.stdout).unwrap();
    let line = |start: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no `{start}` line in\n{stdout}"))
    };
    let inspections = line("检查 inspections:");
    let sources = line("隐患来源");
    let printed = (
        figure(inspections, "planned"),
        figure(inspections, "completed"),
        figure(inspections, "late"),
        figure(inspections, "missed"),
        figure(sources, "inspection findings"),
    );

    // Recount from the stored events alone.
    let store = SqliteStore::open(out.join("school_term.db")).unwrap();
    let tenant = TenantId::new("demo").unwrap();
    let calendar = Policy::default().calendar().clone();
    let first = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap();
    let last = first + Duration::days(weeks * 7 - 1);
    let (from, to) = (
        calendar.end_of_day(first) - Duration::days(1),
        calendar.end_of_day(last) + Duration::hours(1),
    );
    let rows = store.occurrences(&tenant, &OccurrenceQuery::default()).await.unwrap();
    let (mut planned, mut completed, mut late, mut missed) = (0, 0, 0, 0);
    let mut listed = BTreeSet::new();
    for row in &rows {
        let events = store.occurrence_events(&tenant, &row.id).await.unwrap();
        hazardloop::inspection::verify(&tenant, &row.id, &events).unwrap();
        let Some(OccurrenceEvent::Scheduled { scheduled }) = events.first().map(|r| &r.event)
        else {
            panic!("{} does not start scheduled", row.id)
        };
        let due = scheduled.slot.due;
        for r in &events {
            if let OccurrenceEvent::Completed { findings, .. } = &r.event {
                listed.extend(findings.iter().map(|f| (row.id.clone(), f.item.clone(), f.hazard)));
            }
        }
        if due < from || due >= to {
            continue;
        }
        planned += 1;
        for r in &events {
            match &r.event {
                OccurrenceEvent::Completed { late: l, .. } => {
                    completed += 1;
                    late += usize::from(*l);
                }
                OccurrenceEvent::Missed { .. } => missed += 1,
                _ => {}
            }
        }
    }
    // Hazards whose discovery names an inspection item, from the hazards' own events.
    let ledger = store
        .ledger(&tenant, &LedgerQuery { limit: 100_000, ..LedgerQuery::default() })
        .await
        .unwrap();
    let mut linked = BTreeSet::new();
    for row in &ledger.rows {
        let record = store.load(&tenant, row.id).await.unwrap().unwrap();
        if let Some(Event::Discovered { facts }) = record.events.first().map(|r| &r.event) {
            if let Some(f) = &facts.finding {
                linked.insert((f.occurrence.clone(), f.item.clone(), row.id));
            }
        }
    }
    assert_eq!(linked, listed, "every finding's hazard links back to the occurrence that lists it");
    assert_eq!(
        printed,
        (planned, completed, late, missed, linked.len()),
        "printed vs recounted\n{stdout}"
    );
    assert!(planned > 30 && linked.len() > 10, "the demo inspects and finds: {printed:?}");
    let _ = std::fs::remove_dir_all(&out);
}
