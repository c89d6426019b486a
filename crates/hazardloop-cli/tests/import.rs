//! `hazardloop import` of real ledgers: XLSX and CSV with the common Chinese headers, a mapping
//! file, idempotent re-imports, a dry run that changes nothing, bad rows by line, and closed
//! historical rows that come in closed and are never escalated.
//!
//! `HAZARDLOOP_IMPORT_ROWS` sets the large workbook's rows (default 2,000; 100,000 in release).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use serde_json::Value;

mod support;

use support::ledger::write_xlsx;

struct Db {
    dir: tempfile::TempDir,
    path: String,
}

impl Db {
    fn new() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hazardloop.db").to_str().unwrap().to_owned();
        let db = Db { dir, path };
        // The same school as every CLI test's, set up in process (this file imports a lot).
        db.ok(&["init", "--school", "第一中学", "--bureau", "区教育局"]);
        for (id, name, unit, role) in support::PEOPLE {
            db.ok(&["org", "add-person", id, "--name", name, "--unit", unit, "--role", role]);
        }
        db.ok(&["org", "add-person", "sun", "--name", "孙师傅", "--unit", "school/logistics"]);
        db
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> (i32, Value, String) {
        let mut full = vec!["hazardloop", "--db", &self.path, "--format", "json"];
        full.extend_from_slice(args);
        let (out, err, code) =
            hazardloop_cli::main_with(full.iter().map(|s| s.to_string()).collect());
        let json = serde_json::from_str(out.trim()).unwrap_or(Value::Null);
        (code, json, err)
    }

    fn ok(&self, args: &[&str]) -> Value {
        let (code, json, err) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {err} {json}");
        json
    }

    /// The database file's bytes and every table's rows, sorted.
    fn snapshot(&self) -> (Vec<u8>, Vec<(String, Vec<String>)>) {
        let bytes = std::fs::read(&self.path).unwrap();
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let mut names = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap();
        let names: Vec<String> =
            names.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        let tables = names
            .into_iter()
            .map(|name| {
                let mut stmt = conn.prepare(&format!("SELECT * FROM \"{name}\"")).unwrap();
                let n = stmt.column_count();
                let mut rows: Vec<String> = stmt
                    .query_map([], |r| {
                        Ok((0..n)
                            .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                            .collect::<Vec<_>>()
                            .join("|"))
                    })
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                rows.sort();
                (name, rows)
            })
            .collect();
        (bytes, tables)
    }
}

const NOW: &str = "2025-03-05T09:00:00+08:00";

