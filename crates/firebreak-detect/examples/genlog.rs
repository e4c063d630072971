//! Writes a generated web access log to stdout (nginx `combined`, or JSON lines as nginx or
//! Caddy write them), with attacks planted at known places.
//!
//! ```text
//! cargo run --release -p firebreak-detect --example genlog -- --size 1G --seed 7 > access.log
//! ```
//!
//! Options: `--size N[K|M|G]` (bytes) or `--lines N`; `--seed N`; `--clients N`;
//! `--start UNIX_SECONDS`; `--rate LINES_PER_SECOND`; `--no-attacks`; `--planted FILE` writes
//! where the attacks landed, as JSON; `--json nginx|caddy|traefik` writes JSON lines in that
//! server's shape; `--wide` makes the traffic hard to count: a third of the clients are
//! crawlers and scripts, most pages carry long tracking query strings, and unless `--clients`
//! says otherwise there are 300,000 clients (about 100,000 of them bots).

use std::io::{self, Write};
use std::process::ExitCode;

use firebreak_detect::generate::{GenOptions, Generator, Shape, Size};

const USAGE: &str = "usage: genlog [--size N[K|M|G] | --lines N] [--seed N] [--clients N] \
[--start UNIX_SECONDS] [--rate LINES_PER_SECOND] [--no-attacks] [--planted FILE] \
[--json nginx|caddy|traefik] [--wide]";

/// Clients `--wide` brings unless `--clients` is given.
const WIDE_CLIENTS: u32 = 300_000;

struct Args {
    options: GenOptions,
    planted: Option<String>,
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("genlog: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        // Piped into `head`: the reader has what it wanted.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("genlog: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let planted = Generator::new(args.options).write_to(&mut out)?;
    out.flush()?;
    if let Some(path) = args.planted {
        let json = serde_json::to_vec_pretty(&planted).map_err(io::Error::other)?;
        std::fs::write(&path, json)
            .map_err(|e| io::Error::new(e.kind(), format!("{path}: {e}")))?;
    }
    Ok(())
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut options = GenOptions {
        size: Size::Bytes(100 * 1024 * 1024),
        ..GenOptions::default()
    };
    let mut planted = None;
    let mut clients = None;
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--size" => options.size = Size::Bytes(bytes(&value()?)?),
            "--lines" => options.size = Size::Lines(number(&value()?)?),
            "--seed" => options.seed = number(&value()?)?,
            "--clients" => {
                clients = Some(
                    u32::try_from(number(&value()?)?)
                        .map_err(|_| "--clients is too large".to_owned())?,
                );
            }
            "--start" => {
                let text = value()?;
                options.start = text
                    .parse()
                    .map_err(|_| format!("--start wants unix seconds, not {text:?}"))?;
            }
            "--rate" => {
                options.per_second = u32::try_from(number(&value()?)?)
                    .map_err(|_| "--rate is too large".to_owned())?;
            }
            "--no-attacks" => options.plant = false,
            "--planted" => planted = Some(value()?),
            "--json" => {
                options.shape = match value()?.as_str() {
                    "nginx" => Shape::NginxJson,
                    "caddy" => Shape::CaddyJson,
                    "traefik" => Shape::TraefikJson,
                    other => {
                        return Err(format!(
                            "--json wants nginx, caddy or traefik, not {other:?}"
                        ));
                    }
                }
            }
            "--wide" => options.wide = true,
            "-h" | "--help" => return Err("generates a realistic web access log".to_owned()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    options.clients = match (clients, options.wide) {
        (Some(n), _) => n,
        (None, true) => WIDE_CLIENTS,
        (None, false) => options.clients,
    };
    Ok(Args { options, planted })
}

fn number(text: &str) -> Result<u64, String> {
    text.replace('_', "")
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))
}

/// `1G`, `512M`, `64K` or plain bytes (powers of 1024).
fn bytes(text: &str) -> Result<u64, String> {
    let upper = text.to_ascii_uppercase();
    let (digits, scale) = match upper.trim_end_matches('B').chars().last() {
        Some('K') => (&upper[..upper.find('K').unwrap_or(0)], 1u64 << 10),
        Some('M') => (&upper[..upper.find('M').unwrap_or(0)], 1 << 20),
        Some('G') => (&upper[..upper.find('G').unwrap_or(0)], 1 << 30),
        _ => (upper.as_str(), 1),
    };
    number(digits)?
        .checked_mul(scale)
        .ok_or_else(|| format!("{text:?} is too large"))
}
