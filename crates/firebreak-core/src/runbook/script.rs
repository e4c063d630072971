//! Shell text, read as far as a runbook needs and no further: where one command ends and the
//! next begins, which parameters a command uses, and how to turn placeholders into variable
//! references. It is a tokenizer that knows quoting, `$(…)`, `${…}`, backquotes, heredocs,
//! comments and operators — not a shell. Whatever it is given, it returns (never panics), and
//! every loop advances through the input, so it ends.
//!
//! Grammar, informally:
//!
//! ```text
//! list     := (token | newline heredoc-bodies)*
//! token    := word | operator | redirect | comment
//! operator := '|' | '||' | '&&' | '|&' | '&' | ';' | ';;' | '(' | ')'
//! redirect := [digits] ('<' | '>' | '>>' | '>|' | '<<' | '<<-' | '<<<' | '>&' | '<&' | '&>' | '&>>')
//! word     := (plain | '\' char | '…' | "…" | $name | ${…} | $(…) | $((…)) | `…` | <placeholder>)+
//! ```

use std::collections::BTreeSet;
use std::ops::Range;

/// How deeply `$(…)` may nest before the rest is taken literally.
const MAX_DEPTH: usize = 32;

/// One token of shell text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// A word, with its quotes removed (expansions stay as written).
    Word { raw: Range<usize>, cooked: String },
    /// A control operator.
    Op { text: &'static str, at: usize },
    /// A redirection operator; its target is the next word (heredocs have none).
    Redirect { op: &'static str, at: usize },
    /// A heredoc's body, which follows the line that opened it.
    Heredoc { body: Range<usize>, quoted: bool },
    /// End of a line.
    Newline { at: usize },
    /// A comment, without the `#`.
    Comment { text: Range<usize> },
}

/// Where a reference sits, which decides how a placeholder is rewritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    /// Unquoted: the shell would split and glob it, so it is rewritten with quotes.
    Bare,
    /// Inside double quotes or an expanding heredoc: rewritten without quotes.
    Quoted,
    /// Inside single quotes or a quoted heredoc: the shell never expands it.
    Literal,
}

/// A parameter reference: `$NAME`, `${NAME…}` or `<placeholder>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ref {
    /// The environment variable it names.
    pub name: String,
    /// Where it is in the text.
    pub at: Range<usize>,
    /// Whether it is a `<placeholder>`.
    pub placeholder: bool,
    /// Its quoting context.
    pub context: Context,
}

