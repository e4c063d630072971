//! The practice log: where runs without an incident are recorded, so a team can rehearse a
//! runbook without touching any incident's journal. One JSON object per line in
//! `DATA_DIR/practice.jsonl`, appended and fsynced per entry.

use std::fs::OpenOptions;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::PathBuf;

use anyhow::Context as _;
use firebreak_core::Change;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One line of the log.
#[derive(Debug, Serialize, Deserialize)]
pub struct Entry {
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: String,
    /// What (a run start, step or end).
    #[serde(flatten)]
    pub change: Change,
}

/// The practice log file.
#[derive(Debug, Clone)]
pub struct PracticeLog {
    path: PathBuf,
}

impl PracticeLog {
    /// The log in `data_dir`.
    pub fn new(data_dir: &std::path::Path) -> Self {
        PracticeLog {
            path: data_dir.join("practice.jsonl"),
        }
    }

    /// Appends one entry durably.
    pub fn append(&self, actor: &str, change: &Change) -> anyhow::Result<()> {
        let entry = Entry {
            at: Timestamp::now(),
            actor: actor.to_string(),
            change: change.clone(),
        };
        let mut line = serde_json::to_string(&entry)?;
        line.push('\n');
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .with_context(|| format!("cannot open practice log {}", self.path.display()))?;
        file.write_all(line.as_bytes())?;
        file.sync_data()?;
        Ok(())
    }

    /// Every entry; a damaged line (say, cut short by a crash) is skipped, not fatal.
    pub fn entries(&self) -> anyhow::Result<Vec<Entry>> {
        let file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot read practice log {}", self.path.display()));
            }
        };
        let mut out = Vec::new();
        for line in BufReader::new(file).lines() {
            if let Ok(entry) = serde_json::from_str::<Entry>(&line?) {
                out.push(entry);
            }
        }
        Ok(out)
    }
}
