//! Incidents: list (filtered, paged, with an ETag), declare, read one, its timeline.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use firebreak_core::clock::Clocks;
use firebreak_core::decide::{self, Declaration};
use firebreak_core::journal::Event;
use firebreak_core::summary::Summary;
use firebreak_core::{Incident, Status};
use firebreak_store::ListFilter;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{JsonBody, QueryParams, incident_id};
use crate::server::auth::{Allowed, Caller, need};
use crate::server::error::{ApiError, ErrorBody};
use crate::server::state::AppState;

/// The routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, declare))
        .routes(routes!(show))
        .routes(routes!(timeline))
}

/// The largest page.
pub const PAGE_MAX: u64 = 500;
/// The page size when none is asked for.
pub const PAGE_DEFAULT: u64 = 50;

/// List filters and paging.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only investigating or contained incidents.
    #[serde(default)]
    pub open: bool,
    /// Only this status: investigating, contained, resolved or closed.
    #[param(value_type = Option<String>)]
    pub status: Option<Status>,
    /// Only this severity.
    pub severity: Option<String>,
    /// Only incidents with a late acknowledgement, update or action item (applied to the page).
    #[serde(default)]
    pub overdue: bool,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u64>,
    /// The next page: incidents older than this id (the previous page's `next`).
    pub before: Option<String>,
}

/// One incident in a list: its listing row (id, title, severity, status, times, …) and clocks.
#[derive(Debug, Serialize, ToSchema)]
pub struct Row {
    /// The listing row.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub summary: Summary,
    /// Its clocks now.
    #[schema(value_type = Object)]
    pub clocks: Clocks,
}

/// A page of incidents.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page {
    /// Newest first.
    pub items: Vec<Row>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// A weak ETag over a response's bytes; `If-None-Match` with it gets a 304.
pub fn etag_of(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!("W/\"{}\"", hex::encode(&digest[..12]))
}

/// A JSON response with an ETag, or 304 when the client has it already.
pub fn tagged_json(headers: &HeaderMap, value: &impl Serialize) -> Result<Response, ApiError> {
    let body = serde_json::to_vec(value).map_err(ApiError::internal)?;
    let tag = etag_of(&body);
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if fresh {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response());
    }
    Ok((
        [
            (header::ETAG, tag),
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::CACHE_CONTROL, "no-cache".to_string()),
        ],
        body,
    )
        .into_response())
}

/// Reads one page of the list (shared with the dashboard).
pub async fn page(state: &AppState, q: &ListQuery) -> Result<Page, ApiError> {
    let policy = &state.service.config().policy;
    let limit = q.limit.unwrap_or(PAGE_DEFAULT);
    if limit == 0 || limit > PAGE_MAX {
        return Err(ApiError::bad_request(format!(
            "limit must be between 1 and {PAGE_MAX}, not {limit}"
        )));
    }
    let severity = match &q.severity {
        Some(s) => Some(policy.level(s).map_err(ApiError::from)?.name.clone()),
        None => None,
    };
    let before = match &q.before {
        Some(b) => Some(b.parse().map_err(|e: firebreak_core::id::BadId| {
            ApiError::bad_request(format!("before: {e}"))
        })?),
        None => None,
    };
    let filter = ListFilter {
        open: q.open,
        status: q.status,
        severity,
        before,
        limit: Some(limit + 1),
    };
    let mut summaries = state.service.store().list(&filter).await?;
    let more = summaries.len() as u64 > limit;
    summaries.truncate(limit as usize);
    let next = more
        .then(|| summaries.last().map(|s| s.id.to_string()))
        .flatten();
    let now = Timestamp::now();
    let items = summaries
        .into_iter()
        .map(|summary| Row {
            clocks: Clocks::of(&summary, policy, now),
            summary,
        })
        .filter(|r| !q.overdue || r.clocks.overdue())
        .collect();
    Ok(Page { items, next })
}

