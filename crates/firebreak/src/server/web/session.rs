//! Signing in to the dashboard with an API token, and out again. A sign-in makes a session:
//! a random cookie secret (only its SHA-256 is stored), a CSRF token for the session's forms,
//! and twelve hours of life; revoking the token ends its sessions. Failed sign-ins are counted
//! per client address ([`crate::server::throttle`]) and refused for a while after too many.
//!
//! The client address is the TCP peer, or behind a trusted reverse proxy the client it forwarded
//! ([`crate::server::client`]).

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use firebreak_core::access::{random_hex, secret_digest};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::failure::{Failure, Web, safe_next};
use super::forms::FormBody;
use super::view::Frame;
use crate::server::api::QueryParams;
use crate::server::auth::{Allowed, SESSION_COOKIE, Via, identify, need};
use crate::server::client::ClientAddr;
use crate::server::error::ApiError;
use crate::server::state::AppState;

/// How long a session lasts.
pub const SESSION_LIFE: SignedDuration = SignedDuration::from_hours(12);

/// The longest text taken as a token (a real one is 68 characters).
const TOKEN_MAX: usize = 256;

#[derive(Serialize)]
struct SignInPage<'a> {
    #[serde(flatten)]
    frame: Frame,
    problem: Option<&'a str>,
    next: Option<&'a str>,
}

fn sign_in_page(
    state: &AppState,
    status: StatusCode,
    problem: Option<&str>,
    next: Option<&str>,
) -> Response {
    state.pages.html(
        status,
        "signin.html",
        &SignInPage {
            frame: Frame::anonymous(),
            problem,
            next,
        },
    )
}

/// Where a sign-in goes on to.
#[derive(Debug, Default, Deserialize)]
pub struct Next {
    /// A page of the dashboard (see [`safe_next`]).
    pub next: Option<String>,
}

/// `GET /signin`: the form, or the page asked for when already signed in.
///
/// The session cookie is `SameSite=Strict`, so a link to the dashboard followed from another
/// site (a chat message) arrives without it and lands here; the page then offers a link on to
/// the page, which, followed from here, carries the cookie.
pub async fn form(
    State(state): State<AppState>,
    parts: Parts,
    Web(QueryParams(q)): Web<QueryParams<Next>>,
) -> Response {
    let next = q.next.as_deref().and_then(safe_next);
    if identify(&parts, &state).await.is_ok() {
        return Redirect::to(next.unwrap_or("/")).into_response();
    }
    sign_in_page(&state, StatusCode::OK, None, next)
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct SignIn {
    /// An API token (`fbk_…`).
    pub token: String,
    /// The page to go on to.
    pub next: Option<String>,
}

fn cookie(state: &AppState, value: &str, max_age: i64) -> Result<HeaderValue, ApiError> {
    let secure = if state.options.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .map_err(ApiError::internal)
}

/// `POST /signin`: a token for a session cookie. Not CSRF-checked (there is no session yet);
/// the cookie is `SameSite=Strict`, so another site cannot use the session it makes.
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    FormBody(form): FormBody<SignIn>,
) -> Result<Response, Failure> {
    let next = form.next.as_deref().and_then(safe_next);
    if let Some(wait) = state.throttle.blocked(addr) {
        let minutes = wait.as_secs().div_ceil(60);
        let message = format!(
            "Too many failed sign-ins from your address. Try again in {minutes} minute{}.",
            if minutes == 1 { "" } else { "s" }
        );
        let mut res = sign_in_page(&state, StatusCode::TOO_MANY_REQUESTS, Some(&message), next);
        res.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(wait.as_secs().max(1)),
        );
        return Ok(res);
    }
    let token = form.token.trim();
    let found = if token.is_empty() || token.len() > TOKEN_MAX {
        None
    } else {
        state.service.token_by_digest(&secret_digest(token)).await?
    };
    let Some(token) = found else {
        state.throttle.failed(addr);
        tracing::info!(%addr, "dashboard sign-in refused");
        return Ok(sign_in_page(
            &state,
            StatusCode::UNAUTHORIZED,
            Some("That token is not valid: it is unknown or was revoked."),
            next,
        ));
    };
    state.throttle.succeeded(addr);
    let fault = |e: firebreak_core::access::NoRandomness| ApiError::internal(e);
    let secret = random_hex(32).map_err(fault)?;
    let csrf = random_hex(32).map_err(fault)?;
    let now = Timestamp::now();
    state
        .service
        .store()
        .add_session(
            &secret_digest(&secret),
            &token.id,
            &csrf,
            now,
            now + SESSION_LIFE,
        )
        .await?;
    tracing::info!(token = %token.name, role = %token.role, "dashboard sign-in");
    let mut res = Redirect::to(next.unwrap_or("/")).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        cookie(&state, &secret, SESSION_LIFE.as_secs())?,
    );
    Ok(res)
}

/// `POST /signout` (CSRF-checked): ends the session and clears the cookie.
pub async fn sign_out(
    Web(Allowed(caller, _)): Web<Allowed<need::Read>>,
    State(state): State<AppState>,
) -> Result<Response, Failure> {
    if let Via::Session { digest, .. } = &caller.via {
        state.service.store().end_session(digest).await?;
    }
    let mut res = Redirect::to("/signin").into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, cookie(&state, "", 0)?);
    Ok(res)
}
