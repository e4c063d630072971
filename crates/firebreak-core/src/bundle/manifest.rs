//! manifest.json: its fields, its canonical encoding (the bytes that are signed), and the checks
//! a manifest read back from a bundle must pass before anything in it is trusted. Whether the
//! members agree with it is `verify.rs`'s business.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{BundleError, FORMAT, JOURNAL, bad_item_id, is_sha256_hex, item_member};
use crate::id::IncidentId;

/// What a bundle says it holds; signed as canonical JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The incident exported.
    pub incident: IncidentId,
    /// When the bundle was made (RFC 3339).
    pub created_at: Timestamp,
    /// Who made it.
    pub created_by: String,
    /// On which host.
    pub host: String,
    /// The signing key, hex.
    pub key: String,
    /// The evidence items, in member order.
    pub items: Vec<ManifestItem>,
    /// Chain-of-custody records, as the exporter gave them.
    pub custody: Vec<Value>,
    /// The journal member.
    pub journal: JournalRef,
}

/// One evidence item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestItem {
    /// Its id, e.g. `E1`; also its member name under `items/`.
    pub id: String,
    /// Its member name, `items/<id>`.
    pub file: String,
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
    /// Its length in bytes.
    pub size: u64,
    /// Everything else the exporter recorded about it (original path, collector, time…).
    #[serde(flatten)]
    pub metadata: Map<String, Value>,
}

/// The journal member as the manifest pins it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalRef {
    /// Its member name, always `journal.jsonl`.
    pub file: String,
    /// How many events it holds.
    pub events: u64,
    /// The hash of the last event (hex; all zeros when there are none).
    pub head: String,
    /// SHA-256 of the member's bytes, lowercase hex.
    pub sha256: String,
}

/// Keys of an item object that the format owns; metadata may not use them.
pub(super) const RESERVED_ITEM_KEYS: [&str; 4] = ["id", "file", "sha256", "size"];

/// `value` with the keys of every object, at every depth, in sorted order. The workspace
/// enables serde_json's `preserve_order`, so maps keep insertion order and must be rebuilt.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(values) => Value::Array(values.into_iter().map(sorted).collect()),
        other => other,
    }
}

impl Manifest {
    /// The canonical encoding: compact JSON, keys sorted by their UTF-8 bytes at every depth.
    /// These are the bytes that are signed.
    pub fn to_canonical_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&sorted(serde_json::to_value(self)?))
    }

    /// Reads and checks a manifest: the format is checked first, so a newer bundle is reported
    /// as such rather than as a list of unknown fields.
    pub fn parse(bytes: &[u8]) -> Result<Self, BundleError> {
        let bad = |what: String| BundleError::Manifest(what);
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| bad(format!("not JSON: {e}")))?;
        match value.get("format") {
            Some(Value::String(format)) if format == FORMAT => {}
            Some(Value::String(format)) => {
                return Err(bad(format!(
                    "format {format:?} is not supported (this firebreak reads {FORMAT:?})"
                )));
            }
            _ => return Err(bad(format!("no \"format\": {FORMAT:?} field"))),
        }
        let manifest: Manifest = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
        manifest.check().map_err(bad)?;
        Ok(manifest)
    }

    /// The rules a well-formed manifest follows beyond its field types.
    fn check(&self) -> Result<(), String> {
        if !is_hex(&self.key, 32) {
            return Err(format!("key {:?} is not 64 hex characters", self.key));
        }
        let mut ids = std::collections::HashSet::new();
        for item in &self.items {
            if let Some(why) = bad_item_id(&item.id) {
                return Err(format!("item id {:?}: {why}", item.id));
            }
            if !ids.insert(item.id.as_str()) {
                return Err(format!("item {} is listed twice", item.id));
            }
            if item.file != item_member(&item.id) {
                return Err(format!(
                    "item {} has file {:?}; it must be {:?}",
                    item.id,
                    item.file,
                    item_member(&item.id)
                ));
            }
            if !is_sha256_hex(&item.sha256) {
                return Err(format!(
                    "item {}: sha256 is not a lowercase hex SHA-256",
                    item.id
                ));
            }
        }
        let journal = &self.journal;
        if journal.file != JOURNAL {
            return Err(format!(
                "journal file is {:?}; it must be {JOURNAL:?}",
                journal.file
            ));
        }
        if !is_sha256_hex(&journal.sha256) {
            return Err("journal sha256 is not a lowercase hex SHA-256".into());
        }
        if !is_hex(&journal.head, 32) {
            return Err("journal head is not a hex hash".into());
        }
        Ok(())
    }
}

fn is_hex(text: &str, bytes: usize) -> bool {
    text.len() == 2 * bytes && text.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth_whatever_the_insertion_order() {
        let value = serde_json::json!({"b": 1, "a": {"z": [{"y": 1, "x": 2}], "c": null}});
        let bytes = serde_json::to_vec(&sorted(value)).expect("json");
        assert_eq!(
            String::from_utf8(bytes).expect("utf-8"),
            r#"{"a":{"c":null,"z":[{"x":2,"y":1}]},"b":1}"#
        );
    }

    #[test]
    fn a_newer_format_is_named_as_such() {
        let err =
            Manifest::parse(br#"{"format":"firebreak-bundle/2","extra":1}"#).expect_err("refused");
        assert!(
            err.to_string()
                .contains("\"firebreak-bundle/2\" is not supported"),
            "{err}"
        );
    }
}
