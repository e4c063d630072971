//! The dashboard, driven in-process: signing in, the CSRF check on every form, every page and
//! form × every role, the sign-in throttle, escaping, the security headers, what the pages show,
//! and the live event stream.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use firebreak::server::Options;
use firebreak::server::web::FORM_ROUTES;
use firebreak_core::access::{Permission, Role};
use futures_util::StreamExt as _;
use serde_json::json;
use tower::ServiceExt as _;

use super::{Api, Db, Reply};

/// A signed-in browser: its session cookie and the form token its pages carry.
struct Browser {
    cookie: String,
    csrf: String,
}

/// `application/x-www-form-urlencoded` of `fields`.
fn encode(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn from(addr: &str) -> ConnectInfo<SocketAddr> {
    ConnectInfo(addr.parse().expect("socket address"))
}

/// Posts the sign-in form with `token` from `addr`.
async fn sign_in_from(api: &Api, token: &str, addr: &str) -> Reply {
    let mut req = Request::post("/signin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(encode(&[("token", token)])))
        .expect("request");
    req.extensions_mut().insert(from(addr));
    api.send(req).await
}

/// Posts the sign-in form with `token` from peer `addr`, which forwards `x_forwarded_for`.
async fn sign_in_forwarded(api: &Api, token: &str, addr: &str, x_forwarded_for: &str) -> Reply {
    let mut req = Request::post("/signin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-forwarded-for", x_forwarded_for)
        .body(Body::from(encode(&[("token", token)])))
        .expect("request");
    req.extensions_mut().insert(from(addr));
    api.send(req).await
}

/// The value of the first `name="_csrf"` field in a page.
fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"_csrf\" value=\"")
        .expect("a form with _csrf")
        + 20;
    html[at..].split('"').next().expect("value").to_string()
}

impl Api {
    async fn browser(&self, role: Role) -> Browser {
        let r = sign_in_from(self, self.token(role), "192.0.2.10:50000").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let set = r.headers[header::SET_COOKIE].to_str().expect("ascii");
        let cookie = set.split(';').next().expect("pair").to_string();
        let page = self.page(&cookie, "/").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        Browser {
            csrf: csrf_of(&page.text),
            cookie,
        }
    }

    async fn page(&self, cookie: &str, path: &str) -> Reply {
        let req = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    async fn get(&self, b: &Browser, path: &str) -> Reply {
        self.page(&b.cookie, path).await
    }

    async fn post(&self, b: &Browser, path: &str, fields: &[(&str, &str)], htmx: bool) -> Reply {
        let mut req = Request::post(path)
            .header(header::COOKIE, &b.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if htmx {
            req = req.header("HX-Request", "true");
        }
        self.send(req.body(Body::from(encode(fields))).expect("request"))
            .await
    }

    async fn events(&self, id: &str) -> usize {
        let r = self
            .call(
                Some(Role::Viewer),
                Method::GET,
                &format!("/api/v1/incidents/{id}/timeline"),
                None,
            )
            .await;
        r.body["events"].as_array().map_or(0, Vec::len)
    }

    async fn change(&self, id: &str, what: &str, body: serde_json::Value) {
        let r = self
            .call(
                Some(Role::Commander),
                Method::POST,
                &format!("/api/v1/incidents/{id}/{what}"),
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{what}: {}", r.text);
    }
}

fn location(r: &Reply) -> &str {
    r.headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_sets_a_strict_http_only_session_cookie() {
    let api = Api::new(Db::Sqlite).await;
    let anonymous = api.page("", "/").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&anonymous), "/signin");
    let form = api.page("", "/signin").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("name=\"token\""), "{}", form.text);

    let r = sign_in_from(&api, api.token(Role::Responder), "192.0.2.1:1").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/");
    let cookie = r.headers[header::SET_COOKIE].to_str().expect("ascii");
    assert!(cookie.starts_with("firebreak_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
    assert!(
        !cookie.contains(api.token(Role::Responder)),
        "the cookie is not the token"
    );

    let pair = cookie.split(';').next().expect("pair");
    let list = api.page(pair, "/").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains("responder"), "{}", list.text);
    // Signed in already: the sign-in page sends you on.
    assert_eq!(
        api.page(pair, "/signin").await.status,
        StatusCode::SEE_OTHER
    );

    // Signing out ends the session on the server, not only in the browser.
    let b = Browser {
        cookie: pair.to_string(),
        csrf: csrf_of(&list.text),
    };
    let out = api.post(&b, "/signout", &[("_csrf", &b.csrf)], false).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(
        out.headers[header::SET_COOKIE]
            .to_str()
            .expect("ascii")
            .contains("Max-Age=0")
    );
    let after = api.page(pair, "/").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&after), "/signin");
    api.finish().await;

    let secure = Api::with_options(
        Db::Sqlite,
        Options {
            secure_cookies: true,
            ..Options::default()
        },
    )
    .await;
    let r = sign_in_from(&secure, secure.token(Role::Viewer), "192.0.2.1:1").await;
    let cookie = r.headers[header::SET_COOKIE].to_str().expect("ascii");
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    secure.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_from_a_link_returns_to_the_page_and_nowhere_else() {
    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("linked from chat", "P2").await;
    let page = format!("/incidents/{id}");
    let r = api.page("", &page).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let to = format!("/signin?next={page}");
    assert_eq!(location(&r), to);
    let form = api.page("", &to).await;
    // Escaped as HTML escapes it: `/` is `&#x2f;`.
    let escaped = page.replace('/', "&#x2f;");
    assert!(
        form.text
            .contains(&format!("name=\"next\" value=\"{escaped}\""))
    );
    assert!(form.text.contains("Signed in already in this browser?"));
    for (next, lands) in [
        (page.as_str(), page.as_str()),
        ("//elsewhere.example/x", "/"),
        ("https://elsewhere.example/", "/"),
        ("/x\"><script>", "/"),
    ] {
        let mut req = Request::post("/signin")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(encode(&[
                ("token", api.token(Role::Viewer)),
                ("next", next),
            ])))
            .expect("request");
        req.extensions_mut().insert(from("192.0.2.3:1"));
        let r = api.send(req).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(location(&r), lands, "next = {next:?}");
    }
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_token_is_refused_and_the_eleventh_failure_from_one_address_must_wait() {
    let api = Api::new(Db::Sqlite).await;
    let attacker = "198.51.100.7:4000";
    for n in 1..=10 {
        let r = sign_in_from(&api, "fbk_not-a-token", attacker).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "failure {n}");
        assert!(r.headers.get(header::SET_COOKIE).is_none());
        assert!(r.text.contains("not valid"), "{}", r.text);
    }
    let r = sign_in_from(&api, "fbk_not-a-token", attacker).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    assert!(r.text.contains("Too many failed sign-ins"), "{}", r.text);
    // Even the right token waits, from that address…
    let r = sign_in_from(&api, api.token(Role::Admin), attacker).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.get(header::SET_COOKIE).is_none());
    // …while another address signs in.
    let r = sign_in_from(&api, api.token(Role::Admin), "198.51.100.8:4000").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // A request without a known peer (in-process) is counted too, not a panic.
    let req = Request::post("/signin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("token=wrong"))
        .expect("request");
    assert_eq!(api.send(req).await.status, StatusCode::UNAUTHORIZED);
    api.finish().await;
}

