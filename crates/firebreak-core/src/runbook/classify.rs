//! The one safety classifier: is a step read-only, mutating or destructive, does it take over
//! the terminal, and why. `show`, `lint` and `run` all ask here, so a command is never judged
//! two ways.
//!
//! The rule is fail-safe: a command is read-only only when it is positively known to be. The
//! knowledge is data ([`Commands`], from `commands.toml` and the team's config); this module
//! reads shell text against it. For every simple command it looks past pasted prompts
//! (`$ `, `user@host:~$ `), shell keywords and variable assignments to the program; reads the
//! program's options (so `kubectl -n "$NS" delete pod` finds `delete`); follows the commands
//! wrappers run (`sudo`, `timeout 30`, `xargs`, `ssh HOST '…'`, `sh -c '…'`,
//! `kubectl exec P -- …`, `find -exec`), SQL given to database clients, and text fed on
//! standard input by heredocs and pipes; and judges output redirections. A program with no
//! entry, or a verb its entry does not list, is taken to change the system. When several parts
//! match, the most dangerous class wins.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::commands::{Commands, Entry, Pattern, Program, Rule, Runs, Stdin, Verb};
use super::script::{self, Token};

/// How much a step can change the system.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "kebab-case")]
pub enum Safety {
    /// Only looks.
    #[default]
    ReadOnly,
    /// Changes something that can be put back.
    Mutating,
    /// Deletes, stops, kills, blocks or overwrites.
    Destructive,
}

impl Safety {
    /// Parses `read-only`, `mutating` or `destructive`.
    pub fn parse(text: &str) -> Option<Safety> {
        match text.trim().to_ascii_lowercase().as_str() {
            "read-only" | "readonly" | "read_only" => Some(Safety::ReadOnly),
            "mutating" => Some(Safety::Mutating),
            "destructive" => Some(Safety::Destructive),
            _ => None,
        }
    }

    /// The name shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            Safety::ReadOnly => "read-only",
            Safety::Mutating => "mutating",
            Safety::Destructive => "destructive",
        }
    }
}

impl fmt::Display for Safety {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the classifier concluded about a piece of shell text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judgement {
    /// The most dangerous class of anything it runs.
    pub safety: Safety,
    /// Whether something in it takes over the terminal or never ends by itself.
    pub interactive: bool,
    /// Why, in a sentence a responder can check.
    pub reason: String,
    /// Whether the only changes it makes are new files written into the evidence directory
    /// (`… > "$EVIDENCE_DIR/ps.txt"`): the one kind of change an evidence step may make
    /// unasked with `--yes`.
    pub writes_only_evidence: bool,
}

/// How deep nested commands (`sudo ssh h 'sh -c …'`) are followed before giving up.
const MAX_NESTING: usize = 8;

/// How many parts a reason names at most.
const REASON_PARTS: usize = 3;

/// Judges shell text (and, for a `run=` fence, the block fed to it on standard input) with the
/// shipped knowledge.
pub fn classify(script: &str, stdin: Option<&str>) -> Safety {
    judge(script, stdin, Commands::shipped()).safety
}

/// Judges shell text (and the block a `run=` fence feeds it on standard input).
pub fn judge(script: &str, stdin: Option<&str>, commands: &Commands) -> Judgement {
    let mut judge = Judge {
        commands,
        findings: Vec::new(),
    };
    let fed = stdin.map_or(Fed::Nothing, |body| Fed::Text(body.to_string()));
    judge.shell(script, fed, 0);
    judge.conclude()
}

/// One part's verdict.
#[derive(Debug, Clone)]
struct Finding {
    safety: Safety,
    interactive: bool,
    /// Whether its change is a new file written into the evidence directory.
    evidence: bool,
    /// What the part is, for a read-only summary (`kubectl get`).
    label: String,
    /// Why it has its class, for the others.
    why: String,
}

impl Finding {
    fn new(safety: Safety, label: impl Into<String>, why: impl Into<String>) -> Finding {
        Finding {
            safety,
            interactive: false,
            evidence: false,
            label: label.into(),
            why: why.into(),
        }
    }
}

/// What a command's standard input carries.
#[derive(Debug, Clone)]
enum Fed {
    /// Nothing firebreak arranged: the terminal, or whatever the step's input is.
    Nothing,
    /// Text we can read: a heredoc, a here-string, a `run=` block, `echo …|`.
    Text(String),
    /// Something we cannot see: a pipe from another program, or a file.
    Unseen(&'static str),
}

struct Judge<'k> {
    commands: &'k Commands,
    findings: Vec<Finding>,
}

/// One simple command's pieces.
#[derive(Default)]
struct Simple<'t> {
    words: Vec<&'t str>,
    /// Output and input redirections: (operator, target).
    redirects: Vec<(&'static str, &'t str)>,
    /// How many heredocs it opened (bodies follow later in the token stream).
    heredocs: usize,
    bodies: Vec<String>,
    /// Fed by the previous command of a pipeline.
    piped: bool,
}

impl<'k> Judge<'k> {
    fn conclude(self) -> Judgement {
        let safety = self
            .findings
            .iter()
            .map(|f| f.safety)
            .max()
            .unwrap_or(Safety::ReadOnly);
        let interactive = self.findings.iter().any(|f| f.interactive);
        let reason = if self.findings.is_empty() {
            "runs nothing".to_string()
        } else if safety == Safety::ReadOnly {
            let labels = distinct(self.findings.iter().map(|f| f.label.as_str()));
            format!("only reads: {}", labels.join(", "))
        } else {
            distinct(
                self.findings
                    .iter()
                    .filter(|f| f.safety == safety)
                    .map(|f| f.why.as_str()),
            )
            .join("; ")
        };
        let reason = if interactive {
            let which = distinct(
                self.findings
                    .iter()
                    .filter(|f| f.interactive)
                    .map(|f| f.label.as_str()),
            );
            format!(
                "{reason}; takes over the terminal or runs until stopped: {}",
                which.join(", ")
            )
        } else {
            reason
        };
        // Anything unknown or unread is a finding of its own, never an evidence write, so a
        // step counts as writing only evidence only when every change in it was read as one.
        let writes_only_evidence = safety == Safety::Mutating
            && self
                .findings
                .iter()
                .all(|f| f.safety == Safety::ReadOnly || f.evidence);
        Judgement {
            safety,
            interactive,
            reason,
            writes_only_evidence,
        }
    }

