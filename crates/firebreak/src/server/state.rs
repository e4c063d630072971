//! What every request handler shares: the service, the change feed, the metrics, the token
//! cache, the sign-in throttle and the dashboard's templates. Cloning is one `Arc` bump.

use std::ops::Deref;
use std::sync::Arc;

use super::auth::{Caller, TokenCache};
use super::feed::Feed;
use super::metrics::Metrics;
use super::throttle::Throttle;
use super::web::Pages;
use firebreak_core::IncidentId;

use crate::service::{Recorded, Service};

/// How the server was asked to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Mark the session cookie `Secure` (the server is reached through TLS, e.g. behind a proxy).
    pub secure_cookies: bool,
    /// How often the database is asked whether another replica changed something.
    pub poll: std::time::Duration,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long a connection may take to send a request head (or sit idle between requests).
    pub header_timeout: std::time::Duration,
    /// How long a request may take, from its head to the response (its body included).
    pub request_timeout: std::time::Duration,
    /// Peers whose `X-Forwarded-For` / `Forwarded` headers name the client (see [`super::client`]).
    pub trusted_proxies: Vec<firebreak_core::contain::Net>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            poll: std::time::Duration::from_secs(1),
            body_limit: 256 * 1024,
            header_timeout: std::time::Duration::from_secs(10),
            request_timeout: std::time::Duration::from_secs(60),
            trusted_proxies: Vec::new(),
        }
    }
}

/// The shared state.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The parts of [`AppState`].
pub struct Inner {
    /// The incident service (its actor is `server`; see [`AppState::service_for`]).
    pub service: Service,
    /// Tells live views that something changed.
    pub feed: Feed,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// Recently validated tokens.
    pub tokens: TokenCache,
    /// Failed sign-ins per address.
    pub throttle: Throttle,
    /// Dashboard templates.
    pub pages: Pages,
    /// Run options.
    pub options: Options,
    /// Delivers notifications (None when no HTTP client could be built; the reason is logged).
    pub courier: Option<crate::notify::Courier>,
}

impl AppState {
    /// State over `service`.
    pub fn new(service: Service, options: Options) -> Self {
        let courier = crate::notify::Courier::new(&service.config().notify)
            .map_err(|e| tracing::error!("notifications are off: {}", crate::cli::one_line(&e)))
            .ok();
        Self(Arc::new(Inner {
            courier,
            service: service.acting_as("server"),
            feed: Feed::new(),
            metrics: Metrics::new(),
            tokens: TokenCache::default(),
            throttle: Throttle::default(),
            pages: Pages::new(),
            options,
        }))
    }

    /// The service recording changes in the caller's name.
    pub fn service_for(&self, caller: &Caller) -> Service {
        self.0.service.acting_as(&caller.name)
    }

    /// What follows every change recorded through the server: live views and metrics hear of
    /// it, and the messages it queued (the chain's, or a person's) are delivered in the
    /// background.
    pub fn recorded(&self, recorded: &Recorded) {
        let id = recorded.incident.id;
        self.feed.changed(&id);
        self.metrics.appended(recorded.events.len());
        if let Some(why) = &recorded.untold {
            tracing::warn!("{id}: the communication chain was not told: {why}");
        }
        if recorded
            .events
            .iter()
            .any(|e| e.kind == "notification_queued")
        {
            self.deliver(id);
        }
    }

    /// Delivers in the background whatever is queued on `id`; live views hear when it is done.
    pub fn deliver(&self, id: IncidentId) {
        let Some(courier) = self.courier.clone() else {
            return;
        };
        let state = self.clone();
        tokio::spawn(async move {
            match crate::notify::drain(&state.service, &courier, &id, false).await {
                Ok(d) => state.metrics.notified(&d),
                Err(e) => tracing::warn!("{id}: delivering notifications: {e}"),
            }
            state.feed.changed(&id);
        });
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
