//! Measures telling people on loopback, through the library's own paths (the service's durable
//! appends, the courier, the outbox drain, the scheduler's `Watch`) against an HTTP receiver
//! started here:
//!
//! 1. event → webhook received: one message queued (a durable append) and delivered, 300 times
//!    over ten incidents; p50, p99, max;
//! 2. drain rate: 1,000 messages queued on ten incidents, then drained;
//! 3. escalation lateness: 20 unacknowledged P1s with a 1 s acknowledge window, the scheduler
//!    loop `serve` runs (refresh, pass, sleep until the next deadline); receipt time at the
//!    backup's receiver minus the deadline;
//! 4. scheduler cost: one pass (re-read the open incidents, compute what is due, nothing due)
//!    over 10,000 open incidents, and what that is as a share of one core at `serve`'s idle
//!    wake-up interval (30 s).
//!
//! ```text
//! cargo run --release -p firebreak --example notify
//! ```

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::http::HeaderMap;
use firebreak::notify::escalate::Watch;
use firebreak::notify::{Courier, drain};
use firebreak::service::Service;
use firebreak::settings::DATABASE_FILE;
use firebreak_core::IncidentId;
use firebreak_core::config::Config;
use firebreak_core::decide::Declaration;
use firebreak_core::notify::{ChannelKind, Draft, Reason, queue};
use firebreak_core::seal::Sealer;
use firebreak_store::backend::sqlite_url;
use firebreak_store::{OpenMode, Store};
use jiff::Timestamp;

type Seen = Arc<Mutex<Vec<(String, Instant)>>>;

async fn receiver() -> anyhow::Result<(String, Seen)> {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let log = log.clone();
            async move {
                let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                let who = v["to"].as_str().unwrap_or_default().to_string();
                let incident = v["incident"].as_str().unwrap_or_default().to_string();
                let _ = headers;
                if let Ok(mut l) = log.lock() {
                    l.push((format!("{who} {incident}"), Instant::now()));
                }
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, seen))
}

async fn service(dir: &Path, url: &str) -> anyhow::Result<Service> {
    let text = format!(
        "[[policy.levels]]\nname = \"P1\"\nlabel = \"Critical\"\nack_within = \"1s\"\nupdate_every = \"1w\"\n\
         [[policy.levels]]\nname = \"P2\"\nlabel = \"High\"\nack_within = \"1w\"\nupdate_every = \"1w\"\n\
         [[notify.contacts]]\nname = \"alice\"\nwebhook = \"{url}\"\nwebhook_key = \"k\"\nbackup = \"bob\"\n\
         [[notify.contacts]]\nname = \"bob\"\nwebhook = \"{url}\"\nwebhook_key = \"k\"\n\
         [notify.chain.P1]\ndeclare = [\"alice\"]\n"
    );
    let config = Config::parse(Path::new("bench.toml"), &text)?;
    let store = Store::open(
        &sqlite_url(&dir.join(DATABASE_FILE), true),
        OpenMode::Create,
    )
    .await?;
    let sealer = Sealer::create(dir)?;
    store.ensure_registry(&sealer.registry(0)).await?;
    Ok(Service::new(
        store,
        config,
        dir.to_path_buf(),
        "bench".into(),
    ))
}

async fn declare(service: &Service, sev: &str, n: usize) -> anyhow::Result<IncidentId> {
    let title = format!("bench incident {n}");
    let d = Declaration {
        title: &title,
        summary: None,
        severity: sev,
        started_at: None,
        detected_at: None,
        commander: None,
        detection: None,
        now: Timestamp::now(),
    };
    Ok(service.declare(&d).await?.incident.id)
}

