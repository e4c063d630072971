//! Markdown → a flat list of the blocks a runbook is made of: headings, fences, list items,
//! bold labels, prose paragraphs, admonitions, tab markers and `firebreak:` comments, each with
//! its position. Tables and raw HTML are dropped here; structure is decided in `structure`.
//!
//! Text is kept as a reader would need it outside the page: a link becomes `text (url)`.
//! Admonitions come in four spellings — GitHub alerts (`> [!WARNING]`), MkDocs (`!!! warning`)
//! and Docusaurus (`:::danger`) containers, whose lines `text` finds, and paragraphs led by a
//! bold `**WARNING:**` or `**Note:**` — and all become [`Block::Admonition`].

use pulldown_cmark::{
    BlockQuoteKind, CodeBlockKind, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
};

use super::diagnostic::{Diagnostic, Lines};
use super::text::{Region, RegionKind};
use super::transcript;

/// One block of interest, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// A heading.
    Heading { level: u8, text: String, line: u32 },
    /// A fenced code block.
    Fence {
        /// Language word of the info string, lower case (`bash`); empty when unlabelled. An
        /// unlabelled fence that looks like shell gets `bash` or `console` here.
        lang: String,
        /// The language was guessed from an unlabelled fence's content.
        guessed: bool,
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
    /// A paragraph of prose (also inside an ordinary block quote).
    Prose { text: String, line: u32 },
    /// A warning or a note set apart from the prose.
    Admonition {
        warning: bool,
        text: String,
        line: u32,
        /// The container it came from, so its paragraphs make one admonition.
        from: Option<Container>,
    },
    /// A MkDocs content tab starts (`Some(name)`) or the tabs end (`None`).
    Tab { name: Option<String>, line: u32 },
    /// The attribute text of an `<!-- firebreak: … -->` comment.
    Annotation { text: String, line: u32, col: u32 },
}

/// Where an admonition's paragraphs sit: a region `text` found, or a block quote (numbered in
/// document order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Container {
    Region(usize),
    Quote(usize),
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

/// Bold words that make a paragraph an admonition, and whether each warns.
const ADMONITION_WORDS: &[(&str, bool)] = &[
    ("warning", true),
    ("danger", true),
    ("caution", true),
    ("important", true),
    ("attention", true),
    ("note", false),
    ("tip", false),
    ("info", false),
];

/// Reads `text` as Markdown; `regions` are the containers `text::decode` found in it.
pub(crate) fn read(
    text: &str,
    regions: &[Region],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Block> {
    let lines = Lines::new(text);
    let options = Options::ENABLE_TASKLISTS
        | Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_GFM;
    let mut blocks = Vec::new();
    let mut items: Vec<ItemBuilder> = Vec::new();
    let mut lists: Vec<bool> = Vec::new();
    let mut heading: Option<(u8, String, u32)> = None;
    let mut fence: Option<FenceBuilder> = None;
    let mut paragraph: Option<Paragraph> = None;
    let mut quotes: Vec<(Option<BlockQuoteKind>, usize)> = Vec::new();
    let mut quote_count = 0;
    let mut links: Vec<Link> = Vec::new();

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
                    blocks.push(f.build(&lines));
                }
            }
            Event::Start(Tag::BlockQuote(kind)) => {
                quotes.push((kind, quote_count));
                quote_count += 1;
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                quotes.pop();
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
                    ..Paragraph::default()
                });
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some(p) = paragraph.take() {
                    let quote = quotes.last().copied();
                    p.finish(regions, quote, &mut blocks);
                }
            }
            Event::Start(Tag::Strong) => {
                if let Some(p) = paragraph.as_mut() {
                    if !p.strong.is_empty() {
                        p.other = true;
                    }
                    p.in_strong = true;
                    p.strong_from = Some(p.text.len());
                }
            }
            Event::End(TagEnd::Strong) => {
                if let Some(p) = paragraph.as_mut() {
                    p.in_strong = false;
                    if let Some(from) = p.strong_from.take()
                        && from == 0
                        && p.lead.is_none()
                    {
                        p.lead = Some(p.text.clone());
                    }
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => {
                let target = if fence.is_some() || heading.is_some() {
                    None
                } else if let Some(item) = items.last() {
                    Some((true, item.text.len()))
                } else {
                    paragraph.as_ref().map(|p| (false, p.text.len()))
                };
                links.push(Link {
                    url: dest_url.to_string(),
                    bare: matches!(link_type, LinkType::Autolink | LinkType::Email),
                    target,
                });
            }
            Event::End(TagEnd::Link) => {
                if let Some(link) = links.pop() {
                    link.finish(&mut items, &mut paragraph);
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
                    p.text.push(' ');
                }
            }
            _ => {}
        }
    }
    blocks.retain(|b| !matches!(b, Block::Label { text, .. } if text.is_empty()));
    with_regions(blocks, regions)
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
        if code_at.is_some() {
            p.text.push('`');
            p.text.push_str(t);
            p.text.push('`');
        } else {
            p.text.push_str(t);
        }
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

