//! The HTML summary of a period (月汇总): one self-contained page, inline CSS and SVG.

mod breakdown;
mod charts;
mod inspections;
mod labels;
mod legend;
mod weeks;

use std::fmt::Write as _;

use hazardloop_core::calendar::Calendar;
use hazardloop_core::model::Lang;
use hazardloop_core::report::{
    CellContext, Column, LedgerRow, Period, PeriodKind, Stats, StatsTable, Tally,
};
use plotters::style::RGBColor;

use crate::stats_layout::{category_name, stats_lines, LineKind, StatColumn};
use crate::ExportError;
use charts::Series;
use inspections::inspection_part;
pub use inspections::InspectionSummary;
pub use weeks::{weeks, Week};

const STYLE: &str = include_str!("style.css");

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Picks the text of `lang`.
fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// The summary page of `period` (月汇总 for a month): a title with the school (the root unit
/// of the context's organisation) and the period's label (`2025年3月`), marked `截至 <time>`
/// while the period is not over at the rows' [`LedgerRow::as_of`] (the figures then stand at
/// that time, not at the period's end); headline figures of the grand total and a legend of
/// what each counts (the definitions of [`Stats`]); the statistics table (the lines of
/// [`crate::stats_lines`], less units with nothing found or open in their subtree); the
/// hazards found per category by grade and risk colour; three SVG charts (hazards found and
/// rectified per week of the period, found and open hazards by category, overdue hazards by
/// unit), their labels wrapped to their slots; and two lists: the hazards the statistics count
/// as overdue (逾期未整改, [`Stats::overdue`] of each row) and the hazards found in the period.
/// It prints on A4: rows and charts are not split across pages.
///
/// `table` should be `statistics(rows, period.bounds(calendar), org)`. Every text that comes
/// from users (titles, descriptions, names) is escaped; the page loads nothing from elsewhere.
/// [`monthly_html_with`] adds the inspections of the period.
pub fn monthly_html(
    rows: &[LedgerRow],
    table: &StatsTable,
    period: &Period,
    calendar: &Calendar,
    cx: &CellContext<'_>,
) -> Result<String, ExportError> {
    monthly_html_with(rows, table, period, calendar, cx, None)
}

/// The page of [`monthly_html`], with a part on inspections (隐患排查完成情况) when
/// `inspections` is given, between the charts and the lists: headline figures of the total
/// (应检, 已检, 完成率, 漏检…), the inspection statistics table (the lines of
/// [`crate::inspection_lines`], units indented by depth, 总计 last), how the completion rate
/// is reckoned, and a fourth SVG chart: planned against completed per week, one pair of bars
/// for each week of the period (and for any other week the figures hold). Without any
/// inspection line the part says so and draws no chart.
pub fn monthly_html_with(
    rows: &[LedgerRow],
    table: &StatsTable,
    period: &Period,
    calendar: &Calendar,
    cx: &CellContext<'_>,
    inspections: Option<&InspectionSummary>,
) -> Result<String, ExportError> {
    let lang = cx.lang;
    let label = period.label(lang);
    let bounds = period.bounds(calendar);
    // The figures stand at the rows' as-of time when the period is not over by then.
    let as_of = rows.iter().map(|r| r.as_of).max().filter(|at| *at < bounds.1);
    let mut title = match (period.kind(), lang) {
        (PeriodKind::Month, Lang::Zh) => format!("{label}隐患排查治理月汇总"),
        (_, Lang::Zh) => format!("{label}隐患排查治理汇总"),
        (PeriodKind::Month, Lang::En) => format!("Monthly hazard summary, {label}"),
        (_, Lang::En) => format!("Hazard summary, {label}"),
    };
    if let Some(at) = as_of {
        let day = at.with_timezone(&cx.time_zone).format("%Y-%m-%d");
        title.push_str(&match lang {
            Lang::Zh => format!("（截至 {day}）"),
            Lang::En => format!(" (as of {day})"),
        });
    }
    let school = crate::school_name(cx);
    let full_title = match &school {
        Some(school) => format!("{school} {title}"),
        None => title.clone(),
    };
    let school_line =
        school.map(|s| format!("<span class=\"school\">{}</span>", escape(&s))).unwrap_or_default();
    let mut page = String::new();
    let html_lang = t(lang, "zh-CN", "en");
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"{html_lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<h1>{school_line}{}</h1>\n",
        escape(&full_title),
        escape(&title)
    );
    let (first, last) = (period.first_day(), period.last_day());
    let _ = write!(
        page,
        "<p class=\"range\">{}{} – {}（{}）",
        t(lang, "统计区间：", "Period: "),
        first.format("%Y-%m-%d"),
        last.format("%Y-%m-%d"),
        escape(cx.time_zone.name())
    );
    if let Some(at) = as_of {
        let local = at.with_timezone(&cx.time_zone).format("%Y-%m-%d %H:%M");
        let _ = write!(
            page,
            "<br><strong class=\"partial\">{}{local}{}</strong>",
            t(lang, "截至 ", "As of "),
            t(
                lang,
                "，本期尚未结束，数字为截至此时的情况。",
                "; the period is not over, the figures stand as at this time."
            )
        );
    }
    page.push_str("</p>\n");
    headline(&mut page, &table.total, lang);
    legend::legend(&mut page, lang);
    page.push_str(&format!("<h2>{}</h2>\n", t(lang, "隐患问题统计表", "Statistics table")));
    stats_table(&mut page, table, cx);
    let found: Vec<&LedgerRow> = {
        let mut found: Vec<&LedgerRow> = rows
            .iter()
            .filter(|r| bounds.0 <= r.discovered_at && r.discovered_at < bounds.1)
            .collect();
        found.sort_by_key(|r| r.discovered_at);
        found
    };
    breakdown::by_category(&mut page, table, &found, cx);
    page.push_str(&format!("<h2>{}</h2>\n<div class=\"charts\">\n", t(lang, "图表", "Charts")));
    charts(&mut page, rows, table, period, calendar, cx)?;
    page.push_str("</div>\n");
    if let Some(summary) = inspections {
        inspection_part(&mut page, summary, period, cx)?;
    }
    // Exactly the hazards the statistics count as overdue (`Stats::overdue`): at the period's
    // end, or at the rows' as-of time while the period runs.
    let overdue: Vec<&LedgerRow> =
        rows.iter().filter(|r| Tally::of_row(r, bounds).counts().overdue > 0).collect();
    page.push_str(&format!("<h2>{}</h2>\n", t(lang, "逾期未整改隐患", "Overdue hazards")));
    hazard_list(&mut page, &overdue, cx);
    page.push_str(&format!(
        "<h2>{}</h2>\n",
        t(lang, "本期发现的隐患", "Hazards found in the period")
    ));
    hazard_list(&mut page, &found, cx);
    page.push_str("</body>\n</html>\n");
    Ok(page)
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0))
}

