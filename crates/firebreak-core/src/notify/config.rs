//! The `[notify]` table of `firebreak.toml`: contacts, teams, the chain, the SMTP relay and how
//! hard delivery tries. What is written ([`NotifyFile`]) is checked against the policy and built
//! into what runs ([`NotifyConfig`]); a mistake is reported at its byte offset, which the config
//! loader turns into file:line:col.
//!
//! ```toml
//! [notify]
//! attempts = 5              # tries per message before it is marked failed
//! retry_after = "2s"        # first back-off (also "250ms"); doubles each try …
//! retry_max = "5m"          # … up to this
//! timeout = "10s"           # per HTTP request or SMTP session
//! remind_before = "5m"      # the update reminder goes this long before the update is due
//!
//! [notify.smtp]
//! host = "smtp.example.com"
//! port = 587
//! security = "starttls"     # "starttls", "tls" (implicit, port 465) or "none" (loopback only)
//! username = "firebreak"
//! password = "env:FIREBREAK_SMTP_PASSWORD"
//! from = "Firebreak <firebreak@example.com>"
//!
//! [[notify.contacts]]
//! name = "alice"
//! role = "on-call SRE"
//! email = "alice@example.com"
//! chat = "env:ALICE_CHAT_WEBHOOK"      # Slack-compatible incoming webhook URL
//! webhook = "https://pager.example/hook"
//! webhook_key = "env:PAGER_HMAC_KEY"   # HMAC-SHA256 key for the generic webhook
//! backup = "bob"
//!
//! [[notify.teams]]
//! name = "ops"
//! members = ["alice", "bob"]
//!
//! [notify.chain.P1]
//! declare = ["ops"]
//! raised = ["ops"]
//! status = ["ops"]
//! escalate = ["carol"]
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::chain::{Chain, ChainLevel};
use super::contacts::{Channel, Contact, Directory, Team};
use super::secret::SecretRef;
use crate::policy::Policy;

/// `[notify]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyFile {
    /// Tries per message (default 5).
    pub attempts: Option<Spanned<u32>>,
    /// First back-off (default 2s).
    pub retry_after: Option<Spanned<String>>,
    /// Longest back-off (default 5m).
    pub retry_max: Option<Spanned<String>>,
    /// Per-request timeout (default 10s).
    pub timeout: Option<Spanned<String>>,
    /// How long before an update is due the reminder goes (default 5m).
    pub remind_before: Option<Spanned<String>>,
    /// The SMTP relay for e-mail.
    pub smtp: Option<Spanned<SmtpFile>>,
    /// People.
    #[serde(default)]
    pub contacts: Vec<Spanned<ContactFile>>,
    /// Teams.
    #[serde(default)]
    pub teams: Vec<Spanned<TeamFile>>,
    /// The chain per severity level.
    #[serde(default)]
    pub chain: BTreeMap<String, Spanned<ChainLevel>>,
}

/// `[[notify.contacts]]` as written. Each channel key is optional, but a contact needs one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactFile {
    /// Short name.
    pub name: String,
    /// What they do.
    pub role: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Slack-compatible incoming webhook URL, or `env:NAME`.
    pub chat: Option<String>,
    /// Generic JSON webhook URL, or `env:NAME`.
    pub webhook: Option<String>,
    /// HMAC key for `webhook`, or `env:NAME`.
    pub webhook_key: Option<String>,
    /// Backup contact's name.
    pub backup: Option<Spanned<String>>,
}

/// `[[notify.teams]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamFile {
    /// Team name.
    pub name: String,
    /// Contact names.
    pub members: Vec<String>,
}

/// `[notify.smtp]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpFile {
    /// Relay host.
    pub host: String,
    /// Port (default 587 for starttls, 465 for tls, 25 for none).
    pub port: Option<u16>,
    /// `starttls` (default), `tls` or `none`.
    pub security: Option<String>,
    /// Login, if the relay wants one.
    pub username: Option<String>,
    /// Password or `env:NAME`.
    pub password: Option<String>,
    /// The From header and envelope sender.
    pub from: String,
}

/// How the SMTP session is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (required, not opportunistic).
    StartTls,
    /// TLS from the first byte.
    Tls,
    /// No TLS: only allowed to a loopback relay.
    None,
}

/// The SMTP relay in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Protection.
    pub security: SmtpSecurity,
    /// Login.
    pub username: Option<String>,
    /// Password.
    pub password: Option<SecretRef>,
    /// Sender.
    pub from: String,
}

