//! Accepting connections for [`super::serve`]. Each connection is served by hyper's HTTP/1
//! server with a header-read timeout: a client that trickles its request head (slowloris), or
//! sits idle that long between requests, is disconnected. The TCP peer is put where
//! [`ConnectInfo`] finds it, and on stop every connection finishes the request in flight and
//! closes before [`accept`] returns.
//!
//! What hyper refuses before a request exists (a request line or header it cannot parse, a URL
//! over 64 KiB, a head larger than its buffer) it answers itself, with a status and no body;
//! `JsonRefusals` gives those answers the JSON error body every other error has. The
//! whole-request timeout is a layer of the router (`super::app`), not a connection setting.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tower::ServiceExt as _;

use super::error::ApiError;

/// Serves `app` on `listener` until `stop` resolves, then waits for open connections to finish.
pub async fn accept(
    listener: TcpListener,
    app: Router,
    header_timeout: Duration,
    stop: impl Future<Output = ()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let (stopping, stop_seen) = tokio::sync::watch::channel(false);
    // Every connection task holds a sender; `recv` answers `None` once all are gone.
    let (open, mut all_closed) = tokio::sync::mpsc::channel::<()>(1);
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was taken: wait
                    // a moment rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(req.map(Body::new))
        });
        let conn = http.serve_connection(TokioIo::new(JsonRefusals::new(stream)), service);
        let mut stop_seen = stop_seen.clone();
        let open = open.clone();
        tokio::spawn(async move {
            let mut conn = std::pin::pin!(conn);
            let stopped = async move {
                let _ = stop_seen.wait_for(|stopping| *stopping).await;
            };
            tokio::select! {
                _ = conn.as_mut() => {}
                () = stopped => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.as_mut().await;
                }
            }
            drop(open);
        });
    }
    let _ = stopping.send(true);
    drop(open);
    let _ = all_closed.recv().await;
}

/// A connection's socket whose writes pass through unchanged, except hyper's own answer to a
/// request it could not parse, which is given a JSON body (see [`refusal`]).
struct JsonRefusals<T> {
    inner: T,
    /// A replacement being written, and the length of the write it stands for.
    replacing: Option<(Vec<u8>, usize, usize)>,
}

impl<T> JsonRefusals<T> {
    fn new(inner: T) -> Self {
        Self {
            inner,
            replacing: None,
        }
    }
}

/// hyper's answer to a request it could not parse, rewritten with a JSON body; `None` for any
/// other write. That answer is one write holding a whole 4xx head with `content-length: 0`
/// and without the `Content-Security-Policy` that the router puts on every response it makes.
fn refusal(buf: &[u8]) -> Option<Vec<u8>> {
    let head = buf.strip_suffix(b"\r\n\r\n")?;
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let status = status_line.strip_prefix("HTTP/1.1 ")?.get(..3)?;
    let status = StatusCode::from_bytes(status.as_bytes()).ok()?;
    if !status.is_client_error() {
        return None;
    }
    let mut kept = Vec::new();
    let mut empty = false;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        if name.eq_ignore_ascii_case("content-security-policy") {
            return None;
        }
        if name.eq_ignore_ascii_case("content-length") {
            empty = value.trim() == "0";
        } else if !name.eq_ignore_ascii_case("content-type") {
            kept.push(line);
        }
    }
    if !empty {
        return None;
    }
    let body = serde_json::to_string(&ApiError::for_status(status).body()).ok()?;
    let mut out = format!(
        "{status_line}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         x-content-type-options: nosniff\r\ncontent-security-policy: {}\r\n",
        body.len(),
        super::CSP
    );
    for line in kept {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(&body);
    Some(out.into_bytes())
}

impl<T: AsyncRead + Unpin> AsyncRead for JsonRefusals<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for JsonRefusals<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let (bytes, mut sent, stands_for) = match this.replacing.take() {
            Some(replacing) => replacing,
            None => match refusal(buf) {
                Some(bytes) => (bytes, 0, buf.len()),
                None => return Pin::new(&mut this.inner).poll_write(cx, buf),
            },
        };
        while let Some(rest) = bytes.get(sent..).filter(|rest| !rest.is_empty()) {
            match Pin::new(&mut this.inner).poll_write(cx, rest) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => sent += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    this.replacing = Some((bytes, sent, stands_for));
                    return Poll::Pending;
                }
            }
        }
        Poll::Ready(Ok(stands_for))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    // Not vectored: hyper then hands each response head over in one contiguous write, which is
    // what `refusal` inspects.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_bodiless_refusals_are_rewritten() {
        let hyper = b"HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ncontent-length: 0\r\ndate: Mon, 07 Dec 2026 16:51:08 GMT\r\n\r\n";
        let out = String::from_utf8(refusal(hyper).expect("rewritten")).expect("utf-8");
        let (head, body) = out.split_once("\r\n\r\n").expect("head");
        assert!(head.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{head}");
        assert!(
            head.contains("connection: close") && head.contains("date: "),
            "{head}"
        );
        let v: serde_json::Value = serde_json::from_str(body).expect("json");
        assert_eq!(v["code"], "uri_too_long");
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let ours = format!(
            "HTTP/1.1 404 Not Found\r\ncontent-security-policy: {}\r\ncontent-length: 0\r\n\r\n",
            super::super::CSP
        );
        assert!(refusal(ours.as_bytes()).is_none());
        assert!(refusal(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(refusal(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n").is_none());
    }
}
