//! The dashboard's reports page: the window and severity filter as a form, and the report
//! itself — the same self-contained page `firebreak report --html` writes — framed below it.
//! The window is read as the API reads it (`api::reports::ReportQuery`).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::failure::{Failure, Web};
use super::view::{self, Frame, Sev};
use crate::server::api::QueryParams;
use crate::server::api::reports::ReportQuery;
use crate::server::auth::{Allowed, need};
use crate::server::state::AppState;

#[derive(Serialize)]
struct ReportsPage {
    #[serde(flatten)]
    frame: Frame,
    /// The filters as given, for the form and the framed document's URL.
    filters: BTreeMap<&'static str, String>,
    levels: Vec<Sev>,
}

fn filters(q: &ReportQuery) -> BTreeMap<&'static str, String> {
    let mut out = BTreeMap::new();
    for (name, value) in [
        ("since", &q.since),
        ("until", &q.until),
        ("severity", &q.severity),
    ] {
        if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            out.insert(name, v.to_string());
        }
    }
    out
}

/// `GET /reports`: the filter form and the framed report. A window or severity that cannot be
/// read is refused here, as a page, before the frame would be.
pub async fn page(
    Web(Allowed(caller, _)): Web<Allowed<need::Read>>,
    Web(QueryParams(query)): Web<QueryParams<ReportQuery>>,
    State(state): State<AppState>,
) -> Result<Response, Failure> {
    query.scope(&state)?;
    let ctx = ReportsPage {
        frame: Frame::of(&caller),
        filters: filters(&query),
        levels: view::levels(&state.service.config().policy),
    };
    Ok(state.pages.html(StatusCode::OK, "reports.html", &ctx))
}

/// `GET /reports/document`: the report as one self-contained page.
pub async fn document(
    Web(Allowed(_, _)): Web<Allowed<need::Read>>,
    Web(QueryParams(query)): Web<QueryParams<ReportQuery>>,
    State(state): State<AppState>,
) -> Result<Response, Failure> {
    let report = state.service.report(&query.scope(&state)?).await?;
    Ok(super::standalone(crate::report::html(&report)))
}
