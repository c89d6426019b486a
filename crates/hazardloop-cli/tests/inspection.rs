//! `hazardloop inspection …` through the built binary on a temporary SQLite file: presets,
//! a daily plan for a grid, generating, performing, a finding that becomes a linked hazard,
//! bad response files refused whole, the miss sweep and the statistics table.

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

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.dir().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    }

    /// Runs the binary; returns (exit code, stdout, stderr).
    fn raw(&self, args: &[&str]) -> (i32, String, String) {
        let mut command = Command::cargo_bin("hazardloop").unwrap();
        let output = command.arg("--db").arg(&self.path).args(args).output().unwrap();
        let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
        (output.status.code().unwrap_or(-1), text(output.stdout), text(output.stderr))
    }

    /// Runs with `--format json`; returns (exit code, JSON, stderr).
    fn run(&self, args: &[&str]) -> (i32, Value, String) {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let (code, out, err) = self.raw(&all);
        (code, serde_json::from_str(&out).unwrap_or(Value::Null), err)
    }

    fn ok(&self, args: &[&str]) -> Value {
        let (code, json, err) = self.run(args);
        assert_eq!(code, 0, "{args:?} failed: {err} {json}");
        assert_eq!(json["ok"], true, "{json}");
        json
    }

    /// Runs expecting failure with `code`; returns stderr.
    fn fails(&self, args: &[&str], code: i32) -> String {
        let (got, json, err) = self.run(args);
        assert_eq!(got, code, "{args:?}: {err} {json}");
        assert_eq!(json["ok"], false, "{json}");
        assert_eq!(json["code"], code);
        err
    }
}

const MON: &str = "2025-03-03T08:30:00+08:00";
const MON_LATER: &str = "2025-03-03T10:30:00+08:00";
const WED_EVENING: &str = "2025-03-05T18:00:00+08:00";
const OCC: &str = "grid-a-daily/grid-a/2025-03-03";
const PHOTO: &str = "https://files.example.cn/fire-lane.jpg,0101010101010101010101010101010101010101010101010101010101010101,image/jpeg";

const PLANS: &str = r#"
[[plans]]
id = "grid-a-daily"
title = "第一网格每日巡查"
template = { code = "daily_patrol", version = 1 }
units = ["grid-a"]
location = "教学楼A座"
inspector = { role = "grid_member" }
cadence = { every = "working_day" }
start = 2025-03-01
"#;

/// A school with a grid, its grid member `li`, the safety officer `zhang`, the daily patrol
/// preset and a daily plan for the grid.
fn setup() -> Db {
    let db = Db::new();
    db.ok(&["init", "--school", "第一中学"]);
    db.ok(&[
        "org",
        "add-unit",
        "grid-a",
        "--name",
        "第一网格",
        "--kind",
        "grid",
        "--parent",
        "school",
    ]);
    db.ok(&[
        "org",
        "add-person",
        "li",
        "--name",
        "李网格员",
        "--unit",
        "grid-a",
        "--role",
        "grid_member",
    ]);
    db.ok(&[
        "org",
        "add-person",
        "zhang",
        "--name",
        "张安全员",
        "--unit",
        "school/security",
        "--role",
        "safety_officer",
    ]);
    let imported = db.ok(&["inspection", "templates", "import", "--preset", "daily_patrol"]);
    assert_eq!(imported["imported"][0]["template"], "daily_patrol@1");
    assert_eq!(imported["imported"][0]["result"], "new");
    let plans = db.file("plans.toml", PLANS);
    assert_eq!(db.ok(&["inspection", "plans", "add", &plans])["added"][0], "grid-a-daily");
    db
}

/// The item ids of the daily patrol, in order.
fn items(db: &Db) -> Vec<String> {
    let shown = db.ok(&["inspection", "templates", "show", "daily_patrol"]);
    let mut ids = Vec::new();
    for section in shown["template"]["sections"].as_array().unwrap() {
        for item in section["items"].as_array().unwrap() {
            ids.push(item["id"].as_str().unwrap().to_owned());
        }
    }
    ids
}

/// A response file answering every item except `fire_lanes_clear` with a pass; `extra` is
/// added to the second answer.
fn responses(db: &Db, extra: &str) -> String {
    let mut text = String::new();
    for (i, item) in items(db).iter().filter(|i| *i != "fire_lanes_clear").enumerate() {
        text += &format!("[[answers]]\nitem = \"{item}\"\nresponse = \"pass\"\n");
        if i == 1 {
            text += extra;
        }
        text.push('\n');
    }
    text
}

