//! The dashboard in a real browser: headless Chromium, driven through Debian's chromedriver,
//! against a real `firebreak serve`. Two people sign in with their own tokens; what one does
//! shows up on the other's screen without a reload. Browsers open at 1366×900 (a laptop) and,
//! where a test says so, 390×844 (a phone). Screenshots are kept in
//! `target/browser-artifacts/`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use thirtyfour::common::capabilities::chromium::ChromiumLikeCapabilities as _;
use thirtyfour::prelude::*;

use super::process::{Served, token};
use crate::support::Fb;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long anything the story waits for may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(10);

/// A child process that is stopped when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn browser_tools() {
    for tool in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            Path::new(tool).exists(),
            "{tool} is missing: the browser test needs Debian's Chromium and its driver \
             (apt-get install chromium chromium-driver)"
        );
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// chromedriver on a free port, once it answers.
fn chromedriver() -> (Running, String) {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let running = Running(child);
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < PATIENCE, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (running, format!("http://127.0.0.1:{port}"))
}

async fn browser(driver: &str, profile: &Path) -> WebDriver {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(CHROMIUM).expect("binary");
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--window-size=1366,900",
        &format!("--user-data-dir={}", profile.display()),
    ] {
        caps.add_arg(arg).expect("arg");
    }
    WebDriver::new(driver, caps)
        .await
        .expect("a Chromium session")
}

/// One browser signed in to nothing yet, against its own `firebreak serve`: what most stories
/// need. `close` stops both.
struct One {
    server: Served,
    _driver: Running,
    _profile: tempfile::TempDir,
    browser: WebDriver,
    base: String,
}

impl One {
    async fn open(fb: &Fb, profile: &str) -> One {
        let server = Served::start(fb, &[]);
        let base = server.url("");
        let (running, driver) = chromedriver();
        let dir = tempfile::tempdir().expect("profile");
        let browser = browser(&driver, &dir.path().join(profile)).await;
        One {
            server,
            _driver: running,
            _profile: dir,
            browser,
            base,
        }
    }

    /// A browser signed in with a new token of `role` for `name`.
    async fn signed_in(fb: &Fb, role: &str, name: &str) -> One {
        let secret = token(fb, role, name);
        let one = One::open(fb, name).await;
        sign_in(&one.browser, &one.base, &secret).await;
        one
    }

    async fn close(mut self) {
        self.server.terminate();
        let _ = self.server.wait(PATIENCE);
        self.browser.quit().await.expect("quit");
    }
}

