//! The dashboard's templates (`web/templates/*.html`, embedded in the binary), compiled once per
//! process with HTML auto-escaping on, and rendering them into responses. Which data a page gets
//! is decided by the handlers and `view`; this module only renders.

use std::sync::LazyLock;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::{Environment, UndefinedBehavior};
use rust_embed::RustEmbed;
use serde::Serialize;

use super::assets;
use crate::server::error::ApiError;

#[derive(RustEmbed)]
#[folder = "web/templates/"]
struct Sources;

static ENVIRONMENT: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // Escaping is decided by the template name: every template is `.html`, so every value is
    // escaped unless a template says otherwise (none does).
    // Filters that are not set are simply absent from their map.
    env.set_undefined_behavior(UndefinedBehavior::Lenient);
    // Asset links are ours (name and digest), so they are output as they are.
    env.add_function("asset", |name: &str| {
        minijinja::Value::from_safe_string(assets::url(name))
    });
    for name in Sources::iter() {
        let Some(file) = Sources::get(&name) else {
            continue;
        };
        let source = String::from_utf8_lossy(&file.data).into_owned();
        if let Err(e) = env.add_template_owned(name.to_string(), source) {
            // A broken built-in template is a build fault; its pages fail with a 500 and the
            // log says why.
            tracing::error!(template = %name, error = %e, "dashboard template does not compile");
        }
    }
    env
});

/// The compiled templates (one set per process; this is a handle to it).
#[derive(Debug, Default, Clone, Copy)]
pub struct Pages;

impl Pages {
    /// The built-in templates.
    pub fn new() -> Self {
        LazyLock::force(&ENVIRONMENT);
        Self
    }

    /// Renders template `name` with `context`.
    pub fn render(&self, name: &str, context: &impl Serialize) -> Result<String, ApiError> {
        let template = ENVIRONMENT
            .get_template(name)
            .map_err(|e| ApiError::internal(format!("template {name}: {e:#}")))?;
        template
            .render(minijinja::value::Serde(context))
            .map_err(|e| ApiError::internal(format!("template {name}: {e:#}")))
    }

    /// Renders template `name` into an HTML response with `status`. Pages are never cached:
    /// they carry the session's form token.
    pub fn html(&self, status: StatusCode, name: &str, context: &impl Serialize) -> Response {
        match self.render(name, context) {
            Ok(body) => html(status, body),
            Err(e) => super::failure::Failure::from(e).into_response(),
        }
    }
}

/// An HTML body with `status`, not to be stored by caches.
pub fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// The Content-Security-Policy of a standalone document (the review, the report): it carries
/// its own inline style and inline SVG, runs nothing, and may be framed by our own pages only.
pub const STANDALONE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
     form-action 'none'; frame-ancestors 'self'; base-uri 'none'";

/// A self-contained HTML document drawn by `firebreak_core` (the same bytes the CLI writes),
/// served with its own Content-Security-Policy (`STANDALONE_CSP`) so that its inline style applies and the dashboard can frame
/// it.
pub fn standalone(body: String) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_SECURITY_POLICY, STANDALONE_CSP),
            (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
        ],
        body,
    )
        .into_response()
}
