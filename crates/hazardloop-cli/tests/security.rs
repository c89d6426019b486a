//! Security of the built `hazardloop` binary on one SQLite file: two tenants sharing `--db` see
//! only their own hazards and cannot act on the other's, and `verify` names a hazard and the
//! event whose bytes were changed on disk.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

/// Exit code of an unknown id (documented: 4 invalid input).
const INVALID: i32 = 4;
/// Exit code of a failed verification (documented: 1 anything else).
const OTHER: i32 = 1;
const PHOTO: &str = "https://files.example.cn/p.jpg,0101010101010101010101010101010101010101010101010101010101010101,image/jpeg";
/// A fixed time for reads, so two reads of an unchanged database print the same.
const LATER: &str = "2025-03-20T09:00:00+08:00";

struct Db {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl Db {
    fn new() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shared.db");
        Db { dir, path }
    }

    /// Runs the binary as `tenant` with `--format json`; returns (exit code, JSON, stderr).
    fn run(&self, tenant: &str, args: &[&str]) -> (i32, Value, String) {
        let mut command = Command::cargo_bin("hazardloop").unwrap();
        command.arg("--db").arg(&self.path).args(["--tenant", tenant]);
        if !args.contains(&"--format") {
            command.args(["--format", "json"]);
        }
        let output = command.args(args).output().unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        (output.status.code().unwrap_or(-1), json, String::from_utf8(output.stderr).unwrap())
    }

    fn ok(&self, tenant: &str, args: &[&str]) -> Value {
        let (code, json, err) = self.run(tenant, args);
        assert_eq!(code, 0, "{tenant} {args:?} failed: {err} {json}");
        json
    }

    /// Everything the tenant's ledger and timelines show, at a fixed time.
    fn state(&self, tenant: &str) -> Vec<Value> {
        let list = self.ok(tenant, &["--now", LATER, "list", "--limit", "1000"]);
        let mut state = vec![list.clone()];
        for row in list["rows"].as_array().unwrap() {
            state.push(self.ok(tenant, &["--now", LATER, "show", row["id"].as_str().unwrap()]));
        }
        state
    }

    fn ids(&self, tenant: &str) -> BTreeSet<String> {
        let list = self.ok(tenant, &["--now", LATER, "list", "--limit", "1000"]);
        list["rows"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().into()).collect()
    }
}

/// A tenant with the default units and the same person ids as every other tenant.
fn init(db: &Db, tenant: &str) {
    db.ok(tenant, &["init", "--school", "第一中学"]);
    for (id, name, unit, role) in [
        ("zhang", "张安全员", "school/security", "safety_officer"),
        ("qian", "钱处长", "school/logistics", "department_head"),
        ("zhou", "周检查员", "school", "inspector"),
        ("wang", "王校长", "school", "principal"),
        ("li", "李副校长", "school", "safety_deputy"),
        ("zheng", "郑科长", "bureau", "bureau_officer"),
    ] {
        db.ok(tenant, &["org", "add-person", id, "--name", name, "--unit", unit, "--role", role]);
    }
    db.ok(tenant, &["org", "add-person", "sun", "--name", "孙师傅", "--unit", "school/logistics"]);
}

