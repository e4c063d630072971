//! `firebreak serve`: the team server. The same [`Service`] the CLI uses, behind a JSON API
//! ([`api`]), a server-rendered dashboard ([`web`]), Prometheus metrics ([`metrics`]) and alert
//! intake webhooks, and a token-free health answer ([`health`]). [`app`] builds the whole router without a socket (tests drive it with
//! `oneshot`); [`serve`] binds it and shuts down gracefully on SIGTERM or SIGINT.
//!
//! Layers, outermost first: security headers, metrics, JSON bodies for bare error statuses, the
//! request timeout, the body size limit; then the routes. Authentication and the role check are
//! per route ([`auth::Allowed`]). Connections (the header-read timeout) are [`connections`]'.

pub mod api;
pub mod auth;
pub mod checks;
pub mod client;
pub mod connections;
pub mod error;
pub mod expiry;
pub mod feed;
pub mod health;
pub mod intake;
pub mod metrics;
pub mod scheduler;
pub mod state;
pub mod throttle;
pub mod web;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::middleware;
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::service::Service;
pub use state::{AppState, Options};

/// The Content-Security-Policy of every response: our own scripts and styles only, nothing
/// inline, never framed; our pages may frame our own standalone documents (the review, the
/// report), which carry their own policy (`web::templates::STANDALONE_CSP`).
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; font-src 'self'; form-action 'self'; frame-src 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

fn header_layer(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// The whole application over `state`.
pub fn app(state: AppState) -> Router {
    let limit = state.options.body_limit;
    Router::new()
        .merge(api::routes())
        .merge(web::routes())
        .route("/metrics", get(metrics::render))
        .route("/healthz", get(health::check))
        .fallback(no_such_route)
        .layer(DefaultBodyLimit::max(limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            state.options.request_timeout,
        ))
        .layer(middleware::from_fn(error::with_json_body))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(header_layer(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_layer(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header_layer(header::REFERRER_POLICY, "no-referrer"))
        .with_state(state)
}

/// A path nothing serves: a JSON error under `/api/`, the dashboard's error page elsewhere.
async fn no_such_route(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        api::no_such_route().into_response()
    } else {
        web::Failure::from(error::ApiError::not_found("there is no such page")).into_response()
    }
}

/// Serves `service` on `listener` until `stop` resolves (see [`stop_signals`]). Requests in
/// flight then are finished; live event streams are closed.
pub async fn serve(
    service: Service,
    options: Options,
    listener: tokio::net::TcpListener,
    stop: impl Future<Output = ()> + Send + 'static,
) {
    let state = AppState::new(service, options);
    let poller = {
        let state = state.clone();
        tokio::spawn(async move { state.feed.poll(&state.service, state.options.poll).await })
    };
    let expiry = tokio::spawn(expiry::run(state.service.clone()));
    let scheduler = tokio::spawn(scheduler::run(state.clone()));
    let checks = tokio::spawn(checks::run(state.clone()));
    let shutdown = {
        let state = state.clone();
        async move {
            stop.await;
            state.feed.close();
        }
    };
    let header_timeout = state.options.header_timeout;
    connections::accept(listener, app(state), header_timeout, shutdown).await;
    poller.abort();
    expiry.abort();
    scheduler.abort();
    checks.abort();
}

/// Resolves on the first SIGTERM or SIGINT. The handlers are installed when this is called, so
/// a signal that arrives before the server has started still stops it gracefully.
pub fn stop_signals() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}
