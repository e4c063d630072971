//! Several `serve` processes on one PostgreSQL: ids stay unique and every chain stays valid
//! under concurrent writes through both; a change through one is announced on the other's
//! event stream (which the dashboard listens to).

use std::collections::HashSet;
use std::time::Duration;

use firebreak_store::testing::ScratchDb;
use serde_json::{Value, json};

use super::process::{Served, token};
use crate::support::Fb;

async fn post(client: &reqwest::Client, url: String, secret: &str, body: Value) -> Value {
    let res = client
        .post(url)
        .bearer_auth(secret)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = res.status();
    let v: Value = res.json().await.expect("json");
    assert!(status.is_success(), "{status}: {v}");
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_postgres_keep_ids_unique_and_chains_valid() {
    let db = ScratchDb::create("replicas").await;
    let fb = Fb::with_database(&db.url);
    fb.cmd(&["init"]).assert().success();
    let secret = token(&fb, "commander", "ana");
    let a = Served::start(&fb, &["--poll", "200ms"]);
    let b = Served::start(&fb, &["--poll", "200ms"]);
    let client = reqwest::Client::new();

    // 2 × 15 declarations at once, half through each replica.
    let mut tasks = Vec::new();
    for n in 0..30 {
        let url = if n % 2 == 0 {
            a.url("/api/v1/incidents")
        } else {
            b.url("/api/v1/incidents")
        };
        let (client, secret) = (client.clone(), secret.clone());
        tasks.push(tokio::spawn(async move {
            let v = post(
                &client,
                url,
                &secret,
                json!({ "title": format!("replica test {n}"), "severity": "P3" }),
            )
            .await;
            v["incident"]["id"].as_str().expect("id").to_string()
        }));
    }
    let mut ids = HashSet::new();
    for t in tasks {
        assert!(
            ids.insert(t.await.expect("task")),
            "an id was handed out twice"
        );
    }
    assert_eq!(ids.len(), 30);

    // A change through A is announced on B's event stream (B notices it by polling).
    let id = ids.iter().next().expect("an id").clone();
    let mut events = client
        .get(b.url("/events"))
        .bearer_auth(&secret)
        .send()
        .await
        .expect("events");
    assert!(events.status().is_success(), "{}", events.status());
    // Let B catch up with the declarations above (several polls), and forget what it said.
    let _ = tokio::time::timeout(Duration::from_millis(800), async {
        while let Ok(Some(_)) = events.chunk().await {}
    })
    .await;
    post(
        &client,
        a.url(&format!("/api/v1/incidents/{id}/notes")),
        &secret,
        json!({ "text": "seen from the other replica" }),
    )
    .await;
    let mut seen = String::new();
    let announced = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = events.chunk().await.expect("stream") {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("event: changed") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(announced, Ok(true), "B's stream said: {seen:?}");
    drop(events);

    // Notes on one incident through both replicas at once: one valid chain, every note kept.
    let mut notes = Vec::new();
    for n in 0..20 {
        let served = if n % 2 == 0 { &a } else { &b };
        let url = served.url(&format!("/api/v1/incidents/{id}/notes"));
        let (client, secret) = (client.clone(), secret.clone());
        notes.push(tokio::spawn(async move {
            post(
                &client,
                url,
                &secret,
                json!({ "text": format!("note {n}") }),
            )
            .await;
        }));
    }
    for t in notes {
        t.await.expect("note");
    }
    let timeline: Value = client
        .get(b.url(&format!("/api/v1/incidents/{id}/timeline")))
        .bearer_auth(&secret)
        .send()
        .await
        .expect("timeline")
        .json()
        .await
        .expect("json");
    let events = timeline["events"].as_array().expect("events");
    for n in 0..20 {
        let text = format!("note {n}");
        assert!(
            events
                .iter()
                .any(|e| e["what"].as_str().is_some_and(|w| w.contains(&text))),
            "{text} missing"
        );
    }
    let seqs: Vec<u64> = events.iter().filter_map(|e| e["seq"].as_u64()).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    fb.cmd(&["verify"]).assert().success();

    drop(a);
    drop(b);
    tokio::time::sleep(Duration::from_millis(100)).await;
    db.drop_db().await;
}

/// Regression: on a database with no events yet, the first change made elsewhere was taken for
/// the baseline and never announced.
#[tokio::test]
async fn the_first_change_elsewhere_to_an_empty_database_is_announced() {
    let api = super::Api::new(super::Db::Sqlite).await;
    let mut notices = api.state.feed.subscribe();
    assert!(
        api.state.feed.check(&api.state.service).await,
        "the first look sets the baseline"
    );
    assert!(notices.try_recv().is_err(), "a baseline is not a change");
    // Another writer: the CLI, as another replica or a responder on the host would be.
    api.fb
        .cmd(&["declare", "written by someone else", "--sev", "P3"])
        .assert()
        .success();
    assert!(api.state.feed.check(&api.state.service).await);
    assert_eq!(
        notices.try_recv().map(|c| c.incident),
        Ok(None),
        "a change noticed by polling names no incident"
    );
    api.finish().await;
}
