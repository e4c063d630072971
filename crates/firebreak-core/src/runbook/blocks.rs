//! Markdown → a flat list of the blocks a runbook is made of: headings, fences, list items,
//! bold labels and `firebreak:` comments, each with its position. Everything else (prose,
//! tables, quotes) is dropped here; structure is decided in `structure`.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::diagnostic::{Diagnostic, Lines};

/// One block of interest, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// A heading.
    Heading { level: u8, text: String, line: u32 },
    /// A fenced code block.
    Fence {
        /// Language word of the info string, lower case (`bash`); empty when unlabelled.
        lang: String,
        /// The rest of the info string (attributes).
        attrs: String,
        body: String,
        /// Line of the first body line.
        body_line: u32,
        /// For each body line, how many columns of indentation the Markdown parser removed.
        body_indents: Vec<u32>,
        line: u32,
    },
    /// A list item's own text (nested items are separate blocks).
    Item {
        ordered: bool,
        /// `Some(done)` for `- [ ]` / `- [x]` items.
        task: Option<bool>,
        text: String,
        /// Inline code spans in the text.
        code: Vec<Code>,
        line: u32,
        col: u32,
    },
    /// A paragraph that is only bold text: `**Containment:**`, `**Severity: P1**`.
    Label { text: String, line: u32 },
    /// The attribute text of an `<!-- firebreak: … -->` comment.
    Annotation { text: String, line: u32, col: u32 },
}

/// An inline code span and where its text starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Code {
    pub text: String,
    pub line: u32,
    pub col: u32,
    /// The span does not wrap onto another line, so offsets in `text` are columns.
    pub one_line: bool,
}

/// Reads `text` as Markdown.
pub(crate) fn read(text: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<Block> {
    let lines = Lines::new(text);
    let options =
        Options::ENABLE_TASKLISTS | Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut blocks = Vec::new();
    let mut items: Vec<ItemBuilder> = Vec::new();
    let mut lists: Vec<bool> = Vec::new();
    let mut heading: Option<(u8, String, u32)> = None;
    let mut fence: Option<FenceBuilder> = None;
    let mut paragraph: Option<Paragraph> = None;

    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((
                    heading_level(level),
                    String::new(),
                    lines.position(range.start).0,
                ));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text, line)) = heading.take() {
                    blocks.push(Block::Heading {
                        level,
                        text: text.trim().to_string(),
                        line,
                    });
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => Some(info.to_string()),
                    CodeBlockKind::Indented => None,
                };
                if let Some(info) = info {
                    let (line, col) = lines.position(range.start);
                    let closed = is_closed(&text[range.clone()]);
                    if !closed {
                        diagnostics.push(Diagnostic::error(
                            line,
                            col,
                            "unterminated-fence",
                            "this code fence is never closed, so the rest of the file is read as code",
                        ));
                    }
                    let (lang, attrs) = split_info(&info);
                    let indent = col.saturating_sub(1);
                    let body_indents = text[range.clone()]
                        .split_inclusive('\n')
                        .skip(1)
                        .map(|l| {
                            crate::runbook::diagnostic::to_u32(
                                l.bytes().take_while(|&b| b == b' ').count(),
                            )
                            .min(indent)
                        })
                        .collect();
                    fence = Some(FenceBuilder {
                        lang,
                        attrs,
                        body: String::new(),
                        body_start: None,
                        body_indents,
                        line,
                    });
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(f) = fence.take() {
                    let body_line = f
                        .body_start
                        .map_or(f.line + 1, |start| lines.position(start).0);
                    blocks.push(Block::Fence {
                        lang: f.lang,
                        attrs: f.attrs,
                        body: f.body,
                        body_line,
                        body_indents: f.body_indents,
                        line: f.line,
                    });
                }
            }
            Event::Start(Tag::List(first)) => lists.push(first.is_some()),
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                let (line, col) = lines.position(range.start);
                items.push(ItemBuilder {
                    index: blocks.len(),
                    ordered: lists.last().copied().unwrap_or(false),
                    task: None,
                    text: String::new(),
                    code: Vec::new(),
                    line,
                    col,
                });
                // Reserve the slot so the item precedes its nested blocks.
                blocks.push(Block::Label {
                    text: String::new(),
                    line,
                });
            }
            Event::End(TagEnd::Item) => {
                if let Some(item) = items.pop() {
                    let index = item.index;
                    blocks[index] = Block::Item {
                        ordered: item.ordered,
                        task: item.task,
                        text: collapse(&item.text),
                        code: item.code,
                        line: item.line,
                        col: item.col,
                    };
                }
            }
            Event::TaskListMarker(done) => {
                if let Some(item) = items.last_mut() {
                    item.task = Some(done);
                }
            }
            Event::Start(Tag::Paragraph) if items.is_empty() => {
                paragraph = Some(Paragraph {
                    line: lines.position(range.start).0,
                    strong: String::new(),
                    other: false,
                    in_strong: false,
                });
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some(p) = paragraph.take() {
                    let text = collapse(&p.strong);
                    if !p.other && !text.is_empty() {
                        blocks.push(Block::Label { text, line: p.line });
                    }
                }
            }
            Event::Start(Tag::Strong) => {
                if let Some(p) = paragraph.as_mut() {
                    if !p.strong.is_empty() {
                        p.other = true;
                    }
                    p.in_strong = true;
                }
            }
            Event::End(TagEnd::Strong) => {
                if let Some(p) = paragraph.as_mut() {
                    p.in_strong = false;
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                if let Some(attrs) = super::attrs::annotation(&html) {
                    let (line, col) = lines.position(range.start);
                    blocks.push(Block::Annotation {
                        text: attrs.trim().to_string(),
                        line,
                        col,
                    });
                } else if let Some(p) = paragraph.as_mut() {
                    p.other = true;
                }
            }
            Event::Text(t) => push_text(
                &t,
                None,
                &mut fence,
                &mut heading,
                &mut items,
                &mut paragraph,
                range.start,
            ),
            Event::Code(t) => {
                let ticks = text[range.clone()]
                    .bytes()
                    .take_while(|&b| b == b'`')
                    .count();
                let skip = text[range.start + ticks..]
                    .bytes()
                    .take_while(|&b| b == b' ')
                    .count()
                    .min(1);
                let (line, col) = lines.position(range.start + ticks + skip);
                let one_line = !text[range.clone()].contains(['\n', '\r']);
                push_text(
                    &t,
                    Some((line, col, one_line)),
                    &mut fence,
                    &mut heading,
                    &mut items,
                    &mut paragraph,
                    range.start,
                )
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(item) = items.last_mut() {
                    item.text.push(' ');
                } else if let Some(p) = paragraph.as_mut() {
                    p.other = true;
                }
            }
            _ => {}
        }
    }
    blocks.retain(|b| !matches!(b, Block::Label { text, .. } if text.is_empty()));
    blocks
}

