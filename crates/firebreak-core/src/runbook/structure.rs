//! From blocks to procedures: which headings are procedures, which are groups of procedures,
//! which start phases, and which blocks become steps. The rules are the ones
//! `docs/runbooks.md` states; this module is their only implementation. Which lines of a shell
//! fence are commands is `transcript`'s job; this module turns what it finds into steps,
//! expected output and notes.

use super::attrs::Attrs;
use super::blocks::Block;
use super::diagnostic::{Diagnostic, to_u32};
use super::phase::{Phase, strip_numbering};
use super::script::{self, Context};
use super::transcript::{self, Role};
use super::{Note, NoteKind, Procedure, Step, StepKind, slug};

/// Fence languages run as shell (with the terminal-session ones `transcript` knows).
const SHELLS: &[&str] = &["bash", "sh", "shell", "zsh", "ksh"];

fn is_shell(lang: &str) -> bool {
    SHELLS.contains(&lang) || transcript::is_console(lang)
}

/// Where a phase heading or label sits, for the empty-phase lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PhaseMark {
    pub phase: Phase,
    pub line: u32,
    pub items: usize,
}

struct Section<'a> {
    heading: Option<(&'a str, u32)>,
    /// The phase the heading names, worked out once.
    phase: Option<Phase>,
    blocks: Vec<&'a Block>,
    children: Vec<Section<'a>>,
}

/// Finds the procedures in a runbook's blocks.
pub(crate) fn procedures(blocks: &[Block], diagnostics: &mut Vec<Diagnostic>) -> Vec<Procedure> {
    let root = tree(blocks);
    let mut out = Vec::new();
    for child in &root.children {
        walk(child, None, &mut out, diagnostics);
    }
    qualify(&mut out, diagnostics);
    out
}

/// Gives procedures that share a slug (every alert with its own `## Diagnosis`) distinct ones:
/// the enclosing heading's slug in front (`disk-full-diagnosis`), with a warning naming it.
/// Procedures that the enclosing heading cannot tell apart (the same heading twice under one
/// parent) keep their slug, and lint reports them as duplicates: that is an authoring error.
fn qualify(procedures: &mut [Procedure], diagnostics: &mut Vec<Diagnostic>) {
    let candidates: Vec<Option<String>> = procedures
        .iter()
        .map(|p| {
            let clashes = procedures.iter().filter(|q| q.slug == p.slug).count() > 1;
            let group = p.group.as_deref().map(slug).filter(|g| !g.is_empty());
            group.filter(|_| clashes).map(|g| format!("{g}-{}", p.slug))
        })
        .collect();
    for i in 0..procedures.len() {
        let Some(candidate) = &candidates[i] else {
            continue;
        };
        let taken = procedures.iter().any(|p| &p.slug == candidate)
            || candidates
                .iter()
                .enumerate()
                .any(|(j, c)| j != i && c.as_ref() == Some(candidate));
        if taken {
            continue;
        }
        let plain = std::mem::replace(&mut procedures[i].slug, candidate.clone());
        diagnostics.push(Diagnostic::warning(
            procedures[i].line,
            1,
            "qualified-name",
            format!("several procedures are called {plain:?}; this one is named `{candidate}`"),
        ));
    }
}

/// Nests sections under headings by level.
fn tree(blocks: &[Block]) -> Section<'_> {
    let mut stack: Vec<(u8, Section<'_>)> = vec![(
        0,
        Section {
            heading: None,
            phase: None,
            blocks: Vec::new(),
            children: Vec::new(),
        },
    )];
    for block in blocks {
        match block {
            Block::Heading { level, text, line } => {
                while stack.len() > 1 && stack.last().is_some_and(|(l, _)| *l >= *level) {
                    close(&mut stack);
                }
                stack.push((
                    *level,
                    Section {
                        heading: Some((text, *line)),
                        phase: Phase::from_heading(text),
                        blocks: Vec::new(),
                        children: Vec::new(),
                    },
                ));
            }
            other => {
                if let Some((_, current)) = stack.last_mut() {
                    current.blocks.push(other);
                }
            }
        }
    }
    while stack.len() > 1 {
        close(&mut stack);
    }
    stack.pop().map(|(_, s)| s).unwrap_or(Section {
        heading: None,
        phase: None,
        blocks: Vec::new(),
        children: Vec::new(),
    })
}

/// Pops the innermost open section into its parent.
fn close<'a>(stack: &mut Vec<(u8, Section<'a>)>) {
    if let Some((_, done)) = stack.pop()
        && let Some((_, parent)) = stack.last_mut()
    {
        parent.children.push(done);
    }
}

