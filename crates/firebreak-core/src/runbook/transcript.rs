//! Shell fences as people paste them: which lines are commands and which are not. A fence may
//! hold a terminal session (prompts such as `$ `, `user@host:~$ `, `[root@db ~]# `,
//! `sh-5.1# `, with output under each command), a plain script, or a script with a command's
//! output or a monitoring query pasted into it. This module reads the lines and hands the
//! shell splitter (`script::split`) only the commands; it splits nothing and classifies nothing.
//!
//! The rules, fail-safe first:
//!
//! * A fence with a prompt anywhere is a transcript: prompt lines (and their `> ` or backslash
//!   continuations) are commands, every other line except comments is output. A prompt says
//!   which lines are commands, so output never runs.
//! * A fence without a prompt is a script: every line is a command except lines that are
//!   clearly not shell — a column-header row (`NAME   READY   STATUS`) and the rows under it,
//!   a `kind/name verb-ed` result line (`deployment.apps/web restarted`), PromQL or LogQL
//!   queries, and YAML or JSON (`apiVersion: v1` and the lines under it, `{"key": …}`). When in
//!   doubt a line is a command: it is classified and asked about.
//! * `# ` is a root prompt in console fences; in other fences only when the fence has other
//!   prompts and the text after it starts like a command (otherwise it is a comment).

use super::script::{self, Token};

/// Fence languages that are terminal sessions by name.
const CONSOLES: &[&str] = &["console", "shell-session", "shellsession", "terminal"];

/// How far a prompt may be indented and still be one: deeper text is a heredoc's or a
/// program's, not a terminal's.
const MAX_PROMPT_INDENT: usize = 8;

/// Programs whose name at the start of an unlabelled fence (or of a line under pasted output)
/// says the text is shell. One list, used for every such guess.
const COMMAND_WORDS: &[&str] = &[
    "kubectl",
    "oc",
    "helm",
    "k9s",
    "kubectx",
    "kubens",
    "virtctl",
    "crictl",
    "ctr",
    "docker",
    "podman",
    "systemctl",
    "journalctl",
    "service",
    "curl",
    "wget",
    "grep",
    "egrep",
    "zgrep",
    "awk",
    "sed",
    "cat",
    "less",
    "head",
    "tail",
    "ls",
    "find",
    "ps",
    "pgrep",
    "kill",
    "pkill",
    "sudo",
    "su",
    "ssh",
    "scp",
    "rsync",
    "psql",
    "mysql",
    "redis-cli",
    "mongo",
    "mongosh",
    "git",
    "df",
    "du",
    "free",
    "top",
    "htop",
    "uptime",
    "vmstat",
    "iostat",
    "lsof",
    "ip",
    "ss",
    "netstat",
    "ping",
    "traceroute",
    "dig",
    "nslookup",
    "host",
    "openssl",
    "aws",
    "gcloud",
    "az",
    "gsutil",
    "terraform",
    "etcdctl",
    "ceph",
    "rados",
    "rbd",
    "patronictl",
    "knife",
    "ansible",
    "ansible-playbook",
    "vault",
    "consul",
    "nomad",
    "rm",
    "mv",
    "cp",
    "mkdir",
    "chmod",
    "chown",
    "tar",
    "echo",
    "export",
    "cd",
    "env",
    "watch",
    "nano",
    "vi",
    "vim",
    "tcpdump",
    "nc",
    "telnet",
    "iptables",
    "nft",
    "ufw",
    "mount",
    "umount",
    "lsblk",
    "dmesg",
    "uname",
    "whoami",
    "id",
    "date",
    "nginx",
    "apachectl",
    "gitlab-ctl",
    "gitlab-rake",
    "promtool",
    "amtool",
    "jq",
    "yq",
    "make",
    "python",
    "python3",
    "go",
    "npm",
    "pip",
    "apt",
    "apt-get",
    "yum",
    "dnf",
];

/// A fence read line by line.
#[derive(Debug, Default)]
pub(crate) struct Transcript {
    /// Whether a prompt was found, so the fence was read as a terminal session.
    pub prompted: bool,
    /// The fence as the shell splitter should see it: prompts and continuation markers turned
    /// into spaces (same width), every line that is not a command blanked. It has the fence's
    /// lines and columns.
    pub script: String,
    /// The lines that are not commands, in order.
    pub other: Vec<Other>,
}

