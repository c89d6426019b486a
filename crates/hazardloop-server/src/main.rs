//! `hazardloop-server`: the hazardloop engine as an HTTP service.

use clap::{Parser, Subcommand};
use hazardloop_server::cli::{self, ServeArgs, TokenCmd};

#[derive(Parser)]
#[command(
    name = "hazardloop-server",
    version,
    about = "学校安全隐患排查治理闭环 HTTP 服务 (the hazardloop HTTP service)"
)]
struct Args {
    /// The store: a SQLite file (default ./hazardloop.db) or a postgres:// URL.
    #[arg(long, env = "HAZARDLOOP_DB", global = true)]
    db: Option<String>,
    /// The tenant (for `token`).
    #[arg(long, default_value = "default", global = true)]
    tenant: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serves the API until SIGTERM.
    Serve(ServeArgs),
    /// Brings the store's schema to this build's.
    Migrate,
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCmd),
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    hazardloop_server::init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hazardloop-server: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let db = args.db.clone().unwrap_or_else(|| "./hazardloop.db".into());
    let result: Result<String, String> = runtime.block_on(async {
        match args.command {
            Command::Serve(serve) => {
                let config =
                    cli::configuration(args.db.as_deref(), &serve).map_err(|e| e.to_string())?;
                cli::serve(config).await.map(|()| String::new()).map_err(|e| e.to_string())
            }
            Command::Migrate => {
                cli::migrate(&db).await.map(|s| s + "\n").map_err(|e| e.to_string())
            }
            Command::Token(cmd) => cli::token(&db, &args.tenant, cmd).await,
        }
    });
    match result {
        Ok(text) => {
            print!("{text}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("hazardloop-server: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
