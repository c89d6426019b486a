//! The `hazardloop` command. See the crate docs for options, exit codes and JSON output.

use std::io::Write;

fn main() {
    let (stdout, stderr, code) = hazardloop_cli::main_with(std::env::args().collect());
    let _ = std::io::stdout().write_all(stdout.as_bytes());
    let _ = std::io::stderr().write_all(stderr.as_bytes());
    std::process::exit(code);
}