fn headline(page: &mut String, s: &Stats, lang: Lang) {
    let figures = vec![
        (t(lang, "发现隐患", "Found"), s.discovered.to_string(), false),
        (t(lang, "已整改", "Rectified"), s.rectified.to_string(), false),
        (t(lang, "未整改", "Open"), s.open.to_string(), false),
        (t(lang, "逾期", "Overdue"), s.overdue.to_string(), s.overdue > 0),
        (t(lang, "重大隐患", "Major"), s.major.to_string(), s.major > 0),
        (t(lang, "整改率", "Rectification rate"), percent(s.rectification_rate), false),
        (t(lang, "按期率", "On-time rate"), percent(s.on_time_rate), false),
        (
            t(lang, "中位整改天数", "Median days to rectify"),
            s.median_days_to_rectify.map_or_else(|| "—".into(), |d| format!("{d:.1}")),
            false,
        ),
    ];
    headline_figures(page, figures);
}

/// Headline figures: (name, value, shown as an alert).
fn headline_figures(page: &mut String, figures: Vec<(&str, String, bool)>) {
    page.push_str("<section class=\"headline\">\n");
    for (name, value, alert) in figures {
        let class = if alert { "figure alert" } else { "figure" };
        let _ = writeln!(
            page,
            "<div class=\"{class}\"><div class=\"value\">{}</div><div class=\"name\">{}</div></div>",
            escape(&value),
            escape(name)
        );
    }
    page.push_str("</section>\n");
}

/// The columns the page shows: the sheet's, less the detail a page does not need.
fn page_columns() -> Vec<StatColumn> {
    StatColumn::all()
        .into_iter()
        .filter(|c| {
            !matches!(
                c,
                StatColumn::Escalated(_)
                    | StatColumn::DiscoveredRectified
                    | StatColumn::DiscoveredDismissed
            )
        })
        .collect()
}

