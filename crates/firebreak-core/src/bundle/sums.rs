//! SHA256SUMS: the text `sha256sum -c` reads, one `<hex>  <member>` line per member. It is not
//! signed; it exists so an extracted bundle can be checked with standard tools, and `verify`
//! only requires it to agree with what it measured.

use super::{BundleError, is_sha256_hex};

/// The file's text for `(member, digest)` pairs, in member order.
pub(super) fn encode<'a>(members: impl IntoIterator<Item = (&'a str, &'a [u8; 32])>) -> Vec<u8> {
    let mut out = String::new();
    for (name, digest) in members {
        out.push_str(&hex::encode(digest));
        out.push_str("  ");
        out.push_str(name);
        out.push('\n');
    }
    out.into_bytes()
}

/// Checks the file lists exactly `members`, each once, with the digest measured.
pub(super) fn check(bytes: &[u8], members: &[(String, [u8; 32])]) -> Result<(), BundleError> {
    let bad = |what: String| BundleError::Sums(what);
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8 text".into()))?;
    let mut listed = std::collections::HashMap::with_capacity(members.len());
    for (i, line) in text.lines().enumerate() {
        let parsed = line
            .split_once("  ")
            .filter(|(digest, name)| is_sha256_hex(digest) && !name.is_empty());
        let Some((digest, name)) = parsed else {
            return Err(bad(format!("line {} is not \"<sha256>  <member>\"", i + 1)));
        };
        if listed.insert(name, digest).is_some() {
            return Err(bad(format!("lists {name:?} twice")));
        }
    }
    for (name, digest) in members {
        let actual = hex::encode(digest);
        match listed.remove(name.as_str()) {
            None => return Err(bad(format!("does not list {name}"))),
            Some(expected) if expected != actual => {
                return Err(bad(format!(
                    "{name}: its SHA-256 is {actual}, SHA256SUMS says {expected} (altered?)"
                )));
            }
            Some(_) => {}
        }
    }
    match listed.into_keys().min() {
        Some(extra) => Err(bad(format!("lists {extra:?}, which is not in the bundle"))),
        None => Ok(()),
    }
}
