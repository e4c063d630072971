//! `rotate`: the new value lands in the file and nowhere else; a kill at any moment leaves the
//! old file or the new one; mode and owner are kept.

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::time::Duration;

use crate::support::Fb;

const OLD: &str = "# app settings\nexport DB_URL=\"postgres://app@db/app\"\nAPI_TOKEN=fbk_old_value_1234\nLOG_LEVEL=info\n";

fn token(text: &str) -> &str {
    text.lines()
        .find_map(|l| l.strip_prefix("API_TOKEN="))
        .expect("API_TOKEN line")
}

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &std::path::Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path)
                && bytes.windows(needle.len()).any(|w| w == needle)
            {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

#[test]
fn the_new_value_is_in_the_file_and_nowhere_else() {
    let fb = Fb::init();
    let id = fb.declare("API token leaked in a paste", "P1");
    let env = fb.file("app.env", OLD);
    std::fs::set_permissions(&env, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    std::os::unix::fs::chown(&env, Some(1234), Some(4321)).expect("chown");
    let marker = fb.root().join("reloaded");
    let out = fb
        .cmd(&[
            "rotate",
            "API_TOKEN",
            "--in",
            env.to_str().expect("utf8"),
            "--incident",
            &id,
            "--then",
            "touch",
            marker.to_str().expect("utf8"),
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&env).expect("env");
    let new = token(&text).to_string();
    assert_eq!(new.len(), 64, "{text}");
    assert_eq!(text, OLD.replace("fbk_old_value_1234", &new));
    let meta = std::fs::metadata(&env).expect("meta");
    assert_eq!(meta.mode() & 0o7777, 0o640);
    assert_eq!((meta.uid(), meta.gid()), (1234, 4321));
    assert!(marker.exists(), "the --then command did not run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("secret API_TOKEN rotated") && stdout.contains("touch succeeded"),
        "{stdout}"
    );
    for stream in [&out.stdout, &out.stderr] {
        assert!(!String::from_utf8_lossy(stream).contains(&new));
    }
    // Nowhere in the data directory: database, WAL, evidence, keys.
    fb.cmd(&["timeline", &id]).assert().success();
    assert_eq!(
        files_containing(&fb.data_dir(), new.as_bytes()),
        Vec::<String>::new()
    );
    let timeline = fb.json(&["timeline", &id]).to_string();
    assert!(!timeline.contains(&new));
    assert!(
        timeline.contains("secret_rotated") && timeline.contains("fingerprint"),
        "{timeline}"
    );
    assert_eq!(fb.verify().0, 0);

    // --show prints it, and only then.
    let out = fb
        .cmd(&[
            "rotate",
            "API_TOKEN",
            "--in",
            env.to_str().expect("utf8"),
            "--incident",
            &id,
            "--show",
            "--generate",
            "base64url32",
        ])
        .output()
        .expect("run");
    let shown = token(&std::fs::read_to_string(&env).expect("env")).to_string();
    assert_eq!(shown.len(), 43);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("API_TOKEN={shown}")));
    assert!(files_containing(&fb.data_dir(), shown.as_bytes()).is_empty());
}

#[test]
fn bad_requests_change_nothing() {
    let fb = Fb::init();
    let id = fb.declare("drill", "P3");
    let env = fb.file("app.env", OLD);
    let before = fb.event_count(&id);
    for (name, says) in [
        ("MISSING", "no line sets MISSING"),
        ("BAD-NAME", "not a variable name"),
    ] {
        fb.cmd(&[
            "rotate",
            name,
            "--in",
            env.to_str().expect("utf8"),
            "--incident",
            &id,
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains(says));
    }
    let link = fb.root().join("link.env");
    std::os::unix::fs::symlink(&env, &link).expect("symlink");
    fb.cmd(&[
        "rotate",
        "API_TOKEN",
        "--in",
        link.to_str().expect("utf8"),
        "--incident",
        &id,
    ])
    .assert()
    .failure()
    .stderr(predicates::str::contains("symbolic link"));
    assert_eq!(std::fs::read_to_string(&env).expect("env"), OLD);
    assert_eq!(fb.event_count(&id), before);
}

#[test]
fn killed_at_any_moment_leaves_the_old_file_or_the_new_one() {
    let fb = Fb::init();
    let id = fb.declare("drill", "P3");
    let env = fb.file("app.env", OLD);
    let mut outcomes = (0, 0);
    for i in 0..24u64 {
        let mut child = std::process::Command::new(crate::support::binary())
            .envs(fb.env())
            .args([
                "rotate",
                "API_TOKEN",
                "--in",
                env.to_str().expect("utf8"),
                "--incident",
                &id,
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(i * 8));
        let _ = child.kill();
        let _ = child.wait();
        let text = std::fs::read_to_string(&env).expect("env");
        let value = token(&text).to_string();
        assert_eq!(
            text,
            OLD.replace("fbk_old_value_1234", &value),
            "a mixed file: {text:?}"
        );
        if value == "fbk_old_value_1234" {
            outcomes.0 += 1;
        } else {
            assert!(
                value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()),
                "{value}"
            );
            outcomes.1 += 1;
            std::fs::write(&env, OLD).expect("reset");
        }
        let strays: Vec<_> = std::fs::read_dir(fb.root())
            .expect("dir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".firebreak-"))
            .collect();
        for s in strays {
            // A kill between creating the temporary file and the rename leaves it; the env
            // file itself is whole either way.
            let _ = std::fs::remove_file(s.path());
        }
    }
    assert!(
        outcomes.0 > 0 && outcomes.1 > 0,
        "kills never landed on both sides: {outcomes:?}"
    );
}
