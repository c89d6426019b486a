//! The summary's part on inspections (排查): headline figures, the statistics table and the
//! weekly chart of planned against completed.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Days, NaiveDate, Utc};
use hazardloop_core::inspection::{
    statistics, weekly, InspectionLine, InspectionTally, OccurrenceRow,
};
use hazardloop_core::model::Lang;
use hazardloop_core::org::Org;
use hazardloop_core::report::{Bounds, CellContext, Period};
use plotters::style::RGBColor;

use super::{charts, escape, figure, headline_figures, percent, t, weeks};
use crate::inspection_layout::{inspection_lines, InspectionColumn};
use crate::stats_layout::LineKind;
use crate::ExportError;
use charts::Series;

/// What the summary shows of inspections (排查): the statistics table's lines and the weekly
/// figures of the period.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InspectionSummary {
    /// The statistics per unit, rolled up the organisation
    /// ([`statistics`](hazardloop_core::inspection::statistics), or
    /// `Engine::inspection_statistics`).
    pub lines: Vec<InspectionLine>,
    /// Planned and completed per week, keyed by the week's Monday
    /// ([`weekly`](hazardloop_core::inspection::weekly)).
    pub weekly: Vec<(NaiveDate, InspectionTally)>,
}

impl InspectionSummary {
    /// The summary of figures computed already.
    pub fn new(
        lines: Vec<InspectionLine>,
        weekly: Vec<(NaiveDate, InspectionTally)>,
    ) -> InspectionSummary {
        InspectionSummary { lines, weekly }
    }

    /// The summary of the occurrences `rows` due within `bounds` (`period.bounds(calendar)`),
    /// as they stand at `now`: both [`statistics`] and [`weekly`] of them. The rows may be
    /// those of `Engine::occurrences` with `due_from`/`due_to` set to the bounds.
    pub fn from_rows(
        rows: &[OccurrenceRow],
        org: &Org,
        bounds: Bounds,
        now: DateTime<Utc>,
    ) -> InspectionSummary {
        InspectionSummary {
            lines: statistics(rows, org, bounds, now),
            weekly: weekly(rows, bounds, now),
        }
    }
}

