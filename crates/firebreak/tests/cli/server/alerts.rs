//! Alert intake: Alertmanager notifications (version 4, as Alertmanager sends them) and the
//! generic webhook land as findings on incidents, mapped by `firebreak.toml`'s `[alerts]`.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use firebreak::server::{self, Options};
use firebreak_core::access::Role;
use serde_json::{Value, json};

use super::{Api, Db, Reply, state_for};

const AM: &str = "/api/v1/alerts/alertmanager";
const HOOK: &str = "/api/v1/alerts/webhook";

/// One alert as Alertmanager sends it.
fn am_alert(status: &str, name: &str, instance: &str, severity: &str, fingerprint: &str) -> Value {
    json!({
        "status": status,
        "labels": {
            "alertname": name,
            "instance": instance,
            "job": "checkout",
            "service": "checkout",
            "severity": severity
        },
        "annotations": {
            "summary": format!("{name} on {instance}"),
            "description": format!("More than 5% of requests to {instance} fail with 5xx for 5 minutes.")
        },
        "startsAt": "2026-11-23T09:58:12.345Z",
        "endsAt": if status == "resolved" { "2026-11-23T10:20:00Z" } else { "0001-01-01T00:00:00Z" },
        "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=job%3Acheckout_5xx%3Aratio5m+%3E+0.05&g0.tab=1",
        "fingerprint": fingerprint
    })
}

/// A notification for the group `alertname=NAME`, as Alertmanager posts it.
fn notification(name: &str, alerts: Vec<Value>) -> Value {
    let firing = alerts.iter().any(|a| a["status"] == "firing");
    json!({
        "version": "4",
        "groupKey": format!("{{}}/{{severity=~\"critical|warning\"}}:{{alertname=\"{name}\"}}"),
        "truncatedAlerts": 0,
        "status": if firing { "firing" } else { "resolved" },
        "receiver": "firebreak",
        "groupLabels": { "alertname": name },
        "commonLabels": { "alertname": name, "job": "checkout", "service": "checkout" },
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.org:9093",
        "alerts": alerts
    })
}

/// Writes `[alerts]` into the data directory's `firebreak.toml` and rebuilds the app over it.
async fn with_alerts_config(api: &mut Api, toml: &str) {
    let path = api.fb.data_dir().join("firebreak.toml");
    let mut text = std::fs::read_to_string(&path).expect("config written by init");
    text.push_str(toml);
    std::fs::write(&path, text).expect("write config");
    api.state.service.store().close().await;
    api.state = state_for(&api.fb, Options::default()).await;
    api.app = server::app(api.state.clone());
}

async fn post(api: &Api, path: &str, body: Value) -> Reply {
    api.call(Some(Role::Responder), Method::POST, path, Some(body))
        .await
}

async fn incidents(api: &Api) -> Vec<Value> {
    let list = api
        .call(Some(Role::Viewer), Method::GET, "/api/v1/incidents", None)
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    list.body["items"].as_array().expect("items").clone()
}

