//! `/metrics`: every documented metric is exposed to a viewer token, counters move with
//! requests, changes and alerts, and routes are labelled by template, never by a concrete id.

use axum::http::{Method, StatusCode, header};
use firebreak_core::access::Role;
use serde_json::json;

use super::{Api, Db};

/// The value of the sample `series` (name and labels exactly as exposed), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.split(' ').next()?.parse().ok())
}

async fn scrape(api: &Api) -> String {
    let r = api
        .call(Some(Role::Viewer), Method::GET, "/metrics", None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let kind = r.headers[header::CONTENT_TYPE].to_str().expect("type");
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    assert!(r.text.ends_with("# EOF\n"));
    r.text
}

#[tokio::test]
async fn metrics_need_a_token() {
    let api = Api::new(Db::Sqlite).await;
    let r = api.call(None, Method::GET, "/metrics", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    assert_eq!(r.body["code"], "unauthenticated");
    api.finish().await;
}

#[tokio::test]
async fn each_change_counts_its_events() {
    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("Checkout returns 502", "P2").await;
    let before = sample(&scrape(&api).await, "firebreak_events_appended_total").expect("counter");
    let note = api
        .call(
            Some(Role::Responder),
            Method::POST,
            &format!("/api/v1/incidents/{id}/notes"),
            Some(json!({ "text": "rolled back" })),
        )
        .await;
    assert_eq!(note.status, StatusCode::OK, "{}", note.text);
    let after = sample(&scrape(&api).await, "firebreak_events_appended_total").expect("counter");
    assert_eq!(after - before, 1.0);
    api.finish().await;
}

#[tokio::test]
async fn metrics_count_requests_changes_and_alerts() {
    let api = Api::new(Db::Sqlite).await;
    let before = scrape(&api).await;
    assert_eq!(sample(&before, "firebreak_up"), Some(1.0));
    assert_eq!(
        sample(&before, "firebreak_events_appended_total"),
        Some(0.0)
    );
    assert_eq!(
        sample(
            &before,
            r#"firebreak_open_incidents{severity="P2",status="investigating"}"#
        ),
        Some(0.0)
    );

    let id = api.declare("Checkout returns 502", "P2").await;
    // Detected two hours ago and never acknowledged: past P1's 15-minute acknowledge deadline.
    let late = api
        .call(
            Some(Role::Commander),
            Method::POST,
            "/api/v1/incidents",
            Some(json!({
                "title": "Database unreachable",
                "severity": "P1",
                "detected_at": jiff::Timestamp::now() - jiff::SignedDuration::from_hours(2)
            })),
        )
        .await;
    assert_eq!(late.status, StatusCode::CREATED, "{}", late.text);
    let note = api
        .call(
            Some(Role::Responder),
            Method::POST,
            &format!("/api/v1/incidents/{id}/notes"),
            Some(json!({ "text": "rolled back" })),
        )
        .await;
    assert_eq!(note.status, StatusCode::OK, "{}", note.text);
    for _ in 0..2 {
        let r = api
            .call(
                Some(Role::Viewer),
                Method::GET,
                &format!("/api/v1/incidents/{id}"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let alert = api
        .call(
            Some(Role::Responder),
            Method::POST,
            "/api/v1/alerts/webhook",
            Some(json!({ "source": "uptime", "key": "search", "title": "Search is slow", "severity": "P4" })),
        )
        .await;
    assert_eq!(alert.status, StatusCode::OK, "{}", alert.text);
    let missing = api
        .call(Some(Role::Viewer), Method::GET, "/no/such/page", None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let after = scrape(&api).await;
    for name in [
        "firebreak_open_incidents",
        "firebreak_deadlines_breached",
        "firebreak_events_appended",
        "firebreak_alerts_received",
        "firebreak_http_requests",
        "firebreak_http_request_duration_seconds",
        "firebreak_up",
        "firebreak_build_info",
    ] {
        assert!(
            after.contains(&format!("# TYPE {name} ")),
            "{name} missing:\n{after}"
        );
    }
    // The note (one event) and the alert's incident (its declaration and the finding).
    let appended = sample(&after, "firebreak_events_appended_total").expect("appended");
    assert!(appended >= 3.0, "{after}");
    for (series, value) in [
        (
            r#"firebreak_open_incidents{severity="P2",status="investigating"}"#,
            1.0,
        ),
        (
            r#"firebreak_open_incidents{severity="P1",status="investigating"}"#,
            1.0,
        ),
        (
            r#"firebreak_open_incidents{severity="P4",status="investigating"}"#,
            1.0,
        ),
        (
            r#"firebreak_open_incidents{severity="P3",status="contained"}"#,
            0.0,
        ),
        (r#"firebreak_deadlines_breached{clock="ack"}"#, 1.0),
        (
            r#"firebreak_alerts_received_total{source="webhook",status="firing"}"#,
            1.0,
        ),
        (
            r#"firebreak_http_requests_total{route="/api/v1/incidents/{id}",method="GET",status="200"}"#,
            2.0,
        ),
        (
            r#"firebreak_http_requests_total{route="/api/v1/incidents",method="POST",status="201"}"#,
            2.0,
        ),
        (
            r#"firebreak_http_requests_total{route="unmatched",method="GET",status="404"}"#,
            1.0,
        ),
        (
            r#"firebreak_http_request_duration_seconds_count{route="/api/v1/incidents/{id}",method="GET"}"#,
            2.0,
        ),
    ] {
        assert_eq!(sample(&after, series), Some(value), "{series}:\n{after}");
    }
    assert!(
        after.contains(&format!(
            "firebreak_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        )),
        "{after}"
    );
    // Routes are templates: no concrete incident id, no unmatched raw path.
    assert!(!after.contains(&id), "{after}");
    assert!(!after.contains("/no/such/page"), "{after}");
    api.finish().await;
}
