//! One ledger row as an [`Import`] command: names or ids resolved to units, people and
//! categories, times read in the policy's time zone, and a reason in the chosen language for
//! a row that lacks what the import needs.

use chrono::{DateTime, Utc};
use hazardloop_core::model::{
    Category, Grade, Lang, Method, Named, PersonId, RiskColour, Source, UnitId,
};
use hazardloop_core::org::{Org, UnitKind};
use hazardloop_core::policy::Policy;
use hazardloop_core::workflow::{Discover, Import, ImportSource, Register, StageKind};

use crate::app::{parse_deadline, parse_time};
use crate::import_map::{Columns, Field};

/// Resolves names or ids to the organisation's and matrix's keys.
pub(crate) struct Resolver<'a> {
    pub(crate) org: &'a Org,
    pub(crate) policy: &'a Policy,
    pub(crate) lang: Lang,
}

impl Resolver<'_> {
    fn say(&self, zh: String, en: String) -> String {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    fn unit(&self, field: Field, text: &str) -> Result<UnitId, String> {
        if let Ok(id) = UnitId::new(text) {
            if self.org.unit(&id).is_some() {
                return Ok(id);
            }
        }
        self.org.units().find(|u| u.name == text).map(|u| u.id.clone()).ok_or_else(|| {
            let name = field.name(self.lang);
            self.say(format!("{name}：未知单位“{text}”"), format!("{name}: unknown unit `{text}`"))
        })
    }

    fn person(&self, field: Field, text: &str) -> Result<PersonId, String> {
        if let Ok(id) = PersonId::new(text) {
            if self.org.person(&id).is_some() {
                return Ok(id);
            }
        }
        let name = field.name(self.lang);
        let mut named = self.org.people().filter(|p| p.name == text);
        match (named.next(), named.next()) {
            (Some(p), None) => Ok(p.id.clone()),
            (Some(_), Some(_)) => Err(self.say(
                format!("{name}：“{text}”对应多人，请写人员编号"),
                format!("{name}: `{text}` names more than one person; use the id"),
            )),
            (None, _) => Err(self.say(
                format!("{name}：未知人员“{text}”"),
                format!("{name}: unknown person `{text}`"),
            )),
        }
    }

    fn category(&self, text: &str) -> Result<Category, String> {
        let matrix = self.policy.matrix();
        if let Ok(c) = Category::new(text) {
            if matrix.contains(&c) {
                return Ok(c);
            }
        }
        matrix
            .entries()
            .iter()
            .find(|e| e.name_zh == text || e.name_en.eq_ignore_ascii_case(text))
            .map(|e| e.category.clone())
            .ok_or_else(|| {
                let name = Field::Category.name(self.lang);
                self.say(
                    format!("{name}：未知类别“{text}”"),
                    format!("{name}: unknown category `{text}`"),
                )
            })
    }

    /// Without a category column, a guess: the category whose Chinese name shares the most
    /// two-character words with the row's text (`消防通道堵塞` → 消防安全), ties going to one the
    /// responsible department leads; with nothing shared, the first it leads, else the first.
    fn category_guessed(&self, unit: &UnitId, text: &str) -> Result<Category, String> {
        let matrix = self.policy.matrix();
        let school = self.org.nearest(unit, UnitKind::School).map(|s| s.id.clone());
        let leads = |c: &Category| {
            school.as_ref().is_some_and(|s| matrix.lead_unit(self.org, s, c).as_ref() == Some(unit))
        };
        let text: Vec<char> = text.chars().collect();
        let shared = |name: &str| {
            let name: Vec<char> = name.chars().collect();
            name.windows(2).filter(|w| text.windows(2).any(|t| t == *w)).count()
        };
        matrix
            .entries()
            .iter()
            .enumerate()
            .max_by_key(|(i, e)| (shared(&e.name_zh), leads(&e.category), std::cmp::Reverse(*i)))
            .map(|(_, e)| e.category.clone())
            .ok_or_else(|| {
                self.say(
                    "策略的责任矩阵没有类别".into(),
                    "the policy's matrix has no category".into(),
                )
            })
    }

    fn time(
        &self,
        field: Field,
        text: &str,
        deadline: bool,
    ) -> Result<Option<DateTime<Utc>>, String> {
        if text.is_empty() {
            return Ok(None);
        }
        let parse = if deadline { parse_deadline } else { parse_time };
        parse(text, self.policy, field.name(self.lang)).map(Some).map_err(|_| {
            let name = field.name(self.lang);
            self.say(
                format!("{name}：“{text}”不是日期或时间"),
                format!("{name}: `{text}` is not a date or time"),
            )
        })
    }

    fn required(&self, field: Field) -> String {
        let name = field.name(self.lang);
        self.say(format!("{name}：必填，此行为空"), format!("{name}: is required and empty"))
    }
}

fn by_name<T: Named + Copy>(all: &[T], text: &str) -> Option<T> {
    all.iter()
        .copied()
        .find(|v| v.name(Lang::Zh) == text || v.name(Lang::En).eq_ignore_ascii_case(text))
}

