//! Notifications over the API: preview with destinations masked, sending by name only, the
//! external template reserved to commanders (`notify-externally`), and the log with the update
//! clock.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use firebreak::server::{self, Options};
use firebreak_core::access::Role;
use serde_json::json;

use super::receiver::Receiver;
use super::webhook_config;
use crate::server::{Api, Db, state_for};

#[tokio::test(flavor = "multi_thread")]
async fn preview_send_and_log_with_the_external_template_reserved_to_commanders() {
    let receiver = Receiver::start(None, Some("k"), &[]);
    let mut api = Api::new(Db::Sqlite).await;
    std::fs::write(
        api.fb.data_dir().join("firebreak.toml"),
        webhook_config(&receiver.url(), "k", ""),
    )
    .expect("config");
    api.state = state_for(&api.fb, Options::default()).await;
    api.app = server::app(api.state.clone());
    let id = api.declare("Search is slow", "P2").await;
    let path = format!("/api/v1/incidents/{id}/notifications");

    let preview = api
        .call(
            Some(Role::Viewer),
            Method::POST,
            &format!("{path}/preview"),
            Some(json!({ "message": "Scaling out" })),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
    assert_eq!(preview.body["messages"][0]["to"], "alice");
    assert_eq!(
        preview.body["messages"][0]["destination"],
        "webhook *** (signed)"
    );
    assert!(!preview.text.contains(&receiver.url()), "{}", preview.text);
    // The chain (alice hears of P2 declarations) was told of the declaration, in the background.
    let told = receiver.wait_accepted(1, Duration::from_secs(10));
    assert_eq!(told.len(), 1, "the chain was told of the declaration");
    assert_eq!(told[0].body["template"], "internal");
    assert_eq!(receiver.got().len(), 1, "a preview sends nothing");

    let external = json!({ "template": "external", "message": "We are on it" });
    let refused = api
        .call(
            Some(Role::Responder),
            Method::POST,
            &path,
            Some(external.clone()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert!(
        refused.text.contains("external (customer) template"),
        "{}",
        refused.text
    );
    let unknown = api
        .call(
            Some(Role::Responder),
            Method::POST,
            &path,
            Some(json!({ "to": ["https://evil.example/"] })),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.text);

    let sent = api
        .call(Some(Role::Commander), Method::POST, &path, Some(external))
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    let key = sent.body["queued"][0].as_str().expect("key").to_string();
    let got = receiver.wait_accepted(2, Duration::from_secs(10));
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].key, key);
    assert!(got[1].signed_ok);

    let mut state = String::new();
    for _ in 0..100 {
        let log = api.call(Some(Role::Viewer), Method::GET, &path, None).await;
        assert_eq!(log.status, StatusCode::OK, "{}", log.text);
        state = log.body["notifications"]
            .as_array()
            .and_then(|all| all.iter().find(|n| n["message"]["key"] == key.as_str()))
            .and_then(|n| n["state"].as_str())
            .unwrap_or_default()
            .to_string();
        if state == "delivered" {
            assert!(
                log.body["update_due_in"].as_i64().is_some_and(|s| s > 0),
                "{}",
                log.text
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(state, "delivered");
    api.finish().await;
}
