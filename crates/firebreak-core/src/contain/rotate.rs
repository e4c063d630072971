//! Secret rotation, the parts without I/O: generating a value, replacing one `NAME=value` line of
//! an env file, and the keyed fingerprint the journal records instead of the value
//! (`secret_rotated` names the secret, the file and the fingerprint — never the value).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A `secret_rotated` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotated {
    /// The variable's name.
    pub name: String,
    /// The file it lives in.
    pub file: String,
    /// HMAC-SHA-256 of the new value under this installation's fingerprint key, first 16 bytes
    /// in hex: shows whether two hosts hold the same value without revealing it.
    pub fingerprint: String,
    /// How the value was made (`hex32`, …), or `given` when read from standard input.
    pub source: String,
    /// The reload command's program, if one ran (its arguments are not recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub then: Option<String>,
    /// 0 when the reload command succeeded, 1 when it failed, absent when none ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub then_status: Option<i32>,
}

impl Rotated {
    /// The timeline line.
    pub fn describe(&self) -> String {
        let then = match (&self.then, self.then_status) {
            (Some(p), Some(0)) => format!(", then {p} succeeded"),
            (Some(p), _) => format!(", then {p} FAILED"),
            _ => String::new(),
        };
        format!(
            "secret {} rotated in {} ({}, fingerprint {}){then}",
            self.name, self.file, self.source, self.fingerprint
        )
    }
}

/// How a new value is generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generate {
    /// N random bytes as lowercase hex.
    Hex(usize),
    /// N random bytes as unpadded base64url.
    Base64Url(usize),
}

impl fmt::Display for Generate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Generate::Hex(n) => write!(f, "hex{n}"),
            Generate::Base64Url(n) => write!(f, "base64url{n}"),
        }
    }
}

impl FromStr for Generate {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "unknown generator {s:?}; use hexN or base64urlN with N random bytes from 16 to 128 (hex32, base64url32)"
            )
        };
        let (kind, n) = if let Some(n) = s.strip_prefix("base64url") {
            (Generate::Base64Url as fn(usize) -> Generate, n)
        } else if let Some(n) = s.strip_prefix("hex") {
            (Generate::Hex as fn(usize) -> Generate, n)
        } else {
            return Err(bad());
        };
        match n.parse::<usize>() {
            Ok(v) if (16..=128).contains(&v) && v.to_string() == n => Ok(kind(v)),
            _ => Err(bad()),
        }
    }
}

/// The operating system gave no random bytes.
#[derive(Debug, thiserror::Error)]
#[error("cannot get random bytes from the operating system: {0}")]
pub struct NoRandom(String);

impl Generate {
    /// A fresh value.
    pub fn value(self) -> Result<String, NoRandom> {
        let n = match self {
            Generate::Hex(n) | Generate::Base64Url(n) => n,
        };
        let mut bytes = vec![0u8; n];
        getrandom::fill(&mut bytes).map_err(|e| NoRandom(e.to_string()))?;
        Ok(match self {
            Generate::Hex(_) => hex::encode(&bytes),
            Generate::Base64Url(_) => base64url(&bytes),
        })
    }
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            let index = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

/// Why an env file's line could not be replaced.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReplaceError {
    /// The name is not a variable name.
    #[error("{0:?} is not a variable name (letters, digits and _, not starting with a digit)")]
    BadName(String),
    /// No line sets it.
    #[error("no line sets {0}; rotate replaces an existing value and adds none")]
    Missing(String),
    /// More than one line sets it.
    #[error("{name} is set on lines {first} and {second}; rotate will not guess which one is used")]
    Twice {
        /// The name.
        name: String,
        /// Line of the first.
        first: usize,
        /// Line of the second.
        second: usize,
    },
    /// The value cannot be written on one line in the line's quoting.
    #[error(
        "the new value cannot be written in {0}'s quoting (it holds a newline, a quote, a space or #)"
    )]
    Unwritable(String),
}

