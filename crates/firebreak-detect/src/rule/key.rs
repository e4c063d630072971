//! The key a rule counts under: the values of its `group-by` fields on one line. A single
//! address (the common case) is an integer and costs no allocation.

use std::hash::BuildHasher;

use crate::addr::Addr;
use crate::record::{Field, Record, Value, format_number};

/// One field's value in a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Part {
    /// An address's two halves: 8-byte alignment keeps keys small.
    Addr(u64, u64),
    Number(u64),
    Text(Box<[u8]>),
}

impl Part {
    fn of(value: Value<'_>) -> Part {
        match value {
            Value::Addr(addr) => Part::Addr((addr.0 >> 64) as u64, addr.0 as u64),
            Value::Number(n) => Part::Number(number_bits(n)),
            Value::Text(text) => Part::Text(text.into()),
        }
    }

    fn show(&self) -> String {
        match self {
            Part::Addr(high, low) => Addr((u128::from(*high) << 64) | u128::from(*low)).to_string(),
            Part::Number(bits) => format_number(f64::from_bits(*bits)),
            Part::Text(text) => String::from_utf8_lossy(text).into_owned(),
        }
    }
}

/// `0.0` and `-0.0` are one key.
fn number_bits(n: f64) -> u64 {
    if n == 0.0 { 0 } else { n.to_bits() }
}

/// The values of a rule's `group-by` fields.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// No `group-by`: everything counts together.
    Empty,
    One(Part),
    Many(Box<[Part]>),
}

impl Key {
    /// The line's key, or `None` when it lacks one of the fields (it then does not count).
    pub(crate) fn of(fields: &[Field], record: &Record<'_>) -> Option<Key> {
        match fields {
            [] => Some(Key::Empty),
            [one] => record.get(one).map(|v| Key::One(Part::of(v))),
            many => {
                let mut parts = Vec::with_capacity(many.len());
                for field in many {
                    parts.push(Part::of(record.get(field)?));
                }
                Some(Key::Many(parts.into_boxed_slice()))
            }
        }
    }

    /// `(field name, value)` pairs for people and JSON.
    pub(crate) fn describe(&self, fields: &[Field]) -> Vec<(String, String)> {
        let parts: &[Part] = match self {
            Key::Empty => &[],
            Key::One(part) => std::slice::from_ref(part),
            Key::Many(parts) => parts,
        };
        fields
            .iter()
            .zip(parts)
            .map(|(field, part)| (field.name().to_owned(), part.show()))
            .collect()
    }
}

/// A value's hash for distinct counting, without copying it.
pub(crate) fn value_hash(hasher: &impl BuildHasher, value: Value<'_>) -> u64 {
    match value {
        Value::Addr(addr) => hasher.hash_one((0u8, addr.0)),
        Value::Number(n) => hasher.hash_one((1u8, number_bits(n))),
        Value::Text(text) => hasher.hash_one((2u8, text)),
    }
}
