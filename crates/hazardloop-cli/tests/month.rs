//! The built `hazardloop` binary through a month of school life, with `--now`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

struct Db {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Db {
    fn new() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hazardloop.db");
        Db { _dir: dir, path }
    }

    fn dir(&self) -> &Path {
        self.path.parent().unwrap()
    }

    /// Runs the binary with `--db` and `--format json`; returns (exit code, JSON, stderr).
    fn run(&self, args: &[&str]) -> (i32, Value, String) {
        let mut command = Command::cargo_bin("hazardloop").unwrap();
        command.arg("--db").arg(&self.path);
        if !args.contains(&"--format") {
            command.arg("--format").arg("json");
        }
        let output = command.args(args).output().unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        // Exports in other formats print a sentence: treat success as ok.
        let json = if json.is_null() && output.status.success() {
            serde_json::json!({ "ok": true })
        } else {
            json
        };
        (output.status.code().unwrap_or(-1), json, String::from_utf8(output.stderr).unwrap())
    }

    /// Runs and expects success; returns the JSON.
    fn ok(&self, args: &[&str]) -> Value {
        let (code, json, err) = self.run(args);
        assert_eq!(code, 0, "{args:?} failed: {err} {json}");
        assert_eq!(json["ok"], true, "{json}");
        json
    }

    /// Everything the database says about the tenant: the ledger and every hazard's timeline.
    fn state(&self) -> Vec<Value> {
        let list = self.ok(&["--now", "2025-06-01", "list", "--limit", "1000"]);
        let mut state = vec![list.clone()];
        for row in list["rows"].as_array().unwrap() {
            state.push(self.ok(&["--now", "2025-06-01", "show", row["id"].as_str().unwrap()]));
        }
        state
    }
}

fn setup() -> Db {
    let db = Db::new();
    db.ok(&["init", "--school", "第一中学", "--bureau", "区教育局"]);
    for (id, name, unit, role) in [
        ("zhang", "张安全员", "school/security", "safety_officer"),
        ("qian", "钱处长", "school/logistics", "department_head"),
        ("zhou", "周检查员", "school", "inspector"),
        ("wang", "王校长", "school", "principal"),
        ("zheng", "郑科长", "bureau", "bureau_officer"),
    ] {
        db.ok(&["org", "add-person", id, "--name", name, "--unit", unit, "--role", role]);
    }
    db.ok(&["org", "add-person", "sun", "--name", "孙师傅", "--unit", "school/logistics"]);
    db
}

fn discover(db: &Db, now: &str, title: &str) -> String {
    let json = db.ok(&[
        "--now",
        now,
        "--as",
        "zhou",
        "discover",
        "--unit",
        "school/logistics",
        "--location",
        "教学楼",
        "--title",
        title,
        "--description",
        "螺栓松动",
    ]);
    assert_eq!(json["stage"], "discovered");
    json["hazard"].as_str().unwrap().to_owned()
}

const PHOTO: &str = "https://files.example.cn/p.jpg,0101010101010101010101010101010101010101010101010101010101010101,image/jpeg";

/// Discover → … → archive for one hazard, starting at `day` (a March 2025 date).
fn full_loop(db: &Db, day: u32, title: &str) -> String {
    let at = |h: u32| format!("2025-03-{day:02}T{h:02}:00:00+08:00");
    let id = discover(db, &at(9), title);
    db.ok(&[
        "--now",
        &at(10),
        "--as",
        "zhang",
        "register",
        &id,
        "--grade",
        "general",
        "--lec",
        "3,6,3",
        "--category",
        "buildings_construction",
        "--assignee",
        "sun",
    ]);
    db.ok(&["--now", &at(11), "--as", "zhang", "report", &id]);
    db.ok(&[
        "--now",
        &at(12),
        "--as",
        "sun",
        "start",
        &id,
        "--deadline",
        &format!("2025-03-{:02}", day + 2),
        "--measures",
        "更换螺栓",
        "--contingency",
        "设置警示",
    ]);
    db.ok(&[
        "--now",
        &at(14),
        "--as",
        "sun",
        "complete",
        &id,
        "--summary",
        "已更换",
        "--evidence",
        PHOTO,
    ]);
    db.ok(&["--now", &at(15), "--as", "zhou", "accept", &id, "--pass"]);
    db.ok(&["--now", &at(16), "--as", "zhang", "close", &id]);
    let done = db.ok(&["--now", &at(17), "--as", "zhang", "archive", &id]);
    assert_eq!(done["stage"], "archived");
    id
}

