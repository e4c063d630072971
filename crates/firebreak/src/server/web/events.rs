//! `GET /events`: the change feed as server-sent events. Each change (through this replica, or
//! noticed by polling the database) is one `changed` event whose data is the incident id, or
//! `*` when unknown; open pages fetch their fragments again on it. The stream ends when the
//! server begins to shut down, so that open dashboards never hold up a graceful shutdown (the
//! browser reconnects to whichever server answers next).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use tokio::sync::broadcast::error::RecvError;

use super::failure::Web;
use crate::server::auth::{Allowed, need};
use crate::server::state::AppState;

/// How often an idle stream sends a comment, so proxies do not close it.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// `GET /events`.
pub async fn stream(Web(_): Web<Allowed<need::Read>>, State(state): State<AppState>) -> Response {
    let start = (state.feed.subscribe(), state.feed.closing());
    let events = stream::unfold(start, |(mut changes, mut closing)| async move {
        if *closing.borrow_and_update() {
            return None;
        }
        let incident = tokio::select! {
            change = changes.recv() => match change {
                Ok(c) => c.incident.unwrap_or_else(|| "*".to_string()),
                // Missed some: say something changed, without naming what.
                Err(RecvError::Lagged(_)) => "*".to_string(),
                Err(RecvError::Closed) => return None,
            },
            _ = closing.wait_for(|closing| *closing) => return None,
        };
        let event = Event::default().event("changed").data(incident);
        Some((Ok::<_, Infallible>(event), (changes, closing)))
    });
    (
        [
            (header::CACHE_CONTROL, "no-cache"),
            // nginx would otherwise hold events back in its buffer.
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)),
    )
        .into_response()
}
