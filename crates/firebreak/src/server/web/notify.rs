//! The incident page's "Tell people" form: choose a template, a contact or team (or the
//! chain) and an optional message, preview exactly what each recipient gets, then send. Both
//! steps post plainly (no script needed) and go through the API's own code
//! (`api::notifications`), so the roles are the API's: anyone who reads may preview, sending
//! needs `work`, and the external (customer) template needs `notify-externally`.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::failure::{Asked, Failure, Web};
use super::forms::{FormBody, settle};
use super::pages;
use crate::notify::compose::{self, Preview};
use crate::server::api::incident_id;
use crate::server::api::notifications::{self, Compose};
use crate::server::auth::{Allowed, need};
use crate::server::state::AppState;

/// What the form offers and, after a preview, what it shows.
#[derive(Debug, Default, Serialize)]
pub struct ComposeView {
    /// Whether any contact is configured (the form is offered only then).
    pub contacts: bool,
    /// Template names.
    pub templates: Vec<String>,
    /// Contact and team names.
    pub recipients: Vec<String>,
    /// Why the templates could not be read, if they could not.
    pub trouble: Option<String>,
    /// What was typed (`template`, `to`, `message`), to fill the form again.
    pub typed: BTreeMap<&'static str, String>,
    /// Each recipient's copy, after a preview.
    pub preview: Option<Vec<Preview>>,
}

impl ComposeView {
    /// The form for `state`'s config: empty when no contact is configured.
    pub fn of(state: &AppState) -> Self {
        let config = state.service.config();
        let directory = &config.notify.directory;
        if directory.contacts().next().is_none() {
            return Self::default();
        }
        let (templates, trouble) = match compose::templates(state.service.data_dir()) {
            Ok(t) => (t.names().keys().cloned().collect(), None),
            Err(e) => (Vec::new(), Some(crate::cli::one_line(&e))),
        };
        Self {
            contacts: true,
            templates,
            recipients: directory
                .contacts()
                .map(|c| c.name.clone())
                .chain(directory.teams().map(|t| t.name.clone()))
                .collect(),
            trouble,
            typed: BTreeMap::new(),
            preview: None,
        }
    }
}

/// The form as posted; an empty recipient means the chain's `declare` list.
#[derive(Debug, Deserialize)]
pub struct NotifyForm {
    /// Template name (`internal` when not given).
    pub template: Option<String>,
    /// A contact or team name.
    pub to: Option<String>,
    /// Free text.
    pub message: Option<String>,
}

impl NotifyForm {
    fn compose(&self) -> Compose {
        let given = |f: &Option<String>| {
            f.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        Compose {
            template: given(&self.template),
            to: given(&self.to).into_iter().collect(),
            message: given(&self.message),
        }
    }

    fn typed(&self) -> [(&'static str, &str); 3] {
        [
            ("template", self.template.as_deref().unwrap_or_default()),
            ("to", self.to.as_deref().unwrap_or_default()),
            ("message", self.message.as_deref().unwrap_or_default()),
        ]
    }
}

/// `POST /incidents/{id}/notifications/preview`: the incident page with each recipient's copy
/// under the form, which keeps what was typed; nothing is queued.
pub async fn preview(
    Web(Allowed(caller, _)): Web<Allowed<need::Read>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    asked: Asked,
    FormBody(form): FormBody<NotifyForm>,
) -> Result<Response, Failure> {
    let previewed = notifications::composed(&state, &caller, &id, &form.compose()).await;
    let (_, composed) = match previewed {
        Ok(c) => c,
        Err(e) => {
            return settle(
                &state,
                &caller,
                &id,
                asked,
                Err(e),
                Some("notify"),
                &form.typed(),
            )
            .await;
        }
    };
    let incident = incident_id(&id)?;
    let mut ctx = pages::incident_page(&state, &caller, &incident, asked.timeline).await?;
    ctx.compose.typed = form
        .typed()
        .iter()
        .map(|&(k, v)| (k, v.to_string()))
        .collect();
    ctx.compose.preview = Some(composed.into_iter().map(|(_, p)| p).collect());
    Ok(state.pages.html(StatusCode::OK, "incident.html", &ctx))
}

/// `POST /incidents/{id}/notifications`: queues the message for each recipient and goes back to
/// the page, where the log shows it being delivered.
pub async fn send(
    Web(Allowed(caller, _)): Web<Allowed<need::Work>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    asked: Asked,
    FormBody(form): FormBody<NotifyForm>,
) -> Result<Response, Failure> {
    let outcome = notifications::queue(&state, &caller, &id, &form.compose())
        .await
        .map(|_| ());
    settle(
        &state,
        &caller,
        &id,
        asked,
        outcome,
        Some("notify"),
        &form.typed(),
    )
    .await
}
