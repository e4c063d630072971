//! Fills a fresh firebreak data directory with a large, genuine, verifiable journal, for
//! benchmarks and for trying `ls`, `show` and `verify` at scale:
//!
//! ```text
//! cargo run --release --example seed -- --data-dir DIR --incidents N --events-per-incident M \
//!     [--database postgres://USER@HOST/DB]
//! ```
//!
//! It does what `firebreak init` does (data directory, journal key, schema, signed empty
//! registry), then declares `N` incidents through the store, each with properly chained and
//! sealed events, and brings each to exactly `M` events with one appended batch: an
//! acknowledgement, checklist ticks, an action item, notes, and status changes, so that `ls`
//! shows a mix of severities, statuses and clocks (with `M` ≥ 5 every status occurs). Everything goes through the library's own types (decisions,
//! chains, seals, summaries, the store's `declare` and `append`); nothing is written as SQL, so
//! the result passes `firebreak verify`.
//!
//! Ids are allocated per UTC day, so every incident is declared "today" (numbers 1..N) and
//! event times are spread over the part of today that has passed. The directory and the database
//! must be new: the tool refuses a directory that already holds a key and a database that
//! already holds incidents, rather than mixing keys.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, bail};
use clap::Parser;
use firebreak::settings::{DATABASE_FILE, prepare_data_dir};
use firebreak_core::config::Config;
use firebreak_core::decide::{self, Declaration};
use firebreak_core::journal::{Event, Head};
use firebreak_core::seal::{PRIVATE_KEY_FILE, Sealer};
use firebreak_core::summary::Summary;
use firebreak_core::{Change, Incident, IncidentId, Status};
use firebreak_store::backend::sqlite_url;
use firebreak_store::{Batch, OpenMode, Store, StoreError};
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Seed a firebreak data directory with many incidents and events.
#[derive(Debug, Parser)]
struct Args {
    /// The data directory to create (must not hold a journal key yet).
    #[arg(long, value_name = "DIR")]
    data_dir: PathBuf,
    /// How many incidents to declare.
    #[arg(long, value_name = "N")]
    incidents: u32,
    /// Events per incident, counting the declaration's own (at least 1).
    #[arg(long, value_name = "M", default_value_t = 5)]
    events_per_incident: u32,
    /// Database URL; default: the SQLite file in the data directory, as `firebreak init` makes.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
}

const ACTORS: [&str; 5] = ["alice", "bob", "carol", "dmitri", "erin"];

const TITLES: [&str; 8] = [
    "Checkout returns 502 for a share of requests",
    "Credential stuffing against the login endpoint",
    "Disk full on the primary database host",
    "Unexpected outbound traffic from a build runner",
    "Certificate expired on the partner API",
    "SQL injection attempts reaching the orders service",
    "Phishing mail reported by several employees",
    "Queue consumers crash-looping after deploy",
];

const NOTES: [&str; 6] = [
    "Pulled the last hour of access logs; the errors start at the deploy.",
    "Blocked the offending address range at the edge.",
    "Paged the database on-call; they are looking at replication lag.",
    "Customer support has a holding statement to send.",
    "Rolled back to the previous release on half the fleet to compare.",
    "No sign of data leaving the network in the flow logs so far.",
];

/// A deterministic spread over 0..100 so runs are repeatable without a random source.
fn spread(i: u64) -> u64 {
    i.wrapping_mul(2_654_435_761) % 1_000 / 10
}

/// The status an incident ends at, and whether it is acknowledged at all.
fn target(i: u64) -> (Status, bool) {
    match spread(i) {
        0..15 => (Status::Investigating, false),
        15..35 => (Status::Investigating, true),
        35..50 => (Status::Contained, true),
        50..70 => (Status::Resolved, true),
        _ => (Status::Closed, true),
    }
}

/// The changes appended after the declaration, `budget` of them: acknowledgement first, status
/// steps last (a closed incident takes no notes), ticks, one action item and notes between.
fn story(i: u64, incident: &Incident, budget: usize, today: jiff::civil::Date) -> Vec<Change> {
    let (to, acked) = target(i);
    let mut essentials = Vec::new();
    if acked {
        essentials.push(Change::Acknowledged {});
    }
    let mut steps: Vec<Status> = [Status::Contained, Status::Resolved, Status::Closed]
        .into_iter()
        .filter(|s| *s <= to)
        .collect();
    if essentials.len() + steps.len() > budget {
        // The shortest path the rules allow: straight to the target, closing only from resolved.
        steps.retain(|s| *s == to || (*s == Status::Resolved && to == Status::Closed));
    }
    let mut from = Status::Investigating;
    for step in steps {
        essentials.push(Change::StatusChanged {
            from,
            to: step,
            reason: (step == Status::Resolved).then(|| "fix deployed and verified".into()),
        });
        from = step;
    }
    essentials.truncate(budget);
    let (first, last) = if acked && !essentials.is_empty() {
        let rest = essentials.split_off(1);
        (essentials, rest)
    } else {
        (Vec::new(), essentials)
    };

    let middle_len = budget - first.len() - last.len();
    let mut ticks = incident.checklists.iter().flat_map(|c| {
        (1..=c.items.len()).map(move |item| Change::ChecklistTicked {
            list: c.name.clone(),
            item,
            done: true,
        })
    });
    let mut middle = Vec::with_capacity(middle_len);
    for k in 0..middle_len {
        let change = if k == 1 {
            let overdue = spread(i + 7) < 30;
            let due = if overdue {
                today.yesterday().ok()
            } else {
                today.tomorrow().ok()
            };
            Some(Change::ActionAdded {
                number: 1,
                text: "Write up the root cause and the fix".into(),
                owner: Some(ACTORS[i as usize % ACTORS.len()].into()),
                due,
            })
        } else if k == 5 && to >= Status::Resolved {
            Some(Change::ActionDone { number: 1 })
        } else if k % 3 == 0 {
            ticks.next()
        } else {
            None
        };
        middle.push(change.unwrap_or_else(|| Change::NoteAdded {
            text: format!("{} ({})", NOTES[(i as usize + k) % NOTES.len()], k + 1),
        }));
    }
    first.into_iter().chain(middle).chain(last).collect()
}