fn show(db: &Db, now: &str) -> Value {
    db.ok(&["--now", now, "inspection", "show", OCC])
}

#[test]
fn templates_import_presets_idempotently_and_refuse_bad_files_naming_the_field() {
    let db = setup();
    let all = db.ok(&["inspection", "templates", "import", "--all-presets"]);
    assert_eq!(all["imported"].as_array().unwrap().len(), 19);
    assert_eq!(all["new"], 18, "daily_patrol was there already");
    let list = db.ok(&["inspection", "templates", "list"]);
    assert_eq!(list["templates"].as_array().unwrap().len(), 19);
    let (code, table, _) = db.raw(&["inspection", "templates", "show", "daily_patrol@1"]);
    assert_eq!(code, 0);
    assert!(table.contains("每日安全巡查表") && table.contains("fire_lanes_clear"), "{table}");
    assert!(table.contains("消防通道畅通") && table.contains("必检"), "{table}");
    let (_, english, _) =
        db.raw(&["--lang", "en", "inspection", "templates", "show", "daily_patrol"]);
    assert!(english.contains("Fire lanes are clear"), "{english}");

    let typo = db.file(
        "t.toml",
        "code = \"t\"\nversion = 1\nname_zh = \"表\"\nname_en = \"Sheet\"\n[[sections]]\n\
         title_zh = \"消防\"\ntitle_en = \"Fire\"\n[[sections.items]]\nid = \"exits\"\n\
         prompt_zh = \"通道畅通\"\npromt_en = \"Exits clear\"\ncategory = \"fire\"\n\
         response = { kind = \"pass_fail\" }\n",
    );
    let err = db.fails(&["inspection", "templates", "import", &typo], 4);
    assert!(err.contains("promt_en"), "{err}");
    let err = db.fails(&["inspection", "templates", "import", "--preset", "nightly"], 4);
    assert!(err.contains("nightly") && err.contains("daily_patrol"), "{err}");
    let bad_plan = db.file(
        "p.toml",
        &PLANS.replace("grid-a-daily", "p2").replace("[\"grid-a\"]", "[\"grid-z\"]"),
    );
    let err = db.fails(&["inspection", "plans", "add", &bad_plan], 4);
    assert!(err.contains("plans[0].units[0]"), "{err}");
    let again = db.file("again.toml", PLANS);
    let err = db.fails(&["inspection", "plans", "add", &again], 4);
    assert!(err.contains("plans[0].id"), "{err}");
    assert_eq!(db.ok(&["inspection", "plans", "list"])["plans"].as_array().unwrap().len(), 1);
}

