//! A chat contact through a real receiver that answers the way Slack's incoming webhooks do
//! (Mattermost and Rocket.Chat take the same shape): a JSON body with a non-empty `text` (or
//! `blocks`) gets `200 ok`, anything else `400 invalid_payload`. The test declares a P1 and
//! checks what lands in the channel, and that the hook's URL (a secret) appears nowhere.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};

use super::{text, with_config};

/// Texts posted to the channel.
type Channel = Arc<Mutex<Vec<String>>>;

async fn incoming(
    State(channel): State<Channel>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "invalid_payload");
    };
    let text = value["text"].as_str().filter(|t| !t.trim().is_empty());
    let blocks = value["blocks"].as_array().is_some_and(|b| !b.is_empty());
    match (json, text) {
        (true, Some(t)) => {
            channel.lock().expect("channel").push(t.to_string());
            (StatusCode::OK, "ok")
        }
        (true, None) if blocks => (StatusCode::OK, "ok"),
        _ => (StatusCode::BAD_REQUEST, "invalid_payload"),
    }
}

/// Serves the hook on a thread until the test ends; returns its URL and what it received.
fn start() -> (String, Channel) {
    let channel: Channel = Arc::default();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new()
        .route(
            "/services/T0001/B0001/ChatTokenSECRET",
            axum::routing::post(incoming),
        )
        .with_state(channel.clone());
    // It serves until the test process ends.
    super::receiver::serve_on_a_thread(listener, app, std::future::pending());
    (
        format!("http://{addr}/services/T0001/B0001/ChatTokenSECRET"),
        channel,
    )
}

#[test]
fn a_slack_compatible_hook_gets_the_id_severity_status_and_next_update_and_no_secret() {
    let (url, channel) = start();
    let fb = with_config(
        "[[notify.contacts]]\nname = \"ops-room\"\nchat = \"env:OPS_ROOM_HOOK\"\n\
         [notify.chain.P1]\ndeclare = [\"ops-room\"]\nstatus = [\"ops-room\"]\n",
    );
    let run = |args: &[&str]| {
        let out = fb
            .cmd(args)
            .env("OPS_ROOM_HOOK", &url)
            .output()
            .expect("run");
        let (o, e) = text(&out);
        assert!(out.status.success(), "{args:?}: {o}{e}");
        format!("{o}{e}")
    };
    let mut seen = run(&["declare", "Payments API returns 503", "--sev", "P1"]);
    let id = seen.split_whitespace().next().expect("id").to_string();
    let posted = channel.lock().expect("channel").clone();
    assert_eq!(posted.len(), 1, "one message in the channel: {posted:?}");
    let message = &posted[0];
    for fact in [
        id.as_str(),
        "P1",
        "investigating",
        "Payments API returns 503",
        "Next update by",
    ] {
        assert!(message.contains(fact), "{fact} missing from {message}");
    }
    assert!(
        message.starts_with(&format!("*[P1] {id} is investigating")),
        "the subject leads, in bold: {message}"
    );

    seen.push_str(&run(&[
        "status",
        &id,
        "contained",
        "--reason",
        "failed over",
    ]));
    let posted = channel.lock().expect("channel").clone();
    assert_eq!(posted.len(), 2, "{posted:?}");
    assert!(
        posted[1].contains("contained") && posted[1].contains("failed over"),
        "{}",
        posted[1]
    );
    seen.push_str(&run(&["show", &id]));
    seen.push_str(&run(&["--json", "show", &id]));
    seen.push_str(&run(&["--json", "timeline", &id]));
    seen.push_str(&run(&["contacts"]));
    assert!(seen.contains("chat $OPS_ROOM_HOOK"), "{seen}");
    for text in posted.iter().chain([&seen]) {
        assert!(
            !text.contains("ChatToken"),
            "the hook's token leaked: {text}"
        );
        assert!(!text.contains(&url), "the hook's URL leaked: {text}");
    }
    let db = std::fs::read(fb.db_file()).expect("database");
    assert!(
        !db.windows(b"ChatToken".len()).any(|w| w == b"ChatToken"),
        "the hook's token is in the database"
    );
}
