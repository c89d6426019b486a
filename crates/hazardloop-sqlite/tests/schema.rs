//! Opening and migrating: explicit migrations, refusal of newer schemas and of files that are
//! not SQLite databases, without touching them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hazardloop_core::model::{HazardId, TenantId};
use hazardloop_core::store::{Store, StoreError};
use hazardloop_sqlite::{SqliteStore, SCHEMA_VERSION};

fn tenant() -> TenantId {
    TenantId::new("t1").unwrap()
}

fn hazard() -> HazardId {
    HazardId::new_at(chrono::DateTime::UNIX_EPOCH)
}

#[tokio::test]
async fn operations_before_migrate_ask_for_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("new.db")).unwrap();
    let err = store.snapshot(&tenant(), hazard()).await.unwrap_err();
    assert_eq!(err, StoreError::Schema("run migrate()".into()));
    assert_eq!(
        store.document(&tenant(), "org").await.unwrap_err(),
        StoreError::Schema("run migrate()".into())
    );
    store.migrate().unwrap();
    assert_eq!(store.snapshot(&tenant(), hazard()).await.unwrap(), None);
}

#[tokio::test]
async fn open_never_creates_tables() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("host.db");
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master WHERE name LIKE 'hazardloop_%'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(tables, 0, "only migrate() creates the schema");
}

#[tokio::test]
async fn migrate_is_idempotent_and_a_current_file_needs_no_migrate_on_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("twice.db");
    let store = SqliteStore::open(&path).unwrap();
    store.migrate().unwrap();
    store.migrate().unwrap();
    store.put_document(&tenant(), "org", "v1").await.unwrap();
    drop(store);
    let again = SqliteStore::open(&path).unwrap();
    assert_eq!(again.document(&tenant(), "org").await.unwrap().as_deref(), Some("v1"));
}

#[test]
fn the_tables_live_beside_a_hosts_own_tables() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE events (id INTEGER); CREATE TABLE schema (v INTEGER);")
        .unwrap();
    drop(conn);
    let store = SqliteStore::open(&path).unwrap();
    store.migrate().unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: u32 =
        conn.query_row("SELECT max(version) FROM hazardloop_schema", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    conn.execute("INSERT INTO events (id) VALUES (1)", []).unwrap();
}

