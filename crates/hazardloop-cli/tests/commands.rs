//! Every subcommand of the built `hazardloop` binary: the engine's steps each have one, they
//! work in both languages, and bad input gets its exit code and changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use assert_cmd::Command;
use hazardloop_core::workflow::Step;
use serde_json::Value;
use support::Db;

const INVALID: i32 = 4;
const DENIED: i32 = 3;
const USAGE: i32 = 2;
const OTHER: i32 = 1;

const PHOTO: &str = "https://files.example.cn/p.jpg,0101010101010101010101010101010101010101010101010101010101010101,image/jpeg";
const UNKNOWN: &str = "0195559b-0000-7000-8000-000000000000";
const LATER: &str = "2025-06-01";

/// A step at `now` as `who`; returns the JSON.
fn step(db: &Db, now: &str, who: &str, args: &[&str]) -> Value {
    let mut all = vec!["--now", now, "--as", who];
    all.extend_from_slice(args);
    db.ok(&all)
}

/// The ledger and every hazard's timeline.
fn state(db: &Db) -> Vec<Value> {
    let list = db.ok(&["--now", LATER, "list", "--limit", "1000"]);
    let mut state = vec![list.clone()];
    for row in list["rows"].as_array().unwrap() {
        state.push(db.ok(&["--now", LATER, "show", row["id"].as_str().unwrap()]));
    }
    state
}

fn show(db: &Db, id: &str, lang: &str) -> String {
    db.text(&["--now", LATER, "--lang", lang, "show", id])
}

fn setup() -> Db {
    Db::school()
}

fn at(day: u32, hour: u32) -> String {
    format!("2025-03-{day:02}T{hour:02}:00:00+08:00")
}

fn discover(db: &Db, now: &str, title: &str) -> String {
    let json = step(
        db,
        now,
        "zhou",
        &["discover", "--unit", "school/logistics", "--location", "教学楼", "--title", title],
    );
    json["hazard"].as_str().unwrap().to_owned()
}

/// Discovered, registered (general, due `deadline`, assigned to sun) and reported.
fn reported(db: &Db, day: u32, title: &str, deadline: &str) -> String {
    let id = discover(db, &at(day, 9), title);
    step(
        db,
        &at(day, 10),
        "zhang",
        &[
            "register",
            &id,
            "--grade",
            "general",
            "--colour",
            "blue",
            "--category",
            "buildings_construction",
            "--assignee",
            "sun",
            "--deadline",
            deadline,
        ],
    );
    step(db, &at(day, 11), "zhang", &["report", &id]);
    id
}

fn treating(db: &Db, day: u32, title: &str) -> String {
    let id = reported(db, day, title, "2025-03-14");
    step(db, &at(day, 12), "sun", &["start", &id, "--measures", "更换", "--contingency", "警示"]);
    id
}

/// The subcommand that asks the engine for each step; the match is exhaustive, so a new step
/// without a subcommand here fails to compile, and one without a subcommand in the binary fails.
fn subcommand(step: Step) -> &'static str {
    match step {
        Step::Discover => "discover",
        Step::Register => "register",
        Step::Report => "report",
        Step::StartTreatment => "start",
        Step::Complete => "complete",
        Step::Pass | Step::Fail => "accept",
        Step::Close => "close",
        Step::Archive => "archive",
        Step::Dismiss => "dismiss",
        Step::FixOnTheSpot => "fix-on-the-spot",
        Step::AddInterimControl => "interim",
        Step::RecordProgress => "progress",
        Step::RequestExtension | Step::GrantExtension | Step::DenyExtension => "extend",
        Step::PauseClock => "pause",
        Step::ResumeClock => "resume",
        Step::Reassign => "reassign",
        Step::AddEvidence => "evidence",
        Step::Comment => "comment",
        Step::Supervise => "supervise",
        Step::Import => "import",
    }
}

