//! GET for the commands that read a registry over HTTP (`trust fetch`, `transparency
//! monitor`). The registry may be hostile or broken: an answer has a size limit, and an error
//! names the URL, the status and the start of what came back.

use anyhow::{Context, Result, bail};

/// The largest answer read (a CRL, a certificate, a page of 1000 log entries fit well within).
const MAX_ANSWER: usize = 64 << 20;

/// The body of `url`, which must answer 2xx.
pub async fn get(http: &reqwest::Client, url: &str) -> Result<Vec<u8>> {
    let mut r = http
        .get(url)
        .send()
        .await
        .with_context(|| format!("cannot reach {url}"))?;
    let status = r.status();
    let mut body = Vec::new();
    while let Some(chunk) = r.chunk().await.with_context(|| format!("GET {url}"))? {
        if body.len() + chunk.len() > MAX_ANSWER {
            bail!("{url}: the answer is larger than {} MiB", MAX_ANSWER >> 20);
        }
        body.extend_from_slice(&chunk);
    }
    if !status.is_success() {
        let start = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
        bail!(
            "{url}: HTTP {status} {}",
            eseal_core::text::printable(&start)
        );
    }
    Ok(body)
}

/// The body of `url` as text.
pub async fn get_text(http: &reqwest::Client, url: &str) -> Result<String> {
    String::from_utf8(get(http, url).await?).with_context(|| format!("{url}: not UTF-8 text"))
}
