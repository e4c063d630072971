//! Load harness for `firebreak serve`, on loopback, bounded in time and in count:
//!
//! ```text
//! cargo build --release -p firebreak --bin firebreak --example seed --example load
//! target/release/examples/load [--connections 16] [--seconds 10] [--writers 8] \
//!     [--write-seconds 5] [--postgres postgres://postgres@127.0.0.1:5432/postgres]
//! ```
//!
//! (`benches/serve.sh` does exactly this.) It makes a scratch data directory, seeds it with
//! `examples/seed` (10,000 incidents of 5 events; not timed), runs `firebreak init` and
//! `firebreak token create` on it, starts `firebreak serve --listen 127.0.0.1:0`, and measures:
//!
//! 1. `GET /api/v1/incidents?limit=50` on `--connections` keep-alive connections for
//!    `--seconds`;
//! 2. `POST /api/v1/incidents/{id}/notes` on `--writers` connections for `--write-seconds`,
//!    spread over every open incident, then all on one incident — each answered only once the
//!    note is committed (SQLite `synchronous = FULL`);
//! 3. the dashboard's incident list `GET /` with a session cookie, one request at a time, if the
//!    route answers 200 (otherwise it says "dashboard: not available");
//! 4. alert intake: `--intake-incidents` webhook alerts of distinct groups are posted first (not
//!    timed), each declaring an open incident carrying its finding; then for `--intake-seconds`
//!    one connection (Alertmanager sends a group's notifications one at a time) posts alerts of
//!    those groups, each answered once it is recorded on its group's incident;
//! 5. appends on deep incidents: two incidents are given `--deep-events` events each (10,000 by
//!    default, recorded through the library before the server starts, not timed): one all notes
//!    (its folded state holds 10,000 notes; a change answers with their count), one checklist
//!    ticks (its state stays small); then one connection posts notes to each for
//!    `--write-seconds`: the server CPU per note shows what an append costs on a long chain,
//!    with a large state and a small one;
//! 6. with `--postgres ADMIN_URL`: the notes (and the deep incident's) again on a scratch
//!    PostgreSQL database it creates and drops.
//!
//! Afterwards it stops the server with SIGTERM and runs `firebreak verify` over what was written.
//!
//! The client is deliberately small so that it does not compete with the server for the two
//! cores: one OS thread (a current-thread tokio runtime), hand-written HTTP/1.1 over
//! `tokio::net::TcpStream` with a request prepared once per connection, no TLS, no JSON parsing
//! on the hot path. Each phase prints how much CPU the server and the client used, as a share of
//! one core, so where the time went is visible in the table.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use clap::Parser;
use firebreak::service::Service;
use firebreak_core::Change;
use firebreak_core::access::{random_hex, secret_digest};
use firebreak_core::decide::Declaration;
use firebreak_store::backend::{redact, sqlite_url};
use firebreak_store::{OpenMode, Store};
use jiff::Timestamp;
use serde_json::Value;
use tokio::net::TcpStream;

/// Measure `firebreak serve` on loopback.
#[derive(Debug, Parser)]
struct Args {
    /// The release `firebreak` binary.
    #[arg(long, default_value = "target/release/firebreak")]
    firebreak: PathBuf,
    /// The seeding tool (`cargo build --release --example seed`).
    #[arg(long, default_value = "target/release/examples/seed")]
    seed: PathBuf,
    /// Incidents in the SQLite store.
    #[arg(long, default_value_t = 10_000)]
    incidents: u32,
    /// Incidents in the PostgreSQL store (only notes are measured there).
    #[arg(long, default_value_t = 1_000)]
    pg_incidents: u32,
    /// Keep-alive connections for the list.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    connections: u16,
    /// Seconds the list is measured for.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=120))]
    seconds: u64,
    /// Connections posting notes.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    writers: u16,
    /// Seconds each notes phase is measured for.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60))]
    write_seconds: u64,
    /// Seconds the dashboard list is measured for (one request at a time).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=60))]
    dashboard_seconds: u64,
    /// Alert groups (each an open incident) declared before intake is measured; 0 skips it.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    intake_incidents: u32,
    /// Seconds alert intake is measured for.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60))]
    intake_seconds: u64,
    /// Events of the deep incident (declaration and notes) that notes are then appended to, one
    /// connection; 0 skips it.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    deep_events: u32,
    /// PostgreSQL admin URL; a scratch database is created there and dropped afterwards.
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// Where the scratch data directories go (default: a temporary directory).
    #[arg(long, value_name = "DIR")]
    scratch: Option<PathBuf>,
}

