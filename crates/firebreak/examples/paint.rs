//! How fast a dashboard page shows in a real browser, on loopback: headless Chromium through
//! chromedriver signs in with a token, loads a page `--runs` times, and reads the browser's own
//! Navigation and Paint Timing entries for each load:
//!
//! ```text
//! target/release/examples/paint --driver http://127.0.0.1:9515 --base http://127.0.0.1:7474 \
//!     --token fbk_… --path /incidents/INC-… [--runs 20]
//! ```
//!
//! (`benches/dashboard.sh` starts the server and the driver and runs this.) For each load it
//! takes the server's time to first byte (`responseStart − requestStart`), the whole document
//! (`responseEnd − startTime`) and first contentful paint, and prints their median, p90 and
//! maximum in milliseconds, with the page's size.

use std::time::Duration;

use clap::Parser;
use thirtyfour::common::capabilities::chromium::ChromiumLikeCapabilities as _;
use thirtyfour::prelude::*;

#[derive(Parser)]
struct Args {
    /// chromedriver's URL.
    #[arg(long)]
    driver: String,
    /// The server's base URL.
    #[arg(long)]
    base: String,
    /// A token secret to sign in with.
    #[arg(long)]
    token: String,
    /// The page to load.
    #[arg(long)]
    path: String,
    /// Loads to time (after one warm-up).
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// The Chromium binary.
    #[arg(long, default_value = "/usr/bin/chromium")]
    chromium: String,
}

/// Nearest-rank percentile of sorted values.
fn rank(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    let k = ((p * n as f64).ceil() as usize).clamp(1, n);
    sorted[k - 1]
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> WebDriverResult<()> {
    let args = Args::parse();
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(&args.chromium)?;
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1366,900",
    ] {
        caps.add_arg(arg)?;
    }
    let b = WebDriver::new(&args.driver, caps).await?;
    b.goto(format!("{}/signin", args.base)).await?;
    b.find(By::Id("token"))
        .await?
        .send_keys(&args.token)
        .await?;
    b.find(By::Css("form[action='/signin'] button"))
        .await?
        .click()
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let url = format!("{}{}", args.base, args.path);
    let script = r#"
        const nav = performance.getEntriesByType("navigation")[0];
        const paint = performance.getEntriesByName("first-contentful-paint")[0];
        return [nav.responseStart - nav.requestStart, nav.responseEnd - nav.startTime,
                paint ? paint.startTime : -1, nav.transferSize];"#;
    let (mut ttfb, mut document, mut fcp) = (Vec::new(), Vec::new(), Vec::new());
    let mut size = 0.0;
    for run in 0..=args.runs {
        b.goto(&url).await?;
        // Paint entries are recorded after the load; wait for the first contentful paint.
        let mut got = b.execute(script, Vec::new()).await?.convert::<Vec<f64>>()?;
        for _ in 0..50 {
            if got[2] >= 0.0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            got = b.execute(script, Vec::new()).await?.convert::<Vec<f64>>()?;
        }
        if run == 0 {
            continue; // warm-up
        }
        ttfb.push(got[0]);
        document.push(got[1]);
        fcp.push(got[2]);
        size = got[3];
    }
    b.quit().await?;
    println!(
        "{} ({:.0} KiB, {} loads)",
        args.path,
        size / 1024.0,
        args.runs
    );
    println!("{:<34} {:>8} {:>8} {:>8}", "ms", "median", "p90", "max");
    for (name, mut v) in [
        ("server: time to first byte", ttfb),
        ("document loaded", document),
        ("first contentful paint", fcp),
    ] {
        v.sort_by(f64::total_cmp);
        println!(
            "{name:<34} {:>8.1} {:>8.1} {:>8.1}",
            rank(&v, 0.5),
            rank(&v, 0.9),
            v.last().copied().unwrap_or(0.0)
        );
    }
    Ok(())
}
