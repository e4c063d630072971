//! Webhooks: Slack-compatible chat (`{"text": …}`, which Mattermost and Rocket.Chat accept too)
//! and a generic JSON webhook signed with HMAC-SHA256.
//!
//! Redirects are not followed (a 3xx fails the message, naming the status). The generic
//! webhook's signature: `X-Firebreak-Timestamp` is the send time in Unix seconds,
//! and `X-Firebreak-Signature` is `sha256=` followed by the lower-case hex HMAC-SHA256, keyed
//! with the contact's `webhook_key`, of the timestamp, a `.`, and the raw body bytes. Every
//! request carries `Idempotency-Key`, the message's key, so a receiver can drop a repeat.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Request, header};
use firebreak_core::notify::{Queued, Secret, SecretRef, scrub};
use hmac::{KeyInit, Mac};
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::json;

use super::SendError;

/// The HTTP client every webhook goes through: HTTP/1.1 over rustls (ring, Mozilla's roots)
/// or plain http, with one timeout for the whole request. Redirects are never followed: a
/// webhook that answers 3xx has moved, and following it could send the message (and its
/// signature) to another host.
#[derive(Clone)]
pub struct Http {
    client: HyperClient<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

/// Builds the client.
pub fn client(timeout: Duration) -> anyhow::Result<Http> {
    #[allow(deprecated)] // see tls.rs: ring is our one provider
    let provider = rustls::crypto::ring::default_provider();
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(timeout));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(provider)?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Http {
        client: HyperClient::builder(TokioExecutor::new()).build(https),
        timeout,
    })
}

/// What a GET answered.
#[derive(Debug)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The `Location` header, for a redirect.
    pub location: Option<String>,
    /// The body.
    pub body: Bytes,
}

impl Http {
    /// GETs `url` (http or https), following no redirect, reading at most `max_body` bytes of
    /// the body (a longer one is an error). The health checks' `http` and `prometheus` kinds
    /// ask through this, so they share the webhooks' TLS settings and roots.
    pub async fn get(&self, url: &str, max_body: usize) -> Result<Answer, String> {
        use http_body_util::BodyExt as _;
        let uri: axum::http::Uri = url.parse().map_err(|_| "not a URL".to_string())?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err("the URL must be http:// or https:// with a host".into());
        }
        let req = Request::get(uri)
            .header(
                header::USER_AGENT,
                concat!("firebreak/", env!("CARGO_PKG_VERSION")),
            )
            .body(Full::new(Bytes::new()))
            .map_err(|e| e.to_string())?;
        let exchange = async {
            let response = self
                .client
                .request(req)
                .await
                .map_err(|e| crate::cli::one_line(&anyhow::Error::new(e)))?;
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = http_body_util::Limited::new(response.into_body(), max_body)
                .collect()
                .await
                .map_err(|e| format!("reading the answer: {e}"))?
                .to_bytes();
            Ok(Answer {
                status,
                location,
                body,
            })
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(answer) => answer,
            Err(_) => Err(format!("no answer within {} s", self.timeout.as_secs())),
        }
    }
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
    r.resolve()
        .map_err(|e| SendError::permanent(format!("{what}: {e}")))
}

/// Posts a Slack-compatible message.
pub async fn chat(http: &Http, url: &SecretRef, m: &Queued) -> Result<(), SendError> {
    let url = resolve("chat webhook", url)?;
    let body = json!({ "text": format!("*{}*\n{}", m.subject, m.body) }).to_string();
    post(http, &url, &[], m, body.into_bytes()).await
}

/// Posts the generic JSON webhook, signed when the contact has a key.
pub async fn signed(
    http: &Http,
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
        headers.push((
            "x-firebreak-signature",
            signature(k.expose().as_bytes(), now, &body),
        ));
    }
    let secrets: Vec<&Secret> = key.iter().collect();
    post(http, &url, &headers, m, body).await.map_err(|mut e| {
        e.message = scrub(&e.message, &secrets);
        e
    })
}

async fn post(
    http: &Http,
    url: &Secret,
    headers: &[(&'static str, String)],
    m: &Queued,
    body: Vec<u8>,
) -> Result<(), SendError> {
    let uri: axum::http::Uri = url
        .expose()
        .parse()
        .map_err(|_| SendError::permanent("the webhook URL in the config is not a URL"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
        return Err(SendError::permanent(
            "the webhook URL must be http:// or https:// with a host",
        ));
    }
    let mut req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(
            header::USER_AGENT,
            concat!("firebreak/", env!("CARGO_PKG_VERSION")),
        )
        .header("idempotency-key", &m.key);
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    let req = req
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| SendError::permanent(scrub(&e.to_string(), &[url])))?;
    let response = match tokio::time::timeout(http.timeout, http.client.request(req)).await {
        Err(_) => return Err(SendError::transient("timed out")),
        // The error's text may name the URL; say what happened without it.
        Ok(Err(e)) if e.is_connect() => return Err(SendError::transient("could not connect")),
        Ok(Err(e)) => return Err(SendError::transient(scrub(&e.to_string(), &[url]))),
        Ok(Ok(r)) => r,
    };
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let what = format!("receiver answered HTTP {}", status.as_u16());
    if status.is_redirection() {
        Err(SendError::permanent(format!(
            "{what}: redirects are not followed; update the URL"
        )))
    } else if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
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
