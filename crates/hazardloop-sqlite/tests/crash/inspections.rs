//! Crash safety of completions: a child process schedules occurrences in batches and completes
//! them, each completion carrying 1–3 new hazards from its findings (some first started, some
//! poisoned with a hazard id already stored, which must fail whole), and is SIGKILLed at a
//! random moment. After each kill, a completion and its hazards are all there or none are:
//! every completed occurrence's findings' hazards exist and verify and link back, no hazard
//! of an uncompleted occurrence's would-be findings exists, and every hazard that names a
//! finding belongs to a completed occurrence that lists it.
//!
//! The hazard ids of occurrence `i` of child `seed` are fixed in advance ([`hazard_id`]), and
//! the occurrence's period is `seed-i`, so the check knows what each occurrence would raise.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::inspection::{
    FindingRef, Occurrence, OccurrenceEvent, OccurrenceId, OccurrenceQuery, OccurrenceRow,
};
use hazardloop_core::model::HazardId;
use hazardloop_core::store::{InspectionStore, LedgerQuery, Store, StoreError};
use hazardloop_sqlite::SqliteStore;
use hazardloop_testkit::inspection_conformance::{event_commit, schedule_commit, scheduled};
use hazardloop_testkit::{Fixture, ManualClock};

use super::support::completion;
use super::{engine, Rng};

const CHILD_DB: &str = "HAZARDLOOP_SQLITE_CRASH_INSPECTIONS_DB";
const CHILD_SEED: &str = "HAZARDLOOP_SQLITE_CRASH_INSPECTIONS_SEED";
const KILLS: usize = 8;
/// Occurrences scheduled per batch.
const AHEAD: u64 = 8;
const PLAN: &str = "crash";

/// The `k`-th hazard occurrence `i` of child `seed` raises (when it is completed).
fn hazard_id(seed: u64, i: u64, k: u64) -> HazardId {
    format!("{seed:08x}-0000-7000-8{k:03x}-{i:012x}").parse().unwrap()
}

/// Occurrence `i` of child `seed`, as scheduled.
fn occurrence(f: &Fixture, seed: u64, i: u64) -> Occurrence {
    let day = 1 + u32::try_from(i % 28).unwrap();
    let mut o = scheduled(&f.tenant, PLAN, &f.grid, day, &f.people.grid_member);
    let period = format!("{seed}-{i}");
    o.id = OccurrenceId::of(PLAN, &f.grid, &period);
    o.scheduled.slot.period = period;
    o
}

/// (seed, i) of an occurrence of this scenario.
fn seed_and_index(id: &OccurrenceId) -> (u64, u64) {
    let period = id.as_str().rsplit('/').next().unwrap();
    let (seed, i) = period.split_once('-').unwrap();
    (seed.parse().unwrap(), i.parse().unwrap())
}

/// The child: completes occurrences until it is killed, printing `ACK <occurrence>` after each
/// acknowledged completion and `REFUSED <occurrence>` after each poisoned one was refused.
#[test]
fn crash_inspection_child() {
    let Ok(path) = std::env::var(CHILD_DB) else { return };
    let seed: u64 = std::env::var(CHILD_SEED).unwrap().parse().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(child(Path::new(&path), seed));
}

async fn child(path: &Path, seed: u64) {
    let f = Fixture::school();
    let store = SqliteStore::open(path).unwrap();
    store.migrate().unwrap();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    // A hazard stored by an earlier run, to poison completions with.
    let first = LedgerQuery { limit: 1, ..LedgerQuery::default() };
    let mut taken: Option<HazardId> =
        store.ledger(&f.tenant, &first).await.unwrap().rows.first().map(|r| r.id);
    let mut out = std::io::stdout();
    for i in 0u64.. {
        let now = f.start + Duration::minutes(i64::try_from(i).unwrap());
        if i % AHEAD == 0 {
            let batch = (i..i + AHEAD).map(|j| {
                let o = occurrence(&f, seed, j);
                schedule_commit(&o, Some(o.scheduled.slot.due))
            });
            assert_eq!(store.schedule(batch.collect()).await.unwrap(), AHEAD as usize);
        }
        let id = occurrence(&f, seed, i).id;
        let (mut o, mut head) = store.occurrence(&f.tenant, &id).await.unwrap().unwrap();
        if rng.below(2) == 0 {
            let started = OccurrenceEvent::Started { by: o.inspector.clone(), at: now };
            let next = Some(o.scheduled.slot.closes);
            store
                .commit_occurrence(event_commit(&o, head, vec![started], vec![], next))
                .await
                .unwrap();
            (o, head) = store.occurrence(&f.tenant, &id).await.unwrap().unwrap();
        }
        let mut ids: Vec<HazardId> = (0..=rng.below(3)).map(|k| hazard_id(seed, i, k)).collect();
        let poisoned = match taken {
            Some(t) if i % 5 == 3 => {
                ids.push(t);
                true
            }
            _ => false,
        };
        match store.commit_occurrence(completion(&f, &o, head, &ids, now)).await {
            Ok(()) => {
                assert!(!poisoned, "a completion raising a stored hazard landed");
                taken = Some(ids[0]);
                writeln!(out, "ACK {id}").unwrap();
            }
            Err(StoreError::Conflict { .. }) if poisoned => writeln!(out, "REFUSED {id}").unwrap(),
            Err(e) => panic!("completing {id}: {e}"),
        }
        out.flush().unwrap();
    }
}

