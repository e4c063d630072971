//! The JSON API's behaviour, the same story on SQLite and PostgreSQL.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use firebreak_core::access::Role;
use serde_json::json;

use super::{Api, Db};

async fn incidents_story(db: Db) {
    let api = Api::new(db).await;
    let id = api.declare("Checkout returns 502", "P2").await;

    let list = api
        .call(Some(Role::Viewer), Method::GET, "/api/v1/incidents", None)
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body["items"][0]["id"], id.as_str());
    assert_eq!(list.body["items"][0]["severity"], "P2");
    let tag = list.headers[header::ETAG]
        .to_str()
        .expect("etag")
        .to_string();

    // Polling with the ETag costs nothing until something changes.
    let again = Request::get("/api/v1/incidents")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", api.token(Role::Viewer)),
        )
        .header(header::IF_NONE_MATCH, &tag)
        .body(Body::empty())
        .expect("request");
    assert_eq!(api.send(again).await.status, StatusCode::NOT_MODIFIED);

    let note = api
        .call(
            Some(Role::Responder),
            Method::POST,
            &format!("/api/v1/incidents/{id}/notes"),
            Some(json!({ "text": "rolled back the deploy" })),
        )
        .await;
    assert_eq!(note.status, StatusCode::OK, "{}", note.text);
    assert_eq!(note.body["recorded"][0]["actor"], "responder");

    let changed = Request::get("/api/v1/incidents")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", api.token(Role::Viewer)),
        )
        .header(header::IF_NONE_MATCH, &tag)
        .body(Body::empty())
        .expect("request");
    assert_eq!(api.send(changed).await.status, StatusCode::OK);

    let timeline = api
        .call(
            Some(Role::Viewer),
            Method::GET,
            &format!("/api/v1/incidents/{id}/timeline"),
            None,
        )
        .await;
    let whats: Vec<&str> = timeline.body["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["what"].as_str())
        .collect();
    assert!(
        whats.iter().any(|w| w.contains("rolled back the deploy")),
        "{whats:?}"
    );

    // A responder may not steer; a commander may.
    let path = format!("/api/v1/incidents/{id}/status");
    let body = json!({ "status": "contained" });
    let refused = api
        .call(
            Some(Role::Responder),
            Method::POST,
            &path,
            Some(body.clone()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body["code"], "forbidden");
    let done = api
        .call(Some(Role::Commander), Method::POST, &path, Some(body))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(done.body["incident"]["status"], "contained");
    api.finish().await;
}

#[tokio::test]
async fn incidents_story_on_sqlite() {
    incidents_story(Db::Sqlite).await;
}

#[tokio::test]
async fn incidents_story_on_postgres() {
    incidents_story(Db::Postgres).await;
}

#[tokio::test]
async fn requests_without_a_valid_token_get_401_json() {
    let api = Api::new(Db::Sqlite).await;
    let none = api.call(None, Method::GET, "/api/v1/incidents", None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.body["code"], "unauthenticated");
    let forged = Request::get("/api/v1/incidents")
        .header(header::AUTHORIZATION, "Bearer fbk_0000")
        .body(Body::empty())
        .expect("request");
    assert_eq!(api.send(forged).await.status, StatusCode::UNAUTHORIZED);
    api.finish().await;
}

#[tokio::test]
async fn bad_bodies_get_4xx_json_and_record_nothing() {
    let api = Api::new(Db::Sqlite).await;
    let post = |body: Body, ctype: &str| {
        Request::post("/api/v1/incidents")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", api.token(Role::Responder)),
            )
            .header(header::CONTENT_TYPE, ctype.to_string())
            .body(body)
            .expect("request")
    };
    let syntax = api
        .send(post(Body::from("{\"title\": "), "application/json"))
        .await;
    assert_eq!(syntax.status, StatusCode::BAD_REQUEST, "{}", syntax.text);
    assert_eq!(syntax.body["code"], "bad_request");
    let shape = api
        .send(post(Body::from("{\"title\": 5}"), "application/json"))
        .await;
    assert_eq!(shape.status, StatusCode::UNPROCESSABLE_ENTITY);
    let not_json = api.send(post(Body::from("title=x"), "text/plain")).await;
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = format!(
        "{{\"title\": \"{}\", \"severity\": \"P2\"}}",
        "x".repeat(1 << 20)
    );
    let too_big = api.send(post(Body::from(huge), "application/json")).await;
    assert_eq!(
        too_big.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        too_big.text
    );
    assert_eq!(too_big.body["code"], "too_large");
    let empty_title = api
        .send(post(
            Body::from(json!({"title": " ", "severity": "P2"}).to_string()),
            "application/json",
        ))
        .await;
    assert_eq!(empty_title.status, StatusCode::UNPROCESSABLE_ENTITY);
    let list = api
        .call(Some(Role::Viewer), Method::GET, "/api/v1/incidents", None)
        .await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(0));
    api.finish().await;
}

