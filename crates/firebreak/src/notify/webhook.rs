//! Webhooks: Slack-compatible chat (`{"text": …}`, which Mattermost and Rocket.Chat accept too)
//! and a generic JSON webhook signed with HMAC-SHA256.
//!
//! The generic webhook's signature: `X-Firebreak-Timestamp` is the send time in Unix seconds,
//! and `X-Firebreak-Signature` is `sha256=` followed by the lower-case hex HMAC-SHA256, keyed
//! with the contact's `webhook_key`, of the timestamp, a `.`, and the raw body bytes. Every
//! request carries `Idempotency-Key`, the message's key, so a receiver can drop a repeat.

use std::time::Duration;

use firebreak_core::notify::{Queued, Secret, SecretRef, scrub};
use hmac::{KeyInit, Mac};
use serde_json::json;

use super::SendError;

/// At most this many redirects, and only to the same scheme, host and port.
const REDIRECTS: usize = 3;

/// The HTTP client every webhook goes through.
pub fn client(timeout: Duration) -> anyhow::Result<reqwest::Client> {
    let redirects = reqwest::redirect::Policy::custom(|attempt| {
        let (Some(first), next) = (attempt.previous().first(), attempt.url()) else {
            return attempt.stop();
        };
        let same = first.scheme() == next.scheme()
            && first.host_str() == next.host_str()
            && first.port_or_known_default() == next.port_or_known_default();
        if !same {
            attempt.error("redirected to another host; not followed")
        } else if attempt.previous().len() > REDIRECTS {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    });
    Ok(reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(redirects)
        .user_agent(concat!("firebreak/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

/// The signature header's value for `body` sent at `timestamp` (Unix seconds).
pub fn signature(key: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length.
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn resolve(what: &str, r: &SecretRef) -> Result<Secret, SendError> {
    r.resolve().map_err(|e| SendError::permanent(format!("{what}: {e}")))
}

/// Posts a Slack-compatible message.
pub async fn chat(http: &reqwest::Client, url: &SecretRef, m: &Queued) -> Result<(), SendError> {
    let url = resolve("chat webhook", url)?;
    let body = json!({ "text": format!("*{}*\n{}", m.subject, m.body) }).to_string();
    post(http, &url, &[], m, body.into_bytes()).await
}

/// Posts the generic JSON webhook, signed when the contact has a key.
pub async fn signed(
    http: &reqwest::Client,
    url: &SecretRef,
    key: Option<&SecretRef>,
    incident: &str,
    m: &Queued,
) -> Result<(), SendError> {
    let url = resolve("webhook", url)?;
    let body = json!({
        "key": m.key,
        "incident": incident,
        "to": m.to,
        "template": m.template,
        "reason": m.reason,
        "subject": m.subject,
        "body": m.body,
    })
    .to_string()
    .into_bytes();
    let now = jiff::Timestamp::now().as_second();
    let mut headers = vec![("x-firebreak-timestamp", now.to_string())];
    let key = key.map(|k| resolve("webhook_key", k)).transpose()?;
    if let Some(k) = &key {
        headers.push(("x-firebreak-signature", signature(k.expose().as_bytes(), now, &body)));
    }
    let secrets: Vec<&Secret> = key.iter().collect();
    post(http, &url, &headers, m, body).await.map_err(|mut e| {
        e.message = scrub(&e.message, &secrets);
        e
    })
}

async fn post(
    http: &reqwest::Client,
    url: &Secret,
    headers: &[(&'static str, String)],
    m: &Queued,
    body: Vec<u8>,
) -> Result<(), SendError> {
    let clean = |text: String| scrub(&text, &[url]);
    let mut req = http
        .post(url.expose())
        .header("content-type", "application/json")
        .header("idempotency-key", &m.key);
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    let response = req.body(body).send().await.map_err(|e| {
        // The error's text names the URL; say what happened without it.
        let redirect = e.is_redirect();
        let what = if e.is_timeout() {
            "timed out".to_string()
        } else if e.is_connect() {
            "could not connect".to_string()
        } else if redirect {
            "redirected to another host or too often; not followed".to_string()
        } else {
            clean(e.without_url().to_string())
        };
        if redirect {
            SendError::permanent(what)
        } else {
            SendError::transient(what)
        }
    })?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let what = format!("receiver answered HTTP {}", status.as_u16());
    if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
        Err(SendError::transient(what))
    } else {
        Err(SendError::permanent(what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Checked against `printf '1700000000.{}' | openssl dgst -sha256 -hmac key`.
        assert_eq!(
            signature(b"key", 1_700_000_000, b"{}"),
            "sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
        );
    }
}