/// How hard delivery tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryConfig {
    /// Tries per message.
    pub attempts: u32,
    /// First back-off.
    pub retry_after: Duration,
    /// Longest back-off.
    pub retry_max: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Reminder lead time.
    pub remind_before: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            attempts: 5,
            retry_after: Duration::from_secs(2),
            retry_max: Duration::from_secs(300),
            timeout: Duration::from_secs(10),
            remind_before: Duration::from_secs(300),
        }
    }
}

impl DeliveryConfig {
    /// The wait before try `attempt` + 1 (attempt counts from 1): doubling, capped.
    pub fn back_off(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(20);
        self.retry_after.saturating_mul(factor).min(self.retry_max)
    }
}

/// Everything `[notify]` sets, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyConfig {
    /// Contacts and teams.
    pub directory: Directory,
    /// Chain per level.
    pub chain: Chain,
    /// The relay, if e-mail is configured.
    pub smtp: Option<SmtpConfig>,
    /// Retry and timeout settings.
    pub delivery: DeliveryConfig,
    /// Names in the policy's `notify` lists that are neither contacts nor teams, per level:
    /// shown by `firebreak contacts`, so nobody believes they are told.
    pub unknown_policy_names: BTreeMap<String, Vec<String>>,
}

/// A duration of whole seconds (`duration::parse`) or milliseconds (`250ms`).
fn wait(what: &str, given: &Spanned<String>) -> Result<Duration, (usize, String)> {
    let text = given.get_ref().trim();
    let at = given.span().start;
    if let Some(ms) = text.strip_suffix("ms")
        && let Ok(n) = ms.trim().parse::<u64>()
    {
        if n == 0 {
            return Err((at, format!("notify.{what}: it must be more than zero")));
        }
        return Ok(Duration::from_millis(n));
    }
    crate::duration::parse_positive(text).map_err(|e| (at, format!("notify.{what}: {e}")))
}

