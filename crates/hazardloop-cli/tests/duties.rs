//! `hazardloop incident …`, `duty …` and `campaign …` through the built binary: an incident
//! reported by phone and in writing and closed, the refusal to close before the written
//! report; the seed's report schedules generating the quarterly analysis and submitting it
//! with the statistics table made on the spot; the seed 001 campaign's report duties and the
//! hazards tagged to it counted on their own.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::Value;
use sha2::{Digest, Sha256};
use support::Db;

const INVALID: i32 = 4;

/// Runs `args` as `who` at `now`, expecting success.
fn act(db: &Db, now: &str, who: &str, args: &[&str]) -> Value {
    let mut all = vec!["--now", now, "--as", who];
    all.extend_from_slice(args);
    db.ok(&all)
}

/// Runs `args` expecting exit `code`; returns stderr.
fn fails(db: &Db, args: &[&str], code: i32) -> String {
    let (got, json, err) = db.run(args);
    assert_eq!(got, code, "{args:?}: {err} {json}");
    assert_eq!(json["ok"], false, "{json}");
    err
}

#[test]
fn an_incident_is_reported_by_phone_and_in_writing_then_closed() {
    let db = Db::school();
    let opened = act(
        &db,
        "2026-10-09T10:05:00+08:00",
        "zhang",
        &[
            "incident",
            "open",
            "--unit",
            "school",
            "--title",
            "食堂疑似食物中毒",
            "--kind",
            "public_health",
            "--occurred-at",
            "2026-10-09 09:40",
            "--learned-at",
            "2026-10-09 10:00",
            "--location",
            "食堂",
            "--summary",
            "午餐后三名学生腹痛",
            "--id",
            "inc-1",
        ],
    );
    assert_eq!(opened["command"], "incident.open");
    assert_eq!(opened["incident"], "inc-1");
    assert_eq!(opened["status"], "open");
    // 30 minutes and 2 hours after the school learned of it, local 10:00.
    assert_eq!(opened["phone_due"], "2026-10-09T02:30:00Z");
    assert_eq!(opened["written_due"], "2026-10-09T04:00:00Z");

    let phoned = act(
        &db,
        "2026-10-09 10:20",
        "zhang",
        &["incident", "phone", "inc-1", "--to", "区教育局值班室", "--note", "三名学生腹痛，已送医"],
    );
    assert_eq!(phoned["status"], "phone_reported");

    // Closing before the written report is refused by its rule, and writes nothing.
    let err = fails(
        &db,
        &["--now", "2026-10-09 10:40", "--as", "zhang", "incident", "close", "inc-1"],
        INVALID,
    );
    assert!(err.contains("书面报告报送后方可结案"), "{err}");
    assert!(err.contains("written_before_close"), "{err}");
    let err = fails(
        &db,
        &[
            "--lang",
            "en",
            "--now",
            "2026-10-09 10:40",
            "--as",
            "zhang",
            "incident",
            "close",
            "inc-1",
        ],
        INVALID,
    );
    assert!(err.contains("written report before closing"), "{err}");

    act(
        &db,
        "2026-10-09 11:30",
        "zhang",
        &[
            "incident",
            "written",
            "inc-1",
            "--note",
            "简要书面报告",
            "--attach",
            "https://files.example.cn/inc-1/report.pdf",
        ],
    );
    act(
        &db,
        "2026-10-09 13:00",
        "zhang",
        &["incident", "follow-up", "inc-1", "--note", "学生已出院"],
    );
    act(
        &db,
        "2026-10-09 13:10",
        "zhang",
        &["incident", "attach", "inc-1", "https://files.example.cn/inc-1/photo.jpg"],
    );
    let closed = act(
        &db,
        "2026-10-09 14:00",
        "zhang",
        &["incident", "close", "inc-1", "--note", "处置完毕"],
    );
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["version"], 6);

    let text = db.text(&["--now", "2026-10-09 15:00", "incident", "show", "inc-1"]);
    for expected in [
        "食堂疑似食物中毒",
        "公共卫生事件",
        "获知时间：2026-10-09 10:00",
        "应报时间",
        "电话报告  2026-10-09 10:30  2026-10-09 10:20  已报",
        "书面报告  2026-10-09 12:00  2026-10-09 11:30  已报",
        "区教育局值班室",
        "续报",
        "photo.jpg",
        "已结案",
        "事件经过",
        "结案",
    ] {
        assert!(text.contains(expected), "`{expected}` missing from:\n{text}");
    }
    let english =
        db.text(&["--lang", "en", "--now", "2026-10-09 15:00", "incident", "show", "inc-1"]);
    for expected in ["phone report", "written report", "due", "met", "closed", "timeline"] {
        assert!(english.contains(expected), "`{expected}` missing from:\n{english}");
    }
    let json = db.ok(&["--now", "2026-10-09 15:00", "incident", "show", "inc-1"]);
    assert_eq!(json["clocks"][0]["state"], "met");
    assert_eq!(json["clocks"][0]["due_local"], "2026-10-09 10:30");
    assert_eq!(json["clocks"][1]["state"], "met");
    assert_eq!(json["reports"].as_array().unwrap().len(), 3);
    let types: Vec<&str> =
        json["timeline"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["opened", "reported", "reported", "reported", "attached", "closed"]);

    // A second incident not yet reported: its phone report is overdue at 10:45.
    act(
        &db,
        "2026-10-10 10:05",
        "zhang",
        &[
            "incident",
            "open",
            "--unit",
            "school",
            "--title",
            "围墙倒塌",
            "--kind",
            "accident",
            "--occurred-at",
            "2026-10-10 09:50",
            "--learned-at",
            "2026-10-10 10:00",
            "--id",
            "inc-2",
        ],
    );
    let text = db.text(&["--now", "2026-10-10 10:45", "incident", "show", "inc-2"]);
    let line = |clock: &str| text.lines().find(|l| l.trim_start().starts_with(clock)).unwrap();
    assert!(
        line("电话报告").contains("2026-10-10 10:30") && line("电话报告").ends_with("逾期"),
        "{text}"
    );
    assert!(
        line("书面报告").contains("2026-10-10 12:00") && line("书面报告").ends_with("未报"),
        "{text}"
    );

    let open = db.ok(&["incident", "list", "--open"]);
    assert_eq!(open["total"], 1);
    assert_eq!(open["rows"][0]["id"], "inc-2");
    let all = db.ok(&["incident", "list", "--from", "2026-10-09", "--to", "2026-10-09"]);
    assert_eq!(all["total"], 1);
    let stats = db.ok(&["--now", "2026-10-10 12:30", "incident", "stats", "--period", "2026-10"]);
    assert_eq!(stats["tally"]["incidents"], 2);
    assert_eq!(stats["tally"]["phone_on_time"], 1);
    assert_eq!(stats["tally"]["phone_missing"], 1);
    assert_eq!(stats["tally"]["written_missing"], 1);

    // Unknown ids and classes name what is wrong.
    let err = fails(
        &db,
        &[
            "--as",
            "zhang",
            "incident",
            "open",
            "--unit",
            "school",
            "--title",
            "x",
            "--kind",
            "fire",
            "--occurred-at",
            "2026-10-01",
        ],
        INVALID,
    );
    assert!(err.contains("--kind"), "{err}");
    let err = fails(&db, &["incident", "show", "inc-9"], INVALID);
    assert!(err.contains("inc-9"), "{err}");

    // Both incidents verify with the hazards.
    assert_eq!(db.ok(&["verify"])["records"], 2);
}