/// A fence line that is not a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Other {
    /// Line index in the fence body, from 0.
    pub index: usize,
    pub text: String,
    pub what: Role,
}

/// What a non-command line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Output under a prompted command.
    Output,
    /// Output pasted into a script without a prompt (a warning names it).
    Pasted,
    /// A PromQL or LogQL query in a shell fence: shown, not run (a warning names it).
    Query,
    /// YAML or JSON in a shell fence: shown, not run (a warning names it).
    Data,
}

/// Whether `lang` names a terminal-session fence (`console`, `shell-session`, `terminal`).
pub(crate) fn is_console(lang: &str) -> bool {
    CONSOLES.contains(&lang)
}

/// How an unlabelled fence reads: `Some("console")` when its first line starts with a prompt,
/// `Some("bash")` when its first line that is not a comment starts with a well-known program,
/// `None` when it does not look like shell.
pub(crate) fn guess(body: &str) -> Option<&'static str> {
    let first = body.lines().map(str::trim).find(|l| !l.is_empty())?;
    // `% go version` (zsh) or `❯ kubectl get pods`: a weak prompt, then a program we know.
    let weak = console_prompt(first)
        .filter(|_| !first.starts_with('#'))
        .is_some_and(|w| starts_with_program(&first[w..]));
    if strong_prompt(first).is_some() || weak {
        return Some("console");
    }
    // The first line that is not a comment: `# Find the jobs` then `$ kubectl get jobs`.
    let command = body
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    if strong_prompt(command).is_some() {
        return Some("console");
    }
    starts_with_program(command).then_some("bash")
}

/// Reads a shell-family fence.
pub(crate) fn read(lang: &str, body: &str) -> Transcript {
    let console = is_console(lang);
    let lines: Vec<&str> = body.split_inclusive('\n').collect();
    let prompted = lines.iter().any(|l| {
        let l = strip_eol(l);
        strong_prompt(l).is_some() || (console && console_prompt(l).is_some())
    });
    if prompted {
        session(&lines, console)
    } else {
        plain(&lines, body)
    }
}

fn strip_eol(line: &str) -> &str {
    line.trim_end_matches(['\n', '\r'])
}

/// The line's end (`\n`, `\r\n` or nothing), to keep line breaks where they were.
fn eol(line: &str) -> &str {
    &line[strip_eol(line).len()..]
}

/// Spaces as wide (in characters) as `text`.
fn blank(text: &str) -> String {
    " ".repeat(text.chars().count())
}

/// A fence with prompts: prompt lines are commands, the rest is output or comments.
fn session(lines: &[&str], console: bool) -> Transcript {
    let mut out = Transcript {
        prompted: true,
        ..Transcript::default()
    };
    // What the previous command line leaves open: a continuation, or a heredoc delimiter.
    let mut open = Open::None;
    for (index, raw) in lines.iter().enumerate() {
        let line = strip_eol(raw);
        let end = eol(raw);
        if let Open::Heredoc(delimiter) = &open {
            let delimiter = delimiter.clone();
            let text = line.strip_prefix("> ").unwrap_or(line);
            out.script
                .push_str(&blank(&line[..line.len() - text.len()]));
            out.script.push_str(text);
            out.script.push_str(end);
            if text.trim() == delimiter {
                open = Open::None;
            }
            continue;
        }
        let prompt = strong_prompt(line)
            .or_else(|| console.then(|| console_prompt(line)).flatten())
            .or_else(|| root_prompt(line));
        let marker = (line == ">" || line.starts_with("> ")).then(|| line.len().min(2));
        let command = match (prompt, &open) {
            (Some(width), _) => Some(width),
            (None, Open::Line) => Some(marker.unwrap_or(0)),
            (None, Open::Command) => marker,
            _ => None,
        };
        match command {
            Some(width) => {
                let (prompt, text) = line.split_at(width.min(line.len()));
                out.script.push_str(&blank(prompt));
                out.script.push_str(text);
                open = opens(text);
            }
            None if line.trim().is_empty() || line.trim_start().starts_with('#') => {
                out.script.push_str(line);
                open = Open::None;
            }
            None => {
                out.other.push(Other {
                    index,
                    text: line.to_string(),
                    what: Role::Output,
                });
                // A command's output ends its `> ` continuation.
                open = Open::None;
            }
        }
        out.script.push_str(end);
    }
    out
}

