//! The hazards found in the period per category, by grade (等级) and risk colour (风险颜色).

use std::fmt::Write as _;

use hazardloop_core::model::{Grade, RiskColour};
use hazardloop_core::report::{CellContext, LedgerRow, StatsTable};

use super::{escape, t};
use crate::stats_layout::category_name;

const GRADES: [Grade; 2] = [Grade::General, Grade::Major];
const COLOURS: [RiskColour; 4] =
    [RiskColour::Red, RiskColour::Orange, RiskColour::Yellow, RiskColour::Blue];

/// The counts of one line: grades (then ungraded), colours (then unrated).
fn counts<'a>(rows: impl Iterator<Item = &'a LedgerRow> + Clone) -> Vec<usize> {
    let mut out: Vec<usize> =
        GRADES.iter().map(|g| rows.clone().filter(|r| r.grade == Some(*g)).count()).collect();
    out.push(rows.clone().filter(|r| r.grade.is_none()).count());
    out.extend(COLOURS.iter().map(|c| rows.clone().filter(|r| r.colour == Some(*c)).count()));
    out.push(rows.filter(|r| r.colour.is_none()).count());
    out
}

/// Writes the table of the hazards found in the period (`found`) per category: the found
/// count of the statistics table ([`Stats::discovered`]), then how many of them are of each
/// grade and each risk colour (not yet registered: 未定级, 未评定).
///
/// [`Stats::discovered`]: hazardloop_core::report::Stats::discovered
pub(crate) fn by_category(
    page: &mut String,
    table: &StatsTable,
    found: &[&LedgerRow],
    cx: &CellContext<'_>,
) {
    let lang = cx.lang;
    let _ = writeln!(
        page,
        "<h2>{}</h2>",
        t(
            lang,
            "各类别发现隐患（按等级、风险颜色）",
            "Hazards found by category, grade and colour"
        )
    );
    let _ = write!(
        page,
        "<div class=\"wide\"><table class=\"stats breakdown\">\n<thead><tr>\
         <th rowspan=\"2\">{}</th><th rowspan=\"2\">{}</th><th colspan=\"3\">{}</th>\
         <th colspan=\"5\">{}</th></tr>\n<tr>",
        t(lang, "类别", "Category"),
        t(lang, "发现数", "Found"),
        t(lang, "隐患等级", "Grade"),
        t(lang, "风险颜色", "Risk colour"),
    );
    let sub = match lang {
        hazardloop_core::model::Lang::Zh => {
            ["一般", "重大", "未定级", "红", "橙", "黄", "蓝", "未评定"]
        }
        hazardloop_core::model::Lang::En => {
            ["general", "major", "ungraded", "red", "orange", "yellow", "blue", "unrated"]
        }
    };
    for (i, name) in sub.iter().enumerate() {
        let class = [
            "",
            "",
            "",
            " class=\"red\"",
            " class=\"orange\"",
            " class=\"yellow\"",
            " class=\"blue\"",
            "",
        ]
        .get(i)
        .copied()
        .unwrap_or_default();
        let _ = write!(page, "<th{class}>{name}</th>");
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    let line =
        |page: &mut String, name: &str, discovered: usize, counts: Vec<usize>, total: bool| {
            let class = if total { " class=\"total\"" } else { "" };
            let _ = write!(
                page,
                "<tr{class}><td class=\"text name\">{}</td><td>{discovered}</td>",
                escape(name)
            );
            for n in counts {
                let _ = write!(page, "<td>{n}</td>");
            }
            page.push_str("</tr>\n");
        };
    for category in table.categories.iter().filter(|c| c.stats.discovered > 0) {
        let rows = found.iter().copied().filter(|r| r.category == category.category);
        let name = category_name(category.category.as_ref(), cx);
        line(page, &name, category.stats.discovered, counts(rows), false);
    }
    line(
        page,
        t(lang, "合计", "Total"),
        table.total.discovered,
        counts(found.iter().copied()),
        true,
    );
    page.push_str("</tbody>\n</table></div>\n");
}