    /// Judges shell text, `fed` going to its first command.
    fn shell(&mut self, text: &str, fed: Fed, depth: usize) {
        if depth > MAX_NESTING {
            self.findings.push(Finding::new(
                Safety::Mutating,
                "nested commands",
                "commands nested too deeply to follow, so taken to change the system",
            ));
            return;
        }
        let lexed = script::lex(text);
        self.read(text, &lexed, fed, depth);
    }

    fn read(&mut self, text: &str, lexed: &script::Lexed, fed: Fed, depth: usize) {
        self.tokens(text, &lexed.tokens, fed, depth);
        for sub in &lexed.substitutions {
            self.tokens(text, sub, Fed::Nothing, depth);
        }
    }

    fn tokens(&mut self, text: &str, tokens: &[Token], fed: Fed, depth: usize) {
        let mut commands: Vec<Simple<'_>> = Vec::new();
        let mut current = Simple::default();
        let mut bodies: Vec<String> = Vec::new();
        let mut redirect: Option<&'static str> = None;
        for token in tokens {
            match token {
                Token::Word { cooked, .. } => match redirect.take() {
                    Some(op) => current.redirects.push((op, cooked)),
                    None => current.words.push(cooked),
                },
                Token::Redirect { op, .. } if matches!(*op, "<<" | "<<-") => current.heredocs += 1,
                Token::Redirect { op, .. } => redirect = Some(op),
                Token::Heredoc { body, .. } => {
                    bodies.push(text.get(body.clone()).unwrap_or("").to_string());
                }
                Token::Op { text: op, .. } => {
                    let piped = matches!(*op, "|" | "|&");
                    commands.push(std::mem::take(&mut current));
                    current.piped = piped;
                }
                Token::Newline { .. } => commands.push(std::mem::take(&mut current)),
                Token::Comment { .. } => {}
            }
        }
        commands.push(current);
        // Heredoc bodies arrive in the order their `<<` were written.
        let mut bodies = bodies.into_iter();
        for command in &mut commands {
            for _ in 0..command.heredocs {
                if let Some(body) = bodies.next() {
                    command.bodies.push(body);
                }
            }
        }
        let mut fed = Some(fed);
        let mut pipe_text: Option<String> = None;
        for command in &commands {
            if command.words.is_empty() && command.redirects.is_empty() && command.heredocs == 0 {
                continue;
            }
            let input = if let Some(body) = command.bodies.last() {
                Fed::Text(body.clone())
            } else if let Some((_, word)) = command.redirects.iter().find(|(op, _)| *op == "<<<") {
                Fed::Text((*word).to_string())
            } else if command
                .redirects
                .iter()
                .any(|(op, t)| *op == "<" && !harmless(t))
            {
                Fed::Unseen("a file")
            } else if command.piped {
                match pipe_text.take() {
                    Some(text) => Fed::Text(text),
                    None => Fed::Unseen("a pipe"),
                }
            } else {
                fed.take().unwrap_or(Fed::Nothing)
            };
            pipe_text = text_source(&command.words, &input);
            self.simple(command, input, depth);
        }
    }

    fn simple(&mut self, command: &Simple<'_>, fed: Fed, depth: usize) {
        for (op, target) in &command.redirects {
            if let Some(finding) = redirection(op, target, &command.words) {
                self.findings.push(finding);
            }
        }
        self.program(&command.words, fed, depth);
    }

    /// Judges one command from its words (quotes removed).
    fn program(&mut self, words: &[&str], fed: Fed, depth: usize) {
        let words = strip_prefix_words(words);
        let Some((&first, args)) = words.split_first() else {
            return;
        };
        if depth > MAX_NESTING {
            self.findings.push(Finding::new(
                Safety::Mutating,
                first,
                "commands nested too deeply to follow, so taken to change the system",
            ));
            return;
        }
        let name = program_name(first);
        let chain = self.commands.lookup(name);
        if chain.is_empty() {
            self.findings.push(Finding::new(
                Safety::Mutating,
                name,
                format!(
                    "`{name}` is not a command firebreak knows, so it is taken to change the system"
                ),
            ));
            return;
        }
        let grammar = Grammar::new(&chain);
        let finding = self.judge_program(name, &grammar, args, fed, depth);
        self.findings.push(finding);
    }

