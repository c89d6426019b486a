//! City scale: a year's statistics table for the bureau and a filtered ledger page over a large
//! population, each against the hand-written SQL that gives the same result.
//!
//! The population: `total` hazards found over three years (2023–2025) in the fixture's units,
//! in six categories (one in twenty uncategorised), at every stage: found, registered, treating
//! (overdue or not, some paused), accepted and not closed, closed, dismissed; with reworks,
//! extensions and escalations. Built once through the store's own commit (a template hazard's
//! state and chained events, a ledger row drawn per hazard) and cached under the target dir.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::Criterion;
use hazardloop_core::engine::Engine;
use hazardloop_core::escalation::Action;
use hazardloop_core::model::{Category, Grade, HazardId, UnitId};
use hazardloop_core::notify::Discard;
use hazardloop_core::report::{LedgerFilter, Page, Period, StatsTable};
use hazardloop_core::store::LedgerQuery;
use hazardloop_core::workflow::StageKind;
use hazardloop_sqlite::SqliteStore;
use hazardloop_testkit::{Fixture, ManualClock};
use rusqlite::Connection;

use super::population::{copy, fill, template};
use super::ratio::time_at_most;

const CATEGORIES: [&str; 6] =
    ["fire", "electrical", "buildings_construction", "food", "lab", "traffic"];

fn year_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).single().expect("instant")
}

/// The engine's clock: a fortnight after the population's last discovery.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 15, 0, 0, 0).single().expect("instant")
}

/// A small deterministic mix of `i`.
fn mix(i: u64, salt: u64) -> u64 {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 29)
}

fn units(f: &Fixture) -> [UnitId; 4] {
    [f.school.clone(), f.logistics.clone(), f.security.clone(), f.grid.clone()]
}

/// Hazard `i` of `total`: its ledger row drawn from `i`.
fn commit(
    f: &Fixture,
    t: &super::population::Template,
    i: u64,
    total: u64,
) -> hazardloop_core::store::Commit {
    let span = (now() - Duration::days(14) - year_start()).num_seconds() as u64;
    let found = year_start() + Duration::seconds((span * i / total + mix(i, 1) % 3600) as i64);
    let mut c = copy(f, t, HazardId::new_at(found), found);
    let r = std::sync::Arc::make_mut(&mut c.ledger);
    let day = |n: i64| found + Duration::days(n) + Duration::seconds((mix(i, 2) % 7200) as i64);
    let unit = &units(f)[(mix(i, 3) % 4) as usize];
    r.discovered_at = found;
    r.title = format!("扶手松动 {} 号", mix(i, 4) % 1000);
    r.location = format!("{} 楼 {} 室", mix(i, 5) % 9 + 1, mix(i, 6) % 40 + 1);
    r.category = (mix(i, 7) % 20 != 0)
        .then(|| Category::new(CATEGORIES[(mix(i, 8) % 6) as usize]).expect("category"));
    let stage = match mix(i, 9) % 20 {
        0 => StageKind::Discovered,
        1 => StageKind::Registered,
        2..=4 => StageKind::Treating,
        5 => StageKind::Accepted,
        6 => StageKind::Dismissed,
        _ => StageKind::Closed,
    };
    // The newest hazards have not got far.
    let stage = if found > now() - Duration::days(20) && stage == StageKind::Closed {
        StageKind::Treating
    } else {
        stage
    };
    r.stage = stage;
    let mut last = found;
    if stage == StageKind::Dismissed {
        r.dismissed_at = Some(day(1));
        last = day(1);
    }
    if !matches!(stage, StageKind::Discovered | StageKind::Dismissed) {
        r.registered_at = Some(day(1));
        r.grade = Some(if mix(i, 10) % 50 == 0 { Grade::Major } else { Grade::General });
        r.responsible_unit = Some(unit.clone());
        r.assignee = Some(f.people.logistics_head.clone());
        r.deadline = Some(day(15));
        last = day(1);
    }
    if matches!(stage, StageKind::Treating | StageKind::Accepted | StageKind::Closed) {
        r.measures = Some("更换扶手".into());
        if mix(i, 11) % 8 == 0 {
            r.extensions_granted_at = vec![day(12)];
            r.deadline = Some(day(25));
            last = day(12);
        }
        if mix(i, 12) % 10 == 0 {
            r.escalations = vec![(day(16), Action::Overdue), (day(20), Action::SupervisionLetter)];
        }
        if stage == StageKind::Treating && mix(i, 13) % 10 == 0 {
            r.paused_since = Some(day(5));
        }
    }
    if matches!(stage, StageKind::Accepted | StageKind::Closed) {
        let done = (mix(i, 14) % 25) as i64 + 3;
        if mix(i, 15) % 6 == 0 {
            r.failed_at = vec![day(done)];
            r.reworks = 1;
        }
        r.completed_at = Some(day(done + 1));
        r.accepted_at = Some(day(done + 2));
        r.accepted_by = Some(f.people.principal.clone());
        last = day(done + 2);
        if stage == StageKind::Closed {
            r.closed_at = Some(day(done + 3));
            last = day(done + 3);
        }
    }
    for (at, _) in &r.escalations {
        last = last.max(*at);
    }
    r.as_of = last.min(now());
    r.overdue = r.is_overdue_at(r.as_of);
    c
}