#[test]
fn every_engine_step_has_a_subcommand() {
    let mut help = Command::cargo_bin("hazardloop").unwrap();
    let listed = String::from_utf8(help.arg("--help").output().unwrap().stdout).unwrap();
    for step in Step::ALL {
        let name = subcommand(step);
        assert!(
            listed.lines().any(|l| l.trim_start().starts_with(&format!("{name} "))),
            "{step:?}: no `{name}` in --help:\n{listed}"
        );
        let output =
            Command::cargo_bin("hazardloop").unwrap().args([name, "--help"]).output().unwrap();
        assert!(output.status.success(), "{name} --help");
    }
}

#[test]
fn auxiliary_steps_walk_a_hazard_and_show_in_one_language() {
    let db = setup();
    let id = reported(&db, 3, "扶手松动", "2025-03-14");
    // `start` without --deadline takes the registered one (Fri 14 March, 17:30 = 09:30 UTC).
    let started = step(
        &db,
        &at(3, 12),
        "sun",
        &["start", &id, "--measures", "更换螺栓", "--contingency", "警示"],
    );
    assert_eq!(started["stage"], "treating");
    let shown = db.ok(&["--now", &at(3, 13), "show", &id]);
    let plan = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["event"]["type"] == "treatment_started")
        .unwrap();
    assert!(plan.to_string().contains("2025-03-14T09:30:00Z"), "{plan}");
    let walk: Vec<(&str, String, Vec<&str>, &str)> = vec![
        (
            "sun",
            at(4, 9),
            vec!["interim", &id, "--measures", "cordon,warning_signs", "--note", "拉警戒线"],
            "interim_control_added",
        ),
        (
            "sun",
            at(4, 10),
            vec!["progress", &id, "--note", "已订货", "--percent", "30", "--evidence", PHOTO],
            "progress_recorded",
        ),
        ("zhou", at(4, 11), vec!["evidence", &id, "--evidence", PHOTO], "evidence_added"),
        // A hazard is named by its number (隐患编号) as well as by its id.
        ("zhou", at(4, 12), vec!["comment", "2025-0001", "--text", "请尽快"], "commented"),
        ("wang", at(5, 9), vec!["pause", &id, "--reason", "等待配件"], "clock_paused"),
        ("wang", at(6, 9), vec!["resume", &id, "--note", "配件到货"], "clock_resumed"),
        (
            "sun",
            at(6, 10),
            vec!["extend", &id, "--to", "2025-03-21", "--reason", "配件延误"],
            "extension_requested",
        ),
        (
            "qian",
            at(6, 11),
            vec!["extend", &id, "--grant", "--reason", "同意"],
            "extension_decided",
        ),
        (
            "zhang",
            at(6, 12),
            vec!["reassign", &id, "--to", "qian", "--note", "改由处长负责"],
            "reassigned",
        ),
        (
            "qian",
            at(7, 9),
            vec!["complete", &id, "--summary", "已更换", "--evidence", PHOTO],
            "treatment_completed",
        ),
        (
            "zhou",
            at(7, 10),
            vec!["accept", &id, "--fail", "--reason", "仍松动"],
            "acceptance_failed",
        ),
        (
            "qian",
            at(7, 11),
            vec!["complete", &id, "--summary", "已加固", "--evidence", PHOTO],
            "treatment_completed",
        ),
        ("zhou", at(7, 12), vec!["accept", &id, "--pass"], "acceptance_passed"),
        ("zhang", at(7, 13), vec!["close", &id], "closed"),
        ("zhang", at(7, 14), vec!["archive", &id], "archived"),
    ];
    for (who, now, args, event) in &walk {
        let json = step(&db, now, who, args);
        let events: Vec<&str> =
            json["events"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
        assert!(events.contains(event), "{args:?}: {events:?}");
    }
    let row = &db.ok(&["--now", LATER, "list"])["rows"][0];
    assert_eq!(row["stage"], "archived");
    assert_eq!(row["number"], "2025-0001");
    assert_eq!(row["assignee"], "qian", "reassigned");
    assert_eq!(row["reworks"], 1);

    let zh = show(&db, "2025-0001", "zh");
    assert!(zh.contains("隐患编号：2025-0001") && zh.contains(&format!("记录标识：{id}")), "{zh}");
    for name in [
        "排查",
        "登记",
        "治理",
        "临时管控",
        "整改进展",
        "补充佐证",
        "备注",
        "暂停计时",
        "恢复计时",
        "延期申请",
        "批准延期",
        "变更责任人",
        "验收不合格",
        "验收合格",
        "销号",
        "备案存档",
        "设置警戒",
        "钱处长",
    ] {
        assert!(zh.contains(name), "{name} in\n{zh}");
    }
    for english in
        ["interim_control", "clock_paused", "reassigned", "discovered", "buildings_construction"]
    {
        assert!(!zh.contains(english), "{english} in\n{zh}");
    }
    let en = show(&db, &id, "en");
    for name in ["interim control", "pause clock", "grant extension", "reassign", "fail acceptance"]
    {
        assert!(en.contains(name), "{name} in\n{en}");
    }
    for chinese in ["临时管控", "暂停计时", "备注", "已存档", "设置警戒", "：", "是"]
    {
        assert!(!en.contains(chinese), "{chinese} in\n{en}");
    }
}

