//! The dashboard's static files (`web/assets/`: our CSS and script, vendored htmx), embedded
//! in the binary and served at `/assets/…`. Page links carry a digest of the file
//! (`?v=…`), so a file can be cached for a year and a new binary's files are still fetched.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "web/assets/"]
struct Files;

/// How long a browser may keep an asset: a year (links change when the file does).
const CACHE: &str = "public, max-age=31536000, immutable";

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("md" | "txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The link to asset `name`, with its digest so that caches see a new file as a new link.
pub fn url(name: &str) -> String {
    match Files::get(name) {
        Some(file) => format!(
            "/assets/{name}?v={}",
            hex::encode(&file.metadata.sha256_hash()[..6])
        ),
        None => format!("/assets/{name}"),
    }
}

/// `GET /assets/{*path}`: public (the sign-in page needs its stylesheet).
pub async fn serve(Path(path): Path<String>) -> Response {
    let Some(file) = Files::get(&path) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let tag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..12]));
    (
        [
            (header::CONTENT_TYPE, content_type(&path).to_string()),
            (header::CACHE_CONTROL, CACHE.to_string()),
            (header::ETAG, tag),
        ],
        file.data,
    )
        .into_response()
}