impl FenceBuilder {
    /// The finished block; an unlabelled fence that reads as shell gets a shell language.
    fn build(self, lines: &Lines<'_>) -> Block {
        let body_line = self
            .body_start
            .map_or(self.line + 1, |start| lines.position(start).0);
        let guess = (self.lang.is_empty() && !self.attrs.contains("run="))
            .then(|| transcript::guess(&self.body))
            .flatten();
        Block::Fence {
            lang: guess.map_or(self.lang, str::to_string),
            guessed: guess.is_some(),
            attrs: self.attrs,
            body: self.body,
            body_line,
            body_indents: self.body_indents,
            line: self.line,
        }
    }
}

/// A paragraph being read: its whole text, and what it needs to tell a bold label or an
/// admonition from prose.
#[derive(Default)]
struct Paragraph {
    line: u32,
    /// Its text, inline code in backquotes and links as `text (url)`.
    text: String,
    /// Text inside bold runs.
    strong: String,
    /// Something besides one bold run: then it is not a label.
    other: bool,
    in_strong: bool,
    /// Where the bold run being read started in `text`.
    strong_from: Option<usize>,
    /// The text of a bold run that opens the paragraph (`WARNING:` in `**WARNING:** …`).
    lead: Option<String>,
}

impl Paragraph {
    /// Turns the paragraph into a block: an admonition when a container or a bold lead word
    /// says so, a bold label, or prose.
    fn finish(
        self,
        regions: &[Region],
        quote: Option<(Option<BlockQuoteKind>, usize)>,
        blocks: &mut Vec<Block>,
    ) {
        let text = collapse(&self.text);
        if text.is_empty() {
            return;
        }
        if let Some((index, warning, title)) = admonition_region(regions, self.line) {
            let from = Container::Region(index);
            let first = !blocks.iter().any(|b| admonition_from(b) == Some(from));
            let text = if first && !title.is_empty() {
                format!("{title}: {text}")
            } else {
                text
            };
            push_admonition(blocks, warning, text, self.line, Some(from));
            return;
        }
        if let Some((Some(kind), n)) = quote {
            let warning = matches!(
                kind,
                BlockQuoteKind::Warning | BlockQuoteKind::Caution | BlockQuoteKind::Important
            );
            push_admonition(blocks, warning, text, self.line, Some(Container::Quote(n)));
            return;
        }
        let label = collapse(&self.strong);
        if !self.other && !label.is_empty() {
            let block = match admonition_word(&label) {
                // A bold `**Warning:**` alone: the paragraph after it is its text.
                Some(warning) => Block::Admonition {
                    warning,
                    text: String::new(),
                    line: self.line,
                    from: None,
                },
                None => Block::Label {
                    text: label,
                    line: self.line,
                },
            };
            blocks.push(block);
            return;
        }
        let lead = self.lead.as_deref().and_then(|lead| {
            let warning = admonition_word(lead)?;
            let rest = self.text.get(lead.len()..).unwrap_or("");
            Some((
                warning,
                collapse(rest.trim_start_matches([':', '-', '—', ' '])),
            ))
        });
        if let Some((warning, rest)) = lead {
            push_admonition(blocks, warning, rest, self.line, None);
            return;
        }
        if text.starts_with(['⚠', '🚨', '❗']) {
            let rest = text.trim_start_matches(|c: char| !c.is_alphanumeric());
            push_admonition(blocks, true, rest.to_string(), self.line, None);
            return;
        }
        if let Some(Block::Admonition { text: open, .. }) = blocks.last_mut()
            && open.is_empty()
        {
            *open = text;
            return;
        }
        blocks.push(Block::Prose {
            text,
            line: self.line,
        });
    }
}

