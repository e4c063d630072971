//! Delivery: the side effects of telling people. A [`Courier`] sends one queued message over
//! the channel it names — e-mail (`email`), a Slack-compatible chat webhook or a signed JSON
//! webhook (`webhook`) — and [`outbox`] drains an incident's queue with bounded exponential
//! back-off, recording every try on the journal. What to send, to whom and when is decided in
//! `firebreak_core::notify`; this module only carries it.
//!
//! Destinations and credentials are resolved from the config (or the environment) at the
//! moment of sending and scrubbed from every error text, so no URL, password or key reaches
//! the journal, a log line or the output.

pub mod compose;
mod email;
pub mod escalate;
pub mod log;
pub mod outbox;
mod tls;
mod webhook;

use std::sync::Arc;

use firebreak_core::notify::{Channel, NotifyConfig, Queued};

pub use outbox::{Drained, drain, drain_within};
pub use webhook::{Answer, Http, client as http_client};

/// Why one try failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// What went wrong, secrets scrubbed.
    pub message: String,
    /// Whether another try may succeed (timeouts, refused connections, 5xx, 408, 429); a
    /// permanent refusal (other 4xx, a rejected address, a missing setting) is not retried.
    pub retry: bool,
}

impl SendError {
    pub(crate) fn transient(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retry: true,
        }
    }

    pub(crate) fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retry: false,
        }
    }
}

/// Sends messages. Holds one HTTP client (connection reuse) for all webhooks.
#[derive(Clone)]
pub struct Courier {
    config: Arc<NotifyConfig>,
    http: webhook::Http,
    turns: Arc<crate::service::Turns>,
}

impl Courier {
    /// A courier for `config`'s contacts and relay.
    pub fn new(config: &NotifyConfig) -> anyhow::Result<Self> {
        tls::install();
        Ok(Self {
            config: Arc::new(config.clone()),
            http: webhook::client(config.delivery.timeout)?,
            turns: Arc::default(),
        })
    }

    /// The settings it delivers with.
    pub fn config(&self) -> &NotifyConfig {
        &self.config
    }

    /// One try at delivering `message` for `incident`.
    pub async fn send(&self, incident: &str, message: &Queued) -> Result<(), SendError> {
        let contact = self.config.directory.contact(&message.to).ok_or_else(|| {
            SendError::permanent(format!(
                "{} is no longer a contact in the config",
                message.to
            ))
        })?;
        let channel = contact
            .channels
            .iter()
            .find(|c| c.kind() == message.channel)
            .ok_or_else(|| {
                SendError::permanent(format!(
                    "{} no longer has a {} channel in the config",
                    message.to, message.channel
                ))
            })?;
        match channel {
            Channel::Email(address) => {
                let smtp = self
                    .config
                    .smtp
                    .as_ref()
                    .ok_or_else(|| SendError::permanent("[notify.smtp] is not configured"))?;
                email::send(smtp, self.config.delivery.timeout, address, message).await
            }
            Channel::Chat(url) => webhook::chat(&self.http, url, message).await,
            Channel::Webhook { url, key } => {
                webhook::signed(&self.http, url, key.as_ref(), incident, message).await
            }
        }
    }
}