/// No phase sends more than this many requests, whatever the time bound.
const MAX_REQUESTS: usize = 2_000_000;

fn main() -> ExitCode {
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let args = Args::parse();
    let run = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .and_then(|rt| rt.block_on(run(&args)));
    match run {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("load: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> anyhow::Result<()> {
    for tool in [&args.firebreak, &args.seed] {
        ensure!(
            tool.is_file(),
            "{} is missing; build it with `cargo build --release -p firebreak --bin firebreak --example seed`",
            tool.display()
        );
    }
    let scratch = match &args.scratch {
        Some(dir) => tempfile::Builder::new()
            .prefix("fb-load-")
            .tempdir_in(dir)?,
        None => tempfile::Builder::new().prefix("fb-load-").tempdir()?,
    };
    let mut results = Vec::new();

    // SQLite: list, notes, dashboard.
    let dir = scratch.path().join("sqlite");
    let setup = Setup::new(args, &dir, None, args.incidents).await?;
    let server = Server::start(args, &setup)?;
    println!(
        "load: serving {} incidents on http://{}/ (pid {})",
        args.incidents, server.addr, server.pid
    );
    let list = Request::get(
        &server.addr,
        "/api/v1/incidents?limit=50",
        &setup.auth_header(),
    );
    let listed = phase(
        &format!("GET /api/v1/incidents?limit=50, {} conn", args.connections),
        &server,
        usize::from(args.connections),
        Duration::from_secs(args.seconds),
        move |_| list.clone(),
    )
    .await?;
    results.push(Measured {
        target: Some(Target::List),
        ..listed
    });
    results.extend(notes(args, &server, &setup, "SQLite").await?);
    for (what, id) in &setup.deep {
        results.push(deep_notes(args, &server, &setup, what, id, "SQLite").await?);
    }
    results.push(dashboard(args, &server, &setup).await?);
    if args.intake_incidents > 0 {
        results.push(intake(args, &server, &setup).await?);
    }
    server.stop()?;
    setup.verify(args)?;

    // PostgreSQL: notes.
    if let Some(admin) = &args.postgres {
        let db = Scratch::create(admin).await?;
        let outcome = async {
            let dir = scratch.path().join("postgres");
            let setup = Setup::new(args, &dir, Some(db.url.clone()), args.pg_incidents).await?;
            let server = Server::start(args, &setup)?;
            let mut measured = notes(args, &server, &setup, "PostgreSQL").await;
            for (what, id) in &setup.deep {
                if let Ok(m) = &mut measured {
                    match deep_notes(args, &server, &setup, what, id, "PostgreSQL").await {
                        Ok(d) => m.push(d),
                        Err(e) => measured = Err(e),
                    }
                }
            }
            server.stop()?;
            let measured = measured?;
            setup.verify(args)?;
            anyhow::Ok(measured)
        }
        .await;
        db.drop_it().await?;
        results.extend(outcome?);
    }

    print_table(&results);
    Ok(())
}

/// A seeded data directory with a token and a dashboard session.
struct Setup {
    dir: PathBuf,
    database: Option<String>,
    secret: String,
    cookie: String,
    /// The deep incidents, if made: (what their events are, id).
    deep: Vec<(&'static str, String)>,
}

impl Setup {
    async fn new(
        args: &Args,
        dir: &Path,
        database: Option<String>,
        incidents: u32,
    ) -> anyhow::Result<Self> {
        let started = Instant::now();
        let mut seed = Command::new(&args.seed);
        seed.arg("--data-dir")
            .arg(dir)
            .args(["--incidents", &incidents.to_string()])
            .args(["--events-per-incident", "5"]);
        if let Some(url) = &database {
            seed.args(["--database", url]);
        }
        let status = seed.stderr(Stdio::null()).status()?;
        ensure!(status.success(), "seeding {} failed", dir.display());
        eprintln!(
            "load: seeded {incidents} incidents in {:.1} s (not measured)",
            started.elapsed().as_secs_f64()
        );
        let setup = Setup {
            dir: dir.to_path_buf(),
            database,
            secret: String::new(),
            cookie: String::new(),
            deep: Vec::new(),
        };
        setup.firebreak(args, &["init"])?;
        let made = setup.firebreak(
            args,
            &[
                "--json",
                "token",
                "create",
                "--role",
                "responder",
                "--name",
                "load",
            ],
        )?;
        let made: Value = serde_json::from_slice(&made)?;
        let secret = made["secret"]
            .as_str()
            .context("token create gave no secret")?;
        let token_id = made["token"]["id"]
            .as_str()
            .context("token create gave no id")?;
        // A dashboard session made the way sign-in makes one: only the cookie's digest stored.
        let cookie = format!("load{}", random_hex(32)?);
        let url = setup
            .database
            .clone()
            .unwrap_or_else(|| sqlite_url(&dir.join("firebreak.db"), false));
        let store = Store::open(&url, OpenMode::Existing).await?;
        let now = Timestamp::now();
        store
            .add_session(
                &secret_digest(&cookie),
                token_id,
                &random_hex(16)?,
                now,
                now + jiff::SignedDuration::from_hours(1),
            )
            .await?;
        let mut deep = Vec::new();
        if args.deep_events > 0 {
            for kind in [Deep::Notes, Deep::Ticks] {
                let id = deep_incident(store.clone(), dir, args.deep_events, kind).await?;
                deep.push((kind.words(), id));
            }
        }
        store.close().await;
        Ok(Setup {
            secret: secret.to_string(),
            cookie,
            deep,
            ..setup
        })
    }

    fn command(&self, args: &Args) -> Command {
        let mut cmd = Command::new(&args.firebreak);
        cmd.env_remove("FIREBREAK_CONFIG")
            .env("FIREBREAK_DATA_DIR", &self.dir)
            .env("FIREBREAK_USER", "load")
            .env("NO_COLOR", "1");
        match &self.database {
            Some(url) => cmd.env("FIREBREAK_DATABASE_URL", url),
            None => cmd.env_remove("FIREBREAK_DATABASE_URL"),
        };
        cmd
    }

    /// Runs `firebreak ARGS…`, which must succeed; returns its standard output.
    fn firebreak(&self, args: &Args, what: &[&str]) -> anyhow::Result<Vec<u8>> {
        let out = self.command(args).args(what).output()?;
        ensure!(
            out.status.success(),
            "firebreak {}: {}",
            what.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
        Ok(out.stdout)
    }

    fn auth_header(&self) -> String {
        format!("Authorization: Bearer {}\r\n", self.secret)
    }

    fn verify(&self, args: &Args) -> anyhow::Result<()> {
        let out = self.firebreak(args, &["verify"])?;
        eprintln!("load: {}", String::from_utf8_lossy(&out).trim());
        Ok(())
    }
}

/// What a deep incident's events are.
#[derive(Clone, Copy)]
enum Deep {
    /// Notes: the incident's folded state (and `GET` of it) carries all of them.
    Notes,
    /// A checklist item ticked and unticked: the state stays small.
    Ticks,
}

impl Deep {
    fn words(self) -> &'static str {
        match self {
            Deep::Notes => "notes",
            Deep::Ticks => "checklist ticks",
        }
    }

    fn change(self, n: u64) -> Change {
        match self {
            Deep::Notes => Change::NoteAdded {
                text: format!("seeded note {n}"),
            },
            Deep::Ticks => Change::ChecklistTicked {
                list: "triage".into(),
                item: 0,
                done: n % 2 == 1,
            },
        }
    }
}

/// Declares an incident and gives it `events` events in all (500 per change), through the
/// library's service as the server itself records them; returns its id.
async fn deep_incident(
    store: Store,
    dir: &Path,
    events: u32,
    kind: Deep,
) -> anyhow::Result<String> {
    let started = Instant::now();
    let service = Service::new(
        store,
        firebreak_core::config::Config::default(),
        dir.to_path_buf(),
        "load".into(),
    );
    let now = Timestamp::now();
    let declared = service
        .declare(&Declaration {
            title: "Deep incident for the append benchmark",
            summary: None,
            severity: "P2",
            started_at: None,
            detected_at: None,
            commander: None,
            detection: None,
            now,
        })
        .await?;
    let id = declared.incident.id;
    let mut count = declared.incident.head.seq;
    while count < u64::from(events) {
        let n = (u64::from(events) - count).min(500);
        let notes: Vec<Change> = (0..n).map(|i| kind.change(count + i + 1)).collect();
        count = service
            .change(&id, |_| Ok(notes.clone()))
            .await?
            .incident
            .head
            .seq;
    }
    eprintln!(
        "load: {id} given {count} events ({}) in {:.1} s (not measured)",
        kind.words(),
        started.elapsed().as_secs_f64()
    );
    Ok(id.to_string())
}

/// A throwaway PostgreSQL database.
struct Scratch {
    admin: String,
    name: String,
    url: String,
}

impl Scratch {
    async fn create(admin: &str) -> anyhow::Result<Self> {
        use sqlx::{Connection as _, Executor as _};
        sqlx::any::install_default_drivers();
        let name = format!("fb_load_{}", std::process::id());
        let mut conn = sqlx::AnyConnection::connect(admin)
            .await
            .with_context(|| format!("cannot connect to {}", redact(admin)))?;
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await?;
        conn.close().await?;
        let base = admin
            .rsplit_once('/')
            .map(|(b, _)| b)
            .context("the PostgreSQL URL names no database")?;
        Ok(Scratch {
            admin: admin.to_string(),
            url: format!("{base}/{name}"),
            name,
        })
    }

    async fn drop_it(self) -> anyhow::Result<()> {
        use sqlx::{Connection as _, Executor as _};
        let mut conn = sqlx::AnyConnection::connect(&self.admin).await?;
        conn.execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .await?;
        conn.close().await?;
        Ok(())
    }
}

/// The `serve` process.
struct Server {
    child: Child,
    pid: u32,
    addr: SocketAddr,
}

impl Server {
    fn start(args: &Args, setup: &Setup) -> anyhow::Result<Self> {
        let mut child = setup
            .command(args)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = child.stderr.take().context("no stderr")?;
        let mut lines = BufReader::new(stderr).lines();
        let addr = loop {
            let Some(line) = lines.next().transpose()? else {
                let _ = child.wait();
                bail!("firebreak serve exited before it listened");
            };
            if let Some(rest) = line.split_once("on http://").map(|(_, r)| r)
                && let Some(addr) = rest.split('/').next()
            {
                break addr.parse::<SocketAddr>()?;
            }
        };
        // Keep draining what the server prints so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
        Ok(Server {
            pid: child.id(),
            child,
            addr,
        })
    }

    /// CPU seconds the server has used so far (user + system).
    fn cpu(&self) -> f64 {
        cpu_seconds(&format!("/proc/{}/stat", self.pid))
    }

    /// SIGTERM, then wait (bounded) for the drain to finish.
    fn stop(mut self) -> anyhow::Result<()> {
        let pid = rustix::process::Pid::from_raw(self.pid as i32).context("bad pid")?;
        rustix::process::kill_process(pid, rustix::process::Signal::TERM)?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait()? {
                ensure!(status.success(), "firebreak serve stopped with {status}");
                return Ok(());
            }
            if Instant::now() > deadline {
                self.child.kill()?;
                bail!("firebreak serve did not stop within 20 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// User + system CPU seconds from a `/proc/…/stat` file.
fn cpu_seconds(stat: &str) -> f64 {
    let text = std::fs::read_to_string(stat).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at "state" (field 3).
    let after = text.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    ticks as f64 / rustix::param::clock_ticks_per_second() as f64
}

/// One prepared HTTP/1.1 request.
#[derive(Clone)]
struct Request(Arc<Vec<u8>>);

impl Request {
    fn get(addr: &SocketAddr, path: &str, headers: &str) -> Self {
        Request(Arc::new(
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}\r\n").into_bytes(),
        ))
    }

    fn post_json(addr: &SocketAddr, path: &str, headers: &str, body: &str) -> Self {
        Request(Arc::new(
            format!(
                "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
        ))
    }
}

/// A keep-alive connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// A response: status and body.
struct Reply {
    status: u16,
    body: Vec<u8>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(64 * 1024),
        })
    }

    async fn write_all(&self, mut bytes: &[u8]) -> std::io::Result<()> {
        while !bytes.is_empty() {
            self.stream.writable().await?;
            match self.stream.try_write(bytes) {
                Ok(n) => bytes = &bytes[n..],
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Reads more bytes into the buffer; an error at end of stream.
    async fn fill(&mut self) -> anyhow::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            self.stream.readable().await?;
            match self.stream.try_read(&mut chunk) {
                Ok(0) => bail!("the server closed the connection"),
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Sends `req` and reads the whole response (Content-Length or chunked).
    async fn send(&mut self, req: &Request) -> anyhow::Result<Reply> {
        self.write_all(&req.0).await?;
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            ensure!(self.buf.len() < 64 * 1024, "response head too large");
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buf[..head_end]).context("response head")?;
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .context("no status in the response")?;
        let mut length = None;
        let mut chunked = false;
        for line in head.split("\r\n").skip(1) {
            if let Some((name, value)) = line.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.parse::<usize>().ok();
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = value.eq_ignore_ascii_case("chunked");
                }
            }
        }
        self.buf.drain(..head_end);
        let body = if chunked {
            self.chunked().await?
        } else {
            let length = length.unwrap_or(0);
            while self.buf.len() < length {
                self.fill().await?;
            }
            self.buf.drain(..length).collect()
        };
        Ok(Reply { status, body })
    }

    async fn chunked(&mut self) -> anyhow::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(i) = find(&self.buf, b"\r\n") {
                    break i;
                }
                self.fill().await?;
            };
            let size_text = std::str::from_utf8(&self.buf[..line_end])?;
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .context("bad chunk size")?;
            self.buf.drain(..line_end + 2);
            if size == 0 {
                // Trailers (none expected) end with an empty line.
                loop {
                    if let Some(i) = find(&self.buf, b"\r\n") {
                        self.buf.drain(..i + 2);
                        if i == 0 {
                            return Ok(body);
                        }
                        continue;
                    }
                    self.fill().await?;
                }
            }
            while self.buf.len() < size + 2 {
                self.fill().await?;
            }
            body.extend(self.buf.drain(..size));
            self.buf.drain(..2);
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What one phase measured.
struct Measured {
    name: String,
    ok: usize,
    errors: usize,
    first_error: Option<String>,
    seconds: f64,
    /// Sorted latencies in microseconds.
    latencies: Vec<u32>,
    server_cpu: f64,
    client_cpu: f64,
    target: Option<Target>,
}

/// A target from the issue.
#[derive(Clone, Copy)]
enum Target {
    List,
    Notes,
    Dashboard,
    Intake,
    /// Notes on one incident, 8 writers.
    HotNotes,
    /// A note on an incident of 10,000 events: server CPU.
    DeepNote,
}

impl Measured {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.seconds.max(1e-9)
    }

    fn pct(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let i = ((self.latencies.len() as f64 * p).ceil() as usize).clamp(1, self.latencies.len());
        f64::from(self.latencies[i - 1]) / 1000.0
    }

    fn verdict(&self) -> String {
        let (met, what) = match self.target {
            None => return "(reported)".into(),
            Some(Target::List) => (
                self.rate() >= 5000.0 && self.pct(0.99) <= 20.0,
                "≥ 5,000/s, p99 ≤ 20 ms",
            ),
            Some(Target::Notes) => (self.rate() >= 500.0, "≥ 500/s"),
            Some(Target::Dashboard) => (self.pct(0.99) <= 50.0, "≤ 50 ms"),
            Some(Target::Intake) => (self.pct(0.99) <= 20.0, "p99 ≤ 20 ms"),
            Some(Target::HotNotes) => (self.rate() >= 1000.0, "≥ 1,000/s"),
            Some(Target::DeepNote) => (
                self.server_cpu / self.rate().max(1e-9) <= 0.002,
                "≤ 2 ms server CPU per note",
            ),
        };
        format!("{what}: {}", if met { "met" } else { "MISSED" })
    }
}

/// Runs `connections` closed loops for `time` (or until [`MAX_REQUESTS`]), each sending the
/// request `make(n)` gives for its n-th request overall.
async fn phase(
    name: &str,
    server: &Server,
    connections: usize,
    time: Duration,
    make: impl Fn(usize) -> Request + Clone + 'static,
) -> anyhow::Result<Measured> {
    let counter = Arc::new(AtomicUsize::new(0));
    let cpu_before = (server.cpu(), cpu_seconds("/proc/self/stat"));
    let started = Instant::now();
    let deadline = started + time;
    let local = tokio::task::LocalSet::new();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let mut conn = Conn::open(server.addr).await?;
        let counter = counter.clone();
        let make = make.clone();
        tasks.push(local.spawn_local(async move {
            let mut latencies = Vec::new();
            let (mut ok, mut errors, mut first_error) = (0usize, 0usize, None);
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                if n >= MAX_REQUESTS {
                    break;
                }
                let req = make(n);
                let sent = Instant::now();
                let reply = conn.send(&req).await?;
                let took = sent.elapsed();
                if (200..300).contains(&reply.status) {
                    ok += 1;
                    latencies.push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX));
                } else {
                    errors += 1;
                    first_error.get_or_insert_with(|| {
                        format!(
                            "{} {}",
                            reply.status,
                            String::from_utf8_lossy(&reply.body)
                                .chars()
                                .take(200)
                                .collect::<String>()
                        )
                    });
                }
            }
            anyhow::Ok((latencies, ok, errors, first_error))
        }));
    }
    let mut measured = Measured {
        name: name.to_string(),
        ok: 0,
        errors: 0,
        first_error: None,
        seconds: 0.0,
        latencies: Vec::new(),
        server_cpu: 0.0,
        client_cpu: 0.0,
        target: None,
    };
    local
        .run_until(async {
            for task in tasks {
                let (latencies, ok, errors, first_error) = task.await??;
                measured.latencies.extend(latencies);
                measured.ok += ok;
                measured.errors += errors;
                if measured.first_error.is_none() {
                    measured.first_error = first_error;
                }
            }
            anyhow::Ok(())
        })
        .await?;
    measured.seconds = started.elapsed().as_secs_f64();
    measured.server_cpu = (server.cpu() - cpu_before.0) / measured.seconds;
    measured.client_cpu = (cpu_seconds("/proc/self/stat") - cpu_before.1) / measured.seconds;
    measured.latencies.sort_unstable();
    if let Some(e) = &measured.first_error {
        eprintln!("load: {name}: {} errors, first: {e}", measured.errors);
    }
    Ok(measured)
}