fn micros(at: i64) -> anyhow::Result<Timestamp> {
    Timestamp::from_microsecond(at).context("event time out of range")
}

async fn seed(args: &Args) -> anyhow::Result<()> {
    if args.events_per_incident == 0 {
        bail!("--events-per-incident counts the declaration, so it must be at least 1");
    }
    let dir = &args.data_dir;
    prepare_data_dir(dir)?;
    if dir.join(PRIVATE_KEY_FILE).exists() {
        bail!(
            "{} already holds a journal key; seed a new directory so keys never mix",
            dir.display()
        );
    }
    let url = match &args.database {
        Some(url) => url.clone(),
        None => sqlite_url(&dir.join(DATABASE_FILE), true),
    };
    let store = Store::open(&url, OpenMode::Create).await?;
    let mut snapshot = store.snapshot().await?;
    let existing = snapshot.registry().await?;
    snapshot.finish().await?;
    if existing.is_some_and(|r| r.count > 0) {
        bail!("the database already holds incidents; seed an empty one");
    }
    let sealer = Sealer::create(dir)?;
    store.ensure_registry(&sealer.registry(0)).await?;

    let config = Config::default();
    let started = Instant::now();
    let now = Timestamp::now();
    let today = now.to_zoned(TimeZone::UTC);
    let midnight = today.start_of_day()?.timestamp().as_microsecond();
    let today = today.date();
    let n = i64::from(args.incidents.max(1));
    let m = i64::from(args.events_per_incident);
    let slot = (now.as_microsecond() - midnight).max(0) / n;
    let mut events_written = 0u64;

    for i in 0..u64::from(args.incidents) {
        let base = midnight + slot * i as i64;
        let event_at = |k: i64| micros(base + slot * k / m);
        let actor = ACTORS[i as usize % ACTORS.len()];
        let declared_at = event_at(0)?;
        let severity = match spread(i + 3) {
            0..10 => "P1",
            10..30 => "P2",
            30..70 => "P3",
            _ => "P4",
        };
        let title = format!("{} #{}", TITLES[i as usize % TITLES.len()], i + 1);
        // Naming a commander records a second event, so only when there is room for it.
        let commander = (i % 3 != 0 && m >= 2).then(|| ACTORS[(i as usize + 1) % ACTORS.len()]);
        let detected_at = micros(declared_at.as_microsecond() - 5 * 60 * 1_000_000)?;
        let request = Declaration {
            title: &title,
            summary: None,
            severity,
            started_at: Some(micros(detected_at.as_microsecond() - 20 * 60 * 1_000_000)?),
            detected_at: Some(detected_at),
            commander,
            detection: None,
            now: declared_at,
        };
        let changes = decide::declare(&config.policy, &config.checklists, &request)?;
        let mut sealed_ordinal = 0;
        let (declared, _) = store
            .declare(today, |id, ordinal| {
                sealed_ordinal = ordinal;
                let events = Event::chain(id, Head::default(), declared_at, actor, &changes);
                let incident = Incident::from_events(&events)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok(Batch {
                    seal: sealer.seal(ordinal, &id.to_string(), &incident.head),
                    registry: Some(sealer.registry(ordinal)),
                    summary: Summary::from(&incident),
                    events,
                })
            })
            .await?;
        events_written += declared.events.len() as u64;
        let mut incident = Incident::from_events(&declared.events)?;
        let id: IncidentId = incident.id;
        let expected = incident.head;

        let budget = usize::try_from(m)
            .unwrap_or(1)
            .saturating_sub(declared.events.len());
        let mut events = Vec::with_capacity(budget);
        for (k, change) in story(i, &incident, budget, today).into_iter().enumerate() {
            let at = event_at(k as i64 + 1)?;
            let reviewer = ACTORS[(i as usize + k) % ACTORS.len()];
            for event in Event::chain(
                id,
                incident.head,
                at,
                reviewer,
                std::slice::from_ref(&change),
            ) {
                incident.apply(&event, &change);
                events.push(event);
            }
        }
        if !events.is_empty() {
            events_written += events.len() as u64;
            let batch = Batch {
                seal: sealer.seal(sealed_ordinal, &id.to_string(), &incident.head),
                registry: None,
                summary: Summary::from(&incident),
                events,
            };
            store.append(&id, expected, &batch).await?;
        }
        let done = i + 1;
        if done % (u64::from(args.incidents) / 10).max(1) == 0 {
            eprintln!(
                "seed: {done}/{} incidents, {events_written} events, {:.1} s",
                args.incidents,
                started.elapsed().as_secs_f64()
            );
        }
    }
    store.close().await;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "seed: {} incidents, {events_written} events in {secs:.1} s ({:.0} events/s) into {}",
        args.incidents,
        events_written as f64 / secs.max(1e-9),
        firebreak_store::backend::redact(&url),
    );
    Ok(())
}

fn main() -> ExitCode {
    // As the binary does: keys and the database are nobody else's business.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let args = Args::parse();
    let seeded = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .and_then(|rt| rt.block_on(seed(&args)));
    match seeded {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("seed: {err:#}");
            ExitCode::FAILURE
        }
    }
}
