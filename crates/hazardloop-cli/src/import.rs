//! `import`: an existing ledger CSV (the export's columns, Chinese or English headers) becomes
//! registered hazards. Each row is one atomic batch (discover + register): it lands whole or not
//! at all. Bad rows are reported with their line number and reason; good rows are imported.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use hazardloop_core::model::{
    Category, Grade, Lang, Method, Named, PersonId, RiskColour, Source, UnitId,
};
use hazardloop_core::org::Org;
use hazardloop_core::policy::Policy;
use hazardloop_core::report::Column;
use hazardloop_core::store::Store;
use hazardloop_core::workflow::{Command, Discover, Register, StageKind};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::app::{parse_deadline, parse_time, App};
use crate::error::CliError;
use crate::out::Out;

/// Reads the header row: which column is where.
fn columns(header: &csv::StringRecord) -> Result<HashMap<Column, usize>, CliError> {
    let mut found = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().trim_start_matches('\u{feff}');
        if let Some(c) = Column::ALL
            .iter()
            .find(|c| c.header(Lang::Zh) == name || c.header(Lang::En).eq_ignore_ascii_case(name))
        {
            found.insert(*c, i);
        }
    }
    for required in [
        Column::DiscoveredAt,
        Column::Unit,
        Column::Location,
        Column::Description,
        Column::Category,
        Column::Assignee,
    ] {
        if !found.contains_key(&required) {
            return Err(CliError::Invalid(format!(
                "the CSV has no column {}",
                required.header(Lang::Zh)
            )));
        }
    }
    Ok(found)
}

/// Resolves names or ids to the organisation's and matrix's keys.
struct Resolver<'a> {
    org: &'a Org,
    policy: &'a Policy,
}

impl Resolver<'_> {
    fn unit(&self, text: &str) -> Result<UnitId, String> {
        if let Ok(id) = UnitId::new(text) {
            if self.org.unit(&id).is_some() {
                return Ok(id);
            }
        }
        self.org
            .units()
            .find(|u| u.name == text)
            .map(|u| u.id.clone())
            .ok_or_else(|| format!("unknown unit `{text}`"))
    }

    fn person(&self, text: &str) -> Result<PersonId, String> {
        if let Ok(id) = PersonId::new(text) {
            if self.org.person(&id).is_some() {
                return Ok(id);
            }
        }
        let mut named = self.org.people().filter(|p| p.name == text);
        match (named.next(), named.next()) {
            (Some(p), None) => Ok(p.id.clone()),
            (Some(_), Some(_)) => Err(format!("`{text}` names more than one person; use the id")),
            (None, _) => Err(format!("unknown person `{text}`")),
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
            .ok_or_else(|| format!("unknown category `{text}`"))
    }
}

fn by_name<T: Named + Copy>(all: &[T], text: &str) -> Option<T> {
    all.iter()
        .copied()
        .find(|v| v.name(Lang::Zh) == text || v.name(Lang::En).eq_ignore_ascii_case(text))
}

/// The columns the import reads besides the location and the description: names, ids, times
/// and enum values, each no longer than a title (`limits.title`).
const SHORT_COLUMNS: [Column; 9] = [
    Column::Stage,
    Column::DiscoveredAt,
    Column::Unit,
    Column::Category,
    Column::Grade,
    Column::Colour,
    Column::ResponsibleUnit,
    Column::Assignee,
    Column::Deadline,
];

