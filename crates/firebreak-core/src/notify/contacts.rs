//! People and teams, and how a name on the chain becomes the recipients it reaches.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::secret::SecretRef;

/// The kinds of channel a contact can be reached on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// E-mail over SMTP.
    Email,
    /// A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat).
    Chat,
    /// A generic JSON webhook, signed with HMAC-SHA256.
    Webhook,
}

impl std::fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Email => "email",
            Self::Chat => "chat",
            Self::Webhook => "webhook",
        })
    }
}

/// One way to reach a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    /// An e-mail address (not a secret).
    Email(String),
    /// A Slack-compatible incoming webhook URL.
    Chat(SecretRef),
    /// A generic webhook URL and the key its bodies are signed with.
    Webhook {
        /// Where to POST.
        url: SecretRef,
        /// HMAC-SHA256 key; unsigned when absent.
        key: Option<SecretRef>,
    },
}

impl Channel {
    /// Its kind.
    pub fn kind(&self) -> ChannelKind {
        match self {
            Self::Email(_) => ChannelKind::Email,
            Self::Chat(_) => ChannelKind::Chat,
            Self::Webhook { .. } => ChannelKind::Webhook,
        }
    }

    /// How it is shown: the address for e-mail, never a URL.
    pub fn shown(&self) -> String {
        match self {
            Self::Email(a) => format!("email {a}"),
            Self::Chat(u) => format!("chat {}", u.shown()),
            Self::Webhook { url, key } => format!(
                "webhook {}{}",
                url.shown(),
                if key.is_some() { " (signed)" } else { "" }
            ),
        }
    }
}

/// A person on the contact list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Short name used on the chain and in `--to`.
    pub name: String,
    /// What they do, shown in `firebreak contacts`.
    pub role: Option<String>,
    /// How to reach them, in the order written.
    pub channels: Vec<Channel>,
    /// Who is paged when they do not answer.
    pub backup: Option<String>,
}

/// A named group of contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Team {
    /// Its name.
    pub name: String,
    /// Contact names.
    pub members: Vec<String>,
}

/// One message destination: a contact on one of their channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient<'a> {
    /// The contact.
    pub contact: &'a Contact,
    /// The channel.
    pub channel: &'a Channel,
}

/// Every contact and team, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    contacts: BTreeMap<String, Contact>,
    teams: BTreeMap<String, Team>,
}

impl Directory {
    /// A directory over checked contacts and teams (see `NotifyFile::build`).
    pub(crate) fn new(contacts: Vec<Contact>, teams: Vec<Team>) -> Self {
        Self {
            contacts: contacts.into_iter().map(|c| (c.name.clone(), c)).collect(),
            teams: teams.into_iter().map(|t| (t.name.clone(), t)).collect(),
        }
    }

    /// Every contact, by name.
    pub fn contacts(&self) -> impl Iterator<Item = &Contact> {
        self.contacts.values()
    }

    /// Every team, by name.
    pub fn teams(&self) -> impl Iterator<Item = &Team> {
        self.teams.values()
    }

    /// A contact by name.
    pub fn contact(&self, name: &str) -> Option<&Contact> {
        self.contacts.get(name)
    }

    /// Whether `name` is a contact or a team.
    pub fn knows(&self, name: &str) -> bool {
        self.contacts.contains_key(name) || self.teams.contains_key(name)
    }

    /// The contacts `names` reach (teams expanded), each once, in order of first mention.
    pub fn people<'a>(&'a self, names: &[String]) -> Vec<&'a Contact> {
        let mut out: Vec<&Contact> = Vec::new();
        let mut add = |c: &'a Contact| {
            if !out.iter().any(|o| o.name == c.name) {
                out.push(c);
            }
        };
        for name in names {
            if let Some(c) = self.contacts.get(name) {
                add(c);
            } else if let Some(t) = self.teams.get(name) {
                for m in &t.members {
                    if let Some(c) = self.contacts.get(m) {
                        add(c);
                    }
                }
            }
        }
        out
    }

    /// Every channel of every contact `names` reach.
    pub fn recipients<'a>(&'a self, names: &[String]) -> Vec<Recipient<'a>> {
        self.people(names)
            .into_iter()
            .flat_map(|contact| {
                contact
                    .channels
                    .iter()
                    .map(move |channel| Recipient { contact, channel })
            })
            .collect()
    }

    /// The backups of the contacts `names` reach, each once, skipping anyone already reached.
    pub fn backups(&self, names: &[String]) -> Vec<String> {
        let people = self.people(names);
        let mut out: Vec<String> = Vec::new();
        for p in &people {
            if let Some(b) = &p.backup
                && !people.iter().any(|o| &o.name == b)
                && !out.contains(b)
            {
                out.push(b.clone());
            }
        }
        out
    }
}
