//! The nginx backend: one include file of `deny` lines that firebreak owns and writes whole,
//! checked with the configured test (`nginx -t`) before the configured reload. If the test or
//! the reload fails, the previous file is put back, so nginx keeps what it had.

use std::path::Path;

use firebreak_core::contain::Active;
use firebreak_core::contain::config::NginxConfig;

use super::{Backend, ContainError, command, files};

/// nginx through an include file.
pub struct Nginx<'a> {
    config: &'a NginxConfig,
}

impl<'a> Nginx<'a> {
    /// The backend under `config`.
    pub fn new(config: &'a NginxConfig) -> Self {
        Self { config }
    }

    /// The include file's text for exactly `blocks`.
    pub fn render(blocks: &[Active]) -> String {
        let mut sorted: Vec<&Active> = blocks.iter().collect();
        sorted.sort_by_key(|a| a.target);
        let mut text = String::from(
            "# Written by firebreak and replaced whole on every change: do not edit.\n\
             # `firebreak block ls` lists these blocks; `firebreak unblock` lifts them.\n",
        );
        for a in sorted {
            text.push_str(&format!(
                "deny {};  # {} until {}\n",
                a.target,
                a.incident,
                a.until.strftime("%Y-%m-%dT%H:%M:%SZ")
            ));
        }
        text
    }

    fn path(&self) -> &Path {
        &self.config.include
    }
}

fn deny_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.starts_with("deny ")).collect()
}

impl Backend for Nginx<'_> {
    fn preview(&self, blocks: &[Active]) -> Result<Vec<String>, ContainError> {
        let old = files::read_optional(self.path())?.unwrap_or_default();
        let new = Self::render(blocks);
        let (old, new) = (deny_lines(&old), deny_lines(&new));
        let mut lines = vec![format!("in {}:", self.path().display())];
        lines.extend(
            old.iter()
                .filter(|l| !new.contains(l))
                .map(|l| format!("- {l}")),
        );
        lines.extend(
            new.iter()
                .filter(|l| !old.contains(l))
                .map(|l| format!("+ {l}")),
        );
        lines.push(format!("then: {}", self.config.test.join(" ")));
        lines.push(format!("then: {}", self.config.reload.join(" ")));
        Ok(lines)
    }

    fn enforce(&self, blocks: &[Active]) -> Result<(), ContainError> {
        let old = files::read_optional(self.path())?;
        let new = Self::render(blocks);
        if old.as_deref() == Some(new.as_str()) {
            return Ok(());
        }
        files::replace(self.path(), new.as_bytes(), 0o644)?;
        let put_back = |failure: ContainError| -> ContainError {
            let restored = match &old {
                Some(text) => files::replace(self.path(), text.as_bytes(), 0o644),
                None => std::fs::remove_file(self.path()).map_err(|source| ContainError::Io {
                    path: self.path().to_path_buf(),
                    source,
                }),
            };
            match restored {
                Ok(()) => ContainError::RolledBack(Box::new(failure)),
                Err(e) => ContainError::NotRolledBack(Box::new(failure), Box::new(e)),
            }
        };
        command::run(&self.config.test, None).map_err(put_back)?;
        command::run(&self.config.reload, None).map_err(put_back)?;
        Ok(())
    }
}
