//! E-mail over SMTP with lettre: STARTTLS (required) or implicit TLS through rustls, optional
//! login, and a Message-ID derived from the message's key, so a mail system that keeps one
//! copy per Message-ID drops a repeat.

use std::time::Duration;

use firebreak_core::notify::{Queued, Secret, SmtpConfig, SmtpSecurity, scrub};
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::SendError;

/// The Message-ID of the message keyed `key`: `<KEY@firebreak>` with `#`-free, address-safe
/// characters only.
pub fn message_id(key: &str) -> String {
    let local: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("<{local}@firebreak>")
}

/// Sends `m` to `address` through `smtp`.
pub async fn send(
    smtp: &SmtpConfig,
    timeout: Duration,
    address: &str,
    m: &Queued,
) -> Result<(), SendError> {
    let from: Mailbox = smtp
        .from
        .parse()
        .map_err(|e| SendError::permanent(format!("notify.smtp.from: {e}")))?;
    let to: Mailbox = address
        .parse()
        .map_err(|e| SendError::permanent(format!("{}'s address: {e}", m.to)))?;
    let email = Message::builder()
        .from(from)
        .to(to)
        .subject(m.subject.clone())
        .message_id(Some(message_id(&m.key)))
        .header(ContentType::TEXT_PLAIN)
        .body(m.body.clone())
        .map_err(|e| SendError::permanent(format!("cannot build the e-mail: {e}")))?;
    let builder = match smtp.security {
        SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host),
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host),
        SmtpSecurity::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            &smtp.host,
        )),
    }
    .map_err(|e| SendError::permanent(format!("notify.smtp: {e}")))?;
    let mut builder = builder.port(smtp.port).timeout(Some(timeout));
    let mut secrets: Vec<Secret> = Vec::new();
    if let Some(user) = &smtp.username {
        let password = match &smtp.password {
            Some(p) => p
                .resolve()
                .map_err(|e| SendError::permanent(format!("notify.smtp.password: {e}")))?,
            None => {
                return Err(SendError::permanent(
                    "notify.smtp: a username needs a password",
                ));
            }
        };
        builder = builder.credentials(Credentials::new(
            user.clone(),
            password.expose().to_string(),
        ));
        secrets.push(password);
    }
    let transport = builder.build();
    transport.send(email).await.map(|_| ()).map_err(|e| {
        let refs: Vec<&Secret> = secrets.iter().collect();
        let text = scrub(&e.to_string(), &refs);
        if e.is_permanent() {
            SendError::permanent(format!("SMTP: {text}"))
        } else {
            SendError::transient(format!("SMTP: {text}"))
        }
    })
}
