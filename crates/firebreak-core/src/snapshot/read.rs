//! Bounded reading for the collectors, and the two encodings every part shares: text that may
//! not be UTF-8, and the list of problems. No collector reads a file any other way, so no file
//! can make a snapshot read without limit.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use serde_json::{Map, Value};

/// The longest line kept whole; longer lines are cut here.
pub(super) const LINE_MAX: usize = 8 * 1024;

/// Reads at most `max` bytes from the start of a file; says whether there was more. Files in
/// `/proc` report a size of 0, so the bound, not the size, ends the read.
pub(super) fn head(path: &Path, max: usize) -> io::Result<(Vec<u8>, bool)> {
    let file = File::open(path)?;
    let mut bytes = Vec::with_capacity(max.min(4096));
    file.take(max as u64 + 1).read_to_end(&mut bytes)?;
    let more = bytes.len() > max;
    bytes.truncate(max);
    Ok((bytes, more))
}

/// Reads at most the last `max` bytes of a file, starting at a line boundary; says whether
/// anything before them was left unread.
pub(super) fn tail(path: &Path, max: usize) -> io::Result<(Vec<u8>, bool)> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    if len <= max as u64 {
        // Also the path for files whose size is not known (pipes, /proc): read up to the bound.
        drop(file);
        return head(path, max);
    }
    // One byte more than asked: if it is a newline, the first line read is whole.
    file.seek(SeekFrom::Start(len - max as u64 - 1))?;
    let mut bytes = Vec::with_capacity(max + 1);
    file.take(max as u64 + 1).read_to_end(&mut bytes)?;
    // Drop the (most likely) cut first line rather than report half a line.
    let start = bytes
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| i + 1);
    bytes.drain(..start);
    Ok((bytes, true))
}

/// The lines of `bytes` without their `\n` (nor a `\r` before it), each cut to [`LINE_MAX`].
pub(super) fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.split(|&b| b == b'\n').filter_map(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            None
        } else {
            Some(&line[..line.len().min(LINE_MAX)])
        }
    })
}

/// Puts `bytes` into `object` under `key` as text, adding `<key>_hex` with the exact bytes when
/// they are not UTF-8.
pub(super) fn put_text(object: &mut Map<String, Value>, key: &str, bytes: &[u8]) {
    let (text, hex) = crate::evidence::text_and_hex(bytes);
    object.insert(key.to_string(), Value::from(text));
    if let Some(hex) = hex {
        object.insert(format!("{key}_hex"), Value::from(hex));
    }
}

/// Like [`put_text`] for a list (a command line's arguments): `<key>_hex` holds every item in
/// hex when any of them is not UTF-8.
pub(super) fn put_text_list(object: &mut Map<String, Value>, key: &str, items: &[&[u8]]) {
    let text: Vec<Value> = items
        .iter()
        .map(|b| Value::from(String::from_utf8_lossy(b).into_owned()))
        .collect();
    object.insert(key.to_string(), Value::Array(text));
    if items.iter().any(|b| std::str::from_utf8(b).is_err()) {
        let hex = items.iter().map(|b| Value::from(hex::encode(b))).collect();
        object.insert(format!("{key}_hex"), Value::Array(hex));
    }
}

/// `1 line`, `2 lines`.
pub(super) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// An I/O error as a short phrase for a problem line.
pub(super) fn describe(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::NotFound => "not found".to_string(),
        _ => error.to_string(),
    }
}

/// Whether an error means the process being read has gone (`ENOENT`, or `ESRCH` from a
/// process that is exiting).
pub(super) fn is_gone(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::NotFound
        || error.raw_os_error() == Some(rustix::io::Errno::SRCH.raw_os_error())
}

/// Whether an error is a refusal (`EACCES`, `EPERM`).
pub(super) fn is_denied(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::PermissionDenied
}

/// What a part could not read, bounded: after [`Problems::MAX`] lines only a count is kept.
#[derive(Debug, Default)]
pub(super) struct Problems {
    lines: Vec<String>,
    more: usize,
}

impl Problems {
    /// Lines kept before counting the rest.
    pub(super) const MAX: usize = 100;

    /// Records one problem.
    pub(super) fn push(&mut self, line: impl Into<String>) {
        if self.lines.len() < Self::MAX {
            self.lines.push(line.into());
        } else {
            self.more += 1;
        }
    }

    /// Records that `path` could not be read.
    pub(super) fn io(&mut self, path: &Path, error: &io::Error) {
        self.push(format!("{}: {}", path.display(), describe(error)));
    }

    /// The lines, and a last one counting those not kept.
    pub(super) fn finish(mut self) -> Vec<String> {
        if self.more > 0 {
            self.lines.push(format!(
                "… and {} not listed",
                count(self.more, "more problem", "more problems")
            ));
        }
        self.lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_stops_at_the_bound_and_says_so() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("f");
        std::fs::write(&path, b"0123456789").expect("write");
        assert_eq!(
            head(&path, 4).expect("read"),
            (b"0123".to_vec(), true),
            "cut"
        );
        assert_eq!(
            head(&path, 10).expect("read"),
            (b"0123456789".to_vec(), false)
        );
    }

    #[test]
    fn tail_starts_at_a_whole_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("f");
        std::fs::write(&path, b"first line\nsecond\nthird\n").expect("write");
        // Starting just after a newline keeps that line; starting inside one drops it.
        assert_eq!(
            tail(&path, 13).expect("read"),
            (b"second\nthird\n".to_vec(), true)
        );
        assert_eq!(tail(&path, 12).expect("read"), (b"third\n".to_vec(), true));
        assert_eq!(
            tail(&path, 100).expect("read").0,
            b"first line\nsecond\nthird\n".to_vec()
        );
    }

    #[test]
    fn lines_drop_carriage_returns_and_cut_long_lines() {
        let long = vec![b'x'; LINE_MAX + 10];
        let mut bytes = b"a\r\n\nb\n".to_vec();
        bytes.extend_from_slice(&long);
        let got: Vec<&[u8]> = lines(&bytes).collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], b"a");
        assert_eq!(got[1], b"b");
        assert_eq!(got[2].len(), LINE_MAX);
    }

    #[test]
    fn text_that_is_not_utf8_keeps_its_bytes_in_hex() {
        let mut object = Map::new();
        put_text(&mut object, "path", b"/tmp/ok");
        put_text(&mut object, "exe", b"/tmp/\xffbad");
        put_text_list(&mut object, "cmdline", &[b"a", b"\xfe"]);
        assert_eq!(
            Value::Object(object),
            serde_json::json!({
                "path": "/tmp/ok",
                "exe": "/tmp/\u{fffd}bad",
                "exe_hex": "2f746d702fff626164",
                "cmdline": ["a", "\u{fffd}"],
                "cmdline_hex": ["61", "fe"],
            })
        );
    }

    #[test]
    fn problems_are_bounded_and_counted() {
        let mut problems = Problems::default();
        for i in 0..Problems::MAX + 5 {
            problems.push(format!("p{i}"));
        }
        let lines = problems.finish();
        assert_eq!(lines.len(), Problems::MAX + 1);
        assert_eq!(lines[Problems::MAX], "… and 5 more problems not listed");
        assert_eq!(count(1, "line", "lines"), "1 line");
        assert_eq!(count(0, "line", "lines"), "0 lines");
    }
}