fn stats_table(page: &mut String, table: &StatsTable, cx: &CellContext<'_>) {
    let columns = page_columns();
    page.push_str("<div class=\"wide\"><table class=\"stats\">\n<thead><tr>");
    for c in &columns {
        let _ = write!(page, "<th>{}</th>", breakable(&c.header(cx.lang)));
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    // A page leaves out units with nothing in their subtree; the spreadsheets list every unit.
    let busy = |line: &crate::StatsLine<'_>| {
        line.kind != LineKind::Unit || line.stats.discovered > 0 || line.stats.open > 0
    };
    for line in stats_lines(table, cx).into_iter().filter(busy) {
        let class = if line.kind == LineKind::Total { " class=\"total\"" } else { "" };
        let _ = write!(page, "<tr{class}>");
        for &c in &columns {
            if c == StatColumn::Unit {
                let pad = line.depth as f64 * 1.5 + 0.5;
                let _ = write!(
                    page,
                    "<td class=\"text name\" style=\"padding-left:{pad}em\">{}</td>",
                    escape(&line.unit)
                );
            } else if c == StatColumn::Category {
                let _ = write!(page, "<td class=\"text name\">{}</td>", escape(&line.category));
            } else {
                let _ = write!(page, "<td>{}</td>", escape(&line.text(c, cx.lang)));
            }
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody>\n</table></div>\n");
}

/// A header escaped, with a line-break opportunity (`<wbr>`) between the two-character words
/// of a long Chinese header (`中位<wbr>整改<wbr>天数`): the page keeps Chinese words whole
/// (`word-break: keep-all`), so a narrow column breaks there and nowhere else.
pub(crate) fn breakable(header: &str) -> String {
    let chars: Vec<char> = header.chars().collect();
    let chinese = chars.iter().all(|c| crate::width::display_width(&c.to_string()) == 2);
    if !chinese || chars.len() < 4 {
        return escape(header);
    }
    let words: Vec<String> =
        chars.chunks(2).map(|w| escape(&w.iter().collect::<String>())).collect();
    words.join("<wbr>")
}

fn figure(page: &mut String, caption: &str, svg: &str) {
    let _ =
        writeln!(page, "<figure>\n<figcaption>{}</figcaption>\n{svg}</figure>", escape(caption));
}

fn charts(
    page: &mut String,
    rows: &[LedgerRow],
    table: &StatsTable,
    period: &Period,
    calendar: &Calendar,
    cx: &CellContext<'_>,
) -> Result<(), ExportError> {
    let lang = cx.lang;
    let weeks = weeks(period, calendar);
    let labels: Vec<String> = weeks.iter().map(|w| w.label.clone()).collect();
    let series = [
        Series {
            name: t(lang, "发现", "found"),
            colour: RGBColor(0x2f, 0x6f, 0xc0),
            values: weeks.iter().map(|w| w.found(rows)).collect(),
        },
        Series {
            name: t(lang, "整改完成", "rectified"),
            colour: RGBColor(0x2e, 0x9d, 0x5b),
            values: weeks.iter().map(|w| w.rectified(rows)).collect(),
        },
    ];
    let caption = t(lang, "每周发现与整改完成隐患数", "Hazards found and rectified per week");
    figure(page, caption, &charts::lines(&labels, &series)?);

    let labels: Vec<String> =
        table.categories.iter().map(|c| category_name(c.category.as_ref(), cx)).collect();
    let series = [
        Series {
            name: t(lang, "本期发现", "found"),
            colour: RGBColor(0x2f, 0x6f, 0xc0),
            values: table.categories.iter().map(|c| c.stats.discovered).collect(),
        },
        Series {
            name: t(lang, "未整改", "open"),
            colour: RGBColor(0xe6, 0x8a, 0x1e),
            values: table.categories.iter().map(|c| c.stats.open).collect(),
        },
    ];
    let caption = t(lang, "各类别发现与未整改隐患数", "Hazards found and open by category");
    figure(page, caption, &charts::grouped_bars(&labels, &series)?);

    // Units that answer for something themselves (本级), so a bureau does not repeat its schools.
    let (labels, values): (Vec<String>, Vec<usize>) = table
        .rows()
        .filter(|u| u.own.open > 0 || u.own.overdue > 0)
        .map(|u| (u.name.clone(), u.own.overdue))
        .unzip();
    let caption = t(lang, "各单位逾期隐患数", "Overdue hazards by unit");
    figure(page, caption, &charts::bars(&labels, &values, RGBColor(0xc0, 0x39, 0x2b))?);
    Ok(())
}

fn hazard_list(page: &mut String, rows: &[&LedgerRow], cx: &CellContext<'_>) {
    if rows.is_empty() {
        let _ = writeln!(page, "<p class=\"empty\">{}</p>", t(cx.lang, "无", "None."));
        return;
    }
    let columns = [
        Column::Id,
        Column::DiscoveredAt,
        Column::Unit,
        Column::Category,
        Column::Description,
        Column::Grade,
        Column::ResponsibleUnit,
        Column::Assignee,
        Column::Deadline,
        Column::Stage,
        Column::Overdue,
    ];
    page.push_str("<div class=\"wide\"><table class=\"hazards\">\n<thead><tr>");
    for c in columns {
        let _ = write!(page, "<th>{}</th>", breakable(c.header(cx.lang)));
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        let class = if row.overdue { " class=\"overdue\"" } else { "" };
        let _ = write!(page, "<tr{class}>");
        for c in columns {
            // Names stay whole (`keep-all`); the description may wrap anywhere; a time breaks
            // between the date and the hour, nowhere else.
            let (kind, text) = match c {
                Column::Description => ("text desc", escape(&row.cell(c, cx))),
                Column::DiscoveredAt | Column::Deadline => {
                    ("text time", escape(&row.cell(c, cx)).replace(' ', "<br>"))
                }
                _ => ("text name", escape(&row.cell(c, cx))),
            };
            let _ = write!(page, "<td class=\"{kind}\">{text}</td>");
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody>\n</table></div>\n");
}
