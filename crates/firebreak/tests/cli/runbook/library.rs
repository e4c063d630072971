//! The built-in library's diagnosis steps run here and leave verifiable evidence.

use super::*;

/// Test inputs for every parameter a built-in diagnosis step may ask for.
struct Inputs {
    values: BTreeMap<&'static str, String>,
}

fn nginx_log() -> String {
    let agents = [
        "Mozilla/5.0 (X11; Linux x86_64)",
        "curl/8.5.0",
        "sqlmap/1.7.2#stable (https://sqlmap.org)",
        "Mozilla/5.00 (Nikto/2.5.0)",
        "python-requests/2.31",
    ];
    let paths = [
        "/",
        "/api/v1/items",
        "/login",
        "/export/users.csv",
        "/api/v1/data",
        "/health",
    ];
    let statuses = [200, 200, 200, 429, 500, 502, 504, 401, 403, 200, 499, 200];
    let mut out = String::new();
    for i in 0..50usize {
        let ip = match i % 5 {
            0 | 1 => "203.0.113.9".to_string(),
            2 => "198.51.100.7".to_string(),
            _ => format!("192.0.2.{}", 10 + i % 7),
        };
        let method = if paths[i % paths.len()] == "/login" {
            "POST"
        } else {
            "GET"
        };
        out.push_str(&format!(
            "{ip} - - [23/Nov/2026:10:{:02}:{:02} +0000] \"{method} {} HTTP/1.1\" {} {} \"-\" \"{}\"\n",
            i / 10,
            i % 60,
            paths[i % paths.len()],
            statuses[i % statuses.len()],
            200 + 37 * i,
            agents[i % agents.len()],
        ));
    }
    out
}

fn auth_log() -> String {
    let mut out = String::new();
    for i in 0..6 {
        out.push_str(&format!(
            "Nov 23 10:00:0{i} web1 sshd[41{i}0]: Failed password for invalid user admin from 203.0.113.9 port 5100{i} ssh2\n"
        ));
    }
    out.push_str("Nov 23 10:00:07 web1 sshd[4170]: Failed password for deploy from 198.51.100.7 port 52001 ssh2\n");
    out.push_str("Nov 23 10:00:09 web1 sshd[4190]: Accepted password for deploy from 203.0.113.9 port 51009 ssh2\n");
    out.push_str("Nov 23 10:00:10 web1 sshd[4190]: pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)\n");
    out.push_str("Nov 23 10:01:00 web1 sudo:   deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/useradd -m backdoor\n");
    out.push_str("Nov 23 10:05:00 web1 sshd[4300]: Accepted publickey for ops from 192.0.2.20 port 50100 ssh2: ED25519 SHA256:abc\n");
    out
}

/// A self-signed certificate and key: made with `openssl` when it is installed, else fixed.
fn cert_and_key(dir: &Path) -> (PathBuf, PathBuf) {
    let cert = dir.join("server-cert.pem");
    let key = dir.join("server-key.pem");
    let made = StdCommand::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=firebreak-test",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        std::fs::write(&cert, FIXED_CERT).expect("cert");
        std::fs::write(&key, FIXED_KEY).expect("key");
    }
    (cert, key)
}

const FIXED_CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBiTCCAS+gAwIBAgIUGKeG9jvxXIiRgAGvFFXMDg+7V9YwCgYIKoZIzj0EAwIw
GTEXMBUGA1UEAwwOZmlyZWJyZWFrLXRlc3QwIBcNMjYxMTIzMTEzMDEyWhgPMjEy
NjEwMzAxMTMwMTJaMBkxFzAVBgNVBAMMDmZpcmVicmVhay10ZXN0MFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAE+cxY3gGyF9cg3Ux0rDBAHPQcVHoUHRuqpBOJnXFF
xJ069D8l72TYZr6WukIi9//MQFfHg0arrtEot9LxmbAVaaNTMFEwHQYDVR0OBBYE
FP8DhtMFZfdD7Rm7kK419x6ji1EvMB8GA1UdIwQYMBaAFP8DhtMFZfdD7Rm7kK41
9x6ji1EvMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgIe60Y5Sy
xEGaiBVUcglLDPnU5z4cLzqnB9yhBOsjvaACIQCYKv6xNTrZwsFdw764Z/uqZyvY
WoBBLRWkI56ikXB3Zw==
-----END CERTIFICATE-----
";

