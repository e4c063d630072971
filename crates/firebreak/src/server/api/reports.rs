//! Response reports over the API: the figures `firebreak report` prints (MTTA, MTTC and MTTR
//! per severity, target compliance, origins, repeats, action items) over the incidents declared
//! in a window, as JSON or as the same self-contained HTML page. The window is read as the CLI
//! reads it ([`crate::report::window`]); the figures are `firebreak_core::report`'s.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse as _, Response};
use firebreak_core::report::Scope;
use jiff::Timestamp;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::QueryParams;
use crate::server::auth::{Allowed, need};
use crate::server::error::{ApiError, Code, ErrorBody};
use crate::server::state::AppState;

/// The routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(report))
}

/// Which incidents a report covers, and how it is wanted.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// Start of the window: a length back from its end (`90d`, the default) or a date or time.
    pub since: Option<String>,
    /// End of the window and the moment clocks are read at: a date (through its end, UTC) or a
    /// time; default now, never later.
    pub until: Option<String>,
    /// Only these severities, comma-separated (`P1,P2`); empty means all.
    pub severity: Option<String>,
    /// `json` (the default) or `html` (one self-contained page).
    pub format: Option<String>,
}

impl ReportQuery {
    /// The scope asked for, checked against the policy in force.
    pub fn scope(&self, state: &AppState) -> Result<Scope, ApiError> {
        let since = self
            .since
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let until = self
            .until
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let window = crate::report::window(since.unwrap_or("90d"), until, Timestamp::now())
            .map_err(|e| ApiError::new(Code::Invalid, e))?;
        let severities: Vec<String> = self
            .severity
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        Ok(Scope::new(
            window,
            &severities,
            &state.service.config().policy,
        )?)
    }
}

/// Response figures over the incidents declared in a window.
#[utoipa::path(
    get,
    path = "/api/v1/reports",
    tag = "reports",
    params(ReportQuery),
    extensions(("x-permission" = json!("read"))),
    responses(
        (status = 200, description = "The report: JSON, or text/html with `format=html`", body = Object),
        (status = "4XX", description = "Not signed in, or a window, severity or format that cannot be read", body = ErrorBody),
    )
)]
async fn report(
    _: Allowed<need::Read>,
    State(state): State<AppState>,
    QueryParams(query): QueryParams<ReportQuery>,
) -> Result<Response, ApiError> {
    let html = match query.format.as_deref().unwrap_or("json") {
        "json" => false,
        "html" => true,
        other => {
            return Err(ApiError::bad_request(format!(
                "format {other:?} is not one of json, html"
            )));
        }
    };
    let scope = query.scope(&state)?;
    let report = state.service.report(&scope).await?;
    Ok(if html {
        crate::server::web::standalone(crate::report::html(&report))
    } else {
        Json(report).into_response()
    })
}