fn name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl NotifyFile {
    /// Checks the table against `policy` and builds it; an error carries the byte offset of
    /// what it is about.
    pub fn build(self, policy: &Policy) -> Result<NotifyConfig, (usize, String)> {
        let mut delivery = DeliveryConfig::default();
        if let Some(a) = &self.attempts {
            if !(1..=50).contains(a.get_ref()) {
                return Err((a.span().start, "notify.attempts: give 1 to 50".into()));
            }
            delivery.attempts = *a.get_ref();
        }
        for (what, given, slot) in [
            ("retry_after", &self.retry_after, &mut delivery.retry_after),
            ("retry_max", &self.retry_max, &mut delivery.retry_max),
            ("timeout", &self.timeout, &mut delivery.timeout),
            (
                "remind_before",
                &self.remind_before,
                &mut delivery.remind_before,
            ),
        ] {
            if let Some(g) = given {
                *slot = wait(what, g)?;
            }
        }
        let smtp = self.smtp.map(smtp).transpose()?;

        let mut contacts: Vec<Contact> = Vec::new();
        let mut backups: Vec<(usize, String, String)> = Vec::new();
        for (i, c) in self.contacts.into_iter().enumerate() {
            let at = c.span().start;
            let c = c.into_inner();
            let what = format!("notify.contacts[{}]", i + 1);
            if !name_ok(&c.name) {
                return Err((
                    at,
                    format!("{what}: give a name of letters, digits, - _ or ."),
                ));
            }
            if contacts.iter().any(|o| o.name == c.name) {
                return Err((at, format!("contact {:?} is defined twice", c.name)));
            }
            let secret = |field: &str, v: &str| {
                SecretRef::parse(v)
                    .ok_or_else(|| (at, format!("contact {:?}: {field} is empty", c.name)))
            };
            let mut channels = Vec::new();
            if let Some(e) = &c.email {
                let e = e.trim();
                if !e.contains('@') || e.contains(char::is_whitespace) || e.contains(['<', '>']) {
                    return Err((
                        at,
                        format!("contact {:?}: {e:?} is not an e-mail address", c.name),
                    ));
                }
                if smtp.is_none() {
                    return Err((
                        at,
                        format!(
                            "contact {:?} has an e-mail address but [notify.smtp] is not configured",
                            c.name
                        ),
                    ));
                }
                channels.push(Channel::Email(e.to_string()));
            }
            if let Some(u) = &c.chat {
                channels.push(Channel::Chat(secret("chat", u)?));
            }
            match (&c.webhook, &c.webhook_key) {
                (Some(u), key) => channels.push(Channel::Webhook {
                    url: secret("webhook", u)?,
                    key: key
                        .as_deref()
                        .map(|k| secret("webhook_key", k))
                        .transpose()?,
                }),
                (None, Some(_)) => {
                    return Err((
                        at,
                        format!("contact {:?}: webhook_key without a webhook", c.name),
                    ));
                }
                (None, None) => {}
            }
            if channels.is_empty() {
                return Err((
                    at,
                    format!(
                        "contact {:?} has no channel; give at least one of email, chat, webhook",
                        c.name
                    ),
                ));
            }
            if let Some(b) = &c.backup {
                backups.push((b.span().start, c.name.clone(), b.get_ref().clone()));
            }
            contacts.push(Contact {
                name: c.name,
                role: c.role,
                channels,
                backup: c.backup.map(Spanned::into_inner),
            });
        }
        for (at, who, backup) in backups {
            if backup == who {
                return Err((at, format!("contact {who:?} cannot be their own backup")));
            }
            if !contacts.iter().any(|c| c.name == backup) {
                return Err((
                    at,
                    format!("contact {who:?}: backup {backup:?} is not a contact"),
                ));
            }
        }
        let mut teams: Vec<Team> = Vec::new();
        for t in self.teams {
            let at = t.span().start;
            let t = t.into_inner();
            if !name_ok(&t.name) || t.members.is_empty() {
                return Err((at, "a team needs a name and at least one member".into()));
            }
            if contacts.iter().any(|c| c.name == t.name) || teams.iter().any(|o| o.name == t.name) {
                return Err((
                    at,
                    format!("{:?} names both a team and another team or contact", t.name),
                ));
            }
            if let Some(m) = t
                .members
                .iter()
                .find(|m| !contacts.iter().any(|c| &c.name == *m))
            {
                return Err((
                    at,
                    format!("team {:?}: member {m:?} is not a contact", t.name),
                ));
            }
            teams.push(Team {
                name: t.name,
                members: t.members,
            });
        }
        let directory = Directory::new(contacts, teams);

        let mut chain = Chain::default();
        for (level, entry) in self.chain {
            let at = entry.span().start;
            let name = policy
                .level(&level)
                .map_err(|e| (at, format!("notify.chain.{level}: {e}")))?
                .name
                .clone();
            let entry = entry.into_inner();
            for n in entry
                .declare
                .iter()
                .chain(&entry.raised)
                .chain(&entry.status)
                .chain(&entry.escalate)
            {
                if !directory.knows(n) {
                    return Err((
                        at,
                        format!("notify.chain.{level}: {n:?} is not a contact or team"),
                    ));
                }
            }
            chain.levels.insert(name, entry);
        }
        let mut unknown_policy_names = BTreeMap::new();
        for l in policy.levels() {
            let entry = chain.levels.entry(l.name.clone()).or_default();
            let (known, unknown): (Vec<String>, Vec<String>) =
                l.notify.iter().cloned().partition(|n| directory.knows(n));
            if entry.declare.is_empty() {
                entry.declare = known;
            }
            if !unknown.is_empty() {
                unknown_policy_names.insert(l.name.clone(), unknown);
            }
        }
        Ok(NotifyConfig {
            directory,
            chain,
            smtp,
            delivery,
            unknown_policy_names,
        })
    }
}

fn smtp(s: Spanned<SmtpFile>) -> Result<SmtpConfig, (usize, String)> {
    let at = s.span().start;
    let s = s.into_inner();
    let security = match s.security.as_deref().unwrap_or("starttls") {
        "starttls" => SmtpSecurity::StartTls,
        "tls" => SmtpSecurity::Tls,
        "none" => SmtpSecurity::None,
        other => {
            return Err((
                at,
                format!("notify.smtp.security: {other:?} is not one of starttls, tls, none"),
            ));
        }
    };
    let loopback = matches!(s.host.as_str(), "localhost" | "127.0.0.1" | "::1" | "[::1]");
    if security == SmtpSecurity::None && !loopback {
        return Err((
            at,
            "notify.smtp: security = \"none\" is only allowed to a relay on this host (localhost); use starttls or tls".into(),
        ));
    }
    if s.host.trim().is_empty() || !s.from.contains('@') {
        return Err((at, "notify.smtp needs a host and a from address".into()));
    }
    let password = match s.password.as_deref() {
        Some(p) => {
            Some(SecretRef::parse(p).ok_or((at, "notify.smtp.password is empty".to_string()))?)
        }
        None => None,
    };
    if password.is_some() && s.username.is_none() {
        return Err((at, "notify.smtp: a password needs a username".into()));
    }
    let port = s.port.unwrap_or(match security {
        SmtpSecurity::StartTls => 587,
        SmtpSecurity::Tls => 465,
        SmtpSecurity::None => 25,
    });
    Ok(SmtpConfig {
        host: s.host,
        port,
        security,
        username: s.username,
        password,
        from: s.from,
    })
}