/// Notes spread over every open incident, then all on one.
async fn notes(
    args: &Args,
    server: &Server,
    setup: &Setup,
    backend: &str,
) -> anyhow::Result<Vec<Measured>> {
    let auth = setup.auth_header();
    // Closed and resolved incidents take no notes: collect the open ones, page by page.
    let mut conn = Conn::open(server.addr).await?;
    let mut open = Vec::new();
    let mut before = String::new();
    loop {
        let path = format!("/api/v1/incidents?open=true&limit=500{before}");
        let reply = conn.send(&Request::get(&server.addr, &path, &auth)).await?;
        ensure!(
            reply.status == 200,
            "listing open incidents: {}",
            reply.status
        );
        let page: Value = serde_json::from_slice(&reply.body)?;
        for item in page["items"].as_array().into_iter().flatten() {
            if let Some(id) = item["id"].as_str() {
                open.push(id.to_string());
            }
        }
        match page["next"].as_str() {
            Some(next) if open.len() < 100_000 => before = format!("&before={next}"),
            _ => break,
        }
    }
    ensure!(!open.is_empty(), "no open incidents to add notes to");
    let open = Arc::new(open);
    let writers = usize::from(args.writers);
    let time = Duration::from_secs(args.write_seconds);
    let note = {
        let (addr, auth) = (server.addr, auth.clone());
        move |id: &str, n: usize| {
            Request::post_json(
                &addr,
                &format!("/api/v1/incidents/{id}/notes"),
                &auth,
                &format!("{{\"text\":\"load note {n}\"}}"),
            )
        }
    };
    let spread = {
        let (open, note) = (open.clone(), note.clone());
        phase(
            &format!(
                "POST notes, {backend}, {} open incidents, {writers} conn",
                open.len()
            ),
            server,
            writers,
            time,
            move |n| note(&open[n % open.len()], n),
        )
        .await?
    };
    let one = {
        let id = open[0].clone();
        phase(
            &format!("POST notes, {backend}, one incident, {writers} conn"),
            server,
            writers,
            time,
            move |n| note(&id, n),
        )
        .await?
    };
    let sqlite = backend == "SQLite";
    Ok(vec![
        Measured {
            target: sqlite.then_some(Target::Notes),
            ..spread
        },
        Measured {
            target: sqlite.then_some(Target::HotNotes),
            ..one
        },
    ])
}