fn walk(
    section: &Section<'_>,
    group: Option<&str>,
    out: &mut Vec<Procedure>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some((heading, line)) = section.heading else {
        return;
    };
    if is_procedure(section) {
        out.push(build(section, heading, line, group, diagnostics));
        return;
    }
    let name = clean_name(heading);
    for child in &section.children {
        walk(child, Some(&name), out, diagnostics);
    }
}

fn heading_phase(section: &Section<'_>) -> Option<Phase> {
    section.phase
}

/// A section is a procedure when it holds steps itself; when it is split into phases and none
/// of its other sub-sections is a procedure in its own right; or when its own heading names a
/// phase and something under it is a step.
fn is_procedure(section: &Section<'_>) -> bool {
    if section.blocks.iter().any(|b| is_step_block(b)) {
        return true;
    }
    let phased = section.children.iter().any(|c| heading_phase(c).is_some())
        || section
            .blocks
            .iter()
            .any(|b| matches!(b, Block::Label { text, .. } if Phase::from_heading(text).is_some()));
    let other_procedures = section
        .children
        .iter()
        .any(|c| heading_phase(c).is_none() && has_steps(c, false));
    if phased && !other_procedures && has_steps(section, true) {
        return true;
    }
    heading_phase(section).is_some() && has_steps(section, true)
}

/// Commands and checklist items make a section a procedure by themselves; plain list items
/// only count inside a phase.
fn is_step_block(block: &Block) -> bool {
    match block {
        Block::Fence { lang, attrs, .. } => is_shell(lang) || attrs.contains("run="),
        Block::Item { task, code, .. } => {
            task.is_some() || code.iter().any(|c| looks_like_command(&c.text))
        }
        _ => false,
    }
}

fn has_steps(section: &Section<'_>, count_items: bool) -> bool {
    section
        .blocks
        .iter()
        .any(|b| is_step_block(b) || (count_items && matches!(b, Block::Item { .. })))
        || section.children.iter().any(|c| has_steps(c, count_items))
}

/// Drops numbering and an `Incident:` prefix: `3.3 DDoS Attack` → `DDoS Attack`.
fn clean_name(heading: &str) -> String {
    let text = strip_numbering(heading.trim());
    let lower = text.to_ascii_lowercase();
    let text = if lower.starts_with("incident:") {
        text["incident:".len()..].trim()
    } else {
        text
    };
    text.to_string()
}

/// Whether an inline code span reads as a command: a program name and at least one argument,
/// and not a query (`sum by (le) (…)`).
fn looks_like_command(code: &str) -> bool {
    if super::transcript::is_query(code) {
        return false;
    }
    let mut words = code.split_whitespace();
    let Some(program) = words.next() else {
        return false;
    };
    let name_ok = program.starts_with("./")
        || program.starts_with('/')
        || (program
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase())
            && program.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.' | '+')
            }));
    name_ok && words.next().is_some()
}

struct Builder<'d> {
    procedure: Procedure,
    phase: Phase,
    section: Option<String>,
    /// The section a heading or label set, which a MkDocs tab's name is added to.
    base_section: Option<String>,
    /// Warnings that guard the next step, by index in `procedure.notes`.
    guards: Vec<usize>,
    pending: Attrs,
    marks: Vec<PhaseMark>,
    /// Marks of the phase headings enclosing the current block.
    active: Vec<usize>,
    /// Mark of the bold phase label in force in the current section.
    label: Option<usize>,
    diagnostics: &'d mut Vec<Diagnostic>,
}