#[test]
fn show_names_the_category_and_each_escalation_rung_and_who_was_told() {
    let db = setup();
    let categories = db.ok(&["categories"]);
    let name = categories["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "buildings_construction")
        .unwrap()["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = reported(&db, 3, "围栏破损", "2025-03-05");
    let swept = db.ok(&["--now", "2025-03-20T18:00:00+08:00", "sweep"]);
    assert!(swept["fired"].as_u64().unwrap() >= 2, "{swept}");
    let zh = show(&db, &id, "zh");
    assert!(zh.contains(&format!("类别：{name}")), "{zh}");
    let rungs: Vec<&str> = zh.lines().filter(|l| l.contains("督办升级")).collect();
    assert!(rungs.len() >= 2, "{zh}");
    assert!(rungs.iter().any(|l| l.contains("第 1 级") && l.contains("责任人（孙师傅）")), "{zh}");
    assert!(rungs.iter().any(|l| l.contains("第 2 级")), "{zh}");
    let en = show(&db, &id, "en");
    assert!(
        en.contains("escalation") && en.contains("rung 1") && en.contains("assignee (孙师傅)"),
        "{en}"
    );
}

#[test]
fn supervision_is_by_the_bureau_on_a_major_hazard_and_show_says_so() {
    let db = setup();
    let id = discover(&db, &at(3, 9), "教学楼外墙开裂");
    step(
        &db,
        &at(3, 10),
        "zhang",
        &[
            "register",
            &id,
            "--grade",
            "major",
            "--colour",
            "red",
            "--category",
            "buildings_construction",
            "--assignee",
            "qian",
            "--not-fixable-at-once",
        ],
    );
    step(
        &db,
        &at(3, 11),
        "zhang",
        &["report", &id, "--to-bureau", "--written", "--reference", "校安〔2025〕1号"],
    );
    let before = state(&db);
    let (code, _, err) = db.run(&["--now", &at(3, 12), "--as", "zhang", "supervise", &id]);
    assert_eq!(code, DENIED, "only the bureau supervises: {err}");
    assert!(err.contains("无权办理") && err.contains("role_allows_step"), "{err}");
    assert_eq!(state(&db), before);
    let json = step(&db, &at(3, 12), "zheng", &["supervise", &id, "--reference", "督〔2025〕3号"]);
    assert_eq!(json["events"][0], "supervised");
    assert_eq!(db.ok(&["--now", LATER, "list"])["rows"][0]["supervised"], true);
    let zh = show(&db, &id, "zh");
    assert!(zh.contains("挂牌督办：是 郑科长") && zh.contains("督〔2025〕3号"), "{zh}");
    // A general hazard is not supervised.
    let general = reported(&db, 4, "扶手松动", "2025-03-14");
    let (code, _, err) = db.run(&["--now", &at(4, 12), "--as", "zheng", "supervise", &general]);
    assert_eq!(code, INVALID, "{err}");
    assert!(err.contains("supervision_by_bureau"), "{err}");
}

#[test]
fn fix_on_the_spot_records_a_treated_general_hazard_awaiting_acceptance() {
    let db = setup();
    let fix = |extra: &[&str]| {
        let mut args = vec![
            "--now",
            "2025-03-03T09:00:00+08:00",
            "--as",
            "zhou",
            "fix-on-the-spot",
            "--unit",
            "school/logistics",
            "--location",
            "走廊",
            "--title",
            "插座松动",
            "--category",
            "buildings_construction",
            "--measures",
            "已紧固",
            "--evidence",
            PHOTO,
        ];
        args.extend_from_slice(extra);
        db.run(&args)
    };
    let (code, json, err) = fix(&["--colour", "red"]);
    assert_eq!(code, INVALID, "a major hazard goes through every step: {err}");
    assert!(err.contains("fix_on_the_spot_general_only"), "{err}");
    assert_eq!(db.ok(&["list"])["total"], 0);
    let (code, json2, err) = fix(&[]);
    assert_eq!(code, 0, "{err} {json} {json2}");
    assert_eq!(json2["stage"], "treated");
    let id = json2["hazard"].as_str().unwrap();
    let (code, _, err) =
        db.run(&["--now", "2025-03-03T10:00:00+08:00", "--as", "zhou", "accept", id, "--pass"]);
    assert_eq!(code, DENIED, "the fixer does not accept their own fix: {err}");
    assert!(err.contains("checker_is_not_rectifier"), "{err}");
    let passed = step(&db, "2025-03-03T10:00:00+08:00", "zhang", &["accept", id, "--pass"]);
    assert_eq!(passed["stage"], "accepted");
    let zh = show(&db, id, "zh");
    assert!(
        zh.contains("整改措施：已紧固") && zh.contains("整改完成") && zh.contains("验收合格"),
        "{zh}"
    );
}

#[test]
fn categories_lists_the_matrix_and_an_unknown_category_lists_the_codes() {
    let db = setup();
    let json = db.ok(&["categories"]);
    let list = json["categories"].as_array().unwrap();
    assert!(list.len() >= 5, "{json}");
    let codes: Vec<&str> = list.iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"buildings_construction") && codes.contains(&"fire"), "{codes:?}");
    let (code, zh, _) = db.raw(&["categories"], false);
    assert_eq!(code, 0);
    let (_, en, _) = db.raw(&["--lang", "en", "categories"], false);
    for c in list {
        let line = |text: &str, name: &str| {
            text.lines().any(|l| l.starts_with(c["code"].as_str().unwrap()) && l.contains(name))
        };
        assert!(line(&zh, c["name_zh"].as_str().unwrap()), "{c} in\n{zh}");
        assert!(line(&en, c["name_en"].as_str().unwrap()), "{c} in\n{en}");
    }
    assert!(zh.contains("代码") && en.contains("code") && !en.contains("代码"));
    let (_, csv, _) = db.raw(&["--format", "csv", "categories"], false);
    assert!(csv.starts_with('\u{feff}') && csv.lines().count() == list.len() + 1, "{csv}");
    let id = discover(&db, &at(3, 9), "扶手松动");
    for args in [
        vec!["--as", "zhang", "register", &id, "--category", "unicorns", "--assignee", "sun"],
        vec![
            "--as",
            "zhou",
            "discover",
            "--unit",
            "school",
            "--location",
            "x",
            "--title",
            "y",
            "--category",
            "unicorns",
        ],
        vec!["list", "--category", "unicorns"],
    ] {
        let (code, json, err) = db.run(&args);
        assert_eq!(code, INVALID, "{args:?}: {err}");
        for c in &codes {
            assert!(err.contains(c), "{args:?}: {c} not listed in {err}");
        }
        assert!(json["message"].as_str().unwrap().contains("unicorns"));
    }
}

