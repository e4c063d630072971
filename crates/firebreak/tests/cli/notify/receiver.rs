//! A real HTTP receiver for webhook tests: answers each POST with the next scripted status
//! (200 once the script runs out), checks the HMAC signature the way docs/guide.md tells a
//! receiver to, and records every request.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{KeyInit, Mac};

/// One request received.
#[derive(Debug, Clone)]
pub struct Got {
    pub key: String,
    pub status: u16,
    pub signed_ok: bool,
    pub body: serde_json::Value,
    pub at: SystemTime,
}

#[derive(Default)]
struct Shared {
    script: Mutex<VecDeque<u16>>,
    got: Mutex<Vec<Got>>,
    key: Option<Vec<u8>>,
}

/// A receiver listening on loopback until dropped.
pub struct Receiver {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn check(key: &[u8], headers: &HeaderMap, body: &[u8]) -> bool {
    let (Some(ts), Some(sig)) = (
        headers
            .get("x-firebreak-timestamp")
            .and_then(|v| v.to_str().ok()),
        headers
            .get("x-firebreak-signature")
            .and_then(|v| v.to_str().ok()),
    ) else {
        return false;
    };
    let Ok(ts) = ts.parse::<u64>() else {
        return false;
    };
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    if now.abs_diff(ts) > 300 {
        return false;
    }
    let Some(hex_sig) = sig.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(given) = hex::decode(hex_sig) else {
        return false;
    };
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("key");
    mac.update(format!("{ts}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

async fn hook(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let status = shared
        .script
        .lock()
        .expect("script")
        .pop_front()
        .unwrap_or(200);
    let signed_ok = shared
        .key
        .as_ref()
        .is_some_and(|k| check(k, &headers, &body));
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    shared.got.lock().expect("got").push(Got {
        key,
        status,
        signed_ok,
        body: serde_json::from_slice(&body).unwrap_or_default(),
        at: SystemTime::now(),
    });
    StatusCode::from_u16(status).expect("status")
}

impl Receiver {
    /// Starts on a free port, or on `addr` when given (to come back after being down).
    pub fn start(addr: Option<SocketAddr>, hmac_key: Option<&str>, script: &[u16]) -> Receiver {
        let shared = Arc::new(Shared {
            script: Mutex::new(script.iter().copied().collect()),
            got: Mutex::default(),
            key: hmac_key.map(|k| k.as_bytes().to_vec()),
        });
        let listener = std::net::TcpListener::bind(
            addr.unwrap_or_else(|| "127.0.0.1:0".parse().expect("addr")),
        )
        .expect("bind receiver");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(shared.clone());
        let thread = serve_on_a_thread(listener, app, async move {
            let _ = stopped.await;
        });
        Receiver {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The hook's URL.
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Every request so far.
    pub fn got(&self) -> Vec<Got> {
        self.shared.got.lock().expect("got").clone()
    }

    /// Requests answered 2xx.
    pub fn accepted(&self) -> Vec<Got> {
        self.got().into_iter().filter(|g| g.status < 300).collect()
    }

    /// Waits (bounded) until `n` requests were accepted.
    pub fn wait_accepted(&self, n: usize, within: Duration) -> Vec<Got> {
        let deadline = std::time::Instant::now() + within;
        loop {
            let a = self.accepted();
            if a.len() >= n || std::time::Instant::now() > deadline {
                return a;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A loopback address nothing listens on (bound, then released).
pub fn closed_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr")
}

/// Serves `app` on `listener` (non-blocking) from a thread of its own until `stop` completes.
pub fn serve_on_a_thread(
    listener: std::net::TcpListener,
    app: axum::Router,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
                .expect("serve");
        });
    })
}
