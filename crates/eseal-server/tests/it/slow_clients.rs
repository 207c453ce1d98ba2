//! Slow clients (请求读取时限与连接数): a request's head and body must arrive in time, and one
//! address cannot hold every connection. Each part reproduces what a hostile client did
//! before the deadlines existed (the server waited for it forever).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use crate::common::{Backend, start_with};
use eseal_server::api::pacing::Pacing;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use time::macros::datetime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const T0: OffsetDateTime = datetime!(2026-06-01 09:00 UTC);

/// A connection to `server` from 127.0.0.`from`.
async fn connect(server: SocketAddr, from: u8) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::from(([127, 0, 0, from], 0)))
        .unwrap();
    socket.connect(server).await.unwrap()
}

/// A connection from 127.0.0.`from` that has sent `bytes`.
async fn send(server: SocketAddr, from: u8, bytes: &[u8]) -> TcpStream {
    let mut conn = connect(server, from).await;
    conn.write_all(bytes).await.unwrap();
    conn
}

/// Everything the server sends until it closes the connection (`None`: still open after
/// `wait`), and how long that took.
async fn until_closed(conn: &mut TcpStream, wait: Duration) -> (Option<String>, Duration) {
    let began = Instant::now();
    let mut got = Vec::new();
    let read = tokio::time::timeout(wait, conn.read_to_end(&mut got)).await;
    let text = String::from_utf8_lossy(&got).into_owned();
    match read {
        Ok(_) => (Some(text), began.elapsed()),
        Err(_) => (None, began.elapsed()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_requests_and_idle_connections_are_cut_off() {
    let pacing = Pacing {
        header: Duration::from_secs(1),
        body_idle: Duration::from_secs(1),
        body_grace: Duration::from_secs(2),
        body_min_rate: 4096,
        per_address: 8,
        connections: 4096,
    };
    let svc = start_with(&Backend::Sqlite, T0, |c| c.pacing = pacing).await;
    let server: SocketAddr = svc.run.url.trim_start_matches("http://").parse().unwrap();
    let limiters = svc.run.state.limiters().clone();
    let long = Duration::from_secs(15);

    // A request head that never ends: closed after the header deadline.
    let mut conn = send(
        server,
        1,
        b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ",
    )
    .await;
    let (closed, took) = until_closed(&mut conn, long).await;
    assert!(
        closed.is_some(),
        "a head that never ends kept its connection"
    );
    assert!(took < Duration::from_secs(5), "closed after {took:?}");

    // A keep-alive connection idle after its request: closed after the same deadline.
    let mut conn = send(server, 1, b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let (closed, took) = until_closed(&mut conn, long).await;
    let closed = closed.expect("an idle keep-alive connection stayed open");
    assert!(closed.starts_with("HTTP/1.1 200"), "{closed}");
    assert!(took < Duration::from_secs(5), "closed after {took:?}");

    // A verification upload that stops after its first bytes: 408 once nothing has come for
    // the idle deadline, and its share of the upload budget given back.
    let budget = limiters.upload_room();
    let mut conn = send(server, 2, b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"ofd\":\"").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        limiters.upload_room() < budget,
        "the upload holds its share"
    );
    let (answer, took) = until_closed(&mut conn, long).await;
    let answer = answer.expect("a stopped upload was waited for");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
    assert!(
        answer.contains("请求体中断：1 秒内没有收到任何数据"),
        "{answer}"
    );
    assert!(took < Duration::from_secs(5), "answered after {took:?}");
    assert_eq!(limiters.upload_room(), budget, "the share came back");

    // The same in English when asked.
    let mut conn = send(server, 2, b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nAccept-Language: en\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{").await;
    let answer = until_closed(&mut conn, long).await.0.unwrap();
    assert!(
        answer.contains("the request body stopped: nothing arrived for 1 s"),
        "{answer}"
    );

    // A body sent a byte at a time, never pausing for the idle deadline but far below the
    // minimum rate: 408 once the grace and the bytes' credit are spent.
    let mut conn = send(server, 3, b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n").await;
    let began = Instant::now();
    let mut answer = String::new();
    while began.elapsed() < long {
        if conn.write_all(b" ").await.is_err() {
            break;
        }
        let mut buf = [0u8; 4096];
        match tokio::time::timeout(Duration::from_millis(300), conn.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {
                answer.push_str(&String::from_utf8_lossy(&buf[..n]));
                break;
            }
            Ok(_) => break,
            Err(_) => {}
        }
    }
    let took = began.elapsed();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("请求体上传过慢"), "{answer}");
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(6),
        "answered after {took:?}"
    );

    // The console's verification page: the page again, saying why, with the way back.
    let mut conn = send(server, 4, b"POST /verify HTTP/1.1\r\nHost: x\r\nReferer: http://x/verify\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n--x\r\n").await;
    let page = until_closed(&mut conn, long).await.0.unwrap();
    assert!(page.starts_with("HTTP/1.1 408"), "{page}");
    assert!(page.contains("请求体中断"), "{page}");
    assert!(page.contains("href=\"/verify\""), "{page}");

    // Connections: one address holds at most its bound; the next is answered 503 at once;
    // another address is still served.
    let mut held = Vec::new();
    for _ in 0..pacing.per_address {
        held.push(connect(server, 5).await);
    }
    let mut conn = connect(server, 5).await;
    let (refused, _) = until_closed(&mut conn, Duration::from_secs(3)).await;
    let refused = refused.expect("the connection over the bound stayed open");
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(refused.contains("\"code\":\"busy\""), "{refused}");
    assert!(refused.contains("来自 127.0.0.5 的连接"), "{refused}");
    assert!(
        refused.to_ascii_lowercase().contains("retry-after: 1"),
        "{refused}"
    );
    // One health check from 127.0.0.`from`: its whole answer.
    let health = |from: u8| async move {
        let mut conn = send(
            server,
            from,
            b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;
        until_closed(&mut conn, long).await.0.unwrap()
    };
    let ok = health(6).await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    // The held connections end at the header deadline, and the address may connect again.
    drop(held);
    let began = Instant::now();
    while limiters.open_connections() > 0 && began.elapsed() < long {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(limiters.open_connections(), 0);
    let ok = health(5).await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    svc.run.abort();
}
