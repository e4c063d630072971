//! `firebreak serve`: opens the database made by `firebreak init` (upgrading its schema if an
//! older firebreak made it) and runs the team server until SIGTERM or SIGINT.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use firebreak_core::contain::Net;

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
    /// Disconnect a client whose request line and headers have not all arrived this long after
    /// it started sending them, or that sits idle this long between requests (100ms to 10m).
    #[arg(long, default_value = "10s", value_parser = header_timeout, env = "FIREBREAK_HEADER_TIMEOUT")]
    pub header_timeout: Duration,
    /// Answer 408 to a request not received and answered within this time, its body included
    /// (1s to 1h). Event streams and downloads, once started, are not cut.
    #[arg(long, default_value = "60s", value_parser = request_timeout, env = "FIREBREAK_REQUEST_TIMEOUT")]
    pub request_timeout: Duration,
    /// A reverse proxy (address or CIDR range) whose X-Forwarded-For or Forwarded header names
    /// the client, for the sign-in throttle and the log. Repeat for several; in the environment,
    /// separate them with commas. Without it every client is its TCP peer.
    #[arg(
        long = "trusted-proxy",
        value_name = "ADDR[/PREFIX]",
        env = "FIREBREAK_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<Net>,
}

/// A duration between `min` and `max`, in jiff's friendly format (`250ms`, `1s`, `2m`).
fn duration_within(
    text: &str,
    min: Duration,
    max: Duration,
    range: &str,
) -> Result<Duration, String> {
    let d: jiff::SignedDuration = text
        .parse()
        .map_err(|e| format!("{text:?} is not a duration such as 250ms or 1s ({e})"))?;
    let d = Duration::try_from(d).map_err(|_| format!("{text:?} is negative"))?;
    if d < min || d > max {
        return Err(format!("{text:?} is out of range: use {range}"));
    }
    Ok(d)
}

fn poll_interval(text: &str) -> Result<Duration, String> {
    duration_within(
        text,
        Duration::from_millis(10),
        Duration::from_secs(3600),
        "10ms to 1h",
    )
}

fn header_timeout(text: &str) -> Result<Duration, String> {
    duration_within(
        text,
        Duration::from_millis(100),
        Duration::from_secs(600),
        "100ms to 10m",
    )
}

fn request_timeout(text: &str) -> Result<Duration, String> {
    duration_within(
        text,
        Duration::from_secs(1),
        Duration::from_secs(3600),
        "1s to 1h",
    )
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
        header_timeout: args.header_timeout,
        request_timeout: args.request_timeout,
        trusted_proxies: args.trusted_proxies,
    };
    let stop = server::stop_signals().context("cannot watch for SIGTERM and SIGINT")?;
    eprintln!(
        "firebreak: serving {} on http://{local}/ — open the dashboard there; sign in with a token from `firebreak token create`",
        ctx.settings.database_display()
    );
    server::serve(service, options, listener, stop).await;
    eprintln!("firebreak: stopped");
    Ok(ExitCode::SUCCESS)
}
