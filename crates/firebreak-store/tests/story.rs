//! One storage story, told against SQLite and against PostgreSQL.
//!
//! PostgreSQL comes from `FIREBREAK_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); each run creates and drops its own database.
//! An unreachable server fails the test: `scripts/test.sh` starts one.

use firebreak_core::access::Role;
use firebreak_core::checklist;
use firebreak_core::decide::{self, Declaration};
use firebreak_core::journal::{ChainCheck, Event, Head};
use firebreak_core::policy::Policy;
use firebreak_core::seal::Sealer;
use firebreak_core::summary::Summary;
use firebreak_core::token_record::{TokenRecord, TokenState, what};
use firebreak_core::{Change, Incident, IncidentId, Status};
use firebreak_store::backend::sqlite_url;
use firebreak_store::testing::ScratchDb;
use firebreak_store::{
    Attack, Batch, CounterRecovered, ListFilter, OpenMode, Signed, Store, StoreError, TokenRow,
};
use jiff::Timestamp;
use sqlx::Connection;

struct World {
    store: Store,
    sealer: Sealer,
    keys: tempfile::TempDir,
}

async fn world(url: &str) -> World {
    let keys = tempfile::tempdir().expect("tempdir");
    let sealer = Sealer::create(keys.path()).expect("key");
    let store = Store::open(url, OpenMode::Create).await.expect("open");
    store
        .ensure_registry(&sealer.registry(0))
        .await
        .expect("registry");
    World {
        store,
        sealer,
        keys,
    }
}

async fn declare(w: &World, title: &str, severity: &str) -> Incident {
    declare_with(&w.store, &w.sealer, title, severity).await
}

async fn declare_with(store: &Store, sealer: &Sealer, title: &str, severity: &str) -> Incident {
    declare_telling(store, sealer, title, severity).await.0
}

/// Declares, and says whether the day counter had to be recovered.
async fn declare_telling(
    store: &Store,
    sealer: &Sealer,
    title: &str,
    severity: &str,
) -> (Incident, Option<CounterRecovered>) {
    let policy = Policy::preset("default").expect("preset");
    let now = Timestamp::now();
    let request = Declaration {
        title,
        summary: None,
        severity,
        started_at: None,
        detected_at: None,
        commander: None,
        detection: None,
        now,
    };
    let changes = decide::declare(&policy, &checklist::defaults(), &request).expect("valid");
    let day = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let (batch, recovered) = store
        .declare(day, |id, ordinal| {
            let events = Event::chain(id, Head::default(), now, "tester", &changes);
            let incident =
                Incident::from_events(&events).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok(Batch {
                seal: sealer.seal(ordinal, &id.to_string(), &incident.head),
                registry: Some(sealer.registry(ordinal)),
                summary: Summary::from(&incident),
                events,
            })
        })
        .await
        .expect("declare");
    (
        Incident::from_events(&batch.events).expect("fold"),
        recovered,
    )
}

fn batch_for(
    w: &World,
    incident: &Incident,
    ordinal: u64,
    changes: &[Change],
) -> (Batch, Incident) {
    let events = Event::chain(
        incident.id,
        incident.head,
        Timestamp::now(),
        "tester",
        changes,
    );
    let mut next = incident.clone();
    for (e, c) in events.iter().zip(changes) {
        next.apply(e, c);
    }
    let batch = Batch {
        seal: w.sealer.seal(ordinal, &incident.id.to_string(), &next.head),
        registry: None,
        summary: Summary::from(&next),
        events,
    };
    (batch, next)
}

