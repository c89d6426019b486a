//! The import's row parser (`hazardloop_cli::import::parse_row`): cells over the policy's
//! limits are refused naming the column and the limit; long descriptions still import; and
//! arbitrary or mutated rows give commands or a typed error, never a panic, with accepted rows
//! deciding cleanly. The `import_row` fuzz target in `fuzz/` runs the same parser for longer.
//! Also `list --limit` over `limits.page_size`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use hazardloop_cli::error::CliError;
use hazardloop_cli::import::parse_row;
use hazardloop_core::workflow::{decide, Command, Hazard};
use hazardloop_testkit::{fold_onto, Fixture};
use proptest::prelude::*;

/// The columns of the import test in `month.rs`.
const HEADER: &str =
    "序号,发现时间,所在单位,具体位置,类别,隐患描述,等级,风险等级,责任单位,责任人,整改期限,当前环节";

/// A good row under [`HEADER`], one cell per column.
const GOOD: [&str; 12] = [
    "1",
    "2025-03-03 09:00",
    "后勤管理处",
    "食堂后厨",
    "buildings_construction",
    "燃气管老化：软管开裂",
    "一般隐患",
    "",
    "后勤管理处",
    "孙师傅",
    "2025-03-20",
    "已登记",
];

fn record(cells: &[&str]) -> csv::StringRecord {
    csv::StringRecord::from(cells.to_vec())
}

fn header() -> csv::StringRecord {
    record(&HEADER.split(',').collect::<Vec<_>>())
}

/// The fixture (its units and people have the names the rows use) and a time after the rows.
fn fixture() -> (Fixture, DateTime<Utc>) {
    let f = Fixture::school();
    let now = f.start + Duration::days(2);
    (f, now)
}

fn parse(f: &Fixture, now: DateTime<Utc>, cells: &[&str]) -> Result<Vec<Command>, CliError> {
    parse_row(&header(), &record(cells), &f.org, &f.policy, now)
}

/// Decides the row's commands in order as their usual actors; returns the hazard, or the first
/// refusal as text.
fn decide_row(f: &Fixture, now: DateTime<Utc>, commands: Vec<Command>) -> Result<Hazard, String> {
    let mut hazard: Option<Hazard> = None;
    for command in commands {
        let actor = f.actor_for(command.step(), hazard.as_ref());
        let events =
            decide(hazard.as_ref(), command, &f.ctx(&actor, now)).map_err(|e| e.to_string())?;
        hazard = Some(fold_onto(hazard, &events, now).expect("accepted events apply"));
    }
    hazard.ok_or_else(|| "no commands".into())
}

fn invalid(result: Result<Vec<Command>, CliError>) -> String {
    match result {
        Err(CliError::Invalid(reason)) => reason,
        other => panic!("expected an invalid-input error, got {other:?}"),
    }
}

#[test]
fn a_good_row_is_one_import_that_enters_registered() {
    let (f, now) = fixture();
    let commands = parse(&f, now, &GOOD).unwrap();
    let [Command::Import(import)] = commands.as_slice() else { panic!("one import: {commands:?}") };
    let (d, r) = (&import.discover, &import.register);
    assert_eq!((d.title.as_str(), d.description.as_str()), ("燃气管老化", "软管开裂"));
    assert_eq!(d.unit, f.logistics);
    assert_eq!(r.assignee, f.people.worker);
    let hazard = decide_row(&f, now, commands).unwrap();
    assert_eq!(hazard.kind(), hazardloop_core::workflow::StageKind::Registered);
}

#[test]
fn a_missing_required_column_is_refused_naming_it() {
    let (f, now) = fixture();
    let header = record(&["发现时间", "所在单位"]);
    let reason =
        match parse_row(&header, &record(&["2025-03-03", "后勤管理处"]), &f.org, &f.policy, now)
        {
            Err(CliError::Invalid(reason)) => reason,
            other => panic!("{other:?}"),
        };
    assert!(reason.contains("隐患部位"), "{reason}");
}

#[test]
fn cells_over_their_limits_are_refused_naming_column_and_limit() {
    let (f, now) = fixture();
    let limits = *f.policy.limits();
    let long_title = "后".repeat(limits.title + 1);
    let long_text = "食".repeat(limits.text + 1);
    // (column index, over-limit text, column header, limit key)
    let cases: [(usize, &str, &str, &str); 4] = [
        (2, &long_title, "所在单位", "limits.title"),
        (9, &long_title, "责任人", "limits.title"),
        (10, &long_title, "整改时限", "limits.title"),
        (3, &long_text, "隐患部位", "limits.text"),
    ];
    for (i, text, column, key) in cases {
        let mut cells = GOOD;
        cells[i] = text;
        let reason = invalid(parse(&f, now, &cells));
        assert!(reason.starts_with(column) && reason.contains(key), "{column}: {reason}");
    }
    // At the limit, the cell is read (and then resolved: an unknown unit is another error).
    let mut cells = GOOD;
    let at_limit = "后".repeat(limits.title);
    cells[2] = &at_limit;
    let reason = invalid(parse(&f, now, &cells));
    assert!(reason.contains("未知单位") && !reason.contains("limits."), "{reason}");
}