impl NotifyConfig {
    /// The escalation steps of `level`, in order: the backups of those told on declaration
    /// (when any), then each `escalate` entry. Step N is paged N acknowledge-windows after
    /// detection.
    pub fn escalation_steps(&self, level: &str) -> Vec<Vec<String>> {
        let l = self.chain.level(level);
        let mut steps = Vec::new();
        let backups = self.directory.backups(&l.declare);
        if !backups.is_empty() {
            steps.push(backups);
        }
        steps.extend(l.escalate.into_iter().map(|n| vec![n]));
        steps
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::Config;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(Path::new("firebreak.toml"), text).map_err(|e| e.to_string())
    }

    const ALICE: &str = "[[notify.contacts]]\nname = \"alice\"\nwebhook = \"env:HOOK\"\nbackup = \"bob\"\n\
                         [[notify.contacts]]\nname = \"bob\"\nchat = \"https://chat.example/x\"\n";

    #[test]
    fn the_chain_names_known_people_and_real_levels() {
        let c = parse(&format!(
            "{ALICE}[notify.chain.p1]\ndeclare = [\"alice\"]\nescalate = [\"bob\"]\n"
        ))
        .expect("valid");
        assert_eq!(c.notify.chain.level("P1").declare, ["alice"]);
        assert_eq!(
            c.notify.escalation_steps("P1"),
            [vec!["bob".to_string()], vec!["bob".to_string()]]
        );
        let e = parse(&format!(
            "{ALICE}[notify.chain.P1]\ndeclare = [\"carol\"]\n"
        ))
        .expect_err("unknown");
        assert!(
            e.starts_with(
                "firebreak.toml:8:1: notify.chain.P1: \"carol\" is not a contact or team"
            ),
            "{e}"
        );
        let e = parse(&format!(
            "{ALICE}[notify.chain.P9]\ndeclare = [\"alice\"]\n"
        ))
        .expect_err("level");
        assert!(
            e.starts_with("firebreak.toml:8:1: notify.chain.P9: unknown severity"),
            "{e}"
        );
    }

    #[test]
    fn contacts_are_checked_where_they_are_written() {
        let e = parse("[[notify.contacts]]\nname = \"a\"\nbackup = \"nobody\"\nchat = \"env:X\"\n")
            .expect_err("backup");
        assert!(
            e.starts_with("firebreak.toml:3:10: contact \"a\": backup \"nobody\""),
            "{e}"
        );
        let e = parse("[[notify.contacts]]\nname = \"a\"\nemail = \"a@example.org\"\n")
            .expect_err("smtp");
        assert!(e.contains("[notify.smtp] is not configured"), "{e}");
        let e = parse("[[notify.contacts]]\nname = \"a\"\nchat = \"env:\"\n").expect_err("empty");
        assert!(e.contains("chat is empty"), "{e}");
        let e = parse(&format!(
            "{ALICE}[[notify.teams]]\nname = \"ops\"\nmembers = [\"alice\", \"zed\"]\n"
        ))
        .expect_err("member");
        assert!(e.contains("member \"zed\" is not a contact"), "{e}");
    }

    #[test]
    fn policy_notify_names_that_are_contacts_are_told_and_the_rest_are_reported() {
        let c = parse(&format!(
            "[[policy.levels]]\nname = \"P1\"\nlabel = \"x\"\nack_within = \"5m\"\nupdate_every = \"30m\"\nnotify = [\"alice\", \"cto\"]\n{ALICE}"
        ))
        .expect("valid");
        assert_eq!(c.notify.chain.level("P1").declare, ["alice"]);
        assert_eq!(c.notify.unknown_policy_names["P1"], ["cto"]);
    }

    #[test]
    fn back_off_doubles_up_to_the_cap() {
        let c = parse("[notify]\nretry_after = \"250ms\"\nretry_max = \"1s\"\n").expect("valid");
        let d = c.notify.delivery;
        let waits: Vec<u128> = (1..=5).map(|n| d.back_off(n).as_millis()).collect();
        assert_eq!(waits, [250, 500, 1000, 1000, 1000]);
        assert!(parse("[notify]\nretry_after = \"0ms\"\n").is_err());
        assert!(parse("[notify]\nattempts = 0\n").is_err());
    }
}