#[test]
fn a_newer_schema_is_refused_and_the_file_left_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    let store = SqliteStore::open(&path).unwrap();
    store.migrate().unwrap();
    drop(store);
    // A later hazardloop migrated this file further.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("INSERT INTO hazardloop_schema (version) VALUES (?1)", [SCHEMA_VERSION + 1])
        .unwrap();
    drop(conn); // the last connection checkpoints the WAL into the file
    let before = std::fs::read(&path).unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    match &err {
        StoreError::Schema(msg) => {
            assert!(msg.contains(&format!("{}", SCHEMA_VERSION + 1)), "names the version: {msg}");
            assert!(msg.contains("upgrade"), "says what to do: {msg}");
        }
        other => panic!("expected a schema error, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), before, "the file is byte-identical");
}

#[test]
fn a_file_that_is_not_an_sqlite_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    let text = "这不是数据库 — just some notes\n".repeat(200);
    std::fs::write(&path, &text).unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    match &err {
        StoreError::Corrupt(msg) => assert!(msg.contains("not an SQLite database"), "{msg}"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "the file is untouched");
}

/// A schema-1 file (due clocks in a table of their own, the old outbox indexes) upgrades to the
/// current schema with every hazard, clock and message intact.
#[tokio::test]
async fn a_schema_1_file_upgrades_with_its_clocks_and_messages() {
    use std::sync::Arc;

    use hazardloop_core::engine::Engine;
    use hazardloop_core::notify::Discard;
    use hazardloop_core::store::OutboxStatus;
    use hazardloop_core::workflow::Step;
    use hazardloop_sqlite::MIGRATIONS;
    use hazardloop_testkit::{Fixture, ManualClock};

    let dir = tempfile::tempdir().unwrap();
    let f = Fixture::school();
    // Hazards written by this build, to copy into a schema-1 file below.
    let current = dir.path().join("current.db");
    let store = SqliteStore::open(&current).unwrap();
    store.migrate().unwrap();
    let clock = Arc::new(ManualClock::new(f.start));
    let engine =
        Engine::new(store, Discard, clock.clone(), f.policy.clone()).with_org(f.org.clone());
    let mut ids = Vec::new();
    for steps in [1, 2, 3] {
        let mut id = None;
        for step in [Step::Discover, Step::Register, Step::Report].into_iter().take(steps) {
            id = Some(f.drive(&engine, id, step).await.unwrap());
        }
        ids.push(id.unwrap());
    }
    // Late: the sweep sends notices (outbox messages) and moves the clocks on.
    clock.advance_working_days(2);
    engine.sweep().await.unwrap();
    let far = f.start + chrono::Duration::days(3650);
    let due = engine.store().due(far, None, 100).await.unwrap();
    let pending = engine.store().outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
    assert!(!due.is_empty() && !pending.is_empty(), "the sample has clocks and messages");
    let mut snapshots = Vec::new();
    for id in &ids {
        snapshots.push(engine.store().load(&f.tenant, *id).await.unwrap().unwrap());
    }
    drop(engine);

    // The same rows in a schema-1 file.
    let old = dir.path().join("old.db");
    let conn = rusqlite::Connection::open(&old).unwrap();
    conn.execute_batch(MIGRATIONS[0].1).unwrap();
    conn.execute_batch(&format!(
        "INSERT INTO hazardloop_schema (version) VALUES (1);
         ATTACH '{}' AS cur;
         INSERT INTO hazardloop_events SELECT * FROM cur.hazardloop_events;
         INSERT INTO hazardloop_hazards SELECT tenant, hazard, version, head, state, ledger, stage,
             open, unit, category, grade, discovered_at, deadline, paused, as_of, title, location
             FROM cur.hazardloop_hazards;
         INSERT INTO hazardloop_due SELECT tenant, hazard, due_at FROM cur.hazardloop_hazards
             WHERE due_at IS NOT NULL;
         INSERT INTO hazardloop_outbox SELECT * FROM cur.hazardloop_outbox;
         DETACH cur;",
        current.display()
    ))
    .unwrap();
    drop(conn);

    let upgraded = SqliteStore::open(&old).unwrap();
    upgraded.migrate().unwrap();
    assert_eq!(upgraded.due(far, None, 100).await.unwrap(), due);
    assert_eq!(upgraded.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap(), pending);
    for (id, before) in ids.iter().zip(&snapshots) {
        assert_eq!(upgraded.load(&f.tenant, *id).await.unwrap().as_ref(), Some(before));
    }
    let conn = rusqlite::Connection::open(&old).unwrap();
    let version: u32 =
        conn.query_row("SELECT max(version) FROM hazardloop_schema", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

/// Schema 3: a ledger page's count reads the covering filter index alone, and the page itself
/// still walks the discovery index newest first.
#[test]
fn the_ledger_count_reads_the_filter_index_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.db");
    let store = SqliteStore::open(&path).unwrap();
    store.migrate().unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let plan = |sql: &str| -> String {
        let mut s = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = s.query_map([], |r| r.get::<_, String>(3)).unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
    };
    let filter = "tenant = 't' AND unit IN ('a', 'b') AND category = 'fire' AND open = 1 \
                  AND stage <> 'accepted' AND paused = 0 AND deadline IS NOT NULL \
                  AND deadline < 5 \
                  AND (instr(lower(title), 'x') > 0 OR instr(lower(location), 'x') > 0)";
    let count = plan(&format!("SELECT count(*) FROM hazardloop_hazards WHERE {filter}"));
    assert!(count.contains("COVERING INDEX hazardloop_hazards_filter"), "{count}");
    let any =
        plan("SELECT count(*) FROM hazardloop_hazards WHERE tenant = 't' AND grade = 'major'");
    assert!(any.contains("COVERING INDEX"), "{any}");
}

/// A schema-3 file (before inspections) upgrades to the current schema with its hazards, messages and
/// documents intact, and takes occurrences; until `migrate()` occurrences ask for it too.
#[tokio::test]
async fn a_schema_3_file_upgrades_to_take_occurrences() {
    use hazardloop_core::inspection::OccurrenceQuery;
    use hazardloop_core::store::{InspectionStore, OutboxStatus};
    use hazardloop_core::workflow::StageKind;
    use hazardloop_sqlite::MIGRATIONS;
    use hazardloop_testkit::conformance::{sample, sample_message};
    use hazardloop_testkit::inspection_conformance::{schedule_commit, scheduled};
    use hazardloop_testkit::Fixture;

    let dir = tempfile::tempdir().unwrap();
    let f = Fixture::school();
    // A hazard with a clock and a message, and a document, written by this build.
    let current = dir.path().join("current.db");
    let store = SqliteStore::open(&current).unwrap();
    store.migrate().unwrap();
    let (hazard, records) = sample(&f, StageKind::Registered);
    let commit = hazardloop_core::store::Commit {
        tenant: f.tenant.clone(),
        hazard: hazard.id,
        expected_version: 0,
        events: records.into(),
        ledger: hazardloop_core::report::LedgerRow::from_hazard(&hazard, f.start).into(),
        next_due: Some(f.start + chrono::Duration::days(1)),
        outbox: vec![sample_message(&f.tenant, &hazard, "g", f.start)],
        state: hazard.clone(),
        idempotency: None,
        numbering: None,
    };
    store.commit(commit).await.unwrap();
    store.put_document(&f.tenant, "org", "v1").await.unwrap();
    let loaded = store.load(&f.tenant, hazard.id).await.unwrap();
    let pending = store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
    drop(store);

    // The same rows in a schema-3 file.
    let old = dir.path().join("old.db");
    let conn = rusqlite::Connection::open(&old).unwrap();
    for (n, sql) in &MIGRATIONS[..3] {
        conn.execute_batch(sql).unwrap();
        conn.execute("INSERT INTO hazardloop_schema (version) VALUES (?1)", [n]).unwrap();
    }
    conn.execute_batch(&format!(
        "ATTACH '{}' AS cur;
         INSERT INTO hazardloop_events SELECT * FROM cur.hazardloop_events;
         INSERT INTO hazardloop_hazards SELECT tenant, hazard, version, head, state, ledger,
             stage, open, unit, category, grade, discovered_at, deadline, paused, as_of, title,
             location, due_at FROM cur.hazardloop_hazards;
         INSERT INTO hazardloop_outbox SELECT * FROM cur.hazardloop_outbox;
         INSERT INTO hazardloop_documents SELECT * FROM cur.hazardloop_documents;
         DETACH cur;",
        current.display()
    ))
    .unwrap();
    drop(conn);

    let upgraded = SqliteStore::open(&old).unwrap();
    let o = scheduled(&f.tenant, "patrol", &f.grid, 1, &f.people.grid_member);
    assert_eq!(
        upgraded.occurrence(&f.tenant, &o.id).await.unwrap_err(),
        StoreError::Schema("run migrate()".into())
    );
    upgraded.migrate().unwrap();
    assert_eq!(upgraded.load(&f.tenant, hazard.id).await.unwrap(), loaded);
    assert_eq!(upgraded.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap(), pending);
    assert_eq!(upgraded.document(&f.tenant, "org").await.unwrap().as_deref(), Some("v1"));
    assert_eq!(upgraded.schedule(vec![schedule_commit(&o, None)]).await.unwrap(), 1);
    let rows = upgraded.occurrences(&f.tenant, &OccurrenceQuery::default()).await.unwrap();
    assert_eq!(rows.len(), 1);
    drop(upgraded);
    let conn = rusqlite::Connection::open(&old).unwrap();
    let version: u32 =
        conn.query_row("SELECT max(version) FROM hazardloop_schema", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION, "migrated to the current schema");
}

/// Schema 4: a listing walks the tenant's (due, id) index in order (no sort), and the sweep's
/// scan reads the partial sweep index alone.
#[test]
fn occurrence_listings_and_the_sweep_scan_use_their_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.db");
    let store = SqliteStore::open(&path).unwrap();
    store.migrate().unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let plan = |sql: &str| -> String {
        let mut s = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = s.query_map([], |r| r.get::<_, String>(3)).unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
    };
    let listing = plan(
        "SELECT listing FROM hazardloop_occurrences WHERE tenant = 't' AND inspector = 'p' \
         AND unit IN ('a', 'b') AND plan = 'x' AND due >= 1 AND due < 9 \
         ORDER BY due, occurrence LIMIT 10",
    );
    assert!(listing.contains("INDEX hazardloop_occurrences_due"), "{listing}");
    assert!(!listing.contains("TEMP B-TREE"), "no sort: {listing}");
    let sweep = plan(
        "SELECT sweep_at, tenant, occurrence FROM hazardloop_occurrences \
         WHERE sweep_at <= 5 AND (sweep_at, tenant, occurrence) > (1, 't', 'o') \
         ORDER BY sweep_at, tenant, occurrence LIMIT 10",
    );
    assert!(sweep.contains("COVERING INDEX hazardloop_occurrences_sweep"), "{sweep}");
    assert!(!sweep.contains("TEMP B-TREE"), "no sort: {sweep}");
}
