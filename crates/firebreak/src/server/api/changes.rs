//! Changes to one incident: acknowledge, status, reopen, severity, roles, notes, checklist
//! ticks, action items. Each is one `decide` function recorded through the service, in the
//! caller's name; the response is the incident as it now is (without its notes, evidence
//! items and findings, which are counted: see [`Current`]) and its clocks, plus the events
//! recorded.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use firebreak_core::clock::Clocks;
use firebreak_core::journal::Event;
use firebreak_core::{Change, DomainError, Incident, Status, decide};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::current::Current;
use super::incidents::{Entry, clocks_now};
use super::{JsonBody, incident_id};
use crate::server::auth::{Allowed, Caller, need};
use crate::server::error::{ApiError, ErrorBody};
use crate::server::state::AppState;

/// The routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ack))
        .routes(routes!(status))
        .routes(routes!(reopen))
        .routes(routes!(severity))
        .routes(routes!(assign))
        .routes(routes!(note))
        .routes(routes!(tick, untick))
        .routes(routes!(add_action))
        .routes(routes!(finish_action))
}

/// What a change returns.
#[derive(Debug, Serialize, ToSchema)]
pub struct Changed {
    /// The incident after the change, without its notes, evidence items and findings, which
    /// are counted (`note_count`, `evidence_item_count`, `detection_count`);
    /// `GET /api/v1/incidents/{id}` lists them.
    #[schema(value_type = Object)]
    pub incident: Current,
    /// Its clocks now.
    #[schema(value_type = Object)]
    pub clocks: Clocks,
    /// The events recorded.
    pub recorded: Vec<Entry>,
}

/// Records what `decide` makes of incident `id` in the caller's name (shared with the
/// dashboard's forms).
pub async fn record(
    state: &AppState,
    caller: &Caller,
    id: &str,
    decide: impl Fn(&Incident) -> Result<Vec<Change>, DomainError>,
) -> Result<(Arc<Incident>, Vec<Event>), ApiError> {
    let id = incident_id(id)?;
    let recorded = state.service_for(caller).change(&id, decide).await?;
    state.recorded(&recorded);
    Ok((recorded.incident, recorded.events))
}

/// Records what `decide` makes of incident `id` and answers with the incident and the events
/// (shared with the review's routes).
pub(super) async fn respond(
    state: &AppState,
    caller: &Caller,
    id: &str,
    decide: impl Fn(&Incident) -> Result<Vec<Change>, DomainError>,
) -> Result<Json<Changed>, ApiError> {
    let (incident, events) = record(state, caller, id, decide).await?;
    let clocks = clocks_now(state, &incident);
    Ok(Json(Changed {
        incident: Current(incident),
        clocks,
        recorded: events.iter().map(Entry::from).collect(),
    }))
}

/// Acknowledges the incident.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/ack",
    tag = "changes",
    params(("id" = String, Path, description = "Incident id")),
    extensions(("x-permission" = json!("work"))),
    responses(
        (status = 200, description = "The incident after the change, and the events recorded", body = Changed),
        (status = "4XX", description = "Refused, not found, or in conflict with the incident's state", body = ErrorBody),
    )
)]
async fn ack(
    Allowed(caller, _): Allowed<need::Work>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Changed>, ApiError> {
    respond(&state, &caller, &id, decide::acknowledge).await
}

/// A new status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// contained, resolved or closed.
    #[schema(value_type = String)]
    pub status: Status,
    /// Why (recorded on the timeline).
    pub reason: Option<String>,
}

/// Moves the incident to another status.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/status",
    tag = "changes",
    params(("id" = String, Path, description = "Incident id")),
    request_body = StatusBody,
    extensions(("x-permission" = json!("steer"))),
    responses(
        (status = 200, description = "The incident after the change, and the events recorded", body = Changed),
        (status = "4XX", description = "Refused, not found, or in conflict with the incident's state", body = ErrorBody),
    )
)]
async fn status(
    Allowed(caller, _): Allowed<need::Steer>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<StatusBody>,
) -> Result<Json<Changed>, ApiError> {
    let policy = state.service.config().policy.clone();
    respond(&state, &caller, &id, |i| {
        decide::set_status(i, &policy, body.status, body.reason.as_deref())
    })
    .await
}

/// Why an incident is reopened.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenBody {
    /// Why.
    pub reason: String,
}

/// Reopens a resolved or closed incident.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/reopen",
    tag = "changes",
    params(("id" = String, Path, description = "Incident id")),
    request_body = ReopenBody,
    extensions(("x-permission" = json!("steer"))),
    responses(
        (status = 200, description = "The incident after the change, and the events recorded", body = Changed),
        (status = "4XX", description = "Refused, not found, or in conflict with the incident's state", body = ErrorBody),
    )
)]
async fn reopen(
    Allowed(caller, _): Allowed<need::Steer>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReopenBody>,
) -> Result<Json<Changed>, ApiError> {
    respond(&state, &caller, &id, |i| decide::reopen(i, &body.reason)).await
}

/// A new severity.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityBody {
    /// A level of the policy.
    pub severity: String,
    /// Why.
    pub reason: Option<String>,
}

/// Changes the severity.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/severity",
    tag = "changes",
    params(("id" = String, Path, description = "Incident id")),
    request_body = SeverityBody,
    extensions(("x-permission" = json!("steer"))),
    responses(
        (status = 200, description = "The incident after the change, and the events recorded", body = Changed),
        (status = "4XX", description = "Refused, not found, or in conflict with the incident's state", body = ErrorBody),
    )
)]
async fn severity(
    Allowed(caller, _): Allowed<need::Steer>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SeverityBody>,
) -> Result<Json<Changed>, ApiError> {
    let policy = state.service.config().policy.clone();
    respond(&state, &caller, &id, |i| {
        decide::set_severity(i, &policy, &body.severity, body.reason.as_deref())
    })
    .await
}

