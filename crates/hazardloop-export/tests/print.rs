//! The printed forms, through the real tools a school would use: the workbooks printed to PDF
//! by LibreOffice, a CSV with formula-looking titles opened by LibreOffice, and the summary
//! page printed by Chromium. Each test skips with a reason when a tool is missing, and fails
//! when the environment variable `CI` is set.
//!
//! Set `HAZARDLOOP_PRINT_LOOK=<dir>` to keep the PDFs and pictures there.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use chrono::Duration;
use hazardloop_core::calendar::Calendar;
use hazardloop_core::model::{Grade, Lang};
use hazardloop_core::report::{statistics, LedgerRow};
use hazardloop_core::workflow::Command;
use hazardloop_export::{
    ledger_csv, ledger_csv_with, ledger_xlsx, monthly_html, stats_xlsx_with, CsvOptions, PrintSetup,
};
use hazardloop_testkit::{Fixture, MAIN_PATH};

/// The path of `tool`, or `None` after saying why the test is skipped (a panic under CI).
fn tool(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from("/usr/bin").join(name);
    if path.exists() {
        return Some(path);
    }
    let why = format!("{name} is not installed at {}", path.display());
    assert!(std::env::var_os("CI").is_none(), "{why}: the print tests need it under CI");
    eprintln!("skipped: {why}");
    None
}