/// The result of reading a piece of shell text.
#[derive(Debug, Default)]
pub(crate) struct Lexed {
    pub tokens: Vec<Token>,
    pub refs: Vec<Ref>,
    /// Tokens of each `$(…)` and backquoted command, for the classifier.
    pub substitutions: Vec<Vec<Token>>,
    /// Where a quote, `$(` or heredoc was left open, if one was.
    pub unterminated: Option<(usize, &'static str)>,
}

/// Reads `text` as shell.
pub(crate) fn lex(text: &str) -> Lexed {
    let mut lexer = Lexer {
        s: text.as_bytes(),
        text,
        i: 0,
        out: Lexed::default(),
        pending: Vec::new(),
        depth: 0,
    };
    let _ = lexer.list(false);
    lexer.out
}

struct Lexer<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    out: Lexed,
    pending: Vec<(String, bool, bool)>,
    depth: usize,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.s.get(self.i + ahead).copied()
    }

    fn unterminated(&mut self, at: usize, what: &'static str) {
        self.out.unterminated.get_or_insert((at, what));
    }

    /// Reads tokens until the end, or until an unmatched `)` when `in_substitution`; returns
    /// whether that `)` was found.
    fn list(&mut self, in_substitution: bool) -> bool {
        while let Some(c) = self.peek(0) {
            let at = self.i;
            match c {
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'\\' if self.peek(1) == Some(b'\n') => self.i += 2,
                b'\\' if self.peek(1) == Some(b'\r') && self.peek(2) == Some(b'\n') => self.i += 3,
                b'\n' => {
                    self.i += 1;
                    self.heredoc_bodies();
                    self.out.tokens.push(Token::Newline { at });
                }
                b'#' => {
                    let end = self.line_end(self.i);
                    self.out.tokens.push(Token::Comment { text: at + 1..end });
                    self.i = end;
                }
                b')' if in_substitution => {
                    self.i += 1;
                    return true;
                }
                b'(' | b')' => {
                    self.i += 1;
                    let text = if c == b'(' { "(" } else { ")" };
                    self.out.tokens.push(Token::Op { text, at });
                }
                b'|' | b'&' | b';' => self.operator(),
                b'<' if self.placeholder_len(self.i).is_some() => self.word(),
                b'<' | b'>' => self.redirect(),
                b'0'..=b'9' if self.fd_redirect() => self.redirect(),
                _ => self.word(),
            }
        }
        false
    }

    fn line_end(&self, from: usize) -> usize {
        self.s[from..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.s.len(), |p| from + p)
    }

    fn operator(&mut self) {
        let at = self.i;
        let two = (self.peek(0), self.peek(1));
        let (text, len) = match two {
            (Some(b'|'), Some(b'|')) => ("||", 2),
            (Some(b'|'), Some(b'&')) => ("|&", 2),
            (Some(b'&'), Some(b'&')) => ("&&", 2),
            (Some(b'&'), Some(b'>')) => return self.redirect(),
            (Some(b';'), Some(b';')) => (";;", 2),
            (Some(b'|'), _) => ("|", 1),
            (Some(b'&'), _) => ("&", 1),
            _ => (";", 1),
        };
        self.i += len;
        self.out.tokens.push(Token::Op { text, at });
    }

    /// Whether digits at the cursor are a file descriptor number before `<` or `>`.
    fn fd_redirect(&self) -> bool {
        let digits = self.s[self.i..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        matches!(self.s.get(self.i + digits), Some(b'<' | b'>'))
            && self.placeholder_len(self.i + digits).is_none()
    }

    fn redirect(&mut self) {
        let at = self.i;
        while self.peek(0).is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
        let rest = &self.s[self.i..];
        const OPS: [&str; 13] = [
            "&>>", "<<<", "<<-", "&>", ">>", ">|", ">&", "<&", "<>", "<<", "<(", ">", "<",
        ];
        let op = OPS
            .iter()
            .find(|op| rest.starts_with(op.as_bytes()))
            .copied()
            .unwrap_or(">");
        if op == "<(" {
            // Process substitution: read like `$(…)`.
            self.i += 2;
            self.substitution(at);
            return;
        }
        self.i += op.len();
        self.out.tokens.push(Token::Redirect { op, at });
        if matches!(op, "<<" | "<<-") {
            while matches!(self.peek(0), Some(b' ' | b'\t')) {
                self.i += 1;
            }
            let start = self.i;
            let before = self.out.refs.len();
            let tokens_before = self.out.tokens.len();
            self.word();
            self.out.refs.truncate(before);
            if let Some(Token::Word { cooked, .. }) = self.out.tokens.get(tokens_before).cloned() {
                self.out.tokens.truncate(tokens_before);
                let raw = &self.text[start..self.i];
                let quoted = raw.contains(['\'', '"', '\\']);
                self.pending.push((cooked, op == "<<-", quoted));
            }
        }
    }

    /// Reads the bodies of heredocs opened on the line just ended.
    fn heredoc_bodies(&mut self) {
        for (delimiter, strip_tabs, quoted) in std::mem::take(&mut self.pending) {
            let start = self.i;
            let mut end = None;
            while self.i < self.s.len() {
                let line_start = self.i;
                let line_end = self.line_end(line_start);
                let line = self.text[line_start..line_end].trim_end_matches('\r');
                let line = if strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                self.i = (line_end + 1).min(self.s.len());
                if line == delimiter {
                    end = Some(line_start);
                    break;
                }
            }
            let end = end.unwrap_or_else(|| {
                self.unterminated(start, "heredoc without its closing delimiter");
                self.s.len()
            });
            if quoted {
                self.literal_expansions(start..end);
            } else {
                self.scan_expansions(start..end);
            }
            self.out.tokens.push(Token::Heredoc {
                body: start..end,
                quoted,
            });
        }
    }

    /// Records `$NAME` and `${NAME}` references and placeholders in an expanding heredoc body.
    fn scan_expansions(&mut self, range: Range<usize>) {
        let mut i = range.start;
        while i < range.end {
            if self.s[i] == b'$' {
                if let Some((name, len)) = dollar_name(&self.s[i..range.end]) {
                    self.push_ref(name, i..i + len, false, Context::Quoted);
                    i += len;
                    continue;
                }
            } else if self.s[i] == b'<'
                && let Some(len) = self.placeholder_len(i).filter(|&l| i + l <= range.end)
            {
                let name = placeholder_name(&self.text[i + 1..i + len - 1]);
                self.push_ref(name, i..i + len, true, Context::Quoted);
                i += len;
                continue;
            }
            i += 1;
        }
    }

    /// `$NAME` in a quoted heredoc is passed as written; it is kept (as literal) so lint can
    /// say so, since an author who wrote `${DB_KEY}` there almost always meant it to expand.
    fn literal_expansions(&mut self, range: Range<usize>) {
        let mut i = range.start;
        while i < range.end {
            if self.s[i] == b'$'
                && let Some((name, len)) = dollar_name(&self.s[i..range.end])
            {
                self.push_ref(name, i..i + len, false, Context::Literal);
                i += len;
                continue;
            }
            i += 1;
        }
    }

    fn push_ref(&mut self, name: String, at: Range<usize>, placeholder: bool, context: Context) {
        self.out.refs.push(Ref {
            name,
            at,
            placeholder,
            context,
        });
    }

    /// Length of a `<placeholder>` at `at`, if one starts there.
    fn placeholder_len(&self, at: usize) -> Option<usize> {
        let rest = self.s.get(at..)?;
        if rest.first() != Some(&b'<') || !rest.get(1)?.is_ascii_alphabetic() {
            return None;
        }
        if at > 0 && self.s[at - 1] == b'<' {
            return None;
        }
        let body = rest[1..]
            .iter()
            .take(64)
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
            .count();
        (rest.get(1 + body) == Some(&b'>')).then_some(body + 2)
    }

    fn word(&mut self) {
        let start = self.i;
        let mut cooked = String::new();
        while let Some(c) = self.peek(0) {
            match c {
                b' ' | b'\t' | b'\n' | b'\r' | b'|' | b'&' | b';' | b'(' | b')' | b'>' => break,
                b'<' => match self.placeholder_len(self.i) {
                    Some(len) => {
                        let raw = &self.text[self.i..self.i + len];
                        let name = placeholder_name(&raw[1..len - 1]);
                        self.push_ref(name, self.i..self.i + len, true, Context::Bare);
                        cooked.push_str(raw);
                        self.i += len;
                    }
                    None => break,
                },
                b'\\' => {
                    match self.peek(1) {
                        Some(b'\n') => {}
                        Some(_) => cooked.push_str(self.char_at(self.i + 1)),
                        None => {}
                    }
                    self.i = (self.i + 1 + self.char_at(self.i + 1).len()).min(self.s.len());
                }
                b'\'' => {
                    let open = self.i;
                    match self.s[open + 1..].iter().position(|&b| b == b'\'') {
                        Some(p) => {
                            self.literal_placeholders(open + 1..open + 1 + p);
                            cooked.push_str(&self.text[open + 1..open + 1 + p]);
                            self.i = open + p + 2;
                        }
                        None => {
                            self.unterminated(open, "`'` without its closing quote");
                            cooked.push_str(&self.text[open + 1..]);
                            self.i = self.s.len();
                        }
                    }
                }
                b'"' => self.double_quoted(&mut cooked),
                b'$' => self.dollar(&mut cooked, Context::Bare),
                b'`' => self.backquoted(&mut cooked),
                _ => {
                    // A run of bytes with no meaning to the shell is copied at once.
                    let run = self.s[self.i..]
                        .iter()
                        .take_while(|b| {
                            !matches!(
                                b,
                                b' ' | b'\t'
                                    | b'\n'
                                    | b'\r'
                                    | b'|'
                                    | b'&'
                                    | b';'
                                    | b'('
                                    | b')'
                                    | b'>'
                                    | b'<'
                                    | b'\\'
                                    | b'\''
                                    | b'"'
                                    | b'$'
                                    | b'`'
                            )
                        })
                        .count()
                        .max(1);
                    let end = (self.i + run).min(self.s.len());
                    // Only ASCII bytes end a run, so `end` is a character boundary.
                    let text = self
                        .text
                        .get(self.i..end)
                        .unwrap_or_else(|| self.char_at(self.i));
                    cooked.push_str(text);
                    self.i += text.len().max(1);
                }
            }
        }
        if self.i == start {
            // Nothing consumed (a stray byte the match above stops at): skip it.
            self.i += 1;
            return;
        }
        self.out.tokens.push(Token::Word {
            raw: start..self.i,
            cooked,
        });
    }

    /// Placeholders inside single quotes are kept (for lint) but never rewritten.
    fn literal_placeholders(&mut self, range: Range<usize>) {
        let mut i = range.start;
        while i < range.end {
            if let Some(len) = self.placeholder_len(i).filter(|&l| i + l <= range.end) {
                let name = placeholder_name(&self.text[i + 1..i + len - 1]);
                self.push_ref(name, i..i + len, true, Context::Literal);
                i += len;
            } else {
                i += 1;
            }
        }
    }

    /// The UTF-8 character starting at byte `at` (empty at the end).
    fn char_at(&self, at: usize) -> &str {
        let Some(rest) = self.text.get(at..) else {
            return "";
        };
        rest.chars().next().map_or("", |c| &rest[..c.len_utf8()])
    }

    fn double_quoted(&mut self, cooked: &mut String) {
        let open = self.i;
        self.i += 1;
        loop {
            match self.peek(0) {
                None => {
                    self.unterminated(open, "`\"` without its closing quote");
                    return;
                }
                Some(b'"') => {
                    self.i += 1;
                    return;
                }
                Some(b'\\') => {
                    let next = self.char_at(self.i + 1);
                    if !matches!(next, "$" | "`" | "\"" | "\\" | "\n") {
                        cooked.push('\\');
                    }
                    if next != "\n" {
                        cooked.push_str(next);
                    }
                    self.i += 1 + next.len().max(1);
                }
                Some(b'$') => self.dollar(cooked, Context::Quoted),
                Some(b'`') => self.backquoted(cooked),
                Some(b'<') if self.placeholder_len(self.i).is_some() => {
                    let len = self.placeholder_len(self.i).unwrap_or(1);
                    let raw = &self.text[self.i..self.i + len];
                    let name = placeholder_name(&raw[1..len - 1]);
                    self.push_ref(name, self.i..self.i + len, true, Context::Quoted);
                    cooked.push_str(raw);
                    self.i += len;
                }
                Some(_) => {
                    let ch = self.char_at(self.i);
                    cooked.push_str(ch);
                    self.i += ch.len().max(1);
                }
            }
        }
    }

    fn dollar(&mut self, cooked: &mut String, context: Context) {
        let start = self.i;
        match self.peek(1) {
            Some(b'(') if self.peek(2) == Some(b'(') => {
                // Arithmetic: names inside need no `$`, so only `$NAME` forms count.
                self.i += 3;
                let mut depth = 2usize;
                while let Some(c) = self.peek(0) {
                    self.i += 1;
                    match c {
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                if depth != 0 {
                    self.unterminated(start, "`$((` without its `))`");
                }
                self.scan_expansions(start + 3..self.i.saturating_sub(2).max(start + 3));
            }
            Some(b'(') => {
                self.i += 2;
                self.substitution(start);
            }
            Some(b'{') => {
                let end = self.s[start..]
                    .iter()
                    .position(|&b| b == b'}')
                    .map(|p| start + p + 1);
                match end {
                    Some(end) => {
                        if let Some((name, _)) = dollar_name(&self.s[start..end]) {
                            self.push_ref(name, start..end, false, context);
                        }
                        self.i = end;
                    }
                    None => {
                        self.unterminated(start, "`${` without its `}`");
                        self.i = self.s.len();
                    }
                }
            }
            _ => match dollar_name(&self.s[start..]) {
                Some((name, len)) => {
                    self.push_ref(name, start..start + len, false, context);
                    self.i += len;
                }
                None => self.i += 1 + usize::from(self.peek(1).is_some_and(is_special)),
            },
        }
        cooked.push_str(&self.text[start..self.i]);
    }

    /// Reads a `$(…)` (or `<(…)`) whose opening the cursor has just passed.
    fn substitution(&mut self, start: usize) {
        if self.depth >= MAX_DEPTH {
            self.i = self.s.len();
            self.unterminated(start, "commands nested too deeply");
            return;
        }
        let outer = std::mem::take(&mut self.out.tokens);
        let pending = std::mem::take(&mut self.pending);
        self.depth += 1;
        if !self.list(true) {
            self.unterminated(start, "`$(` without its `)`");
        }
        self.depth -= 1;
        let inner = std::mem::replace(&mut self.out.tokens, outer);
        self.pending = pending;
        self.out.substitutions.push(inner);
    }

    fn backquoted(&mut self, cooked: &mut String) {
        let start = self.i;
        let mut i = start + 1;
        while i < self.s.len() && self.s[i] != b'`' {
            i += if self.s[i] == b'\\' { 2 } else { 1 };
        }
        if i >= self.s.len() {
            self.unterminated(start, "backquote without its closing backquote");
            i = self.s.len();
        }
        let inner_text = &self.text[start + 1..i.min(self.s.len())];
        let inner = lex(inner_text);
        for mut r in inner.refs {
            r.at = r.at.start + start + 1..r.at.end + start + 1;
            self.out.refs.push(r);
        }
        self.out.substitutions.push(inner.tokens);
        self.out.substitutions.extend(inner.substitutions);
        self.i = (i + 1).min(self.s.len());
        cooked.push_str(&self.text[start..self.i]);
    }
}

fn is_special(b: u8) -> bool {
    b.is_ascii_digit() || matches!(b, b'?' | b'$' | b'!' | b'#' | b'@' | b'*' | b'-')
}

/// The variable named by `$NAME` or `${NAME…}` at the start of `s`, and the length of `$NAME`.
fn dollar_name(s: &[u8]) -> Option<(String, usize)> {
    let (braced, from) = if s.get(1) == Some(&b'{') {
        (true, 2)
    } else {
        (false, 1)
    };
    let from = if braced && matches!(s.get(from), Some(b'#' | b'!')) {
        from + 1
    } else {
        from
    };
    let first = *s.get(from)?;
    if !(first.is_ascii_alphabetic() || first == b'_') {
        return None;
    }
    let len = s[from..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    let name = String::from_utf8_lossy(&s[from..from + len]).into_owned();
    Some((name, from + len))
}

/// `attacker-ip` → `ATTACKER_IP`.
pub(crate) fn placeholder_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '-' {
                '_'
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect()
}

/// Variables the shell (or the process environment every host has) defines.
const SHELL_VARIABLES: &[&str] = &[
    "HOME",
    "PATH",
    "PWD",
    "OLDPWD",
    "USER",
    "LOGNAME",
    "SHELL",
    "HOSTNAME",
    "HOSTTYPE",
    "UID",
    "EUID",
    "GROUPS",
    "PPID",
    "RANDOM",
    "SECONDS",
    "LINENO",
    "IFS",
    "PS1",
    "PS2",
    "PS4",
    "TERM",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "OPTARG",
    "OPTIND",
    "REPLY",
    "PIPESTATUS",
    "FUNCNAME",
    "EPOCHSECONDS",
    "EPOCHREALTIME",
    "SHLVL",
    "BASHPID",
    "BASH",
    "BASH_VERSION",
    "OSTYPE",
    "MACHTYPE",
    "COLUMNS",
    "LINES",
    "EDITOR",
    "PAGER",
    "XDG_RUNTIME_DIR",
    "SUDO_USER",
];

/// Whether a parameter name says it holds a secret: it contains KEY, TOKEN, SECRET or
/// PASSWORD — unless it names where a secret is kept (`KEY_FILE`, `TOKEN_PATH`, `SECRET_DIR`),
/// since masking a path only hides which file was used.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let location = ["_FILE", "_PATH", "_DIR"]
        .iter()
        .any(|s| upper.ends_with(s));
    !location
        && ["KEY", "TOKEN", "SECRET", "PASSWORD"]
            .iter()
            .any(|w| upper.contains(w))
}

/// Simple commands: runs of tokens between operators and newlines.
pub(crate) fn simple_commands(tokens: &[Token]) -> Vec<&[Token]> {
    tokens
        .split(|t| matches!(t, Token::Op { .. } | Token::Newline { .. }))
        .filter(|c| !c.is_empty())
        .collect()
}

/// Names a command sets itself: assignments, `for NAME in`, `read NAME…`, `local NAME=…`.
pub(crate) fn assigned(tokens: &[Token]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for command in simple_commands(tokens) {
        let words: Vec<&str> = command
            .iter()
            .filter_map(|t| match t {
                Token::Word { cooked, .. } => Some(cooked.as_str()),
                _ => None,
            })
            .collect();
        let mut rest = words.as_slice();
        while let [first, tail @ ..] = rest {
            if matches!(
                *first,
                "if" | "then" | "else" | "elif" | "do" | "while" | "until" | "!" | "{" | "time"
            ) {
                rest = tail;
                continue;
            }
            if let Some((name, _)) = first.split_once('=').filter(|(n, _)| is_name(n)) {
                names.insert(name.to_string());
                rest = tail;
                continue;
            }
            break;
        }
        let (program, args) = match rest {
            [program, args @ ..] => (*program, args),
            [] => continue,
        };
        match program {
            "for" | "select" => names.extend(args.first().map(|s| s.to_string())),
            "read" | "local" | "export" | "declare" | "typeset" | "readonly" | "mapfile"
            | "readarray" => {
                for arg in args.iter().filter(|a| !a.starts_with('-')) {
                    let name = arg.split_once('=').map_or(*arg, |(n, _)| n);
                    if is_name(name) {
                        names.insert(name.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    names
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The parameters a piece of shell text uses: referenced, not set by the text itself and not
/// defined by the shell. Sorted, without duplicates.
pub(crate) fn parameters(lexed: &Lexed) -> Vec<String> {
    if lexed.refs.iter().all(|r| r.context == Context::Literal) {
        return Vec::new();
    }
    let mut set: BTreeSet<String> = BTreeSet::new();
    for r in &lexed.refs {
        if r.context != Context::Literal {
            set.insert(r.name.clone());
        }
    }
    let mut local = assigned(&lexed.tokens);
    for sub in &lexed.substitutions {
        local.extend(assigned(sub));
    }
    set.retain(|name| {
        let placeholder_only = lexed.refs.iter().all(|r| r.name != *name || r.placeholder);
        (placeholder_only || !local.contains(name)) && !SHELL_VARIABLES.contains(&name.as_str())
    });
    set.into_iter().collect()
}

/// `text` with every expandable placeholder turned into a variable reference: `"${NAME}"`
/// where it stands bare, `${NAME}` inside double quotes or an expanding heredoc. Values are
/// never part of the result.
pub(crate) fn rewrite(text: &str, lexed: &Lexed) -> String {
    if !lexed
        .refs
        .iter()
        .any(|r| r.placeholder && r.context != Context::Literal)
    {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut last = 0;
    let mut placeholders: Vec<&Ref> = lexed
        .refs
        .iter()
        .filter(|r| r.placeholder && r.context != Context::Literal)
        .collect();
    placeholders.sort_by_key(|r| r.at.start);
    for r in placeholders {
        if r.at.start < last || r.at.end > text.len() {
            continue;
        }
        out.push_str(&text[last..r.at.start]);
        match r.context {
            Context::Bare => out.push_str(&format!("\"${{{}}}\"", r.name)),
            _ => out.push_str(&format!("${{{}}}", r.name)),
        }
        last = r.at.end;
    }
    out.push_str(&text[last..]);
    out
}

/// A command or manual step found in a shell block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Piece {
    /// Byte range of the command in the block (the comment block for a manual step).
    pub at: Range<usize>,
    /// The comment lines above it, without `#`.
    pub comments: Vec<String>,
    /// `# firebreak:` annotation texts above it, with the offset of each comment.
    pub annotations: Vec<(usize, String)>,
    /// True for a numbered comment block with no command under it.
    pub manual: bool,
}

/// Splits a shell block into commands, each with the comment lines directly above it. A
/// command ends at a newline outside quotes, brackets, compound commands and heredocs, unless
/// the line ends with `|`, `||`, `&&` or a backslash.
pub(crate) fn split(body: &str) -> Vec<Piece> {
    let lexed = lex(body);
    let mut splitter = Splitter {
        body,
        pieces: Vec::new(),
        comments: Vec::new(),
        annotations: Vec::new(),
        start: None,
        end: 0,
    };
    let mut depth: i64 = 0;
    let mut continued = false;
    let mut command_position = true;
    let mut line_has_content = false;
    for token in &lexed.tokens {
        match token {
            Token::Comment { text } => {
                line_has_content = true;
                if splitter.start.is_none() {
                    let line = body[text.clone()].trim();
                    match super::attrs::annotation(line) {
                        Some(a) => splitter
                            .annotations
                            .push((text.start.saturating_sub(1), a.trim().to_string())),
                        None => splitter
                            .comments
                            .push((text.start.saturating_sub(1), line.to_string())),
                    }
                }
            }
            Token::Newline { .. } => {
                match splitter.start {
                    Some(_) if depth <= 0 && !continued => {
                        splitter.command();
                        depth = 0;
                    }
                    Some(_) => {}
                    None if !line_has_content => splitter.orphan_comments(),
                    None => {}
                }
                line_has_content = false;
                command_position = true;
            }
            Token::Op { text, at } => {
                splitter.extend(*at, at + text.len());
                match *text {
                    "(" => depth += 1,
                    ")" => depth -= 1,
                    _ => {}
                }
                continued = matches!(*text, "|" | "||" | "&&" | "|&");
                command_position = true;
                line_has_content = true;
            }
            Token::Word { raw, cooked } => {
                splitter.extend(raw.start, raw.end);
                let word = cooked.as_str();
                if command_position {
                    match word {
                        "if" | "case" | "do" | "{" => depth += 1,
                        "fi" | "esac" | "done" | "}" => depth -= 1,
                        _ => {}
                    }
                }
                let assignment = word.split_once('=').is_some_and(|(n, _)| is_name(n));
                command_position = matches!(
                    word,
                    "if" | "then" | "do" | "else" | "elif" | "while" | "until" | "!" | "{" | "time"
                ) || (command_position && assignment);
                continued = false;
                line_has_content = true;
            }
            Token::Redirect { op, at } => {
                splitter.extend(*at, at + op.len());
                continued = false;
                line_has_content = true;
            }
            Token::Heredoc { body: b, .. } => {
                // The body and its delimiter line belong to the command that opened it.
                let delimiter_end = body[b.end..].find('\n').map_or(body.len(), |p| b.end + p);
                splitter.end = splitter.end.max(delimiter_end.max(b.end));
            }
        }
    }
    if splitter.start.is_some() {
        splitter.command();
    } else {
        splitter.orphan_comments();
    }
    splitter.pieces
}

struct Splitter<'a> {
    body: &'a str,
    pieces: Vec<Piece>,
    comments: Vec<(usize, String)>,
    annotations: Vec<(usize, String)>,
    start: Option<usize>,
    end: usize,
}

impl Splitter<'_> {
    fn extend(&mut self, from: usize, to: usize) {
        self.start.get_or_insert(from);
        self.end = self.end.max(to);
    }

    /// Ends the command in progress, titled by the comments above it. When those comments hold
    /// several numbered items, all but the last are manual steps of their own.
    fn command(&mut self) {
        let Some(start) = self.start.take() else {
            return;
        };
        let end = self.end.clamp(start, self.body.len());
        let mut groups = numbered_groups(std::mem::take(&mut self.comments));
        let title = groups.pop().unwrap_or_default();
        for group in groups {
            self.manual(group);
        }
        self.pieces.push(Piece {
            at: start..end,
            comments: title.into_iter().map(|c| c.1).collect(),
            annotations: std::mem::take(&mut self.annotations),
            manual: false,
        });
    }

    /// A comment block followed by a blank line titles nothing: each numbered item in it is a
    /// manual step; unnumbered commentary is dropped.
    fn orphan_comments(&mut self) {
        for group in numbered_groups(std::mem::take(&mut self.comments)) {
            if group.first().is_some_and(|(_, text)| is_numbered(text)) {
                self.manual(group);
            }
        }
    }

    fn manual(&mut self, group: Vec<(usize, String)>) {
        let Some((first, _)) = group.first() else {
            return;
        };
        let end = group
            .last()
            .map_or(*first, |(at, text)| at + text.len() + 1);
        self.pieces.push(Piece {
            at: *first..end.min(self.body.len()).max(*first),
            comments: group.into_iter().map(|c| c.1).collect(),
            annotations: std::mem::take(&mut self.annotations),
            manual: true,
        });
    }
}

/// Splits comment lines into groups, each starting at a numbered line (the first group may
/// start unnumbered).
fn numbered_groups(comments: Vec<(usize, String)>) -> Vec<Vec<(usize, String)>> {
    let mut groups: Vec<Vec<(usize, String)>> = Vec::new();
    for comment in comments {
        match groups.last_mut() {
            Some(group) if !is_numbered(&comment.1) => group.push(comment),
            _ => groups.push(vec![comment]),
        }
    }
    groups
}

/// Whether a comment line starts with step numbering (`1.`, `2)`, `Step 3:`).
fn is_numbered(text: &str) -> bool {
    let text = text.trim_start_matches('#').trim();
    let text = text
        .strip_prefix("Step ")
        .or_else(|| text.strip_prefix("step "))
        .unwrap_or(text);
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && matches!(text[digits..].chars().next(), Some('.' | ')' | ':'))
}

/// A step title from comment lines: the first line without numbering; `None` when empty.
pub(crate) fn title(comments: &[String]) -> Option<String> {
    let first = comments.first()?.trim_start_matches('#').trim();
    let text = first
        .strip_prefix("Step ")
        .or_else(|| first.strip_prefix("step "))
        .unwrap_or(first);
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let text = if digits > 0 && matches!(text[digits..].chars().next(), Some('.' | ')' | ':')) {
        text[digits + 1..].trim()
    } else {
        first
    };
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(body: &str) -> Vec<String> {
        split(body)
            .into_iter()
            .filter(|p| !p.manual)
            .map(|p| body[p.at].to_string())
            .collect()
    }

    #[test]
    fn one_command_per_line_titled_by_the_comment_above() {
        let body = "# 1. Check the process\nsystemctl status app\n# or: docker compose ps\n\n# 2. Resources\ntop -bn1 | grep app\ndf -h /var\n";
        let pieces = split(body);
        let cmds: Vec<&str> = pieces.iter().map(|p| &body[p.at.clone()]).collect();
        assert_eq!(
            cmds,
            ["systemctl status app", "top -bn1 | grep app", "df -h /var"]
        );
        assert_eq!(
            title(&pieces[0].comments).as_deref(),
            Some("Check the process")
        );
        assert_eq!(title(&pieces[1].comments).as_deref(), Some("Resources"));
        assert!(pieces[2].comments.is_empty());
    }

    #[test]
    fn multi_line_commands_stay_whole() {
        let body = "cat <<'EOF' | sqlite3 db\nDELETE FROM t;\n\nVACUUM;\nEOF\ntail -1000 log | \\\n  awk '{print $1}' | sort |\n  uniq -c\nfor f in *.log; do\n  gzip \"$f\"\ndone\nif true; then\n  echo yes\nfi\necho \"two\nlines\"\n";
        let cmds = commands(body);
        assert_eq!(cmds.len(), 5, "{cmds:#?}");
        assert!(cmds[0].ends_with("EOF"), "{:?}", cmds[0]);
        assert!(cmds[1].ends_with("uniq -c"));
        assert!(cmds[2].ends_with("done"));
        assert!(cmds[3].ends_with("fi"));
        assert_eq!(cmds[4], "echo \"two\nlines\"");
    }

    #[test]
    fn numbered_comment_blocks_without_a_command_are_manual_steps() {
        let body = "# 1. Rotate it\nNEW=$(openssl rand -base64 32)\n\n# 2. Update the config and restart\n# See the rotation guide\n\n# 3. Tell the clients\n";
        let pieces = split(body);
        assert_eq!(pieces.len(), 3, "{pieces:#?}");
        assert!(!pieces[0].manual);
        assert!(pieces[1].manual && pieces[2].manual);
        assert_eq!(
            title(&pieces[1].comments).as_deref(),
            Some("Update the config and restart")
        );
    }

    #[test]
    fn each_numbered_comment_line_is_its_own_step() {
        let body = "# 1. Rotate the setup\n# 2. Every user re-registers\n# 3. Review the logs\njournalctl -u app\n\n# 4. Tell people\n# (by mail)\n# 5. Close\n";
        let pieces = split(body);
        let shown: Vec<(bool, Option<String>)> = pieces
            .iter()
            .map(|p| (p.manual, title(&p.comments)))
            .collect();
        assert_eq!(
            shown,
            [
                (true, Some("Rotate the setup".to_string())),
                (true, Some("Every user re-registers".to_string())),
                (false, Some("Review the logs".to_string())),
                (true, Some("Tell people".to_string())),
                (true, Some("Close".to_string())),
            ]
        );
        assert_eq!(pieces[3].comments.len(), 2);
    }

    #[test]
    fn parameters_exclude_shell_and_local_variables() {
        let text = "if true; then for x in 1; do :; done; fi; echo $x; NEW_TOKEN=$(openssl rand -hex 8); for f in $FILES; do echo \"$f $HOME ${DATA_DIR:-/x} $1 $?\"; done; nc -z <server-ip> 7000; grep '<title>' x; read -r line; echo $line $(date +%s)";
        let lexed = lex(text);
        assert_eq!(parameters(&lexed), ["DATA_DIR", "FILES", "SERVER_IP"]);
    }

    #[test]
    fn quoted_heredoc_bodies_are_not_parameters() {
        let text = "sqlite3 db <<'EOF'\nPRAGMA key = '${DB_KEY}';\nEOF\ncat <<EOF\n$HOST_NAME\nEOF";
        assert_eq!(parameters(&lex(text)), ["HOST_NAME"]);
    }

    #[test]
    fn placeholders_are_rewritten_by_context() {
        let text = "iptables -A INPUT -s <attacker-ip> -j DROP; echo \"blocked <attacker-ip>\"; grep '<b>' f";
        let lexed = lex(text);
        assert_eq!(
            rewrite(text, &lexed),
            "iptables -A INPUT -s \"${ATTACKER_IP}\" -j DROP; echo \"blocked ${ATTACKER_IP}\"; grep '<b>' f"
        );
    }

    #[test]
    fn redirections_are_not_placeholders() {
        let lexed = lex("cmd < input.txt 2>&1 >out <<<here");
        assert!(lexed.refs.is_empty());
        let ops: Vec<&str> = lexed
            .tokens
            .iter()
            .filter_map(|t| match t {
                Token::Redirect { op, .. } => Some(*op),
                _ => None,
            })
            .collect();
        assert_eq!(ops, ["<", ">&", ">", "<<<"]);
    }

    #[test]
    fn unterminated_constructs_are_reported_not_fatal() {
        for text in [
            "echo 'open",
            "echo \"open",
            "x=$(date",
            "cat <<EOF\nbody",
            "echo ${X",
            "echo `date",
        ] {
            let lexed = lex(text);
            assert!(lexed.unterminated.is_some(), "{text}");
        }
    }

    #[test]
    fn secret_names() {
        assert!(
            is_secret_name("API_TOKEN")
                && is_secret_name("db_password")
                && is_secret_name("QPQ_DB_KEY")
        );
        assert!(!is_secret_name("SERVICE") && !is_secret_name("KEY_FILE"));
    }
}
