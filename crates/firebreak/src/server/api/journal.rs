//! Checking and rebuilding the journal over the API: `verify` (every hash, chain, seal and the
//! registry, as `firebreak verify` does) and `reindex` (the incident list rebuilt from the
//! journal, as `firebreak reindex` does). Both are the service's; this module only serves them.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{QueryParams, incident_id};
use crate::server::auth::{Allowed, need};
use crate::server::error::{ApiError, ErrorBody};
use crate::server::state::AppState;
use crate::service::{ReindexReport, VerifyReport};

/// The routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(verify))
        .routes(routes!(reindex))
}

/// What to verify.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// Only this incident (default: everything, deleted incidents included).
    pub incident: Option<String>,
}

/// What verification found.
#[derive(Debug, Serialize, ToSchema)]
pub struct Verified {
    /// Nothing is wrong.
    pub ok: bool,
    /// Incidents and events checked, the faults found (`incident`, `seq`, `what`), and the
    /// public key signatures were checked against.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub report: VerifyReport,
}

/// Re-checks every journal: hashes, chains against their signed seals, the signed registry, and
/// the runbook output the journal points to. A damaged journal is `ok: false` with its faults,
/// not an error.
#[utoipa::path(
    get,
    path = "/api/v1/verify",
    tag = "journal",
    params(VerifyQuery),
    extensions(("x-permission" = json!("verify"))),
    responses(
        (status = 200, description = "The verification report", body = Verified),
        (status = "4XX", description = "Refused or not found", body = ErrorBody),
    )
)]
async fn verify(
    _: Allowed<need::Verify>,
    State(state): State<AppState>,
    QueryParams(q): QueryParams<VerifyQuery>,
) -> Result<Json<Verified>, ApiError> {
    let only = q.incident.as_deref().map(incident_id).transpose()?;
    let report = state.service.verify(only.as_ref()).await?;
    Ok(Json(Verified {
        ok: report.ok(),
        report,
    }))
}

/// What a reindex did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reindexed {
    /// Incidents rebuilt and events folded.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub report: ReindexReport,
}

/// Rebuilds the incident list from the journal alone. Refused, changing nothing, when any
/// journal is damaged.
#[utoipa::path(
    post,
    path = "/api/v1/reindex",
    tag = "journal",
    extensions(("x-permission" = json!("administer"))),
    responses(
        (status = 200, description = "What was rebuilt", body = Reindexed),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
async fn reindex(
    _: Allowed<need::Administer>,
    State(state): State<AppState>,
) -> Result<Json<Reindexed>, ApiError> {
    let report = state.service.reindex().await?;
    Ok(Json(Reindexed { report }))
}