const FIXED_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgIWY4glUYi0wfXSXA
2VQXIFwnEuy+ebIG1/DotvNwTeGhRANCAAT5zFjeAbIX1yDdTHSsMEAc9BxUehQd
G6qkE4mdcUXEnTr0PyXvZNhmvpa6QiL3/8xAV8eDRquu0Si30vGZsBVp
-----END PRIVATE KEY-----
";

impl Inputs {
    fn new(root: &Path) -> Inputs {
        let inputs = root.join("inputs");
        let data = inputs.join("srv-data");
        std::fs::create_dir_all(data.join("blobs")).expect("data dir");
        std::fs::write(data.join("app.db"), "SQLite format 3\0 not really").expect("file");
        std::fs::write(data.join("server-setup.bin"), "opaque setup").expect("file");
        std::fs::write(data.join("blobs/0001"), vec![7u8; 4096]).expect("file");
        std::fs::write(data.join("export.csv"), "id,email\n1,a@example.org\n").expect("file");
        let evidence = inputs.join("evidence");
        std::fs::create_dir_all(&evidence).expect("evidence dir");
        let log = inputs.join("access.log");
        std::fs::write(&log, nginx_log()).expect("log");
        let auth = inputs.join("auth.log");
        std::fs::write(&auth, auth_log()).expect("auth log");
        let db = inputs.join("qpq.db");
        std::fs::write(&db, "SQLite format 3\0 pretend database").expect("db");
        let lock = inputs.join("Cargo.lock");
        std::fs::write(
            &lock,
            "version = 4\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.200\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"tokio\"\nversion = \"1.40.0\"\n",
        )
        .expect("lock");
        let (cert, key) = cert_and_key(&inputs);
        let p = |p: &Path| p.display().to_string();
        let values = BTreeMap::from([
            ("SERVICE", "firebreak-test-svc".to_string()),
            ("CONTAINER", "fb-test".to_string()),
            ("DATA_DIR", p(&data)),
            ("LOG_FILE", p(&log)),
            ("AUTH_LOG", p(&auth)),
            ("PORT", "8080".to_string()),
            ("HEALTH_URL", "http://127.0.0.1:9/health".to_string()),
            ("ATTACKER_IP", "203.0.113.9".to_string()),
            ("CERT_FILE", p(&cert)),
            ("KEY_FILE", p(&key)),
            ("SERVER_NAME", "localhost".to_string()),
            ("DB_FILE", p(&db)),
            ("EVIDENCE_DIR", p(&evidence)),
            ("SINCE", "1 hour ago".to_string()),
            ("PACKAGE", "serde".to_string()),
            ("LOCKFILE", p(&lock)),
            ("API_TOKEN", "test-token-123".to_string()),
            ("DB_KEY", "test-db-key-456".to_string()),
        ]);
        Inputs { values }
    }
}

