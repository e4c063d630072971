//! `firebreak serve`: opens the database made by `firebreak init` (upgrading its schema if an
//! older firebreak made it) and runs the team server until SIGTERM or SIGINT.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;

use super::Context;
use crate::server::{self, Options};

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:7474", env = "FIREBREAK_LISTEN")]
    pub listen: SocketAddr,
    /// Mark the session cookie Secure: set this when people reach the server through TLS
    /// (a reverse proxy terminating HTTPS).
    #[arg(long)]
    pub behind_tls: bool,
    /// How often to look for changes made by other replicas on the same database (e.g. 1s,
    /// 250ms).
    #[arg(long, default_value = "1s", value_parser = poll_interval)]
    pub poll: Duration,
    /// The largest request body accepted, in KiB.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub body_limit_kib: u32,
}

/// A polling interval: 10 ms to 1 hour, in jiff's friendly format (`250ms`, `1s`, `2m`).
fn poll_interval(text: &str) -> Result<Duration, String> {
    let d: jiff::SignedDuration = text
        .parse()
        .map_err(|e| format!("{text:?} is not a duration such as 250ms or 1s ({e})"))?;
    let d = Duration::try_from(d).map_err(|_| format!("{text:?} is negative"))?;
    if d < Duration::from_millis(10) || d > Duration::from_secs(3600) {
        return Err(format!("{text:?} is out of range: use 10ms to 1h"));
    }
    Ok(d)
}

/// Server faults go to stderr, one line each, filtered by `FIREBREAK_LOG` (default `info`;
/// e.g. `FIREBREAK_LOG=debug`). Nothing logged carries a token, cookie or request body.
fn start_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FIREBREAK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second start in one process (tests) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        // Colour codes only for a person watching; a log file or journald gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

pub async fn run(ctx: &mut Context, args: Args) -> anyhow::Result<ExitCode> {
    start_logging();
    let service = ctx.service().await?;
    // Tokens made before token records were kept are recorded once, before any is accepted.
    service
        .adopt_tokens()
        .await
        .context("cannot record the existing API tokens")?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (choose another address with --listen or FIREBREAK_LISTEN)",
                args.listen
            )
        })?;
    let local = listener.local_addr().unwrap_or(args.listen);
    let options = Options {
        secure_cookies: args.behind_tls,
        poll: args.poll,
        body_limit: args.body_limit_kib as usize * 1024,
    };
    let stop = server::stop_signals().context("cannot watch for SIGTERM and SIGINT")?;
    eprintln!(
        "firebreak: serving {} on http://{local}/ — open the dashboard there; sign in with a token from `firebreak token create`",
        ctx.settings.database_display()
    );
    server::serve(service, options, listener, stop)
        .await
        .context("the server stopped")?;
    eprintln!("firebreak: stopped");
    Ok(ExitCode::SUCCESS)
}