/// Routes text to whatever is being read: a fence body, a heading, the innermost list item,
/// or a paragraph that may turn out to be a bold label.
fn push_text(
    t: &str,
    code_at: Option<(u32, u32, bool)>,
    fence: &mut Option<FenceBuilder>,
    heading: &mut Option<(u8, String, u32)>,
    items: &mut [ItemBuilder],
    paragraph: &mut Option<Paragraph>,
    at: usize,
) {
    if let Some(f) = fence.as_mut() {
        f.body_start.get_or_insert(at);
        f.body.push_str(t);
    } else if let Some((_, h, _)) = heading.as_mut() {
        h.push_str(t);
    } else if let Some(item) = items.last_mut() {
        if let Some((line, col, one_line)) = code_at {
            item.code.push(Code {
                text: t.to_string(),
                line,
                col,
                one_line,
            });
            item.text.push('`');
            item.text.push_str(t);
            item.text.push('`');
        } else {
            item.text.push_str(t);
        }
    } else if let Some(p) = paragraph.as_mut() {
        if p.in_strong {
            p.strong.push_str(t);
        } else if code_at.is_some() || !t.trim().trim_matches(':').is_empty() {
            p.other = true;
        }
    }
}

struct ItemBuilder {
    index: usize,
    ordered: bool,
    task: Option<bool>,
    text: String,
    code: Vec<Code>,
    line: u32,
    col: u32,
}

struct FenceBuilder {
    lang: String,
    attrs: String,
    body: String,
    body_start: Option<usize>,
    body_indents: Vec<u32>,
    line: u32,
}

struct Paragraph {
    line: u32,
    strong: String,
    other: bool,
    in_strong: bool,
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Whether a fenced block's source ends with a closing fence.
fn is_closed(source: &str) -> bool {
    let mut lines = source.trim_end_matches(['\n', '\r']).lines();
    let Some(open) = lines.next().map(str::trim_start) else {
        return false;
    };
    let marker = open.chars().next().unwrap_or('`');
    let width = open.chars().take_while(|&c| c == marker).count();
    lines.next_back().is_some_and(|last| {
        let last = last.trim();
        last.chars().take_while(|&c| c == marker).count() >= width
            && last.chars().all(|c| c == marker)
    })
}

/// `bash class=destructive` → (`bash`, `class=destructive`); `{.bash}` style braces are kept
/// for the attribute reader.
fn split_info(info: &str) -> (String, String) {
    let info = info.trim();
    let end = info
        .find(|c: char| c.is_whitespace() || c == '{')
        .unwrap_or(info.len());
    (
        info[..end].to_ascii_lowercase(),
        info[end..].trim().to_string(),
    )
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first heading's text, for a runbook without a title in its front matter.
pub(crate) fn first_heading(blocks: &[Block]) -> Option<String> {
    blocks.iter().find_map(|b| match b {
        Block::Heading { text, .. } if !text.is_empty() => Some(text.clone()),
        _ => None,
    })
}