fn import(db: &Db, file: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["--now", NOW, "--as", "zhang", "import", file.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    db.run(&args)
}

#[test]
fn a_large_xlsx_imports_once_a_second_run_imports_nothing_and_a_dry_run_changes_nothing() {
    let rows: usize =
        std::env::var("HAZARDLOOP_IMPORT_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let db = Db::new();
    let xlsx = db.file("台账.xlsx");
    write_xlsx(&xlsx, rows);

    let before = db.snapshot();
    let started = std::time::Instant::now();
    let (code, dry, err) = import(&db, &xlsx, &["--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        (dry["imported"].as_u64(), dry["dry_run"].as_bool()),
        (Some(rows as u64), Some(true))
    );
    assert!(db.snapshot() == before, "a dry run changes neither the file's bytes nor any table");

    let started_import = std::time::Instant::now();
    let (code, first, err) = import(&db, &xlsx, &[]);
    assert_eq!(code, 0, "{err}");
    eprintln!(
        "{rows} rows: dry run {:?}, import {:?}",
        started_import - started,
        started_import.elapsed()
    );
    assert_eq!(first["imported"].as_u64(), Some(rows as u64), "{first}");
    // A page counts `limits.ledger_count` (1000) rows past its end: the first page's total stops
    // there, the last page's is exact.
    let first_page = db.ok(&["--now", NOW, "list", "--limit", "1"]);
    assert_eq!(
        (first_page["total"].as_u64(), first_page["total_capped"].as_bool()),
        (Some(rows.min(1001) as u64), Some(rows > 1001))
    );
    let last = (rows - 1).to_string();
    let list = db.ok(&["--now", NOW, "list", "--offset", &last, "--limit", "1"]);
    assert_eq!(list["total"].as_u64(), Some(rows as u64));
    assert_eq!(list["total_capped"].as_bool(), Some(false));

    let after = db.snapshot();
    let (code, second, err) = import(&db, &xlsx, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(second["imported"], 0, "{second}");
    assert_eq!(second["already_imported"].as_u64(), Some(rows as u64));
    let list = db.ok(&["--now", NOW, "list", "--offset", &last, "--limit", "1"]);
    assert_eq!(list["total"].as_u64(), Some(rows as u64));
    assert!(db.snapshot().1 == after.1, "a second import writes nothing");

    let settled = db.snapshot();
    let (_, dry, _) = import(&db, &xlsx, &["--dry-run"]);
    assert_eq!(
        (dry["imported"].as_u64(), dry["already_imported"].as_u64()),
        (Some(0), Some(rows as u64))
    );
    assert!(db.snapshot() == settled, "a dry run after the import changes nothing either");
}

#[test]
fn bad_rows_are_reported_by_line_with_a_reason_and_good_rows_are_imported() {
    let db = Db::new();
    let csv = db.file("ledger.csv");
    std::fs::write(
        &csv,
        "\u{feff}序号,排查时间,隐患部位,隐患描述,隐患等级,责任部门,责任人,整改时限\n\
         1,2025-03-03 09:00,食堂后厨,燃气管老化：软管开裂,一般,后勤管理处,孙师傅,2025-03-20\n\
         2,2025-03-03 09:00,操场,围栏破损,一般,后勤管理处,李四,2025-03-20\n\
         3,2025-13-45,操场,围栏破损,一般,后勤管理处,孙师傅,2025-03-20\n\
         4,2025-03-03 09:00,,灯管脱落,一般,后勤管理处,孙师傅,2025-03-20\n\
         5,2025-03-04 09:00,实验楼,灯管脱落,特大,后勤管理处,孙师傅,2025-03-21\n",
    )
    .unwrap();
    let (code, json, _) = import(&db, &csv, &[]);
    assert_eq!(code, 4);
    assert_eq!(json["imported"], 1);
    let bad: Vec<(u64, String)> = json["bad"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["line"].as_u64().unwrap(), b["reason"].as_str().unwrap().to_owned()))
        .collect();
    let lines: Vec<u64> = bad.iter().map(|b| b.0).collect();
    assert_eq!(lines, vec![3, 4, 5, 6], "{json}");
    assert!(bad[0].1.contains("责任人") && bad[0].1.contains("李四"), "{}", bad[0].1);
    assert!(bad[1].1.contains("排查时间"), "{}", bad[1].1);
    assert!(bad[2].1.contains("隐患部位") && bad[2].1.contains("必填"), "{}", bad[2].1);
    assert!(bad[3].1.contains("隐患等级"), "{}", bad[3].1);

    // The same file in English: the reasons are English, and the good row is already in.
    let (_, en, _) =
        db.run(&["--lang", "en", "--now", NOW, "--as", "zhang", "import", csv.to_str().unwrap()]);
    assert_eq!((en["imported"].as_u64(), en["already_imported"].as_u64()), (Some(0), Some(1)));
    let reason = en["bad"][2]["reason"].as_str().unwrap();
    assert!(reason.contains("location") && reason.contains("required"), "{reason}");
    assert!(
        !reason.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "one language: {reason}"
    );
}

#[test]
fn a_hazard_closed_in_2024_comes_in_closed_with_its_dates_and_a_sweep_sends_nothing_for_it() {
    let db = Db::new();
    let csv = db.file("2024.csv");
    std::fs::write(
        &csv,
        "序号,排查时间,隐患部位,隐患描述,隐患等级,整改措施,责任部门,责任人,整改时限,整改情况,验收人,验收时间,销号时间\n\
         7,2024-03-01 09:00,实验楼三层,消防通道堵塞,一般,清理杂物,后勤管理处,孙师傅,2024-03-08,已清理,周检查员,2024-03-10 10:00,2024-03-12 16:00\n\
         8,2024-05-01 09:00,操场,围栏破损,一般,更换围栏,后勤管理处,孙师傅,2024-05-20,,,,\n",
    )
    .unwrap();
    let (code, json, err) = import(&db, &csv, &[]);
    assert_eq!((code, json["imported"].as_u64()), (0, Some(2)), "{err} {json}");
    let list = db.ok(&["--now", NOW, "list", "--limit", "10"]);
    let rows = list["rows"].as_array().unwrap();
    let closed = rows.iter().find(|r| r["stage"] == "closed").expect("one comes in closed");
    let open = rows.iter().find(|r| r["stage"] == "registered").expect("one comes in open");
    let shown = db.ok(&["--now", NOW, "show", closed["id"].as_str().unwrap()]);
    let text = shown.to_string();
    assert!(text.contains("2024-03-12") && text.contains("2024-03-10"), "its own dates: {text}");
    assert!(text.contains("imported"), "the import is in the timeline: {text}");
    assert_eq!(closed["category"], "fire", "without a 类别 column, 消防通道 reads as 消防安全整治");

    // Neither the closed hazard nor the open one's long-passed rungs fire now.
    let sweep = db.ok(&["--now", NOW, "sweep"]);
    assert_eq!(sweep["fired"], 0, "{sweep}");
    assert_eq!(sweep["messages"], 0, "{sweep}");
    let shown = db.ok(&["--now", NOW, "show", open["id"].as_str().unwrap()]);
    assert!(!shown.to_string().contains("escalated"), "{shown}");
}

#[test]
fn a_mapping_file_maps_other_headers_and_a_bad_one_is_a_clear_error() {
    let db = Db::new();
    let csv = db.file("other.csv");
    std::fs::write(
        &csv,
        "发现日期,地点,问题,部门,整改负责人\n2025-03-03,图书馆,书架倾斜,后勤管理处,孙师傅\n",
    )
    .unwrap();
    // Without the mapping, the headers are not recognised.
    let (code, json, _) = import(&db, &csv, &[]);
    assert_eq!(code, 4, "{json}");
    assert!(json["message"].as_str().unwrap().contains("排查时间"), "{json}");

    let map = db.file("map.toml");
    std::fs::write(
        &map,
        "[columns]\n\"发现日期\" = \"discovered_at\"\n\"地点\" = \"location\"\n\"问题\" = \"description\"\n\"部门\" = \"responsible_unit\"\n\"整改负责人\" = \"assignee\"\n",
    )
    .unwrap();
    let (code, json, err) = import(&db, &csv, &["--mapping", map.to_str().unwrap()]);
    assert_eq!((code, json["imported"].as_u64()), (0, Some(1)), "{err} {json}");

    let bad = db.file("bad.toml");
    std::fs::write(&bad, "[columns]\n\"地点\" = \"place\"\n").unwrap();
    let before = db.snapshot();
    let (code, json, _) = import(&db, &csv, &["--mapping", bad.to_str().unwrap()]);
    assert_eq!(code, 4, "{json}");
    let message = json["message"].as_str().unwrap();
    assert!(message.contains("place") && message.contains("location"), "{message}");
    std::fs::write(&bad, "[columns\n").unwrap();
    let (code, json, _) = import(&db, &csv, &["--mapping", bad.to_str().unwrap()]);
    assert_eq!(code, 4, "{json}");
    assert!(json["message"].as_str().unwrap().contains("bad.toml"), "{json}");
    assert!(db.snapshot() == before, "a bad mapping changes nothing");
}
