//! # hazardloop-cli
//!
//! The `hazardloop` command drives the school-safety hazard loop (排查—登记—报告—治理—验收—
//! 销号—备案存档) from the shell, on an embedded SQLite file by default (`--db`), for safety
//! officers, demos and test harnesses.
//!
//! ```text
//! hazardloop init --school 第一中学
//! hazardloop org add-person zhang --name 张安全员 --unit school/security --role safety_officer
//! hazardloop --as zhang discover --unit school/logistics --location 教学楼 --title 扶手松动
//! hazardloop --as zhang --format json list --overdue
//! hazardloop inspection templates import --all-presets
//! hazardloop inspection plans add plans.toml && hazardloop inspection generate
//! hazardloop --as li inspection due
//! hazardloop --as li inspection complete daily/grid-a/2025-03-03 --file answers.toml
//! hazardloop --as zhang incident open --unit school --title 食堂疑似食物中毒 --kind public_health --occurred-at "2026-10-09 09:40"
//! hazardloop --as zhang incident phone 20261009-1000-7f3a --to 区教育局值班室
//! hazardloop duty schedules preset && hazardloop duty generate --from 2026-10-01 --to 2026-10-31
//! hazardloop --as zhang duty submit quarterly-analysis/school/2026-Q3 --statistics 2026-Q3.xlsx
//! hazardloop campaign preset seed-001 --start 2026-11-02
//! hazardloop --as zhou discover --unit school --location 操场 --title 围栏破损 --campaign campus-safety
//! ```
//!
//! ## Exit codes
//! 0 ok · 2 usage (bad command line, no `init` yet) · 3 denied (the actor may not) · 4 invalid
//! input (bad value, unknown id, number, unit, person or category, a rule of the loop refused,
//! bad CSV rows) · 5 conflict (the hazard changed meanwhile) · 1 anything else (storage, a
//! failed `verify`). Messages are in `--lang` (Chinese by default).
//!
//! ## `--format json` (stable, for harnesses)
//! Every command prints one JSON document on stdout. Success has `"ok": true` and
//! `"command"`; steps add `hazard` (id), `number` (隐患编号), `version`, `stage` (snake_case
//! stage name) and `events` (event type names); `list` gives `total` and `rows` (ledger rows);
//! `show` gives `ledger`, `timeline` and `events` (`seq`, `type`, `name` in `--lang`, `detail`);
//! `categories` gives `categories` (`code`, `name`, `name_zh`, `name_en`, `lead`,
//! `participating`); `stats` gives `period` and `table`; `sweep` gives `hazards`, `fired`,
//! `messages`, `conflicts`; `dispatch` gives `deliveries` (`key`, `to`, `name`, `subject`,
//! `body`) and `delivered`, `retried`, `dead`; `verify` gives `verified`, `occurrences` and
//! `failed` (`id`, `message`: every record that does not verify, with `"ok": false` and
//! exit 1); `import` gives `imported` (rows written, or that would be with `dry_run`), `already_imported`, `dry_run` and `bad` (`line`, `reason`); `export` gives `out` and `bytes`. The `inspection`
//! subcommands' `command` is `inspection.<name>`: `templates` gives `templates`, `template`
//! gives `template`, `templates import` gives `imported` (`template`, `result`: new|unchanged);
//! `plans` gives `plans`; `generate` gives `considered`, `created`, `unassigned`; `due` and
//! `missed` give `rows` (occurrence rows with `status`), `missed` also `sweep`; `start`,
//! `answer`, `complete`, `excuse`, `reassign` give `occurrence`, `version`, `status`, `events`
//! and `hazards` (`item`, `hazard`); `show` gives `occurrence`, `status`, `findings` and
//! `timeline`; `stats` gives `period` and `table` (`unit`, `depth`, `tally`,
//! `completion_rate`, `findings_per_inspection`); `verify` gives `verified`. `sweep` also gives
//! `records` (the sweep of incidents and report duties: `records`, `fired`, `missed`,
//! `messages`, `conflicts`, `other_tenants`) and `verify` also `records` (incidents and duties
//! that verify). The `incident` subcommands' `command` is `incident.<name>`: `open`, `phone`,
//! `written`, `follow-up`, `attach`, `close` give `incident` (id), `version`, `status`
//! (open|phone_reported|written_reported|closed), `events`, `phone_due`, `written_due`;
//! `show` gives `incident`, `status`, `clocks` (`clock`, `due`, `due_local`, `met_at`,
//! `state`: met|late|overdue|pending), `reports` and `timeline`; `list` gives `total` and
//! `rows`; `stats` gives `period` and `tally`. The `duty` subcommands' `command` is
//! `duty.<name>`: `schedules` gives `schedules`; `generate` gives `considered`, `created`;
//! `list` gives `total` and `rows` (with `status` as at `--now`:
//! due|overdue|submitted|late|missed, `due_date`, `key`); `show` gives `duty`, `status`,
//! `timeline`; `submit` gives `duty`, `version`, `status`, `attachments` (`uri`, `sha256`);
//! `stats` gives `period` and `tally`. `campaign preset` and `campaign add` give `campaign`,
//! `campaign list` gives `campaigns`, `campaign stats` gives `period` and `table` (with
//! `--out`: `out`, `bytes`, `format` too). A failure prints
//! `{"ok": false, "code": <exit code>, "kind": "usage|denied|invalid|conflict|error",
//! "message": "<sentence>"}` on stdout and the sentence on stderr.

