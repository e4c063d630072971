//! The value chosen so far for each field a JSON line can fill. Both readers (the fast walk
//! and serde_json's) offer every mapped value here; the one with the best rank stays. What
//! stays is kept small — a string as its place in the line, not as a copy of a `Cow` — because
//! a line offers a value per key and the record takes only the winners: moving whole values
//! in and out of a wide table cost more than reading the JSON.

use std::borrow::Cow;

use super::{Scalar, Slot, TARGETS, Target};

/// A value offered for a target: what it is, its precedence (lower wins) and where its key
/// is in the line.
#[derive(Debug, Clone)]
pub(super) struct Held<'de> {
    pub(super) value: Scalar<'de>,
    pub(super) rank: u16,
    pub(super) key_at: usize,
}

/// A value as kept: borrowed text by its place in the line, other text in [`Slots::owned`].
#[derive(Debug, Clone, Copy)]
enum Raw {
    Span(u32, u32),
    Owned(u32),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Bool(bool),
}

#[derive(Debug, Clone, Copy)]
struct Kept {
    raw: Raw,
    rank: u16,
    key_at: u32,
}

/// Which values a line's slots keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fields {
    All,
    /// Only those of targets triage counts ([`Target::counted`]); the others are read and
    /// checked as usual, then dropped.
    Counted,
}

/// The value chosen for each target so far.
pub(super) struct Slots<'de> {
    line: &'de [u8],
    fields: Fields,
    known: [Option<Kept>; TARGETS],
    extra: Vec<Option<Kept>>,
    /// Text that is not a piece of the line (it had escapes), by [`Raw::Owned`] index.
    owned: Vec<Vec<u8>>,
}

impl<'de> Slots<'de> {
    pub(super) fn new(line: &'de [u8], fields: Fields) -> Slots<'de> {
        Slots {
            line,
            fields,
            known: [None; TARGETS],
            extra: Vec::new(),
            owned: Vec::new(),
        }
    }

    /// Forgets every value kept.
    pub(super) fn clear(&mut self) {
        *self = Slots::new(self.line, self.fields);
    }

    /// Keeps `held` for `slot` unless a value of better or equal rank is kept already (or the
    /// slot is not among the [`Fields`] kept).
    #[inline]
    pub(super) fn offer(&mut self, slot: Slot, held: Held<'de>) {
        let counted = self.fields == Fields::Counted;
        let place = match slot {
            Slot::Known(target) if counted && !target.counted() => return,
            Slot::Known(target) => self.known.get_mut(target as usize),
            Slot::Extra(_) if counted => return,
            Slot::Extra(index) => {
                if self.extra.len() <= index {
                    self.extra.resize(index + 1, None);
                }
                self.extra.get_mut(index)
            }
        };
        let Some(place) = place else {
            return;
        };
        if place.is_some_and(|kept| kept.rank <= held.rank) {
            return;
        }
        let raw = match held.value {
            Scalar::Text(Cow::Borrowed(text)) => match span_in(self.line, text) {
                Some((start, end)) => Raw::Span(start, end),
                None => own(&mut self.owned, text.to_vec()),
            },
            Scalar::Text(Cow::Owned(text)) => own(&mut self.owned, text),
            Scalar::Unsigned(n) => Raw::Unsigned(n),
            Scalar::Signed(n) => Raw::Signed(n),
            Scalar::Float(n) => Raw::Float(n),
            Scalar::Bool(b) => Raw::Bool(b),
        };
        *place = Some(Kept {
            raw,
            rank: held.rank,
            key_at: u32::try_from(held.key_at).unwrap_or(u32::MAX),
        });
    }

    /// Whether a value is kept for a known target.
    pub(super) fn holds(&self, target: Target) -> bool {
        self.known.get(target as usize).is_some_and(Option::is_some)
    }

    /// The value kept for a known target, taken out.
    #[inline]
    pub(super) fn take(&mut self, target: usize) -> Option<Held<'de>> {
        let kept = self.known.get_mut(target)?.take()?;
        Some(self.held(kept))
    }

    /// The values kept for extra fields, in mapping order, taken out.
    pub(super) fn take_extra(&mut self) -> Vec<Option<Held<'de>>> {
        let extra = std::mem::take(&mut self.extra);
        extra
            .into_iter()
            .map(|kept| kept.map(|kept| self.held(kept)))
            .collect()
    }

    fn held(&mut self, kept: Kept) -> Held<'de> {
        let line = self.line;
        let value = match kept.raw {
            Raw::Span(start, end) => Scalar::Text(Cow::Borrowed(
                line.get(start as usize..end as usize).unwrap_or_default(),
            )),
            Raw::Owned(index) => Scalar::Text(Cow::Owned(
                self.owned
                    .get_mut(index as usize)
                    .map(std::mem::take)
                    .unwrap_or_default(),
            )),
            Raw::Unsigned(n) => Scalar::Unsigned(n),
            Raw::Signed(n) => Scalar::Signed(n),
            Raw::Float(n) => Scalar::Float(n),
            Raw::Bool(b) => Scalar::Bool(b),
        };
        Held {
            value,
            rank: kept.rank,
            key_at: kept.key_at as usize,
        }
    }

    /// Byte index of a key's opening quote, when the key was borrowed from the line (keys
    /// with escapes were copied, and are placed at the line's start).
    pub(super) fn key_at(&self, key: &str) -> usize {
        let at = (key.as_ptr() as usize).wrapping_sub(self.line.as_ptr() as usize);
        if at < self.line.len() {
            at.saturating_sub(1)
        } else {
            0
        }
    }
}

/// Where `text` lies in `line`, when it is a piece of it.
#[inline]
fn span_in(line: &[u8], text: &[u8]) -> Option<(u32, u32)> {
    let start = (text.as_ptr() as usize).checked_sub(line.as_ptr() as usize)?;
    let end = start.checked_add(text.len())?;
    if end > line.len() {
        return None;
    }
    Some((u32::try_from(start).ok()?, u32::try_from(end).ok()?))
}

fn own(owned: &mut Vec<Vec<u8>>, text: Vec<u8>) -> Raw {
    owned.push(text);
    Raw::Owned(u32::try_from(owned.len() - 1).unwrap_or(u32::MAX))
}
