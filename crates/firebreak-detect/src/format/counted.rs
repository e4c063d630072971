//! What triage counts of one line: the few fields its tables read. Access-log lines
//! (`combined`, `common`, `vhost_combined`, and those wrapped by a container runtime) fill
//! them straight from the parser's borrowed fields, and JSON lines straight from the values
//! their walk kept, so the hot loop neither builds nor moves a whole [`Record`]; other formats
//! give a record whose fields are moved over.

use crate::Addr;
use crate::format::{Access, Client, Format, Malformed};
use crate::record::{Event, Record, Text};

/// The fields of a line that triage counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Counted<'a> {
    pub(crate) time: Option<i64>,
    pub(crate) client: Option<Addr>,
    pub(crate) method: Option<Text<'a>>,
    pub(crate) path: Option<Text<'a>>,
    pub(crate) status: Option<u16>,
    pub(crate) bytes: Option<u64>,
    pub(crate) agent: Option<Text<'a>>,
    pub(crate) user: Option<Text<'a>>,
    pub(crate) event: Option<Event>,
}

impl<'a> Counted<'a> {
    /// Reads one line (without its newline) in `format` into `self`, in place (a hot loop's
    /// slot). A line is malformed exactly when [`Format::parse`] says so; `self` may then
    /// hold part of the line and must not be counted.
    #[inline]
    pub(crate) fn read(&mut self, format: &Format, line: &'a [u8]) -> Result<(), Malformed> {
        match (format.access(line), format) {
            (Some(access), _) => self.fill(access?),
            (None, Format::Json(json)) => json.read_counted(line, self)?,
            (None, _) => *self = Counted::from(format.parse(line)?),
        }
        Ok(())
    }

    /// Takes an access-log line's fields, one by one: assigning a whole new `Counted` built
    /// from them went through a temporary and a copy.
    #[inline]
    fn fill(&mut self, access: Access<'a>) {
        self.time = Some(access.time);
        self.client = match access.client {
            Client::Addr(addr) => Some(addr),
            Client::Absent | Client::Name(_) => None,
        };
        self.method = access.parts.map(|parts| Text::Borrowed(parts.method));
        access.path().text_into(&mut self.path);
        self.status = access.status;
        self.bytes = access.bytes;
        access.agent.text_into(&mut self.agent);
        self.user = access.user.map(Text::Borrowed);
        self.event = None;
    }
}

impl<'a> From<Record<'a>> for Counted<'a> {
    fn from(record: Record<'a>) -> Counted<'a> {
        Counted {
            time: record.time,
            client: record.client,
            method: record.method,
            path: record.path,
            status: record.status,
            bytes: record.bytes,
            agent: record.agent,
            user: record.user,
            event: record.event,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The short way and the record's way agree, escapes, names and odd requests included.
    #[test]
    fn access_lines_read_as_their_records_do() {
        let lines: [&[u8]; 7] = [
            br#"203.0.113.9 - - [10/Oct/2000:13:55:36 -0700] "GET /a?b=1 HTTP/1.1" 200 2326 "-" "curl/8""#,
            br#"2001:db8::1 - alice [10/Oct/2000:13:55:36 +0000] "POST /login HTTP/2.0" 401 - "https://x/" "Mozilla/5.0""#,
            br#"host.example - bob [10/Oct/2000:13:55:36 +0000] "GET /q\"x HTTP/1.1" 404 0 "-" "say \"hi\"""#,
            br#"- - - [10/Oct/2000:13:55:36 +0000] "-" 400 0 "-" "-""#,
            br#"198.51.100.7 - - [10/Oct/2000:13:55:36 +0000] "\x16\x03\x01" 400 157 "-" "-" extra"#,
            br#"198.51.100.7 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.0" 000 - "" """#,
            br#"198.51.100.7 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.0" 200 12"#,
        ];
        for format in [Format::Combined, Format::Common] {
            for line in lines {
                let mut counted = Counted::default();
                let short = counted.read(&format, line).map(|()| counted);
                let long = format.parse(line).map(Counted::from);
                assert_eq!(short, long, "{}", String::from_utf8_lossy(line));
            }
        }
        // Wrapped by a container runtime, the inner line's fields are read the same way.
        let wrapped = Format::Cri(Box::new(crate::format::CriFormat::new(Format::Combined)));
        for line in lines {
            let line = [&b"2026-01-01T00:00:00.5Z stdout F "[..], line].concat();
            let mut counted = Counted::default();
            let short = counted.read(&wrapped, &line).map(|()| counted);
            let long = wrapped.parse(&line).map(Counted::from);
            assert_eq!(short, long, "{}", String::from_utf8_lossy(&line));
        }
        let mut counted = Counted::default();
        counted.read(&Format::Combined, lines[2]).expect("parses");
        assert_eq!(counted.path.as_deref(), Some(&br#"/q"x"#[..]));
        assert_eq!(counted.agent.as_deref(), Some(&br#"say "hi""#[..]));
        assert_eq!(counted.user.as_deref(), Some(&b"bob"[..]));
    }
}