/// What a command line leaves open for the next line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Open {
    None,
    /// A command: a `> ` line after it continues it.
    Command,
    /// The line ends with `\`, `|`, `&&` or `||`: the next line continues it, prompt or not.
    Line,
    /// A heredoc: lines up to this delimiter are its body.
    Heredoc(String),
}

fn opens(command: &str) -> Open {
    if let Some(delimiter) = heredoc_delimiter(command) {
        return Open::Heredoc(delimiter);
    }
    let trimmed = command.trim_end();
    if ["\\", "|", "&&", "||"].iter().any(|e| trimmed.ends_with(e)) {
        Open::Line
    } else {
        Open::Command
    }
}

/// `cat <<'EOF' > f` → `EOF`.
fn heredoc_delimiter(command: &str) -> Option<String> {
    let at = command.find("<<")?;
    let rest = command[at + 2..].trim_start_matches('-').trim_start();
    if rest.starts_with('<') {
        return None;
    }
    let word: String = rest
        .trim_start_matches(['\'', '"'])
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}

/// A fence without prompts: a script, minus the lines that are clearly not shell.
fn plain(lines: &[&str], body: &str) -> Transcript {
    let protected = protected_ranges(body);
    let mut out = Transcript::default();
    let mut table = false;
    let mut data = false;
    let mut query = false;
    let mut continued = false;
    let mut offset = 0;
    // Ranges come in order: skip those that end before the line.
    let mut next_range = 0;
    for (index, raw) in lines.iter().enumerate() {
        let line = strip_eol(raw);
        let start = offset;
        offset += raw.len();
        while protected.get(next_range).is_some_and(|r| r.end <= start) {
            next_range += 1;
        }
        let inside = protected[next_range.min(protected.len())..]
            .iter()
            .take_while(|r| r.start < start)
            .any(|r| start < r.end);
        let role = if inside || continued {
            None
        } else if table && !line.trim().is_empty() && !looks_like_command(line) {
            Some(Role::Pasted)
        } else if is_header_row(line)
            || is_result_line(line)
            || is_message_line(line)
            || is_quoted_output(line)
        {
            table = is_header_row(line);
            Some(Role::Pasted)
        } else if is_query(line)
            || line.starts_with("// ")
            || query && !line.trim().is_empty() && !looks_like_command(line)
        {
            // A query runs on to the next blank line; `//` starts no shell line but a comment
            // in the query languages pasted with it.
            Some(Role::Query)
        } else if is_data(line) || data && (line.starts_with([' ', '\t']) || line.starts_with("- "))
        {
            Some(Role::Data)
        } else {
            None
        };
        if line.trim().is_empty() || role.is_none() {
            table = false;
        }
        data = role == Some(Role::Data);
        query = role == Some(Role::Query);
        match role {
            Some(what) => {
                out.other.push(Other {
                    index,
                    text: line.to_string(),
                    what,
                });
                out.script.push_str(eol(raw));
                continued = false;
            }
            None => {
                out.script.push_str(raw);
                continued = opens(line) == Open::Line && !line.trim_start().starts_with('#');
            }
        }
    }
    out
}

/// Byte ranges of heredoc bodies and of words that span lines: lines starting inside them are
/// data, never output to take out.
fn protected_ranges(body: &str) -> Vec<std::ops::Range<usize>> {
    let mut ranges: Vec<std::ops::Range<usize>> = script::lex(body)
        .tokens
        .into_iter()
        .filter_map(|t| match t {
            Token::Heredoc { body: range, .. } => Some(range.start.saturating_sub(1)..range.end),
            Token::Word { raw, .. } if body.get(raw.clone()).is_some_and(|w| w.contains('\n')) => {
                Some(raw)
            }
            _ => None,
        })
        .collect();
    ranges.sort_by_key(|r| r.start);
    ranges
}

