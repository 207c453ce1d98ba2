//! The listening socket (issue 14 item 10). The HTTP parser (hyper) answers some requests on
//! its own before the service sees them — a request line over 64 KiB (414), a header block
//! too large (431), a request it cannot parse (400) — with an empty body. Every other error
//! of the service is problem JSON; these are made so too: each connection's writes pass
//! through [`Problems`], which replaces exactly those automatic answers (a status line, a
//! zero content length, and nothing else) with the same status and a problem body. The
//! service's own responses always carry a body when they are errors, so none is touched.

use crate::api::problem::{ApiError, kind_of};
use crate::failure::Failure;
use eseal_core::Text;
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
        (
            Problems {
                inner: io,
                pending: Vec::new(),
            },
            addr,
        )
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// The peer's address, for `ConnectInfo` (what [`crate::limits`] attributes requests to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer(pub SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, ProblemListener>>
    for Peer
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, ProblemListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

/// A connection's stream; see the module documentation.
#[derive(Debug)]
pub struct Problems<S> {
    inner: S,
    /// Bytes of a replacement answer not yet written.
    pending: Vec<u8>,
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
    let body = serde_json::to_vec(
        &ApiError::with_status(
            status,
            Failure::new(kind_of(status), code, Text::new(zh, detail)),
        )
        .problem(false),
    )
    .ok()?;
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        status,
        axum::http::StatusCode::from_u16(status)
            .ok()?
            .canonical_reason()
            .unwrap_or(""),
        body.len()
    )
    .into_bytes();
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
        match self.drain(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
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
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_flush(cx),
            other => other,
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
