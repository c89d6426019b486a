//! The layout of the exported inspection statistics table (检查统计表): its columns and its
//! lines, shared by CSV, XLSX and HTML so that every format shows the same figures.

use hazardloop_core::inspection::{InspectionLine, InspectionTally};
use hazardloop_core::model::Lang;
use hazardloop_core::report::CellContext;

use crate::stats_layout::{Figure, LineKind};

/// A column of the exported inspection statistics table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InspectionColumn {
    /// 单位: the unit, indented by depth; `总计` on the last line.
    Unit,
    /// 应检: [`InspectionTally::planned`].
    Planned,
    /// 已检: [`InspectionTally::completed`].
    Completed,
    /// 按时完成: [`InspectionTally::on_time`].
    OnTime,
    /// 逾期完成: [`InspectionTally::late`].
    Late,
    /// 漏检: [`InspectionTally::missed`].
    Missed,
    /// 核准免检: [`InspectionTally::excused`].
    Excused,
    /// 完成率: [`InspectionTally::completion_rate`].
    CompletionRate,
    /// 平均发现隐患: [`InspectionTally::findings_per_inspection`].
    FindingsPerInspection,
}

impl InspectionColumn {
    /// Every column, in sheet order.
    pub const ALL: [InspectionColumn; 9] = [
        InspectionColumn::Unit,
        InspectionColumn::Planned,
        InspectionColumn::Completed,
        InspectionColumn::OnTime,
        InspectionColumn::Late,
        InspectionColumn::Missed,
        InspectionColumn::Excused,
        InspectionColumn::CompletionRate,
        InspectionColumn::FindingsPerInspection,
    ];

    /// The header in `lang` (`完成率`, `Completion rate`).
    pub fn header(self, lang: Lang) -> &'static str {
        use InspectionColumn::*;
        let (zh, en) = match self {
            Unit => ("单位", "Unit"),
            Planned => ("应检", "Planned"),
            Completed => ("已检", "Completed"),
            OnTime => ("按时完成", "On time"),
            Late => ("逾期完成", "Late"),
            Missed => ("漏检", "Missed"),
            Excused => ("核准免检", "Excused"),
            CompletionRate => ("完成率", "Completion rate"),
            FindingsPerInspection => ("平均发现隐患", "Findings per inspection"),
        };
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// One line of the exported inspection statistics table.
#[derive(Clone, Debug, PartialEq)]
pub struct InspectionStatsLine {
    /// A unit with everything below it ([`LineKind::Unit`]) or the grand total
    /// ([`LineKind::Total`]).
    pub kind: LineKind,
    /// The unit's name; `总计` (`Total`) on the total.
    pub unit: String,
    /// Levels below a root, for indenting (0 on the total).
    pub depth: usize,
    /// The figures.
    pub tally: InspectionTally,
}

fn count(n: u32) -> Figure {
    Figure::Count(usize::try_from(n).unwrap_or(usize::MAX))
}

impl InspectionStatsLine {
    /// The figure of `column`: counts, the completion rate as a [`Figure::Rate`], findings per
    /// inspection as a [`Figure::Average`].
    pub fn figure(&self, column: InspectionColumn) -> Figure {
        use InspectionColumn::*;
        let t = &self.tally;
        match column {
            Unit => Figure::Text(self.unit.clone()),
            Planned => count(t.planned),
            Completed => count(t.completed),
            OnTime => count(t.on_time),
            Late => count(t.late),
            Missed => count(t.missed),
            Excused => count(t.excused),
            CompletionRate => Figure::Rate(t.completion_rate()),
            FindingsPerInspection => Figure::Average(t.findings_per_inspection()),
        }
    }