/// Runs one built-in runbook's diagnosis phase in an incident of its own; returns what went
/// wrong, if anything.
fn diagnose_with_builtin(name: &str) -> Result<(), String> {
    let (fb, id) = incident(&format!("library check: {name}"));
    let inputs = Inputs::new(fb.root());
    let show = show_json(&fb, name);
    let procedures = show["procedures"].as_array().expect("procedures");
    if procedures.len() != 1 {
        return Err(format!(
            "{name}: expected one procedure, found {}",
            procedures.len()
        ));
    }
    let steps: Vec<&Value> = procedures[0]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter(|st| st["phase"] == "diagnosis")
        .collect();
    if steps.is_empty() {
        return Err(format!("{name}: no diagnosis steps"));
    }
    let mut needed: Vec<&str> = steps
        .iter()
        .flat_map(|st| {
            st["params"]
                .as_array()
                .expect("params")
                .iter()
                .map(|p| p.as_str().expect("param"))
        })
        .filter(|p| !p.starts_with("INCIDENT_"))
        .collect();
    needed.sort_unstable();
    needed.dedup();
    let mut sets = Vec::new();
    for param in &needed {
        let value = inputs
            .values
            .get(param)
            .ok_or_else(|| format!("{name}: the test has no value for parameter {param}"))?;
        sets.push(format!("{param}={value}"));
    }
    let mut args: Vec<&str> = vec![
        "runbook",
        "run",
        name,
        "--phase",
        "diagnosis",
        "--yes",
        "--incident",
        &id,
        "--timeout",
        "30s",
    ];
    for set in &sets {
        args.extend(["--set", set.as_str()]);
    }
    let answers = "y\n".repeat(40);
    // Steps call `firebreak check`: the binary under test must be the one they find.
    let bin_dir = crate::support::binary()
        .parent()
        .expect("binary dir")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    let out = fb
        .cmd(&args)
        .env("PATH", path)
        .current_dir(fb.root())
        .write_stdin(answers.as_bytes().to_vec())
        .timeout(RUN_LIMIT)
        .output()
        .expect("run firebreak");
    if out.status.code() != Some(0) {
        return Err(format!(
            "{name}: exit {:?}\n{}",
            out.status.code(),
            tail(&stderr(&out), 25)
        ));
    }
    let events = events(&fb, &id);
    let by_step = steps_by_number(&events);
    let mut problems = Vec::new();
    for st in &steps {
        let n = st["number"].as_u64().expect("number");
        let kind = st["kind"].as_str().expect("kind");
        let Some(rec) = by_step.get(&n).and_then(|r| r.last()) else {
            if kind != "display" {
                problems.push(format!("step {n} ({kind}) was not recorded"));
            }
            continue;
        };
        match kind {
            "command" | "piped" => {
                if rec["outcome"] != "succeeded" || rec["exit_code"] != 0 {
                    problems.push(format!(
                        "step {n}: {} exit {}",
                        rec["outcome"], rec["exit_code"]
                    ));
                }
                let Some(digest) = rec["stdout"]["sha256"].as_str() else {
                    problems.push(format!("step {n}: no stdout recorded ({})", rec["outcome"]));
                    continue;
                };
                let blob = blob_path(&fb, digest);
                if !blob.is_file() || sha256_file(&blob) != digest {
                    problems.push(format!("step {n}: stdout blob {digest} missing or altered"));
                }
                if let Some(err) = rec["stderr"]["sha256"].as_str() {
                    let text = std::fs::read_to_string(blob_path(&fb, err)).unwrap_or_default();
                    if text.contains("command not found") || text.contains(": not found") {
                        problems.push(format!("step {n}: a program is missing: {text}"));
                    }
                }
            }
            _ => {
                if rec["outcome"] != "confirmed" {
                    problems.push(format!("step {n} ({kind}): {}", rec["outcome"]));
                }
            }
        }
    }
    if payloads(&events, "run_finished")
        .last()
        .map(|p| p["outcome"].clone())
        != Some(Value::from("completed"))
    {
        problems.push("the run did not finish as completed".to_string());
    }
    let (code, verify) = fb.verify();
    if code != 0 {
        problems.push(format!("verify exit {code}: {verify}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{name}: {}", problems.join("; ")))
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[test]
fn built_in_diagnosis_steps_run_and_leave_verifiable_evidence() {
    let fb = Fb::new();
    let listed = fb.json(&["runbook", "ls"]);
    let names: Vec<String> = listed["runbooks"]
        .as_array()
        .expect("runbooks")
        .iter()
        .map(|r| r["name"].as_str().expect("name").to_string())
        .collect();
    assert!(
        names.len() >= 10,
        "the built-in library is nearly empty: {names:?}"
    );
    // Four at a time: enough to finish quickly on two cores without starving the other tests.
    let mut failures = Vec::new();
    for chunk in names.chunks(4) {
        let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|name| scope.spawn(move || diagnose_with_builtin(name)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err("panicked".to_string())))
                .collect()
        });
        failures.extend(results.into_iter().filter_map(Result::err));
    }
    assert!(
        failures.is_empty(),
        "built-in runbooks whose diagnosis does not run cleanly:\n{}",
        failures.join("\n\n")
    );
}