#[test]
fn a_long_description_without_a_title_still_imports() {
    let (f, now) = fixture();
    let limits = *f.policy.limits();
    let description = "楼梯扶手松动".repeat(limits.title / 6 + 10);
    let mut cells = GOOD;
    cells[5] = &description;
    let commands = parse(&f, now, &cells).unwrap();
    let Command::Import(import) = &commands[0] else { panic!("an import") };
    let d = &import.discover;
    assert_eq!(d.title.chars().count(), limits.title, "the title is the description's start");
    assert_eq!(d.description, description);
    decide_row(&f, now, commands).unwrap();

    // A colon far into the text is not a title separator.
    let late_colon = format!("{description}：补充说明");
    cells[5] = &late_colon;
    let Command::Import(import) = &parse(&f, now, &cells).unwrap()[0] else { panic!() };
    let d = &import.discover;
    assert_eq!(d.description, late_colon);

    // An over-long description is refused when decided, naming `limits.text`.
    let too_long = "扶".repeat(limits.text + 1);
    cells[5] = &too_long;
    let refused = decide_row(&f, now, parse(&f, now, &cells).unwrap()).unwrap_err();
    assert!(refused.starts_with("description") && refused.contains("limits.text"), "{refused}");
}

#[test]
fn list_limit_over_the_page_size_is_refused_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hazardloop.db");
    let db = db.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["hazardloop", "--db", db, "--format", "json"];
        all.extend_from_slice(args);
        hazardloop_cli::main_with(all.into_iter().map(String::from).collect())
    };
    let (_, err, code) = run(&["init", "--school", "第一中学"]);
    assert_eq!(code, 0, "{err}");
    let (out, _, code) = run(&["list", "--limit", "1000"]);
    assert_eq!(code, 0, "{out}");
    let (out, _, code) = run(&["list", "--limit", "1001"]);
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("limits.page_size") && out.contains("page.limit"), "{out}");
}

/// Cell values that break things: edges of dates, names, enum values, CSV syntax.
const CELLS: &[&str] = &[
    "",
    " ",
    "2025-03-03",
    "2025-03-03 09:00",
    "2025-03-03T09:00",
    "2025-03-03T09:00:00+08:00",
    "2025-02-30",
    "9999-12-31",
    "262143-12-31",
    "+262143-12-31T23:59:59Z",
    "-262144-01-01",
    "0000-01-01 00:00",
    "1970-01-01",
    "2099-01-01",
    "2025-03-03 24:00",
    "后勤管理处",
    "安全保卫处",
    "school/logistics",
    "孙师傅",
    "school-worker",
    "buildings_construction",
    "fire",
    "一般隐患",
    "重大隐患",
    "major",
    "红",
    "red",
    "已销号",
    "已登记",
    "closed",
    "：",
    ":",
    "标题：",
    "：描述",
    "\u{feff}",
    "\"",
    ",",
    "\n",
];

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(CELLS).prop_map(str::to_owned),
        2 => "\\PC{0,20}",
        1 => (prop_oneof![Just(199usize), Just(200), Just(201), Just(4001)], "[a-z后：]")
            .prop_map(|(n, c)| c.repeat(n)),
    ]
}

/// Writes cells as CSV text (quoting as needed) and reads them back as the import does.
fn through_csv(header: &str, rows: &[Vec<String>]) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    for row in rows {
        writer.write_record(row).unwrap();
    }
    let mut text = format!("{header}\n").into_bytes();
    text.extend(writer.into_inner().unwrap());
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_slice());
    let header = reader.headers().unwrap().clone();
    let records = reader.records().filter_map(Result::ok).collect();
    (header, records)
}

fn check_row(f: &Fixture, now: DateTime<Utc>, header: &csv::StringRecord, row: &csv::StringRecord) {
    match parse_row(header, row, &f.org, &f.policy, now) {
        Ok(commands) => {
            assert_eq!(commands.len(), 1, "one import");
            let _ = decide_row(f, now, commands);
        }
        Err(CliError::Invalid(reason)) => assert!(!reason.is_empty()),
        Err(other) => panic!("a row error is invalid input: {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_rows_parse_or_fail_typed(
        edits in prop::collection::vec((0usize..12, cell()), 1..4),
        extra in prop::collection::vec(cell(), 0..3),
    ) {
        let (f, now) = fixture();
        let mut cells: Vec<String> = GOOD.iter().map(|c| (*c).to_owned()).collect();
        for (i, value) in edits {
            cells[i] = value;
        }
        cells.extend(extra);
        let (header, records) = through_csv(HEADER, &[cells]);
        for row in &records {
            check_row(&f, now, &header, row);
        }
    }

    #[test]
    fn arbitrary_csv_text_parses_or_fails_typed(text in "\\PC{0,300}", fixed_header in any::<bool>()) {
        let (f, now) = fixture();
        let text = if fixed_header { format!("{HEADER}\n{text}") } else { text };
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
        let Ok(header) = reader.headers().cloned() else { return Ok(()) };
        for row in reader.records().take(8).filter_map(Result::ok) {
            check_row(&f, now, &header, &row);
        }
    }
}