    fn judge_program(
        &mut self,
        name: &str,
        grammar: &Grammar<'_>,
        args: &[&str],
        fed: Fed,
        depth: usize,
    ) -> Finding {
        // A wrapper's own options end where the command it runs begins.
        let first_stop = match grammar.runs() {
            Some(Runs::Command | Runs::Shell) => Some(grammar.skip()),
            _ => None,
        };
        let parsed = parse(grammar, args, first_stop);
        let verb = choose_verb(grammar, &parsed);
        let grammar = match verb.and_then(|(v, _)| v.rule.entry.as_deref()) {
            Some(entry) => grammar.with(entry),
            None => grammar.clone(),
        };
        let label = match verb {
            Some((v, _)) if v.is_option() => format!("{name} {}", v.key),
            Some((_, n)) => format!(
                "{name} {}",
                parsed.positionals.get(..n).unwrap_or(&[]).join(" ")
            ),
            None => name.to_string(),
        };
        let consumed = verb.map_or(0, |(_, n)| n);
        if let Some((v, n)) = verb
            && let Some(other) = v.rule.entry.as_ref().and_then(|e| e.program.as_deref())
            && n > 0
            && depth <= MAX_NESTING
        {
            // `docker compose …` is `docker-compose …`.
            let after = parsed
                .positional_at
                .get(n - 1)
                .map_or(args.len(), |at| at + 1);
            let mut words = vec![other];
            words.extend(args.get(after..).unwrap_or(&[]).iter().copied());
            let before = self.findings.len();
            self.program(&words, fed, depth + 1);
            // The last finding is the program's own; those before it are what it runs.
            let mut found: Vec<Finding> = self.findings.drain(before..).collect();
            let own = found.pop();
            self.findings.extend(found);
            return own.unwrap_or_else(|| {
                let why = format!("`{label}` has no command after it");
                Finding::new(Safety::Mutating, label, why)
            });
        }
        let skip = grammar.skip();
        let parsed = match grammar.runs() {
            Some(Runs::Command | Runs::Shell) => parse(&grammar, args, Some(consumed + skip)),
            _ => parse(&grammar, args, None),
        };
        let origin = if grammar.is_config() {
            " (your config)"
        } else {
            ""
        };

        // What it runs in turn.
        let before = self.findings.len();
        self.nested(&grammar, &parsed, args, consumed + skip, fed.clone(), depth);
        let nested: Vec<Finding> = self.findings.drain(before..).collect();

        let mut finding = if !nested.is_empty() {
            let mut f = Finding::new(Safety::ReadOnly, label.clone(), String::new());
            if let Some((v, _)) = verb
                && let Some(class) = v.rule.class
            {
                f.safety = class;
                f.why = format!("`{label}` is {class}{origin}");
            }
            f.interactive = verb.and_then(|(v, _)| v.rule.interactive) == Some(true)
                || grammar.entry_interactive();
            self.findings.extend(nested);
            f
        } else if let Some((v, _)) = verb
            && let Some(bare) = v.rule.entry.as_ref().and_then(|e| e.bare.as_ref())
            && parsed.positionals.len() <= consumed + skip
        {
            // `oc rsh POD` with no command opens a shell.
            let class = bare.class.or(v.rule.class).unwrap_or(Safety::Mutating);
            let mut f = Finding::new(
                class,
                label.clone(),
                format!("`{label}` with nothing to run is {class}{origin}"),
            );
            f.interactive = bare.interactive.unwrap_or(false);
            f
        } else if let Some((v, _)) = verb {
            let class = v.rule.class.or(grammar.class()).unwrap_or(Safety::Mutating);
            let mut f = Finding::new(
                class,
                label.clone(),
                format!("`{label}` is {class}{origin}"),
            );
            f.interactive = v
                .rule
                .interactive
                .unwrap_or_else(|| grammar.entry_interactive());
            f
        } else if let Some(bare) = grammar
            .bare()
            .filter(|_| parsed.positionals.len() <= skip.max(grammar.sql_from().unwrap_or(0)))
        {
            let class = bare.class.or(grammar.class()).unwrap_or(Safety::Mutating);
            let mut f = Finding::new(
                class,
                label.clone(),
                format!("`{name}` with nothing to act on is {class}{origin}"),
            );
            f.interactive = bare
                .interactive
                .unwrap_or_else(|| grammar.entry_interactive());
            f
        } else {
            let class = grammar.class().unwrap_or(Safety::Mutating);
            let why = match (grammar.has_path_verbs(), parsed.positionals.get(consumed)) {
                (true, Some(word)) => format!(
                    "`{name} {word}` is not a {name} verb firebreak knows, so it is taken to change the system"
                ),
                (true, None) => format!("`{name}` without a verb it knows is {class}{origin}"),
                (false, _) => format!("`{name}` is {class}{origin}"),
            };
            let mut f = Finding::new(class, label.clone(), why);
            f.interactive = grammar.entry_interactive();
            f
        };

        // Options and words anywhere raise the class.
        for (option, _) in &parsed.options {
            for rule in grammar.flag_rules(option) {
                apply(&mut finding, rule, &format!("`{name} {option}`"), origin);
            }
        }
        for word in parsed.positionals.iter().skip(consumed) {
            for rule in grammar.word_rules(word) {
                apply(&mut finding, rule, &format!("`{name} … {word}`"), origin);
            }
        }
        if let Some((class, why)) = by_value(&grammar, name, &parsed)
            && class > finding.safety
        {
            finding.safety = class;
            finding.why = why;
        }
        // A program given its input is not waiting for a person.
        if grammar.reads_stdin().is_some() && !matches!(fed, Fed::Nothing) {
            finding.interactive = false;
        }
        finding
    }