/// Notes on the deep incident, one connection: what one append costs on a long chain.
async fn deep_notes(
    args: &Args,
    server: &Server,
    setup: &Setup,
    what: &str,
    deep: &str,
    backend: &str,
) -> anyhow::Result<Measured> {
    let (addr, auth) = (server.addr, setup.auth_header());
    let path = format!("/api/v1/incidents/{deep}/notes");
    let measured = phase(
        &format!(
            "POST notes, {backend}, incident of {} {what}, 1 conn",
            args.deep_events
        ),
        server,
        1,
        Duration::from_secs(args.write_seconds),
        move |n| {
            Request::post_json(
                &addr,
                &path,
                &auth,
                &format!("{{\"text\":\"deep note {n}\"}}"),
            )
        },
    )
    .await?;
    let target = (backend == "SQLite").then_some(Target::DeepNote);
    Ok(Measured { target, ..measured })
}

/// A generic-webhook alert of group `bench-N`.
fn alert(addr: &SocketAddr, auth: &str, group: u32, n: usize) -> Request {
    Request::post_json(
        addr,
        "/api/v1/alerts/webhook",
        auth,
        &format!(
            "{{\"source\":\"load\",\"key\":\"bench-{group}\",\"title\":\"Probe {group} fails\",\
             \"severity\":\"warning\",\"summary\":\"probe round {n} failed\"}}"
        ),
    )
}

