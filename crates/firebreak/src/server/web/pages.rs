//! The dashboard's pages: the incident list (filters, paging, the declare form) and an
//! incident's page, each with a fragment URL that htmx fetches again when the change feed says
//! something changed. Lists are read with `api::incidents::page`, the same reader as the API.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use firebreak_core::IncidentId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::failure::{Asked, Failure, Web};
use super::notify::ComposeView;
use super::view::{self, Frame, IncidentView, ListRow, Sev, Strip};
use crate::server::api::incidents::{ListQuery, PAGE_MAX, page};
use crate::server::api::{QueryParams, incident_id};
use crate::server::auth::{Allowed, Caller, need};
use crate::server::error::ApiError;
use crate::server::state::AppState;

/// Incidents on one page of the list.
pub const LIST_PAGE: u64 = 50;

/// The list's filter form, as a browser sends it (empty fields are "any").
#[derive(Debug, Default, Deserialize)]
pub struct ListForm {
    /// `open` (the default) or `all`.
    pub show: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Only this severity.
    pub severity: Option<String>,
    /// Only incidents with something late (`true` when ticked).
    pub overdue: Option<String>,
    /// The page after this id.
    pub before: Option<String>,
}

fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ListForm {
    /// The filters that are set, as query parameters (for links and the live fragment).
    fn params(&self, with_before: bool) -> BTreeMap<&'static str, String> {
        let mut p = BTreeMap::new();
        if let Some(s) = given(&self.show) {
            p.insert("show", s.to_string());
        }
        if let Some(s) = given(&self.status) {
            p.insert("status", s.to_string());
        }
        if let Some(s) = given(&self.severity) {
            p.insert("severity", s.to_string());
        }
        if self.overdue() {
            p.insert("overdue", "true".to_string());
        }
        if with_before && let Some(b) = given(&self.before) {
            p.insert("before", b.to_string());
        }
        p
    }

    fn overdue(&self) -> bool {
        given(&self.overdue).is_some_and(|v| v != "false")
    }

    /// Whether this is a view of open incidents only, which is ordered by urgency.
    fn open_view(&self) -> bool {
        given(&self.status).is_none() && given(&self.show) != Some("all")
    }

    fn query(&self) -> Result<ListQuery, ApiError> {
        let status = match given(&self.status) {
            Some(s) => Some(s.parse().map_err(|e: firebreak_core::status::BadStatus| {
                ApiError::bad_request(e.to_string())
            })?),
            None => None,
        };
        Ok(ListQuery {
            // A chosen status says it all; otherwise open incidents unless asked for all.
            open: self.open_view(),
            status,
            severity: given(&self.severity).map(str::to_string),
            overdue: self.overdue(),
            // Open incidents are few and ordered by urgency, so they come on one page.
            limit: Some(if self.open_view() {
                PAGE_MAX
            } else {
                LIST_PAGE
            }),
            before: given(&self.before).map(str::to_string),
        })
    }
}

#[derive(Serialize)]
struct ListPage {
    #[serde(flatten)]
    frame: Frame,
    rows: Vec<ListRow>,
    /// What needs someone now, over the rows shown.
    strip: Strip,
    /// Whether the rows are in urgency order (open incidents) rather than newest first.
    by_urgency: bool,
    /// The filters as set (for the form and the fragment URL).
    filters: BTreeMap<&'static str, String>,
    /// Query of this page (for the fragment URL).
    here: BTreeMap<&'static str, String>,
    /// Query of the next page, if there is one.
    next: Option<BTreeMap<&'static str, String>>,
    /// Whether this is a later page.
    paged: bool,
    levels: Vec<Sev>,
    statuses: Vec<&'static str>,
}

async fn list_page(
    state: &AppState,
    caller: &Caller,
    form: &ListForm,
) -> Result<ListPage, Failure> {
    let mut page = page(state, &form.query()?).await?;
    let policy = &state.service.config().policy;
    let by_urgency = form.open_view();
    if by_urgency {
        let rank = |severity: &str| {
            policy
                .levels()
                .iter()
                .position(|l| l.name == severity)
                .unwrap_or(usize::MAX)
        };
        page.items.sort_by_cached_key(|r| {
            let urgency = r.clocks.urgency(rank(&r.summary.severity));
            (urgency, std::cmp::Reverse(r.summary.id))
        });
    }
    let now = Timestamp::now();
    let filters = form.params(false);
    let next = page.next.map(|before| {
        let mut q = filters.clone();
        q.insert("before", before);
        q
    });
    Ok(ListPage {
        frame: Frame::of(caller),
        rows: page
            .items
            .iter()
            .map(|r| ListRow::of(policy, r, now))
            .collect(),
        strip: Strip::of(policy, &page.items),
        by_urgency,
        here: form.params(true),
        paged: given(&form.before).is_some(),
        filters,
        next,
        levels: view::levels(policy),
        statuses: view::statuses(),
    })
}