/// Adds an admonition paragraph, joining it to the previous one from the same container.
fn push_admonition(
    blocks: &mut Vec<Block>,
    warning: bool,
    text: String,
    line: u32,
    from: Option<Container>,
) {
    if let Some(Block::Admonition {
        text: previous,
        from: last_from,
        ..
    }) = blocks.last_mut()
        && from.is_some()
        && *last_from == from
    {
        previous.push(' ');
        previous.push_str(&text);
        return;
    }
    blocks.push(Block::Admonition {
        warning,
        text,
        line,
        from,
    });
}

fn admonition_from(block: &Block) -> Option<Container> {
    match block {
        Block::Admonition { from, .. } => *from,
        _ => None,
    }
}

/// Whether a bold word names an admonition (`WARNING:`, `Note`, `⚠️ Danger!`), and if so
/// whether it warns.
fn admonition_word(bold: &str) -> Option<bool> {
    let word = bold
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    ADMONITION_WORDS
        .iter()
        .find(|(w, _)| *w == word)
        .map(|&(_, warning)| warning)
}

/// The innermost admonition container holding `line`: its index, whether it warns, its title.
fn admonition_region(regions: &[Region], line: u32) -> Option<(usize, bool, &str)> {
    regions
        .iter()
        .enumerate()
        .filter(|(_, r)| r.line < line && line <= r.last)
        .filter_map(|(i, r)| match &r.kind {
            RegionKind::Admonition { warning, title } => Some((i, *warning, title.as_str())),
            RegionKind::Tab(_) => None,
        })
        .next_back()
}

/// A link being read: where its text starts, so its URL can follow it.
struct Link {
    url: String,
    /// An autolink (`<https://…>`): its text is the URL already.
    bare: bool,
    /// In a list item (`true`) or a paragraph, and the length of that text at the link.
    target: Option<(bool, usize)>,
}

impl Link {
    /// Writes the URL after the link's text: `dashboard (https://grafana/d/x)`.
    fn finish(self, items: &mut [ItemBuilder], paragraph: &mut Option<Paragraph>) {
        let Some((in_item, from)) = self.target else {
            return;
        };
        let text = if in_item {
            items.last_mut().map(|i| &mut i.text)
        } else {
            paragraph.as_mut().map(|p| &mut p.text)
        };
        let Some(text) = text else {
            return;
        };
        let shown = text.get(from..).unwrap_or("").trim();
        if self.bare || self.url.is_empty() || shown == self.url {
            return;
        }
        if shown.is_empty() {
            text.push_str(&self.url);
        } else {
            text.push_str(" (");
            text.push_str(&self.url);
            text.push(')');
        }
    }
}