/// Alert intake with many open incidents: declares `--intake-incidents` groups (not timed), then
/// measures alerts landing on them, one connection.
async fn intake(args: &Args, server: &Server, setup: &Setup) -> anyhow::Result<Measured> {
    let auth = setup.auth_header();
    let groups = args.intake_incidents;
    let started = Instant::now();
    let mut conn = Conn::open(server.addr).await?;
    for group in 0..groups {
        let reply = conn.send(&alert(&server.addr, &auth, group, 0)).await?;
        ensure!(
            reply.status == 200 && find(&reply.body, b"\"declared\"").is_some(),
            "declaring alert group {group}: {} {}",
            reply.status,
            String::from_utf8_lossy(&reply.body)
        );
    }
    eprintln!(
        "load: {groups} alert groups declared as open incidents in {:.1} s (not measured)",
        started.elapsed().as_secs_f64()
    );
    let addr = server.addr;
    let measured = phase(
        &format!("POST alerts (webhook), {groups} open alert incidents, 1 conn"),
        server,
        1,
        Duration::from_secs(args.intake_seconds),
        move |n| {
            // A stride through the groups, so that every alert lands on a different incident.
            let group = u32::try_from(n.wrapping_mul(7919) % groups as usize).unwrap_or(0);
            alert(&addr, &auth, group, n + 1)
        },
    )
    .await?;
    Ok(Measured {
        target: Some(Target::Intake),
        ..measured
    })
}

