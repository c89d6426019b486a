//! The layout of the exported statistics table: its columns and its lines, shared by CSV, XLSX
//! and HTML so that every format shows the same figures.

use hazardloop_core::escalation::Action;
use hazardloop_core::model::{Category, Lang, Named};
use hazardloop_core::report::{CellContext, Stats, StatsTable};

/// The escalation actions, in ladder order.
const ACTIONS: [Action; 5] =
    [Action::Remind, Action::Overdue, Action::SupervisionLetter, Action::Summons, Action::Circular];

/// A column of the exported statistics table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatColumn {
    /// 单位: the unit, indented by depth; `全部单位` on category lines, `总计` on the last.
    Unit,
    /// 类别: `全部` on unit lines and the total.
    Category,
    /// 发现数: [`Stats::discovered`].
    Discovered,
    /// 登记数: [`Stats::registered`].
    Registered,
    /// 当期发现已整改: [`Stats::discovered_rectified`], the numerator of the rectification rate.
    DiscoveredRectified,
    /// 当期发现已排除: [`Stats::discovered_dismissed`], left out of the rate's denominator.
    DiscoveredDismissed,
    /// 已整改: [`Stats::rectified`].
    Rectified,
    /// 按期整改: [`Stats::rectified_on_time`].
    RectifiedOnTime,
    /// 未整改: [`Stats::open`].
    Open,
    /// 逾期: [`Stats::overdue`].
    Overdue,
    /// 重大隐患: [`Stats::major`].
    Major,
    /// 返工: [`Stats::reworks`].
    Reworks,
    /// 延期: [`Stats::extensions`].
    Extensions,
    /// 督办次数: every escalation rung fired.
    Escalations,
    /// The rungs fired of one action (`督办函`).
    Escalated(Action),
    /// 整改率: [`Stats::rectification_rate`].
    RectificationRate,
    /// 按期率: [`Stats::on_time_rate`].
    OnTimeRate,
    /// 中位整改天数: [`Stats::median_days_to_rectify`].
    MedianDaysToRectify,
}

/// A figure of one line, as a spreadsheet stores it.
#[derive(Clone, Debug, PartialEq)]
pub enum Figure {
    /// Text (the unit and category columns).
    Text(String),
    /// A count.
    Count(usize),
    /// A fraction from 0 to 1, shown as a percentage; `None` without a denominator.
    Rate(Option<f64>),
    /// Days; `None` when nothing was rectified.
    Days(Option<f64>),
    /// An average per item (findings per inspection), shown with two decimals; `None` without
    /// a denominator.
    Average(Option<f64>),
}

impl Figure {
    /// The figure as text: counts as they are, rates as `85.7%`, days as `2.5`, averages as
    /// `1.25`, and nothing where a figure has no denominator.
    pub fn text(&self) -> String {
        match self {
            Figure::Text(t) => t.clone(),
            Figure::Count(n) => n.to_string(),
            Figure::Rate(r) => r.map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_default(),
            Figure::Days(d) => d.map(|d| format!("{d:.1}")).unwrap_or_default(),
            Figure::Average(a) => a.map(|a| format!("{a:.2}")).unwrap_or_default(),
        }
    }
}

impl StatColumn {
    /// Every column, in sheet order.
    pub fn all() -> Vec<StatColumn> {
        use StatColumn::*;
        let mut all = vec![
            Unit,
            Category,
            Discovered,
            Registered,
            DiscoveredRectified,
            DiscoveredDismissed,
            Rectified,
            RectifiedOnTime,
            Open,
            Overdue,
            Major,
            Reworks,
            Extensions,
            Escalations,
        ];
        all.extend(ACTIONS.map(Escalated));
        all.extend([RectificationRate, OnTimeRate, MedianDaysToRectify]);
        all
    }

    /// The header in `lang` (`整改率`, `Rectification rate`).
    pub fn header(self, lang: Lang) -> String {
        use StatColumn::*;
        let (zh, en) = match self {
            Unit => ("单位", "Unit"),
            Category => ("类别", "Category"),
            Discovered => ("发现数", "Found"),
            Registered => ("登记数", "Registered"),
            DiscoveredRectified => ("当期发现已整改", "Found and rectified"),
            DiscoveredDismissed => ("当期发现已排除", "Found and dismissed"),
            Rectified => ("已整改", "Rectified"),
            RectifiedOnTime => ("按期整改", "Rectified on time"),
            Open => ("未整改", "Open"),
            Overdue => ("逾期", "Overdue"),
            Major => ("重大隐患", "Major"),
            Reworks => ("返工", "Reworks"),
            Extensions => ("延期", "Extensions"),
            Escalations => ("督办次数", "Escalations"),
            Escalated(action) => {
                return match lang {
                    Lang::Zh => format!("其中：{}", action.name(lang)),
                    Lang::En => format!("of which {}", action.name(lang)),
                };
            }
            RectificationRate => ("整改率", "Rectification rate"),
            OnTimeRate => ("按期率", "On-time rate"),
            MedianDaysToRectify => ("中位整改天数", "Median days to rectify"),
        };
        match lang {
            Lang::Zh => zh.to_owned(),
            Lang::En => en.to_owned(),
        }
    }
}