/// A prompt that marks a command in any shell fence: `$ `, `(venv) $ `, `user@host:~$ `,
/// `user@host ~ $ `, `[user@host dir]# `, `sh-5.1$ `, `bash-4.4# `. Returns its width in bytes.
fn strong_prompt(line: &str) -> Option<usize> {
    // A session indented inside a list item or a fence (`  $ oc get nodes`).
    let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
    if indent > 0 {
        return (indent <= MAX_PROMPT_INDENT)
            .then(|| strong_prompt(&line[indent..]).map(|w| indent + w))
            .flatten();
    }
    if line == "$" || line.starts_with("$ ") {
        return Some(line.len().min(2));
    }
    if let Some(rest) = line.strip_prefix('(') {
        let close = rest.find(") ")?;
        let inner = &rest[..close];
        if inner.is_empty() || inner.len() > 40 || inner.contains([' ', '(', '$']) {
            return None;
        }
        let after = 1 + close + 2;
        return strong_prompt(&line[after..]).map(|w| after + w);
    }
    if line.starts_with('[') {
        return bracket_prompt(line);
    }
    user_host_prompt(line).or_else(|| shell_name_prompt(line))
}

/// `[root@db01 ~]# `, `[ops@web /var/log]$ `.
fn bracket_prompt(line: &str) -> Option<usize> {
    let close = line.find(']')?;
    let inner = &line[1..close];
    if inner.is_empty() || inner.len() > 60 || inner.starts_with([' ', '[']) || !inner.contains('@')
    {
        return None;
    }
    end_of_prompt(line, close + 1)
}

/// `alice@web-1:~/app$ `, `root@db:/var/lib# `, `alice@web-1 ~ $ `.
fn user_host_prompt(line: &str) -> Option<usize> {
    let first = line.split(' ').next()?;
    let at = first.find('@')?;
    if at == 0 || first.contains(['=', '"', '\'', '/']) && !first.contains(':') {
        return None;
    }
    if first.len() > 1 && first.ends_with(['$', '#', '%']) {
        return end_of_prompt(line, first.len() - 1);
    }
    let mut offset = first.len();
    let mut words = line[offset..].split(' ');
    words.next();
    for _ in 0..2 {
        let word = words.next()?;
        offset += 1 + word.len();
        if matches!(word, "$" | "#" | "%") {
            return end_of_prompt(line, offset - 1);
        }
        if !word.starts_with(['~', '/']) {
            return None;
        }
    }
    None
}

/// `sh-5.1$ `, `bash-4.4# `, `bash$ `.
fn shell_name_prompt(line: &str) -> Option<usize> {
    let first = line.split(' ').next()?;
    let name = first.strip_suffix(['$', '#'])?;
    let (shell, version) = name.split_once('-').unwrap_or((name, ""));
    let known = matches!(shell, "sh" | "bash" | "zsh" | "ksh" | "dash");
    let version_ok = version.chars().all(|c| c.is_ascii_digit() || c == '.');
    (known && version_ok).then(|| end_of_prompt(line, first.len() - 1))?
}

/// When `line[at..]` is a prompt character (`$`, `#`, `%`) followed by a space or the end of
/// the line, the prompt's width.
fn end_of_prompt(line: &str, at: usize) -> Option<usize> {
    let rest = line.get(at..)?;
    let mut chars = rest.chars();
    matches!(chars.next(), Some('$' | '#' | '%')).then_some(())?;
    match chars.next() {
        None => Some(line.len()),
        Some(' ') => Some(at + 2),
        _ => None,
    }
}

/// Prompts only a `console` fence has: `# `, `% `, `❯ `.
fn console_prompt(line: &str) -> Option<usize> {
    ["# ", "% ", "❯ "]
        .iter()
        .find(|p| line.starts_with(**p))
        .map(|p| p.len())
        .or_else(|| matches!(line, "#" | "%" | "❯").then_some(line.len()))
}

/// `# ` in a shell fence that has other prompts, when a command follows it (`# systemctl stop
/// app`); `# Check the pods` stays a comment.
fn root_prompt(line: &str) -> Option<usize> {
    let rest = line.strip_prefix("# ")?;
    starts_with_program(rest).then_some(2)
}

/// Whether the line's first word (after `sudo`) is a well-known program or a path to one.
fn starts_with_program(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let Some(mut first) = words.next() else {
        return false;
    };
    if first == "sudo" {
        first = words.next().unwrap_or("sudo");
    }
    COMMAND_WORDS.contains(&first) || first.starts_with("./") || first.starts_with("/usr/")
}