/// `text` with the one line setting `name` given `value`, keeping `export`, indentation and
/// quoting; every other byte is unchanged.
pub fn replace(text: &str, name: &str, value: &str) -> Result<String, ReplaceError> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(ReplaceError::BadName(name.to_string()));
    }
    let mut found: Option<(usize, usize, usize)> = None; // (line, value start, value end)
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let body = line.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start().len();
        let rest = &body[indent..];
        let after_export = rest
            .strip_prefix("export ")
            .map(|r| r.trim_start())
            .unwrap_or(rest);
        let key_at = body.len() - after_export.len();
        if let Some(after) = after_export.strip_prefix(name)
            && let Some(val) = after.strip_prefix('=')
        {
            let start = offset + key_at + name.len() + 1;
            let end = start + val.len();
            if let Some((first, _, _)) = found {
                return Err(ReplaceError::Twice {
                    name: name.to_string(),
                    first: first + 1,
                    second: i + 1,
                });
            }
            found = Some((i, start, end));
        }
        offset += line.len();
    }
    let (_, start, end) = found.ok_or_else(|| ReplaceError::Missing(name.to_string()))?;
    let old = &text[start..end];
    let quote = match old.chars().next() {
        Some(q @ ('"' | '\'')) => Some(q),
        _ => None,
    };
    let unwritable = value.chars().any(|c| c.is_control())
        || match quote {
            Some(q) => value.contains(q) || value.contains('\\') || value.contains('$'),
            None => value
                .chars()
                .any(|c| c.is_whitespace() || "#\"'\\$`".contains(c)),
        };
    if unwritable {
        return Err(ReplaceError::Unwritable(name.to_string()));
    }
    let written = match quote {
        Some(q) => format!("{q}{value}{q}"),
        None => value.to_string(),
    };
    let mut out = String::with_capacity(text.len() + value.len());
    out.push_str(&text[..start]);
    out.push_str(&written);
    out.push_str(&text[end..]);
    Ok(out)
}

/// HMAC-SHA-256(key, value), first 16 bytes in hex.
pub fn fingerprint(key: &[u8], value: &str) -> String {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(value.as_bytes())
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    hex::encode(&outer[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_one_line_keeping_the_rest() {
        let text = "# app\nexport DB_KEY=\"old\"\nAPI_TOKEN=abc\n  OTHER='x'\n";
        assert_eq!(
            replace(text, "API_TOKEN", "f00d").expect("ok"),
            "# app\nexport DB_KEY=\"old\"\nAPI_TOKEN=f00d\n  OTHER='x'\n"
        );
        assert_eq!(
            replace(text, "DB_KEY", "new").expect("ok"),
            "# app\nexport DB_KEY=\"new\"\nAPI_TOKEN=abc\n  OTHER='x'\n"
        );
        assert_eq!(
            replace(text, "OTHER", "y").expect("ok"),
            "# app\nexport DB_KEY=\"old\"\nAPI_TOKEN=abc\n  OTHER='y'\n"
        );
        assert_eq!(
            replace(text, "MISSING", "y"),
            Err(ReplaceError::Missing("MISSING".into()))
        );
        assert!(matches!(
            replace("A=1\nA=2\n", "A", "3"),
            Err(ReplaceError::Twice {
                first: 1,
                second: 2,
                ..
            })
        ));
        assert!(replace(text, "API_TOKEN", "a b").is_err());
        assert!(replace(text, "API_TOKEN", "a\nB=1").is_err());
        assert!(replace(text, "API-TOKEN", "a").is_err());
        // A name that is a prefix of another is not confused with it.
        assert_eq!(
            replace("KEY2=a\nKEY=b\n", "KEY", "c").expect("ok"),
            "KEY2=a\nKEY=c\n"
        );
    }

    #[test]
    fn generates_values_of_the_asked_shape() {
        let v = "hex32"
            .parse::<Generate>()
            .expect("gen")
            .value()
            .expect("random");
        assert_eq!(v.len(), 64);
        assert!(v.bytes().all(|b| b.is_ascii_hexdigit()));
        let v = "base64url32"
            .parse::<Generate>()
            .expect("gen")
            .value()
            .expect("random");
        assert_eq!(v.len(), 43);
        assert!(
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        for bad in ["hex", "hex8", "base64url999", "rot13"] {
            assert!(bad.parse::<Generate>().is_err(), "{bad}");
        }
        assert_eq!(base64url(b"\xfb\xff"), "-_8");
    }

    #[test]
    fn fingerprint_is_hmac_sha256() {
        // RFC 4231 test case 2, truncated to 16 bytes.
        assert_eq!(
            fingerprint(b"Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c7"
        );
    }
}