#[test]
fn the_quarterly_analysis_is_generated_and_submitted_with_its_statistics_table() {
    let db = Db::school();
    let preset = db.ok(&["duty", "schedules", "preset"]);
    assert_eq!(preset["schedules"], 5);
    let shown = db.text(&["duty", "schedules", "show"]);
    assert!(shown.contains("季度安全形势分析"), "{shown}");

    let generated = db.ok(&[
        "--now",
        "2026-10-01",
        "duty",
        "generate",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-31",
    ]);
    assert_eq!(generated["created"], 1);
    let again = db.ok(&[
        "--now",
        "2026-10-01",
        "duty",
        "generate",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-31",
    ]);
    assert_eq!(again["created"], 0, "generating again adds nothing");

    const ID: &str = "quarterly-analysis/school/2026-Q3";
    let list = db.ok(&["--now", "2026-10-10", "duty", "list", "--open"]);
    let rows = list["rows"].as_array().unwrap();
    let row = rows.iter().find(|r| r["id"] == ID).expect("the Q3 analysis is listed");
    assert_eq!(row["due_date"], "2026-10-15");
    assert_eq!(row["status"], "due");
    let text = db.text(&["--now", "2026-10-10", "duty", "list", "--unit", "school"]);
    assert!(text.contains(ID) && text.contains("2026-10-15") && text.contains("待报送"), "{text}");
    let late = db.text(&["--now", "2026-10-16", "duty", "list"]);
    assert!(late.contains("逾期"), "{late}");

    let file = db.file("2026-Q3统计表.xlsx");
    let file_arg = file.display().to_string();
    let submitted = act(
        &db,
        "2026-10-12 10:00",
        "zhang",
        &["duty", "submit", ID, "--statistics", &file_arg, "--note", "三季度分析"],
    );
    assert_eq!(submitted["status"], "submitted");
    let bytes = std::fs::read(&file).expect("the statistics table is written");
    assert!(bytes.len() > 1000, "an XLSX of {} bytes", bytes.len());
    assert_eq!(&bytes[..2], b"PK", "an XLSX is a zip");
    let attached = &submitted["attachments"][0];
    assert_eq!(attached["sha256"], hex::encode(Sha256::digest(&bytes)));
    assert!(attached["uri"].as_str().unwrap().ends_with("2026-Q3统计表.xlsx"), "{attached}");

    let shown = db.text(&["--now", "2026-10-20", "duty", "show", ID]);
    for expected in [
        "季度安全形势分析",
        "2026-Q3",
        "截止：2026-10-15",
        "已报送",
        "隐患问题统计表",
        "三季度分析",
    ] {
        assert!(shown.contains(expected), "`{expected}` missing from:\n{shown}");
    }
    let english = db.text(&["--lang", "en", "--now", "2026-10-20", "duty", "show", ID]);
    assert!(english.contains("submitted"), "{english}");

    // Submitting twice is refused by its rule, and writes no second file.
    let second = db.file("again.xlsx");
    let second_arg = second.display().to_string();
    let err = fails(
        &db,
        &[
            "--now",
            "2026-10-13",
            "--as",
            "zhang",
            "duty",
            "submit",
            ID,
            "--statistics",
            &second_arg,
        ],
        INVALID,
    );
    assert!(err.contains("该事项已报送"), "{err}");
    assert!(!second.exists());

    // Without a document the duty names the flag.
    db.ok(&[
        "--now",
        "2027-01-01",
        "duty",
        "generate",
        "--from",
        "2027-01-01",
        "--to",
        "2027-01-31",
    ]);
    let err = fails(
        &db,
        &[
            "--now",
            "2027-01-05",
            "--as",
            "zhang",
            "duty",
            "submit",
            "quarterly-analysis/school/2026-Q4",
        ],
        INVALID,
    );
    assert!(err.contains("--attach"), "{err}");
    let err = fails(&db, &["duty", "show", "quarterly-analysis/school/2030-Q1"], INVALID);
    assert!(err.contains("没有报告事项"), "{err}");

    let stats = db.ok(&["--now", "2026-10-20", "duty", "stats", "--period", "2026-10"]);
    assert_eq!(stats["tally"]["duties"], 1);
    assert_eq!(stats["tally"]["on_time"], 1);
}