async fn story(url: &str) {
    let w = world(url).await;

    // Ids count per day, and the registry hands out ordinals in order.
    let first = declare(&w, "Disk full on db-1", "P2").await;
    let second = declare(&w, "Brute force on /login", "P1").await;
    assert_eq!(first.id.number() + 1, second.id.number());
    let mut snapshot = w.store.snapshot().await.expect("snapshot");
    let seals = snapshot.seals().await.expect("seals");
    let registry = snapshot.registry().await.expect("registry");
    snapshot.finish().await.expect("finish");
    assert_eq!(seals.iter().map(|s| s.ordinal).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(registry.map(|r| r.count), Some(2));

    // An append lands on the head it was decided against...
    let ordinal = seals[0].ordinal as u64;
    let (batch, after) = batch_for(
        &w,
        &first,
        ordinal,
        &[
            Change::Acknowledged {},
            Change::NoteAdded {
                text: "df shows 100%".into(),
            },
        ],
    );
    w.store
        .append(&first.id, first.head, &batch)
        .await
        .expect("append");
    // ...and a writer holding a stale head is refused without recording anything.
    let (stale, _) = batch_for(
        &w,
        &first,
        ordinal,
        &[Change::NoteAdded {
            text: "stale".into(),
        }],
    );
    assert!(matches!(
        w.store.append(&first.id, first.head, &stale).await,
        Err(StoreError::Conflict(_))
    ));

    let loaded = w.store.load(&first.id).await.expect("load");
    assert_eq!(loaded.events.len(), 3);
    let mut check = ChainCheck::new(&first.id.to_string());
    for e in &loaded.events {
        check.next(e).expect("chain intact");
    }
    assert_eq!(check.head(), after.head);
    assert_eq!(loaded.seal.seq, 3);

    // Listing reads the projection, newest first, with filters.
    let all = w.store.list(&ListFilter::default()).await.expect("list");
    assert_eq!(
        all.iter().map(|s| s.id).collect::<Vec<_>>(),
        [second.id, first.id]
    );
    assert!(all[1].acknowledged_at.is_some());
    let p1 = w
        .store
        .list(&ListFilter {
            severity: Some("P1".into()),
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(p1.len(), 1);
    let (resolve, _) = batch_for(
        &w,
        &second,
        2,
        &[Change::StatusChanged {
            from: Status::Investigating,
            to: Status::Resolved,
            reason: None,
        }],
    );
    w.store
        .append(&second.id, second.head, &resolve)
        .await
        .expect("resolve");
    let open = w
        .store
        .list(&ListFilter {
            open: true,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(open.iter().map(|s| s.id).collect::<Vec<_>>(), [first.id]);
    let resolved = w
        .store
        .list(&ListFilter {
            status: Some(Status::Resolved),
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(
        resolved.iter().map(|s| s.id).collect::<Vec<_>>(),
        [second.id]
    );

    // Every event streams out grouped by incident, in order.
    let mut seen: Vec<(String, i64)> = Vec::new();
    let mut all: Vec<(String, i64, String, String)> = Vec::new();
    let mut snapshot = w.store.snapshot().await.expect("snapshot");
    snapshot
        .each_event(|e| {
            seen.push((e.incident.clone(), e.seq));
            all.push((e.incident, e.seq, e.kind, e.payload));
            Ok::<(), StoreError>(())
        })
        .await
        .expect("stream");
    // A few kinds, lent without copying; `timed_only` kinds come without their payload.
    let kinds: Vec<&str> = all.iter().map(|e| e.2.as_str()).collect();
    let wanted = ["declared", kinds[kinds.len() - 1]];
    let timed_only = [wanted[1]];
    let mut lent: Vec<(String, i64, String, String)> = Vec::new();
    snapshot
        .each_event_of(&wanted, &timed_only, |row| {
            lent.push((
                row.incident.to_string(),
                row.seq,
                row.kind.to_string(),
                row.payload.to_string(),
            ));
            Ok::<(), StoreError>(())
        })
        .await
        .expect("stream some kinds");
    snapshot.finish().await.expect("finish");
    assert_eq!(seen.len(), 5);
    assert!(seen.windows(2).all(|p| p[0] < p[1]), "{seen:?}");
    let expected: Vec<(String, i64, String, String)> = all
        .iter()
        .filter(|e| wanted.contains(&e.2.as_str()))
        .map(|(i, seq, kind, payload)| {
            let payload = if timed_only.contains(&kind.as_str()) && kind != "declared" {
                "{}".to_string()
            } else {
                payload.clone()
            };
            (i.clone(), *seq, kind.clone(), payload)
        })
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(lent, expected);

    // The projection can be rebuilt wholesale.
    w.store
        .replace_projection(&[Summary::from(&after)])
        .await
        .expect("replace");
    assert_eq!(
        w.store
            .list(&ListFilter::default())
            .await
            .expect("list")
            .len(),
        1
    );

    // Concurrent declarations get distinct ids.
    let mut tasks = Vec::new();
    for n in 0..10 {
        let store = w.store.clone();
        let sealer = Sealer::load(w.keys.path()).expect("key");
        tasks.push(tokio::spawn(async move {
            declare_with(&store, &sealer, &format!("parallel {n}"), "P3")
                .await
                .id
        }));
    }
    let mut ids: Vec<IncidentId> = Vec::new();
    for t in tasks {
        ids.push(t.await.expect("task"));
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 10);
    let mut snapshot = w.store.snapshot().await.expect("snapshot");
    assert_eq!(
        snapshot
            .registry()
            .await
            .expect("registry")
            .map(|r| r.count),
        Some(12)
    );
    snapshot.finish().await.expect("finish");

    // Reopening an existing database works; an uninitialised one is refused.
    w.store.close().await;
    Store::open(url, OpenMode::Existing).await.expect("reopen");
}

/// Tokens, sessions and keyset paging: what the team server keeps besides the journal.
async fn access_story(url: &str) {
    let w = world(url).await;
    // Times are kept to the microsecond.
    let t0 = Timestamp::from_microsecond(Timestamp::now().as_microsecond()).expect("a time");
    let token = |id: &str, name: &str, role: Role| TokenRow {
        id: id.into(),
        name: name.into(),
        role,
        created_at: t0,
        created_by: "tester".into(),
        revoked_at: None,
    };
    // Each change to a token is recorded with it, chained after the records' head.
    let sign = |head: Head, what: &str, state: TokenState| -> Signed {
        let mut record = TokenRecord::next(head, t0.as_microsecond(), what, state);
        let at = record.head().expect("head");
        record.signature = w.sealer.token_record(&at.hash);
        (record, w.sealer.token_head(&at))
    };
    let alice = token("a1", "alice", Role::Responder);
    w.store
        .add_token(&alice, "digest-alice", |h| {
            sign(h, what::CREATED, alice.state("digest-alice"))
        })
        .await
        .expect("add");
    let bot = token("b2", "bot", Role::Viewer);
    w.store
        .add_token(&bot, "digest-bot", |h| {
            sign(h, what::CREATED, bot.state("digest-bot"))
        })
        .await
        .expect("add");
    // A name is unique, even under another role.
    assert!(matches!(
        w.store
            .add_token(
                &token("c3", "alice", Role::Admin),
                "digest-other",
                |h| sign(
                    h,
                    what::CREATED,
                    token("c3", "alice", Role::Admin).state("digest-other")
                )
            )
            .await,
        Err(StoreError::Taken(_))
    ));
    assert_eq!(
        w.store
            .tokens()
            .await
            .expect("tokens")
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["alice", "bot"]
    );
    let found = w
        .store
        .token_by_digest("digest-alice")
        .await
        .expect("find")
        .expect("alice");
    assert_eq!(
        (&found.token, found.digest.as_str()),
        (&alice, "digest-alice")
    );
    let record = found.record.expect("alice's record");
    assert_eq!(
        (record.seq, record.state.clone()),
        (1, alice.state("digest-alice"))
    );
    assert!(record.checked_hash().is_some());
    assert!(
        w.store
            .token_by_digest("nope")
            .await
            .expect("find")
            .is_none()
    );

    // A session lives until it expires, is ended, or its token is revoked.
    let later = t0 + jiff::SignedDuration::from_hours(8);
    for digest in ["s-1", "s-2"] {
        w.store
            .add_session(digest, "a1", "csrf", t0, later)
            .await
            .expect("session");
    }
    let session = w.store.session("s-1", t0).await.expect("session");
    assert_eq!(
        session.as_ref().map(|s| s.token.name.as_str()),
        Some("alice")
    );
    assert_eq!(session.map(|s| s.csrf), Some("csrf".to_string()));
    assert!(
        w.store
            .session("s-1", later)
            .await
            .expect("expired")
            .is_none()
    );
    w.store.end_session("s-1").await.expect("end");
    assert!(w.store.session("s-1", t0).await.expect("ended").is_none());
    assert!(w.store.session("s-2", t0).await.expect("live").is_some());

    let revoked = w
        .store
        .revoke_token("alice", t0, |h, t, d| sign(h, what::REVOKED, t.state(d)))
        .await
        .expect("revoke")
        .expect("found by name");
    assert_eq!(revoked.revoked_at, Some(t0));
    assert!(
        w.store
            .token_by_digest("digest-alice")
            .await
            .expect("find")
            .is_none()
    );
    assert!(w.store.session("s-2", t0).await.expect("revoked").is_none());
    assert!(
        w.store
            .revoke_token("b2", t0, |h, t, d| sign(h, what::REVOKED, t.state(d)))
            .await
            .expect("revoke")
            .is_some(),
        "found by id"
    );
    assert_eq!(
        w.store
            .revoke_token("nobody", t0, |h, t, d| sign(h, what::REVOKED, t.state(d)))
            .await
            .expect("revoke"),
        None
    );
    // A revoked token's name stays taken, so the audit trail stays unambiguous.
    assert!(matches!(
        w.store
            .add_token(&token("d4", "alice", Role::Viewer), "digest-new", |h| sign(
                h,
                what::CREATED,
                token("d4", "alice", Role::Viewer).state("digest-new")
            ))
            .await,
        Err(StoreError::Taken(_))
    ));
    // Two creations and two revocations, chained in order under a head that names the last;
    // a refused creation left no record.
    let audit = w.store.token_audit().await.expect("audit");
    assert_eq!(
        audit
            .records
            .iter()
            .map(|r| (r.seq, r.what.as_str(), r.state.id.as_str()))
            .collect::<Vec<_>>(),
        [
            (1, what::CREATED, "a1"),
            (2, what::CREATED, "b2"),
            (3, what::REVOKED, "a1"),
            (4, what::REVOKED, "b2")
        ]
    );
    for pair in audit.records.windows(2) {
        assert_eq!(pair[1].prev, pair[0].hash);
    }
    assert_eq!(
        audit.head.map(|h| (h.seq, h.hash)),
        Some((4, audit.records[3].hash.clone()))
    );
    assert_eq!(audit.tokens.len(), 2);
    // Adopting is only for a store whose records were never started.
    assert_eq!(
        w.store
            .adopt_tokens(|_, _| panic!("nothing to adopt"))
            .await
            .expect("adopt"),
        0
    );

    // Keyset paging walks every incident once, newest first; the version grows with each write.
    assert_eq!(w.store.version().await.expect("version"), (0, 0));
    let mut declared = Vec::new();
    for n in 0..7 {
        declared.push(declare(&w, &format!("page {n}"), "P3").await.id);
    }
    declared.reverse();
    assert_eq!(w.store.version().await.expect("version"), (7, 7));
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = w
            .store
            .list(&ListFilter {
                before,
                limit: Some(3),
                ..Default::default()
            })
            .await
            .expect("page");
        seen.extend(page.iter().map(|s| s.id));
        match page.last() {
            Some(last) if page.len() == 3 => before = Some(last.id),
            _ => break,
        }
    }
    assert_eq!(seen, declared);
    let filtered = w
        .store
        .list(&ListFilter {
            before: Some(declared[1]),
            severity: Some("P3".into()),
            limit: Some(2),
            ..Default::default()
        })
        .await
        .expect("page");
    assert_eq!(
        filtered.iter().map(|s| s.id).collect::<Vec<_>>(),
        declared[2..4]
    );
    w.store.close().await;
}

/// A day counter lowered in the database: the next declaration takes the next free number (and
/// says so) instead of failing on the used one, and the declarations after it go on from there.
async fn lowered_counter_recovers(url: &str) {
    let w = world(url).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(declare(&w, &format!("before {n}"), "P3").await.id);
    }
    let day = IncidentId::day_key(ids[0].day());
    sqlx::query("UPDATE day_counters SET last = 1")
        .execute(&mut sqlx::AnyConnection::connect(url).await.expect("connect"))
        .await
        .expect("lower the counter");
    assert_eq!(
        w.store.counters_behind().await.expect("counters"),
        [(day.clone(), 1, 3)]
    );
    let (next, recovered) = declare_telling(&w.store, &w.sealer, "after", "P3").await;
    assert_eq!(next.id.number(), 4);
    assert_eq!(
        recovered,
        Some(CounterRecovered {
            day: day.clone(),
            was: 1,
            highest: 3
        })
    );
    assert!(
        recovered
            .expect("recovered")
            .to_string()
            .contains("incident number 3 of that day exists"),
    );
    let (then, again) = declare_telling(&w.store, &w.sealer, "then", "P3").await;
    assert_eq!((then.id.number(), again), (5, None));
    assert!(
        w.store
            .counters_behind()
            .await
            .expect("counters")
            .is_empty()
    );
    w.store.close().await;
}

async fn too_new_is_refused_untouched(url: &str) {
    let w = world(url).await;
    declare(&w, "keep me", "P4").await;
    sqlx::query("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        .execute(&mut sqlx::AnyConnection::connect(url).await.expect("connect"))
        .await
        .expect("bump");
    w.store.close().await;
    for mode in [OpenMode::Existing, OpenMode::Create] {
        let err = Store::open(url, mode)
            .await
            .expect_err("newer schema must be refused");
        assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
        assert!(err.to_string().contains("nothing was changed"), "{err}");
    }
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("connect");
    let version: String = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'schema_version'")
        .fetch_one(&mut conn)
        .await
        .expect("version");
    assert_eq!(version, "99");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&mut conn)
        .await
        .expect("count");
    assert_eq!(n, 1);
}

fn finding(rule: &str, key: &str, tags: &[&str]) -> Change {
    Change::Detected(firebreak_core::detection::Detection {
        rule: rule.into(),
        title: rule.into(),
        key: key.into(),
        count: 5,
        first_seen: None,
        last_seen: None,
        source: "access.log".into(),
        samples: Vec::new(),
        runbook: None,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        alerts: Vec::new(),
    })
}

/// The store names the open incidents of one attack from its indexes: the same key under any
/// rule, neighbouring keys under the same rule, and floods; never a resolved one.
async fn attack_lookup(url: &str) {
    let w = world(url).await;
    let mut ids = Vec::new();
    let given = [
        ("r1", "client=203.0.113.10", &[][..], false),
        ("r2", "client=203.0.113.77", &[][..], false),
        ("r3", "host=shop", &["flood"][..], false),
        ("r2", "client=203.0.113.10", &[][..], true),
    ];
    for (ordinal, (rule, key, tags, resolve)) in given.into_iter().enumerate() {
        let incident = declare(&w, "finding", "P2").await;
        let mut changes = vec![finding(rule, key, tags)];
        if resolve {
            changes.push(Change::StatusChanged {
                from: Status::Investigating,
                to: Status::Resolved,
                reason: None,
            });
        }
        let (batch, _) = batch_for(&w, &incident, ordinal as u64 + 1, &changes);
        w.store
            .append(&incident.id, incident.head, &batch)
            .await
            .expect("append");
        ids.push(incident.id);
    }
    let range = Some(("client=203.0.113.", "client=203.0.113/"));
    let look = async |key, rule, neighbours, flood, limit| {
        let attack = Attack {
            key,
            rule,
            neighbours,
            flood,
        };
        w.store
            .open_incidents_of_attack(&attack, limit)
            .await
            .expect("lookup")
    };
    // The same key under another rule; not the resolved incident with that key.
    assert_eq!(
        look("client=203.0.113.10", "r1", range, false, 32).await,
        [ids[0]]
    );
    // A neighbour under the same rule; the resolved neighbour is left out.
    assert_eq!(
        look("client=203.0.113.99", "r2", range, false, 32).await,
        [ids[1]]
    );
    assert_eq!(
        look("client=203.0.113.99", "r9", range, false, 32).await,
        []
    );
    // Floods: the open incident with a flood finding.
    assert_eq!(
        look("client=192.0.2.1", "r9", None, true, 32).await,
        [ids[2]]
    );
    // All three, newest first, and the limit holds.
    let all = [ids[2], ids[1], ids[0]];
    assert_eq!(
        look("client=203.0.113.10", "r2", range, true, 32).await,
        all
    );
    assert_eq!(
        look("client=203.0.113.10", "r2", range, true, 2).await,
        all[..2]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attack_lookup_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    attack_lookup(&sqlite_url(&dir.path().join("fb.db"), true)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attack_lookup_on_postgres() {
    let db = ScratchDb::create("attack").await;
    attack_lookup(&db.url).await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn story_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    story(&sqlite_url(&dir.path().join("fb.db"), true)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn story_on_postgres() {
    let db = ScratchDb::create("story").await;
    story(&db.url).await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_story_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    access_story(&sqlite_url(&dir.path().join("fb.db"), true)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_story_on_postgres() {
    let db = ScratchDb::create("access").await;
    access_story(&db.url).await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lowered_counter_recovers_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    lowered_counter_recovers(&sqlite_url(&dir.path().join("fb.db"), true)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lowered_counter_recovers_on_postgres() {
    let db = ScratchDb::create("counter").await;
    lowered_counter_recovers(&db.url).await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newer_schema_is_refused_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    too_new_is_refused_untouched(&sqlite_url(&dir.path().join("fb.db"), true)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newer_schema_is_refused_on_postgres() {
    let db = ScratchDb::create("story").await;
    too_new_is_refused_untouched(&db.url).await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_sqlite_database_is_not_created_by_readers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fb.db");
    assert!(
        Store::open(&sqlite_url(&path, false), OpenMode::Existing)
            .await
            .is_err()
    );
    assert!(!path.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_postgres_database_needs_init() {
    let db = ScratchDb::create("story").await;
    let err = Store::open(&db.url, OpenMode::Existing)
        .await
        .expect_err("not initialised");
    assert!(matches!(err, StoreError::NotInitialized(_)), "{err}");
    db.drop_db().await;
}
