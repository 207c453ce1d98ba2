//! Request bodies that carry a document, in either of two forms:
//! - JSON, the document in base64 in its field (`data`, `ofd`, `pdf`);
//! - `multipart/form-data` with a `request` part (the same JSON without the document) and a
//!   `document` part holding the document's bytes: a third smaller on the wire, and no base64
//!   to decode or JSON string to scan.
//!
//! A part other than these two, either of them twice, or the document given both ways is
//! refused with the reason; the endpoint's body limit applies to both forms.

use super::ApiResult;
use crate::failure::Failure;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// A request body `T`, and the document's bytes when they came as a multipart part.
#[derive(Debug)]
pub(crate) struct WithDocument<T> {
    pub(crate) body: T,
    pub(crate) document: Option<Bytes>,
}

fn refused(zh: String, en: String) -> Response {
    super::problem::ApiError::from(Failure::invalid("document", zh, en)).into_response()
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for WithDocument<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("multipart/form-data")
            });
        if !multipart {
            let Json(body) = Json::<T>::from_request(req, state)
                .await
                .map_err(IntoResponse::into_response)?;
            return Ok(Self {
                body,
                document: None,
            });
        }
        let mut form = Multipart::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let (mut request, mut document) = (None, None);
        loop {
            let field = match form.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    return Err(refused(
                        format!("multipart 请求体无法读取：{}", e.body_text()),
                        format!("the multipart body cannot be read: {}", e.body_text()),
                    ));
                }
            };
            let name = field.name().unwrap_or_default().to_owned();
            let slot = match name.as_str() {
                "request" => &mut request,
                "document" => &mut document,
                other => {
                    return Err(refused(
                        format!(
                            "未知的部分 {other:?}：只接受 request（JSON）和 document（文档字节）"
                        ),
                        format!(
                            "unknown part {other:?}: only request (JSON) and document (the bytes) are taken"
                        ),
                    ));
                }
            };
            let bytes = field.bytes().await.map_err(|e| {
                refused(
                    format!("部分 {name} 无法读取：{}", e.body_text()),
                    format!("part {name} cannot be read: {}", e.body_text()),
                )
            })?;
            if slot.replace(bytes).is_some() {
                return Err(refused(
                    format!("部分 {name} 出现了不止一次"),
                    format!("part {name} appears more than once"),
                ));
            }
        }
        let request = request.ok_or_else(|| {
            refused(
                "缺少 request 部分（请求的 JSON）".into(),
                "no request part (the request's JSON)".into(),
            )
        })?;
        let body = serde_json::from_slice::<T>(&request).map_err(|e| {
            refused(
                format!(
                    "request 部分不是该接口要求的 JSON：{}",
                    super::problem::json_zh(&e.to_string())
                ),
                format!("the request part is not the JSON this endpoint takes: {e}"),
            )
        })?;
        Ok(Self { body, document })
    }
}

/// The document's bytes: from the multipart part, or from the JSON `field` in base64 —
/// exactly one of them.
pub(crate) fn document(
    field: &str,
    base64: Option<&str>,
    part: Option<Bytes>,
) -> ApiResult<Vec<u8>> {
    match (base64, part) {
        (Some(text), None) => super::b64(field, text),
        (None, Some(bytes)) => Ok(bytes.into()),
        (Some(_), Some(_)) => Err(Failure::invalid(
            field,
            format!("文档只能给一次：{field}（Base64）或 document 部分，不能都给"),
            format!("give the document once: {field} (base64) or the document part, not both"),
        )
        .into()),
        (None, None) => Err(Failure::invalid(
            field,
            format!("缺少文档：{field}（Base64）或 multipart 的 document 部分"),
            format!("no document: {field} (base64) or the multipart document part"),
        )
        .into()),
    }
}

/// The header naming the ledger entry (用印记录) of a signature answered as bytes.
pub(crate) const USAGE_HEADER: &str = "eseal-usage";

/// Whether the request's `Accept` asks for the signed bytes themselves — `media` (the
/// document's type) or `application/octet-stream`, with a nonzero quality — rather than the
/// JSON answer (the default, also for `*/*`).
pub(crate) fn wants_bytes(headers: &axum::http::HeaderMap, media: &str) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut params = item.split(';');
            let range = params.next().unwrap_or_default().trim();
            let named = range.eq_ignore_ascii_case(media)
                || range.eq_ignore_ascii_case("application/octet-stream");
            let quality = params
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            named && quality > 0.0
        })
}

/// A signature's answer as the caller asked ([`wants_bytes`]): 201 with the signed bytes as
/// `media` and the ledger entry's ID in [`USAGE_HEADER`] — no base64, no JSON to escape —
/// or 201 with `json(usage, bytes)`.
pub(crate) fn signed_answer<J: serde::Serialize>(
    headers: &axum::http::HeaderMap,
    media: &'static str,
    usage: eseal_core::Usage,
    bytes: Vec<u8>,
    json: impl FnOnce(eseal_core::Usage, Vec<u8>) -> J,
) -> Response {
    if !wants_bytes(headers, media) {
        return (axum::http::StatusCode::CREATED, Json(json(usage, bytes))).into_response();
    }
    let mut answer = (axum::http::StatusCode::CREATED, bytes).into_response();
    let h = answer.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(media),
    );
    // Ledger IDs are ASCII letters and digits; one that were not would leave the header out.
    if let Ok(id) = header::HeaderValue::from_str(&usage.id) {
        h.insert(USAGE_HEADER, id);
    }
    answer
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
    use super::wants_bytes;
    use axum::http::{HeaderMap, HeaderValue, header};

    fn accept(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn bytes_only_when_asked_for_by_name() {
        let ofd = "application/ofd";
        assert!(!wants_bytes(&accept(&[]), ofd));
        assert!(!wants_bytes(&accept(&["*/*"]), ofd));
        assert!(!wants_bytes(&accept(&["application/json"]), ofd));
        assert!(!wants_bytes(&accept(&["application/pdf"]), ofd));
        assert!(wants_bytes(&accept(&["application/ofd"]), ofd));
        assert!(wants_bytes(&accept(&["Application/OFD"]), ofd));
        assert!(wants_bytes(
            &accept(&["application/json;q=0.5, application/octet-stream"]),
            ofd
        ));
        assert!(wants_bytes(
            &accept(&["application/json", "application/ofd; q=0.9"]),
            ofd
        ));
        assert!(!wants_bytes(&accept(&["application/ofd;q=0"]), ofd));
        assert!(!wants_bytes(&accept(&["application/ofd ; q=0.0"]), ofd));
    }
}
