//! The rules in force, for clients that build forms or explain clocks: the severity levels with
//! their deadlines, the checklist templates, and the role table.

use axum::Json;
use axum::extract::State;
use firebreak_core::access::Permission;
use firebreak_core::checklist::ChecklistTemplate;
use firebreak_core::policy::Policy;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::server::auth::{Allowed, need};
use crate::server::error::ErrorBody;
use crate::server::state::AppState;

/// The routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(policy))
}

/// One row of the role table.
#[derive(Debug, Serialize, ToSchema)]
pub struct Grant {
    /// The permission, as each operation's `x-permission` names it.
    #[schema(value_type = String)]
    pub permission: Permission,
    /// The lowest role holding it (every role above holds it too).
    pub least_role: String,
    /// What it allows.
    pub allows: String,
}

/// The rules in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyView {
    /// The severity policy: its name and levels, most severe first, each with its
    /// acknowledgement deadline and update interval.
    #[schema(value_type = Object)]
    pub policy: Policy,
    /// Checklist templates.
    #[schema(value_type = Vec<Object>)]
    pub checklists: Vec<ChecklistTemplate>,
    /// The role table.
    pub permissions: Vec<Grant>,
}

/// The severity policy, checklist templates and role table in force.
#[utoipa::path(
    get,
    path = "/api/v1/policy",
    tag = "meta",
    extensions(("x-permission" = json!("read"))),
    responses(
        (status = 200, description = "The rules in force", body = PolicyView),
        (status = "4XX", description = "Not signed in", body = ErrorBody),
    )
)]
async fn policy(_: Allowed<need::Read>, State(state): State<AppState>) -> Json<PolicyView> {
    let config = state.service.config();
    Json(PolicyView {
        policy: config.policy.clone(),
        checklists: config.checklists.clone(),
        permissions: Permission::ALL
            .into_iter()
            .map(|p| Grant {
                permission: p,
                least_role: p.least_role().to_string(),
                allows: p.describe().to_string(),
            })
            .collect(),
    })
}