#[test]
fn a_campaign_makes_report_duties_and_counts_only_its_own_hazards() {
    let db = Db::school();
    let preset = db.ok(&["campaign", "preset", "seed-001"]);
    assert_eq!(preset["campaign"]["code"], "campus-safety");
    let listed = db.text(&["campaign", "list"]);
    assert!(listed.contains("校园安全专项整治") && listed.contains("自查自纠阶段"), "{listed}");

    let generated = db.ok(&[
        "--now",
        "2021-11-01",
        "duty",
        "generate",
        "--from",
        "2021-11-01",
        "--to",
        "2022-01-31",
    ]);
    assert_eq!(generated["created"], 4);
    let list = db.ok(&["--now", "2021-11-01", "duty", "list"]);
    let due: Vec<&str> =
        list["rows"].as_array().unwrap().iter().map(|r| r["due_date"].as_str().unwrap()).collect();
    assert_eq!(due, ["2021-11-22", "2021-12-06", "2021-12-20", "2022-01-03"]);
    assert!(list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["group"] == "campaign-campus-safety"));

    let tagged = act(
        &db,
        "2021-11-10 10:00",
        "zhou",
        &[
            "discover",
            "--unit",
            "school/logistics",
            "--location",
            "操场",
            "--title",
            "围栏破损",
            "--campaign",
            "campus-safety",
        ],
    );
    act(
        &db,
        "2021-11-10 11:00",
        "zhou",
        &["discover", "--unit", "school/logistics", "--location", "楼道", "--title", "灯不亮"],
    );
    let rows = db.ok(&["--now", "2021-11-11", "list"]);
    let row =
        rows["rows"].as_array().unwrap().iter().find(|r| r["id"] == tagged["hazard"]).unwrap();
    assert_eq!(row["campaign"], "campus-safety", "{row}");

    let stats = db.ok(&["--now", "2021-12-01", "campaign", "stats", "campus-safety"]);
    assert_eq!(stats["table"]["total"]["discovered"], 1, "only the tagged hazard");
    let phase =
        db.ok(&["--now", "2021-12-01", "campaign", "stats", "campus-safety", "--phase", "2"]);
    assert_eq!(phase["table"]["total"]["discovered"], 0, "it was found in the first phase");
    let text =
        db.text(&["--now", "2021-12-01", "campaign", "stats", "campus-safety", "--phase", "1"]);
    assert!(text.contains("自查自纠阶段") && text.contains("合计"), "{text}");
    let out = db.file("专项整治.xlsx");
    let out_arg = out.display().to_string();
    db.ok(&["--now", "2021-12-01", "campaign", "stats", "campus-safety", "--out", &out_arg]);
    assert!(std::fs::metadata(&out).unwrap().len() > 0);

    // The campaign's statistics table goes with its report duty.
    let csv = db.file("2021-11-22.csv");
    let csv_arg = csv.display().to_string();
    let submitted = act(
        &db,
        "2021-11-22 15:00",
        "zhang",
        &["duty", "submit", "campaign-campus-safety/school/2021-11-22", "--statistics", &csv_arg],
    );
    assert_eq!(submitted["status"], "submitted");
    assert!(std::fs::read_to_string(&csv).unwrap().contains("单位"));

    let err = fails(
        &db,
        &[
            "--now",
            "2021-11-10 12:00",
            "--as",
            "zhou",
            "discover",
            "--unit",
            "school/logistics",
            "--location",
            "操场",
            "--title",
            "x",
            "--campaign",
            "no-such",
        ],
        INVALID,
    );
    assert!(err.contains("campaign"), "{err}");
    let err = fails(&db, &["campaign", "stats", "no-such"], INVALID);
    assert!(err.contains("专项整治不存在"), "{err}");
    let err = fails(&db, &["campaign", "preset", "seed-999"], INVALID);
    assert!(err.contains("seed-001"), "{err}");

    // The sweep walks the duties' ladder and marks the missed ones; every record verifies.
    let swept = db.ok(&["--now", "2022-02-28", "sweep"]);
    assert_eq!(swept["records"]["missed"], 3, "{swept}");
    let listed = db.text(&["--now", "2022-02-28", "duty", "list"]);
    assert!(listed.contains("漏报") && listed.contains("已报送"), "{listed}");
    assert_eq!(db.ok(&["verify"])["records"], 4);
}

