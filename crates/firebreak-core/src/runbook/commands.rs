//! What firebreak knows about commands: the knowledge the safety classifier reads, loaded from
//! the shipped `commands.toml` and from `[runbooks.commands]` in a team's config. This module
//! owns the file format (documented at the top of `commands.toml`), reading it into [`Commands`]
//! and looking entries up; it judges nothing — that is [`super::classify`].
//!
//! A program that has no entry is unknown, and the classifier treats an unknown program as one
//! that changes the system.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::Deserialize;

use super::classify::Safety;

/// The shipped knowledge, in the format users extend.
const SHIPPED: &str = include_str!("commands.toml");

/// How many `same-as` links are followed before an entry is taken as unknown.
const MAX_ALIASES: usize = 4;

/// The whole file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    programs: BTreeMap<String, Spec>,
    #[serde(default)]
    sql: SqlSpec,
    #[serde(default)]
    calls: CallsSpec,
}

/// One `[programs.NAME]` entry as written, or a table rule of a verb, flag or word.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Spec {
    /// The class when nothing more specific applies.
    pub class: Option<Safety>,
    /// Read the command as this other program is read.
    pub same_as: Option<String>,
    /// Options that take the next word as their value.
    #[serde(default)]
    pub options: Vec<String>,
    /// Single-dash letters may be combined (`-nvL`).
    pub clusters: Option<bool>,
    /// First positional word(s) → rule.
    #[serde(default)]
    pub verbs: BTreeMap<String, RuleSpec>,
    /// Options anywhere → rule.
    #[serde(default)]
    pub flags: BTreeMap<String, RuleSpec>,
    /// Positional words anywhere → rule.
    #[serde(default)]
    pub words: BTreeMap<String, RuleSpec>,
    /// The rule when nothing is given to act on.
    pub bare: Option<RuleSpec>,
    /// Takes over the terminal or never ends by itself.
    pub interactive: Option<bool>,
    /// It runs another command.
    pub runs: Option<Runs>,
    /// Positional words before the command it runs.
    pub skip: Option<usize>,
    /// Options whose value is shell text.
    #[serde(default)]
    pub shell_options: Vec<String>,
    /// Options whose value is SQL.
    #[serde(default)]
    pub sql_options: Vec<String>,
    /// Positional words from this index on are SQL.
    pub sql_from: Option<usize>,
    /// Options whose value is script text judged by the calls it makes.
    #[serde(default)]
    pub call_options: Vec<String>,
    /// Verbs match ignoring case.
    pub ignore_case: Option<bool>,
    /// What it does with text fed on standard input.
    pub reads_stdin: Option<Stdin>,
    /// For a verb: the words after it are read as this program's (`docker compose` →
    /// `docker-compose`).
    pub program: Option<String>,
}

/// A rule as written: a class name, or a table.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RuleSpec {
    /// Just a class.
    Class(Safety),
    /// A class with more: interactivity, options, a nested command.
    Table(Box<Spec>),
}

/// How a program runs another command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runs {
    /// The remaining positional words are a command.
    Command,
    /// The remaining positional words are shell text.
    Shell,
    /// The words after `--` are a command.
    AfterDashdash,
    /// The words after `-exec` up to `;` or `+` are a command.
    ExecOption,
    /// For a verb of a program that runs commands: this form only names one (`command -v CMD`).
    Nothing,
}

/// What a program does with text on its standard input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stdin {
    /// Runs it as SQL.
    Sql,
    /// Runs it as shell text.
    Shell,
    /// Each line is a command of this same program (`redis-cli`).
    Lines,
    /// Runs it as a script in a language firebreak does not read.
    Script,
}

/// The `[sql]` table as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SqlSpec {
    class: Option<Safety>,
    #[serde(default)]
    statements: BTreeMap<String, Safety>,
    #[serde(default)]
    functions: BTreeMap<String, Safety>,
    #[serde(default)]
    pragmas: BTreeMap<String, Safety>,
    #[serde(default)]
    meta: BTreeMap<String, Safety>,
}