/// A fresh directory of this test's own, removed when dropped (kept when the test fails, to
/// look at).
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("hazardloop-print-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

/// Runs `program` with `args`, failing the test with its output if it fails.
fn run(program: &Path, args: &[&str]) -> String {
    let out = Process::new(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{} {args:?}: {}\n{}",
        program.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Converts `file` with LibreOffice into `to` (`pdf`, `fods`, a filter spec) in `dir`, with a
/// private profile so that parallel runs do not share one. `infilter` gives import options.
fn soffice(soffice: &Path, dir: &Path, file: &Path, to: &str, infilter: Option<&str>) -> PathBuf {
    let profile = format!("-env:UserInstallation=file://{}/profile", dir.display());
    let mut args = vec![profile.as_str(), "--headless", "--norestore"];
    let filter;
    if let Some(options) = infilter {
        filter = format!("--infilter={options}");
        args.push(&filter);
    }
    let outdir = dir.display().to_string();
    args.extend(["--convert-to", to, "--outdir", &outdir, file.to_str().unwrap()]);
    run(soffice, &args);
    let ext = to.split(':').next().unwrap();
    let made = file.with_extension(ext);
    let made = dir.join(made.file_name().unwrap());
    assert!(made.exists(), "LibreOffice made no {}", made.display());
    made
}

/// Whether pdfinfo's page size is A4, landscape or portrait (within a point).
fn is_a4(size: &str, landscape: bool) -> bool {
    let numbers: Vec<f64> = size
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|n| n.parse().ok())
        .collect();
    let (w, h) = if landscape { (841.89, 595.28) } else { (595.28, 841.89) };
    matches!(numbers[..], [a, b, ..] if (a - w).abs() < 1.0 && (b - h).abs() < 1.0)
}

fn pages(pdf: &Path) -> (usize, String) {
    let info = run(&tool("pdfinfo").unwrap(), &[pdf.to_str().unwrap()]);
    let count = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .map(|n| n.trim().parse().unwrap())
        .unwrap();
    let size = info.lines().find(|l| l.starts_with("Page size:")).unwrap_or("").to_owned();
    (count, size)
}

fn text_of(pdf: &Path, page: Option<usize>, layout: bool) -> String {
    let mut args: Vec<String> = Vec::new();
    if let Some(p) = page {
        args.extend(["-f".into(), p.to_string(), "-l".into(), p.to_string()]);
    }
    if layout {
        args.push("-layout".into());
    }
    args.extend([pdf.display().to_string(), "-".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&tool("pdftotext").unwrap(), &args)
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Keeps `file` in `HAZARDLOOP_PRINT_LOOK`, with a PNG of page 1 when it is a PDF.
fn keep(file: &Path) {
    let Ok(look) = std::env::var("HAZARDLOOP_PRINT_LOOK") else { return };
    let kept = Path::new(&look).join(file.file_name().unwrap());
    std::fs::copy(file, &kept).unwrap();
    if file.extension().is_some_and(|e| e == "pdf") {
        if let Some(pdftoppm) = tool("pdftoppm") {
            let stem = kept.with_extension("");
            let args = ["-png", "-r", "60", "-f", "1", "-l", "1", kept.to_str().unwrap()];
            let mut args = args.to_vec();
            args.push(stem.to_str().unwrap());
            run(&pdftoppm, &args);
        }
    }
}

/// About 400 characters of a major hazard's description, as a safety officer writes it.
fn long_description() -> String {
    let text = "实验楼三楼化学实验室通风橱排风机停转已超过两周，室内有明显刺激性气味，\
        危险化学品储藏柜未按规定双人双锁管理，柜内浓硫酸、浓盐酸与乙醇等易燃液体混放，\
        部分试剂瓶标签脱落无法辨认，废液桶已满且无盖，摆放在紧邻配电箱的位置，\
        配电箱门锁损坏、内部线路有过热变色痕迹，地面有积水，应急洗眼器水压不足，\
        灭火器压力表指针处于红区，疏散通道被教学器材纸箱部分堵塞，安全出口指示灯不亮，\
        实验室管理员称已多次口头报告但未见处理。该情况一旦发生泄漏或电气火灾，\
        可能造成人员中毒、灼伤和火灾，影响整栋楼师生安全，且学生每周均在此上课，\
        风险持续存在。建议立即停止该实验室教学活动，设置警示标识，\
        由后勤管理处联系专业单位检修通风和配电设施，由安全保卫处更换灭火器并清理通道，\
        由实验室管理员按规定分类存放危险化学品并建立台账，废液交有资质单位处置，\
        整改完成后由学校组织验收并向教育局报告整改情况。";
    assert!((380..=420).contains(&text.chars().count()), "{}", text.chars().count());
    text.to_owned()
}

/// 50 hazards found over March 2025, at every step of the loop, given newest first; one is
/// major with the long description.
fn fifty(f: &Fixture) -> Vec<LedgerRow> {
    let now = f.start + Duration::days(27);
    let mut rows = Vec::new();
    for i in 0..50 {
        let start = f.start + Duration::hours(11 * i);
        let steps = &MAIN_PATH[..1 + (i as usize % MAIN_PATH.len())];
        let grade = if i == 17 { Grade::Major } else { Grade::General };
        let hazard = support::run(f, grade, start, steps, |c| {
            if let Command::Discover(d) = c {
                d.title = format!("第{}号隐患", i + 1);
                if i == 17 {
                    d.title = "化学实验室重大隐患".into();
                    d.description = long_description();
                }
            }
        });
        rows.push(LedgerRow::from_hazard(&hazard, now));
    }
    assert!(rows.iter().any(|r| r.grade == Some(Grade::Major)));
    rows.reverse();
    rows
}

#[test]
fn ledger_prints_one_page_wide_with_its_header_on_every_page() {
    let (Some(soffice_bin), Some(_), Some(_)) =
        (tool("soffice"), tool("pdfinfo"), tool("pdftotext"))
    else {
        return;
    };
    let f = Fixture::school();
    let rows = fifty(&f);
    let dir = scratch("ledger");
    let xlsx = dir.join("ledger.xlsx");
    std::fs::write(&xlsx, ledger_xlsx(&rows, &support::cx(&f, Lang::Zh)).unwrap()).unwrap();
    let pdf = soffice(&soffice_bin, &dir, &xlsx, "pdf", None);
    keep(&pdf);

    let (count, size) = pages(&pdf);
    assert!(is_a4(&size, true), "A4 landscape: {size}");
    // Observed: 3 pages, 28 two-line rows on a full page. Each row is set 34 points high (two
    // lines of 15 and a margin), the major hazard's 409 (Excel's most), as tall as 12 rows:
    // 49 + 12 = 61 row heights, ceil(61 / 28) = 3 pages, the third with the last rows and the
    // signatures. One page wide: were the 21 columns not fitted across, each band of rows
    // would print on two pages or more, and the pages below would lack 序号 or 备注.
    assert_eq!(count, 3, "pages");
    for page in 1..=count {
        let text = squeeze(&text_of(&pdf, Some(page), false));
        // The header row on every page, its first and last column: one page wide, repeated.
        assert!(text.contains("序号") && text.contains("备注"), "page {page}: {text}");
        assert!(text.contains("隐患描述"), "page {page}");
    }
    let all = squeeze(&text_of(&pdf, None, false));
    assert!(all.contains("第一中学"), "school");
    assert!(all.contains("安全隐患排查治理台账"), "title");
    assert!(all.contains("截至2025-03-3010:00"), "as-of time: the rows' latest");
    for signature in ["填表人", "审核人", "单位负责人", "日期", "（盖章）"] {
        assert!(all.contains(signature), "{signature}");
    }
    let last = squeeze(&text_of(&pdf, Some(count), false));
    assert!(last.contains("单位负责人"), "signatures on the last page");
    // The grade cell (重大隐患) stands level with the description's first line, and pdftotext
    // reads the two as one line; without it, the description is there whole, in order.
    let description = squeeze(&long_description());
    assert!(!description.contains("重大隐患"));
    assert!(all.replace("重大隐患", "").contains(&description), "the long description, whole");
    // Chronological: 第1号 (found first) is printed before 第50号 though given last.
    let (first, fiftieth) = (all.find("第1号隐患").unwrap(), all.find("第50号隐患").unwrap());
    assert!(first < fiftieth, "oldest first");
}

#[test]
fn statistics_print_with_school_title_and_signatures() {
    let (Some(soffice_bin), Some(_), Some(_)) =
        (tool("soffice"), tool("pdfinfo"), tool("pdftotext"))
    else {
        return;
    };
    let f = Fixture::school();
    let rows = fifty(&f);
    let calendar = Calendar::china();
    let period = support::march();
    let table = statistics(&rows, period.bounds(&calendar), &f.org);
    let now = f.start + Duration::days(20);
    let setup = PrintSetup::for_period(&period, &calendar, Lang::Zh, now);
    let dir = scratch("stats");
    let xlsx = dir.join("stats.xlsx");
    let bytes = stats_xlsx_with(&table, &support::cx(&f, Lang::Zh), &setup).unwrap();
    std::fs::write(&xlsx, bytes).unwrap();
    let pdf = soffice(&soffice_bin, &dir, &xlsx, "pdf", None);
    keep(&pdf);

    let (count, size) = pages(&pdf);
    assert!(is_a4(&size, true), "A4 landscape: {size}");
    assert_eq!(count, 1, "a school's table fits one page");
    let all = squeeze(&text_of(&pdf, None, false));
    for part in ["第一中学", "隐患问题统计表", "统计期间：2025年3月", "截至2025-03-2310:00"]
    {
        assert!(all.contains(part), "{part}: {all}");
    }
    for part in ["填表人", "审核人", "单位负责人", "（盖章）", "中位整改天数", "总计"]
    {
        assert!(all.contains(part), "{part}");
    }
}

/// Titles that a spreadsheet would run as formulas.
const FORMULAS: [&str; 4] = ["=1+1", "+2+3", "-4+5", "@SUM(6,7)"];

fn formula_rows(f: &Fixture) -> Vec<LedgerRow> {
    let base = support::ledger(f).swap_remove(2);
    FORMULAS
        .iter()
        .map(|t| LedgerRow { title: (*t).into(), description: String::new(), ..base.clone() })
        .collect()
}

/// The CSV opened by LibreOffice as Excel would (UTF-8, comma, formulas evaluated), saved as
/// flat ODF; the number of cells that hold a formula.
fn formulas_seen(soffice_bin: &Path, dir: &Path, csv: &[u8]) -> usize {
    let file = dir.join("ledger.csv");
    std::fs::write(&file, csv).unwrap();
    // Separator 44 (,), text delimiter 34 ("), UTF-8 (76), from line 1, …, token 13: evaluate
    // formulas, as Excel and WPS do.
    let options = "CSV:44,34,76,1,,0,false,true,false,false,false,-1,true";
    let fods = soffice(soffice_bin, dir, &file, "fods", Some(options));
    let text = std::fs::read_to_string(&fods).unwrap();
    assert!(text.contains("隐患描述"), "the CSV was read as UTF-8");
    text.matches("table:formula=").count()
}

#[test]
fn csv_titles_that_look_like_formulas_stay_text_in_libreoffice() {
    let Some(soffice_bin) = tool("soffice") else { return };
    let f = Fixture::school();
    let rows = formula_rows(&f);
    let cx = support::cx(&f, Lang::Zh);
    let dir = scratch("csv");
    assert_eq!(formulas_seen(&soffice_bin, &dir, &ledger_csv(&rows, &cx)), 0, "neutralised");
    // The same file without the quotes: LibreOffice runs `=1+1`, so the check above can fail.
    // (LibreOffice reads `+2+3`, `-4+5` and `@SUM(6,7)` as text where Excel runs them too.)
    let plain = ledger_csv_with(&rows, &cx, CsvOptions { neutralise_formulas: false });
    let dir = scratch("csv-plain");
    assert!(formulas_seen(&soffice_bin, &dir, &plain) >= 1, "a formula when off");
}

#[test]
fn summary_prints_on_a4_with_school_legend_and_table_headers() {
    let (Some(chromium), Some(_)) = (tool("chromium"), tool("pdftotext")) else { return };
    let f = Fixture::school();
    let rows = support::ledger(&f);
    let table = support::table(&f, &rows);
    let calendar = Calendar::china();
    let html =
        monthly_html(&rows, &table, &support::march(), &calendar, &support::cx(&f, Lang::Zh))
            .unwrap();
    let dir = scratch("html");
    let page = dir.join("summary.html");
    std::fs::write(&page, html).unwrap();
    let url = format!("file://{}", page.display());
    let profile = format!("--user-data-dir={}", dir.join("chromium").display());
    let common = ["--headless", "--no-sandbox", "--disable-gpu", profile.as_str()];
    let png = dir.join("summary.png");
    let shot = format!("--screenshot={}", png.display());
    let mut args = common.to_vec();
    args.extend([shot.as_str(), "--window-size=794,1123", url.as_str()]);
    run(&chromium, &args);
    assert!(std::fs::metadata(&png).unwrap().len() > 10_000, "a screenshot with content");
    keep(&png);

    let pdf = dir.join("summary.pdf");
    let print = format!("--print-to-pdf={}", pdf.display());
    let mut args = common.to_vec();
    args.extend([print.as_str(), "--no-pdf-header-footer", url.as_str()]);
    run(&chromium, &args);
    keep(&pdf);
    let (_, size) = pages(&pdf);
    assert!(is_a4(&size, false), "A4 portrait: {size}");

    let all = squeeze(&text_of(&pdf, None, false));
    for part in ["第一中学", "口径说明", "整改率", "本期发现且已验收合格数", "截至2025-03-24"]
    {
        assert!(all.contains(part), "{part}");
    }
    // The statistics table's headers on one printed line, in order, not a character a line.
    let layout = text_of(&pdf, None, true);
    let headers = ["单位", "发现数", "已整改", "未整改", "整改率", "按期率", "中位整改天数"];
    let line = layout.lines().find(|l| l.contains("发现数") && l.contains("中位整改天数"));
    let line = line.unwrap_or_else(|| panic!("no line holds the headers:\n{layout}"));
    let mut at = 0;
    for header in headers {
        let found = line[at..].find(header).unwrap_or_else(|| panic!("{header} in {line:?}"));
        at += found + header.len();
    }
}
