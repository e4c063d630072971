//! Values that must never be shown: webhook URLs, HMAC keys, SMTP passwords. The config holds
//! either the value itself or `env:NAME`, which is read from the environment only when a
//! message is sent. Neither form is ever printed, logged or journaled in full.

use std::fmt;

/// Where a secret comes from, as written in the config.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// Written in the config file.
    Literal(String),
    /// The named environment variable (`env:NAME` in the file).
    Env(String),
}

/// A resolved secret value. `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The value, for the one place that needs it (an HTTP request, an SMTP login).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Debug for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown())
    }
}

impl SecretRef {
    /// Reads `env:NAME` or a literal value; `None` for an empty value or an empty name.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        match text.strip_prefix("env:") {
            Some(name) if !name.is_empty() && !name.contains(char::is_whitespace) => {
                Some(Self::Env(name.to_string()))
            }
            Some(_) => None,
            None if text.is_empty() => None,
            None => Some(Self::Literal(text.to_string())),
        }
    }

    /// How the secret is shown: `$NAME` for the environment, `***` for a literal.
    pub fn shown(&self) -> String {
        match self {
            Self::Literal(_) => "***".into(),
            Self::Env(name) => format!("${name}"),
        }
    }

    /// The value, or why it is not available (the variable is unset or empty).
    pub fn resolve(&self) -> Result<Secret, String> {
        match self {
            Self::Literal(v) => Ok(Secret(v.clone())),
            Self::Env(name) => match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => Ok(Secret(v.trim().to_string())),
                _ => Err(format!("environment variable {name} is not set")),
            },
        }
    }
}

/// Replaces every occurrence of each secret value in `text` with `***`: error texts from HTTP
/// and SMTP libraries may quote the URL or the login they were given.
pub fn scrub(text: &str, secrets: &[&Secret]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        if s.0.len() >= 4 {
            out = out.replace(&s.0, "***");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_their_value() {
        let lit = SecretRef::parse("https://hooks.example/T000/B000/XXXX").expect("literal");
        assert_eq!(format!("{lit:?}"), "***");
        let value = lit.resolve().expect("literal resolves");
        assert_eq!(format!("{value} {value:?}"), "*** ***");
        assert_eq!(
            scrub(
                "POST https://hooks.example/T000/B000/XXXX failed",
                &[&value]
            ),
            "POST *** failed"
        );
        let env = SecretRef::parse("env:FIREBREAK_TEST_UNSET_VARIABLE").expect("env");
        assert_eq!(env.shown(), "$FIREBREAK_TEST_UNSET_VARIABLE");
        assert!(env.resolve().expect_err("unset").contains("is not set"));
        assert!(SecretRef::parse("env:").is_none());
        assert!(SecretRef::parse("  ").is_none());
    }
}
