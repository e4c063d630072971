//! The CSRF check in front of every dashboard form. Every web `POST` route is made with
//! [`post`], which reads the (bounded) form body, finds the caller, compares the form's `_csrf`
//! field (or an htmx request's `X-CSRF-Token` header) with the session's token, and only then
//! hands the request on, with the body put back and the [`Caller`] and [`CsrfChecked`] in its
//! extensions. A form handler cannot forget the check: it is not reachable without it.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequest as _, Request, State};
use axum::handler::Handler;
use axum::http::{Method, header};
use axum::response::IntoResponse as _;
use axum::routing::MethodRouter;
use serde::Deserialize;

use super::failure::{Failure, is_htmx};
use crate::server::auth::{CSRF_HEADER, Caller, CsrfChecked, identify};
use crate::server::error::{ApiError, Code};
use crate::server::state::AppState;

/// A `POST` route to `handler` behind the CSRF check.
pub fn post<H, T>(handler: H) -> MethodRouter<AppState>
where
    H: Handler<T, AppState>,
    T: 'static,
{
    axum::routing::post(move |State(state): State<AppState>, req: Request| {
        let handler = handler.clone();
        async move {
            match checked(&state, req).await {
                Ok(req) => handler.call(req, state).await,
                Err(failure) => failure.into_response(),
            }
        }
    })
}

#[derive(Deserialize)]
struct Field {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

/// The form's `_csrf` field, if the body is a form that has exactly one.
async fn field(
    content_type: Option<&header::HeaderValue>,
    body: &axum::body::Bytes,
) -> Option<String> {
    let mut req = Request::builder()
        .method(Method::POST)
        .body(Body::from(body.clone()))
        .ok()?;
    if let Some(ct) = content_type {
        req.headers_mut().insert(header::CONTENT_TYPE, ct.clone());
    }
    axum::Form::<Field>::from_request(req, &())
        .await
        .ok()?
        .0
        .csrf
}

async fn checked(state: &AppState, req: Request) -> Result<Request, Failure> {
    let htmx = is_htmx(req.headers());
    let fail = |error| Failure {
        error,
        htmx,
        next: None,
    };
    let (mut parts, body) = req.into_parts();
    let caller: Caller = identify(&parts, state).await.map_err(fail)?;
    let bytes = to_bytes(body, state.options.body_limit)
        .await
        .map_err(|_| {
            fail(ApiError::new(
                Code::TooLarge,
                "the form is larger than the server accepts",
            ))
        })?;
    let given = match field(parts.headers.get(header::CONTENT_TYPE), &bytes).await {
        Some(token) => token,
        None => parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
    };
    if !caller.csrf_matches(&given) {
        return Err(fail(ApiError::new(
            Code::CsrfRejected,
            "This form came without this session's form token (perhaps it was opened before \
             you signed in again). Nothing was changed: reload the page and try again.",
        )));
    }
    parts.extensions.insert(caller);
    parts.extensions.insert(CsrfChecked);
    Ok(Request::from_parts(parts, Body::from(bytes)))
}
