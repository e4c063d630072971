//! From blocks to procedures: which headings are procedures, which are groups of procedures,
//! which start phases, and which blocks become steps. The rules are the ones
//! `docs/runbooks.md` states; this module is their only implementation.

use super::attrs::Attrs;
use super::blocks::Block;
use super::classify;
use super::diagnostic::{Diagnostic, to_u32};
use super::phase::{Phase, strip_numbering};
use super::script::{self, Context};
use super::{Note, Procedure, Step, StepKind, slug};

/// Fence languages run as shell.
const SHELLS: &[&str] = &[
    "bash",
    "sh",
    "shell",
    "zsh",
    "ksh",
    "console",
    "shell-session",
    "shellsession",
];

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
    out
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
        Block::Fence { lang, attrs, .. } => {
            SHELLS.contains(&lang.as_str()) || attrs.contains("run=")
        }
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

/// Whether an inline code span reads as a command: a program name and at least one argument.
fn looks_like_command(code: &str) -> bool {
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
            self.label = None;
            self.active.truncate(active);
        }
    }

    fn heading(&mut self, text: &str, phase: Option<Phase>, line: u32) {
        match phase {
            Some(phase) => {
                self.phase = phase;
                self.section = None;
                self.marks.push(PhaseMark {
                    phase,
                    line,
                    items: 0,
                });
            }
            None => self.section = Some(clean_name(text)),
        }
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
                attrs,
                body,
                body_line,
                body_indents,
                line,
            } => {
                let mut fence_attrs = std::mem::take(&mut self.pending);
                for problem in fence_attrs.apply(attrs) {
                    self.diagnostics
                        .push(Diagnostic::error(*line, 4, "annotation", problem));
                }
                if SHELLS.contains(&lang.as_str()) {
                    self.shell(lang, body, *body_line, body_indents, &fence_attrs);
                } else {
                    self.other_fence(lang, body, *line, fence_attrs);
                }
            }
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
                        text: text.clone(),
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

    fn shell(
        &mut self,
        lang: &str,
        body: &str,
        body_line: u32,
        body_indents: &[u32],
        fence_attrs: &Attrs,
    ) {
        let body = if lang == "console" || lang.starts_with("shell") && lang != "shell" {
            console(body)
        } else {
            body.to_string()
        };
        // Pieces come in order, so lines are counted from the previous piece on: counting from
        // the top of the block each time is quadratic in a long pasted script.
        let (mut counted_to, mut lines_before) = (0, 0);
        for piece in script::split(&body) {
            let start = piece.at.start.min(body.len()).max(counted_to);
            lines_before += body[counted_to..start].matches('\n').count();
            counted_to = start;
            let line = body_line + to_u32(lines_before);
            let removed = body_indents.get(lines_before).copied().unwrap_or(0);
            let col = 1
                + removed
                + to_u32(
                    body[..start]
                        .rsplit('\n')
                        .next()
                        .map_or(0, |l| l.chars().count()),
                );
            let mut attrs = fence_attrs.clone();
            for (offset, annotation) in &piece.annotations {
                let mut own = Attrs::default();
                for problem in own.apply(annotation) {
                    let (l, c) = Place::Fence {
                        text: &body,
                        line: body_line,
                        col: 1 + body_indents.first().copied().unwrap_or(0),
                        index: 0,
                        indents: body_indents,
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
                    let rest: Vec<&str> =
                        piece.comments.iter().skip(1).map(String::as_str).collect();
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
                continue;
            }
            let source = body[piece.at.clone()].to_string();
            let title = title.unwrap_or_else(|| first_line(&source));
            let at = Place::Fence {
                text: &source,
                line,
                col,
                index: lines_before,
                indents: body_indents,
            };
            self.command(title, &source, attrs, at);
        }
    }

    fn command(&mut self, title: String, source: &str, attrs: Attrs, at: Place<'_>) {
        let lexed = script::lex(source);
        let (line, col) = at.locate(0);
        if let Some((offset, what)) = lexed.unterminated {
            let (l, c) = at.locate(offset);
            self.diagnostics.push(Diagnostic::error(
                l,
                c,
                "unterminated",
                format!("{what}: the step runs to the end of its block"),
            ));
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
        let safety = attrs
            .class
            .unwrap_or_else(|| classify::classify_lexed(source, &lexed));
        let kind = StepKind::Command {
            source: source.to_string(),
            script: script_text,
        };
        self.push_classified(title, kind, safety, attrs, params, line, col);
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
        let safety = attrs.class.unwrap_or_else(|| match &kind {
            StepKind::Command { source, .. } => classify::classify(source, None),
            StepKind::Piped { body, script, .. } => classify::classify(script, Some(body)),
            _ => super::Safety::ReadOnly,
        });
        self.push_classified(title, kind, safety, attrs, params, line, col);
    }

    #[allow(clippy::too_many_arguments)]
    fn push_classified(
        &mut self,
        title: String,
        kind: StepKind,
        safety: super::Safety,
        attrs: Attrs,
        params: Vec<String>,
        line: u32,
        col: u32,
    ) {
        let sets = match &kind {
            StepKind::Command { source, .. } => script::assigned(&script::lex(source).tokens)
                .into_iter()
                .collect(),
            _ => Vec::new(),
        };
        let interactive = attrs.interactive;
        self.procedure.steps.push(Step {
            number: 0,
            phase: self.phase,
            section: self.section.clone(),
            title,
            kind,
            safety,
            attrs,
            params,
            sets,
            interactive,
            line,
            col,
        });
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

/// A console transcript: `$ ` lines are commands; output lines are blanked (keeping lines).
fn console(body: &str) -> String {
    body.split_inclusive('\n')
        .map(|line| match line.strip_prefix("$ ") {
            Some(rest) => format!("  {rest}"),
            None if line.trim_start().starts_with('#') => line.to_string(),
            None => line.chars().filter(|&c| c == '\n').collect(),
        })
        .collect()
}
