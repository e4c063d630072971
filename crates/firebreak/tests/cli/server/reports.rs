//! Response reports over the API and on the dashboard: the figures of the incidents declared in
//! the window, read the way the CLI reads its window, refused in one clear JSON error otherwise.

use axum::http::{Method, StatusCode, header};
use firebreak_core::access::Role;
use serde_json::json;

use super::{Api, Db};

#[tokio::test]
async fn the_report_counts_what_was_declared_and_refuses_what_it_cannot_read() {
    let api = Api::new(Db::Sqlite).await;
    let first = api.declare("Disk <full>", "P1").await;
    api.declare("Slow search", "P3").await;
    let ack = api
        .call(
            Some(Role::Responder),
            Method::POST,
            &format!("/api/v1/incidents/{first}/ack"),
            None,
        )
        .await;
    assert_eq!(ack.status, StatusCode::OK, "{}", ack.text);
    let resolved = api
        .call(
            Some(Role::Commander),
            Method::POST,
            &format!("/api/v1/incidents/{first}/status"),
            Some(json!({ "status": "resolved" })),
        )
        .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.text);

    let all = api
        .call(Some(Role::Viewer), Method::GET, "/api/v1/reports", None)
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert_eq!(all.body["incidents"], 2, "{}", all.text);
    assert_eq!(
        all.body["overall"]["phases"]["resolve"]["count"], 1,
        "{}",
        all.text
    );
    let only_p1 = api
        .call(
            Some(Role::Viewer),
            Method::GET,
            "/api/v1/reports?severity=P1&since=7d",
            None,
        )
        .await;
    assert_eq!(only_p1.body["incidents"], 1, "{}", only_p1.text);

    let html = api
        .call(
            Some(Role::Viewer),
            Method::GET,
            "/api/v1/reports?format=html",
            None,
        )
        .await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.text.contains("<svg"), "charts are inline");
    assert!(
        !html.text.contains("http://") && !html.text.contains("https://"),
        "self-contained"
    );
    let csp = html.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii");
    assert!(csp.contains("style-src 'unsafe-inline'"), "{csp}");

    for (query, code, says) in [
        (
            "since=banana",
            StatusCode::UNPROCESSABLE_ENTITY,
            "since \"banana\"",
        ),
        ("severity=P9", StatusCode::UNPROCESSABLE_ENTITY, "P9"),
        (
            "since=2026-01-01&until=2025-01-01",
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty",
        ),
        ("format=pdf", StatusCode::BAD_REQUEST, "pdf"),
        ("colour=red", StatusCode::BAD_REQUEST, "colour"),
    ] {
        let r = api
            .call(
                Some(Role::Viewer),
                Method::GET,
                &format!("/api/v1/reports?{query}"),
                None,
            )
            .await;
        assert_eq!(r.status, code, "{query}: {}", r.text);
        assert!(
            r.body["message"].as_str().unwrap_or("").contains(says),
            "{query}: {}",
            r.text
        );
    }
    api.finish().await;
}