/// The part on inspections: headline, table, the rate's definition, the weekly chart.
pub(super) fn inspection_part(
    page: &mut String,
    summary: &InspectionSummary,
    period: &Period,
    cx: &CellContext<'_>,
) -> Result<(), ExportError> {
    let lang = cx.lang;
    page.push_str(&format!("<h2>{}</h2>\n", t(lang, "隐患排查完成情况", "Inspections")));
    if summary.lines.is_empty() {
        let _ = writeln!(
            page,
            "<p class=\"empty\">{}</p>",
            t(lang, "本期无应检任务。", "No inspection was due in the period.")
        );
        return Ok(());
    }
    let lines = inspection_lines(&summary.lines, cx);
    if let Some(total) = lines.last() {
        let s = &total.tally;
        let average = s.findings_per_inspection().map_or_else(|| "—".into(), |a| format!("{a:.2}"));
        headline_figures(
            page,
            vec![
                (t(lang, "应检", "Planned"), s.planned.to_string(), false),
                (t(lang, "已检", "Completed"), s.completed.to_string(), false),
                (t(lang, "完成率", "Completion rate"), percent(s.completion_rate()), false),
                (t(lang, "逾期完成", "Late"), s.late.to_string(), false),
                (t(lang, "漏检", "Missed"), s.missed.to_string(), s.missed > 0),
                (t(lang, "核准免检", "Excused"), s.excused.to_string(), false),
                (t(lang, "发现隐患", "Hazards found"), s.findings.to_string(), false),
                (t(lang, "平均发现隐患", "Findings per inspection"), average, false),
            ],
        );
    }
    page.push_str("<table class=\"inspections\">\n<thead><tr>");
    for c in InspectionColumn::ALL {
        let _ = write!(page, "<th>{}</th>", escape(c.header(lang)));
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    for line in &lines {
        let class = if line.kind == LineKind::Total { " class=\"total\"" } else { "" };
        let _ = write!(page, "<tr{class}>");
        for c in InspectionColumn::ALL {
            if c == InspectionColumn::Unit {
                let pad = line.depth as f64 * 1.5 + 0.5;
                let _ = write!(
                    page,
                    "<td class=\"text\" style=\"padding-left:{pad}em\">{}</td>",
                    escape(&line.unit)
                );
            } else {
                let text = line.text(c, lang);
                let text = if text.is_empty() { "—".to_owned() } else { text };
                let alert = c == InspectionColumn::Missed && line.tally.missed > 0;
                let class = if alert { " class=\"alert\"" } else { "" };
                let _ = write!(page, "<td{class}>{}</td>", escape(&text));
            }
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody>\n</table>\n");
    let open = lines.last().map_or(0, |l| l.tally.open);
    let note = match lang {
        Lang::Zh => format!(
            "完成率 = 已检 ÷（应检 − 核准免检 − 进行中）；统计时仍在检查窗口内的 {open} 次（进行中）不计入。平均发现隐患 = 发现隐患数 ÷ 已检。"
        ),
        Lang::En => format!(
            "Completion rate = completed ÷ (planned − excused − still open); the {open} still open (window not yet closed) are left out. Findings per inspection = hazards found ÷ completed."
        ),
    };
    let _ = writeln!(page, "<p class=\"note\">{}</p>", escape(&note));

    let (labels, planned, completed) = inspection_weeks(summary, period);
    let series = [
        Series { name: t(lang, "应检", "planned"), colour: PLANNED, values: planned },
        Series { name: t(lang, "已检", "completed"), colour: COMPLETED, values: completed },
    ];
    let caption = t(lang, "每周应检与已检次数", "Inspections planned and completed per week");
    page.push_str("<div class=\"charts\">\n");
    figure(page, caption, &charts::grouped_bars(&labels, &series)?);
    page.push_str("</div>\n");
    Ok(())
}

/// The colour of planned inspections in the weekly chart.
const PLANNED: RGBColor = RGBColor(0x9a, 0xb4, 0xd6);
/// The colour of completed inspections in the weekly chart.
const COMPLETED: RGBColor = RGBColor(0x2e, 0x9d, 0x5b);

/// The weeks of the inspection chart: every week of the period (labelled as the hazard chart
/// labels them, cut to the period) and any other week the figures hold (Monday to Sunday),
/// in order, with the planned and completed counts of each.
fn inspection_weeks(
    summary: &InspectionSummary,
    period: &Period,
) -> (Vec<String>, Vec<usize>, Vec<usize>) {
    let mut slots: BTreeMap<NaiveDate, String> = weeks::week_days(period)
        .into_iter()
        .map(|(first, last)| (weeks::monday_of(first), weeks::label(first, last)))
        .collect();
    for (monday, _) in &summary.weekly {
        let sunday = monday.checked_add_days(Days::new(6)).unwrap_or(*monday);
        slots.entry(*monday).or_insert_with(|| weeks::label(*monday, sunday));
    }
    let figures: BTreeMap<NaiveDate, &InspectionTally> =
        summary.weekly.iter().map(|(monday, tally)| (*monday, tally)).collect();
    let count = |n: u32| usize::try_from(n).unwrap_or(usize::MAX);
    let mut labels = Vec::with_capacity(slots.len());
    let mut planned = Vec::with_capacity(slots.len());
    let mut completed = Vec::with_capacity(slots.len());
    for (monday, label) in slots {
        let tally = figures.get(&monday);
        labels.push(label);
        planned.push(tally.map_or(0, |t| count(t.planned)));
        completed.push(tally.map_or(0, |t| count(t.completed)));
    }
    (labels, planned, completed)
}