/// Regression (issue 19): behind a reverse proxy every client was the proxy, so ten bad sign-ins
/// from anyone locked everyone out.
#[tokio::test(flavor = "multi_thread")]
async fn behind_a_trusted_proxy_the_throttle_counts_the_forwarded_client() {
    let api = Api::with_options(
        Db::Sqlite,
        Options {
            trusted_proxies: vec!["127.0.0.1".parse().expect("net")],
            ..Options::default()
        },
    )
    .await;
    let proxy = "127.0.0.1:50000";
    // The attacker's own X-Forwarded-For entry on the left is not believed: the proxy appended
    // the address it really saw.
    for n in 1..=10 {
        let spoofed = format!("203.0.113.{n}, 198.51.100.7");
        let r = sign_in_forwarded(&api, "fbk_not-a-token", proxy, &spoofed).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "failure {n}");
    }
    let r = sign_in_forwarded(&api, api.token(Role::Admin), proxy, "198.51.100.7").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    // Another client behind the same proxy signs in.
    let r = sign_in_forwarded(&api, api.token(Role::Admin), proxy, "198.51.100.8").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // A peer that is not a trusted proxy is counted as itself, whatever it forwards.
    let stranger = "192.0.2.50:4000";
    for n in 1..=10 {
        let r =
            sign_in_forwarded(&api, "fbk_not-a-token", stranger, &format!("203.0.113.{n}")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "failure {n}");
    }
    let r = sign_in_forwarded(&api, api.token(Role::Admin), stranger, "198.51.100.99").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_form_without_the_session_csrf_token_is_refused_and_records_nothing() {
    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("disk full on db-1", "P2").await;
    let b = api.browser(Role::Commander).await;
    let before = api.events(&id).await;
    let listed = api
        .call(Some(Role::Viewer), Method::GET, "/api/v1/incidents", None)
        .await;
    let incidents = listed.body["items"].as_array().map_or(0, Vec::len);
    // Fields that would succeed with the right token, so only the token is wrong.
    let fields: &[(&str, &str)] = &[
        ("title", "forged"),
        ("severity", "P3"),
        ("status", "contained"),
        ("reason", "forged"),
        ("role", "commander"),
        ("person", "mallory"),
        ("text", "forged"),
        ("list", "initial"),
        ("item", "1"),
        ("done", "true"),
        ("number", "1"),
    ];
    for route in FORM_ROUTES {
        let path = route.replace("{id}", &id);
        for token in [None, Some("0123456789abcdef"), Some("")] {
            let mut with = fields.to_vec();
            if let Some(t) = token {
                with.push(("_csrf", t));
            }
            let r = api.post(&b, &path, &with, false).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} with {token:?}");
            assert!(
                r.headers[header::CONTENT_TYPE]
                    .to_str()
                    .expect("ascii")
                    .starts_with("text/html"),
                "{path}: a page, not JSON"
            );
            assert!(r.text.contains("form token"), "{path}: {}", r.text);
        }
    }
    assert_eq!(api.events(&id).await, before, "nothing was recorded");
    let listed = api
        .call(Some(Role::Viewer), Method::GET, "/api/v1/incidents", None)
        .await;
    assert_eq!(
        listed.body["items"].as_array().map_or(0, Vec::len),
        incidents
    );
    // The session survived the forged sign-out.
    assert_eq!(api.get(&b, "/").await.status, StatusCode::OK);

    // The same form with the token goes through; so does htmx's header instead of the field.
    let r = api
        .post(
            &b,
            &format!("/incidents/{id}/notes"),
            &[("_csrf", &b.csrf), ("text", "checked the disk")],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let req = Request::post(format!("/incidents/{id}/ack"))
        .header(header::COOKIE, &b.cookie)
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &b.csrf)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::empty())
        .expect("request");
    assert_eq!(api.send(req).await.status, StatusCode::OK);
    assert_eq!(api.events(&id).await, before + 2);
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_script_in_a_title_renders_as_text() {
    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("<script>alert(1)</script>", "P1").await;
    api.change(
        &id,
        "notes",
        json!({ "text": "<img src=x onerror=alert(2)>" }),
    )
    .await;
    let b = api.browser(Role::Viewer).await;
    for path in ["/".to_string(), format!("/incidents/{id}")] {
        let r = api.get(&b, &path).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.text.contains("<script>alert"), "{path}: {}", r.text);
        assert!(!r.text.contains("<img src=x"), "{path}");
        assert!(
            r.text
                .contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
                || r.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path}: the title is shown, escaped"
        );
    }
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_carry_the_security_headers_and_no_inline_script_or_style() {
    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("headers", "P3").await;
    let b = api.browser(Role::Admin).await;
    for path in [
        "/signin".to_string(),
        "/".to_string(),
        format!("/incidents/{id}"),
        format!("/fragments/incidents/{id}"),
        "/fragments/incidents".to_string(),
        "/assets/app.css".to_string(),
        "/no-such-page".to_string(),
    ] {
        let r = api.get(&b, &path).await;
        assert_eq!(
            r.headers[header::CONTENT_SECURITY_POLICY],
            firebreak::server::CSP,
            "{path}"
        );
        assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let kind = r.headers.get(header::CONTENT_TYPE);
        if kind.is_some_and(|k| k.to_str().expect("ascii").starts_with("text/html")) {
            assert_eq!(r.headers[header::CACHE_CONTROL], "no-store", "{path}");
            assert!(!r.text.contains("style="), "{path}: inline style");
            assert!(!r.text.contains(" onclick"), "{path}: inline handler");
            for script in r.text.split("<script").skip(1) {
                assert!(
                    script.trim_start().starts_with("src=") && script.contains("></script>"),
                    "{path}: only external scripts"
                );
            }
        }
    }
    for (asset, kind) in [
        ("htmx.min.js", "text/javascript"),
        ("htmx-ext-sse.min.js", "text/javascript"),
        ("app.js", "text/javascript"),
        ("app.css", "text/css"),
    ] {
        let r = api.get(&b, &format!("/assets/{asset}")).await;
        assert_eq!(r.status, StatusCode::OK, "{asset}");
        let ct = r.headers[header::CONTENT_TYPE].to_str().expect("ascii");
        assert!(ct.starts_with(kind), "{asset}: {ct}");
        let cache = r.headers[header::CACHE_CONTROL].to_str().expect("ascii");
        assert!(cache.contains("max-age=31536000"), "{asset}: {cache}");
    }
    assert_eq!(
        api.get(&b, "/assets/nope.js").await.status,
        StatusCode::NOT_FOUND
    );
    let page = api.get(&b, "/").await.text;
    assert!(page.contains("/assets/htmx.min.js?v="), "versioned links");
    assert!(page.contains("\"includeIndicatorStyles\":false"));
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_incident_page_shows_clocks_checklists_actions_roles_notes_evidence_runs_and_timeline()
{
    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("checkout returns 502", "P1").await;
    api.change(&id, "notes", json!({ "text": "rolled back 4.2.1" }))
        .await;
    api.change(&id, "checklists/initial/1", json!({})).await;
    api.change(
        &id,
        "actions",
        json!({ "text": "add a canary for checkout", "owner": "dana" }),
    )
    .await;
    api.change(
        &id,
        "roles",
        json!({ "role": "commander", "person": "ana" }),
    )
    .await;
    let fb = &api.fb;
    let file = fb.file("access.log", "GET /checkout 502\n");
    let out = fb
        .cmd(&["evidence", "add", &id, file.to_str().expect("utf-8")])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let book = fb.file(
        "look.md",
        "# Look around\n\n## Diagnosis\n\n```bash\n# 1. Say hello\necho hello-from-the-runbook <service>\n```\n\n```bash\n# 2. Check the key is set\ntest -n <api-token>\n```\n",
    );
    let out = fb
        .cmd(&[
            "runbook",
            "run",
            book.to_str().expect("utf-8"),
            "--incident",
            &id,
            "--set",
            "SERVICE=checkout",
            "--set",
            "API_TOKEN=hunter2-secret",
            "--yes",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let b = api.browser(Role::Responder).await;
    let r = api.get(&b, &format!("/incidents/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let page = &r.text;
    for shown in [
        "checkout returns 502",
        "Acknowledge</dt>",
        "data-deadline=",
        " left</time>",
        "Checklists",
        "class=\"tick ticked\"",
        "add a canary for checkout",
        "ana",
        "rolled back 4.2.1",
        "access.log",
        "sha256 ",
        "look#",
        "hello-from-the-runbook",
        "ticked “Work out what is happening and what it touches” (First 15 minutes, 1)",
        "note: rolled back 4.2.1",
        "sse-connect=\"/events\"",
        "hx-trigger=\"sse:changed\"",
    ] {
        assert!(page.contains(shown), "the page shows {shown:?}:\n{page}");
    }
    // A run is one line per step, each opening to its command and output, under the
    // parameters it was given (a secret one masked).
    assert!(page.contains("<details class=\"run\" id=\"run-"), "{page}");
    assert_eq!(page.matches("<details id=\"step-").count(), 2, "{page}");
    assert!(
        page.contains("<dt>SERVICE</dt><dd><code>checkout</code>"),
        "{page}"
    );
    assert!(page.contains("<dt>API_TOKEN</dt>"), "{page}");
    assert!(
        !page.contains("hunter2-secret"),
        "a secret parameter never reaches the page"
    );
    // Evidence sizes read as people write them, not as a byte count.
    assert!(page.contains(" collected: "), "{page}");
    assert!(!page.contains(" bytes, sha256"), "{page}");
    // Text shown on screen is escaped, so JSON there would read `{&quot;`.
    assert!(!page.contains("{&quot;"), "no raw JSON on screen");
    // A responder works but does not steer: no status, severity or role forms.
    assert!(page.contains(&format!("action=\"/incidents/{id}/notes\"")));
    assert!(page.contains(&format!("action=\"/incidents/{id}/ack\"")));
    assert!(!page.contains(&format!("action=\"/incidents/{id}/status\"")));
    assert!(!page.contains(&format!("action=\"/incidents/{id}/roles\"")));
    // Evidence opens from the page (a responder may download; it is recorded as custody), with
    // a short digest whose whole value is in its title.
    let link = format!("href=\"/api/v1/incidents/{id}/evidence/");
    let at = page.find(&link).expect("an evidence link") + "href=\"".len();
    let href = &page[at..at + page[at..].find('"').expect("end of href")];
    let got = api.get(&b, href).await;
    assert_eq!(got.status, StatusCode::OK, "{href}: {}", got.text);
    let timeline = api.get(&b, &format!("/incidents/{id}")).await.text;
    assert!(
        timeline.contains("downloaded"),
        "the download is on the timeline: {timeline}"
    );
    let viewer = api.browser(Role::Viewer).await;
    let seen = api.get(&viewer, &format!("/incidents/{id}")).await.text;
    assert!(!seen.contains(&link), "a viewer gets no download link");
    assert!(seen.contains("title=\"sha256 "), "{seen}");

    let list = api.get(&b, "/").await.text;
    assert!(list.contains("checkout returns 502"));
    assert!(
        list.contains("class=\"sev tone-0\""),
        "P1 has the first tone"
    );
    assert!(list.contains("Declare an incident"));
    let none = api.get(&b, "/?status=closed").await.text;
    assert!(!none.contains("checkout returns 502"));
    assert!(none.contains("No incidents match"));
    let bad = api.get(&b, "/?severity=P99").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert!(bad.text.contains("P99"));
    api.finish().await;
}

/// Regression (issue 19): after the quickstart resolved its incident, the dashboard's default
/// list (open incidents) said only "No incidents match", with no filter the newcomer had set.
#[tokio::test(flavor = "multi_thread")]
async fn an_empty_open_list_says_so_and_offers_every_incident() {
    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("checkout returns 502", "P2").await;
    api.fb
        .cmd(&["status", &id, "resolved", "--reason", "rolled back"])
        .assert()
        .success();
    let b = api.browser(Role::Viewer).await;
    let list = api.get(&b, "/").await.text;
    assert!(!list.contains("checkout returns 502"), "{list}");
    assert!(list.contains("No open incidents."), "{list}");
    assert!(list.contains("href=\"/?show=all\""), "{list}");
    let all = api.get(&b, "/?show=all").await.text;
    assert!(all.contains("checkout returns 502"), "{all}");
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn forms_go_back_to_the_page_or_answer_htmx_with_the_fragment() {
    let api = Api::new(Db::Sqlite).await;
    let b = api.browser(Role::Commander).await;
    let r = api
        .post(
            &b,
            "/incidents",
            &[
                ("_csrf", &b.csrf),
                ("title", "queue backlog growing"),
                ("severity", "P2"),
                ("commander", ""),
                ("summary", ""),
            ],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = location(&r).to_string();
    let id = page.trim_start_matches("/incidents/").to_string();
    assert!(id.starts_with("INC-"), "{page}");

    let r = api
        .post(
            &b,
            &format!("/incidents/{id}/tick"),
            &[
                ("_csrf", &b.csrf),
                ("list", "initial"),
                ("item", "2"),
                ("done", "true"),
            ],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&r), page);

    let r = api
        .post(
            &b,
            &format!("/incidents/{id}/notes"),
            &[("_csrf", &b.csrf), ("text", "consumers restarted")],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.text.contains("<html"), "a fragment, not a page");
    assert!(r.text.contains("consumers restarted"));
    assert!(
        r.text.contains(
            "ticked “Pick a severity from the policy and record it” (First 15 minutes, 2)"
        ),
        "{}",
        r.text
    );

    for (path, fields) in [
        ("status", vec![("status", "contained"), ("reason", "")]),
        (
            "severity",
            vec![("severity", "P1"), ("reason", "spreading")],
        ),
        ("roles", vec![("role", "comms"), ("person", "lee")]),
        (
            "actions",
            vec![
                ("text", "write it up"),
                ("owner", ""),
                ("due", "2099-01-31"),
            ],
        ),
        ("actions/done", vec![("number", "1")]),
    ] {
        let mut with = vec![("_csrf", b.csrf.as_str())];
        with.extend(fields);
        let r = api
            .post(&b, &format!("/incidents/{id}/{path}"), &with, true)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    }
    let shown = api.get(&b, &page).await.text;
    for text in [
        "status investigating → contained",
        "severity P2 → P1",
        "lee is communications",
        "action item 1 done",
    ] {
        assert!(shown.contains(text), "{text}:\n{shown}");
    }

    // A refused change is a calm page with the reason, not JSON.
    let r = api
        .post(
            &b,
            &format!("/incidents/{id}/actions"),
            &[("_csrf", &b.csrf), ("text", "x"), ("due", "next tuesday")],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"problem\"") && r.text.contains("next tuesday"));
    let r = api
        .post(
            &b,
            "/incidents/INC-2001-01-01-999/ack",
            &[("_csrf", &b.csrf)],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_viewer_sees_no_forms_and_a_forbidden_form_is_refused_as_a_page() {
    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("read only", "P3").await;
    let b = api.browser(Role::Viewer).await;
    let page = api.get(&b, &format!("/incidents/{id}")).await.text;
    assert!(
        !page.contains(&format!("action=\"/incidents/{id}/")),
        "{page}"
    );
    assert!(!api.get(&b, "/").await.text.contains("Declare an incident"));
    let before = api.events(&id).await;
    let r = api
        .post(
            &b,
            &format!("/incidents/{id}/notes"),
            &[("_csrf", &b.csrf), ("text", "sneaky")],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("Not for your role"), "{}", r.text);
    assert!(r.text.contains("responder or above"), "{}", r.text);
    assert_eq!(api.events(&id).await, before);
    // Not signed in, htmx is told where to go instead of getting the sign-in page as a fragment.
    let req = Request::get(format!("/fragments/incidents/{id}"))
        .header("HX-Request", "true")
        .body(Body::empty())
        .expect("request");
    let r = api.send(req).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers["hx-redirect"], "/signin");
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_event_stream_says_changed_after_a_change() {
    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("watch me", "P2").await;
    let b = api.browser(Role::Viewer).await;
    let req = Request::get("/events")
        .header(header::COOKIE, &b.cookie)
        .body(Body::empty())
        .expect("request");
    let res = api.app.clone().oneshot(req).await.expect("infallible");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()[header::CONTENT_TYPE]
            .to_str()
            .expect("ascii")
            .starts_with("text/event-stream")
    );
    api.change(&id, "notes", json!({ "text": "still watching" }))
        .await;
    let mut body = res.into_body().into_data_stream();
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(chunk)) = body.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("event: changed") && seen.contains(&id) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "stream so far: {seen:?}");

    // Shutting down ends the stream.
    let req = Request::get("/events")
        .header(header::COOKIE, &b.cookie)
        .body(Body::empty())
        .expect("request");
    let res = api.app.clone().oneshot(req).await.expect("infallible");
    api.state.feed.close();
    let ended = tokio::time::timeout(
        Duration::from_secs(10),
        axum::body::to_bytes(res.into_body(), 1 << 20),
    )
    .await;
    assert!(matches!(ended, Ok(Ok(_))), "the stream ended");
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_works_on_postgres() {
    let api = Api::new(Db::Postgres).await;
    let id = api.declare("replica check", "P2").await;
    let b = api.browser(Role::Responder).await;
    let r = api
        .post(
            &b,
            &format!("/incidents/{id}/tick"),
            &[
                ("_csrf", &b.csrf),
                ("list", "initial"),
                ("item", "1"),
                ("done", "true"),
            ],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = api.get(&b, &format!("/incidents/{id}")).await.text;
    assert!(
        page.contains(
            "ticked “Work out what is happening and what it touches” (First 15 minutes, 1)"
        ),
        "{page}"
    );
    api.finish().await;
}

/// The least permission of each form route: the dashboard's half of the route × role matrix.
const FORM_PERMISSIONS: [(&str, Permission); 17] = [
    ("/signout", Permission::Read),
    ("/incidents", Permission::Declare),
    ("/incidents/{id}/ack", Permission::Work),
    ("/incidents/{id}/status", Permission::Steer),
    ("/incidents/{id}/reopen", Permission::Steer),
    ("/incidents/{id}/severity", Permission::Steer),
    ("/incidents/{id}/roles", Permission::Steer),
    ("/incidents/{id}/notes", Permission::Work),
    ("/incidents/{id}/tick", Permission::Work),
    ("/incidents/{id}/actions", Permission::Work),
    ("/incidents/{id}/actions/done", Permission::Work),
    ("/incidents/{id}/notifications/preview", Permission::Read),
    ("/incidents/{id}/notifications", Permission::Work),
    ("/incidents/{id}/review/sections", Permission::Work),
    ("/incidents/{id}/review/submit", Permission::Work),
    ("/incidents/{id}/review/publish", Permission::Steer),
    ("/incidents/{id}/review/reopen", Permission::Steer),
];

#[tokio::test(flavor = "multi_thread")]
async fn every_page_and_form_answers_each_role_as_the_permission_table_says() {
    let mut table: Vec<&str> = FORM_PERMISSIONS.iter().map(|(r, _)| *r).collect();
    let mut served: Vec<&str> = FORM_ROUTES.to_vec();
    table.sort_unstable();
    served.sort_unstable();
    assert_eq!(table, served, "every form route needs a row here");

    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("matrix", "P3").await;
    let pages = [
        "/".to_string(),
        format!("/incidents/{id}"),
        format!("/fragments/incidents/{id}"),
        format!("/incidents/{id}/review"),
        format!("/incidents/{id}/review/document"),
        "/reports".to_string(),
        "/reports/document?since=30d".to_string(),
    ];
    // Anonymous: pages send to sign-in; forms record nothing.
    for path in &pages {
        let r = api.page("", path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(location(&r).starts_with("/signin"), "{path}");
    }
    let fields: &[(&str, &str)] = &[
        ("title", "from the matrix"),
        ("severity", "P3"),
        ("status", "contained"),
        ("reason", "matrix"),
        ("role", "scribe"),
        ("person", "ana"),
        ("text", "matrix"),
        ("list", "initial"),
        ("item", "1"),
        ("number", "1"),
        ("field", "summary"),
    ];
    for (route, _) in FORM_PERMISSIONS {
        let path = route.replace("{id}", &id);
        let before = api.events(&id).await;
        let r = api
            .post(
                &Browser {
                    cookie: String::new(),
                    csrf: String::new(),
                },
                &path,
                fields,
                false,
            )
            .await;
        assert!(!r.status.is_success(), "{path} anonymous: {}", r.status);
        assert_eq!(api.events(&id).await, before, "{path} anonymous recorded");
    }
    for role in Role::ALL {
        let b = api.browser(role).await;
        for path in &pages {
            assert_eq!(
                api.get(&b, path).await.status,
                StatusCode::OK,
                "{role} {path}"
            );
        }
        // Sign-out last: it ends the session the other forms use.
        for (route, permission) in FORM_PERMISSIONS.iter().rev() {
            let path = route.replace("{id}", &id);
            let mut with = fields.to_vec();
            with.push(("_csrf", &b.csrf));
            let r = api.post(&b, &path, &with, false).await;
            if role.may(*permission) {
                assert_ne!(r.status, StatusCode::FORBIDDEN, "{role} {path}: {}", r.text);
                // Signing out sends to the sign-in page; nothing else may.
                if *route != "/signout" {
                    assert!(!location(&r).starts_with("/signin"), "{role} {path}");
                }
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} {path}");
                assert!(
                    r.text.contains("Not for your role"),
                    "{role} {path}: {}",
                    r.text
                );
            }
        }
    }
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_review_is_written_submitted_and_signed_off_in_the_dashboard() {
    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("Queue stuck", "P2").await;
    let responder = api.browser(Role::Responder).await;
    let commander = api.browser(Role::Commander).await;
    let page = format!("/incidents/{id}/review");

    let first = api.get(&responder, &page).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.text.contains("Submit for sign-off"), "{}", first.text);
    assert!(
        !first.text.contains("Publish (sign off)"),
        "a responder cannot sign off"
    );

    let sections = format!("{page}/sections");
    let csrf = responder.csrf.clone();
    let r = api
        .post(
            &responder,
            &sections,
            &[
                ("field", "summary"),
                ("text", "Workers <b>hung</b> on a lock."),
                ("_csrf", &csrf),
            ],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(location(&r), page);
    let r = api
        .post(
            &responder,
            &sections,
            &[("field", "blame"), ("text", "x"), ("_csrf", &csrf)],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert!(
        r.text.contains("root-cause"),
        "the fields are listed: {}",
        r.text
    );

    let r = api
        .post(
            &responder,
            &format!("{page}/submit"),
            &[("_csrf", &responder.csrf)],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let review = api.get(&commander, &page).await;
    assert!(review.text.contains("in-review"), "{}", review.text);
    assert!(
        review.text.contains("Publish (sign off)"),
        "{}",
        review.text
    );
    let r = api
        .post(
            &commander,
            &format!("{page}/publish"),
            &[("_csrf", &commander.csrf)],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let review = api.get(&responder, &page).await;
    assert!(review.text.contains(">published<"), "{}", review.text);
    assert!(
        !review.text.contains("Save summary"),
        "a published review has no edit forms"
    );

    // The framed document: the CLI's self-contained page, escaped, allowed its inline style.
    let doc = api.get(&responder, &format!("{page}/document")).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(
        doc.text
            .contains("Workers &lt;b&gt;hung&lt;/b&gt; on a lock."),
        "{}",
        doc.text
    );
    assert!(doc.text.contains("<svg"), "the phase chart is inline");
    let csp = doc.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii");
    assert!(
        csp.contains("style-src 'unsafe-inline'") && csp.contains("frame-ancestors 'self'"),
        "{csp}"
    );
    assert!(
        !csp.contains("script-src"),
        "the document runs nothing: {csp}"
    );
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reports_page_frames_the_report_and_refuses_a_window_it_cannot_read() {
    let api = Api::new(Db::Sqlite).await;
    api.declare("Queue stuck", "P2").await;
    let viewer = api.browser(Role::Viewer).await;
    let page = api.get(&viewer, "/reports?since=30d&severity=P2").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(
        page.text
            .contains("src=\"/reports/document?severity=P2&amp;since=30d\""),
        "{}",
        page.text
    );
    let doc = api
        .get(&viewer, "/reports/document?since=30d&severity=P2")
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.text.contains("<svg"), "{}", doc.text);
    let bad = api.get(&viewer, "/reports?since=banana").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text.contains("since &quot;banana&quot;") || bad.text.contains("since \"banana\""),
        "{}",
        bad.text
    );
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn open_incidents_are_listed_most_urgent_first_under_a_strip_of_what_is_late() {
    let api = Api::new(Db::Sqlite).await;
    let declare = |title: &'static str, severity: &'static str, detected_min_ago: i64| {
        let detected = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(detected_min_ago);
        let body = serde_json::json!({
            "title": title, "severity": severity, "detected_at": detected.to_string(),
        });
        let api = &api;
        async move {
            let r = api
                .call(
                    Some(Role::Commander),
                    Method::POST,
                    "/api/v1/incidents",
                    Some(body),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            r.body["incident"]["id"].as_str().expect("id").to_string()
        }
    };
    // Declared oldest first: an id order would show the fresh P3s above the late P1.
    let late_p1 = declare("Payments down", "P1", 40).await;
    let fresh_p3 = declare("Slow search", "P3", 1).await;
    let fresh_p1 = declare("Login errors", "P1", 1).await;
    let acked = declare("Cache misses", "P3", 2).await;
    let r = api
        .call(
            Some(Role::Responder),
            Method::POST,
            &format!("/api/v1/incidents/{acked}/ack"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let viewer = api.browser(Role::Viewer).await;
    let page = api.get(&viewer, "/").await;
    assert_eq!(page.status, StatusCode::OK);
    let at = |id: &str| {
        page.text
            .find(&format!("<span class=\"id\">{id}</span>"))
            .expect(id)
    };
    assert!(
        at(&late_p1) < at(&fresh_p1),
        "the breached P1 first:\n{}",
        page.text
    );
    assert!(
        at(&fresh_p1) < at(&fresh_p3),
        "then the nearest deadline:\n{}",
        page.text
    );
    assert!(
        page.text.contains("<title>(1 overdue) Incidents"),
        "{}",
        page.text
    );
    assert!(page.text.contains("2 P1"), "{}", page.text);
    assert!(page.text.contains("1 ack overdue"), "{}", page.text);
    assert!(page.text.contains("not acknowledged"), "{}", page.text);
    assert!(page.text.contains(">acknowledged<"), "{}", page.text);
    assert!(
        page.text.contains("· open 40m"),
        "time open is shown: {}",
        page.text
    );
    // "All" keeps the newest first.
    let all = api.get(&viewer, "/?show=all").await;
    let at_all = |id: &str| {
        all.text
            .find(&format!("<span class=\"id\">{id}</span>"))
            .expect(id)
    };
    assert!(at_all(&acked) < at_all(&late_p1), "{}", all.text);
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_incident_page_offers_only_the_moves_the_server_allows() {
    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("Queue stuck", "P2").await;
    let commander = api.browser(Role::Commander).await;
    let page = format!("/incidents/{id}");
    let options = |html: &str, select: &str| -> Vec<String> {
        let start = html.find(&format!("id=\"{select}\"")).expect(select);
        let end = start + html[start..].find("</select>").expect("end of select");
        html[start..end]
            .split("<option value=\"")
            .skip(1)
            .map(|o| o[..o.find('"').expect("quote")].to_string())
            .collect()
    };
    let fresh = api.get(&commander, &page).await.text;
    assert_eq!(options(&fresh, "status-to"), ["contained", "resolved"]);
    assert!(
        !options(&fresh, "severity-to").contains(&"P2".to_string()),
        "{fresh}"
    );

    let csrf = commander.csrf.clone();
    let r = api
        .post(
            &commander,
            &format!("{page}/status"),
            &[("status", "resolved"), ("_csrf", &csrf)],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let resolved = api.get(&commander, &page).await.text;
    assert!(
        !resolved.contains("id=\"status-to\""),
        "no forward move but closing: {resolved}"
    );
    assert!(
        resolved.contains("<button type=\"submit\">Close</button>"),
        "{resolved}"
    );
    let r = api
        .post(
            &commander,
            &format!("{page}/status"),
            &[("status", "closed"), ("_csrf", &csrf)],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let closed = api.get(&commander, &page).await.text;
    assert!(
        !closed.contains(">Close</button>"),
        "a closed incident offers no close: {closed}"
    );
    assert!(closed.contains("Reopen"), "{closed}");
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_form_comes_back_with_the_reason_and_what_was_typed() {
    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("Queue stuck", "P2").await;
    let commander = api.browser(Role::Commander).await;
    let page = format!("/incidents/{id}");
    let csrf = commander.csrf.clone();
    // Someone else closes the incident while this commander types a reason for containing it.
    for status in ["resolved", "closed"] {
        let r = api
            .post(
                &commander,
                &format!("{page}/status"),
                &[("status", status), ("_csrf", &csrf)],
                false,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    }
    let before = api.get(&commander, &page).await.text;
    let r = api
        .post(
            &commander,
            &format!("{page}/status"),
            &[
                ("status", "contained"),
                ("reason", "blocked the <noisy> consumer"),
                ("_csrf", &csrf),
            ],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(
        r.text.contains("<h1>Queue stuck</h1>"),
        "the incident page: {}",
        r.text
    );
    let problem = r
        .text
        .find("id=\"problem\"")
        .expect("the reason is on the page");
    let status_card = r.text.find("<h2>Status</h2>").expect("status card");
    assert!(problem > status_card, "the reason sits in the status card");
    assert!(
        r.text
            .contains("value=\"blocked the &lt;noisy&gt; consumer\""),
        "what was typed is kept, escaped: {}",
        r.text
    );
    // A note that is only spaces is refused beside the note form; the note box keeps it.
    let r = api
        .post(
            &commander,
            &format!("{page}/notes"),
            &[("text", "   "), ("_csrf", &csrf)],
            false,
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let note_card = r.text.find("<h2>Add a note</h2>").expect("note card");
    let problem = r.text.find("id=\"problem\"").expect("reason");
    assert!(
        problem > note_card
            && problem < r.text.find("<h2>New action item</h2>").expect("next card")
    );
    // A refused button with nothing typed says why at the top of the page.
    let r = api
        .post(
            &commander,
            &format!("{page}/actions/done"),
            &[("number", "7"), ("_csrf", &csrf)],
            false,
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let flash = r.text.find("id=\"flash\"").expect("flash");
    assert!(
        r.text[flash..]
            .starts_with("id=\"flash\" class=\"flash\" role=\"alert\"><span id=\"problem\">"),
        "{}",
        &r.text[flash..flash + 200]
    );
    // Nothing was recorded by the refusals.
    let after = api.get(&commander, &page).await.text;
    assert_eq!(
        before.matches("class=\"event ").count(),
        after.matches("class=\"event ").count()
    );
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn timeline_chips_narrow_it_to_one_kind_and_a_live_update_keeps_the_choice() {
    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("Queue stuck", "P2").await;
    api.change(&id, "notes", json!({"text": "consumer lag is 40k"}))
        .await;
    api.change(&id, "ack", json!({})).await;
    api.change(&id, "notes", json!({"text": "restarted one consumer"}))
        .await;
    let b = api.browser(Role::Responder).await;
    let page = format!("/incidents/{id}");

    let all = api.get(&b, &page).await.text;
    for chip in [
        "Everything <span class=\"count\">4</span>",
        "Notes <span class=\"count\">2</span>",
        "Decisions <span class=\"count\">2</span>",
    ] {
        assert!(all.contains(chip), "{chip}: {all}");
    }
    assert!(
        !all.contains(">Runbook runs <"),
        "no chip for a kind with no events"
    );

    let timeline = |html: &str| -> String {
        let start = html.find("<ol class=\"timeline\"").expect("timeline");
        let end = start + html[start..].find("</ol>").expect("end");
        html[start..end].to_string()
    };
    let notes = api.get(&b, &format!("{page}?timeline=notes")).await.text;
    let shown = timeline(&notes);
    assert_eq!(shown.matches("<li class=\"event").count(), 2, "{shown}");
    assert!(
        shown.contains("restarted one consumer") && !shown.contains("acknowledged"),
        "{shown}"
    );
    assert!(
        notes.contains("?timeline=notes#timeline\" class=\"chip\" aria-current=\"true\""),
        "{notes}"
    );
    assert!(
        notes.contains(&format!(
            "hx-get=\"/fragments/incidents/{id}?timeline=notes\""
        )),
        "the live region asks for the same kind again"
    );
    // An htmx form sent from the narrowed page gets the narrowed fragment back.
    let req = Request::post(format!("{page}/notes"))
        .header(header::COOKIE, &b.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("HX-Request", "true")
        .header(
            "HX-Current-URL",
            format!("http://firebreak.test{page}?timeline=notes"),
        )
        .body(Body::from(format!("_csrf={}&text=third+note", b.csrf)))
        .expect("request");
    let r = api.send(req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let shown = timeline(&r.text);
    assert_eq!(shown.matches("<li class=\"event").count(), 3, "{shown}");
    // A value that names no kind shows everything rather than nothing.
    let odd = api
        .get(&b, &format!("{page}?timeline=%3Cscript%3E"))
        .await
        .text;
    assert_eq!(timeline(&odd).matches("<li class=\"event").count(), 5);
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alertmanager_incident_shows_each_alert_with_its_labels_and_links() {
    let api = Api::new(Db::Sqlite).await;
    let alert = |instance: &str, runbook: &str| {
        json!({
            "status": "firing",
            "labels": {"alertname": "DiskFull", "instance": instance, "severity": "critical", "api_token": "fbk_do-not-show"},
            "annotations": {"summary": format!("Disk almost full on {instance}"), "runbook_url": runbook},
            "startsAt": "2026-11-23T09:58:12Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=disk_free",
            "fingerprint": format!("fp-{instance}")
        })
    };
    let body = json!({
        "version": "4",
        "groupKey": "{}:{alertname=\"DiskFull\"}",
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "firebreak",
        "groupLabels": {"alertname": "DiskFull"},
        "commonLabels": {"alertname": "DiskFull"},
        "commonAnnotations": {"summary": "Disks filling on the database hosts"},
        "externalURL": "http://alertmanager.example.org:9093",
        "alerts": [
            alert("db-1:9100", "https://wiki.example.org/runbooks/disk-full"),
            alert("db-2:9100", "javascript:alert(1)")
        ]
    });
    let r = api
        .call(
            Some(Role::Responder),
            Method::POST,
            "/api/v1/alerts/alertmanager",
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.body["alerts"][0]["incident"]
        .as_str()
        .expect("incident")
        .to_string();
    let b = api.browser(Role::Viewer).await;
    let page = api.get(&b, &format!("/incidents/{id}")).await.text;
    assert!(
        page.contains("<h1>Disks filling on the database hosts"),
        "title from the summary: {page}"
    );
    let card = &page[page
        .find("<section class=\"card alerts\">")
        .expect("alert card")..];
    // The escaper writes `/` as `&#x2f;` in attributes; a browser reads it back as `/`.
    let card = card[..card.find("</section>").expect("end")].replace("&#x2f;", "/");
    assert_eq!(card.matches("class=\"alert-title\"").count(), 2, "{card}");
    for shown in [
        "Disk almost full on db-1:9100",
        "<span class=\"label-name\">instance</span>=<span class=\"label-value\">db-2:9100</span>",
        "<span class=\"label-name\">severity</span>=<span class=\"label-value\">critical</span>",
        "firing for <time datetime=\"2026-11-23 09:58:12 UTC\"",
        "href=\"http://prometheus.example.org:9090/graph?g0.expr=disk_free\"",
        "href=\"https://wiki.example.org/runbooks/disk-full\"",
    ] {
        assert!(card.contains(shown), "{shown}: {card}");
    }
    assert_eq!(
        card.matches(">runbook</a>").count(),
        1,
        "a javascript: runbook_url is no link: {card}"
    );
    assert!(!page.contains("javascript:"), "{card}");
    assert!(
        !page.contains("fbk_do-not-show"),
        "a secret label is masked: {card}"
    );
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn quick_actions_acknowledge_take_command_and_resolve_from_the_top_of_the_page() {
    let api = Api::new(Db::Sqlite).await;
    let id = api.declare("Queue stuck", "P2").await;
    let commander = api.browser(Role::Commander).await;
    let page = format!("/incidents/{id}");
    let top = api.get(&commander, &page).await.text;
    for offered in [
        ">Acknowledge</button>",
        ">Take command</button>",
        ">Add a note</a>",
        ">Resolve</button>",
    ] {
        assert!(top.contains(offered), "{offered} is offered: {top}");
    }
    // The button names the signed-in person.
    let person = {
        let marker = "name=\"person\" value=\"";
        let at = top.find(marker).expect("take-command form") + marker.len();
        top[at..at + top[at..].find('"').expect("end")].to_string()
    };
    assert!(!person.is_empty());
    let csrf = commander.csrf.clone();
    let r = api
        .post(
            &commander,
            &format!("{page}/roles"),
            &[("role", "commander"), ("person", &person), ("_csrf", &csrf)],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let after = api.get(&commander, &page).await.text;
    assert!(
        !after.contains(">Take command</button>"),
        "already in command: {after}"
    );
    let r = api
        .post(
            &commander,
            &format!("{page}/status"),
            &[("status", "resolved"), ("_csrf", &csrf)],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let resolved = api.get(&commander, &page).await.text;
    assert!(
        !resolved.contains("aria-label=\"Quick actions\""),
        "nothing quick once resolved"
    );
    // A viewer is offered none of them.
    let viewer = api.browser(Role::Viewer).await;
    let id2 = api.declare("Disk full", "P3").await;
    let seen = api.get(&viewer, &format!("/incidents/{id2}")).await.text;
    assert!(!seen.contains("Quick actions"), "{seen}");
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_phase_bar_shows_how_far_the_response_got_against_the_target() {
    let api = Api::new(Db::Sqlite).await;
    let detected = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(40);
    let r = api
        .call(
            Some(Role::Commander),
            Method::POST,
            "/api/v1/incidents",
            Some(serde_json::json!({
                "title": "Payments down", "severity": "P1", "detected_at": detected.to_string(),
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["incident"]["id"].as_str().expect("id").to_string();
    let viewer = api.browser(Role::Viewer).await;
    let before = api.get(&viewer, &format!("/incidents/{id}")).await.text;
    assert!(before.contains("class=\"phase-bar\""), "{before}");
    // P1 is to be acknowledged within 15 minutes; 40 minutes on, it is late and not reached.
    assert!(before.contains("class=\"phase late\""), "{before}");
    assert!(
        before.contains("not yet · target 15m 00s · late"),
        "{before}"
    );
    let ack = api
        .call(
            Some(Role::Responder),
            Method::POST,
            &format!("/api/v1/incidents/{id}/ack"),
            None,
        )
        .await;
    assert_eq!(ack.status, StatusCode::OK, "{}", ack.text);
    let after = api.get(&viewer, &format!("/incidents/{id}")).await.text;
    assert!(
        after.contains("class=\"phase reached late\""),
        "reached, late: {after}"
    );
    assert!(after.contains("after 40m"), "{after}");
    api.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_incident_page_shows_the_update_clock_the_notification_log_and_a_compose_form() {
    let mut api = Api::new(Db::Sqlite).await;
    // alice's hook is a port nothing listens on: every delivery fails, visibly.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port");
    std::fs::write(
        api.fb.data_dir().join("firebreak.toml"),
        format!(
            "[notify]\nattempts = 1\ntimeout = \"2s\"\n\
             [[notify.contacts]]\nname = \"alice\"\nwebhook = \"http://{closed}/hook?token=HOOKSECRET\"\n\
             [notify.chain.P2]\ndeclare = [\"alice\"]\n"
        ),
    )
    .expect("config");
    api.state = super::state_for(&api.fb, Options::default()).await;
    api.app = firebreak::server::app(api.state.clone());
    let id = api.declare("Search <em>is</em> slow", "P2").await;
    let page = format!("/incidents/{id}");
    let responder = api.browser(Role::Responder).await;

    // The chain's message on declaration fails; the log says so, and the head counts it.
    let mut html = String::new();
    for _ in 0..100 {
        html = api.get(&responder, &page).await.text;
        if html.contains("FAILED after 1 try") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(html.contains("id=\"notifications\""), "{html}");
    assert!(
        html.contains("FAILED after 1 try: could not connect"),
        "{html}"
    );
    assert!(html.contains("1 notification failed"), "{html}");
    assert!(html.contains("update <time"), "{html}");
    assert!(html.contains(">due in "), "{html}");
    assert!(
        !html.contains("HOOKSECRET"),
        "the hook's URL is never shown"
    );
    assert!(html.contains("<h2>Tell people</h2>"), "{html}");
    assert!(
        !html.contains("<option value=\"external\""),
        "a responder is not offered the customer template"
    );

    // A preview shows each copy, escaped, and records nothing.
    let before = api.events(&id).await;
    let typed = "Rolled back <script>alert(1)</script>";
    let r = api
        .post(
            &responder,
            &format!("{page}/notifications/preview"),
            &[
                ("template", "internal"),
                ("to", "alice"),
                ("message", typed),
                ("_csrf", &responder.csrf),
            ],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let preview = r.text.find("id=\"notify-preview\"").expect("the preview");
    let shown = &r.text[preview..];
    assert!(shown.contains("to <strong>alice</strong>"), "{shown}");
    assert!(
        shown.contains("Rolled back &lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        "{shown}"
    );
    assert!(!r.text.contains("<script>alert(1)"), "escaped everywhere");
    assert!(
        shown.contains(&format!(
            "[P2] {id} is investigating: Search &lt;em&gt;is&lt;&#x2f;em&gt; slow"
        )),
        "{shown}"
    );
    assert!(!r.text.contains("HOOKSECRET"));
    assert_eq!(api.events(&id).await, before, "a preview records nothing");

    // The external template is a commander's: refused beside the form, what was typed kept.
    let r = api
        .post(
            &responder,
            &format!("{page}/notifications"),
            &[
                ("template", "external"),
                ("to", "alice"),
                ("message", "We are on it"),
                ("_csrf", &responder.csrf),
            ],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let card = r.text.find("<h2>Tell people</h2>").expect("the form");
    let problem = r.text.find("id=\"problem\"").expect("the reason");
    assert!(problem > card, "the reason sits in the form's card");
    assert!(r.text.contains(">We are on it</textarea>"), "{}", r.text);
    assert_eq!(api.events(&id).await, before, "nothing recorded");

    // Sending goes back to the page, where the log shows the message.
    let r = api
        .post(
            &responder,
            &format!("{page}/notifications"),
            &[
                ("template", "internal"),
                ("to", "alice"),
                ("message", "Rolled back the release"),
                ("_csrf", &responder.csrf),
            ],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(api.events(&id).await > before, "queued");
    let html = api.get(&responder, &page).await.text;
    assert_eq!(
        html.matches("<td><strong>alice</strong>").count(),
        2,
        "{html}"
    );
    assert!(
        html.contains("internal<br><span class=\"muted\">manual"),
        "{html}"
    );

    // A viewer sees the log but no form, and may not send.
    let viewer = api.browser(Role::Viewer).await;
    let html = api.get(&viewer, &page).await.text;
    assert!(html.contains("id=\"notifications\"") && !html.contains("<h2>Tell people</h2>"));
    api.finish().await;
}
