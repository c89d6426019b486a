//! The printed form of a sheet (打印版式): what the title block above the table says (school,
//! title, period, as-of time), the signature block below it, and how high a row must be to
//! show its wrapped text.

use chrono::{DateTime, Utc};
use hazardloop_core::calendar::Calendar;
use hazardloop_core::model::Lang;
use hazardloop_core::org::UnitKind;
use hazardloop_core::report::{CellContext, Period};

use crate::width::display_width;

/// The rows above the header row of every sheet: the school, the title, and the period with
/// the as-of time. The header row is row `TITLE_ROWS` (zero-based), the data start below it.
pub const TITLE_ROWS: u32 = 3;

/// What a printed sheet says about itself beyond its rows: the period and the time its
/// figures stand at. The school's name comes from the context's organisation (its root unit).
///
/// The default says nothing of a period, takes the as-of time of the ledger from its rows
/// (the latest [`LedgerRow::as_of`]), and sorts ledger rows by discovery time.
///
/// [`LedgerRow::as_of`]: hazardloop_core::report::LedgerRow::as_of
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrintSetup {
    /// The period's label, shown `统计期间：2025年3月` (`Period: March 2025`).
    pub period: Option<String>,
    /// The time the figures stand at, shown `截至 2025-03-22 10:00` (`As of …`) in the
    /// context's time zone.
    pub as_of: Option<DateTime<Utc>>,
    /// Keep the ledger rows in the order given; by default they are sorted by discovery time
    /// (oldest first, ties in the order given), and 序号 follows that order.
    pub keep_order: bool,
}

impl PrintSetup {
    /// The setup of a sheet over `period` made at `now`: the period's label, and `now` as the
    /// as-of time while the period is not over (its figures are counted as they stand). A
    /// period that is over is counted at its end, which its label already says, so it shows
    /// no as-of time.
    pub fn for_period(
        period: &Period,
        calendar: &Calendar,
        lang: Lang,
        now: DateTime<Utc>,
    ) -> PrintSetup {
        let as_of = (now < period.bounds(calendar).1).then_some(now);
        PrintSetup { period: Some(period.label(lang)), as_of, keep_order: false }
    }

    /// The same, its figures as at `as_of`.
    pub fn as_at(self, as_of: DateTime<Utc>) -> PrintSetup {
        PrintSetup { as_of: Some(as_of), ..self }
    }
}

/// Picks the text of `lang`.
pub(crate) fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// The name of the unit that files the sheet (填报单位): the school when the organisation holds
/// exactly one (a school's tenant, its bureau above it or not); else the root unit, the bureau
/// of many schools (several roots joined with `、`). `None` without an organisation or units.
pub fn school_name(cx: &CellContext<'_>) -> Option<String> {
    let org = cx.org?;
    let mut schools = org.units().filter(|u| u.kind == UnitKind::School);
    if let (Some(school), None) = (schools.next(), schools.next()) {
        return Some(school.name.clone());
    }
    let roots: Vec<&str> =
        org.units().filter(|u| u.parent.is_none()).map(|u| u.name.as_str()).collect();
    (!roots.is_empty()).then(|| roots.join("、"))
}

/// The line under the title: `统计期间：2025年3月　截至 2025-03-22 10:00`, either part left out
/// when unknown.
pub(crate) fn period_line(setup: &PrintSetup, cx: &CellContext<'_>) -> String {
    let mut parts = Vec::new();
    if let Some(period) = &setup.period {
        parts.push(format!("{}{period}", t(cx.lang, "统计期间：", "Period: ")));
    }
    if let Some(at) = setup.as_of {
        let local = at.with_timezone(&cx.time_zone).format("%Y-%m-%d %H:%M");
        parts.push(format!("{}{local}", t(cx.lang, "截至 ", "As of ")));
    }
    parts.join(t(cx.lang, "\u{3000}\u{3000}", "    "))
}

/// The signature line under the table (填表人, 审核人, 单位负责人, 日期).
pub(crate) fn signature_line(lang: Lang) -> &'static str {
    t(
        lang,
        "填表人：__________　　审核人：__________　　单位负责人：__________　　日期：____年__月__日",
        "Prepared by: __________    Reviewed by: __________    Head of unit: __________    Date: __________",
    )
}

/// The place of the seal, right of the signatures.
pub(crate) fn seal_line(lang: Lang) -> &'static str {
    t(lang, "（盖章）", "(Seal)")
}

/// Points per line of 11-point text: Excel sets 等线 at 14.25 points a line, LibreOffice its
/// fallback CJK font a little closer; a point more keeps descenders clear.
const LINE_POINTS: f64 = 15.0;

/// Excel's largest row height in points.
const MAX_ROW_POINTS: f64 = 409.0;

/// The lines `text` takes when wrapped in a column `width` characters wide (Excel's unit: the
/// width of a digit). A Chinese character takes about 2.1 digits in Excel (1.6 in
/// LibreOffice), counted 2.1 here, so the estimate errs toward a line too many in Excel and
/// leaves some room in LibreOffice, rather than cutting text off.
pub(crate) fn wrapped_lines(text: &str, width: f64) -> usize {
    let usable = (width - 1.0).max(1.0);
    text.split('\n')
        .map(|line| {
            let shown = display_width(line) as f64 * 1.05;
            ((shown / usable).ceil() as usize).max(1)
        })
        .sum()
}

/// The height in points of a row whose tallest cell has `lines` lines.
pub(crate) fn row_points(lines: usize) -> f64 {
    (lines.max(1) as f64 * LINE_POINTS + 4.0).min(MAX_ROW_POINTS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_text_wraps_at_about_half_the_width_in_characters() {
        // 40 characters are 80 narrow columns, 84 as Excel shows them: 3 lines in 40 columns.
        assert_eq!(wrapped_lines(&"隐".repeat(40), 40.0), 3);
        assert_eq!(wrapped_lines("short", 40.0), 1);
        assert_eq!(wrapped_lines("a\nb\nc", 40.0), 3);
    }

    #[test]
    fn row_height_grows_with_lines_up_to_excels_limit() {
        assert!(row_points(3) > row_points(2));
        assert_eq!(row_points(1000), MAX_ROW_POINTS);
    }
}