/// The dashboard's incident list, if the dashboard answers.
async fn dashboard(args: &Args, server: &Server, setup: &Setup) -> anyhow::Result<Measured> {
    let page = Request::get(
        &server.addr,
        "/",
        &format!("Cookie: firebreak_session={}\r\n", setup.cookie),
    );
    let mut conn = Conn::open(server.addr).await?;
    let probe = conn.send(&page).await?;
    let name = "GET / (dashboard list), 1 conn".to_string();
    if probe.status != 200 {
        println!("dashboard: not available (GET / answered {})", probe.status);
        return Ok(Measured {
            name,
            ok: 0,
            errors: 0,
            first_error: Some(format!("not available ({})", probe.status)),
            seconds: 0.0,
            latencies: Vec::new(),
            server_cpu: 0.0,
            client_cpu: 0.0,
            target: None,
        });
    }
    let measured = phase(
        &name,
        server,
        1,
        Duration::from_secs(args.dashboard_seconds),
        move |_| page.clone(),
    )
    .await?;
    Ok(Measured {
        target: Some(Target::Dashboard),
        ..measured
    })
}

fn print_table(results: &[Measured]) {
    println!();
    println!(
        "{:<58} {:>8} {:>9} {:>8} {:>8} {:>8} {:>6} {:>6} {:>6} {:>8}  target",
        "measure",
        "requests",
        "per s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "errors",
        "server",
        "client",
        "srv µs/r"
    );
    for m in results {
        if m.ok == 0 && m.errors == 0 {
            println!(
                "{:<58} {}",
                m.name,
                m.first_error.as_deref().unwrap_or("not measured")
            );
            continue;
        }
        println!(
            "{:<58} {:>8} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>6} {:>5.0}% {:>5.0}% {:>8.0}  {}",
            m.name,
            m.ok,
            m.rate(),
            m.pct(0.50),
            m.pct(0.99),
            m.pct(1.0),
            m.errors,
            m.server_cpu * 100.0,
            m.client_cpu * 100.0,
            m.server_cpu * 1e6 / m.rate().max(1e-9),
            m.verdict()
        );
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "(server, client: CPU used, as a share of one core; srv µs/r: server CPU per answered \
         request; {} cores; load average {})",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}
