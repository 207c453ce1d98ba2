//! GET and POST for the commands that talk to a registry over HTTP (`trust fetch`,
//! `transparency monitor`, `archive create|renew`). The registry may be hostile or broken: an answer has a size limit, and an error
//! names the URL, the status and the start of what came back.

use crate::said::{SaidContext, said};
use anyhow::Result;

/// The largest answer read (a CRL, a certificate, a page of 1000 log entries fit well within).
const MAX_ANSWER: usize = 64 << 20;

/// The body of `url`, which must answer 2xx.
pub async fn get(http: &reqwest::Client, url: &str) -> Result<Vec<u8>> {
    let r = http
        .get(url)
        .send()
        .await
        .said_context(|| (format!("无法连接 {url}"), format!("cannot reach {url}")))?;
    read(url, r).await
}

/// The answer to a JSON POST to `url`, which must be 2xx (a problem answer's detail is shown).
pub async fn post_json(
    http: &reqwest::Client,
    url: &str,
    body: &serde_json::Value,
) -> Result<Vec<u8>> {
    let r = http
        .post(url)
        .json(body)
        .send()
        .await
        .said_context(|| (format!("无法连接 {url}"), format!("cannot reach {url}")))?;
    read(url, r).await
}

async fn read(url: &str, mut r: reqwest::Response) -> Result<Vec<u8>> {
    let status = r.status();
    let mut body = Vec::new();
    while let Some(chunk) = r
        .chunk()
        .await
        .said_context(|| (format!("读取 {url} 的应答失败"), format!("GET {url}")))?
    {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(said(
                format!("{url}：应答超过 {} MiB", MAX_ANSWER >> 20),
                format!("{url}: the answer is larger than {} MiB", MAX_ANSWER >> 20),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    if !status.is_success() {
        if let Ok(p) = serde_json::from_slice::<serde_json::Value>(&body)
            && let Some(detail) = p["detail"].as_str()
        {
            let detail = eseal_core::text::printable(detail);
            return Err(said(
                format!("{url}：HTTP {status}：{detail}"),
                format!("{url}: HTTP {status}: {detail}"),
            ));
        }
        let start = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
        let start = eseal_core::text::printable(&start);
        return Err(said(
            format!("{url}：HTTP {status} {start}"),
            format!("{url}: HTTP {status} {start}"),
        ));
    }
    Ok(body)
}

/// The body of `url` as text.
pub async fn get_text(http: &reqwest::Client, url: &str) -> Result<String> {
    String::from_utf8(get(http, url).await?).map_err(|_| {
        said(
            format!("{url}：应答不是 UTF-8 文本"),
            format!("{url}: not UTF-8 text"),
        )
    })
}