#[test]
fn a_day_of_inspection_raises_a_linked_hazard_and_the_week_is_counted() {
    let db = setup();
    let made = db.ok(&[
        "--now",
        MON,
        "inspection",
        "generate",
        "--from",
        "2025-03-03",
        "--to",
        "2025-03-07",
    ]);
    assert_eq!((made["considered"].as_u64(), made["created"].as_u64()), (Some(5), Some(5)));
    let again = db.ok(&[
        "--now",
        MON,
        "inspection",
        "generate",
        "--from",
        "2025-03-03",
        "--to",
        "2025-03-07",
    ]);
    assert_eq!(again["created"], 0, "generating twice stores each occurrence once");

    // What the grid member must do today; the safety officer has nothing.
    let due = db.ok(&["--now", MON, "--as", "li", "inspection", "due"]);
    let rows = due["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{due}");
    assert_eq!(
        (rows[0]["id"].as_str(), rows[0]["status"].as_str()),
        (Some(OCC), Some("scheduled"))
    );
    assert_eq!(
        db.ok(&["--now", MON, "--as", "zhang", "inspection", "due"])["rows"],
        Value::Array(vec![])
    );
    let (_, table, _) = db.raw(&["--now", MON, "--as", "li", "inspection", "due"]);
    assert!(
        table.contains(OCC) && table.contains("待检查") && table.contains("李网格员"),
        "{table}"
    );

    // Start, and answer the failing item with a photo, one flag at a time.
    assert_eq!(
        db.ok(&["--now", MON, "--as", "li", "inspection", "start", OCC])["status"],
        "in_progress"
    );
    let answered = db.ok(&[
        "--now",
        MON,
        "--as",
        "li",
        "inspection",
        "answer",
        OCC,
        "--item",
        "fire_lanes_clear",
        "--response",
        "fail",
        "--comment",
        "一楼东侧通道堆放杂物",
        "--evidence",
        PHOTO,
        "--location",
        "教学楼A座一楼东侧",
    ]);
    assert_eq!(answered["events"], serde_json::json!(["answered"]));
    // Only the inspector performs it (denied: 3), naming the rule.
    let err = db.fails(&["--now", MON, "--as", "zhang", "inspection", "start", OCC], 3);
    assert!(err.contains("own_occurrence_only") && err.contains("只能执行本人的检查任务"), "{err}");
    // A response of the wrong kind on the command line names the flag.
    let err = db.fails(
        &[
            "--now",
            MON,
            "--as",
            "li",
            "inspection",
            "answer",
            OCC,
            "--item",
            "gate_order",
            "--response",
            "3",
        ],
        4,
    );
    assert!(err.contains("--response"), "{err}");

    // Bad response files are refused whole, naming the key, and change nothing.
    let before = show(&db, MON);
    let typo = db.file("typo.toml", &responses(&db, "commnet = \"门卫在岗\"\n"));
    let err = db.fails(
        &["--now", MON_LATER, "--as", "li", "inspection", "complete", OCC, "--file", &typo],
        4,
    );
    assert!(err.contains("answers[1].commnet"), "{err}");
    let wrong = db.file(
        "wrong.json",
        r#"{"answers": [{"item": "gate_order", "response": 3}, {"item": "gate_duty_and_patrol", "response": "pass"}]}"#,
    );
    let err = db.fails(
        &["--now", MON_LATER, "--as", "li", "inspection", "answer", OCC, "--file", &wrong],
        4,
    );
    assert!(err.contains("answers[0].response"), "{err}");
    let (_, english, err) = db.raw(&[
        "--lang",
        "en",
        "--now",
        MON_LATER,
        "--as",
        "li",
        "inspection",
        "answer",
        OCC,
        "--file",
        &wrong,
    ]);
    assert!(
        english.is_empty() && err.contains("answers[0].response: number is not allowed"),
        "{err}"
    );
    assert_eq!(show(&db, MON), before, "nothing changed");
    assert_eq!(db.ok(&["--now", MON, "list"])["total"], 0, "no hazard yet");

    // Complete with the rest: the failed item becomes a hazard in the same commit.
    let good = db.file("answers.toml", &responses(&db, "comment = \"门卫在岗\"\n"));
    let done =
        db.ok(&["--now", MON_LATER, "--as", "li", "inspection", "complete", OCC, "--file", &good]);
    assert_eq!(done["status"], "completed");
    assert_eq!(done["hazards"][0]["item"], "fire_lanes_clear");
    let hazard = done["hazards"][0]["hazard"].as_str().unwrap().to_owned();
    let err = db.fails(
        &["--lang", "en", "--now", MON_LATER, "--as", "li", "inspection", "complete", OCC],
        4,
    );
    assert!(err.contains("already_completed") && err.contains("already completed"), "{err}");

    // The hazard links back to the occurrence and item: in show, the ledger and its CSV.
    let link = format!("{OCC}#fire_lanes_clear");
    let view = db.ok(&["--now", MON_LATER, "show", &hazard]);
    assert_eq!(view["ledger"]["finding"]["occurrence"], OCC);
    assert_eq!(view["ledger"]["finding"]["item"], "fire_lanes_clear");
    assert_eq!(view["ledger"]["location"], "教学楼A座一楼东侧");
    let (_, text, _) = db.raw(&["--now", MON_LATER, "show", &hazard]);
    assert!(text.contains(&format!("来源检查：{link}")), "{text}");
    let (_, table, _) = db.raw(&["--now", MON_LATER, "list"]);
    assert!(table.contains("来源检查") && table.contains(&link), "{table}");
    let (_, csv, _) = db.raw(&["--now", MON_LATER, "--format", "csv", "list"]);
    assert!(csv.contains("来源检查") && csv.contains(&link), "{csv}");

    // The occurrence with its answers, findings and timeline.
    let o = show(&db, MON_LATER);
    assert_eq!(o["status"], "completed");
    assert_eq!(o["findings"][0]["hazard"], hazard.as_str());
    let types: Vec<&str> = o["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["event"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["scheduled", "started", "answered", "answered", "completed"]);
    let (_, text, _) = db.raw(&["--now", MON_LATER, "inspection", "show", OCC]);
    assert!(
        text.contains(&format!("fire_lanes_clear → {hazard}")) && text.contains("已完成"),
        "{text}"
    );
    assert_eq!(db.ok(&["inspection", "verify", OCC])["verified"], OCC);

    // Wednesday evening: Tuesday's window has closed (missed), Wednesday's is overdue.
    let missed = db.ok(&["--now", WED_EVENING, "inspection", "missed", "--sweep"]);
    assert_eq!(missed["sweep"]["missed"], 1, "{missed}");
    let statuses: Vec<(&str, &str)> = missed["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("grid-a-daily/grid-a/2025-03-04", "missed"),
            ("grid-a-daily/grid-a/2025-03-05", "overdue")
        ]
    );
    let again = db.ok(&["--now", WED_EVENING, "inspection", "missed", "--sweep"]);
    assert_eq!(again["sweep"]["missed"], 0, "marked once");
    let tuesday = "grid-a-daily/grid-a/2025-03-04";
    let err = db.fails(&["--now", WED_EVENING, "--as", "li", "inspection", "start", tuesday], 4);
    assert!(err.contains("window_closed"), "{err}");
    db.ok(&[
        "--now",
        WED_EVENING,
        "--as",
        "zhang",
        "inspection",
        "excuse",
        tuesday,
        "--reason",
        "网格员因公外出",
    ]);

    // The statistics table: Monday on time with one finding, Tuesday excused, Wednesday open.
    let range =
        ["--now", WED_EVENING, "inspection", "stats", "--from", "2025-03-03", "--to", "2025-03-05"];
    let stats = db.ok(&range);
    let grid = stats["table"].as_array().unwrap().iter().find(|l| l["unit"] == "grid-a").unwrap();
    let t = &grid["tally"];
    let got: Vec<u64> =
        ["planned", "completed", "on_time", "late", "missed", "excused", "open", "findings"]
            .iter()
            .map(|k| t[*k].as_u64().unwrap())
            .collect();
    assert_eq!(got, [3, 1, 1, 0, 0, 1, 1, 1], "{t}");
    assert_eq!(grid["completion_rate"], 1.0);
    let mut table_args = range.to_vec();
    table_args.splice(0..0, ["--format", "table"]);
    let (_, table, _) = db.raw(&table_args);
    for header in ["应检", "已检", "按时", "逾期完成", "漏检", "免检", "完成率", "平均发现隐患"]
    {
        assert!(table.contains(header), "{header} in {table}");
    }
    let line = table.lines().find(|l| l.contains("第一网格")).unwrap();
    let cells: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(cells, ["第一网格", "3", "1", "1", "0", "0", "1", "100.0%", "1.00"], "{table}");
    let mut csv_args = range.to_vec();
    csv_args.splice(0..0, ["--format", "csv"]);
    let (_, csv, _) = db.raw(&csv_args);
    assert!(csv.starts_with('\u{feff}') && csv.contains("单位,应检,已检"), "{csv}");

    // The exports: the inspection statistics alone, and the statistics workbook with them.
    use calamine::{open_workbook_auto, Reader};
    let out = |name: &str| db.path.with_file_name(name).to_str().unwrap().to_owned();
    let (insp, stats_book) = (out("检查统计.xlsx"), out("统计表.xlsx"));
    let export = |what: &str, file: &str| {
        let (code, _, err) = db.raw(&[
            "--now",
            WED_EVENING,
            "--format",
            "xlsx",
            "export",
            "--what",
            what,
            "--period",
            "2025-03",
            "--out",
            file,
        ]);
        assert_eq!(code, 0, "{err}");
    };
    export("inspections", &insp);
    export("stats", &stats_book);
    let mut wb = open_workbook_auto(&insp).unwrap();
    assert_eq!(wb.sheet_names(), ["统计-检查"]);
    let sheet = wb.worksheet_range("统计-检查").unwrap();
    assert!(
        sheet.rows().any(|r| r.iter().any(|c| c.to_string().contains("第一网格"))),
        "the grid's line"
    );
    let wb = open_workbook_auto(&stats_book).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["统计表", "统计-检查"],
        "the statistics workbook carries the inspections"
    );
}