    /// Judges what a command runs: a nested command, shell or SQL in its options or positional
    /// words, and text on its standard input.
    fn nested(
        &mut self,
        grammar: &Grammar<'_>,
        parsed: &Parsed<'_>,
        args: &[&str],
        before_command: usize,
        fed: Fed,
        depth: usize,
    ) {
        match grammar.runs() {
            Some(Runs::Command) if !parsed.rest.is_empty() => {
                self.program(&parsed.rest, fed.clone(), depth + 1);
            }
            Some(Runs::Shell) if !parsed.rest.is_empty() => {
                self.shell(&parsed.rest.join(" "), fed.clone(), depth + 1);
            }
            Some(Runs::AfterDashdash) => {
                let command: Vec<&str> = match parsed.dashdash {
                    Some(at) => args.get(at..).unwrap_or(&[]).to_vec(),
                    None => parsed
                        .positionals
                        .iter()
                        .skip(before_command)
                        .copied()
                        .collect(),
                };
                if !command.is_empty() {
                    self.program(&command, fed.clone(), depth + 1);
                }
            }
            Some(Runs::ExecOption) => {
                for command in exec_commands(args) {
                    self.program(&command, Fed::Nothing, depth + 1);
                }
            }
            _ => {}
        }
        for (option, value) in &parsed.options {
            let Some(value) = value else { continue };
            if grammar.is_shell_option(option) {
                self.shell(value, Fed::Nothing, depth + 1);
            }
            if grammar.is_sql_option(option) {
                self.sql(value);
            }
            if grammar.is_call_option(option) {
                self.calls(value);
            }
        }
        if let Some(from) = grammar.sql_from()
            && parsed.positionals.len() > from
        {
            for text in &parsed.positionals[from..] {
                self.sql(text);
            }
        }
        match (grammar.reads_stdin(), fed) {
            (None, _) | (_, Fed::Nothing) => {}
            (Some(Stdin::Sql), Fed::Text(text)) => self.sql(&text),
            (Some(Stdin::Shell), Fed::Text(text)) => self.shell(&text, Fed::Nothing, depth + 1),
            (Some(Stdin::Lines), Fed::Text(text)) => {
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    let words: Vec<String> = line.split_whitespace().map(String::from).collect();
                    let words: Vec<&str> = words.iter().map(String::as_str).collect();
                    let finding = self.judge_program(
                        grammar.name(),
                        grammar,
                        &words,
                        Fed::Nothing,
                        depth + 1,
                    );
                    self.findings.push(finding);
                }
            }
            (Some(kind), fed) => {
                let what = match fed {
                    Fed::Unseen(what) => what,
                    _ => "text",
                };
                let language = match kind {
                    Stdin::Sql => "SQL",
                    Stdin::Shell => "shell commands",
                    Stdin::Lines => "commands",
                    Stdin::Script => "a script",
                };
                self.findings.push(Finding::new(
                    Safety::Mutating,
                    grammar.name(),
                    format!(
                        "`{}` runs {language} read from {what}, which firebreak cannot see, so it is taken to change the system",
                        grammar.name()
                    ),
                ));
            }
        }
    }

    /// Judges script text by the functions and methods it calls (`db.x.deleteMany(…)`).
    fn calls(&mut self, text: &str) {
        let knowledge = self.commands.calls();
        let default = knowledge.class.unwrap_or(Safety::Mutating);
        let bytes = text.as_bytes();
        let mut found = false;
        let mut i = 0;
        while i < bytes.len() {
            if !(bytes[i].is_ascii_alphabetic() || bytes[i] == b'_' || bytes[i] == b'$') {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'$'))
            {
                i += 1;
            }
            let name = &text[start..i];
            let rest = text[i..].trim_start();
            if !rest.starts_with('(') {
                continue;
            }
            found = true;
            let class = knowledge.names.get(name).copied().unwrap_or(default);
            let why = if knowledge.names.contains_key(name) {
                format!("the call `{name}()` is {class}")
            } else {
                format!(
                    "`{name}()` is not a call firebreak knows, so it is taken to change the system"
                )
            };
            self.findings
                .push(Finding::new(class, format!("{name}()"), why));
        }
        if !found && !text.trim().is_empty() {
            self.findings.push(Finding::new(
                default,
                "script",
                "script text that calls nothing firebreak knows is taken to change the system",
            ));
        }
    }

    /// Judges SQL (and psql/sqlite meta-commands) statement by statement.
    fn sql(&mut self, text: &str) {
        let knowledge = self.commands.sql();
        let default = knowledge.class.unwrap_or(Safety::Mutating);
        let plain = strip_sql_literals(text);
        for statement in sql_statements(&plain) {
            let finding = if let Some(meta) = statement.strip_prefix(['\\', '.']) {
                let prefix = &statement[..1];
                let name = meta.split_whitespace().next().unwrap_or("");
                let key = format!("{prefix}{name}");
                let class = knowledge
                    .meta
                    .iter()
                    .filter(|(p, _)| p.matches(&key, false))
                    .map(|(_, c)| *c)
                    .max()
                    .unwrap_or(default);
                Finding::new(
                    class,
                    key.clone(),
                    format!("SQL client command `{key}` is {class}"),
                )
            } else {
                sql_statement(knowledge, &statement, default)
            };
            self.findings.push(finding);
        }
    }
}

fn apply(finding: &mut Finding, rule: &Rule, what: &str, origin: &str) {
    if let Some(class) = rule.class
        && class > finding.safety
    {
        finding.safety = class;
        finding.why = format!("{what} is {class}{origin}");
    }
    if let Some(interactive) = rule.interactive {
        finding.interactive = interactive;
    }
}

fn distinct<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = BTreeSet::new();
    items
        .filter(|s| !s.is_empty() && seen.insert(*s))
        .take(REASON_PARTS)
        .collect()
}

/// The program a word names: the last part of an absolute path (`/usr/bin/kubectl`); a
/// relative path (`./fix.sh`, `bin/tool`) stays as written, so it is never mistaken for a known
/// program of the same name.
fn program_name(word: &str) -> &str {
    if word.starts_with('/') {
        word.rsplit('/').next().unwrap_or(word)
    } else {
        word
    }
}

