//! What each headline figure counts (图例说明), in the words of the definitions of
//! [`Stats`](hazardloop_core::report::Stats), so that `发现 3, 已整改 5, 整改率 33.3%` reads
//! right: 已整改 counts acceptances in the period whatever the discovery date, 整改率 only the
//! hazards found in the period.

use std::fmt::Write as _;

use hazardloop_core::model::Lang;

use super::escape;

/// (figure, what it counts) in Chinese.
const ZH: [(&str, &str); 8] = [
    ("发现隐患", "本期内发现的隐患数，含核实后排除的。"),
    ("已整改", "本期内验收合格的隐患数，不论何时发现，因此可含往期发现的隐患。"),
    ("未整改", "截至期末（本期未结束时截至当前）已发现、尚未销号也未排除的隐患数；验收合格但未销号的也计入。"),
    ("逾期", "未整改中，整改期限（含延期）已过、尚未验收合格且未暂停计时的隐患数。"),
    ("重大隐患", "本期内发现并定为重大隐患的数量。"),
    ("整改率", "＝ 本期发现且已验收合格数 ÷（本期发现数 − 本期发现中已排除数）。只看本期发现的隐患，所以可低于“已整改 ÷ 发现”。"),
    ("按期率", "＝ 本期验收合格的隐患中，整改完成时间不晚于整改期限（含延期）的数量 ÷ 已整改数。"),
    ("中位整改天数", "本期验收合格的隐患从发现到验收合格所用天数的中位数。"),
];

/// (figure, what it counts) in English.
const EN: [(&str, &str); 8] = [
    ("Found", "hazards found in the period, including those later dismissed."),
    ("Rectified", "hazards that passed acceptance in the period, whenever they were found, so it may include hazards found earlier."),
    ("Open", "hazards found and neither closed nor dismissed at the period's end (at the as-of time while the period runs); accepted but not yet closed counts as open."),
    ("Overdue", "open hazards whose rectification deadline (extensions included) has passed, not yet accepted and not paused."),
    ("Major", "hazards found in the period and graded major."),
    ("Rectification rate", "= found in the period and accepted ÷ (found in the period − of those dismissed). It looks only at hazards found in the period, so it can be lower than rectified ÷ found."),
    ("On-time rate", "= of the hazards accepted in the period, those completed by their deadline (extensions included) ÷ rectified."),
    ("Median days to rectify", "the median of the days from discovery to passed acceptance of the hazards accepted in the period."),
];

/// Writes the legend under the headline figures.
pub(crate) fn legend(page: &mut String, lang: Lang) {
    let (caption, entries) = match lang {
        Lang::Zh => ("口径说明", &ZH),
        Lang::En => ("What the figures count", &EN),
    };
    let _ = writeln!(page, "<section class=\"legend\">\n<h3>{}</h3>\n<dl>", escape(caption));
    for (name, meaning) in entries {
        let _ = writeln!(page, "<dt>{}</dt><dd>{}</dd>", escape(name), escape(meaning));
    }
    page.push_str("</dl>\n</section>\n");
}
