//! The web dashboard: server-rendered pages (minijinja templates in `web/templates/`, escaped
//! by default) with htmx for the live parts, every file served by the binary itself
//! (`web/assets/`). It works without JavaScript: every change is a plain form that answers with
//! a redirect; with JavaScript, htmx sends the same forms and swaps in the answer, and the pages
//! refresh their live parts when the change feed (`/events`) says something changed.
//!
//! Who may see and do what is the API's: every handler takes an `Allowed` for its permission
//! (refusals are shown as pages by `failure::Web`), forms the caller's role may not use are
//! not shown, and every `POST` passes the CSRF check in `csrf` first. Sign-in and sessions
//! are in `session`. Not owned here: the decisions (`firebreak_core::decide`) and recording
//! (`api::changes::record`), which the API and the dashboard share.

mod assets;
mod csrf;
mod events;
mod failure;
mod forms;
mod notify;
mod pages;
mod reports;
mod review;
mod session;
mod templates;
mod view;

use axum::Router;
use axum::routing::get;

use super::state::AppState;
pub use failure::Failure;
pub use templates::{Pages, standalone};

/// The dashboard's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signin", get(session::form).post(session::sign_in))
        .route("/signout", csrf::post(session::sign_out))
        .route("/", get(pages::list))
        .route("/fragments/incidents", get(pages::list_fragment))
        .route("/incidents", csrf::post(forms::declare))
        .route("/incidents/{id}", get(pages::incident))
        .route("/fragments/incidents/{id}", get(pages::incident_fragment))
        .route("/incidents/{id}/ack", csrf::post(forms::ack))
        .route("/incidents/{id}/status", csrf::post(forms::status))
        .route("/incidents/{id}/reopen", csrf::post(forms::reopen))
        .route("/incidents/{id}/severity", csrf::post(forms::severity))
        .route("/incidents/{id}/roles", csrf::post(forms::assign))
        .route("/incidents/{id}/notes", csrf::post(forms::note))
        .route("/incidents/{id}/tick", csrf::post(forms::tick))
        .route("/incidents/{id}/actions", csrf::post(forms::add_action))
        .route(
            "/incidents/{id}/notifications/preview",
            csrf::post(notify::preview),
        )
        .route("/incidents/{id}/notifications", csrf::post(notify::send))
        .route(
            "/incidents/{id}/actions/done",
            csrf::post(forms::finish_action),
        )
        .route("/incidents/{id}/review", get(review::page))
        .route("/incidents/{id}/review/document", get(review::document))
        .route("/incidents/{id}/review/sections", csrf::post(review::write))
        .route("/incidents/{id}/review/submit", csrf::post(review::submit))
        .route(
            "/incidents/{id}/review/publish",
            csrf::post(review::publish),
        )
        .route("/incidents/{id}/review/reopen", csrf::post(review::reopen))
        .route("/reports", get(reports::page))
        .route("/reports/document", get(reports::document))
        .route("/events", get(events::stream))
        .route("/assets/{*path}", get(assets::serve))
}

/// Every dashboard `POST` path (with `{id}` for an incident id): each goes through the CSRF
/// check. Tests walk this list.
pub const FORM_ROUTES: [&str; 17] = [
    "/signout",
    "/incidents",
    "/incidents/{id}/ack",
    "/incidents/{id}/status",
    "/incidents/{id}/reopen",
    "/incidents/{id}/severity",
    "/incidents/{id}/roles",
    "/incidents/{id}/notes",
    "/incidents/{id}/tick",
    "/incidents/{id}/actions",
    "/incidents/{id}/actions/done",
    "/incidents/{id}/notifications/preview",
    "/incidents/{id}/notifications",
    "/incidents/{id}/review/sections",
    "/incidents/{id}/review/submit",
    "/incidents/{id}/review/publish",
    "/incidents/{id}/review/reopen",
];