/// Parses one CSV data row the way `import` does, without a store: `header` is the header row
/// (the export's columns, Chinese or English headers, in any order; the columns 发现时间, 所在单位,
/// 具体位置, 隐患描述, 类别 and 责任人 are required), `row` a data row. The row becomes the
/// commands that import it, discover then register, with units, people and categories resolved
/// by id or name against `org` and `policy`, and times read in the policy's time zone; `now`
/// bounds the discovery time.
///
/// Cells over the policy's limits are refused naming the column and the limit (the location
/// against `limits.text`, the other cells read against `limits.title`; the title and description
/// are checked when the commands are decided). A 隐患描述 cell `标题：描述` gives a title and a
/// description; a cell without a short title before a colon is the description, and its first
/// `limits.title` characters the title.
///
/// # Errors
/// [`CliError::Invalid`] naming the column and the reason: a missing header column, a cell
/// over a limit, an unknown unit, person or category, a bad time, grade or colour, a closed
/// stage.
pub fn parse_row(
    header: &csv::StringRecord,
    row: &csv::StringRecord,
    org: &Org,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Vec<Command>, CliError> {
    let cols = columns(header)?;
    row_commands(row, &cols, &Resolver { org, policy }, now).map_err(CliError::Invalid)
}

/// Splits a 隐患描述 cell into a title and a description (see [`parse_row`]).
fn title_and_description(cell: &str, title_limit: usize) -> (String, String) {
    if let Some((title, rest)) = cell.split_once(['：', ':']) {
        let (title, rest) = (title.trim(), rest.trim());
        if !title.is_empty() && title.chars().count() <= title_limit {
            let description = if rest.is_empty() { title } else { rest };
            return (title.to_owned(), description.to_owned());
        }
    }
    (cell.chars().take(title_limit).collect::<String>().trim().to_owned(), cell.to_owned())
}

/// One row as the commands that import it.
fn row_commands(
    row: &csv::StringRecord,
    cols: &HashMap<Column, usize>,
    r: &Resolver<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<Command>, String> {
    let cell = |c: Column| cols.get(&c).and_then(|&i| row.get(i)).map(str::trim).unwrap_or("");
    let limits = r.policy.limits();
    for column in SHORT_COLUMNS {
        limits.title(column.header(Lang::Zh), cell(column)).map_err(|e| e.to_string())?;
    }
    limits
        .text(Column::Location.header(Lang::Zh), cell(Column::Location))
        .map_err(|e| e.to_string())?;
    let stage = cell(Column::Stage);
    if let Some(kind) = by_name(&StageKind::ALL, stage) {
        if !kind.is_open() {
            return Err(format!(
                "{}: the hazard is already {}; only open hazards are imported",
                Column::Stage.header(Lang::Zh),
                kind.name(Lang::Zh)
            ));
        }
    }
    let time = |c: Column| -> Result<Option<DateTime<Utc>>, String> {
        let parse = if c == Column::Deadline { parse_deadline } else { parse_time };
        match cell(c) {
            "" => Ok(None),
            text => parse(text, r.policy, c.header(Lang::Zh)).map(Some).map_err(|e| e.to_string()),
        }
    };
    let discovered_at = time(Column::DiscoveredAt)?.ok_or("发现时间: is required")?;
    if discovered_at > now {
        return Err("发现时间: is in the future".into());
    }
    let (title, description) = title_and_description(cell(Column::Description), limits.title);
    let unit = r.unit(cell(Column::Unit))?;
    let category = r.category(cell(Column::Category))?;
    let grade = match cell(Column::Grade) {
        "" => None,
        g => Some(
            by_name(&[Grade::General, Grade::Major], g)
                .ok_or_else(|| format!("等级: `{g}` is not a grade"))?,
        ),
    };
    let colour = match cell(Column::Colour) {
        "" => RiskColour::Blue,
        c => {
            by_name(&[RiskColour::Red, RiskColour::Orange, RiskColour::Yellow, RiskColour::Blue], c)
                .ok_or_else(|| format!("风险等级: `{c}` is not a colour"))?
        }
    };
    let responsible_unit = match cell(Column::ResponsibleUnit) {
        "" => None,
        u => Some(r.unit(u)?),
    };
    let discover = Command::Discover(Discover {
        unit,
        location: cell(Column::Location).to_owned(),
        category: Some(category.clone()),
        title,
        description,
        source: Source::Report,
        discovered_at: Some(discovered_at),
        evidence: Vec::new(),
    });
    let register = Command::Register(Register {
        grade,
        assessment: Method::Judgement { colour },
        category,
        responsible_unit,
        assignee: r.person(cell(Column::Assignee))?,
        deadline: time(Column::Deadline)?,
        fixable_at_once: true,
    });
    Ok(vec![discover, register])
}

/// Imports the file.
pub async fn import<S: Store>(app: &App<S>, file: &Path, out: &mut Out) -> Result<(), CliError> {
    let (engine, _, org) = app.engine().await?;
    let actor = app.actor(&org)?;
    let bytes =
        std::fs::read(file).map_err(|e| CliError::Invalid(format!("{}: {e}", file.display())))?;
    let text = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text);
    let header = reader
        .headers()
        .map_err(|e| CliError::Invalid(format!("{}: {e}", file.display())))?
        .clone();
    let cols = columns(&header)?;
    let total = text.iter().filter(|b| **b == b'\n').count().saturating_sub(1) as u64;
    let bar = if total >= 1000 { ProgressBar::new(total) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let policy = engine.policy().clone();
    let resolver = Resolver { org: &org, policy: &policy };
    let (mut imported, mut bad) = (0usize, Vec::new());
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                bad.push((line, e.to_string()));
                continue;
            }
        }
        bar.inc(1);
        let line = record.position().map_or(line, |p| p.line());
        let result = match row_commands(&record, &cols, &resolver, engine.now()) {
            Ok(commands) => {
                engine.execute_batch(&actor, None, commands).await.map_err(|e| e.to_string())
            }
            Err(reason) => Err(reason),
        };
        match result {
            Ok(_) => imported += 1,
            Err(reason) => bad.push((line, reason)),
        }
    }
    bar.finish_and_clear();
    let human = {
        let mut s = format!("导入 {imported} 条，错误 {} 条", bad.len());
        for (line, reason) in &bad {
            s += &format!("\n  第 {line} 行：{reason}");
        }
        s
    };
    let bad_json: Vec<_> =
        bad.iter().map(|(line, reason)| json!({ "line": line, "reason": reason })).collect();
    let code = if bad.is_empty() { crate::error::exit::OK } else { crate::error::exit::INVALID };
    out.result(
        "import",
        bad.is_empty(),
        json!({ "imported": imported, "bad": bad_json, "code": code }),
        human,
    );
    if bad.is_empty() {
        Ok(())
    } else {
        Err(CliError::Reported {
            code,
            message: format!("{} bad rows were not imported", bad.len()),
        })
    }
}