fn build(
    section: &Section<'_>,
    heading: &str,
    line: u32,
    group: Option<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Procedure {
    let name = clean_name(heading);
    let phase = heading_phase(section).unwrap_or(Phase::Steps);
    let mut builder = Builder {
        procedure: Procedure {
            slug: slug(&name),
            name,
            group: group.map(str::to_string),
            severity: None,
            line,
            notes: Vec::new(),
            steps: Vec::new(),
            marks: Vec::new(),
        },
        phase,
        section: None,
        base_section: None,
        guards: Vec::new(),
        pending: Attrs::default(),
        marks: Vec::new(),
        active: Vec::new(),
        label: None,
        diagnostics,
    };
    if phase != Phase::Steps {
        builder.marks.push(PhaseMark {
            phase,
            line,
            items: 0,
        });
        builder.active.push(0);
    }
    builder.section_body(section);
    let mut procedure = builder.procedure;
    procedure.marks = builder.marks;
    for (i, step) in procedure.steps.iter_mut().enumerate() {
        step.number = i + 1;
    }
    script::carry(&mut procedure.steps);
    procedure
}

impl Builder<'_> {
    /// A heading's phase covers its own sub-tree; afterwards the enclosing phase resumes.
    fn section_body(&mut self, section: &Section<'_>) {
        for block in &section.blocks {
            self.block(block);
        }
        for child in &section.children {
            let (phase, active) = (self.phase, self.active.len());
            if let Some((text, line)) = child.heading {
                self.heading(text, child.phase, line);
                if heading_phase(child).is_some() {
                    self.active.push(self.marks.len() - 1);
                }
            }
            self.label = None;
            self.section_body(child);
            self.phase = phase;
            self.section = None;
            self.base_section = None;
            self.label = None;
            self.active.truncate(active);
        }
    }

    fn heading(&mut self, text: &str, phase: Option<Phase>, line: u32) {
        match phase {
            Some(phase) => {
                self.phase = phase;
                self.section = None;
                self.base_section = None;
                self.marks.push(PhaseMark {
                    phase,
                    line,
                    items: 0,
                });
            }
            None => {
                self.section = Some(clean_name(text));
                self.base_section = self.section.clone();
            }
        }
    }

    /// A MkDocs tab starts (its name joins the section) or the tabs end.
    fn tab(&mut self, name: Option<&str>) {
        self.section = match (name, &self.base_section) {
            (Some(name), Some(base)) => Some(format!("{base} / {name}")),
            (Some(name), None) => Some(name.to_string()),
            (None, base) => base.clone(),
        };
    }

    /// Keeps text that is not a step; a warning guards the step that comes next.
    fn note(&mut self, kind: NoteKind, text: &str, line: u32) {
        self.counted();
        if kind == NoteKind::Warning {
            self.guards.push(self.procedure.notes.len());
        }
        self.procedure.notes.push(Note {
            phase: self.phase,
            kind,
            text: text.to_string(),
            line,
            before_step: None,
        });
    }

    fn counted(&mut self) {
        for &i in self.active.iter().chain(self.label.iter()) {
            if let Some(mark) = self.marks.get_mut(i) {
                mark.items += 1;
            }
        }
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Label { text, line } => {
                if let Some(severity) = severity(text) {
                    self.procedure.severity = Some(severity);
                } else {
                    let phase = Phase::from_heading(text);
                    self.heading(text.trim_end_matches(':'), phase, *line);
                    if phase.is_some() {
                        self.label = Some(self.marks.len() - 1);
                    }
                }
            }
            Block::Annotation { text, line, col } => {
                let mut attrs = Attrs::default();
                for problem in attrs.apply(text) {
                    self.diagnostics
                        .push(Diagnostic::error(*line, *col, "annotation", problem));
                }
                self.pending = attrs;
            }
            Block::Fence {
                lang,
                guessed,
                attrs,
                body,
                body_line,
                body_indents,
                line,
            } => {
                let mut fence_attrs = std::mem::take(&mut self.pending);
                let (problems, unknown) = fence_attrs.apply_info(attrs);
                for problem in problems {
                    self.diagnostics
                        .push(Diagnostic::error(*line, 4, "annotation", problem));
                }
                if !unknown.is_empty() {
                    self.diagnostics.push(Diagnostic::warning(
                        *line,
                        4,
                        "fence-text",
                        format!("fence text firebreak does not use: {}", unknown.join(", ")),
                    ));
                }
                if *guessed {
                    self.diagnostics.push(Diagnostic::warning(
                        *line,
                        1,
                        "unlabelled-shell",
                        format!("this fence has no language; it starts like shell, so it is read as `{lang}` (label it to say so, or `text` to keep it from running)"),
                    ));
                }
                if is_shell(lang) {
                    let fence = Fence {
                        lang,
                        body,
                        body_line: *body_line,
                        body_indents,
                        line: *line,
                    };
                    self.shell(&fence, fence_attrs);
                } else {
                    self.other_fence(lang, body, *line, fence_attrs);
                }
            }
            Block::Prose { text, line } => self.note(NoteKind::Text, text, *line),
            Block::Admonition {
                warning,
                text,
                line,
                ..
            } => {
                let kind = if *warning {
                    NoteKind::Warning
                } else {
                    NoteKind::Note
                };
                self.note(kind, text, *line);
            }
            Block::Tab { name, .. } => self.tab(name.as_deref()),
            Block::Item {
                task,
                text,
                code,
                line,
                col,
                ..
            } => {
                let attrs = std::mem::take(&mut self.pending);
                self.counted();
                if let Some(_done) = task {
                    self.push(
                        text.clone(),
                        StepKind::Check { text: text.clone() },
                        attrs,
                        Vec::new(),
                        *line,
                        *col,
                    );
                } else if self.phase.is_descriptive() {
                    self.procedure.notes.push(Note {
                        phase: self.phase,
                        kind: NoteKind::Text,
                        text: text.clone(),
                        line: *line,
                        before_step: None,
                    });
                } else if let Some(command) = code.iter().find(|c| looks_like_command(&c.text)) {
                    let at = Place::Inline {
                        line: command.line,
                        col: command.col,
                        one_line: command.one_line,
                    };
                    self.command(text.clone(), &command.text, attrs, at);
                } else {
                    self.push(
                        text.clone(),
                        StepKind::Manual { text: text.clone() },
                        attrs,
                        Vec::new(),
                        *line,
                        *col,
                    );
                }
            }
            Block::Heading { .. } => {}
        }
    }

    /// A shell-family fence: commands become steps, output lines the expected output of the
    /// command above them, queries display steps. A terminal-session fence without a prompt is
    /// shown, not run.
    fn shell(&mut self, fence: &Fence<'_>, fence_attrs: Attrs) {
        let reading = transcript::read(fence.lang, fence.body);
        if transcript::is_console(fence.lang) && !reading.prompted {
            self.diagnostics.push(Diagnostic::warning(
                fence.line,
                1,
                "console-without-prompt",
                format!("this `{}` block has no prompt (`$ `), so nothing in it is known to be a command: it is shown, not run", fence.lang),
            ));
            self.other_fence(fence.lang, fence.body, fence.line, fence_attrs);
            return;
        }
        let body = reading.script.as_str();
        let mut events: Vec<(usize, Event<'_>)> = Vec::new();
        // Pieces come in order, so lines are counted from the previous piece on: counting from
        // the top of the block each time is quadratic in a long pasted script.
        let (mut counted_to, mut lines_before) = (0, 0);
        for piece in script::split(body) {
            let start = piece.at.start.min(body.len()).max(counted_to);
            lines_before += body[counted_to..start].matches('\n').count();
            counted_to = start;
            let col = 1 + to_u32(
                body[..start]
                    .rsplit('\n')
                    .next()
                    .map_or(0, |l| l.chars().count()),
            );
            events.push((lines_before, Event::Piece(piece, col)));
        }
        for other in &reading.other {
            events.push((other.index, Event::Other(other)));
        }
        events.sort_by_key(|(index, _)| *index);
        let mut last: Option<usize> = None;
        let mut previous: Option<(usize, Role)> = None;
        for (index, event) in events {
            let line = fence.body_line + to_u32(index);
            let removed = fence.body_indents.get(index).copied().unwrap_or(0);
            match event {
                Event::Piece(piece, col) => {
                    let at = (index, line, col + removed);
                    self.piece(fence, body, &piece, at, &fence_attrs);
                    last = self.procedure.steps.len().checked_sub(1);
                    previous = None;
                }
                Event::Other(other) => {
                    let run = previous.is_some_and(|(i, r)| i + 1 == index && r == other.what);
                    if !run {
                        self.other_warning(other.what, line, 1 + removed);
                    }
                    match other.what {
                        Role::Query | Role::Data if run => self.extend_display(&other.text),
                        Role::Query | Role::Data => {
                            let (lang, name) = match other.what {
                                Role::Query => ("promql", "Query"),
                                _ if other.text.starts_with(['{', '[']) => ("json", "Data"),
                                _ => ("yaml", "Data"),
                            };
                            let kind = StepKind::Display {
                                lang: lang.to_string(),
                                body: other.text.clone(),
                            };
                            let title = self.section.clone().unwrap_or_else(|| name.to_string());
                            self.counted();
                            self.push(title, kind, Attrs::default(), Vec::new(), line, 1 + removed);
                            last = None;
                        }
                        Role::Output | Role::Pasted => match last {
                            Some(i) => {
                                append_line(&mut self.procedure.steps[i].expected, &other.text)
                            }
                            None if run => self.extend_display(&other.text),
                            None => {
                                let kind = StepKind::Display {
                                    lang: "output".to_string(),
                                    body: other.text.clone(),
                                };
                                self.counted();
                                self.push(
                                    "Output".to_string(),
                                    kind,
                                    Attrs::default(),
                                    Vec::new(),
                                    line,
                                    1 + removed,
                                );
                            }
                        },
                    }
                    previous = Some((index, other.what));
                }
            }
        }
    }

    /// Output or a query in a shell fence, named once per run of lines.
    fn other_warning(&mut self, what: Role, line: u32, col: u32) {
        let (code, message) = match what {
            Role::Output => return,
            Role::Pasted => (
                "pasted-output",
                "these lines look like a command's output pasted into the script: they are kept as the expected output of the command above them, not run",
            ),
            Role::Query => (
                "query-in-shell",
                "this looks like a PromQL or LogQL query, not shell: it is shown, not run (put it in a `promql` fence)",
            ),
            Role::Data => (
                "data-in-shell",
                "this looks like YAML or JSON, not shell: it is shown, not run (put it in a `yaml` or `json` fence)",
            ),
        };
        self.diagnostics
            .push(Diagnostic::warning(line, col, code, message));
    }

    /// Adds a line to the display step just pushed.
    fn extend_display(&mut self, text: &str) {
        if let Some(Step {
            kind: StepKind::Display { body, .. },
            ..
        }) = self.procedure.steps.last_mut()
        {
            body.push('\n');
            body.push_str(text);
        }
    }

    /// One command (or numbered comment block) of a shell fence; `at` is its body line index,
    /// file line and column.
    fn piece(
        &mut self,
        fence: &Fence<'_>,
        body: &str,
        piece: &script::Piece,
        (index, line, col): (usize, u32, u32),
        fence_attrs: &Attrs,
    ) {
        let mut attrs = fence_attrs.clone();
        for (offset, annotation) in &piece.annotations {
            let mut own = Attrs::default();
            for problem in own.apply(annotation) {
                let (l, c) = Place::Fence {
                    text: body,
                    line: fence.body_line,
                    col: 1 + fence.body_indents.first().copied().unwrap_or(0),
                    index: 0,
                    indents: fence.body_indents,
                }
                .locate(*offset);
                self.diagnostics
                    .push(Diagnostic::error(l, c, "annotation", problem));
            }
            attrs = attrs.merged(&own);
        }
        let title = script::title(&piece.comments);
        self.counted();
        if piece.manual {
            let text = piece.comments.join(" ");
            let text = title.clone().map_or(text, |t| {
                let rest: Vec<&str> = piece.comments.iter().skip(1).map(String::as_str).collect();
                if rest.is_empty() {
                    t
                } else {
                    format!("{t} ({})", rest.join(" "))
                }
            });
            let title = script::title(&piece.comments).unwrap_or_else(|| text.clone());
            self.push(
                title,
                StepKind::Manual { text },
                attrs,
                Vec::new(),
                line,
                col,
            );
            return;
        }
        let source = body[piece.at.clone()].to_string();
        let title = title.unwrap_or_else(|| first_line(&source));
        let at = Place::Fence {
            text: &source,
            line,
            col,
            index,
            indents: fence.body_indents,
        };
        self.command(title, &source, attrs, at);
    }

    fn command(&mut self, title: String, source: &str, attrs: Attrs, at: Place<'_>) {
        let lexed = script::lex(source);
        let (line, col) = at.locate(0);
        for finding in script::findings(source, &lexed) {
            let (l, c) = at.locate(finding.at);
            self.diagnostics.push(Diagnostic {
                line: l,
                col: c,
                level: finding.level,
                code: finding.code,
                message: finding.message,
            });
        }
        for r in lexed.refs.iter().filter(|r| r.context == Context::Literal) {
            let (l, c) = at.locate(r.at.start);
            let diagnostic = if r.placeholder {
                Diagnostic::warning(
                    l,
                    c,
                    "literal-placeholder",
                    format!(
                        "placeholder {} is inside single quotes or a quoted heredoc, so it cannot be filled in",
                        &source[r.at.clone()]
                    ),
                )
            } else {
                Diagnostic::warning(
                    l,
                    c,
                    "not-expanded",
                    format!(
                        "${} is inside a quoted heredoc (<<'EOF'), so the shell passes it as written; use an unquoted delimiter if it should expand",
                        r.name
                    ),
                )
            };
            self.diagnostics.push(diagnostic);
        }
        let params = script::parameters(&lexed);
        let script_text = script::rewrite(source, &lexed);
        let kind = StepKind::Command {
            source: source.to_string(),
            script: script_text,
        };
        self.push(title, kind, attrs, params, line, col);
        if let Some(step) = self.procedure.steps.last_mut() {
            step.sets = script::assigned_names(&lexed);
        }
    }

    fn other_fence(&mut self, lang: &str, body: &str, line: u32, attrs: Attrs) {
        self.counted();
        let title = self.section.clone().unwrap_or_else(|| {
            if lang.is_empty() {
                "Text block".to_string()
            } else {
                format!("{lang} block")
            }
        });
        match attrs.run.clone() {
            Some(run) => {
                let lexed = script::lex(&run);
                let params = script::parameters(&lexed);
                let script_text = script::rewrite(&run, &lexed);
                let kind = StepKind::Piped {
                    lang: lang.to_string(),
                    body: body.to_string(),
                    script: script_text,
                };
                self.push(title, kind, attrs, params, line, 1);
            }
            None => {
                let kind = StepKind::Display {
                    lang: lang.to_string(),
                    body: body.to_string(),
                };
                self.push(title, kind, attrs, Vec::new(), line, 1);
            }
        }
    }

    fn push(
        &mut self,
        title: String,
        kind: StepKind,
        attrs: Attrs,
        params: Vec<String>,
        line: u32,
        col: u32,
    ) {
        self.procedure.steps.push(Step {
            number: 0,
            phase: self.phase,
            section: self.section.clone(),
            title,
            kind,
            // Judged by `classify::judge_steps` once the file is read; until then, the most
            // cautious class.
            safety: super::Safety::Destructive,
            interactive: false,
            reason: String::new(),
            judged: super::Safety::Destructive,
            writes_only_evidence: false,
            attrs,
            params,
            sets: Vec::new(),
            expected: None,
            line,
            col,
        });
        let number = self.procedure.steps.len();
        for i in std::mem::take(&mut self.guards) {
            if let Some(note) = self.procedure.notes.get_mut(i) {
                note.before_step = Some(number);
            }
        }
    }
}

