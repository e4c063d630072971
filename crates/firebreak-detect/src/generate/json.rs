//! Writing a line as JSON: nginx's `escape=json` flat object of strings, Caddy's access log
//! with the request nested, headers as lists of strings and numbers left as numbers, or
//! Traefik's flat object of some thirty keys in sorted order (durations in nanoseconds, the
//! backend's URL as an object, kept headers as `request_…` keys). Strings are escaped as those
//! servers escape them: `"` and `\` with a backslash, control bytes as `\u00XX`, everything
//! else as it is.

use super::sink::Line;
use super::text::push_number;

/// Appends `text` as a JSON string, quotes included.
pub(super) fn push_string(out: &mut Vec<u8>, text: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &b in text {
        match b {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            0..=0x1f => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]),
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// `-` is what `combined` writes for "none"; nginx's JSON escaping writes an empty string.
fn none_empty(text: &[u8]) -> &[u8] {
    if text == b"-" { b"" } else { text }
}

/// nginx with `log_format main escape=json '{"time_local":"$time_local",…}'`.
pub(super) fn nginx(out: &mut Vec<u8>, time_local: &[u8], line: &Line<'_>) {
    out.extend_from_slice(b"{\"time_local\":");
    push_string(out, time_local);
    out.extend_from_slice(b",\"remote_addr\":");
    push_string(out, line.addr);
    out.extend_from_slice(b",\"remote_user\":");
    push_string(out, none_empty(line.user));
    out.extend_from_slice(b",\"request\":\"");
    // The request's parts hold no character that needs escaping except in the path.
    out.extend_from_slice(line.method);
    out.push(b' ');
    let at = out.len();
    push_string(out, line.path);
    // Drop the path's own quotes: it sits inside the request's string.
    out.remove(at);
    out.pop();
    out.push(b' ');
    out.extend_from_slice(line.protocol);
    out.extend_from_slice(b"\",\"status\":\"");
    push_number(out, u64::from(line.status));
    out.extend_from_slice(b"\",\"body_bytes_sent\":\"");
    push_number(out, line.size);
    out.extend_from_slice(b"\",\"request_time\":\"0.");
    push_padded(out, line.size % 997, 3);
    out.extend_from_slice(b"\",\"http_referer\":");
    push_string(out, none_empty(line.referer));
    out.extend_from_slice(b",\"http_user_agent\":");
    push_string(out, none_empty(line.agent));
    out.extend_from_slice(b"}\n");
}

/// Caddy's `http.log.access` entry; `time` in unix seconds, `serial` varies the fractions.
pub(super) fn caddy(out: &mut Vec<u8>, time: i64, serial: u64, line: &Line<'_>) {
    out.extend_from_slice(b"{\"level\":\"info\",\"ts\":");
    push_number(out, time.max(0) as u64);
    out.push(b'.');
    push_padded(out, serial.wrapping_mul(7919) % 1_000_000, 6);
    out.extend_from_slice(
        b",\"logger\":\"http.log.access.log0\",\"msg\":\"handled request\",\"request\":{\"remote_ip\":",
    );
    push_string(out, line.addr);
    out.extend_from_slice(b",\"remote_port\":\"");
    push_number(out, client_port(serial));
    out.extend_from_slice(b"\",\"client_ip\":");
    push_string(out, line.addr);
    out.extend_from_slice(b",\"proto\":");
    push_string(out, line.protocol);
    out.extend_from_slice(b",\"method\":");
    push_string(out, line.method);
    out.extend_from_slice(b",\"host\":\"shop.example.com\",\"uri\":");
    push_string(out, line.path);
    out.extend_from_slice(b",\"headers\":{\"User-Agent\":[");
    push_string(out, none_empty(line.agent));
    out.extend_from_slice(b"],\"Accept\":[\"*/*\"]");
    if line.referer != b"-" {
        out.extend_from_slice(b",\"Referer\":[");
        push_string(out, line.referer);
        out.push(b']');
    }
    out.extend_from_slice(b"}},\"bytes_read\":0,\"user_id\":");
    push_string(out, none_empty(line.user));
    out.extend_from_slice(b",\"duration\":0.0");
    push_padded(out, line.size % 99_991, 5);
    out.extend_from_slice(b",\"size\":");
    push_number(out, line.size);
    out.extend_from_slice(b",\"status\":");
    push_number(out, u64::from(line.status));
    out.extend_from_slice(b",\"resp_headers\":{\"Server\":[\"Caddy\"]}}\n");
}

/// Traefik's JSON access log with `User-Agent` and `Referer` kept as headers; `time` is RFC
/// 3339 (from [`super::text::Clock`]), `serial` varies the durations and ports.
pub(super) fn traefik(out: &mut Vec<u8>, time: &[u8], serial: u64, line: &Line<'_>) {
    let port = client_port(serial);
    let origin = 100_000 + line.size % 99_991 * 1_000;
    out.extend_from_slice(b"{\"ClientAddr\":\"");
    push_host_port(out, line.addr, port);
    out.extend_from_slice(b"\",\"ClientHost\":");
    push_string(out, line.addr);
    out.extend_from_slice(b",\"ClientPort\":\"");
    push_number(out, port);
    out.extend_from_slice(b"\",\"ClientUsername\":");
    push_string(out, line.user);
    out.extend_from_slice(b",\"DownstreamContentSize\":");
    push_number(out, line.size);
    out.extend_from_slice(b",\"DownstreamStatus\":");
    push_number(out, u64::from(line.status));
    out.extend_from_slice(b",\"Duration\":");
    push_number(out, origin + 41_000);
    out.extend_from_slice(b",\"OriginContentSize\":");
    push_number(out, line.size);
    out.extend_from_slice(b",\"OriginDuration\":");
    push_number(out, origin);
    out.extend_from_slice(b",\"OriginStatus\":");
    push_number(out, u64::from(line.status));
    out.extend_from_slice(
        b",\"Overhead\":41000,\"RequestAddr\":\"shop.example.com\",\"RequestContentSize\":0,\"RequestCount\":",
    );
    push_number(out, serial + 1);
    out.extend_from_slice(b",\"RequestHost\":\"shop.example.com\",\"RequestMethod\":");
    push_string(out, line.method);
    out.extend_from_slice(b",\"RequestPath\":");
    push_string(out, line.path);
    out.extend_from_slice(b",\"RequestPort\":\"-\",\"RequestProtocol\":");
    push_string(out, line.protocol);
    out.extend_from_slice(
        b",\"RequestScheme\":\"https\",\"RetryAttempts\":0,\"RouterName\":\"shop@docker\",\"ServiceAddr\":\"10.0.0.7:8080\",\"ServiceName\":\"shop@docker\",\"ServiceURL\":{\"Scheme\":\"http\",\"Opaque\":\"\",\"User\":null,\"Host\":\"10.0.0.7:8080\",\"Path\":\"\",\"RawPath\":\"\",\"ForceQuery\":false,\"RawQuery\":\"\",\"Fragment\":\"\",\"RawFragment\":\"\"},\"StartLocal\":\"",
    );
    push_start(out, time, serial);
    out.extend_from_slice(b"\",\"StartUTC\":\"");
    push_start(out, time, serial);
    out.extend_from_slice(b"\",\"entryPointName\":\"websecure\",\"level\":\"info\",\"msg\":\"\"");
    if line.referer != b"-" {
        out.extend_from_slice(b",\"request_Referer\":");
        push_string(out, line.referer);
    }
    out.extend_from_slice(b",\"request_User-Agent\":");
    push_string(out, none_empty(line.agent));
    out.extend_from_slice(b",\"time\":");
    push_string(out, time);
    out.extend_from_slice(b"}\n");
}

/// The client's source port of line `serial`, the same in every shape.
fn client_port(serial: u64) -> u64 {
    1024 + serial.wrapping_mul(104_729) % 64_000
}

/// `host:port`, with an IPv6 host in brackets.
fn push_host_port(out: &mut Vec<u8>, host: &[u8], port: u64) {
    if host.contains(&b':') {
        out.push(b'[');
        out.extend_from_slice(host);
        out.push(b']');
    } else {
        out.extend_from_slice(host);
    }
    out.push(b':');
    push_number(out, port);
}

/// An RFC 3339 second (`…:SSZ`) with nanoseconds added before its `Z`.
fn push_start(out: &mut Vec<u8>, time: &[u8], serial: u64) {
    out.extend_from_slice(time.strip_suffix(b"Z").unwrap_or(time));
    out.push(b'.');
    push_padded(out, serial.wrapping_mul(7_919_113) % 1_000_000_000, 9);
    out.push(b'Z');
}

/// `n` in decimal with leading zeros to `width` digits.
fn push_padded(out: &mut Vec<u8>, n: u64, width: usize) {
    let mut digits = Vec::with_capacity(20);
    push_number(&mut digits, n);
    for _ in digits.len()..width {
        out.push(b'0');
    }
    out.extend_from_slice(&digits);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> Line<'static> {
        Line {
            addr: b"2001:db8::1",
            user: b"-",
            method: b"GET",
            path: b"/q?a=\"x\\y\"",
            protocol: b"HTTP/1.1",
            status: 200,
            size: 1234,
            referer: b"-",
            agent: b"curl/8\x01",
        }
    }

    /// Every shape is valid JSON and holds the line's values, escapes undone.
    #[test]
    fn shapes_are_json_with_the_lines_values() {
        let mut out = Vec::new();
        nginx(&mut out, b"01/Mar/2025:00:00:00 +0000", &line());
        let v: serde_json::Value = serde_json::from_slice(&out).expect("nginx shape is JSON");
        assert_eq!(v["request"], "GET /q?a=\"x\\y\" HTTP/1.1");
        assert_eq!(v["status"], "200");
        assert_eq!(v["http_referer"], "");
        assert_eq!(v["http_user_agent"], "curl/8\u{1}");
        out.clear();
        caddy(&mut out, 1_740_787_200, 3, &line());
        let v: serde_json::Value = serde_json::from_slice(&out).expect("caddy shape is JSON");
        assert_eq!(v["request"]["uri"], "/q?a=\"x\\y\"");
        assert_eq!(v["request"]["client_ip"], "2001:db8::1");
        assert_eq!(v["request"]["headers"]["User-Agent"][0], "curl/8\u{1}");
        assert_eq!(v["status"], 200);
        assert!(v["ts"].as_f64().is_some_and(|t| t > 1.7e9));
        out.clear();
        traefik(&mut out, b"2025-03-01T00:00:00Z", 3, &line());
        let v: serde_json::Value = serde_json::from_slice(&out).expect("traefik shape is JSON");
        assert_eq!(v["RequestPath"], "/q?a=\"x\\y\"");
        assert_eq!(v["ClientHost"], "2001:db8::1");
        assert!(
            v["ClientAddr"]
                .as_str()
                .is_some_and(|a| a.starts_with("[2001:db8::1]:"))
        );
        assert_eq!(v["request_User-Agent"], "curl/8\u{1}");
        assert_eq!(v["DownstreamStatus"], 200);
        assert_eq!(v["time"], "2025-03-01T00:00:00Z");
        assert!(
            v["StartUTC"]
                .as_str()
                .is_some_and(|t| t.starts_with("2025-03-01T00:00:00."))
        );
        assert!(v.get("request_Referer").is_none());
    }
}
