//! The API's one error type. It owns the HTTP status of every failure and the stable `code`
//! clients match on; the table in [`Code::status`] is the whole list. A 5xx never carries
//! internal detail: the detail goes to the server log, the client gets a fixed message.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use firebreak_core::DomainError;
use firebreak_store::StoreError;
use serde::Serialize;

use crate::service::ServiceError;

/// A failed request: what the client is told, and (for 5xx) what only the log sees.
#[derive(Debug)]
pub struct ApiError {
    /// Stable machine-readable code.
    pub code: Code,
    /// One line for people.
    pub message: String,
}

/// The stable error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// The body or a parameter is not what the route accepts.
    BadRequest,
    /// No credentials, or credentials that are not (or no longer) valid.
    Unauthenticated,
    /// Valid credentials whose role does not allow this.
    Forbidden,
    /// A state-changing form came without its CSRF token.
    CsrfRejected,
    /// No such incident, item or route.
    NotFound,
    /// The route exists but does not take this method.
    MethodNotAllowed,
    /// The change conflicts with the incident's state (closed, wrong transition, no change).
    Conflict,
    /// What was asked for existed and is gone for good (purged evidence).
    Gone,
    /// The request body is larger than the server accepts.
    TooLarge,
    /// The URL is longer than the server accepts.
    UriTooLong,
    /// The request's headers are larger than the server accepts.
    HeadersTooLarge,
    /// The request was not received and answered within the server's request timeout.
    TimedOut,
    /// The body is not JSON (or not a form) where one is required.
    UnsupportedMediaType,
    /// Well-formed but refused input (empty title, unknown severity, …).
    Invalid,
    /// Too many failed sign-ins from this address; wait and retry.
    TooManyRequests,
    /// Damaged journal: nothing was recorded.
    Damaged,
    /// The database is busy or unreachable; retry.
    Unavailable,
    /// A fault in the server; the log has the detail.
    Internal,
}

impl Code {
    /// The HTTP status each code is sent with.
    pub fn status(self) -> StatusCode {
        match self {
            Code::BadRequest => StatusCode::BAD_REQUEST,
            Code::Unauthenticated => StatusCode::UNAUTHORIZED,
            Code::Forbidden | Code::CsrfRejected => StatusCode::FORBIDDEN,
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Code::Conflict => StatusCode::CONFLICT,
            Code::Gone => StatusCode::GONE,
            Code::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::UriTooLong => StatusCode::URI_TOO_LONG,
            Code::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Code::TimedOut => StatusCode::REQUEST_TIMEOUT,
            Code::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            Code::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Code::Damaged => StatusCode::CONFLICT,
            Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable code, e.g. `not_found`, `forbidden`, `invalid`.
    pub code: String,
    /// One line for people.
    pub message: String,
}

impl ApiError {
    /// An error with this code and message.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// A request that is malformed.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(Code::BadRequest, message)
    }

    /// Something that does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Code::NotFound, message)
    }

    /// A fault that must not be described to the client: logged here, masked in the response.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "request failed");
        Self::new(
            Code::Internal,
            "the server failed; the detail is in its log",
        )
    }
}

impl ApiError {
    /// The error a bare status stands for, when something other than a handler refused the
    /// request (axum's 405, a body limit, the request timeout, hyper's parse errors).
    pub fn for_status(status: StatusCode) -> Self {
        let (code, message) = match status {
            StatusCode::METHOD_NOT_ALLOWED => (
                Code::MethodNotAllowed,
                "this route does not take that method; see /api/v1/openapi.json",
            ),
            StatusCode::NOT_FOUND => (Code::NotFound, "there is no such route"),
            StatusCode::PAYLOAD_TOO_LARGE => (
                Code::TooLarge,
                "the request body is larger than the server accepts",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                Code::UnsupportedMediaType,
                "the request body is not of a type this route takes",
            ),
            StatusCode::URI_TOO_LONG => (Code::UriTooLong, "the URL is too long"),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
                (Code::HeadersTooLarge, "the request's headers are too large")
            }
            StatusCode::REQUEST_TIMEOUT => (
                Code::TimedOut,
                "the request was not received and answered in time; send it again",
            ),
            StatusCode::BAD_REQUEST => (
                Code::BadRequest,
                "the request is not valid HTTP (a malformed request line, URL or header)",
            ),
            s if s.is_server_error() => (
                Code::Internal,
                "the server failed; the detail is in its log",
            ),
            s => (
                Code::BadRequest,
                s.canonical_reason().unwrap_or("the request was refused"),
            ),
        };
        Self::new(code, message)
    }

    /// The JSON body sent for this error.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: serde_json::to_value(self.code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            message: self.message.clone(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.code.status(), Json(self.body())).into_response()
    }
}

/// Middleware: an error response that carries no body of its own (axum's 405 for a method a
/// route does not take, OPTIONS, the request timeout, a rejection made before any handler ran)
/// gets the JSON error body every other error has. Headers such as `Allow` are kept.
pub async fn with_json_body(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error())
        || res.headers().contains_key(axum::http::header::CONTENT_TYPE)
    {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    let mut fresh = ApiError::for_status(status).into_response();
    // Keep what the original said beyond its status (Allow, Retry-After, security headers).
    for (name, value) in parts.headers.drain().filter_map(|(n, v)| n.map(|n| (n, v))) {
        fresh.headers_mut().entry(name).or_insert(value);
    }
    *fresh.status_mut() = status;
    fresh
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let code = match &e {
            DomainError::NotFound(_) => Code::NotFound,
            DomainError::InvalidTransition { .. }
            | DomainError::NoChange(_)
            | DomainError::Review { .. }
            | DomainError::ReviewRequired { .. }
            | DomainError::Closed => Code::Conflict,
            _ => Code::Invalid,
        };
        Self::new(code, e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NoSuchIncident(_) => Self::not_found(e.to_string()),
            StoreError::Conflict(_) => Self::new(Code::Conflict, e.to_string()),
            StoreError::Taken(_) => Self::new(Code::Conflict, e.to_string()),
            StoreError::DiskFull => Self::new(Code::Unavailable, e.to_string()),
            StoreError::Database(sqlx::Error::PoolTimedOut) => {
                Self::new(Code::Unavailable, "the database is busy; try again")
            }
            other => Self::internal(other),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Refused(d) => d.into(),
            ServiceError::Store(s) => s.into(),
            ServiceError::Damaged(m) => Self::new(Code::Damaged, m),
            ServiceError::Busy(..) => Self::new(Code::Unavailable, e.to_string()),
            ServiceError::WriteFailed(_) => Self::internal(e),
            ServiceError::Key(k) => Self::internal(k),
            ServiceError::Random(r) => Self::internal(r),
        }
    }
}