/// Drops what stands before the program: a pasted prompt (`$`, `user@host:~$`, `[root@h ~]#`,
/// `sh-5.1#`), shell keywords, and variable assignments.
fn strip_prefix_words<'a, 'b>(words: &'b [&'a str]) -> &'b [&'a str] {
    let mut rest = words;
    let mut prompts = 0;
    while let [first, tail @ ..] = rest {
        let keyword = matches!(
            *first,
            "if" | "then"
                | "else"
                | "elif"
                | "do"
                | "while"
                | "until"
                | "!"
                | "{"
                | "}"
                | "("
                | ")"
                | "fi"
                | "done"
                | "esac"
        );
        let assignment = first.split_once('=').is_some_and(|(n, _)| is_name(n));
        let prompt = prompts < 3 && is_prompt(first);
        if prompt {
            prompts += 1;
        }
        if keyword || assignment || prompt {
            rest = tail;
        } else {
            break;
        }
    }
    rest
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether a word is (part of) a pasted shell prompt.
fn is_prompt(word: &str) -> bool {
    if matches!(word, "$" | "#" | "%" | "❯" | "➜" | "λ" | ">>>") {
        return true;
    }
    let ends = word.ends_with(['$', '#', '%', '>']);
    let has_host = word.contains('@') || word.contains(':') || word.contains(']');
    let shell_version = (word.starts_with("sh-") || word.starts_with("bash-"))
        && word.len() > 4
        && word[..word.len() - 1]
            .split('-')
            .nth(1)
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'));
    let bracket_open = word.starts_with('[') && word.contains('@');
    let venv = word.starts_with('(') && word.ends_with(')') && word.len() > 2;
    (ends && (has_host || shell_version)) || bracket_open || venv
}

fn harmless(target: &str) -> bool {
    matches!(
        target,
        "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/tty" | "-"
    ) || target.starts_with('&')
        || target.starts_with("/dev/fd/")
}

/// Judges an output redirection.
fn redirection(op: &str, target: &str, words: &[&str]) -> Option<Finding> {
    let duplicate =
        op.ends_with('&') && (target == "-" || target.bytes().all(|b| b.is_ascii_digit()));
    if matches!(op, "<" | "<<" | "<<-" | "<<<" | "<&") || harmless(target) || duplicate {
        return None;
    }
    let evidence = in_evidence_dir(target);
    let system = [
        "/etc/",
        "/boot/",
        "/usr/",
        "/var/lib/",
        "/var/log/",
        "/lib/",
        "/bin/",
        "/sbin/",
    ]
    .iter()
    .any(|p| target.starts_with(p));
    let kernel = target.starts_with("/proc/") || target.starts_with("/sys/");
    let device = target.starts_with("/dev/");
    let label = format!("{op} {target}");
    let overwrite = matches!(op, ">" | ">|" | "&>");
    // `> FILE` alone (or `: > FILE`, `cat /dev/null > FILE`) empties the file.
    let empties = overwrite
        && matches!(
            words,
            [] | [":"] | ["true"] | ["cat", "/dev/null"] | ["echo", "-n"]
        );
    let (safety, why) = if target == "/proc/sysrq-trigger" {
        (
            Safety::Destructive,
            format!("`{label}` triggers a kernel action (reboot, crash, kill)"),
        )
    } else if empties {
        (Safety::Destructive, format!("`{label}` empties {target}"))
    } else if evidence && overwrite {
        (
            Safety::Mutating,
            format!("`{label}` writes a new file into the evidence directory"),
        )
    } else if kernel {
        (
            Safety::Mutating,
            format!("`{label}` changes a kernel setting"),
        )
    } else if device || (system && overwrite) {
        (
            Safety::Destructive,
            format!("`{label}` overwrites {target}"),
        )
    } else if overwrite {
        (
            Safety::Mutating,
            format!("`{label}` writes a file (replacing it if it exists)"),
        )
    } else {
        (Safety::Mutating, format!("`{label}` adds to a file"))
    };
    let mut finding = Finding::new(safety, label, why);
    finding.evidence = evidence && overwrite && safety == Safety::Mutating;
    Some(finding)
}

/// Whether a redirection's target is a file inside the evidence directory: `$EVIDENCE_DIR/…`
/// or `${EVIDENCE_DIR}/…`, without a `..` that could climb out of it (and not a variable
/// that merely starts with the same name, such as `$EVIDENCE_DIR_OLD`).
fn in_evidence_dir(target: &str) -> bool {
    let target = target.trim_matches('"');
    let Some(rest) = target
        .strip_prefix("$EVIDENCE_DIR/")
        .or_else(|| target.strip_prefix("${EVIDENCE_DIR}/"))
    else {
        return false;
    };
    !rest.is_empty() && !rest.split('/').any(|part| part == "..")
}

/// The text a command writes to a pipe, when it is plain to see (`echo …`, `cat <<EOF`).
fn text_source(words: &[&str], fed: &Fed) -> Option<String> {
    match words {
        ["echo" | "printf", rest @ ..] => Some(
            rest.iter()
                .filter(|w| !w.starts_with('-'))
                .copied()
                .collect::<Vec<_>>()
                .join(" "),
        ),
        ["cat"] => match fed {
            Fed::Text(text) => Some(text.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The commands `find … -exec CMD … ;` runs.
fn exec_commands<'a>(args: &[&'a str]) -> Vec<Vec<&'a str>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        if matches!(args[i], "-exec" | "-execdir" | "-ok" | "-okdir") {
            let start = i + 1;
            let end = args[start..]
                .iter()
                .position(|a| matches!(*a, ";" | "+" | "\\;"))
                .map_or(args.len(), |p| start + p);
            out.push(args[start..end].to_vec());
            i = end + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// A program's grammar: its entry, then the entries it is `same-as`; a matched verb with more
/// grammar of its own goes in front.
#[derive(Clone)]
struct Grammar<'a> {
    name: &'a str,
    entries: Vec<&'a Entry>,
    config: bool,
}

impl<'a> Grammar<'a> {
    fn new(chain: &[(&'a str, &'a Program)]) -> Grammar<'a> {
        Grammar {
            name: chain.first().map_or("", |(n, _)| n),
            entries: chain.iter().map(|(_, p)| &p.entry).collect(),
            config: chain
                .first()
                .is_some_and(|(_, p)| p.origin == super::commands::Origin::Config),
        }
    }

    fn with(&self, verb: &'a Entry) -> Grammar<'a> {
        let mut entries = vec![verb];
        entries.extend(self.entries.iter().copied());
        Grammar {
            name: self.name,
            entries,
            config: self.config,
        }
    }

    fn name(&self) -> &'a str {
        self.name
    }

    fn is_config(&self) -> bool {
        self.config
    }

    fn first<T: Copy>(&self, get: impl Fn(&Entry) -> Option<T>) -> Option<T> {
        self.entries.iter().find_map(|e| get(e))
    }

    fn class(&self) -> Option<Safety> {
        self.first(|e| e.class)
    }

    fn entry_interactive(&self) -> bool {
        self.first(|e| e.interactive).unwrap_or(false)
    }

    fn clusters(&self) -> bool {
        self.first(|e| e.clusters).unwrap_or(false)
    }

    fn runs(&self) -> Option<Runs> {
        self.first(|e| e.runs)
    }

    fn skip(&self) -> usize {
        self.first(|e| e.skip).unwrap_or(0)
    }

    fn sql_from(&self) -> Option<usize> {
        self.first(|e| e.sql_from)
    }

    fn ignore_case(&self) -> bool {
        self.first(|e| e.ignore_case).unwrap_or(false)
    }

    fn reads_stdin(&self) -> Option<Stdin> {
        self.first(|e| e.reads_stdin)
    }

    fn bare(&self) -> Option<&'a Rule> {
        self.entries.iter().find_map(|e| e.bare.as_ref())
    }

    fn takes_value(&self, option: &str) -> bool {
        self.entries.iter().any(|e| {
            e.options.contains(option)
                || e.shell_options.contains(option)
                || e.sql_options.contains(option)
                || e.call_options.contains(option)
        })
    }

    fn is_shell_option(&self, option: &str) -> bool {
        self.entries
            .iter()
            .any(|e| e.shell_options.contains(option))
    }

    fn is_call_option(&self, option: &str) -> bool {
        self.entries.iter().any(|e| e.call_options.contains(option))
    }

    fn is_sql_option(&self, option: &str) -> bool {
        self.entries.iter().any(|e| e.sql_options.contains(option))
    }

    fn verbs(&self) -> impl Iterator<Item = &'a Verb> + '_ {
        self.entries.iter().flat_map(|e| e.verbs.iter())
    }

    fn has_path_verbs(&self) -> bool {
        self.verbs().any(|v| !v.is_option())
    }

    /// The rules for a flag from the nearest entry that has any: a verb's own `-t` (`docker
    /// build -t TAG`) replaces the program's (`docker -t`, a terminal).
    fn flag_rules(&self, option: &str) -> Vec<&'a Rule> {
        self.entries
            .iter()
            .map(|e| {
                e.flags
                    .iter()
                    .filter(|(p, _)| p.matches(option, false))
                    .map(|(_, r)| r)
                    .collect::<Vec<_>>()
            })
            .find(|rules| !rules.is_empty())
            .unwrap_or_default()
    }

    fn word_rules(&self, word: &str) -> Vec<&'a Rule> {
        self.entries
            .iter()
            .filter_map(|e| e.words.get(word))
            .collect()
    }
}