#[test]
fn now_takes_rfc3339_with_seconds_and_offsets_and_local_minutes() {
    let db = setup();
    for now in [
        "2026-10-01T10:00:00",
        "2026-10-01T10:00:00+08:00",
        "2026-10-01T02:00:00Z",
        "2026-10-01T10:00",
        "2026-10-01 10:00",
    ] {
        discover(&db, now, now);
    }
    let list = db.ok(&["--now", "2026-10-02", "list"]);
    let times: Vec<&str> = list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["discovered_at"].as_str().unwrap())
        .collect();
    assert_eq!(times.len(), 5);
    assert!(times.iter().all(|t| *t == "2026-10-01T02:00:00Z"), "{times:?}");
    for bad in ["2026-10-01T25:00", "2026-13-01", "tomorrow", "2026-10-01T10:00:00+25:00"] {
        let (code, _, err) = db.run(&["--now", bad, "list"]);
        assert_eq!(code, INVALID, "{bad}: {err}");
        assert!(err.contains("不是时间") && err.contains(bad), "{err}");
        let (_, _, err) = db.run(&["--lang", "en", "--now", bad, "list"]);
        assert!(err.contains("is not a time") && !err.contains("不是"), "{err}");
    }
}

#[test]
fn discover_in_an_unknown_unit_is_invalid_not_denied() {
    let db = setup();
    let args = ["--as", "zhou", "discover", "--unit", "nowhere", "--location", "x", "--title", "y"];
    let (code, json, err) = db.run(&args);
    assert_eq!(code, INVALID, "{err}");
    assert_eq!(json["kind"], "invalid");
    assert!(err.contains("没有单位 `nowhere`"), "{err}");
    let mut en = vec!["--lang", "en"];
    en.extend_from_slice(&args);
    let (code, _, err) = db.run(&en);
    assert_eq!(code, INVALID);
    assert!(err.contains("unknown unit `nowhere`"), "{err}");
    assert_eq!(db.ok(&["list"])["total"], 0);
}

