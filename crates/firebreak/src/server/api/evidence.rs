//! Evidence over the API: the metadata of an incident's items, and downloading an item's bytes.
//! A download is custody: it is recorded on the incident's timeline, in the caller's name,
//! before the first byte is sent. The bytes come from this host's content-addressed store, found
//! by the digest the journal holds (never by a name from the request), and are re-hashed as they
//! are sent: bytes that no longer match their digest end the transfer with an error rather than
//! arrive as if they were the evidence.

use std::io::Read as _;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Response};
use firebreak_core::blob::BlobStore;
use firebreak_core::evidence::{Action, Custody, Item};
use firebreak_core::{Change, Event, Incident, decide};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::changes::record;
use super::incidents::tagged_json;
use super::{QueryParams, incident_id};
use crate::server::auth::{Allowed, need};
use crate::server::error::{ApiError, Code, ErrorBody};
use crate::server::state::AppState;

/// The routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(download))
}

/// How much is read from the store at a time while sending.
const CHUNK: usize = 64 * 1024;

/// One evidence item's metadata.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemView {
    /// Its id within the incident: `E1`, `E2`, …
    pub id: String,
    /// file, link, command or snapshot.
    pub kind: String,
    /// Length in bytes.
    pub size: u64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Where it came from, on one line.
    pub source: String,
    /// The host it was collected on.
    pub host: String,
    /// When and by whom it was collected.
    pub collected: Collected,
    /// Why it was collected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The file changed while it was read.
    pub changed_while_reading: bool,
    /// Its bytes were purged (the digest remains).
    pub purged: bool,
    /// Its bytes are in this server's evidence store, so it can be downloaded here.
    pub stored: bool,
}

/// When and by whom an item was collected.
#[derive(Debug, Serialize, ToSchema)]
pub struct Collected {
    /// When it was recorded.
    pub at: Timestamp,
    /// Who recorded it.
    pub by: String,
}

/// An incident's evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceList {
    /// The incident.
    pub incident: String,
    /// Its items, in the order they were collected.
    pub items: Vec<ItemView>,
}

/// Lists an incident's evidence (metadata only; downloading is a separate permission).
#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}/evidence",
    tag = "evidence",
    params(("id" = String, Path, description = "Incident id")),
    extensions(("x-permission" = json!("read"))),
    responses(
        (status = 200, description = "The incident's evidence items", body = EvidenceList),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = "4XX", description = "Refused or not found", body = ErrorBody),
    )
)]
async fn list(
    _: Allowed<need::Read>,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = incident_id(&id)?;
    let (incident, events) = state.service.incident(&id).await?;
    let blobs = BlobStore::in_data_dir(state.service.data_dir());
    let items = views(&incident, &events, &blobs);
    tagged_json(
        &headers,
        &EvidenceList {
            incident: id.to_string(),
            items,
        },
    )
}

/// The evidence items of `incident` (whose events are `events`), in the order collected, with
/// whether `blobs` holds their bytes (shared with the dashboard).
pub fn views(incident: &Incident, events: &[Event], blobs: &BlobStore) -> Vec<ItemView> {
    events
        .iter()
        .filter_map(|e| match e.change().ok()? {
            Change::EvidenceAdded(item) => Some(view(incident, blobs, item, e.at, &e.actor)),
            _ => None,
        })
        .collect()
}

fn view(incident: &Incident, blobs: &BlobStore, item: Item, at: Timestamp, by: &str) -> ItemView {
    let purged = incident.purged.contains(&item.id);
    let stored = !purged && blobs.path(&item.sha256).is_some_and(|p| p.is_file());
    ItemView {
        source: item.source(),
        kind: item.kind.to_string(),
        host: item.origin.host,
        collected: Collected {
            at,
            by: by.to_string(),
        },
        id: item.id,
        size: item.size,
        sha256: item.sha256,
        reason: item.reason,
        changed_while_reading: item.changed_while_reading,
        purged,
        stored,
    }
}

/// Why evidence is downloaded.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DownloadQuery {
    /// Recorded with the custody event.
    pub reason: Option<String>,
}

/// A filename safe in a `Content-Disposition` header and on any file system: the incident and
/// item ids, then the source's last path component reduced to plain characters.
pub fn download_name(incident: &str, item: &Item) -> String {
    let base = item
        .origin
        .path
        .as_deref()
        .and_then(|p| p.rsplit('/').find(|part| !part.is_empty()))
        .or(item.origin.stream.as_deref())
        .or(item.origin.part.as_deref())
        .unwrap_or_default();
    let safe: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let safe = safe.trim_start_matches('.');
    if safe.is_empty() {
        format!("{incident}-{}.bin", item.id)
    } else {
        format!("{incident}-{}-{safe}", item.id)
    }
}

