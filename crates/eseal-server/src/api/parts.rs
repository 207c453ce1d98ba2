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
