//! Apache `vhost_combined` lines: the virtual host and its port, then a `combined` line.
//!
//! ```text
//! vhost_combined = server-name ":" port SP combined
//! ```
//!
//! The client is the second field, so the line is read as the `combined` line after the first
//! space. The first field must look like a server name with a port (`www.example.com:443`,
//! `[2001:db8::1]:443`) and the `combined` line must name a client: a plain `combined` line
//! (whose first field is an address without a port) is never taken for this format, which
//! keeps detection honest. The virtual host is kept as the extra field `vhost`.

use std::borrow::Cow;

use memchr::{memchr, memrchr};

use super::Malformed;
use super::combined::{self, Access};
use super::fields::Client;
use crate::record::Record;

/// Parses a `vhost_combined` line.
pub(crate) fn parse(line: &[u8]) -> Result<Record<'_>, Malformed> {
    let (vhost, access) = split(line)?;
    let mut record = access.into_record();
    record
        .extra
        .push((Cow::Borrowed("vhost"), Cow::Borrowed(vhost)));
    Ok(record)
}

/// The `combined` fields of a `vhost_combined` line (triage's hot path).
#[inline]
pub(crate) fn access(line: &[u8]) -> Result<Access<'_>, Malformed> {
    split(line).map(|(_, access)| access)
}

/// The virtual host and the `combined` fields after it.
fn split(line: &[u8]) -> Result<(&[u8], Access<'_>), Malformed> {
    let space = memchr(b' ', line)
        .ok_or_else(|| Malformed::at(line.len(), "expected a space after the virtual host"))?;
    let vhost = &line[..space];
    if !server_with_port(vhost) {
        return Err(Malformed::at(
            0,
            "expected a virtual host like www.example.com:443",
        ));
    }
    let at = space + 1;
    let access = combined::access(&line[at..], true).map_err(|e| Malformed {
        column: e.column.saturating_add(at),
        reason: e.reason,
    })?;
    if matches!(access.client, Client::Absent) {
        return Err(Malformed::at(
            at,
            "expected a client address after the virtual host",
        ));
    }
    Ok((vhost, access))
}

/// `name:port` or `[v6]:port`: printable, a port of one to five digits, and no other colon
/// outside brackets (an IPv6 client of a plain `combined` line is not a virtual host).
fn server_with_port(text: &[u8]) -> bool {
    let Some(colon) = memrchr(b':', text) else {
        return false;
    };
    let (host, port) = (&text[..colon], &text[colon + 1..]);
    let port_ok = (1..=5).contains(&port.len()) && port.iter().all(u8::is_ascii_digit);
    let host_ok = match host.strip_prefix(b"[") {
        Some(inner) => inner.len() > 1 && inner.ends_with(b"]"),
        None => !host.is_empty() && memchr(b':', host).is_none(),
    };
    port_ok && host_ok && host.len() <= 255 && host.iter().all(u8::is_ascii_graphic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_names_with_ports_only() {
        for good in [
            "www.example.com:443",
            "a:80",
            "[2001:db8::1]:8443",
            "192.0.2.1:80",
        ] {
            assert!(server_with_port(good.as_bytes()), "{good}");
        }
        for bad in [
            "www.example.com",
            "2001:db8::1",
            "a:",
            ":80",
            "a:123456",
            "[]:80",
            "a:8x",
        ] {
            assert!(!server_with_port(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn the_client_is_the_second_field() {
        let line = br#"www.example.com:443 203.0.113.9 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 12 "-" "curl/8""#;
        let record = parse(line).expect("parses");
        assert_eq!(
            record.client.map(|a| a.to_string()).as_deref(),
            Some("203.0.113.9")
        );
        assert!(record.user.is_none());
        // A plain combined line is not read as this format, IPv6 client or not.
        let plain =
            br#"2001:db8::1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 12 "-" "curl/8""#;
        assert!(parse(plain).is_err());
        assert!(parse(&line[20..]).is_err());
    }
}
