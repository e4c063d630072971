//! Notifications over the API: the incident's notification log with the update clock, a preview
//! of what each recipient would get, and sending. Recipients are named (contacts or teams from
//! the config); no destination, URL or credential is ever taken from a request. Sending needs
//! `work`; sending with the `external` template (what customers read) needs
//! `notify-externally`, a commander's permission.

use axum::Json;
use axum::extract::{Path, State};
use firebreak_core::access::Permission;
use firebreak_core::clock::Clocks;
use firebreak_core::notify::{self, Outbox, Reason};
use firebreak_core::summary::Summary;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{JsonBody, incident_id};
use crate::notify::compose::{self, Preview, Request};
use crate::server::auth::{Allowed, Caller, need};
use crate::server::error::{ApiError, ErrorBody};
use crate::server::state::AppState;

/// The template whose messages leave the team.
pub const EXTERNAL: &str = "external";

/// The routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, send))
        .routes(routes!(preview))
}

/// What to send.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Compose {
    /// Template name (`internal` when omitted).
    pub template: Option<String>,
    /// Contact or team names from the config; empty means the chain's `declare` list.
    #[serde(default)]
    pub to: Vec<String>,
    /// Free text for the template's `message`.
    pub message: Option<String>,
}

/// An incident's notifications and its update clock.
#[derive(Debug, Serialize, ToSchema)]
pub struct Log {
    /// Every message, oldest first, with its state (`queued`, `delivered`, `failed`) and tries.
    #[schema(value_type = Vec<Object>)]
    pub notifications: Vec<notify::OutboxEntry>,
    /// When the next stakeholder update is due, while the incident is open.
    pub update_due: Option<Timestamp>,
    /// Seconds until then (negative once overdue).
    pub update_due_in: Option<i64>,
}

/// What each recipient gets.
#[derive(Debug, Serialize, ToSchema)]
pub struct Previewed {
    /// One per recipient channel.
    #[schema(value_type = Vec<Object>)]
    pub messages: Vec<Preview>,
}

/// What sending did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Sent {
    /// The keys of the messages queued; delivery follows in the background (see the log).
    pub queued: Vec<String>,
}

fn check(caller: &Caller, c: &Compose) -> Result<(), ApiError> {
    if c.template.as_deref() == Some(EXTERNAL) {
        caller.require(Permission::NotifyExternally)?;
    }
    Ok(())
}

/// What `c` gives each recipient of incident `id`, as `caller` asks (shared with the
/// dashboard's preview).
pub async fn composed(
    state: &AppState,
    caller: &Caller,
    id: &str,
    c: &Compose,
) -> Result<(firebreak_core::IncidentId, Vec<(notify::Draft, Preview)>), ApiError> {
    let id = incident_id(id)?;
    let service = state.service_for(caller);
    let (incident, _) = service.incident(&id).await?;
    let templates = compose::templates(service.data_dir())
        .map_err(|e| ApiError::bad_request(crate::cli::one_line(&e)))?;
    let request = Request {
        to: &c.to,
        template: c.template.as_deref().unwrap_or("internal"),
        message: c.message.as_deref(),
        reason: Reason::Manual,
        sender: &caller.name,
    };
    let out = compose::compose(
        service.config(),
        &templates,
        &incident,
        &request,
        Timestamp::now(),
    )
    .map_err(|e| ApiError::bad_request(crate::cli::one_line(&e)))?;
    Ok((id, out))
}

/// The incident's notifications and when the next update is due.
#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}/notifications",
    tag = "notifications",
    params(("id" = String, Path, description = "Incident id")),
    extensions(("x-permission" = json!("read"))),
    responses(
        (status = 200, description = "The notification log", body = Log),
        (status = "4XX", description = "Not signed in, or no such incident", body = ErrorBody),
    )
)]
async fn list(
    _: Allowed<need::Read>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Log>, ApiError> {
    let (incident, events) = state.service.incident(&incident_id(&id)?).await?;
    let clocks = Clocks::of(
        &Summary::from(&incident),
        &state.service.config().policy,
        Timestamp::now(),
    );
    Ok(Json(Log {
        notifications: Outbox::from_events(&events).entries,
        update_due: clocks.update.map(|d| d.due),
        update_due_in: clocks.update.map(|d| d.left.as_secs()),
    }))
}

/// Exactly what each recipient would get; nothing is queued.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/notifications/preview",
    tag = "notifications",
    params(("id" = String, Path, description = "Incident id")),
    request_body = Compose,
    extensions(("x-permission" = json!("read"))),
    responses(
        (status = 200, description = "One message per recipient channel (destinations masked)", body = Previewed),
        (status = "4XX", description = "Unknown template or recipient, nobody to notify, no such incident", body = ErrorBody),
    )
)]
async fn preview(
    Allowed(caller, _): Allowed<need::Read>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(c): JsonBody<Compose>,
) -> Result<Json<Previewed>, ApiError> {
    let (_, out) = composed(&state, &caller, &id, &c).await?;
    Ok(Json(Previewed {
        messages: out.into_iter().map(|(_, p)| p).collect(),
    }))
}

/// Queues a notification for each recipient and delivers it in the background.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/notifications",
    tag = "notifications",
    params(("id" = String, Path, description = "Incident id")),
    request_body = Compose,
    extensions(("x-permission" = json!("work"))),
    responses(
        (status = 200, description = "Queued; see the log for delivery", body = Sent),
        (status = "4XX", description = "Not allowed (the external template needs notify-externally), unknown template or recipient, closed incident", body = ErrorBody),
    )
)]
async fn send(
    Allowed(caller, _): Allowed<need::Work>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(c): JsonBody<Compose>,
) -> Result<Json<Sent>, ApiError> {
    check(&caller, &c)?;
    let queued = queue(&state, &caller, &id, &c).await?;
    Ok(Json(Sent { queued }))
}

/// Queues `c` on incident `id` and starts delivering it (shared with the dashboard's form).
pub async fn queue(
    state: &AppState,
    caller: &Caller,
    id: &str,
    c: &Compose,
) -> Result<Vec<String>, ApiError> {
    check(caller, c)?;
    let (id, out) = composed(state, caller, id, c).await?;
    let drafts: Vec<_> = out.into_iter().map(|(d, _)| d).collect();
    let service = state.service_for(caller);
    let recorded = service.change(&id, |i| notify::queue(i, &drafts)).await?;
    state.recorded(&recorded);
    let keys = recorded
        .events
        .iter()
        .filter_map(|e| match e.change() {
            Ok(firebreak_core::Change::NotificationQueued(q)) => Some(q.key),
            _ => None,
        })
        .collect();
    Ok(keys)
}
