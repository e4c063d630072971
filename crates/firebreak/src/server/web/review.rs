//! The dashboard's review page: the review drafted from the journal (the same self-contained
//! document `firebreak review --html` writes, framed), its human sections as forms, and its
//! sign-off buttons. Decisions are `firebreak_core::decide`'s and recording goes through
//! `api::changes::record`, as for every other form; writing and submitting needs the work
//! permission, publishing and reopening the steer permission (a commander signs off).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Redirect, Response};
use firebreak_core::decide;
use firebreak_core::review::{self, Review};
use serde::{Deserialize, Serialize};

use super::failure::{Failure, Web};
use super::forms::FormBody;
use super::view::Frame;
use crate::server::api::changes::record;
use crate::server::api::incident_id;
use crate::server::api::review::section;
use crate::server::auth::{Allowed, Caller, need};
use crate::server::state::AppState;

#[derive(Serialize)]
struct ReviewPage {
    #[serde(flatten)]
    frame: Frame,
    r: Review,
}

/// `GET /incidents/{id}/review`: the review, with its forms.
pub async fn page(
    Web(Allowed(caller, _)): Web<Allowed<need::Read>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let drafted = state.service.review(&incident_id(&id)?).await?;
    let ctx = ReviewPage {
        frame: Frame::of(&caller),
        r: drafted,
    };
    Ok(state.pages.html(StatusCode::OK, "review.html", &ctx))
}

/// `GET /incidents/{id}/review/document`: the review as one self-contained page (framed by the
/// review page; also what "Open as a page" and printing use).
pub async fn document(
    Web(Allowed(_, _)): Web<Allowed<need::Read>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let drafted = state.service.review(&incident_id(&id)?).await?;
    Ok(super::standalone(review::html(&drafted)))
}

/// The section form.
#[derive(Debug, Deserialize)]
pub struct SectionForm {
    /// summary, impact, root-cause, …
    pub field: String,
    /// Its new text (empty clears it).
    pub text: String,
}

/// `POST /incidents/{id}/review/sections`: writes one section.
pub async fn write(
    Web(Allowed(caller, _)): Web<Allowed<need::Work>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    FormBody(form): FormBody<SectionForm>,
) -> Result<Response, Failure> {
    let field = section(&form.field)?;
    let text = form.text.replace("\r\n", "\n");
    let text = text.trim();
    change(&state, &caller, &id, |i| {
        decide::write_review(i, &[(field, text)])
    })
    .await
}

/// `POST /incidents/{id}/review/submit`: draft → in review.
pub async fn submit(
    Web(Allowed(caller, _)): Web<Allowed<need::Work>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    change(&state, &caller, &id, decide::submit_review).await
}

/// `POST /incidents/{id}/review/publish`: signs it off in the caller's name.
pub async fn publish(
    Web(Allowed(caller, _)): Web<Allowed<need::Steer>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    change(&state, &caller, &id, decide::publish_review).await
}

/// The reopen form.
#[derive(Debug, Deserialize)]
pub struct ReopenForm {
    /// Why (optional).
    pub reason: Option<String>,
}

/// `POST /incidents/{id}/review/reopen`: back to draft.
pub async fn reopen(
    Web(Allowed(caller, _)): Web<Allowed<need::Steer>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    FormBody(form): FormBody<ReopenForm>,
) -> Result<Response, Failure> {
    let policy = state.service.config().policy.clone();
    let reason = form
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    change(&state, &caller, &id, |i| {
        decide::reopen_review(i, &policy, reason)
    })
    .await
}

/// Records a review change and goes back to the review page.
async fn change(
    state: &AppState,
    caller: &Caller,
    id: &str,
    decide: impl Fn(
        &firebreak_core::Incident,
    ) -> Result<Vec<firebreak_core::Change>, firebreak_core::DomainError>,
) -> Result<Response, Failure> {
    let (incident, _) = record(state, caller, id, decide).await?;
    Ok(Redirect::to(&format!("/incidents/{}/review", incident.id)).into_response())
}