/// The `[calls]` table as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallsSpec {
    class: Option<Safety>,
    #[serde(default)]
    names: BTreeMap<String, Safety>,
}

/// The calls knowledge, built: a call not listed gets `class`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Calls {
    pub class: Option<Safety>,
    pub names: BTreeMap<String, Safety>,
}

/// One word of a verb path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// Exactly this word.
    Word(String),
    /// Any word that starts so (`describe-*`).
    Prefix(String),
    /// Any one word (`*`).
    Any,
    /// Any number of words, at the start only (`**`).
    Skip,
}

impl Pattern {
    fn parse(word: &str) -> Pattern {
        match word {
            "*" => Pattern::Any,
            "**" => Pattern::Skip,
            w => match w.strip_suffix('*') {
                Some(prefix) if !prefix.is_empty() => Pattern::Prefix(prefix.to_string()),
                _ => Pattern::Word(w.to_string()),
            },
        }
    }

    pub(crate) fn matches(&self, word: &str, ignore_case: bool) -> bool {
        let eq = |a: &str, b: &str| {
            if ignore_case {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        match self {
            Pattern::Word(w) => eq(w, word),
            Pattern::Prefix(p) => {
                word.len() >= p.len() && word.is_char_boundary(p.len()) && eq(p, &word[..p.len()])
            }
            Pattern::Any | Pattern::Skip => true,
        }
    }
}

/// A rule, built: what matching it does.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rule {
    /// The class it gives (raises to, for flags and words).
    pub class: Option<Safety>,
    /// Sets interactivity when given.
    pub interactive: Option<bool>,
    /// For verbs: more of the command's grammar (options, flags, a nested command).
    pub entry: Option<Box<Entry>>,
}

/// A verb path and its rule.
#[derive(Debug, Clone)]
pub(crate) struct Verb {
    /// The path as written, for reasons.
    pub key: String,
    /// The words.
    pub path: Vec<Pattern>,
    /// Whether a longer path starts with this one.
    pub group: bool,
    /// Its rule.
    pub rule: Rule,
}

impl Verb {
    /// How many literal words it names (the more, the more specific).
    pub(crate) fn literals(&self) -> usize {
        self.path
            .iter()
            .filter(|p| matches!(p, Pattern::Word(_) | Pattern::Prefix(_)))
            .count()
    }

    /// Whether this verb is an option (`-L`), not a positional path.
    pub(crate) fn is_option(&self) -> bool {
        self.key.starts_with('-')
    }
}

/// Where an entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Shipped with firebreak.
    Shipped,
    /// The team's config.
    Config,
}

/// One program's grammar, built.
#[derive(Debug, Clone, Default)]
pub(crate) struct Entry {
    pub class: Option<Safety>,
    pub interactive: Option<bool>,
    pub options: BTreeSet<String>,
    pub clusters: Option<bool>,
    pub verbs: Vec<Verb>,
    pub flags: Vec<(Pattern, Rule)>,
    pub words: BTreeMap<String, Rule>,
    pub bare: Option<Rule>,
    pub runs: Option<Runs>,
    pub skip: Option<usize>,
    pub shell_options: BTreeSet<String>,
    pub sql_options: BTreeSet<String>,
    pub sql_from: Option<usize>,
    pub call_options: BTreeSet<String>,
    pub ignore_case: Option<bool>,
    pub reads_stdin: Option<Stdin>,
    pub program: Option<String>,
}

/// What a program's entry says, with where it came from.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    pub entry: Entry,
    pub same_as: Option<String>,
    pub origin: Origin,
}

/// The SQL knowledge, built.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sql {
    pub class: Option<Safety>,
    pub statements: BTreeMap<String, Safety>,
    pub functions: BTreeMap<String, Safety>,
    pub pragmas: BTreeMap<String, Safety>,
    pub meta: Vec<(Pattern, Safety)>,
}