async fn incident(api: &Api, id: &str) -> Value {
    let r = api
        .call(
            Some(Role::Viewer),
            Method::GET,
            &format!("/api/v1/incidents/{id}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["incident"].clone()
}

async fn timeline(api: &Api, id: &str) -> Reply {
    let r = api
        .call(
            Some(Role::Viewer),
            Method::GET,
            &format!("/api/v1/incidents/{id}/timeline"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r
}

const RUNBOOK_RULE: &str = "\n[alerts]\n[[alerts.rules]]\nmatch = { alertname = \"HighErrorRate\", service = \"checkout\" }\nrunbook = \"web-errors\"\n";

async fn alertmanager_story(db: Db) {
    let mut api = Api::new(db).await;
    with_alerts_config(&mut api, RUNBOOK_RULE).await;

    // A firing group declares one incident at its most severe alert's level.
    let first = post(
        &api,
        AM,
        notification(
            "HighErrorRate",
            vec![
                am_alert(
                    "firing",
                    "HighErrorRate",
                    "web-1:8080",
                    "critical",
                    "1a30ba71cca2921f",
                ),
                am_alert(
                    "firing",
                    "HighErrorRate",
                    "web-2:8080",
                    "warning",
                    "7d3c0b1e5f2a9c44",
                ),
            ],
        ),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["received"], 2);
    let outcomes = first.body["alerts"].as_array().expect("alerts");
    assert_eq!(outcomes[0]["outcome"], "declared", "{}", first.text);
    assert_eq!(outcomes[0]["alert"], "1a30ba71cca2921f");
    assert_eq!(outcomes[0]["severity"], "P1");
    assert_eq!(outcomes[1]["severity"], "P3");
    assert_eq!(outcomes[0]["runbook"], "web-errors");
    let id = outcomes[0]["incident"]
        .as_str()
        .expect("incident")
        .to_string();
    assert_eq!(outcomes[1]["incident"], id.as_str());

    let inc = incident(&api, &id).await;
    assert_eq!(inc["severity"], "P1");
    assert_eq!(inc["status"], "investigating");
    assert_eq!(inc["declared"]["by"], "responder");
    let found = &inc["detections"][0];
    assert_eq!(found["rule"], "alertmanager");
    assert_eq!(found["key"], "alertname=HighErrorRate");
    assert_eq!(found["runbook"], "web-errors");
    assert_eq!(found["count"], 2);
    assert_eq!(found["source"], "Alertmanager receiver firebreak");
    assert!(
        found["samples"][0].as_str().expect("sample").starts_with(
            "1a30ba71cca2921f firing since 2026-11-23T09:58:12.345Z: HighErrorRate on web-1:8080"
        ),
        "{found}"
    );
    assert_eq!(inc["started_at"], "2026-11-23T09:58:12.345Z");

    // The same group firing again (Alertmanager's repeat) updates the same incident.
    let again = post(
        &api,
        AM,
        notification(
            "HighErrorRate",
            vec![am_alert(
                "firing",
                "HighErrorRate",
                "web-1:8080",
                "critical",
                "1a30ba71cca2921f",
            )],
        ),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body["alerts"][0]["outcome"], "updated");
    assert_eq!(again.body["alerts"][0]["incident"], id.as_str());
    assert_eq!(incidents(&api).await.len(), 1);

    // One alert resolves while the other still fires: both land on the same incident, and the
    // resolution is on the timeline; the incident stays open for people to close.
    let resolved = post(
        &api,
        AM,
        notification(
            "HighErrorRate",
            vec![
                am_alert(
                    "resolved",
                    "HighErrorRate",
                    "web-2:8080",
                    "warning",
                    "7d3c0b1e5f2a9c44",
                ),
                am_alert(
                    "firing",
                    "HighErrorRate",
                    "web-1:8080",
                    "critical",
                    "1a30ba71cca2921f",
                ),
            ],
        ),
    )
    .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.text);
    assert_eq!(resolved.body["alerts"][0]["outcome"], "resolved");
    assert_eq!(resolved.body["alerts"][0]["incident"], id.as_str());
    assert_eq!(resolved.body["alerts"][1]["outcome"], "updated");
    let events = timeline(&api, &id).await.body["events"].clone();
    let whats: Vec<&str> = events
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["what"].as_str())
        .collect();
    assert!(
        whats.contains(
            &"alert resolved at 2026-11-23T10:20:00Z: HighErrorRate on web-2:8080 (7d3c0b1e5f2a9c44, rule alertmanager)"
        ),
        "{whats:?}"
    );
    assert_eq!(incident(&api, &id).await["status"], "investigating");

    // A different group opens a second incident.
    let disk = post(
        &api,
        AM,
        notification(
            "DiskFull",
            vec![am_alert(
                "firing",
                "DiskFull",
                "db-1:9100",
                "warning",
                "c6eadffa33fcdf37",
            )],
        ),
    )
    .await;
    assert_eq!(disk.status, StatusCode::OK, "{}", disk.text);
    assert_eq!(disk.body["alerts"][0]["outcome"], "declared");
    assert_ne!(disk.body["alerts"][0]["incident"], id.as_str());
    assert_eq!(disk.body["alerts"][0]["severity"], "P3");
    assert!(
        disk.body["alerts"][0].get("runbook").is_none(),
        "{}",
        disk.text
    );
    assert_eq!(incidents(&api).await.len(), 2);

    // A resolved alert of a group with no open incident is ignored, and the answer says why.
    let stray = post(
        &api,
        AM,
        notification(
            "CertExpiry",
            vec![am_alert(
                "resolved",
                "CertExpiry",
                "edge:443",
                "warning",
                "bc97ff14869b13e3",
            )],
        ),
    )
    .await;
    assert_eq!(stray.status, StatusCode::OK, "{}", stray.text);
    assert_eq!(stray.body["alerts"][0]["outcome"], "ignored");
    assert!(
        stray.body["alerts"][0]["reason"]
            .as_str()
            .expect("reason")
            .contains("no open incident")
    );
    assert_eq!(incidents(&api).await.len(), 2);

    // Once the incident is resolved, the group firing again opens a new one.
    let steer = api
        .call(
            Some(Role::Commander),
            Method::POST,
            &format!("/api/v1/incidents/{id}/status"),
            Some(json!({ "status": "resolved" })),
        )
        .await;
    assert_eq!(steer.status, StatusCode::OK, "{}", steer.text);
    let later = post(
        &api,
        AM,
        notification(
            "HighErrorRate",
            vec![am_alert(
                "firing",
                "HighErrorRate",
                "web-1:8080",
                "critical",
                "1a30ba71cca2921f",
            )],
        ),
    )
    .await;
    assert_eq!(
        later.body["alerts"][0]["outcome"], "declared",
        "{}",
        later.text
    );
    assert_ne!(later.body["alerts"][0]["incident"], id.as_str());
    api.finish().await;
}

#[tokio::test]
async fn alertmanager_groups_become_incidents_on_sqlite() {
    alertmanager_story(Db::Sqlite).await;
}

#[tokio::test]
async fn alertmanager_groups_become_incidents_on_postgres() {
    alertmanager_story(Db::Postgres).await;
}

#[tokio::test]
async fn generic_webhook_maps_and_groups_by_source_and_key() {
    let api = Api::new(Db::Sqlite).await;
    let one = post(
        &api,
        HOOK,
        json!({
            "source": "uptime",
            "key": "checkout-https",
            "title": "Checkout is down",
            "severity": "critical",
            "runbook": "web-errors",
            "labels": { "service": "checkout" },
            "summary": "3 of 3 probes failed",
            "started_at": "2026-11-23T09:00:00Z"
        }),
    )
    .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    let out = &one.body["alerts"][0];
    assert_eq!(out["outcome"], "declared");
    assert_eq!(out["alert"], "checkout-https");
    assert_eq!(out["severity"], "P1");
    assert_eq!(out["runbook"], "web-errors");
    let id = out["incident"].as_str().expect("id").to_string();
    let inc = incident(&api, &id).await;
    assert_eq!(inc["title"], "Checkout is down: checkout-https");
    assert_eq!(inc["detections"][0]["rule"], "webhook:uptime");

    let batch = post(
        &api,
        HOOK,
        json!({ "alerts": [
            { "source": "uptime", "key": "checkout-https", "title": "Checkout is down" },
            { "source": "uptime", "key": "search-https", "title": "Search is slow", "severity": "P2" },
            { "source": "uptime", "key": "checkout-https", "title": "Checkout is up", "status": "resolved" }
        ]}),
    )
    .await;
    assert_eq!(batch.status, StatusCode::OK, "{}", batch.text);
    let outs = batch.body["alerts"].as_array().expect("alerts");
    assert_eq!(outs[0]["outcome"], "updated");
    assert_eq!(outs[0]["incident"], id.as_str());
    assert_eq!(outs[1]["outcome"], "declared");
    assert_eq!(outs[1]["severity"], "P2");
    assert_eq!(outs[2]["outcome"], "resolved");
    assert_eq!(outs[2]["incident"], id.as_str());
    assert_eq!(incidents(&api).await.len(), 2);

    for (body, code) in [
        (
            json!({ "source": "up time", "key": "k", "title": "t" }),
            "invalid",
        ),
        (
            json!({ "source": "uptime", "key": "k", "title": "t", "colour": "red" }),
            "invalid",
        ),
        (
            json!({ "source": "uptime", "key": "", "title": "t" }),
            "invalid",
        ),
        (json!({ "alerts": [] }), "invalid"),
        (json!([1, 2]), "invalid"),
    ] {
        let r = post(&api, HOOK, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text
        );
        assert_eq!(r.body["code"], code, "{}", r.text);
    }
    assert_eq!(incidents(&api).await.len(), 2);
    api.finish().await;
}

#[tokio::test]
async fn only_alert_senders_may_post_and_bad_payloads_record_nothing() {
    let api = Api::new(Db::Sqlite).await;
    let good = notification(
        "HighErrorRate",
        vec![am_alert(
            "firing",
            "HighErrorRate",
            "web-1:8080",
            "critical",
            "1a30ba71cca2921f",
        )],
    );
    let viewer = api
        .call(Some(Role::Viewer), Method::POST, AM, Some(good.clone()))
        .await;
    assert_eq!(viewer.status, StatusCode::FORBIDDEN, "{}", viewer.text);
    assert_eq!(viewer.body["code"], "forbidden");
    let anonymous = api.call(None, Method::POST, AM, Some(good.clone())).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let viewer = api
        .call(Some(Role::Viewer), Method::POST, HOOK, Some(json!({})))
        .await;
    assert_eq!(viewer.status, StatusCode::FORBIDDEN, "{}", viewer.text);

    let raw = |body: String| {
        Request::post(AM)
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", api.token(Role::Responder)),
            )
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .expect("request")
    };
    let not_json = api.send(raw("{\"version\": \"4\",".into())).await;
    assert_eq!(
        not_json.status,
        StatusCode::BAD_REQUEST,
        "{}",
        not_json.text
    );
    assert_eq!(not_json.body["code"], "bad_request");

    let mut no_group = good.clone();
    no_group.as_object_mut().expect("object").remove("groupKey");
    let mut version3 = good.clone();
    version3["version"] = json!("3");
    let mut bad_status = good.clone();
    bad_status["alerts"][0]["status"] = json!("pending");
    for body in [no_group, version3, bad_status] {
        let r = post(&api, AM, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(r.body["code"], "invalid", "{}", r.text);
    }
    let version3 = post(&api, AM, {
        let mut v = good.clone();
        v["version"] = json!("3");
        v
    })
    .await;
    assert!(
        version3.body["message"]
            .as_str()
            .expect("message")
            .contains("version \"4\""),
        "{}",
        version3.text
    );

    // More alerts than one request may carry, though the body is within the size limit.
    let many: Vec<Value> = (0..1001)
        .map(|i| json!({ "status": "firing", "labels": { "alertname": "A" }, "fingerprint": format!("{i:x}") }))
        .collect();
    let too_many = post(&api, AM, notification("A", many)).await;
    assert_eq!(
        too_many.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        too_many.text
    );
    assert_eq!(too_many.body["code"], "too_large");
    assert!(too_many.text.contains("at most 1000"), "{}", too_many.text);

    // A body past the server's size limit.
    let mut huge = good.clone();
    huge["commonAnnotations"]["description"] = json!("x".repeat(300 * 1024));
    let huge = post(&api, AM, huge).await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", huge.text);
    assert_eq!(huge.body["code"], "too_large");

    assert!(incidents(&api).await.is_empty());
    api.finish().await;
}

#[tokio::test]
async fn secrets_in_labels_never_reach_the_journal() {
    let api = Api::new(Db::Sqlite).await;
    let mut alert = am_alert(
        "firing",
        "LeakyProbe",
        "web-1:8080",
        "critical",
        "5e1f0a2b3c4d5e6f",
    );
    alert["labels"]["url"] = json!("https://shop.example.org/reset?user=ana&token=tok3nV4lue&x=1");
    alert["labels"]["api_key"] = json!("K3yV4lue with spaces");
    alert["annotations"]["summary"] =
        json!("probe sent Authorization: Bearer b34rerV4lue and password=hunter2x");
    alert["generatorURL"] = json!("http://prometheus:9090/graph?g0.expr=up&session=s3ss10nV4lue");
    let mut note = notification("LeakyProbe", vec![alert]);
    note["groupLabels"]["auth_token"] = json!("gr0upS3cret");
    let r = post(&api, AM, note).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.body["alerts"][0]["incident"]
        .as_str()
        .expect("id")
        .to_string();
    let resolved = post(
        &api,
        HOOK,
        json!({
            "source": "probe", "key": "token=k3yS3cret", "title": "password=t1tl3S3cret"
        }),
    )
    .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.text);
    let hook_id = resolved.body["alerts"][0]["incident"]
        .as_str()
        .expect("id")
        .to_string();
    for id in [&id, &hook_id] {
        let journal = format!(
            "{}{}",
            timeline(&api, id).await.text,
            incident(&api, id).await
        );
        for secret in [
            "tok3nV4lue",
            "K3yV4lue",
            "with spaces",
            "b34rerV4lue",
            "hunter2x",
            "s3ss10nV4lue",
            "gr0upS3cret",
            "k3yS3cret",
            "t1tl3S3cret",
        ] {
            assert!(
                !journal.contains(secret),
                "{secret} reached the journal of {id}"
            );
        }
    }
    let journal = timeline(&api, &id).await.text;
    assert!(journal.contains("user=ana&token=••••&x=1"), "{journal}");
    assert!(journal.contains("api_key=••••"), "{journal}");
    api.finish().await;
}

#[tokio::test]
async fn the_mapping_comes_from_firebreak_toml() {
    let mut api = Api::new(Db::Sqlite).await;
    with_alerts_config(
        &mut api,
        "\n[alerts]\nseverity_label = \"priority\"\ndefault_severity = \"P2\"\n\
         [alerts.severities]\npage = \"P1\"\nticket = \"P4\"\n\
         [[alerts.rules]]\nmatch = { alertname = \"DiskFull\", service = \"db\" }\nseverity = \"P1\"\nrunbook = \"disk-full\"\n",
    )
    .await;
    let alert = |name: &str, labels: Value| {
        let mut a = am_alert(
            "firing",
            name,
            "db-1:9100",
            "critical",
            &format!("{name}-fp"),
        );
        for (k, v) in labels.as_object().expect("labels") {
            a["labels"][k] = v.clone();
        }
        notification(name, vec![a])
    };
    let cases = [
        // A rule wins over every label.
        (
            alert("DiskFull", json!({ "service": "db", "priority": "ticket" })),
            "P1",
            Some("disk-full"),
        ),
        // The configured severity label, looked up in the table ignoring case.
        (
            alert("SlowQueries", json!({ "priority": "PAGE" })),
            "P1",
            None,
        ),
        (
            alert("Backlog", json!({ "priority": "ticket" })),
            "P4",
            None,
        ),
        // `severity` is no longer the severity label here: the default applies.
        (alert("Latency", json!({})), "P2", None),
    ];
    for (body, severity, runbook) in cases {
        let r = post(&api, AM, body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let out = &r.body["alerts"][0];
        assert_eq!(out["outcome"], "declared", "{}", r.text);
        assert_eq!(out["severity"], severity, "{}", r.text);
        assert_eq!(out["runbook"].as_str(), runbook, "{}", r.text);
        let id = out["incident"].as_str().expect("id");
        assert_eq!(incident(&api, id).await["severity"], severity);
    }
    api.finish().await;
}

#[tokio::test]
async fn a_bad_mapping_is_one_located_error() {
    let api = Api::new(Db::Sqlite).await;
    let path = api.fb.data_dir().join("firebreak.toml");
    let mut text = std::fs::read_to_string(&path).expect("config");
    text.push_str(
        "\n[alerts]\n[[alerts.rules]]\nmatch = { alertname = \"DiskFull\" }\nseverity = \"SEV9\"\n",
    );
    let line = text
        .lines()
        .position(|l| l.contains("SEV9"))
        .expect("written")
        + 1;
    std::fs::write(&path, text).expect("write");
    let out = api.fb.cmd(&["policy"]).output().expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let at = format!("firebreak.toml:{line}:12: alerts.rules[1].severity: ");
    assert!(stderr.contains(&at), "expected {at} in: {stderr}");
    assert!(stderr.contains("SEV9"), "{stderr}");
    assert_eq!(stderr.matches("SEV9").count(), 1, "one error: {stderr}");
    api.finish().await;
}

fn hook(key: &str) -> Value {
    json!({
        "source": "uptime",
        "key": key,
        "title": format!("{key} is down"),
        "severity": "critical",
        "summary": "3 of 3 probes failed"
    })
}

/// Regression: one edited event in one open incident made every intake POST answer 409
/// `damaged`, unrelated groups included (intake folded every open incident per notification).
#[tokio::test]
async fn a_damaged_incident_stops_only_its_own_group() {
    let api = Api::new(Db::Sqlite).await;
    let mut ids = Vec::new();
    for key in ["db-primary", "checkout-https"] {
        let r = post(&api, HOOK, hook(key)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        ids.push(
            r.body["alerts"][0]["incident"]
                .as_str()
                .expect("id")
                .to_string(),
        );
    }
    let damaged = ids[0].clone();
    let db = api.fb.db_file();
    let edit = format!(
        "UPDATE events SET actor = 'someone-else' WHERE incident = '{damaged}' AND seq = 2"
    );
    tokio::task::spawn_blocking(move || crate::support::sql(&db, &[&edit]))
        .await
        .expect("tamper");

    // Another group's alert, and a brand-new group, still land.
    let other = post(&api, HOOK, hook("checkout-https")).await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.text);
    assert_eq!(other.body["alerts"][0]["outcome"], "updated");
    assert_eq!(other.body["alerts"][0]["incident"], ids[1].as_str());
    let fresh = post(&api, HOOK, hook("payments-api")).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.text);
    assert_eq!(fresh.body["alerts"][0]["outcome"], "declared");

    // The damaged incident's own group is refused, and says why, recording nothing.
    let own = post(&api, HOOK, hook("db-primary")).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    let out = &own.body["alerts"][0];
    assert_eq!(out["outcome"], "ignored", "{}", own.text);
    let reason = out["reason"].as_str().expect("reason");
    assert!(reason.contains("does not verify"), "{reason}");
    assert_eq!(
        incidents(&api).await.len(),
        3,
        "nothing new was declared for it"
    );

    // The same holds for Alertmanager, several groups in one delivery each.
    let am = post(
        &api,
        AM,
        notification(
            "DiskFull",
            vec![am_alert(
                "firing",
                "DiskFull",
                "db-1:9100",
                "warning",
                "aa01",
            )],
        ),
    )
    .await;
    assert_eq!(am.status, StatusCode::OK, "{}", am.text);
    assert_eq!(am.body["alerts"][0]["outcome"], "declared");
    api.finish().await;
}

/// Regression: our own API token format (`fbk_…`) in an alert's text was stored and shown.
#[tokio::test]
async fn our_own_tokens_in_alert_text_are_masked() {
    let api = Api::new(Db::Sqlite).await;
    let token = api.token(Role::Admin).to_string();
    assert!(token.starts_with("fbk_"));
    let r = post(
        &api,
        HOOK,
        json!({
            "source": "ci",
            "key": "deploy",
            "title": format!("Deploy failed with {token}"),
            "summary": format!("curl -H 'X-Token: {token}' failed"),
            "labels": { "note": format!("see {token}") },
            "severity": "warning"
        }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.body["alerts"][0]["incident"]
        .as_str()
        .expect("id")
        .to_string();
    let shown = format!(
        "{}{}",
        timeline(&api, &id).await.text,
        incident(&api, &id).await
    );
    assert!(!shown.contains(&token[4..]), "{shown}");
    assert!(shown.contains("••••"), "{shown}");
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alert_that_declares_an_incident_tells_the_chain_once() {
    let receiver = crate::notify::receiver::Receiver::start(None, Some("k"), &[]);
    let mut api = Api::new(Db::Sqlite).await;
    with_alerts_config(
        &mut api,
        &format!(
            "\n[[notify.contacts]]\nname = \"alice\"\nwebhook = \"{}\"\nwebhook_key = \"k\"\n\
             [notify.chain.P1]\ndeclare = [\"alice\"]\n",
            receiver.url()
        ),
    )
    .await;
    let body = notification(
        "HighErrorRate",
        vec![am_alert(
            "firing",
            "HighErrorRate",
            "web-1:9100",
            "critical",
            "a1",
        )],
    );
    let r = post(&api, AM, body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Alertmanager repeats a firing group: the same incident, and nobody told twice.
    let r = post(&api, AM, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let start = std::time::Instant::now();
    while receiver.accepted().is_empty() && start.elapsed() < std::time::Duration::from_secs(10) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let got = receiver.accepted();
    assert_eq!(got.len(), 1, "told once: {got:?}");
    assert_eq!(got[0].body["reason"], "declare");
    assert!(got[0].signed_ok);
    assert_eq!(incidents(&api).await.len(), 1);
    api.finish().await;
}