/// Walks a new hazard of `tenant` on 3 March 2025 up to `to` (`registered`, `treating` with a
/// progress note, or `archived`); returns its id.
fn hazard(db: &Db, tenant: &str, title: &str, note: &str, to: &str) -> String {
    let at = |h: u32| format!("2025-03-03T{h:02}:00:00+08:00");
    let step = |h: u32, who: &str, args: &[&str]| {
        let mut all = vec!["--now".to_owned(), at(h), "--as".into(), who.into()];
        all.extend(args.iter().map(|s| s.to_string()));
        db.ok(tenant, &all.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let found = step(
        8,
        "zhou",
        &["discover", "--unit", "school/logistics", "--location", "教学楼", "--title", title],
    );
    let id = found["hazard"].as_str().unwrap().to_owned();
    let id = id.as_str();
    step(
        9,
        "zhang",
        &[
            "register",
            id,
            "--grade",
            "general",
            "--lec",
            "3,6,3",
            "--category",
            "buildings_construction",
            "--assignee",
            "sun",
        ],
    );
    if to == "registered" {
        return id.into();
    }
    step(10, "zhang", &["report", id]);
    step(
        11,
        "sun",
        &[
            "start",
            id,
            "--deadline",
            "2025-03-06",
            "--measures",
            "更换螺栓",
            "--contingency",
            "设置警示",
        ],
    );
    step(12, "sun", &["progress", id, "--note", note, "--percent", "50"]);
    if to == "treating" {
        return id.into();
    }
    step(13, "sun", &["complete", id, "--summary", "已更换", "--evidence", PHOTO]);
    step(14, "zhou", &["accept", id, "--pass"]);
    step(15, "zhang", &["close", id]);
    let done = step(16, "zhang", &["archive", id]);
    assert_eq!(done["stage"], "archived");
    id.into()
}

#[test]
fn two_tenants_sharing_one_file_see_only_their_own_hazards() {
    let db = Db::new();
    init(&db, "north");
    init(&db, "south");
    let north = BTreeSet::from([
        hazard(&db, "north", "北校扶手松动", "已订购配件", "archived"),
        hazard(&db, "north", "北校消防通道堵塞", "", "registered"),
    ]);
    let south = BTreeSet::from([hazard(&db, "south", "南校配电箱未上锁", "已上锁", "treating")]);
    for (tenant, mine, theirs, own_title, other_title) in
        [("north", &north, &south, "北校", "南校"), ("south", &south, &north, "南校", "北校")]
    {
        assert_eq!(&db.ids(tenant), mine, "{tenant}'s list is its own");
        let stats = db.ok(tenant, &["stats", "--period", "2025-03"]);
        assert_eq!(stats["table"]["total"]["discovered"], mine.len(), "{tenant}'s statistics");
        let verified = db.ok(tenant, &["verify"]);
        assert_eq!(verified["verified"], mine.len(), "{tenant} verifies its own hazards");
        let out = db.dir.path().join(format!("{tenant}.csv"));
        let out_arg = out.to_str().unwrap();
        db.ok(tenant, &["--format", "csv", "export", "--what", "ledger", "--out", out_arg]);
        let csv = std::fs::read_to_string(&out).unwrap();
        // The export names hazards by their numbers (隐患编号), which each tenant counts on its
        // own: the titles tell the tenants apart.
        let list = db.ok(tenant, &["list"]);
        let numbers: Vec<&str> = list["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["number"].as_str().unwrap())
            .collect();
        assert_eq!(numbers.len(), mine.len());
        assert!(numbers.iter().all(|n| csv.contains(n)), "{tenant}'s export: {csv}");
        assert_eq!(csv.lines().count(), mine.len() + 1, "{tenant}'s export: {csv}");
        assert!(csv.contains(own_title) && !csv.contains(other_title), "{tenant}'s export: {csv}");
        for id in theirs {
            for args in [vec!["show", id.as_str()], vec!["verify", id.as_str()]] {
                let (code, json, err) = db.run(tenant, &args);
                assert_eq!(code, INVALID, "{tenant} {args:?}: {err}");
                assert_eq!(json["kind"], "invalid", "{json}");
                assert!(err.contains(id.as_str()), "the message names the id: {err}");
            }
        }
    }
}

#[test]
fn commands_on_the_other_tenants_hazard_are_not_found_and_change_nothing() {
    let db = Db::new();
    init(&db, "north");
    init(&db, "south");
    let archived = hazard(&db, "north", "北校扶手松动", "已订购配件", "archived");
    let registered = hazard(&db, "north", "北校消防通道堵塞", "", "registered");
    let treating = hazard(&db, "north", "北校配电箱未上锁", "已上锁", "treating");
    hazard(&db, "south", "南校围墙裂缝", "已加固", "treating");
    let (north_before, south_before) = (db.state("north"), db.state("south"));
    let now = "2025-03-04T09:00:00+08:00";
    // The same person ids exist in both tenants: only the tenant keeps them apart.
    let attempts: Vec<(&str, Vec<&str>)> = vec![
        ("zhang", vec!["report", &registered]),
        ("zhang", vec!["dismiss", &registered, "--note", "重复", "--requested-by", "sun"]),
        (
            "zhang",
            vec![
                "register",
                &registered,
                "--colour",
                "blue",
                "--category",
                "fire",
                "--assignee",
                "sun",
            ],
        ),
        ("sun", vec!["progress", &treating, "--note", "跨租户"]),
        ("sun", vec!["complete", &treating, "--summary", "跨租户", "--evidence", PHOTO]),
        ("sun", vec!["extend", &treating, "--to", "2025-03-20", "--reason", "跨租户"]),
        ("qian", vec!["extend", &treating, "--grant"]),
        (
            "sun",
            vec![
                "start",
                &treating,
                "--deadline",
                "2025-03-06",
                "--measures",
                "x",
                "--contingency",
                "y",
            ],
        ),
        ("zhou", vec!["accept", &treating, "--pass"]),
        ("zhou", vec!["accept", &treating, "--fail", "--reason", "跨租户"]),
        ("zhang", vec!["close", &treating]),
        ("zhang", vec!["archive", &archived]),
        ("zheng", vec!["close", &archived]),
    ];
    for (who, args) in &attempts {
        let mut all = vec!["--now", now, "--as", who];
        all.extend(args.iter().copied());
        let (code, json, err) = db.run("south", &all);
        assert_eq!(code, INVALID, "south {all:?} should not find north's hazard: {err} {json}");
        assert_eq!(json["ok"], false);
        assert!(err.contains("没有隐患"), "{err}");
    }
    assert_eq!(db.state("north"), north_before, "north is unchanged");
    assert_eq!(db.state("south"), south_before, "south is unchanged");
    assert_eq!(db.ok("north", &["verify"])["verified"], 3);
}

/// Sets the byte at `offset` into `pattern` to `to` wherever the pattern lies on disk, as someone
/// with access to the files would: in the database file (live pages and stale copies on free
/// pages) and in the write-ahead log, whose frame checksums are then recomputed so SQLite still
/// takes the frames. The patterns name an event's record only (the snapshot stores the same
/// note inside a list, `"progress":[{"note":…`).
fn edit_byte(db: &Db, pattern: &str, offset: usize, to: u8) {
    let mut found = 0;
    let mut main = std::fs::read(&db.path).unwrap();
    found += replace_all(&mut main, pattern.as_bytes(), offset, to);
    std::fs::write(&db.path, main).unwrap();
    let wal_path = db.path.with_extension("db-wal");
    if let Ok(mut wal) = std::fs::read(&wal_path) {
        let valid = valid_frames(&wal);
        found += replace_all(&mut wal, pattern.as_bytes(), offset, to);
        rechecksum(&mut wal, valid);
        std::fs::write(&wal_path, wal).unwrap();
        // The shared-memory index caches the log's last checksum; without it SQLite rebuilds
        // the index from the log on the next open (no process has the file open now).
        let _ = std::fs::remove_file(db.path.with_extension("db-shm"));
    }
    assert!(found > 0, "`{pattern}` is on disk");
}

fn replace_all(bytes: &mut [u8], needle: &[u8], offset: usize, to: u8) -> usize {
    let at: Vec<usize> = bytes
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect();
    for &i in &at {
        bytes[i + offset] = to;
    }
    at.len()
}

const WAL_HEADER: usize = 32;
const FRAME_HEADER: usize = 24;

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

/// SQLite's WAL checksum over `data`, continuing from `s` (words in the log's byte order).
fn wal_checksum(big_endian: bool, data: &[u8], mut s: (u32, u32)) -> (u32, u32) {
    for pair in data.chunks_exact(8) {
        let word = |b: &[u8]| {
            let b: [u8; 4] = b.try_into().unwrap();
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        s.0 = s.0.wrapping_add(word(&pair[..4])).wrapping_add(s.1);
        s.1 = s.1.wrapping_add(word(&pair[4..])).wrapping_add(s.0);
    }
    s
}

/// The number of frames SQLite would accept: salts match the header and checksums chain.
fn valid_frames(wal: &[u8]) -> usize {
    if wal.len() < WAL_HEADER {
        return 0;
    }
    let big = be32(wal, 0) & 1 == 1;
    let page = be32(wal, 8) as usize;
    let mut s = (be32(wal, 24), be32(wal, 28));
    let mut n = 0;
    let mut at = WAL_HEADER;
    while at + FRAME_HEADER + page <= wal.len() {
        let frame = &wal[at..at + FRAME_HEADER + page];
        if frame[8..16] != wal[16..24] {
            break;
        }
        s = wal_checksum(big, &frame[..8], s);
        s = wal_checksum(big, &frame[FRAME_HEADER..], s);
        if (s.0, s.1) != (be32(frame, 16), be32(frame, 20)) {
            break;
        }
        n += 1;
        at += FRAME_HEADER + page;
    }
    n
}

/// Recomputes the checksums of the first `frames` frames after their pages were edited.
fn rechecksum(wal: &mut [u8], frames: usize) {
    if wal.len() < WAL_HEADER {
        return;
    }
    let big = be32(wal, 0) & 1 == 1;
    let page = be32(wal, 8) as usize;
    let mut s = (be32(wal, 24), be32(wal, 28));
    for i in 0..frames {
        let at = WAL_HEADER + i * (FRAME_HEADER + page);
        s = wal_checksum(big, &wal[at..at + 8], s);
        s = wal_checksum(big, &wal[at + FRAME_HEADER..at + FRAME_HEADER + page], s);
        wal[at + 16..at + 20].copy_from_slice(&s.0.to_be_bytes());
        wal[at + 20..at + 24].copy_from_slice(&s.1.to_be_bytes());
    }
}

#[test]
fn verify_names_the_hazard_and_event_whose_bytes_were_changed_on_disk() {
    let db = Db::new();
    init(&db, "north");
    let clean = hazard(&db, "north", "北校扶手松动", "clean-note", "archived");
    let edited = hazard(&db, "north", "北校消防通道堵塞", "edited-note", "archived");
    let broken = hazard(&db, "north", "北校配电箱未上锁", "broken-note", "treating");
    assert_eq!(db.ok("north", &["verify"])["verified"], 3, "nothing is changed yet");
    // The progress note is event 9 of each walk. One letter of it: the JSON stays valid.
    edit_byte(&db, r#""progress":{"note":"edited-note""#, 20, b'E');
    // The brace that opens the other progress record: the JSON no longer parses.
    edit_byte(&db, r#""progress":{"note":"broken-note""#, 11, b'[');
    for (id, tenant_args) in
        [(&edited, vec!["verify", edited.as_str()]), (&broken, vec!["verify", broken.as_str()])]
    {
        let (code, json, err) = db.run("north", &tenant_args);
        assert_eq!(code, OTHER, "{err} {json}");
        let message = json["message"].as_str().unwrap();
        assert!(message.contains(id.as_str()) && message.contains("第 9 条事件"), "{message}");
        assert!(err.contains(id.as_str()) && err.contains("第 9 条事件"), "{err}");
        let why = if *id == edited { "哈希值不符" } else { "无法解析" };
        assert!(message.contains(why), "{message}");
    }
    // Verifying everything names every changed hazard; the clean one still verifies.
    let (code, json, _) = db.run("north", &["verify"]);
    assert_eq!(code, OTHER);
    let message = json["message"].as_str().unwrap();
    assert!(message.contains(&edited) && message.contains(&broken), "{message}");
    assert!(!message.contains(&clean), "{message}");
    assert_eq!(db.ok("north", &["verify", &clean])["verified"], 1);
    // Showing the hazard whose record no longer parses names the event too.
    let (code, _, err) = db.run("north", &["show", &broken]);
    assert_eq!(code, OTHER, "{err}");
    assert!(err.contains(broken.as_str()) && err.contains("第 9 条事件"), "{err}");
}
