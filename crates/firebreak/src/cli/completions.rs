//! `firebreak completions SHELL`.

use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: Shell,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let mut cmd = super::Cli::command();
    clap_complete::generate(
        args.shell,
        &mut cmd,
        "firebreak",
        &mut std::io::stdout().lock(),
    );
    Ok(ExitCode::SUCCESS)
}