/// The cached city database of `total` hazards.
pub(crate) fn database(total: usize) -> PathBuf {
    let dir = super::ratio::target_dir().join("bench-data");
    std::fs::create_dir_all(&dir).expect("bench-data dir");
    let path = dir.join(format!("city-v1-{total}.db"));
    if path.exists() {
        return path;
    }
    let building = dir.join(format!("city-v1-{total}.building.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", building.display()));
    }
    let started = Instant::now();
    build(&building, total);
    std::fs::rename(&building, &path).expect("rename");
    println!("built {} in {:.0} s", path.display(), started.elapsed().as_secs_f64());
    path
}

fn build(path: &Path, total: usize) {
    let f = Fixture::school();
    let t = template(&f, year_start());
    let store = fill(path, &f, total, |i| commit(&f, &t, i as u64, total as u64));
    drop(store);
    let conn = Connection::open(path).expect("open");
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").expect("checkpoint");
}

fn engine(path: &Path) -> Engine<SqliteStore, Discard> {
    let f = Fixture::school();
    let store = SqliteStore::open(path).expect("open");
    store.migrate().expect("migrate"); // a cached file of an older schema
    Engine::new(store, Discard, Arc::new(ManualClock::new(now())), f.policy.clone())
        .with_org(f.org.clone())
}

/// A ledger time (RFC 3339, `Z`) as nanoseconds, in SQL.
fn ns(t: &str) -> String {
    format!(
        "(unixepoch(substr({t}, 1, 19)) * 1000000000 + CASE WHEN substr({t}, 20, 1) = '.' \
         THEN CAST(substr(substr({t}, 21, instr({t}, 'Z') - 21) || '000000000', 1, 9) \
         AS INTEGER) ELSE 0 END)"
    )
}

/// The statistics counts per (unit, category), written by hand as one flat `GROUP BY` over the
/// stored rows: the numbers `Engine::statistics` must give. Parameters: tenant, start, end, now.
fn hand_written_group_by() -> String {
    let j = |field: &str| ns(&format!("json_extract(ledger, '$.{field}')"));
    let a = "max(as_of, ?4)";
    let within = |t: &str| format!("coalesce({t} >= ?2 AND {t} < ?3, 0)");
    let happened = |t: &str| format!("coalesce({t} < ?3 AND {t} <= {a}, 0)");
    let found = within("discovered_at");
    let acc = j("accepted_at");
    let open = format!(
        "({} AND NOT {} AND NOT {})",
        happened("discovered_at"),
        happened(&j("closed_at")),
        happened(&j("dismissed_at"))
    );
    let count_in = |path: &str| {
        format!(
            "(SELECT count(*) FROM json_each(ledger, '$.{path}') WHERE {})",
            within(&ns("value"))
        )
    };
    format!(
        "SELECT unit, category,
            sum({found}),
            sum({}),
            sum({found} AND coalesce(grade = 'major', 0)),
            sum({found} AND {}),
            sum({found} AND {}),
            sum({}),
            sum({} AND coalesce({} <= deadline, 0)),
            sum({open}),
            sum({open} AND coalesce(deadline < min(?3, {a}), 0) AND NOT {} AND NOT {}),
            sum({}), sum({}),
            sum((SELECT count(*) FROM json_each(ledger, '$.escalations') WHERE {})),
            group_concat(CASE WHEN {} THEN ({acc} - discovered_at) / 1000000000 END)
         FROM hazardloop_hazards WHERE tenant = ?1 GROUP BY unit, category",
        within(&j("registered_at")),
        happened(&acc),
        happened(&j("dismissed_at")),
        within(&acc),
        within(&acc),
        j("completed_at"),
        happened(&acc),
        happened(&j("paused_since")),
        count_in("failed_at"),
        count_in("extensions_granted_at"),
        within(&ns("json_extract(value, '$[0]')")),
        within(&acc),
    )
}