    /// The figure of `column` as text: the unit indented by depth (an ideographic space per
    /// level in Chinese, two spaces in English), the rate as `50.0%`, findings per inspection
    /// as `1.25`, and nothing where a figure has no denominator.
    pub fn text(&self, column: InspectionColumn, lang: Lang) -> String {
        match self.figure(column) {
            Figure::Text(t) if column == InspectionColumn::Unit => {
                let indent = if lang == Lang::Zh { "\u{3000}" } else { "  " };
                format!("{}{t}", indent.repeat(self.depth))
            }
            figure => figure.text(),
        }
    }
}

/// Adds `other`'s counts to `sum`.
fn add(sum: &mut InspectionTally, other: &InspectionTally) {
    sum.planned += other.planned;
    sum.completed += other.completed;
    sum.on_time += other.on_time;
    sum.late += other.late;
    sum.missed += other.missed;
    sum.excused += other.excused;
    sum.open += other.open;
    sum.findings += other.findings;
}

/// The sum of the lines at the top of their trees: each line already holds its subtree, so a
/// line counts when it is not below an earlier one (lines come parents first, as
/// [`statistics`](hazardloop_core::inspection::statistics) lists them).
pub(crate) fn total_of(lines: &[InspectionLine]) -> InspectionTally {
    let mut total = InspectionTally::default();
    let mut top: Option<usize> = None;
    for line in lines {
        if top.is_none_or(|d| line.depth <= d) {
            top = Some(line.depth);
            add(&mut total, &line.tally);
        }
    }
    total
}

/// The lines of the exported inspection table: each unit as
/// [`statistics`](hazardloop_core::inspection::statistics) lists them (parents before their
/// children, each rolled up over its subtree), then the grand total (总计) of the top units.
pub fn inspection_lines(
    lines: &[InspectionLine],
    cx: &CellContext<'_>,
) -> Vec<InspectionStatsLine> {
    let units = lines.iter().map(|l| InspectionStatsLine {
        kind: LineKind::Unit,
        unit: l.name.clone(),
        depth: l.depth,
        tally: l.tally.clone(),
    });
    let total = InspectionStatsLine {
        kind: LineKind::Total,
        unit: match cx.lang {
            Lang::Zh => "总计".into(),
            Lang::En => "Total".into(),
        },
        depth: 0,
        tally: total_of(lines),
    };
    units.chain(std::iter::once(total)).collect()
}

/// The inspection statistics table as text, ready for a grid or a terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InspectionTable {
    /// The headers in the context's language ([`InspectionColumn::ALL`] order).
    pub headers: Vec<String>,
    /// One row per line of [`inspection_lines`], cells as [`InspectionStatsLine::text`]
    /// shows them.
    pub rows: Vec<Vec<String>>,
}

/// The inspection statistics table as text: headers 单位 / 应检 / 已检 / 按时完成 / 逾期完成 /
/// 漏检 / 核准免检 / 完成率 / 平均发现隐患 (English with [`Lang::En`]), a row per unit indented
/// by depth, and the grand total (总计) last. Rates read `50.0%`, findings per inspection
/// `1.25`; a figure without a denominator is empty.
///
/// ```
/// use hazardloop_core::inspection::{InspectionLine, InspectionTally};
/// use hazardloop_core::model::{Lang, UnitId};
/// use hazardloop_core::report::CellContext;
/// use hazardloop_export::inspection_table;
///
/// // Usually `Engine::inspection_statistics(tenant, period.bounds(calendar))`.
/// let tally = InspectionTally { planned: 4, completed: 2, on_time: 1, late: 1, missed: 2, findings: 3, ..InspectionTally::default() };
/// let line = InspectionLine { unit: UnitId::new("school/logistics")?, name: "后勤管理处".into(), depth: 1, tally };
/// let table = inspection_table(&[line], &CellContext::new(Lang::Zh, chrono_tz::Asia::Shanghai));
/// assert_eq!(table.headers[..3], ["单位", "应检", "已检"]);
/// assert_eq!(table.rows[0], ["\u{3000}后勤管理处", "4", "2", "1", "1", "2", "0", "50.0%", "1.50"]);
/// assert_eq!(table.rows[1][0], "总计");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn inspection_table(lines: &[InspectionLine], cx: &CellContext<'_>) -> InspectionTable {
    InspectionTable {
        headers: InspectionColumn::ALL.iter().map(|c| c.header(cx.lang).to_owned()).collect(),
        rows: inspection_lines(lines, cx)
            .iter()
            .map(|line| InspectionColumn::ALL.iter().map(|&c| line.text(c, cx.lang)).collect())
            .collect(),
    }
}
