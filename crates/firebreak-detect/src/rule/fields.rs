//! Field names as rules write them: which record field each names (aliases and `extra.NAME`
//! included, misspellings answered with the closest name), how its values compare, and the
//! presence bits that let the engine skip rules needing a field a line lacks.

use crate::record::{Field, Record};

/// Names of the record's own fields, as rules may write them (aliases included). Any other
/// field is written `extra.NAME`.
pub(crate) const FIELD_NAMES: [&str; 23] = [
    "time",
    "client",
    "addr",
    "remote_addr",
    "ip",
    "method",
    "path",
    "protocol",
    "status",
    "bytes",
    "referer",
    "agent",
    "user_agent",
    "user",
    "request_time",
    "upstream_time",
    "forwarded_for",
    "host",
    "program",
    "message",
    "event",
    "auth_method",
    "extra.NAME",
];

/// How a field's values compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldKind {
    Number,
    Address,
    Event,
    Text,
}

pub(crate) fn kind_of(field: &Field) -> FieldKind {
    match field {
        Field::Time | Field::Status | Field::Bytes | Field::RequestTime | Field::UpstreamTime => {
            FieldKind::Number
        }
        Field::Client => FieldKind::Address,
        Field::Event => FieldKind::Event,
        _ => FieldKind::Text,
    }
}

/// The field a rule names: a record field (aliases accepted) or `extra.NAME`.
pub(crate) fn resolve_field(name: &str) -> Result<Field, String> {
    if let Some(extra) = name.strip_prefix("extra.") {
        if extra.is_empty() {
            return Err("`extra.` needs a field name after it".into());
        }
        return Ok(Field::Extra(extra.to_owned()));
    }
    match Field::named(name) {
        Field::Extra(_) => {
            let hint = closest(name)
                .map(|n| format!("did you mean {n:?}? "))
                .unwrap_or_default();
            Err(format!(
                "unknown field {name:?}: {hint}fields are {}; other fields a format provides \
                 are written extra.NAME",
                FIELD_NAMES[..FIELD_NAMES.len() - 1].join(", ")
            ))
        }
        field => Ok(field),
    }
}

fn closest(name: &str) -> Option<&'static str> {
    FIELD_NAMES[..FIELD_NAMES.len() - 1]
        .iter()
        .map(|known| (edit_distance(name, known), *known))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, known)| known)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

/// A bit per record field a line may lack (extra fields have none), for skipping rules that
/// need a field the line does not have.
pub(crate) fn field_bit(field: &Field) -> u32 {
    match field {
        Field::Time => 1,
        Field::Client => 1 << 1,
        Field::Method => 1 << 2,
        Field::Path => 1 << 3,
        Field::Protocol => 1 << 4,
        Field::Status => 1 << 5,
        Field::Bytes => 1 << 6,
        Field::Referer => 1 << 7,
        Field::Agent => 1 << 8,
        Field::User => 1 << 9,
        Field::RequestTime => 1 << 10,
        Field::UpstreamTime => 1 << 11,
        Field::ForwardedFor => 1 << 12,
        Field::Host => 1 << 13,
        Field::Program => 1 << 14,
        Field::Message => 1 << 15,
        Field::Event => 1 << 16,
        Field::AuthMethod => 1 << 17,
        Field::Extra(_) => 0,
    }
}

/// The bits of the fields a record has.
pub(crate) fn presence(r: &Record<'_>) -> u32 {
    let bits = [
        r.time.is_some(),
        r.client.is_some(),
        r.method.is_some(),
        r.path.is_some(),
        r.protocol.is_some(),
        r.status.is_some(),
        r.bytes.is_some(),
        r.referer.is_some(),
        r.agent.is_some(),
        r.user.is_some(),
        r.request_time.is_some(),
        r.upstream_time.is_some(),
        r.forwarded_for.is_some(),
        r.host.is_some(),
        r.program.is_some(),
        r.message.is_some(),
        r.event.is_some(),
        r.auth_method.is_some(),
    ];
    bits.iter()
        .enumerate()
        .fold(0, |mask, (i, has)| mask | (u32::from(*has) << i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_suggest_the_closest() {
        let message = resolve_field("stauts").expect_err("unknown");
        assert!(message.contains("did you mean \"status\""), "{message}");
        assert_eq!(
            resolve_field("extra.api_key"),
            Ok(Field::Extra("api_key".into()))
        );
        assert_eq!(resolve_field("ip"), Ok(Field::Client));
    }
}