/// Whether a line under pasted output starts a command again.
fn looks_like_command(line: &str) -> bool {
    let line = line.trim_start();
    starts_with_program(line)
        || line.starts_with('#')
        || line
            .split_once('=')
            .is_some_and(|(name, _)| script_name(name))
}

fn script_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

/// A column-header row: two or more columns of upper-case words, separated by runs of two or
/// more spaces (`NAME   READY   STATUS   RESTARTS   AGE`, `CONTAINER ID   IMAGE`).
fn is_header_row(line: &str) -> bool {
    let columns: Vec<&str> = line
        .trim()
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    let gap = line.trim().contains("  ");
    gap && columns.len() >= 2
        && columns.iter().all(|c| {
            c.chars().any(|ch| ch.is_ascii_uppercase())
                && c.chars().all(|ch| {
                    ch.is_ascii_uppercase()
                        || ch.is_ascii_digit()
                        || matches!(ch, ' ' | '-' | '_' | '(' | ')' | '%' | '/' | '.' | ':')
                })
        })
}

/// Verbs kubectl and oc print after changing a resource.
const RESULT_VERBS: &[&str] = &[
    "created",
    "configured",
    "unchanged",
    "deleted",
    "restarted",
    "patched",
    "scaled",
    "labeled",
    "annotated",
    "cordoned",
    "uncordoned",
    "drained",
    "evicted",
    "tainted",
    "untainted",
    "rolled back",
    "paused",
    "resumed",
    "replaced",
    "edited",
    "exposed",
    "autoscaled",
];

/// A resource-change result: `deployment.apps/web restarted`, `pod "web-1" deleted`,
/// `node/worker-2 cordoned`.
fn is_result_line(line: &str) -> bool {
    let line = line.trim();
    let Some(verb) = RESULT_VERBS.iter().find(|v| line.ends_with(*v)) else {
        return false;
    };
    let subject = line[..line.len() - verb.len()].trim_end();
    if subject.len() == line.len() - verb.len() {
        return false;
    }
    let resource_name = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    };
    match subject.split_once('/') {
        Some((kind, name)) if !subject.contains(' ') => resource_name(kind) && resource_name(name),
        _ => subject.split_once(' ').is_some_and(|(kind, name)| {
            resource_name(kind)
                && name.len() > 2
                && name.starts_with('"')
                && name.ends_with('"')
                && resource_name(&name[1..name.len() - 1])
        }),
    }
}

/// Output quoted with `> ` under its command (`> Login Succeeded!`, `> (no output)`). A
/// redirection that empties a file (`> /var/log/app.log`, `> "$OUT"`) names one path-like word.
fn is_quoted_output(line: &str) -> bool {
    let Some(text) = line.strip_prefix("> ") else {
        return false;
    };
    let text = text.trim();
    let path_like = !text.contains(char::is_whitespace)
        && !text.contains("...")
        && !text.contains(['(', ')'])
        && text.contains(['/', '.', '$']);
    !text.is_empty() && !path_like
}

/// A program's message pasted under its command: a capitalised label, then prose (`Error: can't
/// reach the endpoint`, `Status: Running since 3 days`). YAML values are rarely several words.
fn is_message_line(line: &str) -> bool {
    let Some((label, text)) = line.split_once(": ") else {
        return false;
    };
    label.starts_with(|c: char| c.is_ascii_uppercase())
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ')
        && label.split(' ').count() <= 2
        && text.split_whitespace().count() >= 2
}

/// YAML or JSON: a mapping key followed by `: ` or ending the line (`apiVersion: v1`,
/// `metadata:`), or an object opening with a quoted key (`{"retention": 14}`). No command ends
/// its first word with a colon.
fn is_data(line: &str) -> bool {
    let line = line.trim_end();
    if line.starts_with("{\"") || line.starts_with("[{") {
        return true;
    }
    let key_len = line
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        .count();
    key_len > 0
        && line.starts_with(|c: char| c.is_ascii_alphabetic())
        && line[key_len..]
            .strip_prefix(':')
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
}

