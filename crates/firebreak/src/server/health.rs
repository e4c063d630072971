//! `GET /healthz`: whether this server can do its job, for load balancers and probes that hold
//! no token. It answers 200 when the database answers a read and the last write committed, and
//! 503 otherwise, naming the condition (`disk_full`, `failing`, `unreachable`) and nothing more:
//! no version, no path, no counts.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use firebreak_store::WriteState;
use serde_json::json;

use super::state::AppState;

/// The health answer.
pub async fn check(State(state): State<AppState>) -> Response {
    let store = state.service.store();
    let readable = store.version().await.is_ok();
    let writes = store.write_state();
    let (status, condition, message) = match (readable, writes) {
        (false, _) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "unreachable",
            "the database does not answer",
        ),
        (true, WriteState::DiskFull) => (
            StatusCode::SERVICE_UNAVAILABLE,
            WriteState::DiskFull.as_str(),
            "writes fail: the database's disk is full",
        ),
        (true, WriteState::Failing) => (
            StatusCode::SERVICE_UNAVAILABLE,
            WriteState::Failing.as_str(),
            "writes fail: the database refused the last write",
        ),
        (true, WriteState::Ok) => (StatusCode::OK, "ok", "reads and writes succeed"),
    };
    let ok = status == StatusCode::OK;
    (
        status,
        Json(json!({
            "status": if ok { "ok" } else { "degraded" },
            "condition": condition,
            "message": message,
        })),
    )
        .into_response()
}
