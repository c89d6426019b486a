//! The monthly summary page: self-contained, three SVG charts, the table, escaped user text.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use hazardloop_core::calendar::Calendar;
use hazardloop_core::model::Lang;
use hazardloop_core::report::statistics;
use hazardloop_export::monthly_html;
use hazardloop_testkit::Fixture;

fn page(lang: Lang) -> String {
    let f = Fixture::school();
    let rows = support::ledger(&f);
    let table = support::table(&f, &rows);
    let html =
        monthly_html(&rows, &table, &support::march(), &Calendar::china(), &support::cx(&f, lang))
            .unwrap();
    if let Ok(dir) = std::env::var("HAZARDLOOP_EXPORT_SAMPLES") {
        std::fs::write(format!("{dir}/summary-{lang:?}.html"), &html).unwrap();
    }
    html
}

#[test]
fn summary_has_the_period_label_three_svg_charts_and_the_table() {
    let html = page(Lang::Zh);
    assert!(html.starts_with("<!DOCTYPE html>"));
    // The rows stand at 2025-03-24 10:00, before March is over: the title says so.
    assert!(
        html.contains("<title>第一中学 2025年3月隐患排查治理月汇总（截至 2025-03-24）</title>"),
        "title with the school, the period label and the as-of date"
    );
    assert!(html.contains("<span class=\"school\">第一中学</span>"), "school in the heading");
    assert!(html.contains("截至 2025-03-24 10:00，本期尚未结束"), "a partial month says so");
    assert_eq!(html.matches("<svg").count(), 3, "three charts");
    assert_eq!(html.matches("</svg>").count(), 3);
    assert!(html.contains("<table class=\"stats\">"));
    for header in ["发现数", "已整改", "未整改", "逾期", "整改率", "按期率", "中位整改天数"]
    {
        let shown = hazardloop_export::escape_html(header);
        let breakable = header.chars().count() >= 4;
        assert!(breakable || html.contains(&format!("<th>{shown}</th>")), "{header}");
    }
    assert!(html.contains(
        "<tr class=\"total\"><td class=\"text name\" style=\"padding-left:0.5em\">总计</td>"
    ));
    // Chart text is SVG text, with the Chinese labels as written.
    assert!(html.contains("各类别发现与未整改隐患数") && html.contains("后勤管理处"));
    assert!(html.contains("3/3–3/9"), "week labels");
}

#[test]
fn summary_escapes_a_script_in_a_hazard_title() {
    let html = page(Lang::Zh);
    assert!(!html.contains("<script"), "no script element survives");
    assert!(html.contains("&lt;script&gt;alert(&#39;台账&#39;)&lt;/script&gt;"));
    assert!(html.contains("描述含&quot;引号&quot;"), "quotes in a description are escaped too");
}

#[test]
fn summary_loads_nothing_from_elsewhere() {
    let html = page(Lang::Zh);
    for external in ["<link", "src=", "@import", "url(", "href="] {
        assert!(!html.contains(external), "{external}");
    }
    assert!(html.contains("<style>"));
}

#[test]
fn summary_in_english_on_request() {
    let html = page(Lang::En);
    assert!(html
        .contains("<title>第一中学 Monthly hazard summary, March 2025 (as of 2025-03-24)</title>"));
    assert!(html.contains("<th>Rectification rate</th>"));
    assert_eq!(html.matches("<svg").count(), 3);
}

/// The rows of the list under the heading `title`.
fn listed(html: &str, title: &str) -> usize {
    let start = html.find(&format!("<h2>{title}</h2>")).unwrap();
    let part = &html[start..];
    let end = part[4..].find("<h2>").map_or(part.len(), |e| e + 4);
    part[..end].matches("<tr").count().saturating_sub(1) // less the header row
}

#[test]
fn overdue_list_counts_what_the_statistics_count() {
    let f = Fixture::school();
    let rows = support::ledger(&f);
    let calendar = Calendar::china();
    // March, still running at the rows' time; and its first half, over by then: a hazard
    // that fell overdue after 15 March is overdue now but not in that half's figures.
    for period in ["2025-03", "2025-03-H1"] {
        let period: hazardloop_core::report::Period = period.parse().unwrap();
        let table = statistics(&rows, period.bounds(&calendar), &f.org);
        let html =
            monthly_html(&rows, &table, &period, &calendar, &support::cx(&f, Lang::Zh)).unwrap();
        assert_eq!(listed(&html, "逾期未整改隐患"), table.total.overdue, "{period}");
    }
    let now_overdue = rows.iter().filter(|r| r.overdue).count();
    let h1: hazardloop_core::report::Period = "2025-03-H1".parse().unwrap();
    let h1_table = statistics(&rows, h1.bounds(&calendar), &f.org);
    assert_ne!(now_overdue, h1_table.total.overdue, "the two rules differ on this data");
}

#[test]
fn summary_explains_its_figures_and_prints_on_a4() {
    let html = page(Lang::Zh);
    assert!(html.contains("口径说明"));
    assert!(html.contains("本期发现且已验收合格数 ÷（本期发现数 − 本期发现中已排除数）"));
    assert!(html.contains("不论何时发现"), "已整改 counts acceptances of earlier finds too");
    assert!(html.contains("@media print") && html.contains("size: A4"));
    assert!(html.contains("break-inside: avoid") && html.contains("word-break: keep-all"));
    assert!(html.contains("<th>中位<wbr>整改<wbr>天数</th>"), "headers break between words");
    assert!(html.contains("各类别发现隐患（按等级、风险颜色）"));
    let english = page(Lang::En);
    assert!(english.contains("What the figures count") && !english.contains("口径说明"));
}