type HandRow = (String, Option<String>, [i64; 12]);

fn run_hand_written(
    conn: &Connection,
    sql: &str,
    tenant: &str,
    b: (i64, i64, i64),
) -> Vec<HandRow> {
    let mut s = conn.prepare_cached(sql).expect("prepare");
    let rows = s
        .query_map(rusqlite::params![tenant, b.0, b.1, b.2], |r| {
            let mut counts = [0_i64; 12];
            for (k, c) in counts.iter_mut().enumerate() {
                *c = r.get(k + 2)?;
            }
            let _: Option<String> = r.get(14)?;
            Ok((r.get(0)?, r.get(1)?, counts))
        })
        .expect("query");
    rows.collect::<Result<_, _>>().expect("rows")
}

/// The hand-written counts agree with the table's cells.
fn check_same_numbers(table: &StatsTable, hand: &[HandRow]) {
    assert_eq!(table.cells.len(), hand.len(), "as many cells");
    for (unit, category, c) in hand {
        let cell = table
            .cells
            .iter()
            .find(|x| {
                x.unit.as_str() == unit
                    && x.category.as_ref().map(Category::as_str) == category.as_deref()
            })
            .expect("the cell");
        let s = &cell.stats;
        let esc: usize = s.escalations.values().sum();
        let mine = [
            s.discovered,
            s.registered,
            s.major,
            s.discovered_rectified,
            s.discovered_dismissed,
            s.rectified,
            s.rectified_on_time,
            s.open,
            s.overdue,
            s.reworks,
            s.extensions,
            esc,
        ];
        let theirs: Vec<usize> = c.iter().map(|&v| v as usize).collect();
        assert_eq!(mine.as_slice(), theirs.as_slice(), "cell {unit} {category:?}");
    }
}

/// Whether `HAZARDLOOP_SQLITE_CITY_PARTS` picks `part` (`statistics,ledger`, default both).
fn city_wants(part: &str) -> bool {
    let parts = std::env::var("HAZARDLOOP_SQLITE_CITY_PARTS").unwrap_or_default();
    parts.is_empty() || parts.split(',').any(|p| p.trim() == part)
}

/// The p-th percentile (0–100) of `times`.
fn percentile(times: &mut [StdDuration], p: f64) -> StdDuration {
    times.sort();
    let k = ((times.len() as f64 - 1.0) * p / 100.0).round() as usize;
    times[k.min(times.len() - 1)]
}

pub(crate) fn city(c: &mut Criterion, total: usize) {
    let path = database(total);
    let f = Fixture::school();
    let e = engine(&path);
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let period = Period::year(2025).expect("year");
    let conn = Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open");
    if city_wants("statistics") {
        statistics(c, &rt, &e, &conn, &f, &period, total);
    }
    if city_wants("ledger") {
        ledger_page(&rt, &e, &conn, &f, total);
    }
}

/// A year's statistics table through the engine against the hand-written `GROUP BY`.
fn statistics(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    e: &Engine<SqliteStore, Discard>,
    conn: &Connection,
    f: &Fixture,
    period: &Period,
    total: usize,
) {
    let bounds = period.bounds(f.policy.calendar());
    let b = (
        bounds.0.timestamp_nanos_opt().expect("ns"),
        bounds.1.timestamp_nanos_opt().expect("ns"),
        now().timestamp_nanos_opt().expect("ns"),
    );
    let hand = hand_written_group_by();
    let tenant = f.tenant.as_str();
    let table = rt.block_on(e.statistics(&f.tenant, period)).expect("statistics");
    check_same_numbers(&table, &run_hand_written(conn, &hand, tenant, b));
    println!(
        "city over {total} hazards: {} cells; 2025: {} found, {} open at the end, {} overdue",
        table.cells.len(),
        table.total.discovered,
        table.total.open,
        table.total.overdue
    );

    let mut group = c.benchmark_group("sqlite_city");
    group.sample_size(10).warm_up_time(StdDuration::from_millis(1));
    group.measurement_time(StdDuration::from_secs(if total > 200_000 { 60 } else { 15 }));
    group.bench_function("hand_written_group_by", |bench| {
        bench.iter(|| run_hand_written(conn, &hand, tenant, b))
    });
    group.bench_function("engine_statistics", |bench| {
        bench.iter(|| rt.block_on(e.statistics(&f.tenant, period)).expect("statistics"))
    });
    group.finish();
}

