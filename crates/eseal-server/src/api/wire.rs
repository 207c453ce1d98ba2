//! The listening socket (issue 14 item 10). The HTTP parser (hyper) answers some requests on
//! its own before the service sees them — a request line over 64 KiB (414), a header block
//! too large (431), a request it cannot parse (400) — with an empty body. Every other error
//! of the service is problem JSON; these are made so too: each connection's writes pass
//! through [`Problems`], which replaces exactly those automatic answers (a status line, a
//! zero content length, and nothing else) with the same status and a problem body. The
//! service's own responses always carry a body when they are errors, so none is touched.
//!
//! [`serve`] runs the connections: how many may be open, and how long a request's head may
//! take ([`crate::api::pacing`]); [`Problems`] also gives up a connection whose answer is not
//! read ([`SEND_IDLE`]).

use crate::api::problem::{ApiError, kind_of};
use crate::failure::{Failure, Kind};
use eseal_core::Text;
use hyper::body::Incoming;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A TCP listener whose connections turn the HTTP parser's empty error answers into
/// problem JSON.
#[derive(Debug)]
pub struct ProblemListener(pub TcpListener);

impl axum::serve::Listener for ProblemListener {
    type Io = Problems<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (Problems::new(io, SEND_IDLE), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// Serves `router` on `listener`, each connection under the limiters' [`Pacing`]: at most
/// so many connections (in all and per peer address; one past them is answered 503 `busy`
/// and closed before its request is read), and the request head within the header deadline
/// (which also closes a keep-alive connection idle that long). Request bodies are paced by
/// the routers' middleware ([`crate::api::pacing`]). Handlers see the peer as
/// `ConnectInfo<Peer>`.
///
/// [`Pacing`]: crate::api::pacing::Pacing
pub async fn serve(
    mut listener: ProblemListener,
    router: axum::Router,
    limiters: std::sync::Arc<crate::limits::Limiters>,
) {
    let header = limiters.pacing().header;
    loop {
        // Accept errors (out of descriptors, say) are retried by the listener after a pause.
        let (io, peer) = axum::serve::Listener::accept(&mut listener).await;
        let Some(slot) = limiters.connect(peer.ip()) else {
            tokio::spawn(refuse(io, peer));
            continue;
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(Peer(peer)));
            tower_service::Service::call(&mut router.clone(), req)
        });
        tokio::spawn(async move {
            let _slot = slot;
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header);
            // A connection's end (the client's close, a deadline, a malformed request) is
            // that connection's affair; the request log has what was answered.
            let _ = http
                .serve_connection(hyper_util::rt::TokioIo::new(io), service)
                .await;
        });
    }
}

/// Answers a connection over the bounds with 503 `busy` and closes it, within a second.
async fn refuse(mut io: Problems<TcpStream>, peer: SocketAddr) {
    use tokio::io::AsyncWriteExt;
    let failure = Failure::new(
        Kind::Busy,
        "busy",
        Text::new(
            format!(
                "服务繁忙：来自 {} 的连接或全部连接已达上限，请稍后重试",
                peer.ip()
            ),
            format!(
                "the service is busy: too many connections from {} or in all; try again shortly",
                peer.ip()
            ),
        ),
    );
    let Some(answer) = answer(503, failure, &[("retry-after", "1")]) else {
        return;
    };
    let write = async {
        io.write_all(&answer).await?;
        io.shutdown().await
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), write).await;
}

/// The peer's address, as [`serve`] gives it to each request in `ConnectInfo` (what
/// [`crate::limits`] attributes requests to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer(pub SocketAddr);

/// How long a connection's writes may make no progress (a client that stops reading its
/// answer) before the connection is given up, as nginx's `send_timeout`.
pub const SEND_IDLE: std::time::Duration = std::time::Duration::from_secs(60);

/// A connection's stream; see the module documentation. Its writes also fail with
/// `TimedOut` when none has made progress for its send deadline ([`SEND_IDLE`]): a client
/// that stops reading would otherwise hold the connection and the answer's buffers forever.
#[derive(Debug)]
pub struct Problems<S> {
    inner: S,
    /// Bytes of a replacement answer not yet written.
    pending: Vec<u8>,
    /// How long writes may stall.
    send_idle: std::time::Duration,
    /// Armed while writes stall.
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> Problems<S> {
    /// `inner` with writes that may stall for at most `send_idle`.
    pub fn new(inner: S, send_idle: std::time::Duration) -> Self {
        Self {
            inner,
            pending: Vec::new(),
            send_idle,
            stalled: None,
        }
    }

    /// A write made progress: the send deadline is disarmed.
    fn progressed(&mut self) {
        self.stalled = None;
    }

    /// A write stalls: the send deadline is armed (from the first stall since the last
    /// progress) and, once it has passed, the write fails.
    fn stall<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let idle = self.send_idle;
        let alarm = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(idle)));
        if alarm.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client read nothing of its answer for the send deadline",
            )));
        }
        Poll::Pending
    }
}

