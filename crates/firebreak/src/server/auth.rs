//! Who is calling, and whether their role allows the route. A request proves a token either as
//! `Authorization: Bearer fbk_…` (API clients, Alertmanager) or with the dashboard's session
//! cookie. Every handler takes an [`Allowed`] naming the permission it needs, so a route cannot
//! exist without a role check; the table itself is `firebreak_core::access`.
//!
//! A cookie-authenticated request that changes something must also carry the session's CSRF
//! token (header `X-CSRF-Token` here; the dashboard's forms carry it as a field, checked in
//! `web::csrf`). Bearer requests need none: a browser never attaches a bearer token by itself.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use firebreak_core::access::{Permission, Role, secret_digest};
use firebreak_store::TokenRow;
use jiff::Timestamp;
use subtle::ConstantTimeEq as _;

use super::error::{ApiError, Code};
use super::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "firebreak_session";
/// The header a cookie-authenticated API request carries its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How a caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A bearer token.
    Bearer,
    /// A dashboard session; its CSRF token and the digest of the cookie's secret.
    Session {
        /// The token forms must carry.
        csrf: String,
        /// SHA-256 of the cookie value (to end the session).
        digest: String,
    },
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's name: recorded as the actor of every change the caller makes.
    pub name: String,
    /// The token's role.
    pub role: Role,
    /// The token's id.
    pub token_id: String,
    /// Bearer or session.
    pub via: Via,
}

impl Caller {
    /// Refuses unless the caller's role holds `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.role.may(permission) {
            return Ok(());
        }
        Err(ApiError::new(
            Code::Forbidden,
            format!(
                "the {} role may not {}; that needs {} or above",
                self.role,
                permission.describe(),
                permission.least_role()
            ),
        ))
    }

    /// Whether `given` is this session's CSRF token (always false for bearer callers, who
    /// have none and need none).
    pub fn csrf_matches(&self, given: &str) -> bool {
        match &self.via {
            Via::Session { csrf, .. } => {
                !given.is_empty() && bool::from(csrf.as_bytes().ct_eq(given.as_bytes()))
            }
            Via::Bearer => false,
        }
    }
}

/// Tokens recently found valid, so that polling clients do not cost a database read each. An
/// entry lives [`TokenCache::TTL`]: a revoked token stops working within that time on every
/// replica. Only hits are cached, and the map is bounded.
#[derive(Debug, Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, (TokenRow, Instant)>>,
}

impl TokenCache {
    /// How long a validated token is trusted without asking the database again.
    pub const TTL: Duration = Duration::from_secs(2);
    const MAX: usize = 4096;

    fn get(&self, digest: &str) -> Option<TokenRow> {
        let entries = self.entries.lock().ok()?;
        let (token, at) = entries.get(digest)?;
        (at.elapsed() < Self::TTL).then(|| token.clone())
    }

    fn put(&self, digest: String, token: TokenRow) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= Self::MAX {
                entries.retain(|_, (_, at)| at.elapsed() < Self::TTL);
                if entries.len() >= Self::MAX {
                    entries.clear();
                }
            }
            entries.insert(digest, (token, Instant::now()));
        }
    }

    /// Forgets every cached token (after a revocation through this replica).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The value of cookie `name` in the request, if any.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn unauthenticated(message: &str) -> ApiError {
    ApiError::new(Code::Unauthenticated, message)
}

/// Finds the caller of a request, without deciding whether they may do anything.
pub async fn identify(parts: &Parts, state: &AppState) -> Result<Caller, ApiError> {
    if let Some(secret) = bearer(parts) {
        let digest = secret_digest(secret);
        let token = match state.tokens.get(&digest) {
            Some(t) => t,
            None => {
                let found = state.service.token_by_digest(&digest).await?;
                let Some(t) = found else {
                    return Err(unauthenticated(
                        "the bearer token is not valid (unknown or revoked)",
                    ));
                };
                state.tokens.put(digest, t.clone());
                t
            }
        };
        return Ok(Caller {
            name: token.name,
            role: token.role,
            token_id: token.id,
            via: Via::Bearer,
        });
    }
    if let Some(value) = cookie(parts, SESSION_COOKIE) {
        let digest = secret_digest(value);
        let session = state.service.session(&digest, Timestamp::now()).await?;
        let Some(session) = session else {
            return Err(unauthenticated(
                "the session has ended or its token was revoked; sign in again",
            ));
        };
        return Ok(Caller {
            name: session.token.name,
            role: session.token.role,
            token_id: session.token.id,
            via: Via::Session {
                csrf: session.csrf,
                digest,
            },
        });
    }
    Err(unauthenticated(
        "sign in: send `Authorization: Bearer <token>` (see `firebreak token create`)",
    ))
}

/// A permission a route needs, as a type, so the route's signature says it.
pub trait Need: Send + Sync + 'static {
    /// The permission.
    const PERMISSION: Permission;
}

macro_rules! needs {
    ($($name:ident),* $(,)?) => {
        /// One marker type per permission, for [`Allowed`].
        pub mod need {
            $(
                #[doc = concat!("Needs [`Permission::", stringify!($name), "`](firebreak_core::access::Permission::", stringify!($name), ").")]
                #[derive(Debug)]
                pub struct $name;
                impl super::Need for $name {
                    const PERMISSION: firebreak_core::access::Permission =
                        firebreak_core::access::Permission::$name;
                }
            )*
        }
    };
}

needs!(
    Read,
    Declare,
    Work,
    DownloadEvidence,
    SendAlerts,
    Steer,
    Verify,
    Administer,
    NotifyExternally
);

/// A caller whose role holds permission `P`. Extracting it authenticates the request, checks the
/// role and, for cookie-authenticated requests that change something, the CSRF header.
#[derive(Debug)]
pub struct Allowed<P: Need>(pub Caller, pub PhantomData<P>);

impl<P: Need> Allowed<P> {
    /// The caller.
    pub fn caller(&self) -> &Caller {
        &self.0
    }
}

impl<P: Need> FromRequestParts<AppState> for Allowed<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = match parts.extensions.get::<Caller>() {
            Some(c) => c.clone(),
            None => identify(parts, state).await?,
        };
        caller.require(P::PERMISSION)?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        let checked = parts.extensions.get::<CsrfChecked>().is_some();
        if !safe && !checked && matches!(caller.via, Via::Session { .. }) {
            let given = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !caller.csrf_matches(given) {
                return Err(ApiError::new(
                    Code::CsrfRejected,
                    "this change came without the session's CSRF token; reload the page and try again",
                ));
            }
        }
        Ok(Allowed(caller, PhantomData))
    }
}

/// Put in a request's extensions by the dashboard's form middleware once it has checked the
/// form's CSRF field, with the [`Caller`] it found.
#[derive(Debug, Clone, Copy)]
pub struct CsrfChecked;
