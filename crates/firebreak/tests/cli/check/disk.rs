//! `disk`: a 1 MiB tmpfs the test mounts, checked empty (ok) and filled past
//! 90 % (critical), from the config and with `--disk`.

use std::process::Command;

use super::{require_root, result, run};
use crate::support::Fb;

/// Unmounts when dropped.
struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_tmpfs_filled_past_90_percent_is_critical() {
    require_root("mounting a tmpfs");
    let fb = Fb::new();
    let point = fb.root().join("small");
    std::fs::create_dir(&point).expect("mount point");
    let status = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(&point)
        .status()
        .expect("mount");
    assert!(status.success(), "mount -t tmpfs failed");
    let _mounted = Mount(point.clone());
    let checks = format!(
        "[[check]]\nname = \"small\"\nkind = \"disk\"\npath = \"{}\"\n",
        point.display()
    );
    let (code, json) = run(&fb, &checks, &[]);
    assert_eq!(result(&json, "small")["status"], "ok", "{json}");
    assert_eq!(code, 0);

    // 960 KiB of 1 MiB.
    std::fs::write(point.join("fill"), vec![7u8; 960 * 1024]).expect("fill the tmpfs");
    let (code, json) = run(&fb, &checks, &[]);
    let r = result(&json, "small");
    assert_eq!(r["status"], "critical", "{r}");
    assert!(
        r["reason"].as_str().expect("reason").contains(">= 90 %"),
        "{r}"
    );
    assert_eq!(code, 6);

    // The same, asked once with no config: `firebreak check --disk PATH`.
    let out = Fb::new()
        .cmd(&[
            "--json",
            "check",
            "--disk",
            point.to_str().expect("utf-8 path"),
        ])
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["checks"][0]["status"], "critical", "{json}");
    assert_eq!(out.status.code(), Some(6));
}