/// What a line of the exported table stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// A unit with everything below it (合计): [`UnitStats::total`].
    ///
    /// [`UnitStats::total`]: hazardloop_core::report::UnitStats::total
    Unit,
    /// A category over every unit: [`StatsTable::categories`].
    Category,
    /// The grand total (总计): [`StatsTable::total`].
    Total,
}

/// One line of the exported statistics table.
#[derive(Clone, Debug, PartialEq)]
pub struct StatsLine<'a> {
    /// What the line stands for.
    pub kind: LineKind,
    /// The unit's name, `全部单位` on category lines, `总计` on the total.
    pub unit: String,
    /// Levels below a root, for indenting (0 but on unit lines).
    pub depth: usize,
    /// The category's name, `全部` on unit lines and the total.
    pub category: String,
    /// The figures.
    pub stats: &'a Stats,
}

impl StatsLine<'_> {
    /// The figure of `column`.
    pub fn figure(&self, column: StatColumn) -> Figure {
        use StatColumn::*;
        let s = self.stats;
        match column {
            Unit => Figure::Text(self.unit.clone()),
            Category => Figure::Text(self.category.clone()),
            Discovered => Figure::Count(s.discovered),
            Registered => Figure::Count(s.registered),
            DiscoveredRectified => Figure::Count(s.discovered_rectified),
            DiscoveredDismissed => Figure::Count(s.discovered_dismissed),
            Rectified => Figure::Count(s.rectified),
            RectifiedOnTime => Figure::Count(s.rectified_on_time),
            Open => Figure::Count(s.open),
            Overdue => Figure::Count(s.overdue),
            Major => Figure::Count(s.major),
            Reworks => Figure::Count(s.reworks),
            Extensions => Figure::Count(s.extensions),
            Escalations => Figure::Count(s.escalations.values().sum()),
            Escalated(action) => Figure::Count(s.escalations.get(&action).copied().unwrap_or(0)),
            RectificationRate => Figure::Rate(s.rectification_rate),
            OnTimeRate => Figure::Rate(s.on_time_rate),
            MedianDaysToRectify => Figure::Days(s.median_days_to_rectify),
        }
    }

    /// The figure of `column` as text: unit names indented by depth (an ideographic space per
    /// level in Chinese, two spaces in English), rates as `85.7%`, days as `2.5`, and nothing
    /// where a figure has no denominator.
    pub fn text(&self, column: StatColumn, lang: Lang) -> String {
        match self.figure(column) {
            Figure::Text(t) if column == StatColumn::Unit => {
                let indent = if lang == Lang::Zh { "\u{3000}" } else { "  " };
                format!("{}{t}", indent.repeat(self.depth))
            }
            figure => figure.text(),
        }
    }
}

/// The name of `category` in the context's language (`消防安全`), its code without a matrix,
/// `未分类` for uncategorised rows.
pub(crate) fn category_name(category: Option<&Category>, cx: &CellContext<'_>) -> String {
    match category {
        None => match cx.lang {
            Lang::Zh => "未分类".into(),
            Lang::En => "uncategorised".into(),
        },
        Some(c) => {
            cx.matrix.and_then(|m| m.name(c, cx.lang)).map_or_else(|| c.to_string(), str::to_owned)
        }
    }
}

/// The lines of the exported table: each unit in tree order with its subtree's figures (合计),
/// then each category over every unit, then the grand total (总计).
pub fn stats_lines<'a>(table: &'a StatsTable, cx: &CellContext<'_>) -> Vec<StatsLine<'a>> {
    let (all, all_units, total) = match cx.lang {
        Lang::Zh => ("全部", "全部单位", "总计"),
        Lang::En => ("all", "all units", "Total"),
    };
    let units = table.rows().map(|u| StatsLine {
        kind: LineKind::Unit,
        unit: u.name.clone(),
        depth: u.depth,
        category: all.into(),
        stats: &u.total,
    });
    let categories = table.categories.iter().map(|c| StatsLine {
        kind: LineKind::Category,
        unit: all_units.into(),
        depth: 0,
        category: category_name(c.category.as_ref(), cx),
        stats: &c.stats,
    });
    let grand = StatsLine {
        kind: LineKind::Total,
        unit: total.into(),
        depth: 0,
        category: all.into(),
        stats: &table.total,
    };
    units.chain(categories).chain(std::iter::once(grand)).collect()
}

pub(crate) use stats_lines as lines;