/// `GET path` as a viewer; asserts 200 and returns the body.
async fn read(api: &Api, path: &str) -> serde_json::Value {
    let r = api.call(Some(Role::Viewer), Method::GET, path, None).await;
    assert_eq!(r.status, StatusCode::OK, "GET {path}: {}", r.text);
    r.body
}

/// `POST path body` as `role`; asserts `status` and returns the body.
async fn post(
    api: &Api,
    role: Role,
    path: &str,
    body: Option<serde_json::Value>,
    status: StatusCode,
) -> serde_json::Value {
    let r = api.call(Some(role), Method::POST, path, body).await;
    assert_eq!(r.status, status, "POST {path}: {}", r.text);
    r.body
}

fn ids(page: &serde_json::Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_string())
        .collect()
}

/// 120 incidents walked in pages: every one once, newest first, `next` absent at the end.
async fn paging(api: &Api) {
    let mut declared = Vec::new();
    for n in 0..120 {
        let severity = if n % 10 == 0 { "P1" } else { "P3" };
        declared.push(api.declare(&format!("flood {n}"), severity).await);
    }
    declared.reverse();
    let mut seen = Vec::new();
    let mut path = "/api/v1/incidents?limit=50".to_string();
    let mut pages = 0;
    loop {
        let page = read(api, &path).await;
        pages += 1;
        seen.extend(ids(&page));
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/incidents?limit=50&before={next}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert!(seen == declared, "pages gave {seen:?}");
    let first = read(api, "/api/v1/incidents").await;
    assert_eq!(ids(&first).len(), 50, "the default page is 50");
    let p1 = read(api, "/api/v1/incidents?severity=P1&limit=500").await;
    assert_eq!(ids(&p1).len(), 12);
    for bad in [
        "/api/v1/incidents?limit=0",
        "/api/v1/incidents?limit=501",
        "/api/v1/incidents?before=yesterday",
        "/api/v1/incidents?colour=red",
    ] {
        let r = api.call(Some(Role::Viewer), Method::GET, bad, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text);
        assert_eq!(r.body["code"], "bad_request", "{bad}");
    }
    let unknown = api
        .call(
            Some(Role::Viewer),
            Method::GET,
            "/api/v1/incidents?severity=P9",
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Working one incident through the API from declaration to closing and reopening.
async fn lifecycle(api: &Api) -> String {
    let id = api.declare("Login brute force", "P2").await;
    let base = format!("/api/v1/incidents/{id}");
    let ack = post(
        api,
        Role::Responder,
        &format!("{base}/ack"),
        None,
        StatusCode::OK,
    )
    .await;
    assert!(
        ack["incident"]["acknowledged"]["by"] == "responder",
        "{ack}"
    );
    let assigned = post(
        api,
        Role::Commander,
        &format!("{base}/roles"),
        Some(json!({ "role": "commander", "person": "dana" })),
        StatusCode::OK,
    )
    .await;
    assert_eq!(assigned["incident"]["roles"]["commander"], "dana");
    let severity = post(
        api,
        Role::Commander,
        &format!("{base}/severity"),
        Some(json!({ "severity": "P1", "reason": "admin accounts targeted" })),
        StatusCode::OK,
    )
    .await;
    assert_eq!(severity["incident"]["severity"], "P1");

    let ticked = post(
        api,
        Role::Responder,
        &format!("{base}/checklists/initial/2"),
        None,
        StatusCode::OK,
    )
    .await;
    let done = |v: &serde_json::Value| {
        v["incident"]["checklists"]
            .as_array()
            .and_then(|lists| lists.iter().find(|l| l["name"] == "initial"))
            .map(|l| l["items"][1]["done"].clone())
            .expect("the initial checklist")
    };
    assert_eq!(done(&ticked)["by"], "responder", "{ticked}");
    let unticked = api
        .call(
            Some(Role::Responder),
            Method::DELETE,
            &format!("{base}/checklists/initial/2"),
            None,
        )
        .await;
    assert_eq!(unticked.status, StatusCode::OK, "{}", unticked.text);
    assert!(done(&unticked.body).is_null(), "{}", unticked.text);
    let no_item = api
        .call(
            Some(Role::Responder),
            Method::POST,
            &format!("{base}/checklists/initial/99"),
            None,
        )
        .await;
    assert!(no_item.status.is_client_error(), "{}", no_item.text);

    let action = post(
        api,
        Role::Responder,
        &format!("{base}/actions"),
        Some(json!({ "text": "rotate admin passwords", "owner": "erin", "due": "2030-01-31" })),
        StatusCode::OK,
    )
    .await;
    assert!(
        action["recorded"][0]["what"]
            .as_str()
            .is_some_and(|w| w.contains("rotate admin passwords")),
        "{action}"
    );
    let done = post(
        api,
        Role::Responder,
        &format!("{base}/actions/1/done"),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["recorded"].as_array().map(Vec::len), Some(1), "{done}");

    for status in ["contained", "resolved", "closed"] {
        let r = post(
            api,
            Role::Commander,
            &format!("{base}/status"),
            Some(json!({ "status": status })),
            StatusCode::OK,
        )
        .await;
        assert_eq!(r["incident"]["status"], status);
    }
    // A closed incident takes no more work until it is reopened.
    let late = api
        .call(
            Some(Role::Responder),
            Method::POST,
            &format!("{base}/notes"),
            Some(json!({ "text": "one more thing" })),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.text);
    assert_eq!(late.body["code"], "conflict");
    let reopened = post(
        api,
        Role::Commander,
        &format!("{base}/reopen"),
        Some(json!({ "reason": "the attacker came back" })),
        StatusCode::OK,
    )
    .await;
    assert_eq!(reopened["incident"]["status"], "investigating");
    let noted = post(
        api,
        Role::Responder,
        &format!("{base}/notes"),
        Some(json!({ "text": "one more thing" })),
        StatusCode::OK,
    )
    .await;
    // A change answers with the note it recorded and the incident's note count, not every
    // note the incident has; the incident itself lists them.
    assert_eq!(
        noted["recorded"][0]["payload"]["text"], "one more thing",
        "{noted}"
    );
    assert!(noted["incident"].get("notes").is_none(), "{noted}");
    let shown = api
        .call(Some(Role::Viewer), Method::GET, &base, None)
        .await
        .body;
    let notes = shown["incident"]["notes"].as_array().expect("notes").len();
    assert_eq!(noted["incident"]["note_count"], notes, "{noted}");
    assert!(notes >= 1);

    for (path, what) in [
        (
            "/api/v1/incidents/INC-1999-01-01-001".to_string(),
            "unknown",
        ),
        ("/api/v1/incidents/not-an-id".to_string(), "malformed"),
        (
            "/api/v1/incidents/INC-1999-01-01-001/runs".to_string(),
            "unknown",
        ),
        ("/api/v1/nothing-here".to_string(), "no route"),
        (format!("{base}/evidence/E404/download"), "no item"),
    ] {
        let role = if path.ends_with("download") {
            Role::Responder
        } else {
            Role::Viewer
        };
        let r = api.call(Some(role), Method::GET, &path, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{what} {path}: {}", r.text);
        assert_eq!(r.body["code"], "not_found", "{what}");
    }
    id
}

/// The raw bytes of a download, as a responder.
async fn download(api: &Api, path: &str) -> Vec<u8> {
    use tower::ServiceExt as _;
    let req = Request::get(path)
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", api.token(Role::Responder)),
        )
        .body(Body::empty())
        .expect("request");
    let res = api.app.clone().oneshot(req).await.expect("infallible");
    assert_eq!(res.status(), StatusCode::OK);
    axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .expect("the whole body")
        .to_vec()
}

/// Evidence collected with the real binary, listed and downloaded over the API.
async fn evidence(api: &Api, id: &str) {
    let bytes: Vec<u8> = (0..200_000u32).map(|n| (n % 251) as u8).collect();
    let path = api.fb.root().join("auth log.bin");
    std::fs::write(&path, &bytes).expect("write");
    let out = api
        .fb
        .cmd(&["evidence", "add", id, path.to_str().expect("utf-8")])
        .output()
        .expect("evidence add");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = read(api, &format!("/api/v1/incidents/{id}/evidence")).await;
    let item = &list["items"][0];
    assert_eq!(item["id"], "E1");
    assert_eq!(item["kind"], "file");
    assert_eq!(item["size"], bytes.len());
    assert_eq!(item["sha256"].as_str().map(str::len), Some(64));
    assert!(
        item["source"]
            .as_str()
            .is_some_and(|s| s.ends_with("auth log.bin"))
    );
    assert_eq!(item["purged"], false);
    assert_eq!(item["stored"], true);
    assert_eq!(item["collected"]["by"], "tester");

    let before = read(api, &format!("/api/v1/incidents/{id}/timeline")).await["events"]
        .as_array()
        .map_or(0, Vec::len);
    // Asking about a download hands nothing over, so records nothing.
    let head = api
        .call(
            Some(Role::Responder),
            Method::HEAD,
            &format!("/api/v1/incidents/{id}/evidence/E1/download"),
            None,
        )
        .await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(
        head.headers[header::CONTENT_LENGTH],
        bytes.len().to_string()
    );
    let got = api
        .call(
            Some(Role::Responder),
            Method::GET,
            &format!("/api/v1/incidents/{id}/evidence/E1/download?reason=legal%20hold"),
            None,
        )
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(
        got.headers[header::CONTENT_TYPE],
        "application/octet-stream"
    );
    let disposition = got.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .expect("ascii");
    assert_eq!(
        disposition,
        format!("attachment; filename=\"{id}-E1-auth_log.bin\"")
    );
    let got_bytes = download(api, &format!("/api/v1/incidents/{id}/evidence/E1/download")).await;
    assert!(
        got_bytes == bytes,
        "the downloaded bytes differ from those collected"
    );

    let timeline = read(api, &format!("/api/v1/incidents/{id}/timeline")).await;
    let events = timeline["events"].as_array().expect("events");
    assert_eq!(events.len(), before + 2);
    let custody = &events[before];
    assert_eq!(custody["actor"], "responder");
    let what = custody["what"].as_str().expect("what");
    assert!(what.contains("E1 downloaded"), "{what}");
    assert!(what.contains("legal hold"), "{what}");

    // Bytes this host does not have are a clear 404, and nothing is recorded.
    let sha = item["sha256"].as_str().expect("sha");
    let blob = api
        .fb
        .data_dir()
        .join("evidence/sha256")
        .join(&sha[..2])
        .join(&sha[2..]);
    let aside = blob.with_extension("aside");
    std::fs::rename(&blob, &aside).expect("move the blob away");
    let missing = api
        .call(
            Some(Role::Responder),
            Method::GET,
            &format!("/api/v1/incidents/{id}/evidence/E1/download"),
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
    assert!(
        missing.text.contains("not in this server's evidence store"),
        "{}",
        missing.text
    );
    let list = read(api, &format!("/api/v1/incidents/{id}/evidence")).await;
    assert_eq!(list["items"][0]["stored"], false);
    std::fs::rename(&aside, &blob).expect("put the blob back");
    let after = read(api, &format!("/api/v1/incidents/{id}/timeline")).await["events"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(after, before + 2);
}

/// A runbook run with the real binary, read back over the API with its output.
async fn runs(api: &Api, id: &str) {
    let runbook = api.fb.file(
        "look.md",
        "# Look around\n\n## Diagnosis\n\n```bash\n# 1. Say hello\necho hello-from-step-one\n# 2. Say a lot\nhead -c 70000 /dev/zero | tr '\\0' x\n# 3. Complain\necho oops >&2; exit 3\n```\n",
    );
    let out = api
        .fb
        .cmd(&[
            "runbook",
            "run",
            runbook.to_str().expect("utf-8"),
            "--incident",
            id,
            "--yes",
        ])
        .current_dir(api.fb.root())
        .output()
        .expect("runbook run");
    assert!(
        !out.status.success(),
        "the second step fails: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = read(api, &format!("/api/v1/incidents/{id}/runs")).await;
    let run = &list["runs"][0];
    assert_eq!(run["runbook"], "look");
    assert_eq!(run["steps_total"], 3);
    assert_eq!(run["started_by"], "tester");
    let steps = run["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 3, "{run}");
    assert_eq!(steps[0]["outcome"], "succeeded");
    assert_eq!(steps[0]["stdout"]["text"], "hello-from-step-one\n");
    assert_eq!(steps[0]["stdout"]["truncated"], false);
    // Long output is shown up to 64 KiB and says so.
    let long = &steps[1]["stdout"];
    assert_eq!(long["size"], 70000);
    assert_eq!(long["text"].as_str().map(str::len), Some(64 * 1024));
    assert_eq!(long["truncated"], true);
    assert_eq!(steps[2]["outcome"], "failed");
    assert_eq!(steps[2]["exit_code"], 3);
    assert_eq!(steps[2]["stderr"]["text"], "oops\n");
    assert_eq!(run["next_step"], 3);
}

/// Verification through the API, whole and for one incident; and the policy.
async fn checks(api: &Api, id: &str) {
    let all = api
        .call(Some(Role::Commander), Method::GET, "/api/v1/verify", None)
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert_eq!(all.body["ok"], true, "{}", all.text);
    assert!(all.body["incidents"].as_u64().is_some_and(|n| n >= 1));
    let one = api
        .call(
            Some(Role::Commander),
            Method::GET,
            &format!("/api/v1/verify?incident={id}"),
            None,
        )
        .await;
    assert_eq!(one.body["incidents"], 1, "{}", one.text);
    let reindexed = post(api, Role::Admin, "/api/v1/reindex", None, StatusCode::OK).await;
    assert!(reindexed["incidents"].as_u64().is_some_and(|n| n >= 1));
    let policy = read(api, "/api/v1/policy").await;
    assert_eq!(policy["policy"]["levels"][0]["name"], "P1");
    assert!(
        policy["permissions"]
            .as_array()
            .expect("table")
            .iter()
            .any(|g| g["permission"] == "download-evidence" && g["least_role"] == "responder")
    );
}

async fn main_story(db: Db) {
    let api = Api::new(db).await;
    paging(&api).await;
    let id = lifecycle(&api).await;
    evidence(&api, &id).await;
    runs(&api, &id).await;
    checks(&api, &id).await;
    api.finish().await;
}

#[tokio::test]
async fn main_story_on_sqlite() {
    main_story(Db::Sqlite).await;
}

#[tokio::test]
async fn main_story_on_postgres() {
    main_story(Db::Postgres).await;
}

#[tokio::test]
async fn purged_evidence_is_gone() {
    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("Old case", "P4").await;
    let path = api.fb.file("note.txt", "keep until closed");
    api.fb
        .cmd(&["evidence", "add", &id, path.to_str().expect("utf-8")])
        .assert()
        .success();
    for status in ["resolved", "closed"] {
        post(
            &api,
            Role::Commander,
            &format!("/api/v1/incidents/{id}/status"),
            Some(json!({ "status": status })),
            StatusCode::OK,
        )
        .await;
    }
    api.fb
        .cmd(&[
            "evidence",
            "purge",
            &id,
            "--reason",
            "retention over",
            "--confirm",
            &id,
        ])
        .assert()
        .success();
    let list = read(&api, &format!("/api/v1/incidents/{id}/evidence")).await;
    assert_eq!(list["items"][0]["purged"], true);
    let r = api
        .call(
            Some(Role::Responder),
            Method::GET,
            &format!("/api/v1/incidents/{id}/evidence/E1/download"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.text);
    assert_eq!(r.body["code"], "gone");
    api.finish().await;
}

#[tokio::test]
async fn altered_evidence_never_arrives_as_if_intact() {
    use tower::ServiceExt as _;
    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("Tampered store", "P3").await;
    let path = api.fb.file("orig.txt", "the original bytes");
    api.fb
        .cmd(&["evidence", "add", &id, path.to_str().expect("utf-8")])
        .assert()
        .success();
    let list = read(&api, &format!("/api/v1/incidents/{id}/evidence")).await;
    let sha = list["items"][0]["sha256"]
        .as_str()
        .expect("sha")
        .to_string();
    let blob = api
        .fb
        .data_dir()
        .join("evidence/sha256")
        .join(&sha[..2])
        .join(&sha[2..]);
    let mut perms = std::fs::metadata(&blob).expect("blob").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&blob, perms).expect("chmod");
    std::fs::write(&blob, "the altered! bytes").expect("alter");
    let req = Request::get(format!("/api/v1/incidents/{id}/evidence/E1/download"))
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", api.token(Role::Responder)),
        )
        .body(Body::empty())
        .expect("request");
    let res = api.app.clone().oneshot(req).await.expect("infallible");
    assert_eq!(res.status(), StatusCode::OK);
    let body = axum::body::to_bytes(res.into_body(), 1 << 20).await;
    assert!(
        body.is_err(),
        "altered bytes were sent as a complete download"
    );
    api.finish().await;
}

/// Regression: a wrong method and OPTIONS answered 405 with an empty body.
#[tokio::test]
async fn a_wrong_method_gets_a_json_error() {
    let api = Api::new(Db::Sqlite).await;
    for method in [Method::DELETE, Method::OPTIONS, Method::PUT] {
        let r = api
            .call(Some(Role::Admin), method.clone(), "/api/v1/incidents", None)
            .await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(r.body["code"], "method_not_allowed", "{method}: {}", r.text);
        assert!(r.headers.contains_key(header::ALLOW), "{method}");
        assert!(
            r.headers[header::CONTENT_TYPE]
                .to_str()
                .expect("type")
                .starts_with("application/json")
        );
    }
    api.finish().await;
}

/// While the server holds an incident folded in memory (so it no longer re-reads the chain), a
/// seal edited behind its back, or the newest events cut off with the seal moved back to match,
/// is still refused at the next change: 409 `damaged`, nothing recorded.
#[tokio::test]
async fn a_chain_edited_behind_a_running_servers_back_is_refused() {
    let api = Api::new(Db::Sqlite).await;
    let note = async |id: &str, text: &str| {
        api.call(
            Some(Role::Responder),
            Method::POST,
            &format!("/api/v1/incidents/{id}/notes"),
            Some(json!({ "text": text })),
        )
        .await
    };
    let forged = "00".repeat(64);
    let edits: [&[&str]; 2] = [
        // Another signature on the same head.
        &["UPDATE seals SET signature = '{forged}' WHERE incident = '{id}'"],
        // The newest event gone, and the seal's head moved back onto the one before it.
        &[
            "DELETE FROM events WHERE incident = '{id}' AND seq = \
             (SELECT max(seq) FROM events WHERE incident = '{id}')",
            "UPDATE seals SET seq = seq - 1, hash = (SELECT hash FROM events \
             WHERE incident = '{id}' AND seq = seals.seq - 1) WHERE incident = '{id}'",
        ],
    ];
    for edit in edits {
        let id = api.declare("Disk full on db-1", "P2").await;
        for text in ["df shows 100%", "log rotation stuck"] {
            let r = note(&id, text).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
        let db = api.fb.db_file();
        let sql: Vec<String> = edit
            .iter()
            .map(|s| s.replace("{id}", &id).replace("{forged}", &forged))
            .collect();
        tokio::task::spawn_blocking(move || {
            let sql: Vec<&str> = sql.iter().map(String::as_str).collect();
            crate::support::sql(&db, &sql)
        })
        .await
        .expect("tamper");
        let refused = note(&id, "one more").await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
        assert_eq!(refused.body["code"], "damaged", "{}", refused.text);
        let texts = api
            .call(
                Some(Role::Viewer),
                Method::GET,
                &format!("/api/v1/incidents/{id}/timeline"),
                None,
            )
            .await
            .text;
        assert!(!texts.contains("one more"), "{texts}");
    }
}
