//! The dashboard's forms: declare, acknowledge, status, reopen, severity, roles, notes, checklist
//! ticks, action items. Each is routed through [`super::csrf::post`], takes an `Allowed` for its
//! permission, and records through `api::changes::record` (the same decisions, feed and metrics
//! as the API). On success a plain form goes back to the incident page (303); an htmx request
//! gets the incident's live fragment. A plain form the server refuses gets the incident page
//! again with the reason beside the form and what was typed still in it (an htmx form keeps
//! its text in the browser, and `app.js` shows the reason).

use axum::extract::{FromRequest, Path, Request, State};
use axum::response::{IntoResponse as _, Redirect, Response};
use firebreak_core::Status;
use firebreak_core::decide::{self, Declaration};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::failure::{Asked, Failure, Web, is_htmx};
use super::pages::{self, Refused};
use crate::server::api::changes::record;
use crate::server::api::incident_id;
use crate::server::api::incidents;
use crate::server::auth::{Allowed, Caller, need};
use crate::server::error::{ApiError, Code};
use crate::server::state::AppState;

/// A form body (`application/x-www-form-urlencoded`), refused as a page when it is not one or
/// lacks a field.
#[derive(Debug)]
pub struct FormBody<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for FormBody<T> {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Failure> {
        let htmx = is_htmx(req.headers());
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(FormBody(v)),
            Err(e) => {
                let error = match e.status().as_u16() {
                    413 => {
                        ApiError::new(Code::TooLarge, "the form is larger than the server accepts")
                    }
                    415 => ApiError::new(
                        Code::UnsupportedMediaType,
                        "send the form as application/x-www-form-urlencoded",
                    ),
                    _ => ApiError::new(
                        Code::Invalid,
                        format!(
                            "the form is missing a field or has a wrong value: {}",
                            e.body_text()
                        ),
                    ),
                };
                Err(Failure {
                    error,
                    htmx,
                    next: None,
                })
            }
        }
    }
}

/// A form field left empty counts as not given.
fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// What follows a recorded change: the incident page again, or its fragment for htmx.
async fn changed(
    state: &AppState,
    caller: &Caller,
    id: &str,
    asked: Asked,
) -> Result<Response, Failure> {
    let id = incident_id(id)?;
    if asked.htmx {
        return pages::live_fragment(state, caller, &id, asked.timeline).await;
    }
    Ok(Redirect::to(&format!("/incidents/{id}")).into_response())
}