#[test]
fn verify_reports_every_hazard_that_fails_and_exits_non_zero() {
    let db = setup();
    let ids: Vec<String> =
        (3..=5).map(|d| reported(&db, d, &format!("note-{d}"), "2025-03-14")).collect();
    assert_eq!(db.ok(&["verify"])["verified"], 3);
    // Change the stored title of two hazards' first events, as someone with the file could.
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    for d in [3, 5] {
        let changed = conn
            .execute(
                "UPDATE hazardloop_events SET record = replace(record, ?1, ?2) \
                 WHERE seq = 1 AND instr(record, ?1) > 0",
                [format!("note-{d}"), format!("NOTE-{d}")],
            )
            .unwrap();
        assert_eq!(changed, 1);
    }
    drop(conn);
    let (code, json, err) = db.run(&["verify"]);
    assert_eq!(code, OTHER, "{err}");
    assert_eq!(json["ok"], false);
    assert_eq!(json["verified"], 1);
    let failed: Vec<&str> =
        json["failed"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(failed.len(), 2, "{json}");
    for bad in [&ids[0], &ids[2]] {
        assert!(failed.contains(&bad.as_str()) && err.contains(bad.as_str()), "{bad}: {err}");
    }
    assert!(err.contains("第 1 条事件") && !err.contains(ids[1].as_str()), "{err}");
    assert_eq!(db.ok(&["verify", &ids[1]])["verified"], 1);
    let (code, _, err) = db.run(&["--lang", "en", "verify", &ids[0]]);
    assert_eq!(code, OTHER);
    assert!(err.contains("event 1 ") && err.contains("hash"), "{err}");
}

#[test]
fn refusals_are_in_the_chosen_language_only() {
    let db = setup();
    let id = discover(&db, &at(3, 9), "扶手松动");
    let args = ["--now", &at(3, 10), "--as", "zhang", "interim", &id, "--measures", "cordon"];
    let (code, _, zh) = db.run(&args);
    assert_eq!(code, INVALID);
    assert!(zh.contains("已发现") && zh.contains("临时管控") && zh.contains("不能办理"), "{zh}");
    assert!(!zh.contains("is not allowed") && !zh.contains("interim control"), "{zh}");
    let mut en = vec!["--lang", "en"];
    en.extend_from_slice(&args);
    let (_, _, en) = db.run(&en);
    assert!(en.contains("interim control is not allowed while the hazard is discovered"), "{en}");
    assert!(!en.contains("临时管控") && !en.contains("已发现"), "{en}");
    let (_, _, zh) = db.run(&["--as", "sun", "pause", &id, "--reason", "x"]);
    assert!(zh.contains("无权办理") && !zh.contains("denied"), "{zh}");
    let (_, _, en) = db.run(&["--lang", "en", "--as", "zhou", "pause", &id, "--reason", "x"]);
    assert!(en.contains("denied") && en.contains("pause clock"), "{en}");
    assert!(!en.contains("无权") && !en.contains("暂停计时"), "{en}");
}

#[test]
fn bad_input_to_every_subcommand_gets_its_exit_code_and_changes_nothing() {
    let db = setup();
    let found = discover(&db, &at(3, 9), "扶手松动");
    let treat = treating(&db, 4, "配电箱未上锁");
    let now = at(10, 9);
    let before = state(&db);
    let unit = ["--unit", "nowhere", "--location", "x", "--title", "y"];
    let cases: Vec<(&str, Vec<&str>, i32)> = vec![
        ("zhou", [&["discover"][..], &unit].concat(), INVALID),
        (
            "zhou",
            vec![
                "discover",
                "--unit",
                "school",
                "--location",
                "x",
                "--title",
                "y",
                "--source",
                "rumour",
            ],
            INVALID,
        ),
        (
            "zhou",
            [
                &["fix-on-the-spot", "--category", "fire", "--measures", "m", "--evidence", PHOTO]
                    [..],
                &unit,
            ]
            .concat(),
            INVALID,
        ),
        (
            "zhou",
            vec![
                "fix-on-the-spot",
                "--unit",
                "school",
                "--location",
                "x",
                "--title",
                "y",
                "--category",
                "unicorns",
                "--measures",
                "m",
                "--evidence",
                PHOTO,
            ],
            INVALID,
        ),
        (
            "zhou",
            vec![
                "fix-on-the-spot",
                "--unit",
                "school",
                "--location",
                "x",
                "--title",
                "y",
                "--category",
                "fire",
                "--measures",
                "m",
            ],
            INVALID,
        ),
        ("zhang", vec!["register", UNKNOWN, "--category", "fire", "--assignee", "sun"], INVALID),
        ("zhang", vec!["register", &found, "--category", "fire", "--assignee", "nobody"], INVALID),
        (
            "zhang",
            vec![
                "register",
                &found,
                "--category",
                "fire",
                "--assignee",
                "sun",
                "--unit",
                "nowhere",
            ],
            INVALID,
        ),
        (
            "zhang",
            vec![
                "register",
                &found,
                "--category",
                "fire",
                "--assignee",
                "sun",
                "--deadline",
                "someday",
            ],
            INVALID,
        ),
        ("zhang", vec!["register", &treat, "--category", "fire", "--assignee", "sun"], INVALID),
        ("sun", vec!["register", &found, "--category", "fire", "--assignee", "sun"], DENIED),
        ("zhang", vec!["report", "not-an-id"], INVALID),
        ("zhang", vec!["report", &treat], INVALID),
        ("zhang", vec!["start", &found], INVALID),
        ("sun", vec!["start", UNKNOWN], INVALID),
        ("sun", vec!["start", &treat, "--deadline", "2025-02-30"], INVALID),
        ("sun", vec!["progress", &found, "--note", "n"], INVALID),
        ("sun", vec!["progress", UNKNOWN, "--note", "n"], INVALID),
        ("sun", vec!["extend", &treat, "--to", "next week", "--reason", "r"], INVALID),
        ("sun", vec!["extend", &treat], USAGE),
        ("qian", vec!["extend", &treat, "--grant"], INVALID),
        ("sun", vec!["complete", &found, "--summary", "s", "--evidence", PHOTO], INVALID),
        ("sun", vec!["complete", &treat, "--summary", "s", "--evidence", "photo.jpg"], INVALID),
        ("zhou", vec!["accept", &treat, "--pass"], INVALID),
        ("zhou", vec!["accept", &treat], USAGE),
        ("zhang", vec!["close", &treat], INVALID),
        ("zhang", vec!["archive", &found], INVALID),
        (
            "wang",
            vec!["dismiss", &found, "--reason", "boring", "--note", "n", "--requested-by", "sun"],
            INVALID,
        ),
        ("wang", vec!["dismiss", &found, "--note", "n", "--requested-by", "nobody"], INVALID),
        ("sun", vec!["interim", &found, "--measures", "cordon"], INVALID),
        ("sun", vec!["interim", &treat, "--measures", "teleport"], INVALID),
        ("zhou", vec!["evidence", UNKNOWN, "--evidence", PHOTO], INVALID),
        ("zhou", vec!["evidence", &treat, "--evidence", "photo.jpg"], INVALID),
        ("zhou", vec!["evidence", &treat], USAGE),
        ("zhou", vec!["comment", UNKNOWN, "--text", "t"], INVALID),
        ("zhou", vec!["comment", "2025-9999", "--text", "t"], INVALID),
        ("sun", vec!["pause", &treat, "--reason", "r"], DENIED),
        ("wang", vec!["pause", UNKNOWN, "--reason", "r"], INVALID),
        ("wang", vec!["resume", &treat], INVALID),
        ("zhang", vec!["reassign", &treat, "--to", "nobody", "--note", "n"], INVALID),
        ("zhang", vec!["reassign", &found, "--to", "qian", "--note", "n"], INVALID),
        ("zhang", vec!["supervise", &treat], DENIED),
        ("zheng", vec!["supervise", &found], INVALID),
        ("nobody", vec!["comment", &treat, "--text", "t"], DENIED),
        ("zhang", vec!["show", UNKNOWN], INVALID),
        ("zhang", vec!["show", "not-an-id"], INVALID),
        ("zhang", vec!["list", "--stage", "brewing"], INVALID),
        ("zhang", vec!["list", "--category", "unicorns"], INVALID),
        ("zhang", vec!["list", "--grade", "huge"], INVALID),
        ("zhang", vec!["stats", "--period", "2025-13"], INVALID),
        ("zhang", vec!["verify", UNKNOWN], INVALID),
        ("zhang", vec!["verify", "not-an-id"], INVALID),
        ("zhang", vec!["categories", "extra"], USAGE),
        (
            "zhang",
            vec!["org", "add-person", "x", "--name", "X", "--unit", "school", "--role", "king"],
            INVALID,
        ),
        ("zhang", vec!["frobnicate"], USAGE),
    ];
    for (who, args, code) in &cases {
        let mut all = vec!["--now", &now, "--as", who];
        all.extend(args.iter().copied());
        let (got, json, err) = db.run(&all);
        assert_eq!(got, *code, "{all:?}: {err} {json}");
        if *code != USAGE {
            assert_eq!(json["ok"], false, "{all:?}");
            assert_eq!(json["code"], *code, "{all:?}");
            assert!(!err.trim().is_empty(), "{all:?}: a sentence on stderr");
        }
    }
    // Malformed times for the commands that only read or sweep.
    for args in [
        vec!["sweep"],
        vec!["dispatch"],
        vec!["list"],
        vec!["show", &treat],
        vec!["--as", "zhou", "comment", &treat, "--text", "t"],
    ] {
        let mut all = vec!["--now", "2025-03-10T9am"];
        all.extend(args.iter().copied());
        let (got, _, err) = db.run(&all);
        assert_eq!(got, INVALID, "{all:?}: {err}");
    }
    let out = db.path.with_file_name("x.bin");
    let (got, _, err) = db.run(&["export", "--what", "everything", "--out", out.to_str().unwrap()]);
    assert_eq!(got, USAGE, "{err}");
    let (got, _, err) = db.run(&["--as", "zhang", "import", "/nonexistent/ledger.csv"]);
    assert_eq!(got, INVALID, "{err}");
    assert_eq!(state(&db), before, "the database is unchanged");
    // And the good commands that only read still work.
    db.ok(&["--now", &now, "sweep"]);
    db.ok(&["--now", &now, "dispatch"]);
    db.ok(&["--now", &now, "stats", "--period", "2025-03"]);
    db.ok(&["org", "show"]);
}
