//! Online verification and archive packages (public).

use super::*;

/// This resource's rows of the endpoint table ([`super::ENDPOINTS`]).
pub(super) const ROWS: &[Endpoint] = &[
    ep!(
        "POST",
        "/api/v1/verify",
        post(verify),
        Access::Public,
        "Verify online: an OFD, a PDF, or a detached signature with its data; the offline report plus the registry's status at signing time and ledger entry",
        "在线验章",
        r#"{"ofd":"{{signed_ofd}}"}"#
    )
    .limit(MATERIAL_LIMIT * 2)
    .rate(crate::limits::Class::Verify)
    .request(schema::<VerifyBody>)
    .ok(200, schema::<views::VerifyAnswer>),
    ep!(
        "POST",
        "/api/v1/archives",
        post(archive_create),
        Access::Public,
        "Make an archive package (R-ARCH-1) of a document that verifies — an OFD, or a detached signature with its data: the report, the certificates and CRLs, each seal's status answer and seal log proof, under the platform TSA's timestamp; an ASiC-E-style ZIP (docs/archive.md), checked offline by `eseal archive verify`",
        "制作归档包（长期保存）",
        r#"{"ofd":"{{signed_ofd}}","name":"合同.ofd"}"#
    )
    .limit(MATERIAL_LIMIT * 2)
    .rate(crate::limits::Class::Verify)
    .request(schema::<ArchiveBody>)
    .media(crate::archive::MEDIA_TYPE),
    ep!(
        "POST",
        "/api/v1/archives/renew",
        post(archive_renew),
        Access::Public,
        "Renew an archive package before its last timestamp's certificate expires: it must still verify; the platform's current certificates and CRLs and a new timestamp over the whole package are added",
        "归档包续期（加盖新时间戳）",
        r#"{"archive":"{{archive}}"}"#
    )
    .limit(crate::archive::MAX_ARCHIVE / 3 * 4 + (64 << 10))
    .rate(crate::limits::Class::Verify)
    .request(schema::<ArchiveRenewBody>)
    .media(crate::archive::MEDIA_TYPE),
];

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct VerifyBody {
    /// An OFD (base64).
    pub(crate) ofd: Option<String>,
    /// Or a PDF (base64).
    pub(crate) pdf: Option<String>,
    /// Or a detached SES_Signature (base64) with its data or the data's SM3.
    pub(crate) signature: Option<String>,
    pub(crate) data: Option<String>,
    pub(crate) data_sm3: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ArchiveBody {
    /// An OFD (base64).
    pub(crate) ofd: Option<String>,
    /// Or a detached SES_Signature (base64) …
    pub(crate) signature: Option<String>,
    /// … with the data it signs (base64).
    pub(crate) data: Option<String>,
    /// A file name for the document (the data's, for a detached signature).
    pub(crate) name: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ArchiveRenewBody {
    /// The package (base64).
    pub(crate) archive: String,
}

pub(crate) fn archive_answer(bytes: Vec<u8>) -> Response {
    let mut resp = bytes.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::archive::MEDIA_TYPE),
    );
    resp.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"archive.zip\""),
    );
    resp
}

pub(crate) async fn archive_create(
    State(s): State<AppState>,
    Json(b): Json<ArchiveBody>,
) -> ApiResult<Response> {
    use crate::archive::{Document, DocumentKind};
    let name = b.name.unwrap_or_default();
    let doc = match (&b.ofd, &b.signature, &b.data) {
        (Some(ofd), None, None) => Document {
            kind: DocumentKind::Ofd,
            name,
            bytes: b64("ofd", ofd)?,
            data: None,
        },
        (None, Some(sig), Some(data)) => Document {
            kind: DocumentKind::Detached,
            name: "signature.ses".into(),
            bytes: b64("signature", sig)?,
            data: Some((name, b64("data", data)?)),
        },
        _ => {
            return Err(Failure::invalid(
                "ofd",
                "请提供 ofd，或签名及其原文",
                "give an ofd, or a signature with its data",
            )
            .into());
        }
    };
    Ok(archive_answer(crate::archive::create_for(&s, doc).await?))
}

pub(crate) async fn archive_renew(
    State(s): State<AppState>,
    Json(b): Json<ArchiveRenewBody>,
) -> ApiResult<Response> {
    let bytes = b64("archive", &b.archive)?;
    Ok(archive_answer(crate::archive::renew_for(&s, &bytes).await?))
}

pub(crate) async fn verify(
    State(s): State<AppState>,
    Json(b): Json<VerifyBody>,
) -> ApiResult<Json<views::VerifyAnswer>> {
    // Public and costly: bounded work per request, stopped when the client goes away (the
    // handler's future is dropped, and with it this guard).
    let cancel = crate::verifying::CancelOnDrop::default();
    let verification = s.verification();
    let answer = match (&b.ofd, &b.pdf, &b.signature) {
        (Some(ofd), None, None) => verification.ofd(b64("ofd", ofd)?, cancel.flag()).await?,
        (None, Some(pdf), None) => verification.pdf(b64("pdf", pdf)?, cancel.flag()).await?,
        (None, None, Some(sig)) => {
            let digest = match (&b.data, &b.data_sm3) {
                (Some(d), None) => eseal_gm::Sm3Digest::of(&b64("data", d)?),
                (None, Some(h)) => hex::decode(h)
                    .ok()
                    .and_then(|v| eseal_gm::Sm3Digest::from_slice(&v))
                    .ok_or_else(|| {
                        Failure::invalid(
                            "data_sm3",
                            "不是十六进制的 SM3 摘要",
                            "not an SM3 digest in hex",
                        )
                    })?,
                _ => {
                    return Err(Failure::invalid(
                        "data",
                        "分离式签名须提供 data（Base64）或 data_sm3",
                        "a detached signature needs data (base64) or data_sm3",
                    )
                    .into());
                }
            };
            verification
                .detached(&b64("signature", sig)?, digest)
                .await?
        }
        _ => {
            return Err(Failure::invalid(
                "ofd",
                "请提供 ofd 或 pdf，或签名及其原文",
                "give an ofd or a pdf, or a signature with its data",
            )
            .into());
        }
    };
    drop(cancel);
    Ok(Json(answer))
}
