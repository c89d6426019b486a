//! The monthly summary page: self-contained, three SVG charts, the table, escaped user text.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use hazardloop_core::calendar::Calendar;
use hazardloop_core::model::Lang;
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
    assert!(
        html.contains("<title>2025年3月隐患排查治理月汇总</title>"),
        "title with the period label"
    );
    assert_eq!(html.matches("<svg").count(), 3, "three charts");
    assert_eq!(html.matches("</svg>").count(), 3);
    assert!(html.contains("<table class=\"stats\">"));
    for header in ["发现数", "已整改", "未整改", "逾期", "整改率", "按期率", "中位整改天数"]
    {
        assert!(html.contains(&format!("<th>{header}</th>")), "{header}");
    }
    assert!(html
        .contains("<tr class=\"total\"><td class=\"text\" style=\"padding-left:0.5em\">总计</td>"));
    // Chart text is SVG text, with the Chinese labels as written.
    assert!(html.contains("各类别未整改隐患数") && html.contains("后勤管理处"));
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
    assert!(html.contains("<title>Monthly hazard summary, March 2025</title>"));
    assert!(html.contains("<th>Rectification rate</th>"));
    assert_eq!(html.matches("<svg").count(), 3);
}