fn draft(i: usize) -> Draft {
    Draft {
        to: "alice".into(),
        channel: ChannelKind::Webhook,
        template: "internal".into(),
        reason: Reason::Manual,
        subject: format!("update {i}"),
        body: "bench".into(),
        cause: None,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("temporary data directory")?;
    let (url, seen) = receiver().await?;
    let service = service(dir.path(), &url).await?;
    let courier = Courier::new(&service.config().notify)?;

    // 1. Event → received.
    let mut ids = Vec::new();
    for n in 0..10 {
        ids.push(declare(&service, "P2", n).await?);
    }
    let mut lat = Vec::new();
    for i in 0..300 {
        let id = ids[i % ids.len()];
        let before = seen.lock().map(|l| l.len()).unwrap_or(0);
        let t0 = Instant::now();
        let d = [draft(i)];
        service.change(&id, |inc| queue(inc, &d)).await?;
        drain(&service, &courier, &id, false).await?;
        let at = seen
            .lock()
            .ok()
            .and_then(|l| l.get(before).map(|x| x.1))
            .context("not received")?;
        lat.push(at - t0);
    }
    lat.sort();
    println!(
        "event → webhook received (300, loopback): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&lat, 0.5).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        lat[lat.len() - 1].as_secs_f64() * 1e3
    );

    // 2. Drain 1,000.
    let mut fresh = Vec::new();
    for n in 0..10 {
        let id = declare(&service, "P2", 100 + n).await?;
        let drafts: Vec<Draft> = (0..100).map(draft).collect();
        service.change(&id, |inc| queue(inc, &drafts)).await?;
        fresh.push(id);
    }
    let before = seen.lock().map(|l| l.len()).unwrap_or(0);
    let t0 = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for id in fresh {
        let (s, c) = (service.clone(), courier.clone());
        set.spawn(async move { drain(&s, &c, &id, false).await });
    }
    let mut delivered = 0;
    while let Some(r) = set.join_next().await {
        delivered += r??.delivered;
    }
    let took = t0.elapsed();
    let received = seen.lock().map(|l| l.len()).unwrap_or(0) - before;
    println!(
        "drain 1,000 queued on 10 incidents: {delivered} delivered, {received} received in {:.2} s = {:.0}/s",
        took.as_secs_f64(),
        delivered as f64 / took.as_secs_f64()
    );

    // 3. Escalation lateness.
    let mut due: HashMap<String, Instant> = HashMap::new();
    for n in 0..20 {
        let id = declare(&service, "P1", 1000 + n).await?;
        due.insert(id.to_string(), Instant::now() + Duration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut watch = Watch::default();
    let end = Instant::now() + Duration::from_secs(4);
    while Instant::now() < end {
        watch.refresh(&service).await?;
        for f in watch.pass(&service, Timestamp::now()).await? {
            drain(&service, &courier, &f.incident, false).await?;
        }
        let wait = watch
            .next_due(&service, Timestamp::now())
            .and_then(|t| Duration::try_from(t.duration_since(Timestamp::now())).ok())
            .unwrap_or(Duration::from_millis(200))
            .min(Duration::from_secs(1));
        tokio::time::sleep(wait).await;
    }
    let pages: Vec<Duration> = seen
        .lock()
        .map(|l| {
            l.iter()
                .filter_map(|(k, at)| {
                    let incident = k.strip_prefix("bob ")?;
                    due.get(incident).map(|d| at.saturating_duration_since(*d))
                })
                .collect()
        })
        .unwrap_or_default();
    let worst = pages.iter().max().copied().unwrap_or_default();
    println!(
        "escalation: {} of 20 backups paged, latest {:.0} ms after its deadline",
        pages.len(),
        worst.as_secs_f64() * 1e3
    );

    // 4. Scheduler cost with 10,000 open incidents.
    let t0 = Instant::now();
    for n in 0..10_000 {
        declare(&service, "P2", 10_000 + n).await?;
    }
    println!(
        "(declared 10,000 more incidents in {:.1} s)",
        t0.elapsed().as_secs_f64()
    );
    let mut watch = Watch::default();
    let passes = 20;
    let t0 = Instant::now();
    for _ in 0..passes {
        watch.refresh(&service).await?;
        let fired = watch.pass(&service, Timestamp::now()).await?;
        anyhow::ensure!(fired.is_empty(), "nothing should be due");
        let _ = watch.next_due(&service, Timestamp::now());
    }
    let per = t0.elapsed() / passes;
    println!(
        "scheduler pass over {} open incidents: {:.1} ms; at one pass per 30 s idle = {:.2} % of a core",
        10_020,
        per.as_secs_f64() * 1e3,
        per.as_secs_f64() / 30.0 * 100.0
    );
    Ok(())
}
