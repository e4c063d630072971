//! Durable appends through the real write path: `Service::change` with `decide::note`, which
//! reads the incident, checks its chain and seal, folds it, decides, seals the new head and
//! appends in one transaction that is on disk before it returns (SQLite `synchronous = FULL`,
//! PostgreSQL's default `synchronous_commit = on`). One iteration is one event, so criterion
//! reports events per second.
//!
//! Because every change re-reads and re-checks the whole incident, the cost depends on how long
//! the incident already is, so two cases are measured: `short-incident` (incidents of 3 to about
//! 12 events, the usual case) and `long-incident` (about 1,000 events). Iterations rotate over a
//! pool of incidents so that neither grows much while it is measured.
//!
//! SQLite runs in a temporary data directory. PostgreSQL runs only when
//! `FIREBREAK_BENCH_POSTGRES_URL` names an empty, throwaway database (the bench declares
//! incidents into it and refuses one that already holds any); otherwise it says it skipped.
//!
//! ```text
//! cargo bench -p firebreak --bench append
//! FIREBREAK_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1/fb_bench cargo bench -p firebreak --bench append
//! ```

use std::cell::RefCell;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use criterion::{Criterion, SamplingMode, Throughput};
use firebreak::service::{Service, ServiceError};
use firebreak::settings::DATABASE_FILE;
use firebreak_core::config::Config;
use firebreak_core::decide::{self, Declaration};
use firebreak_core::seal::Sealer;
use firebreak_core::{Change, IncidentId};
use firebreak_store::backend::sqlite_url;
use firebreak_store::{OpenMode, Store};
use jiff::Timestamp;
use tokio::runtime::Runtime;

/// Incidents rotated over in the `short-incident` case, each starting with 3 events; a full run
/// adds fewer than ten to each.
const SHORT_POOL: usize = 1_000;
/// Incidents rotated over in the `long-incident` case.
const LONG_POOL: usize = 16;
/// Events each incident of the `long-incident` case starts with.
const LONG_EVENTS: usize = 1_000;

/// A data directory (and database) holding incidents to append to.
struct Fixture {
    service: Service,
    _dir: tempfile::TempDir,
}

async fn fixture(database: Option<&str>) -> anyhow::Result<Fixture> {
    let dir = tempfile::tempdir().context("cannot make a temporary data directory")?;
    let data = dir.path().to_path_buf();
    let url = match database {
        Some(url) => url.to_string(),
        None => sqlite_url(&data.join(DATABASE_FILE), true),
    };
    let store = Store::open(&url, OpenMode::Create).await?;
    let mut snapshot = store.snapshot().await?;
    let registry = snapshot.registry().await?;
    snapshot.finish().await?;
    if registry.is_some_and(|r| r.count > 0) {
        bail!("the benchmark database already holds incidents; give it an empty, throwaway one");
    }
    let sealer = Sealer::create(&data)?;
    store.ensure_registry(&sealer.registry(0)).await?;
    let service = Service::new(store, Config::default(), data, "bench".into());
    Ok(Fixture { service, _dir: dir })
}

impl Fixture {
    /// Declares `count` incidents and grows each to `events` events in one batch.
    async fn incidents(&self, count: usize, events: usize) -> anyhow::Result<Vec<IncidentId>> {
        let mut ids = Vec::with_capacity(count);
        for n in 0..count {
            let title = format!("Benchmark incident {n}");
            let request = Declaration {
                title: &title,
                summary: None,
                severity: "P3",
                started_at: None,
                detected_at: None,
                commander: Some("alice"),
                detection: None,
                now: Timestamp::now(),
            };
            let declared = self.service.declare(&request).await?;
            let id = declared.incident.id;
            let more = events.saturating_sub(declared.events.len());
            if more > 0 {
                self.service
                    .change(&id, |incident| {
                        (0..more)
                            .map(|k| decide::note(incident, &format!("history note {k}")))
                            .collect::<Result<Vec<Vec<Change>>, _>>()
                            .map(|notes| notes.concat())
                    })
                    .await?;
            }
            ids.push(id);
        }
        Ok(ids)
    }
}

/// One criterion benchmark: a note on each incident of `ids` in turn, one durable append each.
fn bench_notes(
    c: &mut Criterion,
    rt: &Runtime,
    group: &str,
    case: &str,
    fixture: &Fixture,
    ids: &[IncidentId],
) -> anyhow::Result<()> {
    let failure: RefCell<Option<ServiceError>> = RefCell::new(None);
    let mut next = 0usize;
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(1))
        .sampling_mode(SamplingMode::Flat);
    g.bench_function(case, |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                let Some(id) = ids.get(next % ids.len().max(1)) else {
                    break;
                };
                next += 1;
                let noted = rt.block_on(fixture.service.change(id, |incident| {
                    decide::note(incident, "checked the edge logs")
                }));
                if let Err(e) = noted {
                    failure.borrow_mut().get_or_insert(e);
                    break;
                }
            }
            start.elapsed()
        });
    });
    g.finish();
    match failure.into_inner() {
        Some(e) => Err(e).with_context(|| format!("{group}/{case}: an append failed")),
        None => Ok(()),
    }
}

fn backend(
    c: &mut Criterion,
    rt: &Runtime,
    name: &str,
    database: Option<&str>,
    quick: bool,
) -> anyhow::Result<()> {
    let fixture = rt.block_on(fixture(database))?;
    let (short, long) = if quick {
        (4, 2)
    } else {
        (SHORT_POOL, LONG_POOL)
    };
    let setup = Instant::now();
    let short_ids = rt.block_on(fixture.incidents(short, 3))?;
    let long_ids = rt.block_on(fixture.incidents(long, LONG_EVENTS))?;
    println!(
        "append/{name}: declared {} incidents in {:.1} s",
        short + long,
        setup.elapsed().as_secs_f64()
    );
    let group = format!("append/{name}");
    bench_notes(c, rt, &group, "short-incident", &fixture, &short_ids)?;
    bench_notes(c, rt, &group, "long-incident", &fixture, &long_ids)?;
    rt.block_on(fixture.service.store().close());
    Ok(())
}

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes --bench; `cargo test --benches` runs each benchmark once without it,
    // so small fixtures are enough there.
    let quick = !std::env::args().any(|a| a == "--bench");
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6))
        .configure_from_args();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    backend(&mut c, &rt, "sqlite", None, quick)?;
    match std::env::var("FIREBREAK_BENCH_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => backend(&mut c, &rt, "postgres", Some(&url), quick)?,
        _ => println!(
            "append/postgres: skipped (set FIREBREAK_BENCH_POSTGRES_URL to an empty, throwaway \
             database, e.g. postgres://postgres@127.0.0.1:5432/fb_bench, to measure PostgreSQL)"
        ),
    }
    c.final_summary();
    Ok(())
}
