//! (e) sweep time with 10 k due among 100 k and 1 M open hazards; (f) peak memory of a sweep over
//! 10 k and 100 k due hazards, each measured in a child process of its own.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use criterion::Criterion;
use hazardloop_core::engine::Engine;
use hazardloop_core::notify::Discard;
use hazardloop_sqlite::SqliteStore;
use hazardloop_testkit::{Fixture, ManualClock};

use super::population::{database, restore, sweep_at};

const CHILD: &str = "HAZARDLOOP_SQLITE_BENCH_SWEEP_CHILD";

fn engine(path: &Path) -> Engine<SqliteStore, Discard> {
    let f = Fixture::school();
    let store = SqliteStore::open(path).expect("open");
    let clock = ManualClock::new(sweep_at(&f));
    Engine::new(store, Discard, Arc::new(clock), f.policy.clone()).with_org(f.org.clone())
}

/// One full `Engine::sweep` on a restored database; returns its time and the rungs fired.
fn one_sweep(rt: &tokio::runtime::Runtime, path: &Path) -> (StdDuration, usize) {
    restore(path);
    let e = engine(path);
    let started = Instant::now();
    let report = rt.block_on(e.sweep()).expect("sweep");
    (started.elapsed(), report.fired)
}

/// (e): the same 10 k due hazards among 100 k and among 1 M.
pub(crate) fn sweep_cost(c: &mut Criterion, big: usize) {
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let mut group = c.benchmark_group("sqlite_sweep");
    group
        .sample_size(10)
        .warm_up_time(StdDuration::from_millis(1))
        .measurement_time(StdDuration::from_secs(20));
    for total in [100_000, big] {
        let path = database(total, 10_000);
        let (_, fired) = one_sweep(&rt, &path);
        println!("sweep over {total} hazards: 10000 due, {fired} rungs fired per sweep");
        assert!(fired >= 10_000, "every due hazard fires");
        group.bench_function(format!("due_10k_of_{total}"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| one_sweep(&rt, &path).0).sum())
        });
    }
    group.finish();
    super::ratio::time_at_most(
        "sqlite_sweep",
        "due_10k_of_100000",
        &format!("due_10k_of_{big}"),
        1.5,
    );
}

/// The child side of (f): sweeps the database in `CHILD` and prints its peak resident memory.
/// Returns false when this process is not such a child.
pub(crate) fn child() -> bool {
    let Some(path) = std::env::var_os(CHILD) else { return false };
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let e = engine(Path::new(&path));
    let before = status_kib("VmHWM");
    let report = rt.block_on(e.sweep()).expect("sweep");
    println!("HWM {before} {} {}", status_kib("VmHWM"), report.fired);
    true
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.trim_start_matches(':').trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// (f): peak RSS of a sweep over 10 k vs 100 k due hazards (100 k hazards in both files).
pub(crate) fn sweep_memory() {
    let mut peaks = Vec::new();
    for due in [10_000, 100_000] {
        let path = database(100_000, due);
        restore(&path);
        let out = std::process::Command::new(std::env::current_exe().expect("exe"))
            .env(CHILD, &path)
            .output()
            .expect("child");
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text.lines().find_map(|l| l.strip_prefix("HWM ")).expect("child reports");
        let v: Vec<u64> = line.split(' ').map(|x| x.parse().expect("number")).collect();
        println!(
            "sweep memory: {due} due: peak RSS {} KiB before the sweep, {} KiB after ({} rungs fired)",
            v[0], v[1], v[2]
        );
        peaks.push(v[1] as f64);
    }
    let ratio = peaks[1] / peaks[0];
    println!(
        "RATIO sqlite_sweep_memory: peak RSS 100k due / 10k due = {ratio:.2}× (target: bounded, \
         far below 10×; ≤ 1.5×) {}",
        if ratio <= 1.5 { "MET" } else { "MISSED" }
    );
}