pub mod app;
pub mod args;
pub mod calendar;
pub mod campaign;
pub mod duty;
mod duty_schedules;
mod duty_submit;
pub mod error;
pub mod export;
pub mod import;
pub mod import_map;
mod import_row;
pub mod import_source;
pub mod incident;
pub mod inspection;
pub mod inspection_args;
mod inspection_setup;
mod inspection_view;
pub mod out;
pub mod parse;
pub mod record_args;
pub mod record_error;
mod record_view;
pub mod responses;
pub mod run;
pub mod step_args;
pub mod steps;
pub mod timeline;

use std::sync::Arc;

use clap::Parser;
use hazardloop_core::store::{InspectionStore, RecordStore, StoreError};

use crate::app::{App, Options};
use crate::args::{Cli, Cmd, OutputFormat};
use crate::error::CliError;
use crate::out::Out;

/// Runs the command line `args`; returns the text for stdout and the exit code.
pub fn main_with(args: Vec<String>) -> (String, String, i32) {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { error::exit::USAGE } else { error::exit::OK };
            let text = e.render().to_string();
            return if code == 0 { (text, String::new(), 0) } else { (String::new(), text, code) };
        }
    };
    if matches!(cli.command, Cmd::Serve(_) | Cmd::Token(_) | Cmd::ConsoleCode { .. }) {
        return service(cli);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return (String::new(), e.to_string(), error::exit::OTHER),
    };
    let format = cli.format;
    let lang = cli.lang;
    let mut out = Out::new(
        format,
        match lang {
            args::LangArg::Zh => hazardloop_core::model::Lang::Zh,
            args::LangArg::En => hazardloop_core::model::Lang::En,
        },
        chrono_tz::Asia::Shanghai,
    );
    let result = runtime.block_on(dispatch_db(cli, &mut out));
    match result {
        Ok(()) => (out.text, String::new(), error::exit::OK),
        Err(e) => {
            let mut stdout = out.text;
            if format == OutputFormat::Json && !matches!(e, CliError::Reported { .. }) {
                stdout += &serde_json::json!({ "ok": false, "code": e.code(), "kind": e.kind(), "message": e.to_string() }).to_string();
                stdout.push('\n');
            }
            (stdout, format!("hazardloop: {e}\n"), e.code())
        }
    }
}

/// `serve` and `token`: the HTTP service's own commands, on a multi-threaded runtime.
fn service(cli: Cli) -> (String, String, i32) {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return (String::new(), e.to_string(), error::exit::OTHER),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Cmd::Serve(mut args) => {
                if args.tenants.is_empty() {
                    args.tenants = vec![cli.tenant.clone()];
                }
                hazardloop_server::init_logging();
                let config = hazardloop_server::cli::configuration(Some(&cli.db), &args)
                    .map_err(|e| e.to_string())?;
                hazardloop_server::cli::serve(config)
                    .await
                    .map(|()| String::new())
                    .map_err(|e| e.to_string())
            }
            Cmd::Token(cmd) => hazardloop_server::cli::token(&cli.db, &cli.tenant, cmd).await,
            Cmd::ConsoleCode { person, minutes } => {
                hazardloop_server::cli::console_code(&cli.db, &cli.tenant, &person, minutes).await
            }
            _ => Ok(String::new()),
        }
    });
    match result {
        Ok(text) => (text, String::new(), error::exit::OK),
        Err(e) => (String::new(), format!("hazardloop: {e}\n"), error::exit::USAGE),
    }
}

async fn dispatch_db(cli: Cli, out: &mut Out) -> Result<(), CliError> {
    let opts = Options::new(&cli)?;
    if cli.db.starts_with("postgres://") || cli.db.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        {
            let store = hazardloop_postgres::PgStore::new(&cli.db, Default::default())
                .map_err(|e| CliError::Other(format!("--db: {e}")))?;
            if matches!(cli.command, Cmd::Init(_)) {
                store.migrate().await.map_err(schema)?;
            }
            return with_store(Arc::new(store), opts, cli.command, out).await;
        }
        #[cfg(not(feature = "postgres"))]
        return Err(CliError::Usage(match opts.lang {
            hazardloop_core::model::Lang::Zh => {
                "--db：此版本不支持 PostgreSQL（须以 --features postgres 构建）".into()
            }
            hazardloop_core::model::Lang::En => {
                "--db: this build has no PostgreSQL support (build with --features postgres)".into()
            }
        }));
    }
    let store = hazardloop_sqlite::SqliteStore::open(&cli.db)
        .map_err(|e| CliError::Other(format!("--db {}: {e}", cli.db)))?;
    if matches!(cli.command, Cmd::Init(_)) {
        store.migrate().map_err(schema)?;
    }
    with_store(Arc::new(store), opts, cli.command, out).await
}

fn schema(e: StoreError) -> CliError {
    CliError::Other(format!("--db: {e}"))
}

async fn with_store<S: InspectionStore + RecordStore>(
    store: Arc<S>,
    opts: Options,
    cmd: Cmd,
    out: &mut Out,
) -> Result<(), CliError> {
    let app = App { store, opts };
    if !matches!(cmd, Cmd::Init(_)) {
        let policy = app.policy().await?;
        out.tz = policy.calendar().time_zone();
    }
    run::run(&app, cmd, out).await
}
