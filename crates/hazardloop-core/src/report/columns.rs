//! The ledger's columns as a spreadsheet shows them (台账表头), and each row's cells as text.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::model::{named_enum, Category, Lang, Named, PersonId, UnitId};
use crate::org::{Org, ResponsibilityMatrix};
use crate::report::LedgerRow;

/// A column of the exported ledger, in the order the sheet lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// 序号: the row's number in the sheet.
    Number,
    /// 隐患编号: the hazard's number (`2026-0017`), or its id when it has none.
    Id,
    /// 发现时间.
    DiscoveredAt,
    /// 发现人.
    DiscoveredBy,
    /// 所在单位.
    Unit,
    /// 具体位置.
    Location,
    /// 类别.
    Category,
    /// 隐患描述: title and description.
    Description,
    /// 等级.
    Grade,
    /// 风险等级.
    Colour,
    /// 责任单位.
    ResponsibleUnit,
    /// 责任人.
    Assignee,
    /// 整改措施.
    Measures,
    /// 整改期限.
    Deadline,
    /// 当前环节.
    Stage,
    /// 是否逾期.
    Overdue,
    /// 验收人.
    AcceptedBy,
    /// 验收时间.
    AcceptedAt,
    /// 销号时间.
    ClosedAt,
    /// 来源检查: the inspection occurrence and item the hazard was raised from.
    Inspection,
    /// 备注.
    Note,
}

named_enum!(Column {
    Number => ("序号", "No."),
    Id => ("隐患编号", "Hazard ID"),
    DiscoveredAt => ("发现时间", "Discovered at"),
    DiscoveredBy => ("发现人", "Discovered by"),
    Unit => ("所在单位", "Unit"),
    Location => ("具体位置", "Location"),
    Category => ("类别", "Category"),
    Description => ("隐患描述", "Description"),
    Grade => ("等级", "Grade"),
    Colour => ("风险等级", "Risk level"),
    ResponsibleUnit => ("责任单位", "Responsible unit"),
    Assignee => ("责任人", "Responsible person"),
    Measures => ("整改措施", "Measures"),
    Deadline => ("整改期限", "Deadline"),
    Stage => ("当前环节", "Current step"),
    Overdue => ("是否逾期", "Overdue"),
    AcceptedBy => ("验收人", "Accepted by"),
    AcceptedAt => ("验收时间", "Accepted at"),
    ClosedAt => ("销号时间", "Closed at"),
    Inspection => ("来源检查", "From inspection"),
    Note => ("备注", "Note"),
});

impl Column {
    /// Every column, in sheet order.
    pub const ALL: [Column; 21] = [
        Column::Number,
        Column::Id,
        Column::DiscoveredAt,
        Column::DiscoveredBy,
        Column::Unit,
        Column::Location,
        Column::Category,
        Column::Description,
        Column::Grade,
        Column::Colour,
        Column::ResponsibleUnit,
        Column::Assignee,
        Column::Measures,
        Column::Deadline,
        Column::Stage,
        Column::Overdue,
        Column::AcceptedBy,
        Column::AcceptedAt,
        Column::ClosedAt,
        Column::Inspection,
        Column::Note,
    ];

    /// The column's header in `lang` (`整改期限`, `Deadline`).
    pub fn header(self, lang: Lang) -> &'static str {
        self.name(lang)
    }
}

/// What turning a row into text needs: the language, the time zone times are shown in (the
/// school's, never UTC), and optionally the organisation and the matrix to name units, people
/// and categories. Without them, ids are shown.
#[derive(Clone, Copy, Debug)]
pub struct CellContext<'a> {
    /// Language of headers and fixed names.
    pub lang: Lang,
    /// Time zone of the times shown (`Calendar::time_zone`).
    pub time_zone: Tz,
    /// Names units and people.
    pub org: Option<&'a Org>,
    /// Names categories.
    pub matrix: Option<&'a ResponsibilityMatrix>,
}

impl<'a> CellContext<'a> {
    /// Cells in `lang` with times in `time_zone`, showing ids for units, people and categories.
    pub fn new(lang: Lang, time_zone: Tz) -> CellContext<'a> {
        CellContext { lang, time_zone, org: None, matrix: None }
    }

    /// Names units and people from `org`.
    pub fn with_org(self, org: &'a Org) -> CellContext<'a> {
        CellContext { org: Some(org), ..self }
    }

    /// Names categories from `matrix`.
    pub fn with_matrix(self, matrix: &'a ResponsibilityMatrix) -> CellContext<'a> {
        CellContext { matrix: Some(matrix), ..self }
    }

    fn unit(&self, id: &UnitId) -> String {
        self.org.and_then(|o| o.unit(id)).map_or_else(|| id.to_string(), |u| u.name.clone())
    }

    fn person(&self, id: &PersonId) -> String {
        self.org.and_then(|o| o.person(id)).map_or_else(|| id.to_string(), |p| p.name.clone())
    }

    fn category(&self, id: &Category) -> String {
        self.matrix
            .and_then(|m| m.name(id, self.lang))
            .map_or_else(|| id.to_string(), str::to_owned)
    }

    fn time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.time_zone).format("%Y-%m-%d %H:%M").to_string()
    }
}

