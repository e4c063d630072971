//! API tokens over the API, for admins: list, create (the secret is in the response, once), and
//! revoke. The same rules as `firebreak token`: names checked by
//! [`firebreak_core::access::token_name`], unique even among revoked tokens, and only the
//! secret's digest stored. A revocation also empties this replica's token cache, so the token
//! stops working here at once (elsewhere within [`TokenCache::TTL`](crate::server::auth::TokenCache::TTL)).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use firebreak_core::access::{self, Role};
use firebreak_store::TokenRow;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::JsonBody;
use crate::server::auth::{Allowed, need};
use crate::server::error::{ApiError, Code, ErrorBody};
use crate::server::state::AppState;

/// The routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(revoke))
}

/// A token as listed: never its secret or digest.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// Short id.
    pub id: String,
    /// Who or what holds it.
    pub name: String,
    /// viewer, responder, commander or admin.
    pub role: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// Who made it.
    pub created_by: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

impl From<TokenRow> for TokenView {
    fn from(t: TokenRow) -> Self {
        TokenView {
            id: t.id,
            name: t.name,
            role: t.role.to_string(),
            created_at: t.created_at,
            created_by: t.created_by,
            revoked_at: t.revoked_at,
        }
    }
}

/// Every token, oldest first, revoked ones included.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    /// The tokens.
    pub tokens: Vec<TokenView>,
}

/// Lists tokens (never their secrets).
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "tokens",
    extensions(("x-permission" = json!("administer"))),
    responses(
        (status = 200, description = "Every token", body = TokenList),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
async fn list(
    _: Allowed<need::Administer>,
    State(state): State<AppState>,
) -> Result<Json<TokenList>, ApiError> {
    let tokens = state.service.store().tokens().await?;
    Ok(Json(TokenList {
        tokens: tokens.into_iter().map(TokenView::from).collect(),
    }))
}

/// A token to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// Who or what holds it (recorded as the actor of its changes): 1–64 letters, digits, `-`,
    /// `_`, `.` or `@`.
    pub name: String,
    /// viewer, responder, commander or admin.
    pub role: String,
}

/// A token just made, with its secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    /// The token.
    pub token: TokenView,
    /// Send as `Authorization: Bearer <secret>`; it cannot be shown again.
    pub secret: String,
}

/// Makes a token. The response carries its secret; only the secret's digest is stored.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "tokens",
    request_body = NewToken,
    extensions(("x-permission" = json!("administer"))),
    responses(
        (status = 201, description = "Made; the secret is shown this once", body = Created),
        (status = 409, description = "The name is taken", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
async fn create(
    Allowed(caller, _): Allowed<need::Administer>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<NewToken>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let name =
        access::token_name(&body.name).map_err(|e| ApiError::new(Code::Invalid, e.to_string()))?;
    let role: Role = body
        .role
        .parse()
        .map_err(|e: access::UnknownRole| ApiError::new(Code::Invalid, e.to_string()))?;
    let (token, secret) = state.service_for(&caller).create_token(name, role).await?;
    tracing::info!(id = %token.id, name = %token.name, role = %token.role, by = %caller.name, "token created");
    Ok((
        StatusCode::CREATED,
        Json(Created {
            token: token.into(),
            secret,
        }),
    ))
}

/// A revoked token.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revoked {
    /// The token as it now is.
    pub token: TokenView,
}

/// Revokes a token by id or name; its dashboard sessions end too.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{token}",
    tag = "tokens",
    params(("token" = String, Path, description = "The token's id or name")),
    extensions(("x-permission" = json!("administer"))),
    responses(
        (status = 200, description = "Revoked", body = Revoked),
        (status = "4XX", description = "Refused or not found", body = ErrorBody),
    )
)]
async fn revoke(
    Allowed(caller, _): Allowed<need::Administer>,
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<Revoked>, ApiError> {
    let revoked = state
        .service
        .revoke_token(token.trim())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no token with id or name {token:?}")))?;
    state.tokens.clear();
    tracing::info!(id = %revoked.id, name = %revoked.name, by = %caller.name, "token revoked");
    Ok(Json(Revoked {
        token: revoked.into(),
    }))
}