/// What follows a form with `outcome`: on success, as [`changed`]; on a refusal of a plain
/// form, incident `id`'s page again with the reason beside form `form` holding `typed`.
/// When the page itself cannot be shown (no such incident), the refusal is shown as it is.
pub(super) async fn settle(
    state: &AppState,
    caller: &Caller,
    id: &str,
    asked: Asked,
    outcome: Result<(), ApiError>,
    form: Option<&'static str>,
    typed: &[(&'static str, &str)],
) -> Result<Response, Failure> {
    let error = match outcome {
        Ok(()) => return changed(state, caller, id, asked).await,
        Err(error) => error,
    };
    let Ok(incident) = incident_id(id) else {
        return Err(error.into());
    };
    if asked.htmx || error.code == Code::Unauthenticated {
        return Err(Failure {
            error,
            htmx: asked.htmx,
            next: None,
        });
    }
    let refused = Refused {
        form,
        message: error.message.clone(),
        typed: typed.iter().map(|&(k, v)| (k, v.to_string())).collect(),
    };
    pages::refused_page(
        state,
        caller,
        &incident,
        asked,
        error.code.status(),
        refused,
    )
    .await
    .map_err(|_| Failure::from(error))
}

/// The declare form.
#[derive(Debug, Deserialize)]
pub struct DeclareForm {
    /// What is wrong.
    pub title: String,
    /// A level of the policy.
    pub severity: String,
    /// More detail.
    pub summary: Option<String>,
    /// Who commands the response.
    pub commander: Option<String>,
}

/// `POST /incidents`: declares an incident and opens its page.
pub async fn declare(
    Web(Allowed(caller, _)): Web<Allowed<need::Declare>>,
    State(state): State<AppState>,
    FormBody(form): FormBody<DeclareForm>,
) -> Result<Response, Failure> {
    let request = Declaration {
        title: form.title.trim(),
        summary: given(&form.summary),
        severity: form.severity.trim(),
        started_at: None,
        detected_at: None,
        commander: given(&form.commander),
        detection: None,
        now: Timestamp::now(),
    };
    let incident = incidents::declare_as(&state, &caller, &request).await?;
    Ok(Redirect::to(&format!("/incidents/{}", incident.id)).into_response())
}

/// `POST /incidents/{id}/ack`.
pub async fn ack(
    Web(Allowed(caller, _)): Web<Allowed<need::Work>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    asked: Asked,
) -> Result<Response, Failure> {
    let outcome = record(&state, &caller, &id, decide::acknowledge).await;
    settle(&state, &caller, &id, asked, outcome.map(drop), None, &[]).await
}

/// The status form.
#[derive(Debug, Deserialize)]
pub struct StatusForm {
    /// contained, resolved or closed.
    pub status: String,
    /// Why.
    pub reason: Option<String>,
}

/// `POST /incidents/{id}/status`.
pub async fn status(
    Web(Allowed(caller, _)): Web<Allowed<need::Steer>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    asked: Asked,
    FormBody(form): FormBody<StatusForm>,
) -> Result<Response, Failure> {
    let reason = given(&form.reason);
    let policy = state.service.config().policy.clone();
    let outcome = async {
        let to: Status = form
            .status
            .parse()
            .map_err(|e: firebreak_core::status::BadStatus| {
                ApiError::new(Code::Invalid, e.to_string())
            })?;
        record(&state, &caller, &id, |i| {
            decide::set_status(i, &policy, to, reason)
        })
        .await
        .map(drop)
    }
    .await;
    let typed = [
        ("status", form.status.as_str()),
        ("reason", form.reason.as_deref().unwrap_or_default()),
    ];
    settle(&state, &caller, &id, asked, outcome, Some("status"), &typed).await
}

/// The reopen form.
#[derive(Debug, Deserialize)]
pub struct ReopenForm {
    /// Why.
    pub reason: String,
}

/// `POST /incidents/{id}/reopen`.
pub async fn reopen(
    Web(Allowed(caller, _)): Web<Allowed<need::Steer>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    asked: Asked,
    FormBody(form): FormBody<ReopenForm>,
) -> Result<Response, Failure> {
    let reason = form.reason.trim();
    let outcome = record(&state, &caller, &id, |i| decide::reopen(i, reason)).await;
    let typed = [("reason", form.reason.as_str())];
    settle(
        &state,
        &caller,
        &id,
        asked,
        outcome.map(drop),
        Some("reopen"),
        &typed,
    )
    .await
}

/// The severity form.
#[derive(Debug, Deserialize)]
pub struct SeverityForm {
    /// A level of the policy.
    pub severity: String,
    /// Why.
    pub reason: Option<String>,
}

/// `POST /incidents/{id}/severity`.
pub async fn severity(
    Web(Allowed(caller, _)): Web<Allowed<need::Steer>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    asked: Asked,
    FormBody(form): FormBody<SeverityForm>,
) -> Result<Response, Failure> {
    let policy = state.service.config().policy.clone();
    let reason = given(&form.reason);
    let outcome = record(&state, &caller, &id, |i| {
        decide::set_severity(i, &policy, form.severity.trim(), reason)
    })
    .await;
    let typed = [
        ("severity", form.severity.as_str()),
        ("reason", form.reason.as_deref().unwrap_or_default()),
    ];
    settle(
        &state,
        &caller,
        &id,
        asked,
        outcome.map(drop),
        Some("severity"),
        &typed,
    )
    .await
}

/// The role form.
#[derive(Debug, Deserialize)]
pub struct RoleForm {
    /// commander, first-responder, communications, or another role name.
    pub role: String,
    /// Who takes it.
    pub person: String,
}

/// `POST /incidents/{id}/roles`.
pub async fn assign(
    Web(Allowed(caller, _)): Web<Allowed<need::Steer>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    asked: Asked,
    FormBody(form): FormBody<RoleForm>,
) -> Result<Response, Failure> {
    let person = form.person.trim();
    let outcome = async {
        let role = decide::role_name(form.role.trim()).map_err(ApiError::from)?;
        record(&state, &caller, &id, |i| decide::assign(i, &role, person))
            .await
            .map(drop)
    }
    .await;
    let typed = [
        ("role", form.role.as_str()),
        ("person", form.person.as_str()),
    ];
    settle(&state, &caller, &id, asked, outcome, Some("role"), &typed).await
}

/// The note form.
#[derive(Debug, Deserialize)]
pub struct NoteForm {
    /// The note.
    pub text: String,
}

/// `POST /incidents/{id}/notes`.
pub async fn note(
    Web(Allowed(caller, _)): Web<Allowed<need::Work>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    asked: Asked,
    FormBody(form): FormBody<NoteForm>,
) -> Result<Response, Failure> {
    let outcome = record(&state, &caller, &id, |i| decide::note(i, form.text.trim())).await;
    let typed = [("text", form.text.as_str())];
    settle(
        &state,
        &caller,
        &id,
        asked,
        outcome.map(drop),
        Some("note"),
        &typed,
    )
    .await
}

/// A checklist tick (or untick).
#[derive(Debug, Deserialize)]
pub struct TickForm {
    /// The list's short name.
    pub list: String,
    /// The item's number, from 1.
    pub item: usize,
    /// Ticked (`true`) or not.
    pub done: bool,
}

/// `POST /incidents/{id}/tick`.
pub async fn tick(
    Web(Allowed(caller, _)): Web<Allowed<need::Work>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    asked: Asked,
    FormBody(form): FormBody<TickForm>,
) -> Result<Response, Failure> {
    let outcome = record(&state, &caller, &id, |i| {
        decide::tick(i, &form.list, form.item, form.done)
    })
    .await;
    settle(&state, &caller, &id, asked, outcome.map(drop), None, &[]).await
}

/// The new action item form.
#[derive(Debug, Deserialize)]
pub struct ActionForm {
    /// What is to be done.
    pub text: String,
    /// Who owns it.
    pub owner: Option<String>,
    /// When it is due (YYYY-MM-DD).
    pub due: Option<String>,
}

/// `POST /incidents/{id}/actions`.
pub async fn add_action(
    Web(Allowed(caller, _)): Web<Allowed<need::Work>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    asked: Asked,
    FormBody(form): FormBody<ActionForm>,
) -> Result<Response, Failure> {
    let owner = given(&form.owner);
    let outcome = async {
        let due: Option<Date> = match given(&form.due) {
            Some(d) => Some(d.parse().map_err(|_| {
                ApiError::new(
                    Code::Invalid,
                    format!("due date {d:?} is not a date like 2026-12-01"),
                )
            })?),
            None => None,
        };
        record(&state, &caller, &id, |i| {
            decide::add_action(i, form.text.trim(), owner, due)
        })
        .await
        .map(drop)
    }
    .await;
    let typed = [
        ("text", form.text.as_str()),
        ("owner", form.owner.as_deref().unwrap_or_default()),
        ("due", form.due.as_deref().unwrap_or_default()),
    ];
    settle(&state, &caller, &id, asked, outcome, Some("action"), &typed).await
}

/// Finishing an action item.
#[derive(Debug, Deserialize)]
pub struct FinishForm {
    /// The item's number.
    pub number: u32,
}

/// `POST /incidents/{id}/actions/done`.
pub async fn finish_action(
    Web(Allowed(caller, _)): Web<Allowed<need::Work>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    asked: Asked,
    FormBody(form): FormBody<FinishForm>,
) -> Result<Response, Failure> {
    let outcome = record(&state, &caller, &id, |i| {
        decide::finish_action(i, form.number)
    })
    .await;
    settle(&state, &caller, &id, asked, outcome.map(drop), None, &[]).await
}
