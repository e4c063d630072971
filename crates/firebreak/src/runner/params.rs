//! Parameter values for a run, from (first to last) `--set`, the incident, the environment,
//! the runbook's default, and a prompt — for every name a step uses that no earlier step sets
//! (those are carried, see [`super::carry`]). Values only ever become environment variables of
//! a step; nothing here builds shell text.

use std::collections::BTreeMap;
use std::io::{BufRead as _, IsTerminal as _, Write as _};

use firebreak_core::Incident;
use firebreak_core::runbook::{Runbook, Step};

/// Parses `NAME=VALUE` from `--set`.
pub fn parse_set(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not NAME=VALUE"))?;
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "{name:?} is not a parameter name (letters, digits and _)"
        ));
    }
    Ok((name.to_string(), value.to_string()))
}

/// Values the incident provides.
pub fn from_incident(incident: &Incident) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("INCIDENT_ID".to_string(), incident.id.to_string()),
        ("INCIDENT_TITLE".to_string(), incident.title.clone()),
        ("INCIDENT_SEVERITY".to_string(), incident.severity.clone()),
    ])
}

/// What `steps` (in order) need from outside the run, sorted: the names they use that no
/// earlier step sets. Also the names that are carried instead: used by a step, set by an
/// earlier one (→ the first step that sets it).
pub fn needs<'a>(
    steps: impl IntoIterator<Item = &'a Step>,
) -> (Vec<String>, BTreeMap<String, usize>) {
    let mut set_by: BTreeMap<&str, usize> = BTreeMap::new();
    let mut needed = std::collections::BTreeSet::new();
    let mut carried = BTreeMap::new();
    for step in steps {
        for name in &step.params {
            match set_by.get(name.as_str()) {
                Some(&setter) => {
                    carried.insert(name.clone(), setter);
                }
                None => {
                    needed.insert(name.clone());
                }
            }
        }
        for name in &step.sets {
            set_by.entry(name).or_insert(step.number);
        }
    }
    (needed.into_iter().collect(), carried)
}

/// Values found for a run, and the names none was found for.
#[derive(Debug, Default)]
pub struct Found {
    /// Name → value.
    pub values: BTreeMap<String, String>,
    /// Needed but not given anywhere.
    pub missing: Vec<String>,
}

/// Looks for a value for every name in `needed`, without asking anyone.
pub fn find(
    needed: &[String],
    runbook: &Runbook,
    sets: &[(String, String)],
    incident: Option<&BTreeMap<String, String>>,
) -> Found {
    let mut found = Found::default();
    for name in needed {
        let spec = runbook.params.get(name);
        let value = sets
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .or_else(|| incident.and_then(|i| i.get(name).cloned()))
            .or_else(|| std::env::var(name).ok())
            .or_else(|| spec.and_then(|s| s.default.clone()));
        match value {
            Some(v) => {
                found.values.insert(name.clone(), v);
            }
            None => found.missing.push(name.clone()),
        }
    }
    found
}

impl Found {
    /// Every value: the missing ones asked for on a terminal. Without a terminal, a missing
    /// value is an error naming all of them, before anything runs.
    pub fn complete(mut self, runbook: &Runbook) -> anyhow::Result<BTreeMap<String, String>> {
        if self.missing.is_empty() {
            return Ok(self.values);
        }
        if !std::io::stdin().is_terminal() {
            let described: Vec<String> = self
                .missing
                .iter()
                .map(
                    |n| match runbook.params.get(n).and_then(|s| s.description.as_deref()) {
                        Some(d) => format!("{n} ({d})"),
                        None => n.clone(),
                    },
                )
                .collect();
            anyhow::bail!(
                "missing parameters: {}; give them with --set NAME=VALUE (nothing was run)",
                described.join(", ")
            );
        }
        for name in std::mem::take(&mut self.missing) {
            let spec = runbook.params.get(&name);
            let about = spec
                .and_then(|s| s.description.as_deref())
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            let value = prompt(&format!("{name}{about}: "), runbook.is_secret(&name))?;
            self.values.insert(name, value);
        }
        Ok(self.values)
    }
}

/// Asks on the terminal; secrets are read without echo.
fn prompt(question: &str, secret: bool) -> anyhow::Result<String> {
    let mut err = std::io::stderr();
    write!(err, "{question}")?;
    err.flush()?;
    let stdin = std::io::stdin();
    let saved = if secret {
        rustix::termios::tcgetattr(&stdin).ok()
    } else {
        None
    };
    if let Some(mut t) = saved.clone() {
        t.local_modes.remove(rustix::termios::LocalModes::ECHO);
        let _ = rustix::termios::tcsetattr(&stdin, rustix::termios::OptionalActions::Now, &t);
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if let Some(t) = saved {
        let _ = rustix::termios::tcsetattr(&stdin, rustix::termios::OptionalActions::Now, &t);
        writeln!(err)?;
    }
    read?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}