/// A role and who takes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    /// commander, first-responder, communications, or any role name.
    pub role: String,
    /// Who takes it.
    pub person: String,
}

/// Assigns a role (commander, communications, …) to a person.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/roles",
    tag = "changes",
    params(("id" = String, Path, description = "Incident id")),
    request_body = RoleBody,
    extensions(("x-permission" = json!("steer"))),
    responses(
        (status = 200, description = "The incident after the change, and the events recorded", body = Changed),
        (status = "4XX", description = "Refused, not found, or in conflict with the incident's state", body = ErrorBody),
    )
)]
async fn assign(
    Allowed(caller, _): Allowed<need::Steer>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RoleBody>,
) -> Result<Json<Changed>, ApiError> {
    decide::role_name(&body.role)?;
    respond(&state, &caller, &id, |i| {
        decide::assign(i, &body.role, &body.person)
    })
    .await
}

/// A note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// The note.
    pub text: String,
}

/// Adds a note to the timeline.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/notes",
    tag = "changes",
    params(("id" = String, Path, description = "Incident id")),
    request_body = NoteBody,
    extensions(("x-permission" = json!("work"))),
    responses(
        (status = 200, description = "The incident after the change, and the events recorded", body = Changed),
        (status = "4XX", description = "Refused, not found, or in conflict with the incident's state", body = ErrorBody),
    )
)]
async fn note(
    Allowed(caller, _): Allowed<need::Work>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NoteBody>,
) -> Result<Json<Changed>, ApiError> {
    respond(&state, &caller, &id, |i| decide::note(i, &body.text)).await
}

async fn set_tick(
    state: &AppState,
    caller: &Caller,
    (id, list, item): (String, String, String),
    done: bool,
) -> Result<Json<Changed>, ApiError> {
    let item: usize = item.parse().map_err(|_| {
        ApiError::not_found(format!(
            "no checklist item {item:?}; items are numbered from 1"
        ))
    })?;
    respond(state, caller, &id, |i| decide::tick(i, &list, item, done)).await
}

/// Ticks a checklist item.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/checklists/{list}/{item}",
    tag = "changes",
    params(("id" = String, Path, description = "Incident id"), ("list" = String, Path, description = "Checklist name"), ("item" = usize, Path, description = "Item number, from 1")),
    extensions(("x-permission" = json!("work"))),
    responses(
        (status = 200, description = "The incident after the change, and the events recorded", body = Changed),
        (status = "4XX", description = "Refused, not found, or in conflict with the incident's state", body = ErrorBody),
    )
)]
async fn tick(
    Allowed(caller, _): Allowed<need::Work>,
    State(state): State<AppState>,
    Path(path): Path<(String, String, String)>,
) -> Result<Json<Changed>, ApiError> {
    set_tick(&state, &caller, path, true).await
}

/// Unticks a checklist item.
#[utoipa::path(
    delete,
    path = "/api/v1/incidents/{id}/checklists/{list}/{item}",
    tag = "changes",
    params(("id" = String, Path, description = "Incident id"), ("list" = String, Path, description = "Checklist name"), ("item" = usize, Path, description = "Item number, from 1")),
    extensions(("x-permission" = json!("work"))),
    responses(
        (status = 200, description = "The incident after the change, and the events recorded", body = Changed),
        (status = "4XX", description = "Refused, not found, or in conflict with the incident's state", body = ErrorBody),
    )
)]
async fn untick(
    Allowed(caller, _): Allowed<need::Work>,
    State(state): State<AppState>,
    Path(path): Path<(String, String, String)>,
) -> Result<Json<Changed>, ApiError> {
    set_tick(&state, &caller, path, false).await
}

/// A new action item.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// What is to be done.
    pub text: String,
    /// Who owns it.
    pub owner: Option<String>,
    /// When it is due (YYYY-MM-DD).
    pub due: Option<Date>,
}

/// Adds an action item.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/actions",
    tag = "changes",
    params(("id" = String, Path, description = "Incident id")),
    request_body = ActionBody,
    extensions(("x-permission" = json!("work"))),
    responses(
        (status = 200, description = "The incident after the change, and the events recorded", body = Changed),
        (status = "4XX", description = "Refused, not found, or in conflict with the incident's state", body = ErrorBody),
    )
)]
async fn add_action(
    Allowed(caller, _): Allowed<need::Work>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ActionBody>,
) -> Result<Json<Changed>, ApiError> {
    respond(&state, &caller, &id, |i| {
        decide::add_action(i, &body.text, body.owner.as_deref(), body.due)
    })
    .await
}

/// Marks an action item done.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/actions/{number}/done",
    tag = "changes",
    params(("id" = String, Path, description = "Incident id"), ("number" = u32, Path, description = "Action item number")),
    extensions(("x-permission" = json!("work"))),
    responses(
        (status = 200, description = "The incident after the change, and the events recorded", body = Changed),
        (status = "4XX", description = "Refused, not found, or in conflict with the incident's state", body = ErrorBody),
    )
)]
async fn finish_action(
    Allowed(caller, _): Allowed<need::Work>,
    State(state): State<AppState>,
    Path((id, number)): Path<(String, String)>,
) -> Result<Json<Changed>, ApiError> {
    let number: u32 = number
        .parse()
        .map_err(|_| ApiError::not_found(format!("no action item {number:?}")))?;
    respond(&state, &caller, &id, |i| decide::finish_action(i, number)).await
}
