//! Assembling lines into a large buffer and handing it to the writer in big pieces. `combined`
//! is written here:
//! `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`;
//! the JSON shapes in `json.rs`.

use std::io::{self, Write};

use super::text::{Clock, Stamp, push_number};
use super::{Shape, Size, json};

/// Bytes gathered before each write.
const CHUNK: usize = 1024 * 1024;

/// The fields of one line.
#[derive(Debug, Clone, Copy)]
pub(super) struct Line<'a> {
    pub addr: &'a [u8],
    pub user: &'a [u8],
    pub method: &'a [u8],
    pub path: &'a [u8],
    pub protocol: &'a [u8],
    pub status: u16,
    pub size: u64,
    pub referer: &'a [u8],
    pub agent: &'a [u8],
}

/// Lines on their way out, counted.
#[derive(Debug)]
pub(super) struct Sink {
    buf: Vec<u8>,
    clock: Clock,
    /// Lines written so far; also the number of the last one.
    pub lines: u64,
    flushed: u64,
    limit: Size,
    shape: Shape,
}

impl Sink {
    pub fn new(limit: Size, shape: Shape) -> Sink {
        Sink {
            buf: Vec::with_capacity(CHUNK + 64 * 1024),
            clock: Clock::new(match shape {
                Shape::TraefikJson => Stamp::Rfc3339,
                _ => Stamp::Clf,
            }),
            lines: 0,
            flushed: 0,
            limit,
            shape,
        }
    }

    /// Whether the run wants more lines.
    pub fn more(&self) -> bool {
        match self.limit {
            Size::Lines(lines) => self.lines < lines,
            Size::Bytes(bytes) => self.bytes() < bytes,
        }
    }

    /// How far through the run, from 0 to 1.
    pub fn progress(&self) -> f64 {
        match self.limit {
            Size::Lines(lines) => self.lines as f64 / lines.max(1) as f64,
            Size::Bytes(bytes) => self.bytes() as f64 / bytes.max(1) as f64,
        }
    }

    /// Bytes written so far, buffered ones included.
    pub fn bytes(&self) -> u64 {
        self.flushed + self.buf.len() as u64
    }

    /// Adds a line at unix time `time`; returns its number.
    pub fn line(&mut self, time: i64, line: &Line<'_>, out: &mut dyn Write) -> io::Result<u64> {
        match self.shape {
            Shape::Combined => self.combined(time, line),
            Shape::NginxJson => json::nginx(&mut self.buf, self.clock.at(time), line),
            Shape::CaddyJson => json::caddy(&mut self.buf, time, self.lines, line),
            Shape::TraefikJson => {
                json::traefik(&mut self.buf, self.clock.at(time), self.lines, line);
            }
        }
        self.lines += 1;
        if self.buf.len() >= CHUNK {
            self.flush(out)?;
        }
        Ok(self.lines)
    }

    fn combined(&mut self, time: i64, line: &Line<'_>) {
        let buf = &mut self.buf;
        buf.extend_from_slice(line.addr);
        buf.extend_from_slice(b" - ");
        buf.extend_from_slice(line.user);
        buf.extend_from_slice(b" [");
        buf.extend_from_slice(self.clock.at(time));
        buf.extend_from_slice(b"] \"");
        buf.extend_from_slice(line.method);
        buf.push(b' ');
        buf.extend_from_slice(line.path);
        buf.push(b' ');
        buf.extend_from_slice(line.protocol);
        buf.extend_from_slice(b"\" ");
        push_number(buf, u64::from(line.status));
        buf.push(b' ');
        push_number(buf, line.size);
        buf.extend_from_slice(b" \"");
        buf.extend_from_slice(line.referer);
        buf.extend_from_slice(b"\" \"");
        buf.extend_from_slice(line.agent);
        buf.extend_from_slice(b"\"\n");
    }

    pub fn flush(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(&self.buf)?;
        self.flushed += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }
}