/// A command line split by its grammar.
struct Parsed<'w> {
    positionals: Vec<&'w str>,
    /// Where each positional word is in the arguments.
    positional_at: Vec<usize>,
    /// Options with their values (attached or the next word).
    options: Vec<(String, Option<&'w str>)>,
    /// Index in the arguments of the first word after `--`.
    dashdash: Option<usize>,
    /// With a stop: the words from the first one past the stop on.
    rest: Vec<&'w str>,
}

/// Splits arguments into options and positional words. With `stop`, reading ends at the
/// positional word after the first `stop` ones: that word and the rest belong to the command
/// the program runs.
fn parse<'w>(grammar: &Grammar<'_>, args: &[&'w str], stop: Option<usize>) -> Parsed<'w> {
    let mut parsed = Parsed {
        positionals: Vec::new(),
        positional_at: Vec::new(),
        options: Vec::new(),
        dashdash: None,
        rest: Vec::new(),
    };
    let clusters = grammar.clusters();
    let mut i = 0;
    while i < args.len() {
        let word = args[i];
        i += 1;
        let positional = parsed.dashdash.is_some() || word == "-" || !word.starts_with('-');
        if positional {
            if stop.is_some_and(|n| parsed.positionals.len() >= n) {
                parsed.rest = args[i - 1..].to_vec();
                break;
            }
            parsed.positionals.push(word);
            parsed.positional_at.push(i - 1);
            continue;
        }
        if word == "--" {
            parsed.dashdash = Some(i);
            if stop.is_some() && parsed.positionals.len() >= stop.unwrap_or(0) {
                parsed.rest = args[i..].to_vec();
                break;
            }
            continue;
        }
        if let Some((name, value)) = word.split_once('=')
            && name.starts_with('-')
        {
            parsed.options.push((name.to_string(), Some(value)));
            continue;
        }
        if grammar.takes_value(word) {
            parsed
                .options
                .push((word.to_string(), args.get(i).copied()));
            i += 1;
            continue;
        }
        let single = !word.starts_with("--") && word.len() > 2;
        if clusters && single {
            let head = &word[..word.char_indices().nth(2).map_or(word.len(), |(p, _)| p)];
            if grammar.takes_value(head) {
                parsed
                    .options
                    .push((head.to_string(), Some(&word[head.len()..])));
                continue;
            }
            if word[1..].chars().all(|c| c.is_ascii_alphanumeric()) {
                let letters = &word[1..];
                let mut consumed_next = false;
                for (at, c) in letters.char_indices() {
                    let option = format!("-{c}");
                    if grammar.takes_value(&option) {
                        let attached = &letters[at + c.len_utf8()..];
                        let value = if attached.is_empty() {
                            consumed_next = true;
                            args.get(i).copied()
                        } else {
                            Some(attached)
                        };
                        parsed.options.push((option, value));
                        break;
                    }
                    parsed.options.push((option, None));
                }
                if consumed_next {
                    i += 1;
                }
                continue;
            }
        }
        parsed.options.push((word.to_string(), None));
    }
    parsed
}

/// The verb a command line names: the most specific matching path of positional words, or an
/// option that names an action; of the two, the more dangerous.
fn choose_verb<'a>(grammar: &Grammar<'a>, parsed: &Parsed<'_>) -> Option<(&'a Verb, usize)> {
    let ignore_case = grammar.ignore_case();
    let mut best_path: Option<(&Verb, usize)> = None;
    let mut best_option: Option<&Verb> = None;
    for verb in grammar.verbs() {
        if verb.is_option() {
            let hit = parsed
                .options
                .iter()
                .any(|(o, _)| verb.path.first().is_some_and(|p| p.matches(o, false)));
            let better = best_option.is_none_or(|b| rule_class(verb) > rule_class(b));
            if hit && better {
                best_option = Some(verb);
            }
            continue;
        }
        let Some(consumed) = match_path(&verb.path, &parsed.positionals, ignore_case) else {
            continue;
        };
        if verb.group && consumed < parsed.positionals.len() {
            // `rollout` alone is known, `rollout frobnicate` is not.
            continue;
        }
        let key = (verb.literals(), consumed, rule_class(verb));
        let better = best_path.is_none_or(|(b, n)| key > (b.literals(), n, rule_class(b)));
        if better {
            best_path = Some((verb, consumed));
        }
    }
    match (best_path, best_option) {
        (Some((p, n)), Some(o)) if rule_class(o) > rule_class(p) => Some((o, n)),
        (Some(path), _) => Some(path),
        (None, Some(o)) => Some((o, 0)),
        (None, None) => None,
    }
}