/// Everything the classifier knows: programs by name, and SQL.
#[derive(Debug, Clone, Default)]
pub struct Commands {
    programs: BTreeMap<String, Program>,
    sql: Sql,
    calls: Calls,
}

/// A `[runbooks.commands]` entry that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CommandsError(pub String);

impl Commands {
    /// The knowledge shipped with firebreak.
    pub fn shipped() -> &'static Commands {
        static SHIPPED_COMMANDS: OnceLock<Commands> = OnceLock::new();
        SHIPPED_COMMANDS.get_or_init(|| {
            Commands::read(SHIPPED).unwrap_or_else(|e| {
                // A test reads the shipped file, so this cannot be reached by a release.
                unreachable!("the shipped commands.toml is invalid: {e}")
            })
        })
    }

    /// Reads knowledge in the `commands.toml` format.
    fn read(text: &str) -> Result<Commands, CommandsError> {
        let file: File = toml::from_str(text).map_err(|e| CommandsError(e.to_string()))?;
        let mut commands = Commands {
            programs: BTreeMap::new(),
            sql: build_sql(file.sql),
            calls: Calls {
                class: file.calls.class,
                names: file.calls.names,
            },
        };
        for (name, spec) in file.programs {
            commands.insert(&name, spec, Origin::Shipped)?;
        }
        Ok(commands)
    }

    /// The shipped knowledge with a team's entries laid over it: an entry replaces the shipped
    /// entry of the same name.
    pub fn with(extra: &BTreeMap<String, Spec>) -> Result<Commands, CommandsError> {
        let mut commands = Commands::shipped().clone();
        for (name, spec) in extra {
            commands.insert(name, spec.clone(), Origin::Config)?;
        }
        Ok(commands)
    }

    fn insert(&mut self, name: &str, spec: Spec, origin: Origin) -> Result<(), CommandsError> {
        if name.is_empty() || name.chars().any(|c| c.is_whitespace()) {
            return Err(CommandsError(format!(
                "commands.{name:?}: a program name is one word"
            )));
        }
        let same_as = spec.same_as.clone();
        if same_as.is_none() && spec.class.is_none() {
            return Err(CommandsError(format!(
                "commands.{name}: give a class (read-only, mutating or destructive) or same-as"
            )));
        }
        let entry =
            build_entry(spec).map_err(|e| CommandsError(format!("commands.{name}: {e}")))?;
        self.programs.insert(
            name.to_string(),
            Program {
                entry,
                same_as,
                origin,
            },
        );
        Ok(())
    }

    /// A program's entry with the entries it is `same-as` behind it (most specific first), or
    /// an empty list when the program is unknown.
    pub(crate) fn lookup(&self, name: &str) -> Vec<(&str, &Program)> {
        let mut chain = Vec::new();
        let mut next = Some(name);
        while let Some(n) = next {
            if chain.len() > MAX_ALIASES || chain.iter().any(|(seen, _)| *seen == n) {
                break;
            }
            let Some((key, program)) = self.programs.get_key_value(n) else {
                break;
            };
            chain.push((key.as_str(), program));
            next = program.same_as.as_deref();
        }
        chain
    }

    pub(crate) fn sql(&self) -> &Sql {
        &self.sql
    }

    pub(crate) fn calls(&self) -> &Calls {
        &self.calls
    }

    /// Whether a program has an entry.
    pub fn knows(&self, name: &str) -> bool {
        self.programs.contains_key(name)
    }
}

