//! Access-log lines relayed through syslog: nginx's `access_log syslog:server=…` (tag `nginx`)
//! and Apache piping to `logger` (tags `httpd`, `apache`, `apache2`) send the whole
//! `combined` or `common` line as the syslog message:
//!
//! ```text
//! <190>Nov 20 10:00:00 web1 nginx: 203.0.113.9 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 …
//! ```
//!
//! Such a message is read as the access line it holds — client (its first field, never
//! anything later in the line), request, status, size, referer and agent — so per-address
//! and HTTP rules see it. The syslog host and program are kept; the time is the access
//! line's, which carries its zone. A message that is no access line stays a plain message
//! with no client.

use super::combined;
use crate::record::Record;

/// Programs whose messages may be access-log lines.
fn web_server(program: &[u8]) -> bool {
    matches!(program, b"nginx" | b"httpd" | b"apache" | b"apache2")
}

/// Fills `record`'s HTTP fields when its program is a web server and `message` is a
/// `combined` or `common` line; `false` (record untouched) otherwise.
pub(crate) fn understand<'a>(record: &mut Record<'a>, message: &'a [u8]) -> bool {
    if !record.program.as_deref().is_some_and(web_server) {
        return false;
    }
    let access = match combined::access(message, true) {
        Ok(access) => access,
        Err(_) => match combined::access(message, false) {
            Ok(access) => access,
            Err(_) => return false,
        },
    };
    let inner = access.into_record();
    record.time = inner.time.or(record.time);
    record.client = inner.client;
    record.user = inner.user;
    record.method = inner.method;
    record.path = inner.path;
    record.protocol = inner.protocol;
    record.status = inner.status;
    record.bytes = inner.bytes;
    record.referer = inner.referer;
    record.agent = inner.agent;
    record.extra.extend(inner.extra);
    true
}