/// PromQL and LogQL functions and aggregations, by which a query that spans lines is known from
/// its first line (`topk(5,`, `sum by (node) (`).
const QUERY_FUNCTIONS: &[&str] = &[
    "sum",
    "avg",
    "min",
    "max",
    "count",
    "topk",
    "bottomk",
    "quantile",
    "stddev",
    "stdvar",
    "count_values",
    "group",
    "rate",
    "irate",
    "increase",
    "delta",
    "idelta",
    "deriv",
    "changes",
    "resets",
    "histogram_quantile",
    "predict_linear",
    "absent",
    "absent_over_time",
    "avg_over_time",
    "min_over_time",
    "max_over_time",
    "sum_over_time",
    "count_over_time",
    "quantile_over_time",
    "last_over_time",
    "bytes_rate",
    "bytes_over_time",
    "label_replace",
    "label_join",
    "clamp_min",
    "clamp_max",
    "sort_desc",
    "vector",
];

/// `topk(5,`, `sum by (node) (`, `histogram_quantile(0.99, …)`: a query function or aggregation
/// called at the start of the line. In shell, `name(` followed by anything but `)` is a syntax
/// error, and `name by (` is a program with arguments no program takes.
fn promql_call(line: &str) -> bool {
    let name_len = line
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .count();
    if !QUERY_FUNCTIONS.contains(&&line[..name_len]) {
        return false;
    }
    let rest = &line[name_len..];
    if let Some(args) = rest.strip_prefix('(') {
        return !args.trim_start().starts_with(')');
    }
    let rest = rest.trim_start();
    ["by", "without"].iter().any(|clause| {
        rest.strip_prefix(clause)
            .is_some_and(|after| after.trim_start().starts_with('('))
    })
}

