//! GET and POST for the commands that talk to a registry over HTTP (`trust fetch`,
//! `transparency monitor`, `archive create|renew`). The registry may be hostile or broken: an answer has a size limit, and an error
//! names the URL, the status and the start of what came back.

use anyhow::{Context, Result, bail};

/// The largest answer read (a CRL, a certificate, a page of 1000 log entries fit well within).
const MAX_ANSWER: usize = 64 << 20;

/// The body of `url`, which must answer 2xx.
pub async fn get(http: &reqwest::Client, url: &str) -> Result<Vec<u8>> {
    let r = http
        .get(url)
        .send()
        .await
        .with_context(|| format!("cannot reach {url}"))?;
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
        .with_context(|| format!("cannot reach {url}"))?;
    read(url, r).await
}

async fn read(url: &str, mut r: reqwest::Response) -> Result<Vec<u8>> {
    let status = r.status();
    let mut body = Vec::new();
    while let Some(chunk) = r.chunk().await.with_context(|| format!("GET {url}"))? {
        if body.len() + chunk.len() > MAX_ANSWER {
            bail!("{url}: the answer is larger than {} MiB", MAX_ANSWER >> 20);
        }
        body.extend_from_slice(&chunk);
    }
    if !status.is_success() {
        if let Ok(p) = serde_json::from_slice::<serde_json::Value>(&body)
            && let Some(detail) = p["detail"].as_str()
        {
            bail!(
                "{url}: HTTP {status}: {}",
                eseal_core::text::printable(detail)
            );
        }
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