fn rule_class(verb: &Verb) -> Safety {
    verb.rule.class.unwrap_or(Safety::Mutating)
}

/// How many words a path matches at the start of `words`, if it does.
fn match_path(path: &[Pattern], words: &[&str], ignore_case: bool) -> Option<usize> {
    match path.split_first() {
        None => Some(0),
        Some((Pattern::Skip, rest)) => (0..words.len())
            .find_map(|start| match_path(rest, &words[start..], ignore_case).map(|n| start + n)),
        Some((pattern, rest)) => {
            let (word, tail) = words.split_first()?;
            if pattern.matches(word, ignore_case) {
                match_path(rest, tail, ignore_case).map(|n| n + 1)
            } else {
                None
            }
        }
    }
}

/// Classes decided by an option's value rather than its presence: HTTP methods and output files
/// of `curl`, `wget -O`, `nginx -s`, `sysctl NAME=VALUE`, `dd of=`, `ansible -m`.
fn by_value(grammar: &Grammar<'_>, name: &str, parsed: &Parsed<'_>) -> Option<(Safety, String)> {
    let value = |names: &[&str]| {
        parsed
            .options
            .iter()
            .filter(|(o, _)| names.contains(&o.as_str()))
            .filter_map(|(_, v)| *v)
            .next_back()
    };
    let writes = |target: &str| !harmless(target);
    match grammar.name() {
        "curl" => {
            if let Some(method) = value(&["-X", "--request"]) {
                let class = match method.to_ascii_uppercase().as_str() {
                    "GET" | "HEAD" | "OPTIONS" => Safety::ReadOnly,
                    "DELETE" => Safety::Destructive,
                    _ => Safety::Mutating,
                };
                if class > Safety::ReadOnly {
                    return Some((class, format!("`{name} -X {method}` is {class}")));
                }
            }
            let output = value(&[
                "-o",
                "--output",
                "-c",
                "--cookie-jar",
                "-D",
                "--dump-header",
            ]);
            match output {
                Some(target) if writes(target) => Some((
                    Safety::Mutating,
                    format!("`{name}` writes the file {target}"),
                )),
                _ => None,
            }
        }
        "wget" => match value(&["-O", "--output-document"]) {
            Some(target) if !writes(target) => None,
            _ if parsed.options.iter().any(|(o, _)| o == "--spider") => None,
            _ => Some((
                Safety::Mutating,
                format!("`{name}` saves what it downloads to a file"),
            )),
        },
        "nginx" => match value(&["-s"]) {
            Some("stop" | "quit") => Some((
                Safety::Destructive,
                format!("`{name} -s` stop or quit ends the server"),
            )),
            Some(signal) => Some((
                Safety::Mutating,
                format!("`{name} -s {signal}` signals the server"),
            )),
            None => None,
        },
        "sysctl" => parsed.positionals.iter().any(|p| p.contains('=')).then(|| {
            (
                Safety::Mutating,
                format!("`{name} NAME=VALUE` sets a kernel setting"),
            )
        }),
        "dd" => parsed
            .positionals
            .iter()
            .find_map(|p| p.strip_prefix("of="))
            .filter(|t| writes(t))
            .map(|t| {
                (
                    Safety::Destructive,
                    format!("`{name} of={t}` overwrites {t}"),
                )
            }),
        "awk" | "gawk" | "mawk" | "nawk" => parsed
            .positionals
            .first()
            .filter(|program| awk_acts(program))
            .map(|_| {
                (
                    Safety::Mutating,
                    format!("the `{name}` program writes files or runs commands"),
                )
            }),
        "ansible" => {
            let module = value(&["-m", "--module-name"]).unwrap_or("command");
            match module {
                "ping"
                | "setup"
                | "debug"
                | "gather_facts"
                | "ansible.builtin.ping"
                | "ansible.builtin.setup" => None,
                "shell"
                | "command"
                | "raw"
                | "ansible.builtin.shell"
                | "ansible.builtin.command" => None,
                "service" | "systemd" | "ansible.builtin.service" | "ansible.builtin.systemd"
                    if value(&["-a", "--args"]).is_some_and(|args| {
                        ["state=stopped", "state=restarted"]
                            .iter()
                            .any(|s| args.contains(s))
                    }) =>
                {
                    Some((
                        Safety::Destructive,
                        format!("ansible module `{module}` stops or restarts a service"),
                    ))
                }
                other => Some((
                    Safety::Mutating,
                    format!("ansible module `{other}` is taken to change the system"),
                )),
            }
        }
        _ => None,
    }
}

/// Whether an awk program writes a file or runs a command: `print > "f"`, `print | "cmd"`,
/// `system(…)`. A `>` elsewhere is a comparison.
fn awk_acts(program: &str) -> bool {
    if program.contains("system(") || program.contains("|&") {
        return true;
    }
    program
        .split(['{', '}', ';', '\n'])
        .map(str::trim_start)
        .filter(|statement| statement.starts_with("print"))
        .any(|statement| statement.contains('>') || statement.contains('|'))
}

/// SQL with string literals and comments blanked, so their contents are never read as SQL.
fn strip_sql_literals(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                out.push_str("''");
                for d in chars.by_ref() {
                    if d == '\'' {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for d in chars.by_ref() {
                    if last == '*' && d == '/' {
                        break;
                    }
                    last = d;
                }
                out.push(' ');
            }
            c => out.push(c),
        }
    }
    out
}

