//! Lines wrapped by a container runtime (the CRI log format of containerd and CRI-O, which
//! Kubernetes keeps under `/var/log/pods`):
//!
//! ```text
//! cri-line = rfc3339-nano-time SP stream SP tag SP inner-line
//! stream   = "stdout" / "stderr"
//! tag      = "F" / "P" [":" more tags]      ; F: a full line, P: part of a longer one
//! ```
//!
//! The wrapper is stripped and the inner line is read in its own format — a JSON access log,
//! `combined`, … — found by detection on the inner lines. A record whose inner line carries no
//! time takes the wrapper's. A `P` line is part of a line too long for the runtime's buffer;
//! reading joins a run of them to the `F` line that ends it ([`crate::input`]), so the parser
//! only meets one when the run could not be joined (cut off by the end of the input, or longer
//! than [`crate::input::MAX_JOINED`]), and counts it as unparsed, never guessed at.

use memchr::memchr;

use super::{Access, Format, Malformed};
use crate::record::Record;
use crate::time;

/// A container runtime's wrapper around lines of another format.
#[derive(Debug, Clone)]
pub struct CriFormat {
    inner: Format,
    label: String,
}

/// What the wrapper says of its line.
pub(crate) struct Wrapper {
    time: i64,
    /// `stderr` rather than `stdout`.
    pub(crate) stderr: bool,
    /// Tagged `P`: part of a longer line.
    pub(crate) partial: bool,
    /// Where the tag starts.
    pub(crate) tag_at: usize,
    /// Where the inner line starts.
    pub(crate) at: usize,
}

impl CriFormat {
    /// Wrapped lines of `inner`.
    pub fn new(inner: Format) -> CriFormat {
        let label = format!("cri+{}", inner.name());
        CriFormat { inner, label }
    }

    /// `cri+` and the inner format's name.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The format of the inner lines.
    pub fn inner(&self) -> &Format {
        &self.inner
    }

    /// Parses one wrapped line.
    pub fn parse<'a>(&self, line: &'a [u8]) -> Result<Record<'a>, Malformed> {
        let wrapper = full(line)?;
        let mut record = self
            .inner
            .parse(&line[wrapper.at..])
            .map_err(|e| shifted(e, wrapper.at))?;
        record.time.get_or_insert(wrapper.time);
        Ok(record)
    }

    /// The inner line's access-log fields, when its format has them.
    #[inline]
    pub(crate) fn access<'a>(&self, line: &'a [u8]) -> Option<Result<Access<'a>, Malformed>> {
        let wrapper = match full(line) {
            Ok(wrapper) => wrapper,
            Err(e) => return Some(Err(e)),
        };
        let found = self.inner.access(&line[wrapper.at..])?;
        Some(found.map_err(|e| shifted(e, wrapper.at)))
    }
}

/// The inner line of a wrapped line, `None` when `line` has no wrapper or is a `P` part.
pub(crate) fn inner_line(line: &[u8]) -> Option<&[u8]> {
    match wrapper(line) {
        Ok(Wrapper {
            partial: false, at, ..
        }) => line.get(at..),
        _ => None,
    }
}

/// Whether `line` starts with a wrapper, full or partial.
pub(crate) fn is_wrapped(line: &[u8]) -> bool {
    wrapper(line).is_ok()
}

/// The wrapper of a full line; a partial one is an error.
fn full(line: &[u8]) -> Result<Wrapper, Malformed> {
    let wrapper = wrapper(line)?;
    if wrapper.partial {
        return Err(Malformed::at(
            wrapper.at,
            "a partial line (tag P) from the container runtime that could not be joined: its \
             run ended without a full (F) line or ran past 1 MiB",
        ));
    }
    Ok(wrapper)
}

/// The wrapper of a line, full or partial.
pub(crate) fn wrapper(line: &[u8]) -> Result<Wrapper, Malformed> {
    const TIME: &str = "expected an RFC 3339 time like 2026-01-01T00:00:00.123456789Z";
    let (time, used) = time::iso8601_prefix(line).ok_or_else(|| Malformed::at(0, TIME))?;
    if line.get(used) != Some(&b' ') {
        return Err(Malformed::at(used, TIME));
    }
    let stream_at = used + 1;
    let rest = line.get(stream_at..).unwrap_or_default();
    if !(rest.starts_with(b"stdout ") || rest.starts_with(b"stderr ")) {
        return Err(Malformed::at(stream_at, "expected `stdout` or `stderr`"));
    }
    let tag_at = stream_at + 7;
    let tags = line.get(tag_at..).unwrap_or_default();
    let tag_len = memchr(b' ', tags).unwrap_or(tags.len());
    let partial = match tags[..tag_len].split(|&b| b == b':').next() {
        Some(b"F") => false,
        Some(b"P") => true,
        _ => return Err(Malformed::at(tag_at, "expected the tag F or P")),
    };
    let at = (tag_at + tag_len + 1).min(line.len());
    Ok(Wrapper {
        time,
        stderr: rest.starts_with(b"stderr"),
        partial,
        tag_at,
        at,
    })
}

fn shifted(error: Malformed, by: usize) -> Malformed {
    Malformed {
        column: error.column.saturating_add(by),
        reason: error.reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrappers_are_read_and_partials_refused() {
        let part = CriFormat::new(Format::Combined).parse(b"2026-01-01T00:00:00Z stdout P x");
        assert!(part.is_err_and(|e| e.reason.contains("could not be joined")));
        let line = b"2026-01-01T00:00:00.123456789Z stdout F hello world";
        assert_eq!(inner_line(line), Some(&b"hello world"[..]));
        assert_eq!(inner_line(b"2026-01-01T00:00:00Z stderr F"), Some(&b""[..]));
        assert_eq!(inner_line(b"2026-01-01T00:00:00Z stdout P part"), None);
        assert!(is_wrapped(b"2026-01-01T00:00:00Z stdout P part"));
        for bad in [
            &b"2026-01-01T00:00:00Z stdin F x"[..],
            b"2026-01-01T00:00:00Z stdout X x",
            b"2026-01-01T00:00:00Z stdout ",
            b"2026-01-01T00:00:00Zstdout F x",
            b"Jan  1 00:00:00 host app: x",
            b"",
        ] {
            assert!(!is_wrapped(bad), "{}", String::from_utf8_lossy(bad));
        }
    }
}
