//! The post-incident review: its human sections ([`Field`]), its sign-off states ([`State`]),
//! what an incident's events fold into ([`Document`]), and the structured review drafted from
//! the journal ([`Review`]) with its Markdown and HTML renderings and the editor's document.
//!
//! The review is part of the incident's journal: each written section is a `review_written`
//! event, each state move its own event, so who wrote what and who signed off is as
//! tamper-evident as the response itself. What is allowed when is decided in
//! [`crate::decide`]; reading the journal and checking its chain is the binary's job.

mod build;
mod edit;
mod html;
mod markdown;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::incident::Stamp;

pub use build::{
    ActionLine, Chain, EvidenceLine, Header, Phase, Review, Section, SignOff, TimelineLine, Verdict,
};
pub use edit::{document as editor_document, parse as parse_editor_document};
pub use html::html;
pub use markdown::markdown;

/// One human section of the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Field {
    /// What happened, in a paragraph.
    Summary,
    /// Who and what was affected, for how long.
    Impact,
    /// Why it happened.
    RootCause,
    /// What made it worse or more likely.
    ContributingFactors,
    /// What helped.
    WentWell,
    /// What hindered.
    WentBadly,
    /// What the team takes away.
    Lessons,
}

impl Field {
    /// Every field, in the order a review shows them.
    pub const ALL: [Field; 7] = [
        Field::Summary,
        Field::Impact,
        Field::RootCause,
        Field::ContributingFactors,
        Field::WentWell,
        Field::WentBadly,
        Field::Lessons,
    ];

    /// The name commands and payloads use (`root-cause`).
    pub fn name(self) -> &'static str {
        match self {
            Field::Summary => "summary",
            Field::Impact => "impact",
            Field::RootCause => "root-cause",
            Field::ContributingFactors => "contributing-factors",
            Field::WentWell => "went-well",
            Field::WentBadly => "went-badly",
            Field::Lessons => "lessons",
        }
    }

    /// The heading a review shows (`Root cause`).
    pub fn heading(self) -> &'static str {
        match self {
            Field::Summary => "Summary",
            Field::Impact => "Impact",
            Field::RootCause => "Root cause",
            Field::ContributingFactors => "Contributing factors",
            Field::WentWell => "What went well",
            Field::WentBadly => "What went badly",
            Field::Lessons => "Lessons learned",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A review field name that is not one of [`Field::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown review field {0:?}; the fields are summary, impact, root-cause, contributing-factors, went-well, went-badly, lessons"
)]
pub struct UnknownField(pub String);

impl FromStr for Field {
    type Err = UnknownField;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        Field::ALL
            .into_iter()
            .find(|f| f.name() == wanted)
            .ok_or_else(|| UnknownField(s.to_string()))
    }
}

/// Where the review stands: drafted, submitted for sign-off, or signed off and published.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Being written; the starting state, and where `review reopen` returns to.
    #[default]
    Draft,
    /// Submitted for sign-off; still editable.
    InReview,
    /// Signed off; frozen until reopened.
    Published,
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Draft => "draft",
            State::InReview => "in-review",
            State::Published => "published",
        })
    }
}

/// The review as an incident's events make it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Document {
    /// Written sections; a field absent here (or cleared) is not written yet.
    pub texts: BTreeMap<Field, String>,
    /// Where it stands.
    pub state: State,
    /// Who last wrote a section, when.
    pub written: Option<Stamp>,
    /// Who submitted it for sign-off, when (cleared when reopened).
    pub submitted: Option<Stamp>,
    /// Who signed it off, when (cleared when reopened).
    pub published: Option<Stamp>,
    /// How often it has been reopened.
    pub reopened: u32,
}

impl Document {
    /// A section's text, or `""` when not written.
    pub fn text(&self, field: Field) -> &str {
        self.texts.get(&field).map_or("", String::as_str)
    }

    /// Records a section's new text; empty text clears it.
    pub fn write(&mut self, field: Field, text: &str, stamp: Stamp) {
        if text.is_empty() {
            self.texts.remove(&field);
        } else {
            self.texts.insert(field, text.to_string());
        }
        self.written = Some(stamp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_round_trip_and_unknown_names_list_the_valid_ones() {
        for f in Field::ALL {
            assert_eq!(f.name().parse::<Field>(), Ok(f));
        }
        assert_eq!("Root_Cause".parse::<Field>(), Ok(Field::RootCause));
        let err = "cause".parse::<Field>().expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "unknown review field \"cause\"; the fields are summary, impact, root-cause, contributing-factors, went-well, went-badly, lessons"
        );
    }
}
