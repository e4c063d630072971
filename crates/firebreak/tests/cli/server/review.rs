//! The post-incident review over the API: responders write and submit it, only a commander signs
//! it off, and what the API returns is the review `firebreak review` prints.

use axum::http::{Method, StatusCode, header};
use firebreak_core::access::Role;
use serde_json::json;

use super::{Api, Db};

#[tokio::test]
async fn responders_write_and_submit_and_a_commander_signs_off() {
    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("Checkout down", "P1").await;
    let review = format!("/api/v1/incidents/{id}/review");

    let empty = api
        .call(Some(Role::Viewer), Method::GET, &review, None)
        .await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.text);
    assert_eq!(empty.body["sign_off"]["state"], "draft");
    assert_eq!(empty.body["header"]["id"], id.as_str());
    assert!(
        empty.body["sections"][0]["text"].is_null(),
        "{}",
        empty.text
    );
    assert_eq!(empty.body["chain"]["verified"], true, "{}", empty.text);

    // Submitting needs a summary.
    let early = api
        .call(
            Some(Role::Responder),
            Method::POST,
            &format!("{review}/submit"),
            None,
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text);

    let written = api
        .call(
            Some(Role::Responder),
            Method::PUT,
            &format!("{review}/summary"),
            Some(json!({ "text": "The <script>alert(1)</script> pool ran dry." })),
        )
        .await;
    assert_eq!(written.status, StatusCode::OK, "{}", written.text);
    assert_eq!(
        written.body["recorded"][0]["kind"], "review_written",
        "{}",
        written.text
    );

    let unknown = api
        .call(
            Some(Role::Responder),
            Method::PUT,
            &format!("{review}/blame"),
            Some(json!({ "text": "x" })),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
    assert!(
        unknown.body["message"]
            .as_str()
            .unwrap_or("")
            .contains("root-cause"),
        "{}",
        unknown.text
    );

    let submitted = api
        .call(
            Some(Role::Responder),
            Method::POST,
            &format!("{review}/submit"),
            None,
        )
        .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.text);

    // A responder may not sign off; a commander may.
    let refused = api
        .call(
            Some(Role::Responder),
            Method::POST,
            &format!("{review}/publish"),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let published = api
        .call(
            Some(Role::Commander),
            Method::POST,
            &format!("{review}/publish"),
            None,
        )
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.text);

    let now = api
        .call(Some(Role::Viewer), Method::GET, &review, None)
        .await;
    assert_eq!(now.body["sign_off"]["state"], "published", "{}", now.text);
    assert!(
        now.body["sign_off"]["published"]["by"].is_string(),
        "{}",
        now.text
    );
    assert_eq!(
        now.body["sections"][0]["text"],
        "The <script>alert(1)</script> pool ran dry."
    );

    // Published: writing is refused until it is reopened.
    let late = api
        .call(
            Some(Role::Commander),
            Method::PUT,
            &format!("{review}/impact"),
            Some(json!({ "text": "x" })),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.text);
    let reopened = api
        .call(
            Some(Role::Commander),
            Method::POST,
            &format!("{review}/reopen"),
            Some(json!({ "reason": "impact was missing" })),
        )
        .await;
    assert_eq!(reopened.status, StatusCode::OK, "{}", reopened.text);

    // The same review as the CLI's Markdown and HTML, escaped.
    let html = api
        .call(
            Some(Role::Viewer),
            Method::GET,
            &format!("{review}?format=html"),
            None,
        )
        .await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(
        html.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap_or("")
            .starts_with("text/html")
    );
    assert!(
        html.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        html.text
    );
    assert!(!html.text.contains("<script>alert(1)"), "{}", html.text);
    let md = api
        .call(
            Some(Role::Viewer),
            Method::GET,
            &format!("{review}?format=markdown"),
            None,
        )
        .await;
    assert_eq!(md.status, StatusCode::OK);
    assert!(md.text.contains("pool ran dry"), "{}", md.text);
    let bad = api
        .call(
            Some(Role::Viewer),
            Method::GET,
            &format!("{review}?format=pdf"),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    assert_eq!(bad.body["code"], "bad_request", "{}", bad.text);
    api.finish().await;
}