fn build_entry(spec: Spec) -> Result<Entry, String> {
    let mut verbs = Vec::new();
    for (key, rule) in spec.verbs {
        let path: Vec<Pattern> = key.split_whitespace().map(Pattern::parse).collect();
        if path.is_empty() {
            return Err("a verb cannot be empty".to_string());
        }
        if path.iter().skip(1).any(|p| *p == Pattern::Skip) {
            return Err(format!("verb {key:?}: `**` may only start a path"));
        }
        verbs.push(Verb {
            key,
            path,
            group: false,
            rule: build_rule(rule)?,
        });
    }
    let mut flags = Vec::new();
    for (key, rule) in spec.flags {
        let rule = build_rule(rule)?;
        // A plain flag below the program's class names what the command does (`crontab -l`
        // lists): it is read as a verb, so it can decide the class rather than only raise it.
        let action = rule.entry.is_none()
            && rule.interactive.is_none()
            && spec.class.zip(rule.class).is_some_and(|(p, f)| f < p);
        if action {
            verbs.push(Verb {
                path: vec![Pattern::parse(&key)],
                key,
                group: false,
                rule,
            });
        } else {
            flags.push((Pattern::parse(&key), rule));
        }
    }
    for i in 0..verbs.len() {
        let group = verbs.iter().any(|other| {
            other.path.len() > verbs[i].path.len() && other.path.starts_with(&verbs[i].path)
        });
        verbs[i].group = group;
    }

    let words = spec
        .words
        .into_iter()
        .map(|(k, r)| Ok((k, build_rule(r)?)))
        .collect::<Result<_, String>>()?;
    Ok(Entry {
        class: spec.class,
        interactive: spec.interactive,
        options: spec.options.into_iter().collect(),
        clusters: spec.clusters,
        verbs,
        flags,
        words,
        bare: spec.bare.map(build_rule).transpose()?,
        runs: spec.runs,
        skip: spec.skip,
        shell_options: spec.shell_options.into_iter().collect(),
        sql_options: spec.sql_options.into_iter().collect(),
        sql_from: spec.sql_from,
        call_options: spec.call_options.into_iter().collect(),
        ignore_case: spec.ignore_case,
        reads_stdin: spec.reads_stdin,
        program: spec.program,
    })
}

fn build_rule(rule: RuleSpec) -> Result<Rule, String> {
    Ok(match rule {
        RuleSpec::Class(class) => Rule {
            class: Some(class),
            interactive: None,
            entry: None,
        },
        RuleSpec::Table(spec) => {
            if spec.same_as.is_some() {
                return Err("same-as belongs to a program, not a rule".to_string());
            }
            let class = spec.class;
            let interactive = spec.interactive;
            let entry = build_entry(*spec)?;
            Rule {
                class,
                interactive,
                entry: Some(Box::new(entry)),
            }
        }
    })
}

fn build_sql(spec: SqlSpec) -> Sql {
    let lower = |m: BTreeMap<String, Safety>| {
        m.into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect::<BTreeMap<_, _>>()
    };
    Sql {
        class: spec.class,
        statements: lower(spec.statements),
        functions: lower(spec.functions),
        pragmas: lower(spec.pragmas),
        meta: spec
            .meta
            .into_iter()
            .map(|(k, v)| (Pattern::parse(&k), v))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_reads() {
        let commands = Commands::read(SHIPPED).expect("shipped commands.toml");
        assert!(commands.knows("kubectl"));
        assert!(!commands.knows("frobnicate"));
    }

    #[test]
    fn every_same_as_names_a_known_program() {
        let commands = Commands::shipped();
        for (name, program) in &commands.programs {
            if let Some(target) = &program.same_as {
                assert!(commands.knows(target), "{name} is same-as unknown {target}");
            }
        }
    }

    #[test]
    fn aliases_are_followed_and_loops_end() {
        let mut extra = BTreeMap::new();
        let looping = |to: &str| Spec {
            same_as: Some(to.to_string()),
            ..Spec::default()
        };
        extra.insert("a".to_string(), looping("b"));
        extra.insert("b".to_string(), looping("a"));
        let commands = Commands::with(&extra).expect("entries");
        assert_eq!(commands.lookup("a").len(), 2);
        assert_eq!(commands.lookup("oc")[1].0, "kubectl");
    }

    #[test]
    fn an_entry_without_class_is_refused() {
        let mut extra = BTreeMap::new();
        extra.insert("x".to_string(), Spec::default());
        let err = Commands::with(&extra).expect_err("no class");
        assert!(err.0.contains("commands.x"), "{err}");
    }
}
