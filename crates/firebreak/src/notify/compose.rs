//! Composing messages: who a notification goes to (names given, or the chain), and what each
//! recipient gets (a template rendered from the incident's state). The same path serves
//! `firebreak notify`, the API, the dashboard and the scheduler, so a preview is exactly what
//! is sent.

use std::path::Path;

use anyhow::{Context as _, bail};
use firebreak_core::Incident;
use firebreak_core::config::Config;
use firebreak_core::notify::{ChannelKind, Draft, Facts, Moment, Reason, Templates};
use jiff::Timestamp;
use serde::Serialize;

/// One recipient's copy, as previewed.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// Contact.
    pub to: String,
    /// Channel kind.
    pub channel: ChannelKind,
    /// Where it goes, with secrets masked (an e-mail address is shown; URLs never are).
    pub destination: String,
    /// Subject line.
    pub subject: String,
    /// Body.
    pub body: String,
}

/// The templates in force: built-ins with the data directory's `templates/*.txt` over them.
pub fn templates(data_dir: &Path) -> anyhow::Result<Templates> {
    Ok(Templates::load(Some(&data_dir.join("templates")))?)
}

/// What to send.
pub struct Request<'a> {
    /// Contact or team names; empty means the chain's `declare` list for the incident's level.
    pub to: &'a [String],
    /// Template name.
    pub template: &'a str,
    /// Free text for the template's `message`.
    pub message: Option<&'a str>,
    /// Why.
    pub reason: Reason,
    /// Who sends (the fallback contact in templates).
    pub sender: &'a str,
}

/// Renders `request` for every recipient. Fails, naming what is wrong, on an unknown name,
/// an empty recipient list, an unknown template or a message that is too long.
pub fn compose(
    config: &Config,
    templates: &Templates,
    incident: &Incident,
    request: &Request<'_>,
    now: Timestamp,
) -> anyhow::Result<Vec<(Draft, Preview)>> {
    let notify = &config.notify;
    if let Some(m) = request.message
        && m.chars().count() > 4000
    {
        bail!("the message is longer than 4000 characters");
    }
    let names: Vec<String> = if request.to.is_empty() {
        notify.chain.at(&incident.severity, Moment::Declare)
    } else {
        for n in request.to {
            if !notify.directory.knows(n) {
                let known: Vec<String> = notify
                    .directory
                    .contacts()
                    .map(|c| c.name.clone())
                    .chain(notify.directory.teams().map(|t| t.name.clone()))
                    .collect();
                bail!(
                    "{n:?} is not a contact or team; known: {}",
                    if known.is_empty() {
                        "none (add [[notify.contacts]] to firebreak.toml)".into()
                    } else {
                        known.join(", ")
                    }
                );
            }
        }
        request.to.to_vec()
    };
    let recipients = notify.directory.recipients(&names);
    if recipients.is_empty() {
        bail!(
            "nobody to notify: give --to, or name who hears about {} incidents in [notify.chain.{}] declare",
            incident.severity,
            incident.severity
        );
    }
    let counts = matches!(
        request.reason,
        Reason::Manual | Reason::Declare | Reason::Raised | Reason::Status
    );
    let base = Facts::of(
        incident,
        &config.policy,
        now,
        request.sender,
        request.message,
        counts,
    );
    let mut out = Vec::new();
    for r in recipients {
        let mut facts = base.clone();
        facts.recipient = r.contact.name.clone();
        let rendered = templates
            .render(request.template, &facts)
            .with_context(|| format!("rendering for {}", r.contact.name))?;
        let draft = Draft {
            to: r.contact.name.clone(),
            channel: r.channel.kind(),
            template: request.template.to_string(),
            reason: request.reason,
            subject: rendered.subject.clone(),
            body: rendered.body.clone(),
            cause: None,
        };
        let preview = Preview {
            to: r.contact.name.clone(),
            channel: r.channel.kind(),
            destination: r.channel.shown(),
            subject: rendered.subject,
            body: rendered.body,
        };
        out.push((draft, preview));
    }
    Ok(out)
}
