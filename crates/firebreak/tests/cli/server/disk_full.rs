//! A full disk under the database: writes are refused with a clear 503 while it lasts, the
//! condition shows in `/healthz` and `/metrics`, and writes resume by themselves once space
//! returns — with no restart. The data directory is a small tmpfs this test mounts (CI runs as
//! root); without the mount the test fails rather than skips.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use axum::http::{Method, StatusCode};
use firebreak::server::Options;
use firebreak_core::access::Role;
use serde_json::json;

use super::Api;
use crate::support::Fb;

/// A tmpfs mounted over a directory, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Tmpfs {
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(at)
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "this test needs to mount a tmpfs (run as root): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs(at.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Fills the filesystem holding `path` to the last byte.
fn fill(path: &Path) {
    let mut f = std::fs::File::create(path).expect("filler");
    let block = vec![0u8; 64 * 1024];
    for _ in 0..10_000 {
        if f.write_all(&block).is_err() {
            break;
        }
    }
    let byte = [0u8; 1];
    for _ in 0..64 * 1024 {
        if f.write_all(&byte).is_err() {
            break;
        }
    }
    let _ = f.sync_all();
}

async fn note(api: &Api, id: &str, text: &str) -> super::Reply {
    api.call(
        Some(Role::Responder),
        Method::POST,
        &format!("/api/v1/incidents/{id}/notes"),
        Some(json!({ "text": text })),
    )
    .await
}

async fn health(api: &Api) -> (StatusCode, String) {
    let r = api.call(None, Method::GET, "/healthz", None).await;
    (
        r.status,
        r.body["condition"].as_str().unwrap_or("").to_string(),
    )
}

async fn gauge(api: &Api, name: &str) -> Option<f64> {
    let r = api
        .call(Some(Role::Viewer), Method::GET, "/metrics", None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.text
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

#[tokio::test]
async fn a_full_disk_is_reported_and_writes_recover_by_themselves() {
    let root = tempfile::tempdir().expect("tempdir").keep();
    let _mount = Tmpfs::mount(&root, "6m");
    let dir = tempfile::tempdir_in(&root).expect("dir");
    let filler = root.join("filler");
    let api = Api::over(Fb::in_dir(dir), None, Options::default()).await;
    let id = api.declare("Disk fills under the database", "P2").await;
    assert_eq!(health(&api).await, (StatusCode::OK, "ok".to_string()));

    fill(&filler);
    // Some writes may still fit in pages SQLite already holds; keep writing until one fails.
    let text = "x".repeat(3000);
    let mut refused = 0;
    for _ in 0..400 {
        let r = note(&api, &id, &text).await;
        if r.status == StatusCode::SERVICE_UNAVAILABLE {
            refused += 1;
            assert_eq!(r.body["code"], "unavailable", "{}", r.text);
            assert!(r.text.contains("disk is full"), "{}", r.text);
            if refused == 3 {
                break;
            }
        } else {
            assert_eq!(refused, 0, "a write succeeded between refusals: {}", r.text);
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
    }
    assert_eq!(refused, 3, "the disk never filled");
    assert_eq!(
        health(&api).await,
        (StatusCode::SERVICE_UNAVAILABLE, "disk_full".to_string())
    );
    assert_eq!(gauge(&api, "firebreak_store_disk_full").await, Some(1.0));
    assert_eq!(
        gauge(&api, "firebreak_store_writes_failing").await,
        Some(1.0)
    );

    std::fs::remove_file(&filler).expect("free space");
    let r = note(&api, &id, "space is back").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let again = api.declare("A second incident after recovery", "P3").await;
    assert!(!again.is_empty());
    assert_eq!(health(&api).await, (StatusCode::OK, "ok".to_string()));
    assert_eq!(gauge(&api, "firebreak_store_disk_full").await, Some(0.0));
    assert_eq!(
        gauge(&api, "firebreak_store_writes_failing").await,
        Some(0.0)
    );
    let timeline = api
        .call(
            Some(Role::Viewer),
            Method::GET,
            &format!("/api/v1/incidents/{id}/timeline"),
            None,
        )
        .await;
    assert_eq!(timeline.status, StatusCode::OK, "{}", timeline.text);
    assert!(timeline.text.contains("space is back"));
    api.finish().await;
}