#[test]
fn a_month_of_hazards_through_the_command() {
    let db = setup();
    // Three hazards through the whole loop in the first week of March 2025.
    let done: Vec<String> = (3..=5).map(|d| full_loop(&db, d, &format!("扶手松动{d}"))).collect();
    // One hazard misses its deadline: registered Mon 10 March, due 5 working days later
    // (Mon 17 March 17:30), never completed.
    let late = discover(&db, "2025-03-10T09:00:00+08:00", "消防通道堵塞");
    db.ok(&[
        "--now",
        "2025-03-10T10:00:00+08:00",
        "--as",
        "zhang",
        "register",
        &late,
        "--grade",
        "general",
        "--colour",
        "yellow",
        "--category",
        "buildings_construction",
        "--assignee",
        "sun",
    ]);
    db.ok(&["--now", "2025-03-10T11:00:00+08:00", "--as", "zhang", "report", &late]);
    // A failed acceptance returns the work.
    let rework = discover(&db, "2025-03-11T09:00:00+08:00", "配电箱未上锁");
    db.ok(&[
        "--now",
        "2025-03-11T10:00:00+08:00",
        "--as",
        "zhang",
        "register",
        &rework,
        "--grade",
        "general",
        "--colour",
        "blue",
        "--category",
        "buildings_construction",
        "--assignee",
        "sun",
    ]);
    db.ok(&["--now", "2025-03-11T11:00:00+08:00", "--as", "zhang", "report", &rework]);
    db.ok(&[
        "--now",
        "2025-03-11T12:00:00+08:00",
        "--as",
        "sun",
        "start",
        &rework,
        "--deadline",
        "2025-03-14",
        "--measures",
        "加锁",
        "--contingency",
        "警示",
    ]);
    db.ok(&[
        "--now",
        "2025-03-12T12:00:00+08:00",
        "--as",
        "sun",
        "complete",
        &rework,
        "--summary",
        "已加锁",
        "--evidence",
        PHOTO,
    ]);
    let failed = db.ok(&[
        "--now",
        "2025-03-12T15:00:00+08:00",
        "--as",
        "zhou",
        "accept",
        &rework,
        "--fail",
        "--reason",
        "锁具损坏",
    ]);
    assert_eq!(failed["stage"], "treating");

    // Sweeps: before the deadline only the reminder; two working days after, two more rungs.
    // Fri 14 Mar 18:00: the late one's reminder (due Mon 17); the rework, due Fri 14 17:30,
    // has had its reminder (Thu 13) and is now overdue.
    let s1 = db.ok(&["--now", "2025-03-14T18:00:00+08:00", "sweep"]);
    assert_eq!(s1["fired"], 3, "{s1}");
    // Wed 19 Mar 18:00: the late one overdue (Mon 17) and the safety office (Tue 18); the rework
    // at +1 (Mon 17) and +3 working days (Wed 19).
    let s2 = db.ok(&["--now", "2025-03-19T18:00:00+08:00", "sweep"]);
    assert_eq!(s2["fired"], 4, "{s2}");
    assert_eq!(
        db.ok(&["--now", "2025-03-19T18:00:00+08:00", "sweep"])["fired"],
        0,
        "a second sweep fires nothing"
    );
    let sent = db.ok(&["--now", "2025-03-19T18:05:00+08:00", "dispatch"]);
    let names: Vec<&str> = sent["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"孙师傅") && names.contains(&"钱处长") && names.contains(&"张安全员"),
        "{names:?}"
    );

    // The ledger and the statistics, checked by hand.
    let overdue = db.ok(&["--now", "2025-03-19T18:00:00+08:00", "list", "--overdue"]);
    assert_eq!(overdue["total"], 2, "the late one and the rework");
    let ids: Vec<&str> =
        overdue["rows"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&late.as_str()) && ids.contains(&rework.as_str()));
    let stats = db.ok(&["--now", "2025-03-31T18:00:00+08:00", "stats", "--period", "2025-03"]);
    let total = &stats["table"]["total"];
    assert_eq!(total["discovered"], 5, "five hazards found in March");
    assert_eq!(total["rectified"], 3, "three passed acceptance");
    assert_eq!(total["rectified_on_time"], 3);
    assert_eq!(total["open"], 2, "the late one and the rework are open at the end of March");
    assert_eq!(total["overdue"], 2, "both open ones are past their deadlines by 31 March");
    assert_eq!(total["reworks"], 1);
    assert_eq!(stats["table"]["total"]["rectification_rate"], 0.6);

    // Exports.
    let xlsx = db.dir().join("台账.xlsx");
    db.ok(&[
        "--now",
        "2025-03-31T18:00:00+08:00",
        "--format",
        "xlsx",
        "export",
        "--what",
        "ledger",
        "--out",
        xlsx.to_str().unwrap(),
    ]);
    use calamine::{open_workbook_auto, Data, Reader};
    let mut wb = open_workbook_auto(&xlsx).unwrap();
    let sheet = wb.worksheet_range(&wb.sheet_names()[0].clone()).unwrap();
    // The table sits under the sheet's title block; it names hazards by their numbers.
    let header = (0..sheet.height())
        .find(|&r| sheet.get((r, 1)) == Some(&Data::String("隐患编号".into())))
        .expect("a header row");
    // Rows numbered 1, 2, … (序号) follow the header; a footer may follow them.
    let cells: Vec<String> = (header + 1..sheet.height())
        .take_while(|&r| sheet.get((r, 0)).is_some_and(|c| c.to_string().parse::<u32>().is_ok()))
        .map(|r| sheet.get((r, 1)).unwrap().to_string())
        .collect();
    assert_eq!(cells.len(), 5, "five hazards: {cells:?}");
    let list = db.ok(&["--now", "2025-03-31T18:00:00+08:00", "list"]);
    for id in done.iter().chain([&late, &rework]) {
        let row = list["rows"].as_array().unwrap().iter().find(|r| r["id"] == id.as_str()).unwrap();
        let number = row["number"].as_str().unwrap();
        assert!(cells.iter().any(|c| c == number), "{id} ({number}) in the sheet: {cells:?}");
    }
    let csv_path = db.dir().join("stats.csv");
    db.ok(&[
        "--now",
        "2025-03-31T18:00:00+08:00",
        "--format",
        "csv",
        "export",
        "--what",
        "stats",
        "--period",
        "2025-03",
        "--out",
        csv_path.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&csv_path).unwrap();
    assert!(text.starts_with('\u{feff}'), "CSV starts with a BOM");
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    assert!(reader.records().count() >= 2);
    let html = db.dir().join("月汇总.html");
    db.ok(&[
        "--now",
        "2025-03-31T18:00:00+08:00",
        "--format",
        "html",
        "export",
        "--what",
        "stats",
        "--period",
        "2025-03",
        "--out",
        html.to_str().unwrap(),
    ]);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.matches("<svg").count() >= 3, "three charts");
    assert!(page.contains("2025年3月"));

    // Every chain verifies.
    assert_eq!(db.ok(&["verify"])["verified"], 5);
}