/// Lists incidents, newest first, one page at a time. Send the last response's `ETag` as
/// `If-None-Match` to poll cheaply (304 until something changes).
#[utoipa::path(
    get,
    path = "/api/v1/incidents",
    tag = "incidents",
    params(ListQuery),
    extensions(("x-permission" = json!("read"))),
    responses(
        (status = 200, description = "A page of incidents", body = Page),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
async fn list(
    _: Allowed<need::Read>,
    State(state): State<AppState>,
    headers: HeaderMap,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Response, ApiError> {
    let page = page(&state, &q).await?;
    tagged_json(&headers, &page)
}

/// What declaring takes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclareBody {
    /// One line saying what is wrong.
    pub title: String,
    /// Severity level from the policy.
    pub severity: String,
    /// More detail.
    pub summary: Option<String>,
    /// Who commands the response.
    pub commander: Option<String>,
    /// When the trouble began (RFC 3339; default now).
    pub started_at: Option<Timestamp>,
    /// When it was noticed (RFC 3339; default now).
    pub detected_at: Option<Timestamp>,
}

/// An incident with its clocks.
#[derive(Debug, Serialize, ToSchema)]
pub struct Detail {
    /// The incident as its events make it.
    #[schema(value_type = Object)]
    pub incident: Incident,
    /// Its clocks now.
    #[schema(value_type = Object)]
    pub clocks: Clocks,
}

impl Detail {
    /// `incident` with its clocks under the service's policy.
    pub fn of(state: &AppState, incident: Incident) -> Self {
        let clocks = clocks_now(state, &incident);
        Self { incident, clocks }
    }
}

/// An incident's clocks now, under the service's policy.
pub(super) fn clocks_now(state: &AppState, incident: &Incident) -> Clocks {
    Clocks::of(
        &Summary::from(incident),
        &state.service.config().policy,
        Timestamp::now(),
    )
}

/// Declares an incident, recorded in the caller's name.
#[utoipa::path(
    post,
    path = "/api/v1/incidents",
    tag = "incidents",
    request_body = DeclareBody,
    extensions(("x-permission" = json!("declare"))),
    responses(
        (status = 201, description = "Declared", body = Detail),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
async fn declare(
    Allowed(caller, _): Allowed<need::Declare>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<DeclareBody>,
) -> Result<(StatusCode, Json<Detail>), ApiError> {
    let now = Timestamp::now();
    let request = Declaration {
        title: &body.title,
        summary: body.summary.as_deref(),
        severity: &body.severity,
        started_at: body.started_at,
        detected_at: body.detected_at,
        commander: body.commander.as_deref(),
        detection: None,
        now,
    };
    let incident = declare_as(&state, &caller, &request).await?;
    Ok((StatusCode::CREATED, Json(Detail::of(&state, incident))))
}

/// Declares an incident in the caller's name (the API and the dashboard's form): bad input is
/// refused before the database is touched; live views and metrics hear of it.
pub async fn declare_as(
    state: &AppState,
    caller: &Caller,
    request: &Declaration<'_>,
) -> Result<Incident, ApiError> {
    let service = state.service_for(caller);
    decide::declare(
        &service.config().policy,
        &service.config().checklists,
        request,
    )?;
    let recorded = service.declare(request).await?;
    state.recorded(&recorded);
    Ok(Arc::unwrap_or_clone(recorded.incident))
}

/// One incident with its clocks.
#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}",
    tag = "incidents",
    params(("id" = String, Path, description = "Incident id, e.g. INC-2026-11-23-001")),
    extensions(("x-permission" = json!("read"))),
    responses(
        (status = 200, description = "The incident", body = Detail),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = "4XX", description = "Refused or not found", body = ErrorBody),
    )
)]
async fn show(
    _: Allowed<need::Read>,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = incident_id(&id)?;
    let (incident, _) = state.service.incident(&id).await?;
    tagged_json(&headers, &Detail::of(&state, incident))
}

/// One event as the timeline shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Entry {
    /// Position in the chain, from 1.
    pub seq: u64,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: String,
    /// Event kind.
    pub kind: String,
    /// One line describing it.
    pub what: String,
    /// The event's recorded payload.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// The event's hash.
    pub hash: String,
}

impl From<&Event> for Entry {
    fn from(e: &Event) -> Self {
        Entry {
            seq: e.seq,
            at: e.at,
            actor: e.actor.clone(),
            kind: e.kind.clone(),
            what: e
                .change()
                .map(|c| c.describe())
                .unwrap_or_else(|_| e.kind.clone()),
            payload: serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null),
            hash: e.hash.to_string(),
        }
    }
}

/// An incident's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    /// The incident.
    #[schema(value_type = String)]
    pub incident: firebreak_core::IncidentId,
    /// Its events, oldest first.
    pub events: Vec<Entry>,
}

/// Every event of an incident, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}/timeline",
    tag = "incidents",
    params(("id" = String, Path, description = "Incident id")),
    extensions(("x-permission" = json!("read"))),
    responses(
        (status = 200, description = "The timeline", body = Timeline),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = "4XX", description = "Refused or not found", body = ErrorBody),
    )
)]
async fn timeline(
    _: Allowed<need::Read>,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = incident_id(&id)?;
    let (_, events) = state.service.incident(&id).await?;
    let timeline = Timeline {
        incident: id,
        events: events.iter().map(Entry::from).collect(),
    };
    tagged_json(&headers, &timeline)
}
