//! The team server: the router driven in-process with `oneshot` (no socket) over a data
//! directory made by the real binary, on SQLite and on PostgreSQL; and the real `serve` process
//! where a socket matters (signals, replicas, the browser).

mod alerts;
mod api;
mod browser;
mod connections;
mod disk_full;
mod docs;
mod matrix;
mod metrics;
mod ops;
pub(crate) mod process;
mod replicas;
mod reports;
mod review;
mod shutdown;
mod tokens;
mod web;

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use firebreak::server::{self, AppState, Options};
use firebreak::service::Service;
use firebreak::settings::{Overrides, Settings};
use firebreak_core::access::Role;
use firebreak_store::testing::ScratchDb;
use firebreak_store::{OpenMode, Store};
use serde_json::Value;
use tower::ServiceExt as _;

use crate::support::Fb;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// An initialised data directory, a token per role, and the app over it.
pub struct Api {
    pub fb: Fb,
    pub state: AppState,
    pub app: Router,
    pub tokens: HashMap<Role, String>,
    scratch: Option<ScratchDb>,
}

/// A response: status, headers, and the body as JSON (`Value::Null` when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Api {
    /// A fresh server on `db`.
    pub async fn new(db: Db) -> Api {
        Self::with_options(db, Options::default()).await
    }

    /// A fresh server on `db` with these options.
    pub async fn with_options(db: Db, options: Options) -> Api {
        let (fb, scratch) = match db {
            Db::Sqlite => (Fb::new(), None),
            Db::Postgres => {
                let scratch = ScratchDb::create("server").await;
                (Fb::with_database(&scratch.url), Some(scratch))
            }
        };
        Self::over(fb, scratch, options).await
    }

    /// A server over `fb`'s data directory, initialised here.
    pub async fn over(fb: Fb, scratch: Option<ScratchDb>, options: Options) -> Api {
        fb.cmd(&["init"]).assert().success();
        let mut tokens = HashMap::new();
        for role in Role::ALL {
            let out = fb
                .cmd(&[
                    "--json",
                    "token",
                    "create",
                    "--role",
                    role.as_str(),
                    "--name",
                    role.as_str(),
                ])
                .output()
                .expect("token create");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let v: Value = serde_json::from_slice(&out.stdout).expect("token json");
            tokens.insert(role, v["secret"].as_str().expect("secret").to_string());
        }
        let state = state_for(&fb, options).await;
        let app = server::app(state.clone());
        Api {
            fb,
            state,
            app,
            tokens,
            scratch,
        }
    }

    /// The bearer secret of `role`'s token.
    pub fn token(&self, role: Role) -> &str {
        &self.tokens[&role]
    }

    /// Sends a request as `role` (or anonymously) with an optional JSON body.
    pub async fn call(
        &self,
        role: Option<Role>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(role) = role {
            req = req.header(
                header::AUTHORIZATION,
                format!("Bearer {}", self.token(role)),
            );
        }
        let req = match body {
            Some(v) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string())),
            None => req.body(Body::empty()),
        }
        .expect("request");
        self.send(req).await
    }

    /// Sends any request.
    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.app.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 64 << 20)
            .await
            .expect("body");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    /// Declares an incident as a commander; returns its id.
    pub async fn declare(&self, title: &str, severity: &str) -> String {
        let r = self
            .call(
                Some(Role::Commander),
                Method::POST,
                "/api/v1/incidents",
                Some(serde_json::json!({ "title": title, "severity": severity })),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["incident"]["id"].as_str().expect("id").to_string()
    }

    /// Drops the PostgreSQL database, if any.
    pub async fn finish(self) {
        self.state.service.store().close().await;
        if let Some(s) = self.scratch {
            s.drop_db().await;
        }
    }
}

/// Server state over `fb`'s data directory, resolved the way the CLI resolves it.
pub async fn state_for(fb: &Fb, options: Options) -> AppState {
    let settings = Settings::resolve(&Overrides {
        data_dir: Some(fb.data_dir()),
        config: None,
        database: fb.database.clone(),
    })
    .expect("settings");
    let store = Store::open(&settings.database_url(false), OpenMode::Existing)
        .await
        .expect("open");
    let service = Service::new(store, settings.config, settings.data_dir, "server".into());
    AppState::new(service, options)
}