/// Runs one child until a random moment after its first acknowledgement; returns the
/// occurrences it acknowledged and those it saw refused.
fn run_child(path: &Path, seed: u64, rng: &mut Rng) -> (Vec<OccurrenceId>, Vec<OccurrenceId>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "inspections::crash_inspection_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_DB, path)
        .env(CHILD_SEED, seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let deadline = Instant::now() + StdDuration::from_secs(60);
    while !lines.iter().any(|l: &String| l.starts_with("ACK ")) {
        assert!(Instant::now() < deadline, "the child acknowledged nothing in 60 s");
        if let Ok(line) = rx.recv_timeout(StdDuration::from_millis(100)) {
            lines.push(line);
        }
    }
    std::thread::sleep(StdDuration::from_millis(50 + rng.below(400)));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    reader.join().unwrap();
    lines.extend(rx.try_iter());
    let ids = |prefix: &str| -> Vec<OccurrenceId> {
        let parse = |l: &String| l.strip_prefix(prefix).map(|id| OccurrenceId::parse(id).unwrap());
        lines.iter().filter_map(parse).collect()
    };
    (ids("ACK "), ids("REFUSED "))
}

#[test]
fn sigkill_while_completing_occurrences_leaves_each_completion_whole_or_absent() {
    if std::env::var(CHILD_DB).is_ok() || std::env::var(super::CHILD_DB).is_ok() {
        return; // inside a child
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inspections.db");
    let mut rng = Rng(0xC0DE_F00D);
    let mut seen = Seen::default();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    for round in 0..KILLS {
        let seed = round as u64 + 1;
        let (acked, refused) = run_child(&path, seed, &mut rng);
        seen.acked.extend(acked);
        seen.refused.extend(refused);
        rt.block_on(check(&path, seed, &mut seen, round));
    }
    println!(
        "inspection crash test: {KILLS} kills, {} completions acknowledged ({} stored, {} \
         hazards from findings), {} poisoned completions refused, {} occurrences left open",
        seen.acked.len(),
        seen.completed,
        seen.links.len(),
        seen.refused.len(),
        seen.open
    );
    assert!(!seen.refused.is_empty(), "the run exercised a refused completion");
}

/// What the children did and the checks found so far.
#[derive(Default)]
struct Seen {
    acked: BTreeSet<OccurrenceId>,
    refused: BTreeSet<OccurrenceId>,
    /// (hazard, occurrence, item) of every stored finding of a completed occurrence.
    links: BTreeSet<(HazardId, OccurrenceId, String)>,
    completed: usize,
    open: usize,
}

/// After the kill of child `seed`: every acknowledged completion is stored, every refused one
/// is not. Each of the child's occurrences verifies (chain, state, row); a completed one's
/// hazards all exist, verify and link back; an uncompleted one raised none. Across all runs,
/// the hazards that name a finding are exactly the completed occurrences' findings, and no
/// completed occurrence waits for the sweep. (Earlier children's occurrences were checked
/// after their own kill; nothing writes them since.)
async fn check(path: &Path, seed: u64, seen: &mut Seen, round: usize) {
    let f = Fixture::school();
    let e = engine(path, &ManualClock::new(f.start));
    let store = e.store();
    let rows = store.occurrences(&f.tenant, &OccurrenceQuery::default()).await.unwrap();
    for row in rows.iter().filter(|r| seed_and_index(&r.id).0 == seed) {
        let id = &row.id;
        e.verify_occurrence(&f.tenant, id)
            .await
            .unwrap_or_else(|err| panic!("round {round}: occurrence {id}: {err}"));
        let (o, _) = store.occurrence(&f.tenant, id).await.unwrap().unwrap();
        assert_eq!(row, &OccurrenceRow::of(&o), "round {round}: the row of {id} is its state's");
        if o.completed.is_some() {
            seen.completed += 1;
            for finding in &o.findings {
                let h = finding.hazard;
                e.verify(&f.tenant, h)
                    .await
                    .unwrap_or_else(|err| panic!("round {round}: {id} raised {h}: {err}"));
                seen.links.insert((h, id.clone(), finding.item.clone()));
            }
        } else {
            seen.open += 1;
            let (_, i) = seed_and_index(id);
            for k in 0..3 {
                let h = hazard_id(seed, i, k);
                let stored = store.snapshot(&f.tenant, h).await.unwrap();
                assert!(stored.is_none(), "round {round}: {id} is not completed but raised {h}");
            }
        }
    }
    let completed: BTreeSet<&OccurrenceId> =
        rows.iter().filter(|r| r.completed_at.is_some()).map(|r| &r.id).collect();
    for id in &seen.acked {
        assert!(completed.contains(id), "round {round}: {id} was acknowledged, not stored");
    }
    for id in &seen.refused {
        assert!(!completed.contains(id), "round {round}: refused {id} is completed");
    }
    let all = LedgerQuery { limit: 0, ..LedgerQuery::default() };
    let mut linked = BTreeSet::new();
    for row in store.ledger(&f.tenant, &all).await.unwrap().rows {
        let Some(FindingRef { occurrence, item }) = row.finding else { continue };
        linked.insert((row.id, occurrence, item));
    }
    assert_eq!(linked, seen.links, "round {round}: the hazards that name findings are theirs");
    let far: DateTime<Utc> = f.start + Duration::days(3650);
    for due in store.occurrences_due(far, None, 1_000_000).await.unwrap() {
        assert!(!completed.contains(&due.occurrence), "round {round}: {} swept", due.occurrence);
    }
}