#[test]
fn schedules_and_campaigns_load_from_files_and_bad_ones_name_the_field() {
    let db = Db::school();
    let schedules = db.file("schedules.toml");
    std::fs::write(
        &schedules,
        "[[schedules]]\ncode = \"monthly-report\"\ntitle = \"月度隐患排查报告\"\n\
         due = { rule = \"dates\", dates = [2026-11-05, 2026-12-05] }\nstatistics = true\n",
    )
    .unwrap();
    let path = schedules.display().to_string();
    assert_eq!(db.ok(&["duty", "schedules", "load", &path])["schedules"], 1);
    let bad = db.file("bad.toml");
    std::fs::write(
        &bad,
        "[[schedules]]\ncode = \"x y\"\ntitle = \"t\"\ndue = { rule = \"yearly\", month = 1, day = 20 }\n",
    )
    .unwrap();
    let err = fails(&db, &["duty", "schedules", "load", &bad.display().to_string()], INVALID);
    assert!(err.contains("schedules[0].code"), "{err}");
    assert_eq!(db.ok(&["duty", "schedules", "show"])["schedules"][0]["code"], "monthly-report");

    let campaign = db.file("campaign.toml");
    std::fs::write(
        &campaign,
        "code = \"fire-2026\"\ntitle = \"消防安全专项整治\"\nreport_dates = [2026-11-30]\n\
         [[phases]]\nname = \"排查阶段\"\nfrom = 2026-11-02\nto = 2026-11-20\n",
    )
    .unwrap();
    db.ok(&["campaign", "add", &campaign.display().to_string()]);
    assert_eq!(db.ok(&["campaign", "list"])["campaigns"][0]["code"], "fire-2026");
    let generated = db.ok(&[
        "--now",
        "2026-11-01",
        "duty",
        "generate",
        "--from",
        "2026-11-01",
        "--to",
        "2026-12-31",
    ]);
    assert_eq!(generated["created"], 3, "two monthly reports and the campaign's table");
}
