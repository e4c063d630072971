//! The OpenAPI document of `/api/v1`, served at `/api/v1/openapi.json`. Its paths come from the
//! handlers' `#[utoipa::path]` attributes as the routes are registered (see `api::documented`);
//! this module adds what no handler says: the title, the bearer scheme, and the shared error
//! body. Each operation carries `x-permission`, the permission its route checks, so a client can
//! read the role table off the document.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi as _;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::server::auth::{Allowed, need};
use crate::server::error::ErrorBody;
use crate::server::state::AppState;

/// The security scheme every operation names.
pub const BEARER: &str = "bearer";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "firebreak",
        description = "The team server's JSON API. Send `Authorization: Bearer <token>` (see \
                       `firebreak token create`). Errors are `{ \"code\", \"message\" }` with a \
                       stable code. Each operation's `x-permission` names what it needs; the \
                       roles viewer < responder < commander < admin each hold every permission \
                       of the roles before them."
    ),
    modifiers(&Bearer),
    security(("bearer" = [])),
    components(schemas(ErrorBody))
)]
struct Base;

struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The document before any path is added.
pub(super) fn base() -> utoipa::openapi::OpenApi {
    Base::openapi()
}

/// The routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(document))
}

/// The whole document, built once.
pub fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let (_, doc) = super::documented().split_for_parts();
        // Serialising a document of plain maps and strings cannot fail.
        doc.to_pretty_json().unwrap_or_default()
    })
}

/// The OpenAPI document of this API.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    extensions(("x-permission" = json!("read"))),
    responses(
        (status = 200, description = "This document (OpenAPI 3.1)", content_type = "application/json"),
        (status = "4XX", description = "Not signed in", body = ErrorBody),
    )
)]
async fn document(_: Allowed<need::Read>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document_json(),
    )
        .into_response()
}