/// Downloads an item's bytes. The download is recorded first, as a custody event on the
/// incident's timeline, in the caller's name. `HEAD` answers the same headers and records
/// nothing, since nothing is handed over.
#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}/evidence/{item}/download",
    tag = "evidence",
    params(
        ("id" = String, Path, description = "Incident id"),
        ("item" = String, Path, description = "Item id, e.g. E1"),
        DownloadQuery,
    ),
    extensions(("x-permission" = json!("download-evidence"))),
    responses(
        (status = 200, description = "The item's bytes", content_type = "application/octet-stream"),
        (status = 404, description = "No such incident or item, or its bytes are not on this host", body = ErrorBody),
        (status = 410, description = "The item's bytes were purged", body = ErrorBody),
        (status = "4XX", description = "Refused", body = ErrorBody),
    )
)]
async fn download(
    Allowed(caller, _): Allowed<need::DownloadEvidence>,
    State(state): State<AppState>,
    method: Method,
    Path((id_text, item_id)): Path<(String, String)>,
    QueryParams(q): QueryParams<DownloadQuery>,
) -> Result<Response, ApiError> {
    let id = incident_id(&id_text)?;
    let (incident, _) = state.service.incident(&id).await?;
    let Some(item) = incident.evidence_items.iter().find(|i| i.id == item_id) else {
        return Err(ApiError::not_found(format!(
            "{id} has no evidence item {item_id:?}"
        )));
    };
    if incident.purged.contains(&item.id) {
        return Err(ApiError::new(
            Code::Gone,
            format!(
                "the bytes of {id}/{} were purged; only its digest {} remains",
                item.id, item.sha256
            ),
        ));
    }
    let blobs = BlobStore::in_data_dir(state.service.data_dir());
    let file = blobs
        .path(&item.sha256)
        .and_then(|path| std::fs::File::open(path).ok());
    let Some(file) = file else {
        return Err(ApiError::not_found(format!(
            "the bytes of {id}/{} (sha256 {}) are not in this server's evidence store; it was \
             collected on {}",
            item.id, item.sha256, item.origin.host
        )));
    };
    let length = file
        .metadata()
        .map(|m| m.len())
        .map_err(ApiError::internal)?;
    if length != item.size {
        return Err(ApiError::new(
            Code::Damaged,
            format!(
                "the stored bytes of {id}/{} are {length} bytes, not the {} recorded; run \
                 `firebreak evidence verify {id}`",
                item.id, item.size
            ),
        ));
    }
    let name = download_name(&id.to_string(), item);
    let headers = [
        (header::CONTENT_TYPE, "application/octet-stream".to_string()),
        (header::CONTENT_LENGTH, item.size.to_string()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ),
        (header::CACHE_CONTROL, "no-store".to_string()),
    ];
    let digest = [("x-content-sha256", item.sha256.clone())];
    if method == Method::HEAD {
        return Ok((headers, digest).into_response());
    }
    let custody = Custody {
        action: Action::Downloaded,
        items: vec![item.id.clone()],
        host: crate::collect::host(),
        reason: q.reason.filter(|r| !r.trim().is_empty()),
        detail: Some("over the team server's API".into()),
    };
    record(&state, &caller, &id_text, |i| {
        decide::custody(i, custody.clone())
    })
    .await?;
    Ok((
        headers,
        digest,
        Body::from_stream(checked_bytes(file, item.sha256.clone())),
    )
        .into_response())
}

/// The file's bytes as a stream, read on a blocking thread and hashed as they go: if the whole
/// does not hash to `sha256`, the stream ends with an error, so the client sees a failed
/// transfer instead of altered bytes.
fn checked_bytes(
    mut file: std::fs::File,
    sha256: String,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let mut hasher = Sha256::new();
        loop {
            let mut buffer = vec![0u8; CHUNK];
            let n = match file.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    tracing::error!(error = %e, "reading evidence failed");
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            };
            buffer.truncate(n);
            hasher.update(&buffer);
            if tx.blocking_send(Ok(Bytes::from(buffer))).is_err() {
                // The client went away.
                return;
            }
        }
        if hex::encode(hasher.finalize()) != sha256 {
            tracing::error!(%sha256, "stored evidence no longer matches its digest");
            let _ = tx.blocking_send(Err(std::io::Error::other(
                "the stored bytes no longer match their digest",
            )));
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    })
}
