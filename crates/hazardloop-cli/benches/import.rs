//! `hazardloop import` of an N-row XLSX ledger (Chinese headers) against raw rusqlite inserts of
//! the same rows into the same tables (every table the import wrote), in the same run. Prints
//! `RATIO import_vs_raw_rusqlite = <raw_time/import_time>`.
//!
//! `HAZARDLOOP_BENCH_ROWS` sets N (default 20,000: ten samples of 100,000 take minutes).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

#[path = "../tests/support/ledger.rs"]
mod ledger;

fn rows() -> usize {
    std::env::var("HAZARDLOOP_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000)
}

fn cli(db: &str, args: &[&str]) {
    let mut full = vec!["hazardloop", "--db", db, "--format", "json"];
    full.extend_from_slice(args);
    let (out, err, code) = hazardloop_cli::main_with(full.iter().map(|s| s.to_string()).collect());
    assert_eq!(code, 0, "{args:?}: {out} {err}");
}

fn fresh(dir: &Path, name: &str) -> String {
    let db = dir.join(name).to_str().unwrap().to_owned();
    cli(&db, &["init", "--school", "第一中学"]);
    cli(
        &db,
        &[
            "org",
            "add-person",
            "zhang",
            "--name",
            "张安全员",
            "--unit",
            "school/security",
            "--role",
            "safety_officer",
        ],
    );
    cli(
        &db,
        &[
            "org",
            "add-person",
            "zhou",
            "--name",
            "周检查员",
            "--unit",
            "school",
            "--role",
            "inspector",
        ],
    );
    cli(&db, &["org", "add-person", "sun", "--name", "孙师傅", "--unit", "school/logistics"]);
    db
}

/// Tables with the rows an import adds (documents excluded: `init` wrote them).
fn imported_tables(conn: &rusqlite::Connection) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap();
    let names: Vec<String> =
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    names
        .into_iter()
        .filter(|n| !n.contains("document") && !n.contains("migration") && !n.contains("schema"))
        .collect()
}

/// Inserts the rows `source` has beyond `baseline` into `target`, table by table, in one
/// transaction: what the import writes, without deciding, hashing or encoding anything.
fn raw_copy(source: &str, target: &str) -> Duration {
    let src = rusqlite::Connection::open(source).unwrap();
    let mut data: Vec<(String, usize, Vec<Vec<rusqlite::types::Value>>)> = Vec::new();
    for table in imported_tables(&src) {
        let mut stmt = src.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let n = stmt.column_count();
        let rows: Vec<Vec<rusqlite::types::Value>> = stmt
            .query_map([], |r| (0..n).map(|i| r.get::<_, rusqlite::types::Value>(i)).collect())
            .unwrap()
            .map(Result::unwrap)
            .collect();
        data.push((table, n, rows));
    }
    let mut dst = rusqlite::Connection::open(target).unwrap();
    dst.pragma_update(None, "journal_mode", "WAL").unwrap();
    dst.pragma_update(None, "synchronous", "NORMAL").unwrap();
    let started = Instant::now();
    let tx = dst.transaction().unwrap();
    for (table, n, rows) in &data {
        let marks = vec!["?"; *n].join(",");
        let mut insert =
            tx.prepare(&format!("INSERT OR IGNORE INTO \"{table}\" VALUES ({marks})")).unwrap();
        for row in rows {
            insert.execute(rusqlite::params_from_iter(row.iter())).unwrap();
        }
    }
    tx.commit().unwrap();
    started.elapsed()
}

fn bench(c: &mut Criterion) {
    let n = rows();
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("台账.xlsx");
    ledger::write_xlsx(&xlsx, n);
    let file = xlsx.to_str().unwrap().to_owned();
    let mut import_times = Vec::new();
    let mut raw_times = Vec::new();
    let mut round = 0;
    let mut group = c.benchmark_group("import");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(1))
        .warm_up_time(Duration::from_millis(1));
    group.bench_function(format!("import_{n}_rows"), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                round += 1;
                let db = fresh(dir.path(), &format!("import{round}.db"));
                let started = Instant::now();
                cli(
                    &db,
                    &[
                        "--now",
                        "2025-03-05T09:00:00+08:00",
                        "--as",
                        "zhang",
                        "import",
                        &file,
                        "--quiet",
                    ],
                );
                let took = started.elapsed();
                total += took;
                import_times.push(took);
                let raw = fresh(dir.path(), &format!("raw{round}.db"));
                raw_times.push(raw_copy(&db, &raw));
            }
            total
        })
    });
    group.finish();
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (import, raw) = (median(import_times), median(raw_times));
    println!("import {n} rows: {import:?}; raw rusqlite inserts of the same rows: {raw:?}");
    println!("RATIO import_vs_raw_rusqlite = {:.3}", raw.as_secs_f64() / import.as_secs_f64());
}

criterion_group!(benches, bench);
criterion_main!(benches);
