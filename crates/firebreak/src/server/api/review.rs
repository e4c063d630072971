//! The post-incident review over the API: the review drafted from the journal (as JSON, or the
//! same Markdown and HTML `firebreak review` prints), writing its human sections, and its
//! sign-off (submit, publish, reopen). Drafting is `firebreak_core::review`; what may happen
//! when is `firebreak_core::decide`; recording goes through `changes::record`, as every
//! other change does. Writing and submitting is a responder's work; signing off (publishing)
//! and taking a signed-off review back is a commander's, like steering the incident.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use firebreak_core::decide;
use firebreak_core::review::{self, Field};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::changes::{Changed, respond};
use super::{JsonBody, QueryParams, incident_id};
use crate::server::auth::{Allowed, need};
use crate::server::error::{ApiError, ErrorBody};
use crate::server::state::AppState;

/// The routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show))
        .routes(routes!(write))
        .routes(routes!(submit))
        .routes(routes!(publish))
        .routes(routes!(reopen))
}

/// How the review is wanted.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReviewQuery {
    /// `json` (the default), `markdown` or `html` (one self-contained page).
    pub format: Option<String>,
}

/// The review of an incident, drafted from its journal, which is verified first (the result is
/// part of the review).
#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}/review",
    tag = "review",
    params(("id" = String, Path, description = "Incident id"), ReviewQuery),
    extensions(("x-permission" = json!("read"))),
    responses(
        (status = 200, description = "The review: JSON, or text/markdown or text/html with `format`", body = Object),
        (status = "4XX", description = "Not signed in, no such incident, or an unknown format", body = ErrorBody),
    )
)]
async fn show(
    _: Allowed<need::Read>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<ReviewQuery>,
) -> Result<Response, ApiError> {
    let format = query.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "markdown" | "html") {
        return Err(ApiError::bad_request(format!(
            "format {format:?} is not one of json, markdown, html"
        )));
    }
    let drafted = state.service.review(&incident_id(&id)?).await?;
    Ok(match format {
        "markdown" => text("text/markdown; charset=utf-8", review::markdown(&drafted)),
        "html" => crate::server::web::standalone(review::html(&drafted)),
        _ => Json(drafted).into_response(),
    })
}

fn text(content_type: &'static str, body: String) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// A section's new text.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionBody {
    /// The text (Markdown); empty clears the section.
    pub text: String,
}

/// Writes one human section of the review: summary, impact, root-cause, contributing-factors,
/// went-well, went-badly or lessons. A published review must be reopened first.
#[utoipa::path(
    put,
    path = "/api/v1/incidents/{id}/review/{field}",
    tag = "review",
    params(
        ("id" = String, Path, description = "Incident id"),
        ("field" = String, Path, description = "summary, impact, root-cause, contributing-factors, went-well, went-badly or lessons"),
    ),
    request_body = SectionBody,
    extensions(("x-permission" = json!("work"))),
    responses(
        (status = 200, description = "The incident after the change, and the events recorded", body = Changed),
        (status = "4XX", description = "Refused, not found, an unknown field, or a published review", body = ErrorBody),
    )
)]
async fn write(
    Allowed(caller, _): Allowed<need::Work>,
    State(state): State<AppState>,
    Path((id, field)): Path<(String, String)>,
    JsonBody(body): JsonBody<SectionBody>,
) -> Result<Json<Changed>, ApiError> {
    let field = section(&field)?;
    respond(&state, &caller, &id, |i| {
        decide::write_review(i, &[(field, body.text.as_str())])
    })
    .await
}

/// The review section a path names; an unknown one is a 404 that lists the sections.
pub fn section(name: &str) -> Result<Field, ApiError> {
    name.parse()
        .map_err(|e: review::UnknownField| ApiError::not_found(e.to_string()))
}

/// Hands the draft over for sign-off (draft → in-review); the summary must be written.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/review/submit",
    tag = "review",
    params(("id" = String, Path, description = "Incident id")),
    extensions(("x-permission" = json!("work"))),
    responses(
        (status = 200, description = "The incident after the change, and the events recorded", body = Changed),
        (status = "4XX", description = "Refused, not found, or not a draft with a summary", body = ErrorBody),
    )
)]
async fn submit(
    Allowed(caller, _): Allowed<need::Work>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Changed>, ApiError> {
    respond(&state, &caller, &id, decide::submit_review).await
}

/// Signs the review off (in-review → published) in the caller's name.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/review/publish",
    tag = "review",
    params(("id" = String, Path, description = "Incident id")),
    extensions(("x-permission" = json!("steer"))),
    responses(
        (status = 200, description = "The incident after the change, and the events recorded", body = Changed),
        (status = "4XX", description = "Refused, not found, or not in review", body = ErrorBody),
    )
)]
async fn publish(
    Allowed(caller, _): Allowed<need::Steer>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Changed>, ApiError> {
    respond(&state, &caller, &id, decide::publish_review).await
}

/// Why a review is taken back to draft.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenReviewBody {
    /// Why (recorded on the timeline).
    pub reason: Option<String>,
}

/// Takes an in-review or published review back to draft, clearing its sign-off.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/review/reopen",
    tag = "review",
    params(("id" = String, Path, description = "Incident id")),
    request_body = ReopenReviewBody,
    extensions(("x-permission" = json!("steer"))),
    responses(
        (status = 200, description = "The incident after the change, and the events recorded", body = Changed),
        (status = "4XX", description = "Refused, not found, or already a draft", body = ErrorBody),
    )
)]
async fn reopen(
    Allowed(caller, _): Allowed<need::Steer>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReopenReviewBody>,
) -> Result<Json<Changed>, ApiError> {
    let policy = state.service.config().policy.clone();
    respond(&state, &caller, &id, |i| {
        decide::reopen_review(i, &policy, body.reason.as_deref())
    })
    .await
}