/// Splits a 隐患描述 cell into a title and a description: `标题：描述` gives both; a cell
/// without a short title before a colon is the description, and its start the title.
pub(crate) fn title_and_description(cell: &str, title_limit: usize) -> (String, String) {
    if let Some((title, rest)) = cell.split_once(['：', ':']) {
        let (title, rest) = (title.trim(), rest.trim());
        if !title.is_empty() && title.chars().count() <= title_limit {
            let description = if rest.is_empty() { title } else { rest };
            return (title.to_owned(), description.to_owned());
        }
    }
    (cell.chars().take(title_limit).collect::<String>().trim().to_owned(), cell.to_owned())
}

/// One row as an import; `file` and `line` say where it came from.
pub(crate) fn row_import(
    row: &[String],
    cols: &Columns,
    r: &Resolver<'_>,
    file: &str,
    line: u64,
) -> Result<Import, String> {
    let cell = |f: Field| cols.cell(row, f);
    let limits = r.policy.limits();
    for field in Field::ALL {
        let limit = match field {
            Field::Location | Field::Description | Field::Measures | Field::Outcome => continue,
            _ => limits.title(field.name(r.lang), cell(field)),
        };
        limit.map_err(|e| e.to_string())?;
    }
    limits.text(Field::Location.name(r.lang), cell(Field::Location)).map_err(|e| e.to_string())?;
    for field in [Field::DiscoveredAt, Field::Location, Field::Description, Field::Assignee] {
        if cell(field).is_empty() {
            return Err(r.required(field));
        }
    }
    let discovered_at = r.time(Field::DiscoveredAt, cell(Field::DiscoveredAt), false)?;
    let deadline = r.time(Field::Deadline, cell(Field::Deadline), true)?;
    let accepted_at = r.time(Field::AcceptedAt, cell(Field::AcceptedAt), false)?;
    let closed_at = r.time(Field::ClosedAt, cell(Field::ClosedAt), false)?;
    let stage = by_name(&StageKind::ALL, cell(Field::Stage));
    if stage.is_some_and(|s| !s.is_open()) && accepted_at.is_none() && closed_at.is_none() {
        return Err(r.say(
            format!("{}：已关闭的隐患需要验收时间或销号时间", Field::Stage.name(r.lang)),
            format!("{}: a closed hazard needs accepted_at or closed_at", Field::Stage.code()),
        ));
    }
    let responsible_unit = match cell(Field::ResponsibleUnit) {
        "" => None,
        u => Some(r.unit(Field::ResponsibleUnit, u)?),
    };
    let unit = match (cell(Field::Unit), &responsible_unit) {
        ("", Some(u)) => u.clone(),
        ("", None) => return Err(r.required(Field::ResponsibleUnit)),
        (u, _) => r.unit(Field::Unit, u)?,
    };
    let category = match cell(Field::Category) {
        "" => {
            let text = format!("{}{}", cell(Field::Description), cell(Field::Location));
            r.category_guessed(responsible_unit.as_ref().unwrap_or(&unit), &text)?
        }
        c => r.category(c)?,
    };
    let grade = match cell(Field::Grade) {
        "" => None,
        g => Some(
            by_name(&[Grade::General, Grade::Major], g)
                .or(match g {
                    "一般" => Some(Grade::General),
                    "重大" => Some(Grade::Major),
                    _ => None,
                })
                .ok_or_else(|| {
                    let name = Field::Grade.name(r.lang);
                    r.say(
                        format!("{name}：“{g}”不是隐患等级"),
                        format!("{name}: `{g}` is not a grade"),
                    )
                })?,
        ),
    };
    let colour = match cell(Field::Colour) {
        "" => RiskColour::Blue,
        c => {
            by_name(&[RiskColour::Red, RiskColour::Orange, RiskColour::Yellow, RiskColour::Blue], c)
                .ok_or_else(|| {
                    let name = Field::Colour.name(r.lang);
                    r.say(
                        format!("{name}：“{c}”不是风险等级"),
                        format!("{name}: `{c}` is not a colour"),
                    )
                })?
        }
    };
    let accepted_by = match cell(Field::AcceptedBy) {
        "" => None,
        p => Some(r.person(Field::AcceptedBy, p)?),
    };
    let (title, description) = title_and_description(cell(Field::Description), limits.title);
    let number = Some(cell(Field::Number).to_owned()).filter(|n| !n.is_empty());
    Ok(Import {
        discover: Discover {
            unit,
            location: cell(Field::Location).to_owned(),
            category: Some(category.clone()),
            title,
            description,
            source: Source::DailyPatrol,
            discovered_at,
            evidence: Vec::new(),
            campaign: None,
        },
        register: Register {
            grade,
            assessment: Method::Judgement { colour },
            category,
            responsible_unit,
            assignee: r.person(Field::Assignee, cell(Field::Assignee))?,
            deadline,
            fixable_at_once: true,
            campaign: None,
        },
        measures: cell(Field::Measures).to_owned(),
        outcome: cell(Field::Outcome).to_owned(),
        accepted_by,
        accepted_at,
        closed_at,
        source: ImportSource { file: file.to_owned(), line, number },
    })
}