/// A shell-family fence, as `Builder::shell` reads it.
struct Fence<'a> {
    lang: &'a str,
    body: &'a str,
    body_line: u32,
    body_indents: &'a [u32],
    line: u32,
}

/// What a shell fence holds, in line order.
enum Event<'a> {
    /// A command or manual step, with its column in the fence body.
    Piece(script::Piece, u32),
    /// A line that is not a command.
    Other(&'a transcript::Other),
}

/// Adds a line of expected output.
fn append_line(expected: &mut Option<String>, line: &str) {
    match expected {
        Some(text) => {
            text.push('\n');
            text.push_str(line);
        }
        None => *expected = Some(line.to_string()),
    }
}

/// Where a command's text sits in the file, to turn offsets in it into lines and columns.
#[derive(Clone, Copy)]
enum Place<'a> {
    /// In a fence: the command starts at `line:col`, on body line `index`; `text` is the command.
    Fence {
        text: &'a str,
        line: u32,
        col: u32,
        index: usize,
        indents: &'a [u32],
    },
    /// In an inline code span; one that wraps over lines is located at its start only.
    Inline { line: u32, col: u32, one_line: bool },
}

impl Place<'_> {
    fn locate(&self, offset: usize) -> (u32, u32) {
        match *self {
            Place::Fence {
                text,
                line,
                col,
                index,
                indents,
            } => {
                let before = &text[..offset.min(text.len())];
                match before.matches('\n').count() {
                    0 => (line, col + to_u32(before.chars().count())),
                    k => {
                        let removed = indents.get(index + k).copied().unwrap_or(0);
                        (
                            line + to_u32(k),
                            1 + removed
                                + to_u32(
                                    before.rsplit('\n').next().map_or(0, |l| l.chars().count()),
                                ),
                        )
                    }
                }
            }
            Place::Inline {
                line,
                col,
                one_line: true,
            } => (line, col + to_u32(offset)),
            Place::Inline { line, col, .. } => (line, col),
        }
    }
}

/// `Severity: P1` → `P1`.
fn severity(label: &str) -> Option<String> {
    let rest = label
        .trim()
        .strip_prefix("Severity")?
        .trim_start()
        .strip_prefix([':', '-'])?
        .trim();
    let level = rest.split_whitespace().next()?.trim_end_matches([',', '.']);
    (!level.is_empty() && level.len() <= 12).then(|| level.to_string())
}

fn first_line(source: &str) -> String {
    let line = source.lines().next().unwrap_or("").trim();
    let mut title: String = line.chars().take(72).collect();
    if title.len() < line.len() {
        title.push('…');
    }
    title
}
