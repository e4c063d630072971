//! The JSON API under `/api/v1`: one file per resource. Every handler takes an
//! [`Allowed`](super::auth::Allowed) naming its permission, reads bodies through [`JsonBody`]
//! (so a bad body is a 4xx JSON error, never axum's plain text) and returns [`ApiError`] on
//! failure. Routes are registered through [`OpenApiRouter`], each from its handler's
//! `#[utoipa::path]`, so the OpenAPI document ([`openapi`]) lists exactly the routes served.

pub mod changes;
pub mod current;
pub mod evidence;
pub mod incidents;
mod journal;
pub mod notifications;
pub mod openapi;
mod policy;
pub mod reports;
pub mod review;
pub mod runs;
mod tokens;

use axum::Router;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use firebreak_core::IncidentId;
use serde::de::DeserializeOwned;
use utoipa_axum::router::OpenApiRouter;

use super::error::{ApiError, Code};
use super::state::AppState;

/// Every `/api/v1` route.
pub fn routes() -> Router<AppState> {
    let (router, _) = documented().split_for_parts();
    router
}

/// The answer to a path no route serves under `/api/`.
pub fn no_such_route() -> ApiError {
    ApiError::not_found("no such API route; see /api/v1/openapi.json")
}

/// Every `/api/v1` route with its OpenAPI path: the one list both the router and the document
/// are made from.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .merge(incidents::routes())
        .merge(changes::routes())
        .merge(evidence::routes())
        .merge(runs::routes())
        .merge(review::routes())
        .merge(reports::routes())
        .merge(journal::routes())
        .merge(notifications::routes())
        .merge(policy::routes())
        .merge(tokens::routes())
        .merge(super::intake::routes())
        .merge(openapi::routes())
}

/// A JSON body, rejected with a JSON error: 415 without a JSON content type, 413 when larger
/// than the limit, 400 when not JSON, 422 when JSON of the wrong shape.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

fn rejection_code(status: axum::http::StatusCode) -> Code {
    match status.as_u16() {
        413 => Code::TooLarge,
        415 => Code::UnsupportedMediaType,
        422 => Code::Invalid,
        _ => Code::BadRequest,
    }
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(JsonBody(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

fn json_rejection(e: JsonRejection) -> ApiError {
    let code = rejection_code(e.status());
    let message = match code {
        Code::TooLarge => "the request body is larger than the server accepts".to_string(),
        Code::UnsupportedMediaType => {
            "send the body as JSON (Content-Type: application/json)".into()
        }
        _ => e.body_text(),
    };
    ApiError::new(code, message)
}

/// Query parameters, rejected with a JSON 400.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(QueryParams(v)),
            Err(e) => Err(query_rejection(e)),
        }
    }
}

fn query_rejection(e: QueryRejection) -> ApiError {
    ApiError::bad_request(e.body_text())
}

/// An incident id from the path: a malformed one is a 404 (no such incident can exist).
pub fn incident_id(text: &str) -> Result<IncidentId, ApiError> {
    text.parse().map_err(|e: firebreak_core::id::BadId| {
        ApiError::not_found(format!("no incident {text:?}: {e}"))
    })
}