/// A PromQL or LogQL query: a metric or function name directly followed by `{` or `(`
/// (`sum(rate(http_requests_total[5m]))`, `up{job="api"} == 0`), or a LogQL stream selector
/// (`{app="web"} |= "error"`). No shell line starts like that: `name(` is a syntax error and
/// `name()` (a function definition) is excluded.
pub(crate) fn is_query(line: &str) -> bool {
    // `(sum(rate(a[5m])) or vector(0))`: a subshell's `(` is followed by a command and a space.
    let line = line.trim().trim_start_matches('(');
    if promql_call(line) {
        return true;
    }
    if let Some(rest) = line.strip_prefix('{') {
        let name_len = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .count();
        return name_len > 0 && rest[name_len..].trim_start().starts_with(['=', '!']);
    }
    let name_len = line
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':'))
        .count();
    if name_len == 0 || line.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let rest = &line[name_len..];
    if let Some(args) = rest.strip_prefix('(') {
        return !args.trim_start().starts_with(')') && line.ends_with([')', ']'])
            || line.contains("[") && line.contains("])");
    }
    if let Some(labels) = rest.strip_prefix('{') {
        let close = labels.find('}');
        return close.is_some_and(|c| labels[..c].contains('=') || c == 0);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(t: &Transcript) -> Vec<String> {
        t.script
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn others(t: &Transcript) -> Vec<(&str, Role)> {
        t.other.iter().map(|o| (o.text.as_str(), o.what)).collect()
    }

    #[test]
    fn every_word_that_marks_shell_is_a_program_the_classifier_judges() {
        let known = crate::runbook::Commands::shipped();
        let unknown: Vec<&str> = COMMAND_WORDS
            .iter()
            .copied()
            .filter(|w| !known.knows(w))
            .collect();
        assert!(
            unknown.is_empty(),
            "guessed as shell but never judged: {unknown:?}"
        );
    }

    #[test]
    fn prompts_of_every_kind_are_taken_off_and_the_rest_is_output() {
        for (line, command) in [
            ("$ kubectl get pods", "kubectl get pods"),
            ("(venv) $ ./manage.py check", "./manage.py check"),
            ("alice@web-1:~/app$ ls -la", "ls -la"),
            ("root@db:/var/lib# du -sh .", "du -sh ."),
            ("alice@web-1 ~ $ uptime", "uptime"),
            ("[root@db01 ~]# systemctl status pg", "systemctl status pg"),
            ("[ops@web /var/log]$ tail app.log", "tail app.log"),
            ("sh-5.1# cat /etc/hosts", "cat /etc/hosts"),
            ("bash-4.4$ id", "id"),
        ] {
            let t = read("bash", &format!("{line}\nsome output here\n"));
            assert!(t.prompted, "{line}");
            assert_eq!(commands(&t), [command], "{line}");
            assert_eq!(others(&t), [("some output here", Role::Output)], "{line}");
        }
    }

    #[test]
    fn lines_that_only_resemble_prompts_are_commands() {
        for line in [
            "echo $HOME",
            "$(date)",
            "git clone git@github.com:org/repo.git",
            "[ -f /etc/x ] && echo yes",
            "ssh admin@bastion uptime",
            "sha256sum file",
        ] {
            let t = read("bash", &format!("{line}\n"));
            assert!(!t.prompted, "{line}");
            assert_eq!(commands(&t), [line]);
        }
    }

    #[test]
    fn continuation_lines_join_the_prompted_command() {
        let body = "$ for n in a b; do\n> echo $n\n> done\na\nb\n$ kubectl get pods \\\n    -n web\nNAME   READY\n";
        let t = read("shell", body);
        assert_eq!(
            commands(&t),
            [
                "for n in a b; do",
                "echo $n",
                "done",
                "kubectl get pods \\",
                "-n web"
            ]
        );
        assert_eq!(t.script.lines().count(), body.lines().count());
        assert_eq!(
            others(&t),
            [
                ("a", Role::Output),
                ("b", Role::Output),
                ("NAME   READY", Role::Output)
            ]
        );
    }

    #[test]
    fn a_hash_line_in_a_bash_transcript_is_a_prompt_only_before_a_command() {
        let t = read(
            "bash",
            "# Check the service\n$ systemctl status app\n# systemctl restart app\n",
        );
        assert_eq!(
            commands(&t),
            [
                "# Check the service",
                "systemctl status app",
                "systemctl restart app"
            ]
        );
        let plain = read("bash", "# systemctl restart app\n");
        assert!(!plain.prompted);
        assert_eq!(commands(&plain), ["# systemctl restart app"]);
    }

    #[test]
    fn console_fences_know_root_and_zsh_prompts() {
        let t = read("console", "# whoami\nroot\n% ls\nfile\n❯ pwd\n/root\n");
        assert_eq!(commands(&t), ["whoami", "ls", "pwd"]);
        assert_eq!(others(&t).len(), 3);
        assert!(!read("console", "just output\n").prompted);
    }

    #[test]
    fn a_heredoc_in_a_transcript_is_part_of_its_command() {
        let t = read("console", "$ cat <<EOF > /tmp/x\nNAME   READY\nEOF\ndone\n");
        assert_eq!(commands(&t), ["cat <<EOF > /tmp/x", "NAME   READY", "EOF"]);
        assert_eq!(others(&t), [("done", Role::Output)]);
    }

    #[test]
    fn pasted_tables_and_result_lines_in_a_script_are_output() {
        let body = "kubectl get pods\nNAME      READY   STATUS    RESTARTS   AGE\nweb-1     1/1     Running   0          2d\n\nkubectl rollout restart deploy/web\ndeployment.apps/web restarted\nkubectl delete pod web-1\npod \"web-1\" deleted\n";
        let t = read("bash", body);
        assert_eq!(
            commands(&t),
            [
                "kubectl get pods",
                "kubectl rollout restart deploy/web",
                "kubectl delete pod web-1"
            ]
        );
        assert_eq!(
            others(&t).iter().map(|o| o.1).collect::<Vec<_>>(),
            [Role::Pasted; 4]
        );
    }

    #[test]
    fn rows_under_a_header_end_at_a_command() {
        let t = read("bash", "NAME   STATUS\nweb    Running\nkubectl logs web\n");
        assert_eq!(commands(&t), ["kubectl logs web"]);
    }

    #[test]
    fn a_header_inside_a_heredoc_is_left_alone() {
        let body = "cat <<EOF > report.txt\nNAME   OWNER\nEOF\n";
        let t = read("bash", body);
        assert!(t.other.is_empty());
        assert_eq!(t.script, body);
    }

    #[test]
    fn output_quoted_with_a_marker_is_output_but_emptying_a_file_is_a_command() {
        let t = read(
            "bash",
            "sudo podman login reg\n> Login Succeeded!\n> (no output)\n> /var/log/app.log\n> \"$OUT\"\n> reg/img@sha256:...\n> db.dropDatabase()\n",
        );
        assert_eq!(
            commands(&t),
            ["sudo podman login reg", "> /var/log/app.log", "> \"$OUT\""]
        );
        assert_eq!(t.other.len(), 4);
        assert!(t.other.iter().all(|o| o.what == Role::Pasted));
    }

    #[test]
    fn indented_prompts_are_prompts() {
        let t = read(
            "bash",
            "  # namespace first\n  $ NS=\"$(oc get hco -A)\"\n1. Is DNS working?\n   $ nslookup db\n",
        );
        assert!(t.prompted);
        assert_eq!(
            commands(&t),
            [
                "# namespace first",
                "NS=\"$(oc get hco -A)\"",
                "nslookup db"
            ]
        );
        assert_eq!(others(&t), [("1. Is DNS working?", Role::Output)]);
        // Deeper than a list item's indent is not a prompt.
        assert_eq!(strong_prompt("            $ x"), None);
    }

    #[test]
    fn yaml_and_json_in_a_script_are_data() {
        let t = read(
            "bash",
            "kubectl apply -f pod.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n- item\n\n{\"a\": 1}\nls -la\n",
        );
        assert_eq!(commands(&t), ["kubectl apply -f pod.yaml", "ls -la"]);
        assert!(t.other.iter().all(|o| o.what == Role::Data));
        assert_eq!(t.other.len(), 6);
        for shell in ["echo a: b", "http://x", "A=b: c", "ssh host: x"] {
            assert!(!is_data(shell), "{shell}");
            assert!(!is_message_line(shell), "{shell}");
        }
        let t = read(
            "bash",
            "curl -s http://x\nError: can't reach the endpoint\n",
        );
        assert_eq!(commands(&t), ["curl -s http://x"]);
        assert_eq!(
            others(&t),
            [("Error: can't reach the endpoint", Role::Pasted)]
        );
    }

    #[test]
    fn a_query_spanning_lines_is_shown_whole() {
        let t = read(
            "sh",
            "// top five\ntopk(5,\n  sum by (pod) (\n    irate (cpu_total{node=\"n\"}[4m])\n  )\n)\n\nkubectl top nodes\n",
        );
        assert_eq!(commands(&t), ["kubectl top nodes"]);
        assert_eq!(t.other.len(), 6);
        assert!(t.other.iter().all(|o| o.what == Role::Query));
    }

    #[test]
    fn queries_are_not_shell() {
        for q in [
            "sum(rate(http_requests_total[5m]))",
            "up{job=\"api\"} == 0",
            "rate(errors_total[5m]) > 0.1",
            "{app=\"web\"} |= \"timeout\"",
            "node_filesystem_avail_bytes{mountpoint=\"/\"}",
            "sum by(le) (increase(search_bucket[1h]))",
            "topk(5,",
            "sum by (node) (",
            "(sum(rate(a_total[5m])) or vector(0))",
            "histogram_quantile(0.99, ...) → 1000ms",
        ] {
            assert!(is_query(q), "{q}");
        }
        for shell in [
            "cleanup() {",
            "echo{a,b}",
            "{ echo a; echo b; }",
            "ls -la",
            "x=$(date)",
            "(cd /tmp && ls)",
            "((i++))",
            "time (cd x)",
            "sort -u hosts",
            "count=$(wc -l < f)",
            "group() { :; }",
        ] {
            assert!(!is_query(shell), "{shell}");
        }
    }

    #[test]
    fn unlabelled_fences_are_guessed_only_from_well_known_programs() {
        assert_eq!(guess("# look\nkubectl get nodes\n"), Some("bash"));
        assert_eq!(guess("sudo journalctl -u app\n"), Some("bash"));
        assert_eq!(guess("$ df -h\n/dev/sda1 ...\n"), Some("console"));
        assert_eq!(guess("% go version\ngo version go1.22\n"), Some("console"));
        assert_eq!(guess("% of requests\n"), None);
        assert_eq!(
            guess("# find the jobs\n$ kubectl get jobs\n"),
            Some("console")
        );
        assert_eq!(guess("sudo nano /etc/hosts\n"), Some("bash"));
        assert_eq!(guess("{\"a\": 1}\n"), None);
        assert_eq!(guess("key: value\n"), None);
        assert_eq!(guess("sum(rate(x[5m]))\n"), None);
        assert_eq!(guess("lsblk_output.txt\n"), None);
    }
}
