//! Message templates. Four ship built in — `internal` (for responders and stakeholders),
//! `external` (for customers: says less), `reminder` and `escalation` — and a file
//! `NAME.txt` in the data directory's `templates/` folder replaces or adds one. A template is
//! minijinja text; the first line it renders is the subject, the rest the body. The variables
//! are the fields of [`Facts`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::incident::Incident;
use crate::policy::Policy;

const BUILT_IN: [(&str, &str); 4] = [
    ("internal", include_str!("templates/internal.txt")),
    ("external", include_str!("templates/external.txt")),
    ("reminder", include_str!("templates/reminder.txt")),
    ("escalation", include_str!("templates/escalation.txt")),
];

/// Longest subject kept, in characters.
const SUBJECT_MAX: usize = 200;
/// Largest template file read.
const FILE_MAX: u64 = 64 * 1024;

/// A template that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// Syntax error, located.
    #[error("{path}:{line}:{col}: {message}")]
    Syntax {
        /// The file (or `built-in NAME`).
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What is wrong.
        message: String,
    },
    /// The directory or a file could not be read.
    #[error("{0}: {1}")]
    Read(PathBuf, String),
    /// No such template.
    #[error("no template {0:?}; there are {1}")]
    Unknown(String, String),
    /// Rendering failed (an error in the template's logic).
    #[error("template {0}: {1}")]
    Render(String, String),
}

/// What a template is given.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    /// Incident id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Severity name (`P1`).
    pub severity: String,
    /// Its label (`Critical`).
    pub severity_label: String,
    /// Status (`investigating`).
    pub status: String,
    /// Impact: the incident's summary, if written.
    pub impact: Option<String>,
    /// What the sender wrote (`--message`), or the reason for a reminder or page.
    pub message: Option<String>,
    /// Commander, if named.
    pub commander: Option<String>,
    /// Who to ask: the communications role, else the commander, else whoever sends.
    pub contact: String,
    /// When the next update is due (UTC, minutes).
    pub next_update: String,
    /// How long until then (`30m`).
    pub next_update_in: String,
    /// Who receives this copy.
    pub recipient: String,
}

impl Facts {
    /// The facts of `incident` at `now`, sent by `sender`. The next update falls one
    /// `update_every` after now when `counts_as_update`, else one after the last update.
    pub fn of(
        incident: &Incident,
        policy: &Policy,
        now: Timestamp,
        sender: &str,
        message: Option<&str>,
        counts_as_update: bool,
    ) -> Self {
        let level = policy.find(&incident.severity);
        let every = level.map_or(SignedDuration::from_hours(1), |l| l.update_every);
        let from = if counts_as_update {
            now
        } else {
            incident.last_update_at
        };
        let next = from + every;
        let commander = incident.commander().map(str::to_string);
        let contact = incident
            .roles
            .get("communications")
            .cloned()
            .or_else(|| commander.clone())
            .unwrap_or_else(|| sender.to_string());
        Self {
            id: incident.id.to_string(),
            title: incident.title.clone(),
            severity: incident.severity.clone(),
            severity_label: level.map(|l| l.label.clone()).unwrap_or_default(),
            status: incident.status.to_string(),
            impact: incident.summary.clone(),
            message: message.map(str::to_string),
            commander,
            contact,
            next_update: next.strftime("%Y-%m-%d %H:%M UTC").to_string(),
            next_update_in: crate::duration::format(
                next.duration_since(now).max(SignedDuration::ZERO),
            ),
            recipient: String::new(),
        }
    }
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rendered {
    /// First line.
    pub subject: String,
    /// The rest.
    pub body: String,
}

/// The templates in force.
pub struct Templates {
    env: Environment<'static>,
    names: BTreeMap<String, String>,
}

fn syntax(path: &str, source: &str, e: &minijinja::Error) -> TemplateError {
    let (line, col) = match (e.range(), e.line()) {
        (Some(r), _) => {
            let before = source.get(..r.start.min(source.len())).unwrap_or("");
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            (line, col)
        }
        (None, Some(line)) => (line, 1),
        (None, None) => (1, 1),
    };
    TemplateError::Syntax {
        path: path.to_string(),
        line,
        col,
        message: e
            .detail()
            .map_or_else(|| e.kind().to_string(), str::to_string),
    }
}

fn name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Templates {
    /// The built-in templates, with every `NAME.txt` in `dir` (if it exists) laid over them.
    /// Every template is compiled here, so a syntax error stops the command before anything is
    /// queued or sent.
    pub fn load(dir: Option<&Path>) -> Result<Self, TemplateError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        let mut sources: BTreeMap<String, (String, String)> = BUILT_IN
            .iter()
            .map(|(n, s)| (n.to_string(), (format!("built-in {n}"), s.to_string())))
            .collect();
        if let Some(dir) = dir
            && dir.is_dir()
        {
            let read = |e: std::io::Error| TemplateError::Read(dir.to_path_buf(), e.to_string());
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(read)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "txt"))
                .collect();
            files.sort();
            for path in files {
                let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
                    continue;
                };
                if !name_ok(name) {
                    continue;
                }
                let meta = std::fs::metadata(&path).map_err(read)?;
                if meta.len() > FILE_MAX {
                    return Err(TemplateError::Read(
                        path,
                        format!("larger than {FILE_MAX} bytes"),
                    ));
                }
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| TemplateError::Read(path.clone(), e.to_string()))?;
                sources.insert(name.to_string(), (path.display().to_string(), text));
            }
        }
        let mut names = BTreeMap::new();
        for (name, (origin, text)) in sources {
            env.add_template_owned(name.clone(), text.clone())
                .map_err(|e| syntax(&origin, &text, &e))?;
            names.insert(name, origin);
        }
        Ok(Self { env, names })
    }

    /// Template names and where each comes from.
    pub fn names(&self) -> &BTreeMap<String, String> {
        &self.names
    }

    /// Renders `name` with `facts`.
    pub fn render(&self, name: &str, facts: &Facts) -> Result<Rendered, TemplateError> {
        let t = self.env.get_template(name).map_err(|_| {
            TemplateError::Unknown(
                name.to_string(),
                self.names.keys().cloned().collect::<Vec<_>>().join(", "),
            )
        })?;
        let text = t
            .render(minijinja::value::Serde(facts))
            .map_err(|e| TemplateError::Render(name.to_string(), e.to_string()))?;
        let text = text.trim_start();
        let (subject, body) = text.split_once('\n').unwrap_or((text, ""));
        let subject: String = subject
            .trim()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(SUBJECT_MAX)
            .collect();
        if subject.is_empty() {
            return Err(TemplateError::Render(
                name.to_string(),
                "its first line (the subject) is empty".into(),
            ));
        }
        Ok(Rendered {
            subject,
            body: body.trim().to_string(),
        })
    }
}