/// Statements: split on `;`, and client commands (`\dt`, `.tables`) each on their own line.
fn sql_statements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if current.trim().is_empty() && (trimmed.starts_with('\\') || trimmed.starts_with('.')) {
            out.push(trimmed.to_string());
            continue;
        }
        for (i, part) in line.split(';').enumerate() {
            if i > 0 {
                out.push(std::mem::take(&mut current));
            }
            current.push_str(part);
        }
        current.push('\n');
    }
    out.push(current);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn sql_statement(knowledge: &super::commands::Sql, statement: &str, default: Safety) -> Finding {
    let lower = statement.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let Some(&first) = words.first() else {
        return Finding::new(Safety::ReadOnly, "SQL", "empty SQL");
    };
    let label = format!("SQL {}", first.to_ascii_uppercase());
    let mut class = knowledge.statements.get(first).copied().unwrap_or(default);
    let mut why = format!("`{label}` is {class}");
    let raise = |class: &mut Safety, why: &mut String, c: Safety, what: String| {
        if c > *class {
            *class = c;
            *why = what;
        }
    };
    let second = words.get(1).copied().unwrap_or("");
    match first {
        // `START TRANSACTION` only begins one; `START SLAVE|REPLICA` changes replication.
        "start" if second != "transaction" => raise(
            &mut class,
            &mut why,
            Safety::Mutating,
            format!("`START {}` changes the server", second.to_ascii_uppercase()),
        ),
        "set"
            if matches!(second, "global" | "persist" | "persist_only")
                || lower.contains("@@global") =>
        {
            raise(
                &mut class,
                &mut why,
                Safety::Mutating,
                "`SET GLOBAL` changes the server for every session".to_string(),
            )
        }
        "pragma" => {
            // A listed pragma is judged by its name, whatever its argument (a mode such as
            // `wal_checkpoint(TRUNCATE)`, never a statement); another one that sets a value
            // (`PRAGMA journal_mode = WAL`) changes the database.
            let schema_given = lower.contains(&format!("{second}."));
            let name = if schema_given {
                words.get(2).copied().unwrap_or("")
            } else {
                second
            };
            if let Some((name, c)) = knowledge.pragmas.get_key_value(name) {
                class = *c;
                why = format!("`PRAGMA {name}` is {c}");
            } else if lower.contains('=') {
                raise(
                    &mut class,
                    &mut why,
                    Safety::Mutating,
                    "`PRAGMA … = …` changes a setting".to_string(),
                );
            }
            return Finding::new(class, label, why);
        }
        "explain" if words.get(1) == Some(&"analyze") || words.get(1) == Some(&"analyse") => {
            // EXPLAIN ANALYZE runs the statement.
            if let Some(at) = lower.find("analy") {
                let rest = &statement[(at + 7).min(statement.len())..];
                let inner = sql_statement(knowledge, rest, default);
                raise(&mut class, &mut why, inner.safety, inner.why);
            }
        }
        _ => {}
    }
    if first == "copy" && lower.contains("to stdout") && !lower.contains(" from stdin") {
        // `COPY (SELECT …) TO STDOUT` only reads.
        class = Safety::ReadOnly;
        why = format!("`{label} … TO STDOUT` only reads");
    }
    // A statement can hide more than its first word says: `WITH x AS (DELETE …)`,
    // `SELECT … INTO t`, `ALTER TABLE t DROP PARTITION p` (ClickHouse).
    let read_only = class == Safety::ReadOnly;
    for (i, w) in words.iter().enumerate().skip(1) {
        let c = match *w {
            "delete" | "drop" | "truncate" => Safety::Destructive,
            "insert" | "alter" | "create" | "grant" | "revoke" if read_only => Safety::Mutating,
            "into" if read_only && first != "copy" => Safety::Mutating,
            "update" if read_only && words[i..].contains(&"set") => Safety::Mutating,
            _ => continue,
        };
        raise(
            &mut class,
            &mut why,
            c,
            format!("`{}` inside {label} is {c}", w.to_ascii_uppercase()),
        );
    }
    // Functions that act: `SELECT pg_terminate_backend(…)`.
    for w in &words {
        if let Some(&c) = knowledge.functions.get(*w) {
            let called = lower
                .match_indices(*w)
                .any(|(at, _)| lower[at + w.len()..].trim_start().starts_with('('));
            if called {
                raise(
                    &mut class,
                    &mut why,
                    c,
                    format!("SQL function `{w}()` is {c}"),
                );
            }
        }
    }
    Finding::new(class, label, why)
}

#[cfg(test)]
mod tests;

/// Judges every step of the procedures read from one file: the classifier's class unless the
/// runbook sets one, whether it is interactive, and why.
pub(crate) fn judge_steps(procedures: &mut [super::Procedure], commands: &Commands) {
    for step in procedures.iter_mut().flat_map(|p| p.steps.iter_mut()) {
        let judgement = match &step.kind {
            super::StepKind::Command { script, .. } => judge(script, None, commands),
            super::StepKind::Piped { script, body, .. } => judge(script, Some(body), commands),
            _ => Judgement {
                safety: Safety::ReadOnly,
                interactive: false,
                reason: "nothing runs".to_string(),
                writes_only_evidence: false,
            },
        };
        step.interactive = judgement.interactive || step.attrs.interactive;
        step.judged = judgement.safety;
        // An annotated class is the runbook's word, not the classifier's reading of each change.
        step.writes_only_evidence = judgement.writes_only_evidence
            && step.attrs.class.is_none_or(|c| c == judgement.safety);
        (step.safety, step.reason) = match step.attrs.class {
            Some(class) if class == judgement.safety => (
                class,
                format!("{class} as the runbook says; {}", judgement.reason),
            ),
            Some(class) => (
                class,
                format!(
                    "{class} because the runbook says so; firebreak alone would say {} ({})",
                    judgement.safety, judgement.reason
                ),
            ),
            None => (judgement.safety, judgement.reason),
        };
    }
}