/// A filtered ledger page of 50 (unit subtree, category, overdue, text) through the engine
/// against the raw query on the same index, p99 of many runs each.
fn ledger_page(
    rt: &tokio::runtime::Runtime,
    e: &Engine<SqliteStore, Discard>,
    conn: &Connection,
    f: &Fixture,
    total: usize,
) {
    let filter = LedgerFilter {
        unit: Some(f.school.clone()),
        category: Some(Category::new("fire").expect("category")),
        overdue: Some(true),
        text: Some("扶手".into()),
        ..LedgerFilter::default()
    };
    let page = Page { offset: 0, limit: 50 };
    let org = f.org.clone();
    let query = LedgerQuery::new(&filter, &org, Some(now()), page);
    let units = query.units.clone().unwrap_or_default();
    let marks = vec!["?"; units.len()].join(", ");
    let raw = format!(
        "SELECT ledger FROM hazardloop_hazards WHERE tenant = ? AND unit IN ({marks})
           AND category = ? AND open = 1 AND stage <> 'accepted' AND paused = 0
           AND deadline IS NOT NULL AND deadline < ?
           AND (instr(lower(title), ?) > 0 OR instr(lower(location), ?) > 0)
         ORDER BY discovered_at DESC, hazard DESC LIMIT 50"
    );
    let mut params: Vec<rusqlite::types::Value> = vec![f.tenant.as_str().to_owned().into()];
    params.extend(units.iter().map(|u| u.as_str().to_owned().into()));
    params.push("fire".to_owned().into());
    params.push(now().timestamp_nanos_opt().expect("ns").into());
    params.push("扶手".to_owned().into());
    params.push("扶手".to_owned().into());
    let run_raw = || {
        let mut s = conn.prepare_cached(&raw).expect("prepare");
        let rows: Vec<String> = s
            .query_map(rusqlite::params_from_iter(params.iter()), |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        rows
    };
    let got = rt.block_on(e.ledger(&f.tenant, &filter, page)).expect("ledger");
    assert_eq!(got.rows.len(), run_raw().len(), "the same page");
    assert_eq!(got.rows.len(), 50, "a full page");
    let runs = 400;
    let sample = |f: &mut dyn FnMut()| {
        for _ in 0..20 {
            f();
        }
        let mut times: Vec<StdDuration> = (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect();
        (percentile(&mut times, 50.0), percentile(&mut times, 99.0))
    };
    let (raw50, raw99) = sample(&mut || {
        std::hint::black_box(run_raw());
    });
    let count = format!(
        "SELECT count(*) FROM hazardloop_hazards WHERE {}",
        raw.split_once("WHERE ").expect("where").1.split_once("ORDER BY").expect("order").0
    );
    let (both50, both99) = sample(&mut || {
        let mut s = conn.prepare_cached(&count).expect("prepare");
        let n: i64 =
            s.query_row(rusqlite::params_from_iter(params.iter()), |r| r.get(0)).expect("count");
        std::hint::black_box((n, run_raw()));
    });
    let (eng50, eng99) = sample(&mut || {
        std::hint::black_box(rt.block_on(e.ledger(&f.tenant, &filter, page)).expect("ledger"));
    });
    let ratio = eng99.as_secs_f64() / raw99.as_secs_f64();
    println!(
        "RATIO sqlite_city: engine_ledger_page p99 {:.2} ms (p50 {:.2} ms) / raw_indexed_query \
         p99 {:.2} ms (p50 {:.2} ms) = {ratio:.2}× (target ≤ 3×) {} [{total} hazards, {} of \
         {}{} matching (the count stops {} rows past the page), {runs} runs each]",
        eng99.as_secs_f64() * 1e3,
        eng50.as_secs_f64() * 1e3,
        raw99.as_secs_f64() * 1e3,
        raw50.as_secs_f64() * 1e3,
        if ratio <= 3.0 { "MET" } else { "MISSED" },
        got.rows.len(),
        got.total,
        if got.total_capped { "+" } else { "" },
        got.total.saturating_sub(page.offset + page.limit),
    );
    println!(
        "INFO sqlite_city: raw count and page (what the page's total costs, JSON not decoded) \
         p99 {:.2} ms (p50 {:.2} ms): engine_ledger_page p99 is {:.2}× that",
        both99.as_secs_f64() * 1e3,
        both50.as_secs_f64() * 1e3,
        eng99.as_secs_f64() / both99.as_secs_f64()
    );
}

/// The statistics ratio, once criterion has written its estimates.
pub(crate) fn report(total: usize) {
    if !city_wants("statistics") {
        return;
    }
    print!("[{total} hazards] ");
    time_at_most("sqlite_city", "hand_written_group_by", "engine_statistics", 2.0);
}
