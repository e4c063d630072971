//! How the dashboard refuses: the same [`ApiError`]s as the API, shown as a calm page instead
//! of JSON. Someone not signed in is sent to the sign-in page (an htmx request is told to go
//! there with `HX-Redirect`, so a fragment never turns into a sign-in form). [`Web`] wraps an
//! extractor whose rejection is an `ApiError` (such as `Allowed`) so that it refuses this way.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use super::templates::{Pages, html};
use super::view::Frame;
use crate::server::error::{ApiError, Code};
use crate::server::state::AppState;
use crate::service::ServiceError;

/// A refused or failed dashboard request.
#[derive(Debug)]
pub struct Failure {
    /// What went wrong.
    pub error: ApiError,
    /// The request came from htmx (it gets `HX-Redirect` instead of a redirect).
    pub htmx: bool,
    /// The page to return to after signing in, when the request was for one.
    pub next: Option<String>,
}

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Self {
        Self {
            error,
            htmx: false,
            next: None,
        }
    }
}

impl From<ServiceError> for Failure {
    fn from(e: ServiceError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<firebreak_store::StoreError> for Failure {
    fn from(e: firebreak_store::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

/// `path` if it is one of our own pages that a sign-in may return to: an absolute path (not
/// `//host`, which would leave the site) of plain characters, so it needs no escaping.
pub fn safe_next(path: &str) -> Option<&str> {
    let plain = path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/-_.".contains(&b));
    (path.starts_with('/') && !path.starts_with("//") && path.len() <= 200 && plain).then_some(path)
}

/// Whether a request was sent by htmx.
pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some_and(|v| v == "true")
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(flatten)]
    frame: Frame,
    title: &'static str,
    message: &'a str,
}

fn title(code: Code) -> &'static str {
    match code {
        Code::Forbidden => "Not for your role",
        Code::CsrfRejected => "That form has expired",
        Code::NotFound => "Not found",
        Code::Conflict => "That did not fit the incident as it stands",
        Code::TooLarge => "Too much at once",
        Code::TooManyRequests => "Too many tries",
        Code::Damaged => "This incident's record is damaged",
        Code::Unavailable => "Busy; try again",
        Code::Internal => "Something failed on the server",
        _ => "That could not be done",
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let code = self.error.code;
        if code == Code::Unauthenticated {
            if self.htmx {
                return (StatusCode::UNAUTHORIZED, [("hx-redirect", "/signin")]).into_response();
            }
            return match self.next {
                Some(next) => Redirect::to(&format!("/signin?next={next}")).into_response(),
                None => Redirect::to("/signin").into_response(),
            };
        }
        let problem = Problem {
            frame: Frame::anonymous(),
            title: title(code),
            message: &self.error.message,
        };
        match Pages.render("error.html", &problem) {
            Ok(body) => html(code.status(), body),
            Err(_) => (code.status(), self.error.message).into_response(),
        }
    }
}

/// An extractor `E` (such as `Allowed<need::Read>`) whose refusal is shown as a page.
#[derive(Debug)]
pub struct Web<E>(pub E);

impl<E> FromRequestParts<AppState> for Web<E>
where
    E: FromRequestParts<AppState, Rejection = ApiError> + Send,
{
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let htmx = is_htmx(&parts.headers);
        let next = (parts.method == Method::GET)
            .then(|| safe_next(parts.uri.path()))
            .flatten()
            .filter(|p| *p != "/")
            .map(str::to_string);
        E::from_request_parts(parts, state)
            .await
            .map(Web)
            .map_err(|error| Failure { error, htmx, next })
    }
}

/// How the browser asked: by htmx (wanting a fragment back rather than a page) or plainly,
/// and which part of the incident timeline its page shows (`?timeline=` on the request, or on
/// the page htmx sent it from), so that an answer keeps the reader's filter.
#[derive(Debug, Clone, Copy)]
pub struct Asked {
    /// Sent by htmx.
    pub htmx: bool,
    /// The timeline group shown; `None` for everything.
    pub timeline: Option<&'static str>,
}

/// The timeline group named by `timeline=` in query string `query`.
fn timeline_in(query: &str) -> Option<&'static str> {
    query
        .split('&')
        .filter_map(|pair| pair.strip_prefix("timeline="))
        .find_map(super::view::timeline_group)
}

impl<S: Send + Sync> FromRequestParts<S> for Asked {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let htmx = is_htmx(&parts.headers);
        let from_page = || {
            let url = parts.headers.get("hx-current-url")?.to_str().ok()?;
            timeline_in(url.split_once('?')?.1)
        };
        let timeline = parts
            .uri
            .query()
            .and_then(timeline_in)
            .or_else(|| htmx.then(from_page).flatten());
        Ok(Asked { htmx, timeline })
    }
}