/// The replacement for one of hyper's automatic answers, when `head` is one.
fn replacement(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let rest = text.strip_prefix("HTTP/1.1 ")?;
    let (status, zh, detail) = match rest.get(..4)? {
        "400 " => (
            400,
            "请求无法按 HTTP/1.1 解析",
            "the request could not be parsed as HTTP/1.1",
        ),
        "414 " => (
            414,
            "请求地址超过 64 KiB（服务最多读取 8 KiB）",
            "the request target is longer than 64 KiB (the service reads at most 8 KiB)",
        ),
        "431 " => (
            431,
            "请求头过大",
            "the request's header fields are too large",
        ),
        _ => return None,
    };
    // Exactly an automatic answer: a status line, `connection: close`, content-length 0, a
    // date, the blank line.
    let lines: Vec<&str> = text
        .strip_suffix("\r\n\r\n")?
        .split("\r\n")
        .skip(1)
        .collect();
    let automatic = lines.len() <= 3
        && lines
            .iter()
            .any(|l| l.eq_ignore_ascii_case("content-length: 0"))
        && lines.iter().all(|l| {
            l.eq_ignore_ascii_case("content-length: 0")
                || l.eq_ignore_ascii_case("connection: close")
                || l.to_ascii_lowercase().starts_with("date: ")
        });
    if !automatic {
        return None;
    }
    let code = match status {
        400 => "malformed_request",
        414 => "uri_too_long",
        _ => "headers_too_large",
    };
    answer(
        status,
        Failure::new(kind_of(status), code, Text::new(zh, detail)),
        &[],
    )
}

/// A whole HTTP/1.1 answer carrying `failure` as problem JSON, closing the connection.
fn answer(status: u16, failure: Failure, extra: &[(&str, &str)]) -> Option<Vec<u8>> {
    let body = serde_json::to_vec(&ApiError::with_status(status, failure).problem(false)).ok()?;
    let mut head = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n",
        status,
        axum::http::StatusCode::from_u16(status)
            .ok()?
            .canonical_reason()
            .unwrap_or(""),
        body.len()
    );
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(&body);
    Some(out)
}

impl<S: AsyncWrite + Unpin> Problems<S> {
    /// Writes what is left of a replacement answer.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            match Pin::new(&mut self.inner).poll_write(cx, &self.pending) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    self.pending.drain(..n.min(self.pending.len()));
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Problems<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Problems<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if !self.pending.is_empty() {
            match self.drain(cx) {
                Poll::Ready(Ok(())) => self.progressed(),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return self.stall(cx),
            }
        }
        // hyper writes an automatic answer's head in one piece (vectored writes are off).
        if buf.len() < 256
            && let Some(answer) = replacement(buf)
        {
            self.pending = answer;
            return match self.drain(cx) {
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                // Taken: the rest is written by the next write or flush.
                _ => Poll::Ready(Ok(buf.len())),
            };
        }
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Ready(Ok(n)) => {
                self.progressed();
                Poll::Ready(Ok(n))
            }
            Poll::Pending => self.stall(cx),
            err => err,
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A flush that completes is no progress of its own (nothing was written).
        let flushed = match self.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_flush(cx),
            other => other,
        };
        match flushed {
            Poll::Pending => self.stall(cx),
            done => done,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_shutdown(cx),
            other => other,
        }
    }

    fn is_write_vectored(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::*;

    /// A client that reads nothing: the write fails once it has stalled for the deadline,
    /// and not before.
    #[tokio::test]
    async fn a_stalled_write_fails_after_the_send_deadline() {
        use tokio::io::AsyncWriteExt;
        // A pipe whose reader never reads: 64 bytes fit, then every write stalls.
        let (_reader, writer) = tokio::io::duplex(64);
        let mut io = Problems::new(writer, std::time::Duration::from_millis(300));
        let began = std::time::Instant::now();
        let e = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            io.write_all(&[b'x'; 4096]),
        )
        .await
        .expect("the stalled write was waited on past the deadline")
        .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        let took = began.elapsed();
        assert!(
            took >= std::time::Duration::from_millis(300)
                && took < std::time::Duration::from_secs(3),
            "{took:?}"
        );
        // Progress disarms it: a reader that keeps reading gets everything.
        let (mut reader, writer) = tokio::io::duplex(64);
        let mut io = Problems::new(writer, std::time::Duration::from_millis(300));
        let read = tokio::spawn(async move {
            use tokio::io::AsyncReadExt;
            let mut all = Vec::new();
            let mut buf = [0u8; 16];
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                match reader.read(&mut buf).await.unwrap() {
                    0 => return all,
                    n => all.extend_from_slice(&buf[..n]),
                }
            }
        });
        io.write_all(&[b'y'; 1024]).await.unwrap();
        io.shutdown().await.unwrap();
        drop(io);
        assert_eq!(read.await.unwrap().len(), 1024);
    }

    #[test]
    fn only_automatic_answers_are_replaced() {
        let auto = b"HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ncontent-length: 0\r\ndate: Wed, 02 Dec 2026 01:00:00 GMT\r\n\r\n";
        let out = String::from_utf8(replacement(auto).unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{out}");
        assert!(
            out.contains("application/problem+json") && out.contains("\"code\":\"uri_too_long\"")
        );
        // A response of the service (with a body and its own headers) is left alone.
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\ncontent-length: 120\r\n\r\n";
        assert!(replacement(ours).is_none());
        assert!(replacement(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
    }
}