#[test]
fn ls_lists_every_built_in_runbook() {
    let fb = Fb::new();
    let listing = fb.json(&["runbook", "ls"]);
    let names: Vec<&str> = listing["runbooks"]
        .as_array()
        .expect("runbooks")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    let on_disk: Vec<String> = {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../runbooks");
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .expect("runbooks/")
            .filter_map(Result::ok)
            .filter_map(|e| {
                e.path()
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .map(str::to_string)
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names, on_disk,
        "every runbooks/*.md is built in, and nothing else"
    );
    for name in [
        "service-wont-start",
        "node-down",
        "storage-full",
        "connection-flood",
        "key-compromise-api-token",
        "key-compromise-tls-key",
        "key-compromise-db-key",
        "key-compromise-auth-server-secret",
        "high-latency",
        "certificate-expiring",
        "unauthorized-access",
        "data-exfiltration",
        "malware-container-compromise",
        "dependency-vulnerability",
    ] {
        assert!(names.contains(&name), "no built-in runbook {name}");
    }
}

#[test]
fn a_user_runbook_replaces_the_built_in_of_the_same_name() {
    let fb = Fb::init();
    let dir = fb.root().join("ours");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("storage-full.md"),
        "# Our disk procedure\n\n## Diagnosis\n\n```bash\n# Our own check\necho ours\n```\n",
    )
    .expect("write");
    let config = fb.data_dir().join("firebreak.toml");
    let mut text = std::fs::read_to_string(&config).unwrap_or_default();
    text.push_str(&format!(
        "\n[runbooks]\ndirs = [{:?}]\n",
        dir.display().to_string()
    ));
    std::fs::write(&config, text).expect("config");

    let listing = fb.json(&["runbook", "ls"]);
    let ours = listing["runbooks"]
        .as_array()
        .expect("runbooks")
        .iter()
        .find(|r| r["name"] == "storage-full")
        .expect("storage-full listed");
    assert_eq!(ours["title"], "Our disk procedure");
    let out = run_in(&fb, &["runbook", "run", "storage-full", "--yes"], "");
    assert_code(&out, 0, "user runbook run");
    assert_eq!(stdout(&out), "ours\n");
}

#[test]
fn a_missing_runbook_directory_in_the_config_is_named() {
    let fb = Fb::init();
    let config = fb.data_dir().join("firebreak.toml");
    let mut text = std::fs::read_to_string(&config).unwrap_or_default();
    text.push_str("\n[runbooks]\ndirs = [\"no-such-dir\"]\n");
    std::fs::write(&config, text).expect("config");
    let out = run_in(&fb, &["runbook", "ls"], "");
    assert_code(&out, 1, "missing runbook dir");
    assert!(stderr(&out).contains("no-such-dir"), "{}", stderr(&out));
}

#[test]
fn suggest_ranks_the_runbook_that_fits_the_incident_first() {
    let (fb, id) = incident("Disk full on db1: no space left on device");
    let ranked = fb.json(&["runbook", "suggest", &id]);
    let first = &ranked["suggestions"][0];
    assert_eq!(first["runbook"], "storage-full", "{ranked:#}");

    let flood = fb.declare(
        "HTTP 429 and 503 storm: connection flood from one range",
        "P1",
    );
    let ranked = fb.json(&["runbook", "suggest", &flood]);
    assert_eq!(
        ranked["suggestions"][0]["runbook"], "connection-flood",
        "{ranked:#}"
    );
}

/// Points the config's `[runbooks] dirs` at `dir`.
fn use_dir(fb: &Fb, dir: &Path) {
    let config = fb.data_dir().join("firebreak.toml");
    let mut text = std::fs::read_to_string(&config).unwrap_or_default();
    text.push_str(&format!(
        "\n[runbooks]\ndirs = [{:?}]\n",
        dir.display().to_string()
    ));
    std::fs::write(&config, text).expect("config");
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn one_step(title: &str, output: &str) -> String {
    format!("# {title}\n\n## Diagnosis\n\n```bash\necho {output}\n```\n")
}

#[test]
fn nested_runbook_dirs_are_named_by_path_and_collisions_are_named() {
    let (fb, id) = incident("Disk pressure on node-3");
    let dir = fb.root().join("team-runbooks");
    write(
        &dir,
        "alerts/disk-pressure.md",
        &one_step("Disk pressure", "pressure-seen"),
    );
    write(
        &dir,
        "alerts/README.md",
        &one_step("Alert index", "index-a"),
    );
    write(&dir, "alerts.md", &one_step("Alerts overview", "index-b"));
    write(
        &dir,
        "db/_index.md",
        &format!(
            "---\ndescription: Where the database runbooks live.\nweight: 1\n---\n{}",
            one_step("Databases", "db-seen")
        ),
    );
    write(
        &dir,
        "db/replica/lag.markdown",
        &one_step("Replica lag", "lag-seen"),
    );
    write(&dir, ".drafts/hidden.md", &one_step("Hidden", "hidden"));
    write(
        &dir,
        "broken/half.md",
        "# Half\n\n## Diagnosis\n\n```bash\necho never closed\n",
    );
    std::os::unix::fs::symlink(&dir, dir.join("db/loop")).expect("symlink back up");
    use_dir(&fb, &dir);

    let listing = fb.json(&["runbook", "ls"]);
    let names: Vec<&str> = listing["runbooks"]
        .as_array()
        .expect("runbooks")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    for name in [
        "alerts/disk-pressure",
        "db",
        "db/replica/lag",
        "broken/half",
        "storage-full",
    ] {
        assert_eq!(
            names.iter().filter(|n| **n == name).count(),
            1,
            "{name} in {names:?}"
        );
    }
    assert_eq!(
        names.iter().filter(|n| **n == "alerts").count(),
        2,
        "{names:?}"
    );
    let db = listing["runbooks"]
        .as_array()
        .expect("runbooks")
        .iter()
        .find(|r| r["name"] == "db")
        .expect("db listed");
    assert_eq!(db["summary"], "Where the database runbooks live.");
    assert!(
        !names
            .iter()
            .any(|n| n.contains("hidden") || n.contains("loop")),
        "{names:?}"
    );

    let out = run_in(&fb, &["runbook", "ls"], "");
    assert_code(&out, 0, "ls with a collision and a broken file");
    let text = stdout(&out);
    let readme = dir.join("alerts/README.md");
    let flat = dir.join("alerts.md");
    assert!(
        text.contains("warning: 2 files are named \"alerts\"")
            && text.contains(s(&readme))
            && text.contains(s(&flat)),
        "{text}"
    );
    let half = dir.join("broken/half.md");
    assert!(
        text.contains(&format!(
            "error: {}:5:1: error[unterminated-fence]",
            half.display()
        )) && text.contains(&format!("firebreak runbook lint {}", half.display())),
        "{text}"
    );

    // The ambiguous name is refused, naming both files.
    let out = run_in(&fb, &["runbook", "show", "alerts"], "");
    assert_code(&out, 1, "show of an ambiguous name");
    assert!(
        stderr(&out).contains("ambiguous")
            && stderr(&out).contains(s(&readme))
            && stderr(&out).contains(s(&flat)),
        "{}",
        stderr(&out)
    );

    // A name with `/` works in show (with #procedure) and in a recorded run.
    let out = run_in(&fb, &["runbook", "show", "db/replica/lag#replica-lag"], "");
    assert_code(&out, 0, "show NAME#procedure with a slash");
    assert!(
        stdout(&out).contains("db/replica/lag#replica-lag"),
        "{}",
        stdout(&out)
    );
    let out = run_in(
        &fb,
        &[
            "runbook",
            "run",
            "alerts/disk-pressure",
            "--incident",
            &id,
            "--yes",
        ],
        "",
    );
    assert_code(&out, 0, "run by nested name");
    assert_eq!(stdout(&out), "pressure-seen\n");
    let events = events(&fb, &id);
    assert_eq!(
        payloads(&events, "run_started")[0]["runbook"],
        "alerts/disk-pressure"
    );
    assert_verifies(&fb);
}
