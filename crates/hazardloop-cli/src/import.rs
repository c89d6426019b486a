//! `import`: an existing ledger (CSV or XLSX; the common Chinese ledger's headers, the export's
//! own, or any mapped with `--mapping`) becomes hazards, each directly in the stage its row
//! shows, with the row's own dates. Rows are imported a batch per transaction, each row whole or
//! not at all; a row already imported (the same content) is not imported again; `--dry-run`
//! reports what would happen and writes nothing. Bad rows are reported with their line number
//! and reason; good rows are imported.

use chrono::{DateTime, Utc};
use hazardloop_core::engine::{ImportRow, RowOutcome, IMPORT_BATCH};
use hazardloop_core::model::Lang;
use hazardloop_core::org::Org;
use hazardloop_core::policy::Policy;
use hazardloop_core::store::Store;
use hazardloop_core::workflow::Command;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::app::App;
use crate::args::ImportArgs;
use crate::error::CliError;
use crate::import_map::{Columns, Mapping};
use crate::import_row::{row_import, Resolver};
use crate::out::Out;

/// Parses one CSV data row the way `import` does, without a store: `header` is the header row
/// (the built-in headers, in any order), `row` a data row. The row becomes the `Import` command
/// that imports it, with units, people and categories resolved by id or name against `org` and
/// `policy`, and times read in the policy's time zone. Reasons are in Chinese. (`_now` is kept
/// for callers; the time checks are the command's, when it is decided.)
///
/// # Errors
/// [`CliError::Invalid`] naming the column and the reason: a missing header column, a cell
/// over a limit, an unknown unit, person or category, a bad time, grade or colour.
pub fn parse_row(
    header: &csv::StringRecord,
    row: &csv::StringRecord,
    org: &Org,
    policy: &Policy,
    _now: DateTime<Utc>,
) -> Result<Vec<Command>, CliError> {
    let header: Vec<String> = header.iter().map(str::to_owned).collect();
    let row: Vec<String> = row.iter().map(str::to_owned).collect();
    let cols = Columns::of(&header, &Mapping::default(), Lang::Zh)?;
    let resolver = Resolver { org, policy, lang: Lang::Zh };
    let import = row_import(&row, &cols, &resolver, "", 2).map_err(CliError::Invalid)?;
    Ok(vec![Command::Import(Box::new(import))])
}

/// What became of the rows.
#[derive(Default)]
struct Tally {
    imported: usize,
    already: usize,
    bad: Vec<(u64, String)>,
}

/// Imports the file (or, with `--dry-run`, reports what importing it would do).
pub async fn import<S: Store>(
    app: &App<S>,
    args: &ImportArgs,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = out.lang;
    let (engine, _, org) = app.engine().await?;
    let actor = app.actor(&org)?;
    let mapping = match &args.mapping {
        Some(path) => Mapping::read(path, lang)?,
        None => Mapping::default(),
    };
    let table = crate::import_source::read(&args.file, lang)?;
    let cols = Columns::of(&table.header, &mapping, lang)?;
    let file = args.file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let policy = engine.policy().clone();
    let resolver = Resolver { org: &org, policy: &policy, lang };
    let mut tally = Tally { bad: table.unreadable.clone(), ..Tally::default() };
    let total = table.rows.len() as u64;
    let bar =
        if total >= 1000 && !args.quiet { ProgressBar::new(total) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    for chunk in table.rows.chunks(IMPORT_BATCH) {
        let mut rows = Vec::with_capacity(chunk.len());
        let mut lines = Vec::with_capacity(chunk.len());
        for (line, cells) in chunk {
            match row_import(cells, &cols, &resolver, &file, *line) {
                Ok(import) => {
                    rows.push(ImportRow { import, key: cols.content_key(cells) });
                    lines.push(*line);
                }
                Err(reason) => tally.bad.push((*line, reason)),
            }
        }
        let results = if args.dry_run {
            engine.preview_import(&actor, rows).await
        } else {
            engine.import_many(&actor, rows).await
        };
        for (line, result) in lines.into_iter().zip(results) {
            match result {
                Ok(RowOutcome::AlreadyImported { .. }) => tally.already += 1,
                Ok(_) => tally.imported += 1,
                Err(e) => tally.bad.push((line, crate::error::hazard(e, lang).to_string())),
            }
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    tally.bad.sort_by_key(|(line, _)| *line);
    report(tally, args.dry_run, lang, out)
}

fn report(tally: Tally, dry_run: bool, lang: Lang, out: &mut Out) -> Result<(), CliError> {
    let Tally { imported, already, bad } = tally;
    let mut human = match (lang, dry_run) {
        (Lang::Zh, false) => format!("导入 {imported} 条，已导入过 {already} 条，错误 {} 条", bad.len()),
        (Lang::Zh, true) => format!(
            "试运行：将导入 {imported} 条，已导入过 {already} 条，错误 {} 条；未写入任何数据",
            bad.len()
        ),
        (Lang::En, false) => {
            format!("imported {imported}, already imported {already}, bad rows {}", bad.len())
        }
        (Lang::En, true) => format!(
            "dry run: would import {imported}, already imported {already}, bad rows {}; nothing was written",
            bad.len()
        ),
    };
    for (line, reason) in &bad {
        human += &match lang {
            Lang::Zh => format!("\n  第 {line} 行：{reason}"),
            Lang::En => format!("\n  line {line}: {reason}"),
        };
    }
    let bad_json: Vec<_> =
        bad.iter().map(|(line, reason)| json!({ "line": line, "reason": reason })).collect();
    let code = if bad.is_empty() { crate::error::exit::OK } else { crate::error::exit::INVALID };
    out.result(
        "import",
        bad.is_empty(),
        json!({
            "imported": imported,
            "already_imported": already,
            "dry_run": dry_run,
            "bad": bad_json,
            "code": code,
        }),
        human,
    );
    if bad.is_empty() {
        return Ok(());
    }
    Err(CliError::Reported {
        code,
        message: match lang {
            Lang::Zh => format!("{} 行有误，未导入", bad.len()),
            Lang::En => format!("{} bad rows were not imported", bad.len()),
        },
    })
}