#[test]
fn bad_input_gets_its_exit_code_and_changes_nothing() {
    let db = setup();
    let id = discover(&db, "2025-03-03T09:00:00+08:00", "扶手松动");
    let before = db.state();
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (vec!["--as", "zhang", "report", "0195559b-0000-7000-8000-000000000000"], 4, "没有隐患"),
        (vec!["--as", "zhang", "report", "not-an-id"], 4, "没有编号为 `not-an-id` 的隐患"),
        (vec!["--as", "zhang", "close", &id], 4, "不能办理「销号」"),
        (
            vec!["--as", "sun", "register", &id, "--category", "fire", "--assignee", "sun"],
            3,
            "无权办理",
        ),
        (vec!["--as", "nobody", "report", &id], 3, "没有此人"),
        (vec!["--now", "yesterday-ish", "--as", "zhang", "report", &id], 4, "不是时间"),
        (
            vec!["--as", "zhang", "register", &id, "--category", "unicorns", "--assignee", "sun"],
            4,
            "类别 `unicorns` 不在职责清单中",
        ),
        (
            vec![
                "--as",
                "zhang",
                "register",
                &id,
                "--category",
                "fire",
                "--assignee",
                "sun",
                "--lec",
                "4,6,3",
            ],
            4,
            "assessment.l",
        ),
        (vec!["frobnicate"], 2, ""),
    ];
    for (args, code, needle) in cases {
        let (got, json, err) = db.run(&args);
        assert_eq!(got, code, "{args:?}: {err} {json}");
        assert!(
            err.contains(needle) || json["message"].as_str().unwrap_or("").contains(needle),
            "{args:?}: {err}"
        );
        if code != 2 {
            assert_eq!(json["ok"], false);
            assert_eq!(json["code"], code);
        }
    }
    assert_eq!(db.state(), before, "the database is unchanged");
}

#[test]
fn import_reports_bad_rows_by_line_and_imports_the_good_ones_whole() {
    let db = setup();
    let csv_path = db.dir().join("ledger.csv");
    std::fs::write(
        &csv_path,
        "\u{feff}序号,发现时间,所在单位,具体位置,类别,隐患描述,等级,风险等级,责任单位,责任人,整改期限,当前环节\n\
         1,2025-03-03 09:00,后勤管理处,食堂后厨,buildings_construction,燃气管老化：软管开裂,一般隐患,,后勤管理处,孙师傅,2025-03-20,已登记\n\
         2,2025-03-03 09:00,不存在的单位,操场,buildings_construction,围栏破损,一般隐患,,,孙师傅,2025-03-20,已登记\n\
         3,2025-13-45,后勤管理处,操场,buildings_construction,围栏破损,一般隐患,,,孙师傅,2025-03-20,已登记\n\
         4,2025-03-04 09:00,后勤管理处,实验楼,buildings_construction,灯管脱落,一般隐患,,,孙师傅,2025-03-21,已销号\n",
    )
    .unwrap();
    let (code, json, err) = db.run(&[
        "--now",
        "2025-03-05T09:00:00+08:00",
        "--as",
        "zhang",
        "import",
        csv_path.to_str().unwrap(),
    ]);
    assert_eq!(code, 4, "{err}");
    let lines: Vec<u64> =
        json["bad"].as_array().unwrap().iter().map(|b| b["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, vec![3, 4, 5], "{json}");
    assert_eq!(json["imported"], 1);
    let list = db.ok(&["--now", "2025-03-05T09:00:00+08:00", "list"]);
    assert_eq!(list["total"], 1);
    assert_eq!(list["rows"][0]["stage"], "registered", "imported whole: discovered and registered");
}