impl LedgerRow {
    /// The text of one cell; empty where the row has no value yet. [`Column::Number`] is the
    /// sheet's business, so it is empty here; [`LedgerRow::record`] fills it.
    pub fn cell(&self, column: Column, cx: &CellContext<'_>) -> String {
        let opt = |v: Option<String>| v.unwrap_or_default();
        let time = |at: Option<DateTime<Utc>>| opt(at.map(|t| cx.time(t)));
        let lang = cx.lang;
        match column {
            Column::Number => String::new(),
            // The number people say; a hazard stored before numbering shows its key.
            Column::Id => self.number.clone().unwrap_or_else(|| self.id.to_string()),
            Column::DiscoveredAt => cx.time(self.discovered_at),
            Column::DiscoveredBy => cx.person(&self.discovered_by),
            Column::Unit => cx.unit(&self.unit),
            Column::Location => self.location.clone(),
            Column::Category => opt(self.category.as_ref().map(|c| cx.category(c))),
            Column::Description => match (self.description.trim(), lang) {
                ("", _) => self.title.clone(),
                (text, Lang::Zh) => format!("{}：{text}", self.title),
                (text, Lang::En) => format!("{}: {text}", self.title),
            },
            Column::Grade => opt(self.grade.map(|g| g.name(lang).to_owned())),
            Column::Colour => opt(self.colour.map(|c| c.name(lang).to_owned())),
            Column::ResponsibleUnit => opt(self.responsible_unit.as_ref().map(|u| cx.unit(u))),
            Column::Assignee => opt(self.assignee.as_ref().map(|p| cx.person(p))),
            Column::Measures => opt(self.measures.clone()),
            Column::Deadline => match (self.deadline, self.deadline_provisional, lang) {
                (Some(at), true, Lang::Zh) => format!("{}（暂定）", cx.time(at)),
                (Some(at), true, Lang::En) => format!("{} (provisional)", cx.time(at)),
                (at, _, _) => time(at),
            },
            Column::Stage => self.stage.name(lang).to_owned(),
            Column::Overdue => match (self.overdue, lang) {
                (true, Lang::Zh) => "是".into(),
                (false, Lang::Zh) => "否".into(),
                (true, Lang::En) => "yes".into(),
                (false, Lang::En) => "no".into(),
            },
            Column::AcceptedBy => opt(self.accepted_by.as_ref().map(|p| cx.person(p))),
            Column::AcceptedAt => time(self.accepted_at),
            Column::ClosedAt => time(self.closed_at),
            Column::Inspection => opt(self.finding.as_ref().map(|f| f.to_string())),
            Column::Note => opt(self.note.clone()),
        }
    }

    /// Every cell in [`Column::ALL`] order, numbered `number` (序号, usually from 1).
    pub fn record(&self, number: usize, cx: &CellContext<'_>) -> Vec<String> {
        Column::ALL
            .iter()
            .map(|&c| if c == Column::Number { number.to_string() } else { self.cell(c, cx) })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{day, org, Story};

    #[test]
    fn headers_come_in_both_languages() {
        let zh: Vec<&str> = Column::ALL.iter().map(|c| c.header(Lang::Zh)).collect();
        assert_eq!(zh[..4], ["序号", "隐患编号", "发现时间", "发现人"]);
        assert_eq!(zh.last(), Some(&"备注"));
        assert_eq!(Column::Deadline.header(Lang::En), "Deadline");
    }

    #[test]
    fn cells_fall_back_to_ids_without_org() {
        let row = LedgerRow::from_hazard(
            &Story::found("s1", day(3)).register(day(3), day(10)).hazard(),
            day(4),
        );
        let cx = CellContext::new(Lang::Zh, chrono_tz::Asia::Shanghai);
        assert_eq!(row.cell(Column::Unit, &cx), "s1");
        assert_eq!(row.cell(Column::Assignee, &cx), "rectifier");
        assert_eq!(row.cell(Column::Category, &cx), "fire");
        assert_eq!(row.cell(Column::AcceptedAt, &cx), "");
    }

    #[test]
    fn cells_show_names_and_local_time() {
        let row = LedgerRow::from_hazard(
            &Story::found("s1", day(3)).register(day(3), day(10)).hazard(),
            day(11),
        );
        let org = org();
        let cx = CellContext::new(Lang::Zh, chrono_tz::Asia::Shanghai).with_org(&org);
        let record = row.record(7, &cx);
        assert_eq!(record.len(), Column::ALL.len());
        assert_eq!(record[0], "7");
        // day(3) is 02:00 UTC, 10:00 in Shanghai.
        assert_eq!(row.cell(Column::DiscoveredAt, &cx), "2025-03-03 10:00");
        assert_eq!(row.cell(Column::Unit, &cx), "第一中学");
        assert_eq!(row.cell(Column::Overdue, &cx), "是");
        assert_eq!(row.cell(Column::Stage, &cx), "已登记");
    }
}
