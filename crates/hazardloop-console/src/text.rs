//! The console's words, Chinese by default, English available: one language per page.

use hazardloop_core::model::Lang;

/// The labels of one language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text(pub Lang);

const WORDS: &[(&str, &str, &str)] = &[
    ("app", "校园安全隐患排查治理", "School safety hazards"),
    ("ledger", "台账", "Ledger"),
    ("overdue", "逾期", "Overdue"),
    ("stats", "统计", "Statistics"),
    ("inspections", "检查", "Inspections"),
    ("incidents", "突发事件", "Incidents"),
    ("sign_in", "登录", "Sign in"),
    ("sign_out", "退出", "Sign out"),
    ("code", "一次性登录码", "One-time login code"),
    ("token", "系统令牌", "Host token"),
    ("or", "或", "or"),
    (
        "bad_login",
        "登录码无效或已过期，请重新获取。",
        "The code is invalid or has expired: ask for a new one.",
    ),
    ("find", "按编号查找", "Find by number"),
    ("number", "隐患编号", "Number"),
    ("go", "查找", "Go"),
    ("filter", "筛选", "Filter"),
    ("unit", "单位", "Unit"),
    ("category", "类别", "Category"),
    ("grade", "等级", "Grade"),
    ("colour", "风险颜色", "Colour"),
    ("stage", "环节", "Step"),
    ("from", "起", "From"),
    ("to", "止", "To"),
    ("text", "关键词", "Text"),
    ("sort", "排序", "Sort"),
    ("sort_discovered", "发现时间（新→旧）", "Found (newest first)"),
    ("sort_deadline", "整改期限（近→远）", "Deadline (soonest first)"),
    ("any", "全部", "Any"),
    ("yes", "是", "Yes"),
    ("no", "否", "No"),
    ("download_xlsx", "下载 XLSX", "Download XLSX"),
    ("download_csv", "下载 CSV", "Download CSV"),
    ("total", "共", "Total"),
    ("rows", "条", "rows"),
    ("page", "页", "Page"),
    ("prev", "上一页", "Previous"),
    ("next", "下一页", "Next"),
    ("title", "隐患名称", "Title"),
    ("location", "位置", "Location"),
    ("found", "发现时间", "Found"),
    ("deadline", "整改期限", "Deadline"),
    ("assignee", "责任人", "Assignee"),
    ("provisional", "（暂定）", " (provisional)"),
    ("facts", "基本情况", "Facts"),
    ("description", "情况描述", "Description"),
    ("source", "来源", "Source"),
    ("discovered_by", "发现人", "Found by"),
    ("assessment", "评估", "Assessment"),
    ("score", "分值", "Score"),
    ("deadlines", "期限", "Deadlines"),
    ("left", "剩余工作日", "Working days left"),
    ("timeline", "办理记录", "Timeline"),
    ("evidence", "佐证材料", "Evidence"),
    ("from_inspection", "来源检查", "From inspection"),
    ("actions", "可办理事项", "What you can do"),
    ("no_actions", "当前没有您可以办理的事项。", "Nothing for you to do here now."),
    ("submit", "提交", "Submit"),
    ("refused", "未能办理", "Refused"),
    (
        "stale",
        "此隐患已被他人办理，页面内容已过时。请查看最新情况后重新操作。",
        "Someone acted on this hazard meanwhile: the page was out of date. Check it and act again.",
    ),
    ("done", "已办理", "Done"),
    ("note", "说明", "Note"),
    ("reason", "原因", "Reason"),
    ("measures", "整改措施", "Measures"),
    ("contingency", "应急预案", "Contingency"),
    ("responsible", "整改负责人", "Responsible"),
    ("summary", "整改情况", "Summary"),
    ("photo", "照片", "Photo"),
    ("to_bureau", "同时报教育局", "Also to the bureau"),
    ("written", "书面报告", "In writing"),
    ("reference", "文号", "Reference"),
    ("new_assignee", "改派给", "Reassign to"),
    ("comment", "备注", "Comment"),
    ("board", "逾期与临期隐患", "Overdue and soon-due hazards"),
    ("rung", "已升级至", "Escalated to"),
    ("none", "无", "None"),
    ("period", "统计期间", "Period"),
    ("show", "查看", "Show"),
    ("found_n", "发现", "Found"),
    ("rectified_n", "已整改", "Rectified"),
    ("open_n", "未整改", "Open"),
    ("overdue_n", "逾期", "Overdue"),
    ("rate", "整改率", "Rate"),
    ("today", "今日检查任务", "My inspections today"),
    ("plan_calendar", "检查计划", "Plan calendar"),
    ("due", "应完成", "Due"),
    ("status", "状态", "Status"),
    ("perform", "执行检查", "Inspect"),
    ("item", "检查项目", "Item"),
    ("pass", "合格", "Pass"),
    ("fail", "不合格", "Fail"),
    ("na", "不适用", "N/A"),
    ("complete", "完成检查", "Complete"),
    ("phone", "电话报告", "Phone report"),
    ("written_report", "书面报告", "Written report"),
    ("met", "已报", "Made"),
    ("late", "逾期", "Late"),
    ("waiting", "待报", "Waiting"),
    ("missed", "超时未报", "Missed"),
    ("learned", "获知时间", "Learned of"),
    ("print", "打印", "Print"),
    ("lang_other", "English", "中文"),
    ("not_found", "找不到该页面或隐患。", "No such page or hazard."),
];

impl Text {
    /// The word for `key` (the key itself if unknown, so a missing word shows, never panics).
    pub fn s(&self, key: &str) -> &'static str {
        WORDS
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, zh, en)| if self.0 == Lang::Zh { *zh } else { *en })
            .unwrap_or("?")
    }

    /// The page's `lang` attribute.
    pub fn html_lang(&self) -> &'static str {
        if self.0 == Lang::Zh {
            "zh-CN"
        } else {
            "en"
        }
    }

    /// The other language's code, for the switch.
    pub fn other(&self) -> &'static str {
        if self.0 == Lang::Zh {
            "en"
        } else {
            "zh"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_has_both_languages_and_keys_are_unique() {
        let mut keys: Vec<_> = WORDS.iter().map(|w| w.0).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), WORDS.len());
        assert!(WORDS.iter().all(|(_, zh, en)| !zh.is_empty() && !en.is_empty()));
        assert_eq!(Text(Lang::En).s("ledger"), "Ledger");
        assert_eq!(Text(Lang::Zh).s("ledger"), "台账");
    }
}