/// Adds the blocks containers stand for: tab starts and ends, and a titled admonition whose
/// content has no paragraph (only a fence, say), so its title is not lost.
fn with_regions(blocks: Vec<Block>, regions: &[Region]) -> Vec<Block> {
    // Blocks are in document order, so their lines only grow.
    let first_after = |line: u32| blocks.partition_point(|b| block_line(b) <= line);
    let mut inserts: Vec<(usize, u64, Block)> = Vec::new();
    for (index, region) in regions.iter().enumerate() {
        match &region.kind {
            RegionKind::Tab(name) => {
                inserts.push((
                    first_after(region.line),
                    2 * u64::from(region.line),
                    Block::Tab {
                        name: Some(name.clone()),
                        line: region.line,
                    },
                ));
                inserts.push((
                    first_after(region.last),
                    2 * u64::from(region.last) + 1,
                    Block::Tab {
                        name: None,
                        line: region.last,
                    },
                ));
            }
            RegionKind::Admonition { warning, title } => {
                let from = Some(Container::Region(index));
                if blocks.iter().any(|b| admonition_from(b) == from) {
                    continue;
                }
                let text = match (title.is_empty(), warning) {
                    (false, _) => title.clone(),
                    (true, true) => "Warning".to_string(),
                    (true, false) => "Note".to_string(),
                };
                inserts.push((
                    first_after(region.line),
                    2 * u64::from(region.line),
                    Block::Admonition {
                        warning: *warning,
                        text,
                        line: region.line,
                        from,
                    },
                ));
            }
        }
    }
    if inserts.is_empty() {
        return blocks;
    }
    inserts.sort_by_key(|(at, key, _)| (*at, *key));
    let mut out = Vec::with_capacity(blocks.len() + inserts.len());
    let mut pending = inserts.into_iter().peekable();
    for (i, block) in blocks.into_iter().enumerate() {
        while let Some((_, _, b)) = pending.next_if(|(at, _, _)| *at <= i) {
            out.push(b);
        }
        out.push(block);
    }
    out.extend(pending.map(|(_, _, b)| b));
    out
}

/// The line a block starts on.
pub(crate) fn block_line(block: &Block) -> u32 {
    match block {
        Block::Heading { line, .. }
        | Block::Fence { line, .. }
        | Block::Item { line, .. }
        | Block::Label { line, .. }
        | Block::Prose { line, .. }
        | Block::Admonition { line, .. }
        | Block::Tab { line, .. }
        | Block::Annotation { line, .. } => *line,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(text: &str) -> Vec<Block> {
        read(text, &[], &mut Vec::new())
    }

    #[test]
    fn links_keep_their_address_in_items_and_prose() {
        let got = blocks(
            "See [the runbook index](https://wiki.example/rb) first.\n\n- Page <https://pager.example>\n- [ ] [Status](https://status.example) updated\n",
        );
        let texts: Vec<&str> = got
            .iter()
            .filter_map(|b| match b {
                Block::Prose { text, .. } | Block::Item { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            texts,
            [
                "See the runbook index (https://wiki.example/rb) first.",
                "Page https://pager.example",
                "Status (https://status.example) updated",
            ]
        );
    }

    #[test]
    fn bold_labels_stay_labels_and_bold_warnings_are_admonitions() {
        let got = blocks(
            "**Containment:**\n\n**Danger:** this wipes the disk.\n\n**Note**\n\nReplicas lag by a minute.\n\nPlain **bold** in prose.\n",
        );
        assert_eq!(
            got,
            [
                Block::Label {
                    text: "Containment:".to_string(),
                    line: 1
                },
                Block::Admonition {
                    warning: true,
                    text: "this wipes the disk.".to_string(),
                    line: 3,
                    from: None
                },
                Block::Admonition {
                    warning: false,
                    text: "Replicas lag by a minute.".to_string(),
                    line: 5,
                    from: None
                },
                Block::Prose {
                    text: "Plain bold in prose.".to_string(),
                    line: 9
                },
            ]
        );
    }

    #[test]
    fn a_github_alert_is_one_admonition_and_a_plain_quote_is_prose() {
        let got = blocks("> [!CAUTION]\n> Two lines\n> of warning.\n\n> Just a quote.\n");
        assert_eq!(
            got,
            [
                Block::Admonition {
                    warning: true,
                    text: "Two lines of warning.".to_string(),
                    line: 2,
                    from: Some(Container::Quote(0))
                },
                Block::Prose {
                    text: "Just a quote.".to_string(),
                    line: 5
                },
            ]
        );
    }

    #[test]
    fn an_unlabelled_fence_is_labelled_only_when_it_starts_like_shell() {
        let langs: Vec<(String, bool)> = blocks("```\nkubectl get nodes\n```\n\n```\nid: 7\n```\n")
            .into_iter()
            .filter_map(|b| match b {
                Block::Fence { lang, guessed, .. } => Some((lang, guessed)),
                _ => None,
            })
            .collect();
        assert_eq!(langs, [("bash".to_string(), true), (String::new(), false)]);
    }
}