/// Waits (up to [`PATIENCE`]) until the page's HTML contains `text`, without reloading it.
async fn until_shown(b: &WebDriver, text: &str) {
    let start = Instant::now();
    loop {
        if b.source().await.expect("page source").contains(text) {
            return;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "{text:?} did not appear within {PATIENCE:?}; the page is:\n{}",
            b.source().await.unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Finds and clicks an element on a page that live updates may redraw at any moment: an
/// element replaced between being found and being clicked is found again (up to
/// [`PATIENCE`]), as a person would simply click the redrawn one.
async fn click_live(b: &WebDriver, by: By, what: &str) {
    let start = Instant::now();
    loop {
        let clicked = match b.find(by.clone()).await {
            Ok(element) => element.click().await,
            Err(e) => Err(e),
        };
        match clicked {
            Ok(()) => return,
            Err(e)
                if matches!(
                    e.as_inner(),
                    thirtyfour::error::WebDriverErrorInner::StaleElementReference(_)
                ) && start.elapsed() < PATIENCE =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("{what}: {e}"),
        }
    }
}

async fn sign_in(b: &WebDriver, base: &str, token: &str) {
    b.goto(format!("{base}/signin"))
        .await
        .expect("sign-in page");
    b.find(By::Id("token"))
        .await
        .expect("token field")
        .send_keys(token)
        .await
        .expect("type");
    b.find(By::Css("form[action='/signin'] button"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    until_shown(b, "<h1>Incidents</h1>").await;
}

fn artifacts() -> PathBuf {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
    let dir = target
        .canonicalize()
        .unwrap_or(target)
        .join("browser-artifacts");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_browser_sees_a_declaration_and_a_tick_without_reloading() {
    browser_tools();
    let fb = Fb::init();
    let ana = token(&fb, "commander", "ana");
    let ben = token(&fb, "viewer", "ben");
    let mut server = Served::start(&fb, &[]);
    let base = server.url("");
    let (_driver, driver) = chromedriver();
    let profiles = tempfile::tempdir().expect("profiles");
    let one = browser(&driver, &profiles.path().join("one")).await;
    let two = browser(&driver, &profiles.path().join("two")).await;

    sign_in(&one, &base, &ana).await;
    sign_in(&two, &base, &ben).await;
    // Ben's list is listening before Ana declares.
    until_shown(&two, "data-live=\"open\"").await;
    let title = "Payments API answers 500 to card checks";
    assert!(!two.source().await.expect("source").contains(title));

    one.find(By::Css("details.declare summary"))
        .await
        .expect("declare")
        .click()
        .await
        .expect("open");
    one.find(By::Id("title"))
        .await
        .expect("title field")
        .send_keys(title)
        .await
        .expect("type");
    // The severity is a choice to make: nothing is preselected.
    one.find(By::Css("#severity option[value='P1']"))
        .await
        .expect("P1 option")
        .click()
        .await
        .expect("choose P1");
    one.find(By::Css("form[action='/incidents'] button[type=submit]"))
        .await
        .expect("declare button")
        .click()
        .await
        .expect("declare");
    until_shown(&one, "First 15 minutes").await;

    // Ben sees it arrive in his list, no reload.
    until_shown(&two, title).await;
    click_live(
        &two,
        By::LinkText(title),
        "open the incident from the live list",
    )
    .await;
    until_shown(&two, "Timeline").await;
    until_shown(&two, "data-live=\"open\"").await;
    assert!(
        !two.source().await.expect("source").contains(
            "ticked “Work out what is happening and what it touches” (First 15 minutes, 1)"
        )
    );

    // Ana ticks the first item; Ben's timeline shows it, no reload.
    click_live(
        &one,
        By::Css("button.tick:not(.ticked)"),
        "tick an open checklist item",
    )
    .await;
    until_shown(&one, "tick ticked").await;
    until_shown(
        &two,
        "ticked “Work out what is happening and what it touches” (First 15 minutes, 1)",
    )
    .await;
    // Ben is a viewer: he sees the tick, not the tick buttons.
    assert!(
        two.find_all(By::Css("button.tick"))
            .await
            .expect("find")
            .is_empty()
    );

    let dir = artifacts();
    let shot = dir.join("dashboard.png");
    two.screenshot(&shot).await.expect("screenshot");
    one.screenshot(&dir.join("dashboard-commander.png"))
        .await
        .expect("screenshot");
    // The list as a phone shows it.
    two.set_window_rect(0, 0, 390, 844)
        .await
        .expect("phone size");
    two.goto(format!("{base}/")).await.expect("list");
    until_shown(&two, title).await;
    two.screenshot(&dir.join("dashboard-phone.png"))
        .await
        .expect("screenshot");
    println!("screenshot: {}", shot.display());

    // Open dashboards do not hold up a graceful shutdown: their streams end with it.
    until_shown(&two, "data-live=\"open\"").await;
    server.terminate();
    let status = server.wait(PATIENCE);
    assert!(
        status.success(),
        "serve exited with {status} after SIGTERM with dashboards open"
    );
    one.quit().await.expect("quit");
    two.quit().await.expect("quit");
}

/// The text of the page framed by the first iframe, then back to the page itself.
async fn framed_source(b: &WebDriver) -> String {
    b.enter_frame(0).await.expect("enter the framed document");
    let start = Instant::now();
    let source = loop {
        let source = b.source().await.expect("framed source");
        if source.contains("</svg>") || start.elapsed() > PATIENCE {
            break source;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    b.enter_default_frame().await.expect("back to the page");
    source
}

#[tokio::test(flavor = "multi_thread")]
async fn a_commander_writes_and_signs_off_a_review_and_reads_the_report() {
    browser_tools();
    let fb = Fb::init();
    let id = fb.declare("Card checks time out at the gateway", "P1");
    for args in [
        vec!["ack", id.as_str()],
        vec!["status", id.as_str(), "resolved"],
    ] {
        let out = fb.cmd(&args).output().expect("run");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let long = fb.declare(
        "Upstream_connect_error_or_disconnect/reset_before_headers._reset_reason:_connection_failure_on_checkout-api",
        "P2",
    );
    let one = One::signed_in(&fb, "commander", "ana").await;
    let (b, base) = (&one.browser, one.base.clone());

    // From the incident to its review; write the summary, submit, sign off.
    b.goto(format!("{base}/incidents/{id}"))
        .await
        .expect("incident");
    click_live(b, By::LinkText("Post-incident review"), "open the review").await;
    until_shown(b, "Submit for sign-off").await;
    let summary = "The gateway's connection pool was sized for last year's traffic.";
    b.find(By::Id("section-summary"))
        .await
        .expect("summary field")
        .send_keys(summary)
        .await
        .expect("type");
    click_live(
        b,
        By::Css("form:has(#section-summary) button"),
        "save the summary",
    )
    .await;
    until_shown(b, summary).await;
    click_live(
        b,
        By::XPath("//button[text()='Submit for sign-off']"),
        "submit",
    )
    .await;
    until_shown(b, "Publish (sign off)").await;
    click_live(
        b,
        By::XPath("//button[text()='Publish (sign off)']"),
        "publish",
    )
    .await;
    until_shown(b, "signed off by ana").await;

    // The framed review: the summary as written and the phase chart, drawn.
    let review = framed_source(b).await;
    assert!(review.contains(summary), "{review}");
    assert!(review.contains("<svg"), "the phase chart: {review}");
    let chart = {
        b.enter_frame(0).await.expect("frame");
        let svg = b.find(By::Css("svg")).await.expect("chart");
        let rect = svg.rect().await.expect("chart size");
        b.enter_default_frame().await.expect("page");
        rect
    };
    assert!(
        chart.width > 100.0 && chart.height > 20.0,
        "the chart is drawn: {chart:?}"
    );
    let dir = artifacts();
    b.screenshot(&dir.join("review.png"))
        .await
        .expect("screenshot");

    // The reports page frames the report with its charts.
    click_live(b, By::LinkText("Reports"), "open the reports").await;
    until_shown(b, "report-frame").await;
    let report = framed_source(b).await;
    assert!(report.contains("<svg"), "{report}");
    assert!(report.contains("P1"), "{report}");
    b.screenshot(&dir.join("reports.png"))
        .await
        .expect("screenshot");

    // On a phone nothing scrolls sideways, a long unbroken title included.
    b.set_window_rect(0, 0, 390, 844).await.expect("phone size");
    for (path, shot) in [
        ("/".to_string(), "phone-list.png"),
        (format!("/incidents/{long}"), "phone-incident.png"),
        (format!("/incidents/{id}/review"), "phone-review.png"),
        ("/reports".to_string(), "phone-reports.png"),
    ] {
        b.goto(format!("{base}{path}")).await.expect("page");
        until_shown(b, "</main>").await;
        let overflow = b
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
                Vec::new(),
            )
            .await
            .expect("measure")
            .convert::<i64>()
            .expect("a number");
        b.screenshot(&dir.join(shot)).await.expect("screenshot");
        assert!(
            overflow <= 0,
            "{path} scrolls sideways by {overflow}px on a phone"
        );
    }
    // On a phone the quick actions are a bar at the bottom of the screen, even scrolled down.
    b.goto(format!("{base}/incidents/{long}"))
        .await
        .expect("incident");
    until_shown(b, "Quick actions").await;
    let gap = b
        .execute(
            "window.scrollTo(0, document.body.scrollHeight);
             const bar = document.querySelector('.quick').getBoundingClientRect();
             return Math.round(window.innerHeight - bar.bottom);",
            Vec::new(),
        )
        .await
        .expect("measure")
        .convert::<i64>()
        .expect("a number");
    b.screenshot(&dir.join("phone-actions.png"))
        .await
        .expect("screenshot");
    assert_eq!(gap, 0, "the action bar sits at the bottom of the screen");
    println!("screenshots: {}", dir.display());

    one.close().await;
}

/// axe-core's serious and critical violations on the page `b` shows (`id: selector…`).
async fn accessibility_violations(b: &WebDriver, axe: &str) -> Vec<String> {
    b.execute(format!("{axe}\nreturn true;"), Vec::new())
        .await
        .expect("load axe-core into the page");
    let found = b
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, { resultTypes: ["violations"] }).then(
                 r => done(r.violations
                   .filter(v => v.impact === "serious" || v.impact === "critical")
                   .map(v => v.id + " (" + v.impact + "): " + v.nodes.map(n => n.target.join(" ")).join(", "))),
                 e => done(["axe failed: " + e]));"#,
            Vec::new(),
        )
        .await
        .expect("run axe-core");
    found.convert::<Vec<String>>().expect("a list")
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_have_no_serious_accessibility_violations() {
    browser_tools();
    let axe_path = std::env::var("FIREBREAK_AXE_JS").expect(
        "FIREBREAK_AXE_JS names axe-core's axe.min.js; scripts/test.sh fetches it from npm",
    );
    let axe = std::fs::read_to_string(&axe_path).expect("read axe-core");
    let fb = Fb::init();
    let id = fb.declare("Card checks time out at the gateway", "P1");
    let out = fb
        .cmd(&["note", &id, "pool exhausted"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let ana = token(&fb, "commander", "ana");
    let one = One::open(&fb, "ana").await;
    let (b, base) = (&one.browser, one.base.clone());

    let mut problems = Vec::new();
    b.goto(format!("{base}/signin"))
        .await
        .expect("sign-in page");
    until_shown(b, "</main>").await;
    for v in accessibility_violations(b, &axe).await {
        problems.push(format!("/signin: {v}"));
    }
    sign_in(b, &base, &ana).await;
    for path in [
        "/".to_string(),
        format!("/incidents/{id}"),
        format!("/incidents/{id}/review"),
        format!("/incidents/{id}/review/document"),
        "/reports".to_string(),
        "/reports/document".to_string(),
    ] {
        b.goto(format!("{base}{path}")).await.expect("page");
        until_shown(b, "</body>").await;
        for v in accessibility_violations(b, &axe).await {
            problems.push(format!("{path}: {v}"));
        }
    }
    one.close().await;
    assert!(
        problems.is_empty(),
        "serious or critical violations:\n{}",
        problems.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_live_update_keeps_what_the_reader_opened() {
    browser_tools();
    let fb = Fb::init();
    let id = fb.declare("Disk filling on db-1", "P3");
    let book = fb.file(
        "disk.md",
        "# Disk filling\n\n## Diagnosis\n\n```bash\n# How full\ndf -h /\n```\n\n```bash\n# Mounts\ncat /proc/mounts\n```\n",
    );
    let run = fb
        .cmd(&[
            "runbook",
            "run",
            book.to_str().expect("utf-8"),
            "--incident",
            &id,
            "--phase",
            "diagnosis",
            "--yes",
        ])
        .output()
        .expect("run");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let one = One::signed_in(&fb, "viewer", "ben").await;
    let (b, base) = (&one.browser, one.base.clone());
    b.goto(format!("{base}/incidents/{id}"))
        .await
        .expect("incident");
    until_shown(b, "data-live=\"open\"").await;

    // The run is one row; Ben opens it.
    click_live(
        b,
        By::Css("details[id^='fold-'] summary"),
        "open the folded run",
    )
    .await;
    let is_open = "return document.querySelector(\"details[id^='fold-']\").open;";
    let open = b.execute(is_open, Vec::new()).await.expect("script");
    assert!(open.convert::<bool>().expect("bool"), "the row opened");

    // Someone adds a note elsewhere; Ben's page redraws and the row stays open.
    let note = fb
        .cmd(&["note", &id, "df shows 97% on /var"])
        .output()
        .expect("note");
    assert!(note.status.success());
    until_shown(b, "df shows 97% on /var").await;
    let open = b.execute(is_open, Vec::new()).await.expect("script");
    assert!(
        open.convert::<bool>().expect("bool"),
        "the row is still open after the update"
    );

    one.close().await;
}

/// The ids of the incident list's rows, top to bottom.
async fn listed(b: &WebDriver) -> Vec<String> {
    b.execute(
        "return Array.from(document.querySelectorAll('#incidents .id')).map(e => e.textContent);",
        Vec::new(),
    )
    .await
    .expect("list ids")
    .convert::<Vec<String>>()
    .expect("strings")
}

/// How far the page scrolls sideways (0 when it fits the screen).
async fn overflow(b: &WebDriver) -> i64 {
    b.execute(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
        Vec::new(),
    )
    .await
    .expect("measure")
    .convert::<i64>()
    .expect("a number")
}

/// The story of a tired responder, told once at a laptop's size and once at a phone's: the
/// late P1 is on top, nothing scrolls sideways, the quick actions act, the status form offers
/// only what the server allows, a change refused because someone else moved first comes back
/// with what was typed, and a live update leaves the page where the reader scrolled it.
#[tokio::test(flavor = "multi_thread")]
async fn a_tired_responder_at_a_laptop_and_on_a_phone() {
    browser_tools();
    let fb = Fb::init();
    let declare = |title: &str, sev: &str, detected: &str| {
        let out = fb
            .cmd(&["declare", title, "--sev", sev, "--detected", detected])
            .output()
            .expect("declare");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .find(|w| w.starts_with("INC-"))
            .expect("an id")
            .trim_end_matches([':', ','])
            .to_string()
    };
    let one = One::signed_in(&fb, "commander", "ana").await;
    let (b, base) = (&one.browser, one.base.clone());
    let dir = artifacts();

    for (width, height, size) in [(1366, 900, "laptop"), (390, 844, "phone")] {
        b.set_window_rect(0, 0, width, height).await.expect("size");
        // Declared oldest first, so an id order would put the late P1 last.
        let late = declare(&format!("Payments down ({size})"), "P1", "40m ago");
        let fresh = declare(&format!("Slow search ({size})"), "P3", "1m ago");
        let later = declare(&format!("Cache misses ({size})"), "P3", "2m ago");
        b.goto(format!("{base}/")).await.expect("list");
        until_shown(b, &later).await;
        let order = listed(b).await;
        let pos = |id: &str| order.iter().position(|o| o == id).expect("listed");
        assert!(
            pos(&late) < pos(&fresh) && pos(&late) < pos(&later),
            "{size}: {order:?}"
        );
        assert!(overflow(b).await <= 0, "{size}: the list scrolls sideways");
        b.screenshot(&dir.join(format!("tired-{size}-list.png")))
            .await
            .expect("screenshot");

        // The late P1: acknowledge it from the quick actions.
        b.goto(format!("{base}/incidents/{late}"))
            .await
            .expect("incident");
        until_shown(b, "data-live=\"open\"").await;
        assert!(
            overflow(b).await <= 0,
            "{size}: the incident page scrolls sideways"
        );
        click_live(
            b,
            By::XPath("//div[@class='quick']//button[.='Acknowledge']"),
            "acknowledge",
        )
        .await;
        until_shown(b, "acknowledged by ana").await;

        // Only the moves the server allows are offered.
        let moves = b
            .execute(
                "return Array.from(document.querySelectorAll('#status-to option')).map(o => o.value);",
                Vec::new(),
            )
            .await
            .expect("options")
            .convert::<Vec<String>>()
            .expect("strings");
        assert_eq!(moves, ["contained", "resolved"], "{size}");

        // Ana types why she contains it; meanwhile someone resolves it from a terminal.
        b.find(By::Id("status-reason"))
            .await
            .expect("reason field")
            .send_keys("card issuer throttled; retries paused")
            .await
            .expect("type");
        let out = fb
            .cmd(&["status", &late, "resolved"])
            .output()
            .expect("resolve");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let status_form =
            format!("//form[@action='/incidents/{late}/status']//button[.='Change status']");
        let button = b
            .find(By::XPath(&status_form))
            .await
            .expect("change status");
        button.scroll_into_view().await.expect("scroll");
        button.click().await.expect("click");
        until_shown(b, "id=\"problem\"").await;
        let kept = b
            .execute(
                "const f = document.getElementById('status-reason') || document.getElementById('reopen-reason');
                 return [document.getElementById('problem').textContent, f ? f.value : ''];",
                Vec::new(),
            )
            .await
            .expect("read")
            .convert::<Vec<String>>()
            .expect("strings");
        assert!(
            !kept[0].is_empty(),
            "{size}: the reason for the refusal is shown"
        );
        assert_eq!(
            kept[1], "card issuer throttled; retries paused",
            "{size}: what was typed is kept"
        );
        b.screenshot(&dir.join(format!("tired-{size}-refused.png")))
            .await
            .expect("screenshot");

        // A live update leaves the page where the reader scrolled it.
        b.goto(format!("{base}/incidents/{fresh}"))
            .await
            .expect("incident");
        until_shown(b, "data-live=\"open\"").await;
        let scrolled = b
            .execute(
                "window.scrollTo(0, 600); return Math.round(window.scrollY);",
                Vec::new(),
            )
            .await
            .expect("scroll")
            .convert::<i64>()
            .expect("a number");
        assert!(scrolled > 0, "{size}: the page is long enough to scroll");
        let out = fb
            .cmd(&["note", &fresh, &format!("search index rebuilt ({size})")])
            .output()
            .expect("note");
        assert!(out.status.success());
        until_shown(b, &format!("search index rebuilt ({size})")).await;
        let after = b
            .execute("return Math.round(window.scrollY);", Vec::new())
            .await
            .expect("scroll")
            .convert::<i64>()
            .expect("a number");
        assert_eq!(
            after, scrolled,
            "{size}: the live update kept the scroll position"
        );
        b.screenshot(&dir.join(format!("tired-{size}-incident.png")))
            .await
            .expect("screenshot");
    }
    println!("screenshots: {}", dir.display());
    one.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_commander_previews_and_sends_an_update_and_the_log_shows_it_delivered() {
    browser_tools();
    let receiver = crate::notify::receiver::Receiver::start(None, Some("k"), &[]);
    let fb = Fb::init();
    std::fs::write(
        fb.data_dir().join("firebreak.toml"),
        crate::notify::webhook_config(&receiver.url(), "k", ""),
    )
    .expect("config");
    // alice hears of P1 declarations: the chain tells her of this one.
    let id = fb.declare("Card checks time out at the gateway", "P1");
    assert_eq!(receiver.accepted().len(), 1);
    let one = One::signed_in(&fb, "commander", "ana").await;
    let (b, base) = (&one.browser, one.base.clone());
    b.goto(format!("{base}/incidents/{id}"))
        .await
        .expect("incident");
    until_shown(b, "id=\"notifications\"").await;
    until_shown(b, "delivered (1 try)").await;
    until_shown(b, ">due in ").await;

    b.find(By::Id("notify-message"))
        .await
        .expect("message box")
        .send_keys("Rolled back the release")
        .await
        .expect("type");
    b.find(By::Css("#notify-to option[value='alice']"))
        .await
        .expect("alice")
        .click()
        .await
        .expect("choose alice");
    b.find(By::Css(
        "#tell button[formaction$='/notifications/preview']",
    ))
    .await
    .expect("preview button")
    .click()
    .await
    .expect("preview");
    until_shown(b, "id=\"notify-preview\"").await;
    let preview = b
        .find(By::Id("notify-preview"))
        .await
        .expect("preview")
        .text()
        .await
        .expect("text");
    assert!(
        preview.contains("Rolled back the release") && preview.contains("Next update by"),
        "{preview}"
    );
    assert_eq!(receiver.got().len(), 1, "a preview sends nothing");

    // The form kept what was typed; Send queues and delivers it.
    b.find(By::Css("#tell button.primary"))
        .await
        .expect("send button")
        .click()
        .await
        .expect("send");
    let got = receiver.wait_accepted(2, PATIENCE);
    assert_eq!(got.len(), 2, "sent once");
    assert!(
        got[1].body["body"]
            .as_str()
            .is_some_and(|t| t.contains("Rolled back the release")),
        "{:?}",
        got[1].body
    );
    // The page comes back at once; the delivery shows up live a moment later.
    let start = Instant::now();
    loop {
        let page = b.source().await.expect("page source");
        if page.contains("manual · ") && page.matches("delivered (1 try)").count() == 2 {
            break;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "the log never showed both delivered:\n{page}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.screenshot(&artifacts().join("notifications.png"))
        .await
        .expect("screenshot");
    one.close().await;
}
