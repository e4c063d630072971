//! `firebreak`: parse the command line, run it, turn the result into an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Evidence, keys and the database are nobody else's business.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let cli = firebreak::cli::Cli::parse();
    match firebreak::cli::run(cli) {
        Ok(code) => code,
        Err(err) if firebreak::cli::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("firebreak: {}", firebreak::cli::one_line(&err));
            if firebreak::cli::is_usage_error(&err) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
