//! Guessing an input's format from its first lines, by parsing them with each built-in format
//! and keeping the one that reads the most.

use super::{CriFormat, Format, JsonFormat, SyslogFormat, cri};

/// Lines looked at.
const SAMPLE: usize = 64;

/// See [`Format::detect`].
pub(crate) fn detect(lines: &[&[u8]]) -> Option<Format> {
    let sample: Vec<&[u8]> = lines
        .iter()
        .copied()
        .filter(|line| !line.trim_ascii().is_empty())
        .take(SAMPLE)
        .collect();
    if sample.is_empty() {
        return None;
    }
    let wrapped = sample.iter().filter(|line| cri::is_wrapped(line)).count();
    if wrapped * 2 >= sample.len() {
        let inner: Vec<&[u8]> = sample.iter().filter_map(|l| cri::inner_line(l)).collect();
        return plain(&inner).map(|format| Format::Cri(Box::new(CriFormat::new(format))));
    }
    plain(&sample)
}

/// The best plain (unwrapped) format for `sample`'s non-empty lines.
fn plain(lines: &[&[u8]]) -> Option<Format> {
    let sample: Vec<&[u8]> = lines
        .iter()
        .copied()
        .filter(|line| !line.trim_ascii().is_empty())
        .collect();
    if sample.is_empty() {
        return None;
    }
    // In order of preference: a later format must read strictly more lines to win.
    let candidates = [
        Format::VhostCombined,
        Format::Combined,
        Format::Common,
        Format::NginxError,
        Format::ApacheError,
        Format::Audit,
        Format::Syslog(SyslogFormat::new(None)),
        Format::Json(JsonFormat::default()),
    ];
    let mut best: Option<(usize, Format)> = None;
    for candidate in candidates {
        let read = sample
            .iter()
            .filter(|line| candidate.parse(line).is_ok())
            .count();
        if read > 0
            && read * 2 >= sample.len()
            && best.as_ref().is_none_or(|(most, _)| read > *most)
        {
            best = Some((read, candidate));
        }
    }
    best.map(|(_, format)| format)
}
