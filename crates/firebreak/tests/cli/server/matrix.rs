//! Every API route × every role. The route table here is checked against the OpenAPI document
//! the server generates from its handlers, so a route added without a row here (or a row for a
//! route that is gone, or a permission that differs from the document's `x-permission`) fails.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode, header};
use firebreak_core::access::{Permission, Role};
use serde_json::Value;

use super::{Api, Db};

/// Each route, the method, and the permission it needs.
const ROUTES: &[(&str, &str, Permission)] = &[
    ("GET", "/api/v1/incidents", Permission::Read),
    (
        "POST",
        "/api/v1/alerts/alertmanager",
        Permission::SendAlerts,
    ),
    ("POST", "/api/v1/alerts/webhook", Permission::SendAlerts),
    ("POST", "/api/v1/incidents", Permission::Declare),
    ("GET", "/api/v1/incidents/{id}", Permission::Read),
    ("GET", "/api/v1/incidents/{id}/timeline", Permission::Read),
    ("POST", "/api/v1/incidents/{id}/ack", Permission::Work),
    ("POST", "/api/v1/incidents/{id}/status", Permission::Steer),
    ("POST", "/api/v1/incidents/{id}/reopen", Permission::Steer),
    ("POST", "/api/v1/incidents/{id}/severity", Permission::Steer),
    ("POST", "/api/v1/incidents/{id}/roles", Permission::Steer),
    ("POST", "/api/v1/incidents/{id}/notes", Permission::Work),
    (
        "POST",
        "/api/v1/incidents/{id}/checklists/{list}/{item}",
        Permission::Work,
    ),
    (
        "DELETE",
        "/api/v1/incidents/{id}/checklists/{list}/{item}",
        Permission::Work,
    ),
    ("POST", "/api/v1/incidents/{id}/actions", Permission::Work),
    (
        "POST",
        "/api/v1/incidents/{id}/actions/{number}/done",
        Permission::Work,
    ),
    ("GET", "/api/v1/incidents/{id}/evidence", Permission::Read),
    (
        "GET",
        "/api/v1/incidents/{id}/evidence/{item}/download",
        Permission::DownloadEvidence,
    ),
    ("GET", "/api/v1/incidents/{id}/runs", Permission::Read),
    ("GET", "/api/v1/incidents/{id}/review", Permission::Read),
    (
        "PUT",
        "/api/v1/incidents/{id}/review/{field}",
        Permission::Work,
    ),
    (
        "POST",
        "/api/v1/incidents/{id}/review/submit",
        Permission::Work,
    ),
    (
        "POST",
        "/api/v1/incidents/{id}/review/publish",
        Permission::Steer,
    ),
    (
        "POST",
        "/api/v1/incidents/{id}/review/reopen",
        Permission::Steer,
    ),
    (
        "GET",
        "/api/v1/incidents/{id}/notifications",
        Permission::Read,
    ),
    (
        "POST",
        "/api/v1/incidents/{id}/notifications",
        Permission::Work,
    ),
    (
        "POST",
        "/api/v1/incidents/{id}/notifications/preview",
        Permission::Read,
    ),
    ("GET", "/api/v1/verify", Permission::Verify),
    ("POST", "/api/v1/reindex", Permission::Administer),
    ("GET", "/api/v1/policy", Permission::Read),
    ("GET", "/api/v1/reports", Permission::Read),
    ("GET", "/api/v1/tokens", Permission::Administer),
    ("POST", "/api/v1/tokens", Permission::Administer),
    ("DELETE", "/api/v1/tokens/{token}", Permission::Administer),
    ("GET", "/api/v1/openapi.json", Permission::Read),
];

fn permission_name(p: Permission) -> String {
    serde_json::to_value(p)
        .expect("permission name")
        .as_str()
        .expect("a string")
        .to_string()
}

/// The (method, path) → permission pairs the OpenAPI document declares.
fn documented(doc: &Value) -> BTreeSet<(String, String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let permission = op["x-permission"]
                .as_str()
                .unwrap_or("(no x-permission)")
                .to_string();
            found.insert((method.to_uppercase(), path.clone(), permission));
        }
    }
    found
}

/// A concrete path for a route template, naming things that exist where that matters.
fn concrete(template: &str, incident: &str) -> String {
    let item = if template.contains("/evidence/") {
        "E1"
    } else {
        "1"
    };
    template
        .replace("{id}", incident)
        .replace("{list}", "initial")
        .replace("{item}", item)
        .replace("{number}", "1")
        .replace("{field}", "summary")
        .replace("{token}", "nobody-by-this-name")
}

#[tokio::test]
async fn every_route_checks_every_role() {
    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("Matrix", "P2").await;

    let doc = api
        .call(
            Some(Role::Viewer),
            Method::GET,
            "/api/v1/openapi.json",
            None,
        )
        .await;
    assert_eq!(doc.status, StatusCode::OK, "{}", doc.text);
    let table: BTreeSet<(String, String, String)> = ROUTES
        .iter()
        .map(|(m, p, perm)| (m.to_string(), p.to_string(), permission_name(*perm)))
        .collect();
    let in_doc = documented(&doc.body);
    let missing: Vec<_> = in_doc.difference(&table).collect();
    let extra: Vec<_> = table.difference(&in_doc).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "the route table and the OpenAPI document differ:\n  routes without a matrix row (or with another permission): {missing:?}\n  rows for no such route: {extra:?}"
    );

    for (method, template, permission) in ROUTES {
        let method: Method = method.parse().expect("method");
        let path = concrete(template, &id);
        let anonymous = api.call(None, method.clone(), &path, None).await;
        assert_eq!(
            anonymous.status,
            StatusCode::UNAUTHORIZED,
            "anonymous {method} {path}: {}",
            anonymous.text
        );
        assert_eq!(anonymous.body["code"], "unauthenticated", "{method} {path}");
        for role in Role::ALL {
            let reply = api.call(Some(role), method.clone(), &path, None).await;
            if role.may(*permission) {
                assert!(
                    reply.status != StatusCode::UNAUTHORIZED
                        && reply.status != StatusCode::FORBIDDEN,
                    "{role} must be allowed {method} {path}, got {}: {}",
                    reply.status,
                    reply.text
                );
            } else {
                assert_eq!(
                    reply.status,
                    StatusCode::FORBIDDEN,
                    "{role} must be refused {method} {path}: {}",
                    reply.text
                );
                assert_eq!(reply.body["code"], "forbidden", "{role} {method} {path}");
                assert_eq!(
                    reply.headers[header::CONTENT_TYPE],
                    "application/json",
                    "{role} {method} {path}"
                );
            }
        }
    }
    api.finish().await;
}

#[tokio::test]
async fn the_document_names_its_security_scheme_and_error_body() {
    let api = Api::new(Db::Sqlite).await;
    let doc = api
        .call(
            Some(Role::Viewer),
            Method::GET,
            "/api/v1/openapi.json",
            None,
        )
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(
        doc.body["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with('3'))
    );
    assert_eq!(
        doc.body["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc.body["components"]["schemas"]["ErrorBody"].is_object());
    // Every operation documents its error body.
    for (path, item) in doc.body["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let responses = op["responses"].as_object().expect("responses");
            assert!(
                responses.keys().any(|k| k.starts_with('4')),
                "{method} {path} documents no 4xx response"
            );
        }
    }
    api.finish().await;
}
