//! `hazardloop calendar show | load FILE` (issue 18): a deadline past the horizon is shown
//! provisional, loading the next year's notice moves it through an event, bad notices are
//! refused naming the field.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::Db;

const INVALID: i32 = 4;

/// Writes `text` to a file beside the database; its path.
fn write(db: &Db, name: &str, text: &str) -> String {
    let path = db.file(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn registered_on_28_december() -> (Db, String) {
    let db = Db::school();
    let found = db.ok(&[
        "--now",
        "2026-12-28T09:00:00+08:00",
        "--as",
        "zhou",
        "discover",
        "--unit",
        "school/logistics",
        "--location",
        "教学楼",
        "--title",
        "楼梯扶手松动",
    ]);
    let id = found["hazard"].as_str().unwrap().to_owned();
    db.ok(&[
        "--now",
        "2026-12-28T10:00:00+08:00",
        "--as",
        "zhang",
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
    ]);
    (db, id)
}

const NOTICE: &str = r#"{"year": 2027, "papers": [], "days": [
    {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
    {"name": "元旦", "date": "2027-01-02", "isOffDay": true},
    {"name": "元旦", "date": "2027-01-03", "isOffDay": true},
    {"name": "元旦", "date": "2027-01-04", "isOffDay": true}]}"#;

#[test]
fn provisional_deadline_is_marked_then_moved_by_loading_the_notice() {
    let (db, id) = registered_on_28_december();
    let now = ["--now", "2026-12-29T09:00:00+08:00"];
    let show = db.text(&[&now[..], &["--lang", "zh", "show", &id]].concat());
    assert!(show.contains("2027-01-05 17:30（暂定）"), "{show}");
    let json = db.ok(&[&now[..], &["show", &id]].concat());
    assert_eq!(json["ledger"]["deadline_provisional"], true, "{json}");
    let cal = db.ok(&["calendar", "show"]);
    assert_eq!(cal["horizon"], "2026-12-31", "{cal}");

    let file = write(&db, "2027.json", NOTICE);
    let loaded = db.ok(&[&now[..], &["calendar", "load", &file]].concat());
    assert_eq!(loaded["moved"].as_array().unwrap().len(), 1, "{loaded}");
    assert_eq!(loaded["horizon"], "2027-12-31");

    let show = db.text(&[&now[..], &["--lang", "zh", "show", &id]].concat());
    assert!(show.contains("2027-01-06 17:30"), "{show}");
    assert!(!show.contains("暂定"), "{show}");
    assert!(show.contains("期限重新推算"), "{show}");
    // The notice is saved with the policy: a later command still knows 2027.
    let cal = db.ok(&["calendar", "show", "--year", "2027"]);
    assert_eq!(cal["horizon"], "2027-12-31", "{cal}");
}

#[test]
fn bad_notice_file_names_the_field_and_changes_nothing() {
    let (db, _id) = registered_on_28_december();
    let file = write(&db, "2027.json", &NOTICE.replacen("2027-01-01", "2027-01-32", 1));
    let (code, out, err) = db.raw(&["calendar", "load", &file], true);
    assert_eq!(code, INVALID, "{out} {err}");
    assert!(out.contains("days[0].date"), "{out}");
    let cal = db.ok(&["calendar", "show"]);
    assert_eq!(cal["horizon"], "2026-12-31", "{cal}");
}