/// `GET /`: the incident list.
pub async fn list(
    Web(Allowed(caller, _)): Web<Allowed<need::Read>>,
    Web(QueryParams(form)): Web<QueryParams<ListForm>>,
    State(state): State<AppState>,
) -> Result<Response, Failure> {
    let ctx = list_page(&state, &caller, &form).await?;
    Ok(state.pages.html(StatusCode::OK, "list.html", &ctx))
}

/// `GET /fragments/incidents`: the list's rows alone, for live refresh.
pub async fn list_fragment(
    Web(Allowed(caller, _)): Web<Allowed<need::Read>>,
    Web(QueryParams(form)): Web<QueryParams<ListForm>>,
    State(state): State<AppState>,
) -> Result<Response, Failure> {
    let ctx = list_page(&state, &caller, &form).await?;
    Ok(state.pages.html(StatusCode::OK, "list_rows.html", &ctx))
}

/// What the incident page is made from.
#[derive(Serialize)]
pub(super) struct IncidentPage {
    #[serde(flatten)]
    frame: Frame,
    i: IncidentView,
    levels: Vec<Sev>,
    roles: &'static [&'static str],
    /// A change the server just refused, shown beside its form with what was typed.
    refused: Option<Refused>,
    /// The "Tell people" form.
    pub(super) compose: ComposeView,
}

/// A form the server refused, for the page that shows it again: which form (the template
/// names them), why, and the fields as they were typed, so nothing has to be typed twice.
#[derive(Debug, Serialize)]
pub struct Refused {
    /// The form's name in the template (`note`, `action`, `status`, …); `None` for a button
    /// with nothing typed, whose reason is shown at the top of the page.
    pub form: Option<&'static str>,
    /// The server's reason.
    pub message: String,
    /// Field name → what was typed.
    pub typed: BTreeMap<&'static str, String>,
}

/// The incident page of `id` for `caller`, its timeline narrowed to group `timeline`.
pub(super) async fn incident_page(
    state: &AppState,
    caller: &Caller,
    id: &IncidentId,
    timeline: Option<&'static str>,
) -> Result<IncidentPage, Failure> {
    Ok(IncidentPage {
        frame: Frame::of(caller),
        i: view::incident(state, id, timeline).await?,
        levels: view::levels(&state.service.config().policy),
        roles: &firebreak_core::decide::ROLES,
        refused: None,
        compose: ComposeView::of(state),
    })
}

/// Incident `id`'s page again after a plain form was refused with `status`: the reason sits
/// beside the form, which holds what was typed.
pub async fn refused_page(
    state: &AppState,
    caller: &Caller,
    id: &IncidentId,
    asked: Asked,
    status: StatusCode,
    refused: Refused,
) -> Result<Response, Failure> {
    let mut ctx = incident_page(state, caller, id, asked.timeline).await?;
    ctx.refused = Some(refused);
    Ok(state.pages.html(status, "incident.html", &ctx))
}

/// `GET /incidents/{id}[?timeline=GROUP]`: one incident.
pub async fn incident(
    Web(Allowed(caller, _)): Web<Allowed<need::Read>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    asked: Asked,
) -> Result<Response, Failure> {
    let id = incident_id(&id)?;
    let ctx = incident_page(&state, &caller, &id, asked.timeline).await?;
    Ok(state.pages.html(StatusCode::OK, "incident.html", &ctx))
}

/// `GET /fragments/incidents/{id}[?timeline=GROUP]`: the live part of an incident's page.
pub async fn incident_fragment(
    Web(Allowed(caller, _)): Web<Allowed<need::Read>>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    asked: Asked,
) -> Result<Response, Failure> {
    let id = incident_id(&id)?;
    live_fragment(&state, &caller, &id, asked.timeline).await
}

/// The live part of incident `id`'s page, its timeline narrowed to group `timeline` (also what
/// an htmx form gets back).
pub async fn live_fragment(
    state: &AppState,
    caller: &Caller,
    id: &IncidentId,
    timeline: Option<&'static str>,
) -> Result<Response, Failure> {
    let ctx = incident_page(state, caller, id, timeline).await?;
    Ok(state.pages.html(StatusCode::OK, "incident_live.html", &ctx))
}
