//! API tokens: `firebreak token` and `/api/v1/tokens`. A secret is shown once and never stored
//! or listed; a revoked token is refused; bad names and roles are one clear error.

use axum::http::{Method, StatusCode};
use firebreak_core::access::Role;
use serde_json::{Value, json};

use super::{Api, Db, Options, state_for};
use crate::support::Fb;

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// What a server freshly started over `fb` (no cached tokens) answers a `GET` of `path` made
/// with the bearer secret `secret`.
async fn fresh_answer(fb: &Fb, path: &str, secret: &str) -> StatusCode {
    let state = state_for(fb, Options::default()).await;
    let app = firebreak::server::app(state.clone());
    let req = axum::http::Request::get(path)
        .header("authorization", format!("Bearer {secret}"))
        .body(axum::body::Body::empty())
        .expect("request");
    let res = tower::ServiceExt::oneshot(app, req)
        .await
        .expect("infallible");
    state.service.store().close().await;
    res.status()
}

/// Whether a bearer secret is accepted by a freshly started server.
async fn accepted(fb: &Fb, secret: &str) -> StatusCode {
    fresh_answer(fb, "/api/v1/incidents", secret).await
}

#[tokio::test]
async fn the_cli_shows_a_secret_once_and_never_stores_or_lists_it() {
    let fb = Fb::init();
    let out = fb
        .cmd(&["token", "create", "--role", "responder", "--name", "alice"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let secret = text
        .split_whitespace()
        .find(|w| w.starts_with("fbk_"))
        .expect("the secret is printed")
        .to_string();
    assert!(text.contains("shown only this once"), "{text}");

    let listed = fb.cmd(&["token", "ls"]).output().expect("run");
    let json_listed = fb.cmd(&["--json", "token", "ls"]).output().expect("run");
    let digest = firebreak_core::access::secret_digest(&secret);
    for out in [&listed, &json_listed] {
        let text = stdout(out);
        assert!(text.contains("alice"), "{text}");
        assert!(
            !text.contains(&secret[4..]),
            "a listing shows the secret: {text}"
        );
        assert!(
            !text.contains(&digest),
            "a listing shows the digest: {text}"
        );
    }
    let rows: Value = serde_json::from_slice(&json_listed.stdout).expect("json");
    assert_eq!(rows[0]["role"], "responder");

    // The database (and its write-ahead log, where fresh rows may still be) never holds it.
    for file in std::fs::read_dir(fb.data_dir()).expect("data dir") {
        let path = file.expect("entry").path();
        if path.is_file() {
            let bytes = std::fs::read(&path).expect("read");
            let hay = String::from_utf8_lossy(&bytes);
            assert!(
                !hay.contains(&secret[4..]),
                "{} holds the secret",
                path.display()
            );
        }
    }

    assert_eq!(accepted(&fb, &secret).await, StatusCode::OK);
}

#[tokio::test]
async fn a_revoked_token_is_refused_by_name_or_by_id() {
    let fb = Fb::init();
    let mut secrets = Vec::new();
    for name in ["bob", "carol"] {
        let v = fb.json(&["token", "create", "--role", "viewer", "--name", name]);
        secrets.push((
            v["token"]["id"].as_str().expect("id").to_string(),
            v["secret"].as_str().expect("secret").to_string(),
        ));
    }
    assert_eq!(accepted(&fb, &secrets[0].1).await, StatusCode::OK);

    let by_name = fb.cmd(&["token", "revoke", "bob"]).output().expect("run");
    assert_eq!(by_name.status.code(), Some(0), "{}", stderr(&by_name));
    assert!(stdout(&by_name).contains("revoked"), "{}", stdout(&by_name));
    let by_id = fb
        .cmd(&["token", "revoke", &secrets[1].0])
        .output()
        .expect("run");
    assert_eq!(by_id.status.code(), Some(0), "{}", stderr(&by_id));

    for (_, secret) in &secrets {
        assert_eq!(accepted(&fb, secret).await, StatusCode::UNAUTHORIZED);
    }
    let rows = fb.json(&["token", "ls"]);
    assert!(
        rows.as_array()
            .expect("rows")
            .iter()
            .all(|r| r["revoked_at"].is_string()),
        "{rows}"
    );
    let unknown = fb
        .cmd(&["token", "revoke", "nobody"])
        .output()
        .expect("run");
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("no token"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn bad_names_roles_and_duplicates_are_one_clear_error() {
    let fb = Fb::init();
    // A role that is not one of the four is a usage error (exit 2, like every bad argument
    // value); a bad name is refused by the command itself (exit 1). Either way the first line
    // says what is wrong and what would do.
    let cases: [(&[&str], i32, &str); 3] = [
        (
            &["token", "create", "--role", "root", "--name", "x"],
            2,
            "use viewer, responder, commander or admin",
        ),
        (
            &["token", "create", "--role", "viewer", "--name", "two words"],
            1,
            "invalid token name",
        ),
        (
            &["token", "create", "--role", "viewer", "--name", ""],
            1,
            "invalid token name",
        ),
    ];
    for (args, code, says) in cases {
        let out = fb.cmd(args).output().expect("run");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        let first = err.lines().next().unwrap_or_default();
        assert!(first.contains(says), "{args:?}: {err}");
        if code == 1 {
            assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        }
        assert!(stdout(&out).is_empty(), "{args:?} printed {}", stdout(&out));
    }
    assert!(
        fb.json(&["token", "ls"])
            .as_array()
            .is_some_and(Vec::is_empty)
    );
    fb.cmd(&["token", "create", "--role", "viewer", "--name", "dave"])
        .assert()
        .success();
    let again = fb
        .cmd(&["token", "create", "--role", "admin", "--name", "dave"])
        .output()
        .expect("run");
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("exists already"),
        "{}",
        stderr(&again)
    );
    assert!(!stdout(&again).contains("fbk_"), "{}", stdout(&again));
}

async fn api_tokens_story(db: Db) {
    let api = Api::new(db).await;
    let made = api
        .call(
            Some(Role::Admin),
            Method::POST,
            "/api/v1/tokens",
            Some(json!({ "name": "pagerbot", "role": "responder" })),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let secret = made.body["secret"].as_str().expect("secret").to_string();
    let id = made.body["token"]["id"].as_str().expect("id").to_string();
    assert_eq!(made.body["token"]["role"], "responder");
    assert_eq!(made.body["token"]["created_by"], "admin");

    // The new token works at once, and records changes in its own name.
    let incident = api.declare("Pager storm", "P3").await;
    let note = api
        .send(
            axum::http::Request::post(format!("/api/v1/incidents/{incident}/notes"))
                .header("authorization", format!("Bearer {secret}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    json!({ "text": "muted the pager" }).to_string(),
                ))
                .expect("request"),
        )
        .await;
    assert_eq!(note.status, StatusCode::OK, "{}", note.text);
    assert_eq!(note.body["recorded"][0]["actor"], "pagerbot");

    let listed = api
        .call(Some(Role::Admin), Method::GET, "/api/v1/tokens", None)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(!listed.text.contains(&secret[4..]), "{}", listed.text);
    assert!(
        !listed
            .text
            .contains(&firebreak_core::access::secret_digest(&secret))
    );
    let names: Vec<&str> = listed.body["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["viewer", "responder", "commander", "admin", "pagerbot"]
    );

    for (body, status, code) in [
        (
            json!({ "name": "pagerbot", "role": "viewer" }),
            StatusCode::CONFLICT,
            "conflict",
        ),
        (
            json!({ "name": "bad name", "role": "viewer" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            json!({ "name": "ok", "role": "root" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
    ] {
        let r = api
            .call(
                Some(Role::Admin),
                Method::POST,
                "/api/v1/tokens",
                Some(body),
            )
            .await;
        assert_eq!(r.status, status, "{}", r.text);
        assert_eq!(r.body["code"], code);
    }

    // Revoking through this replica takes effect here at once (its cache is emptied).
    let revoked = api
        .call(
            Some(Role::Admin),
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    assert!(revoked.body["token"]["revoked_at"].is_string());
    let refused = api
        .send(
            axum::http::Request::get("/api/v1/incidents")
                .header("authorization", format!("Bearer {secret}"))
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let by_name = api
        .call(
            Some(Role::Admin),
            Method::DELETE,
            "/api/v1/tokens/viewer",
            None,
        )
        .await;
    assert_eq!(by_name.status, StatusCode::OK, "{}", by_name.text);
    let gone = api
        .call(
            Some(Role::Admin),
            Method::DELETE,
            "/api/v1/tokens/nobody",
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.body["code"], "not_found");
    api.finish().await;
}

#[tokio::test]
async fn api_tokens_on_sqlite() {
    api_tokens_story(Db::Sqlite).await;
}

#[tokio::test]
async fn api_tokens_on_postgres() {
    api_tokens_story(Db::Postgres).await;
}

/// Runs SQL straight against the test's database, as someone with write access to it would.
async fn tamper(api: &Api, statements: &[&str]) {
    use sqlx::{Connection, Executor};
    let url = match &api.fb.database {
        Some(url) => url.clone(),
        None => format!("sqlite://{}?mode=rw", api.fb.db_file().display()),
    };
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
    for s in statements {
        conn.execute(sqlx::AssertSqlSafe(s.to_string()))
            .await
            .unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    conn.close().await.expect("close");
}

/// What a freshly started server answers a token-administration request made with `secret`:
/// 401 refused, 403 a token that may not administer, 200 one that may.
async fn admin_route(api: &Api, secret: &str) -> StatusCode {
    fresh_answer(&api.fb, "/api/v1/tokens", secret).await
}

/// A token edited, un-revoked or inserted behind firebreak's back in the database is refused
/// by a server and named by `verify`; tokens made before token records existed are recorded
/// once, and go on working.
async fn tampered_tokens_story(db: Db) {
    let api = Api::new(db).await;
    let viewer = api.token(Role::Viewer).to_string();
    assert_eq!(admin_route(&api, &viewer).await, StatusCode::FORBIDDEN);
    assert_eq!(api.fb.verify().0, 0);

    // A viewer made admin in the database.
    tamper(
        &api,
        &["UPDATE tokens SET role = 'admin' WHERE name = 'viewer'"],
    )
    .await;
    assert_eq!(admin_route(&api, &viewer).await, StatusCode::UNAUTHORIZED);
    let (code, out) = api.fb.verify();
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("API token")
            && out.contains("(viewer): its row differs from its signed record")
            && out.contains("the row says admin, the record viewer"),
        "{out}"
    );
    tamper(
        &api,
        &["UPDATE tokens SET role = 'viewer' WHERE name = 'viewer'"],
    )
    .await;
    assert_eq!(api.fb.verify().0, 0);

    // A revoked token brought back.
    let out = api
        .fb
        .cmd(&["token", "revoke", "responder"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    tamper(
        &api,
        &["UPDATE tokens SET revoked_at = NULL WHERE name = 'responder'"],
    )
    .await;
    let responder = api.token(Role::Responder).to_string();
    assert_eq!(
        admin_route(&api, &responder).await,
        StatusCode::UNAUTHORIZED
    );
    let (code, out) = api.fb.verify();
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("(responder): its row differs") && out.contains("revocation"),
        "{out}"
    );
    tamper(&api, &["DELETE FROM tokens WHERE name = 'responder'"]).await;
    let (code, out) = api.fb.verify();
    assert!(
        code == 3 && out.contains("has a signed record but no row"),
        "{out}"
    );

    // A token inserted with a secret of the intruder's choosing.
    let forged = "fbk_forged-secret-of-the-intruder";
    tamper(
        &api,
        &[&format!(
            "INSERT INTO tokens (id, name, role, digest, created_at, created_by, revoked_at) \
             VALUES ('ffff0000', 'intruder', 'admin', '{}', 0, 'nobody', NULL)",
            firebreak_core::access::secret_digest(forged)
        )],
    )
    .await;
    assert_eq!(admin_route(&api, forged).await, StatusCode::UNAUTHORIZED);
    let (code, out) = api.fb.verify();
    assert!(
        code == 3 && out.contains("ffff0000 (intruder): it has no signed record"),
        "{out}"
    );
    tamper(&api, &["DELETE FROM tokens WHERE name = 'intruder'"]).await;

    // A store from before token records (schema 3, so without the later versions' index too):
    // its tokens are recorded once when it is next opened with the key, and keep working.
    tamper(
        &api,
        &[
            "DROP INDEX events_by_finding_key",
            "DROP TABLE token_records",
            "DROP TABLE token_head",
            "UPDATE meta SET value = '3' WHERE key = 'schema_version'",
        ],
    )
    .await;
    assert_eq!(admin_route(&api, &viewer).await, StatusCode::UNAUTHORIZED);
    let listed = api.fb.cmd(&["token", "ls"]).output().expect("run");
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert_eq!(admin_route(&api, &viewer).await, StatusCode::FORBIDDEN);
    let (code, out) = api.fb.verify();
    assert_eq!(code, 0, "{out}");
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_tokens_are_refused_and_reported_on_sqlite() {
    tampered_tokens_story(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_tokens_are_refused_and_reported_on_postgres() {
    tampered_tokens_story(Db::Postgres).await;
}
