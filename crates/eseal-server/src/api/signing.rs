//! Using seals: signing (detached, OFD, PDF, batch, external), signing sessions, PINs, the usage ledger, position-seal scopes.

use super::*;
use crate::documents::Visible;

/// This resource's rows of the endpoint table ([`super::ENDPOINTS`]).
pub(super) const ROWS: &[Endpoint] = &[
    ep!(
        "POST",
        "/api/v1/seals/{id}/unlock",
        post(unlock),
        Access::Roles(roles::USE_SEAL),
        "Open a signing session with the PIN (key held in memory for ≤ 10 minutes and ≤ 1,000 signatures)",
        "开启签章会话（输入一次口令）",
        r#"{"pin":"{{pin}}","minutes":10,"signatures":100}"#
    )
    .request(schema::<UnlockBody>)
    .ok(201, schema::<views::SigningSession>),
    ep!(
        "POST",
        "/api/v1/seals/{id}/sign/ofd",
        post(sign_ofd),
        Access::Roles(roles::USE_SEAL),
        "Sign an OFD (GB/T 33190) with a visible stamp, with a platform-held key under its PIN",
        "OFD 文档签章",
        r#"{"pin":"{{pin}}","ofd":"{{ofd}}","placement":{"page":{"page":1,"x":120,"y":200}},"document_name":"合同.ofd","purpose":"签订合同"}"#
    )
    .limit(MATERIAL_LIMIT * 2)
    .document_part()
    .request(schema::<SignOfdBody>)
    .ok(201, schema::<views::SignedOfd>)
    .or_bytes("application/ofd"),
    ep!(
        "POST",
        "/api/v1/seals/{id}/sign/pdf",
        post(sign_pdf),
        Access::Roles(roles::USE_SEAL),
        "Sign a PDF by incremental update — form ses (default): an SES_Signature in /Contents (GM.sm2seal); form cms: a detached CMS SignedData with SM2/SM3 (adbe.pkcs7.detached) — with the seal's picture at a page position (mm from the top-left), on a keyword, as a riding seal, or invisibly; optionally certifying (DocMDP); with a platform-held key under its PIN or a session",
        "PDF 文档签章",
        r#"{"pin":"{{pin}}","pdf":"{{pdf}}","placement":{"page":1,"x":120,"y":200},"form":"cms","document_name":"合同.pdf","purpose":"签订合同"}"#
    )
    .limit(MATERIAL_LIMIT * 2)
    .document_part()
    .request(schema::<SignPdfBody>)
    .ok(201, schema::<views::SignedPdf>)
    .or_bytes("application/pdf"),
    ep!(
        "POST",
        "/api/v1/seals/{id}/sign/batch",
        post(sign_batch),
        Access::Roles(roles::USE_SEAL),
        "Sign up to 100 documents (detached, OFD or PDF) under one PIN or session, one purpose and approval; one result per document",
        "批量签章",
        r#"{"pin":"{{pin}}","purpose":"签订合同","documents":[{"document_name":"a.pdf","data":"{{data}}"},{"document_name":"b.ofd","ofd":"{{ofd}}","placement":{"page":{"page":1,"x":120,"y":200}}}]}"#
    )
    .limit(MATERIAL_LIMIT * 5)
    .request(schema::<BatchBody>)
    .ok(201, schema::<views::BatchAnswer>),
    ep!(
        "PUT",
        "/api/v1/seals/{id}/scope",
        axum::routing::put(put_scope),
        Access::Roles(roles::SET_SCOPE),
        "Set a position seal's authorised scope (document types, business categories, amount limit)",
        "设置职务章授权范围",
        r#"{"document_types":["报销单"],"business_categories":["财务"],"amount_limit":50000}"#
    )
    .request(schema::<ScopeBody>)
    .ok(200, schema::<eseal_core::PositionScope>),
    ep!(
        "POST",
        "/api/v1/seals/{id}/sign/prepare",
        post(prepare_external),
        Access::Roles(roles::USE_SEAL),
        "External signer, step 1: the exact TBS_Sign bytes for the holder's device to sign",
        "外部签名（设备持钥）第一步：待签数据",
        r#"{"data":"{{data}}","document_name":"合同.pdf","purpose":"签订合同","counterparty":null,"use_request":null}"#
    )
    .limit(MAKE_LIMIT)
    .request(schema::<PrepareBody>)
    .ok(201, schema::<views::Prepared>),
    ep!(
        "POST",
        "/api/v1/usages/{id}/finish",
        post(finish_external),
        Access::Roles(roles::USE_SEAL),
        "External signer, step 2: the device's SM2 signature; checked, assembled, recorded",
        "外部签名第二步：提交设备签名值",
        r#"{"signature":"{{device_signature}}"}"#
    )
    .request(schema::<FinishBody>)
    .ok(200, schema::<views::SignedData>),
    ep!(
        "POST",
        "/api/v1/seals/{id}/sign",
        post(sign),
        Access::Roles(roles::USE_SEAL),
        "Sign data (detached SES_Signature) with a platform-held seal key under its PIN",
        "签章（分离式签名）",
        r#"{"pin":"{{pin}}","data":"{{data}}","document_name":"合同.pdf","purpose":"签订合同","counterparty":"某公司"}"#
    )
    .limit(MAKE_LIMIT)
    .document_part()
    .request(schema::<SignBody>)
    .ok(201, schema::<views::SignedData>)
    .or_bytes("application/octet-stream"),
    ep!(
        "POST",
        "/api/v1/seals/{id}/pin",
        post(change_pin),
        Access::Roles(roles::USE_SEAL),
        "Change the seal's PIN (old + new)",
        "修改印章口令",
        r#"{"old_pin":"{{pin}}","new_pin":"{{new_pin}}"}"#
    )
    .request(schema::<PinBody>)
    .ok(200, schema::<views::PinChanged>),
    ep!(
        "GET",
        "/api/v1/seals/{id}/usages",
        get(usages),
        Access::Roles(roles::READ_USAGES),
        "The seal's usage ledger, at most 500 per page (?after= the last id of the previous page; x-next-after names it when there are more)",
        "用印登记"
    )
    .query(schema::<AfterQuery>)
    .ok(200, schema::<Vec<eseal_core::Usage>>),
];

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct SignBody {
    /// The PIN; or `session`, a signing session token from `/seals/{id}/unlock`.
    pub(crate) pin: Option<String>,
    pub(crate) session: Option<String>,
    /// The data, base64 (≤ 3 MiB); or give its SM3 instead; or send the body as
    /// `multipart/form-data` with this JSON as the part `request` and the data's bytes as the
    /// part `document`.
    pub(crate) data: Option<String>,
    pub(crate) document_sm3: Option<String>,
    #[serde(flatten)]
    pub(crate) using: UseBody,
}

pub(crate) async fn sign(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    parts::WithDocument { body: b, document }: parts::WithDocument<SignBody>,
) -> ApiResult<Response> {
    let digest = match (&b.document_sm3, document) {
        (None, Some(bytes)) => {
            eseal_gm::Sm3Digest::of(&parts::document("data", b.data.as_deref(), Some(bytes))?)
        }
        (Some(_), Some(_)) => {
            return Err(Failure::invalid(
                "document_sm3",
                "document 部分和 document_sm3 只能给一个",
                "give the document part or document_sm3, not both",
            )
            .into());
        }
        (_, None) => digest_of(&b.data, &b.document_sm3)?,
    };
    let signed = s
        .signing()
        .sign(
            &c,
            &id,
            credential(&b.pin, &b.session)?,
            b.using.into_input(digest, None),
        )
        .await?;
    Ok(parts::signed_answer(
        &headers,
        "application/octet-stream",
        signed.usage,
        signed.signature,
        |usage, sig| views::SignedData {
            usage,
            signature: Base64::encode_string(&sig),
        },
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PlacementBody {
    /// Page (1-based) and top-left corner in mm.
    Page { page: usize, x: f32, y: f32 },
    /// Centred on a keyword.
    Keyword(String),
    /// A riding seal across the pages' right edges, y mm from the top.
    Riding { y: f32 },
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct SignOfdBody {
    /// The PIN; or `session`, a signing session token from `/seals/{id}/unlock`.
    pub(crate) pin: Option<String>,
    pub(crate) session: Option<String>,
    /// The OFD, base64; or send the body as `multipart/form-data` with this JSON as the part
    /// `request` and the OFD's bytes as the part `document`.
    pub(crate) ofd: Option<String>,
    pub(crate) placement: PlacementBody,
    #[serde(flatten)]
    pub(crate) using: UseBody,
}

pub(crate) async fn sign_ofd(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    parts::WithDocument { body: b, document }: parts::WithDocument<SignOfdBody>,
) -> ApiResult<Response> {
    let ofd = parts::document("ofd", b.ofd.as_deref(), document)?;
    let sm3 = eseal_gm::Sm3Digest::of(&ofd);
    let signed = s
        .signing()
        .sign(
            &c,
            &id,
            credential(&b.pin, &b.session)?,
            b.using
                .into_input(sm3, Some(Visible::Ofd(ofd, placement(b.placement)))),
        )
        .await?;
    Ok(parts::signed_answer(
        &headers,
        "application/ofd",
        signed.usage,
        signed.signature,
        |usage, ofd| views::SignedOfd {
            usage,
            ofd: Base64::encode_string(&ofd),
        },
    ))
}

/// Where a PDF's stamp goes: `{"page","x","y"}` (the page, 1-based, and the stamp's top-left
/// corner in mm from the page's top-left corner), or any placement a document takes —
/// `{"page":{…}}`, `{"keyword":…}`, `{"riding":{"y":…}}`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub(crate) enum PdfPlacementBody {
    /// A page and a position.
    Position {
        /// 1-based page.
        page: usize,
        /// mm from the left edge.
        x: f32,
        /// mm from the top edge.
        y: f32,
    },
    /// A page position, a keyword or a riding seal, as for OFD.
    Placement(PlacementBody),
}

impl PdfPlacementBody {
    fn into_stamp_at(self) -> Result<eseal_doc::PdfStampAt, Failure> {
        match self {
            Self::Position { page, x, y } => {
                Ok(eseal_doc::PdfStampAt::Position(eseal_doc::PdfPlacement {
                    page,
                    x,
                    y,
                }))
            }
            Self::Placement(p) => crate::documents::pdf_placement(&placement(p)),
        }
    }
}

/// A PDF signature's form (formats.md §10).
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PdfFormBody {
    /// The GB/T 38540 SES_Signature, the seal inside.
    Ses,
    /// A detached CMS SignedData with SM2/SM3.
    Cms,
}

impl From<PdfFormBody> for eseal_doc::PdfForm {
    fn from(f: PdfFormBody) -> Self {
        match f {
            PdfFormBody::Ses => Self::Ses,
            PdfFormBody::Cms => Self::Cms,
        }
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct SignPdfBody {
    /// The PIN; or `session`, a signing session token from `/seals/{id}/unlock`.
    pub(crate) pin: Option<String>,
    pub(crate) session: Option<String>,
    /// The PDF, base64; or send the body as `multipart/form-data` with this JSON as the part
    /// `request` and the PDF's bytes as the part `document`.
    pub(crate) pdf: Option<String>,
    /// The stamp's place; absent: an invisible signature.
    pub(crate) placement: Option<PdfPlacementBody>,
    /// Certify the document (DocMDP), e.g. an official document: 1 no later change, 2 form
    /// fill and signatures, 3 also annotations. Only a document's first signature certifies.
    pub(crate) certify: Option<u8>,
    /// The signature's form: `ses` (default), the GB/T 38540 SES_Signature with the seal
    /// inside, or `cms`, a detached CMS SignedData with SM2/SM3 (adbe.pkcs7.detached).
    pub(crate) form: Option<PdfFormBody>,
    #[serde(flatten)]
    pub(crate) using: UseBody,
}

pub(crate) async fn sign_pdf(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    parts::WithDocument { body: b, document }: parts::WithDocument<SignPdfBody>,
) -> ApiResult<Response> {
    let pdf = parts::document("pdf", b.pdf.as_deref(), document)?;
    // Hashed once: the ledger's document SM3 now, the signature's digest and the signed
    // file's SM3 later from the same state.
    let hashed = eseal_doc::HashedPdf::of(&pdf);
    let sm3 = hashed.digest();
    let document = Visible::Pdf(
        pdf,
        crate::documents::PdfOptions {
            placement: b
                .placement
                .map(PdfPlacementBody::into_stamp_at)
                .transpose()?,
            certify: b.certify,
            form: b.form.map(Into::into).unwrap_or_default(),
            hashed: Some(hashed),
        },
    );
    let signed = s
        .signing()
        .sign(
            &c,
            &id,
            credential(&b.pin, &b.session)?,
            b.using.into_input(sm3, Some(document)),
        )
        .await?;
    Ok(parts::signed_answer(
        &headers,
        "application/pdf",
        signed.usage,
        signed.signature,
        |usage, pdf| views::SignedPdf {
            usage,
            pdf: Base64::encode_string(&pdf),
        },
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct BatchDocument {
    pub(crate) document_name: String,
    /// One of: the data (base64), its SM3, an OFD (base64) with a placement, or a PDF
    /// (base64) with a placement (a page position, a keyword or a riding seal) or none.
    pub(crate) data: Option<String>,
    pub(crate) document_sm3: Option<String>,
    pub(crate) ofd: Option<String>,
    pub(crate) pdf: Option<String>,
    pub(crate) placement: Option<PlacementBody>,
    /// A PDF's signature form (`ses`, the default, or `cms`).
    pub(crate) form: Option<PdfFormBody>,
    /// A PDF's certification (DocMDP level 1–3).
    pub(crate) certify: Option<u8>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct BatchBody {
    pub(crate) pin: Option<String>,
    pub(crate) session: Option<String>,
    pub(crate) documents: Vec<BatchDocument>,
    pub(crate) purpose: String,
    pub(crate) counterparty: Option<String>,
    pub(crate) use_request: Option<String>,
    pub(crate) document_type: Option<String>,
    pub(crate) business_category: Option<String>,
    pub(crate) amount: Option<u64>,
}

pub(crate) fn placement(p: PlacementBody) -> eseal_doc::Placement {
    match p {
        PlacementBody::Page { page, x, y } => eseal_doc::Placement::Page { page, x, y },
        PlacementBody::Keyword(k) => eseal_doc::Placement::Keyword(k),
        PlacementBody::Riding { y } => eseal_doc::Placement::Riding { y },
    }
}

/// Batch signing: up to [`crate::signing::BATCH_MAX`] documents (detached or OFD) under one
/// PIN or session, one purpose and approval. 201 with one result per document, in order;
/// if none could be signed, the first document's error.
pub(crate) async fn sign_batch(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<BatchBody>,
) -> ApiResult<(StatusCode, Json<views::BatchAnswer>)> {
    let mut inputs = Vec::with_capacity(b.documents.len());
    // What each document is: 0 detached, 1 OFD, 2 PDF.
    let mut kinds = Vec::with_capacity(b.documents.len());
    for (i, d) in b.documents.into_iter().enumerate() {
        let using = UseBody {
            document_name: d.document_name,
            purpose: b.purpose.clone(),
            counterparty: b.counterparty.clone(),
            use_request: b.use_request.clone(),
            document_type: b.document_type.clone(),
            business_category: b.business_category.clone(),
            amount: b.amount,
        };
        if d.pdf.is_none() && (d.form.is_some() || d.certify.is_some()) {
            return Err(Failure::invalid(
                "form",
                format!("documents[{i}]：签名形式（form）和认证（certify）只用于 PDF 文件"),
                format!("documents[{i}]: form and certify are for a PDF only"),
            )
            .into());
        }
        let (form, certify) = (d.form, d.certify);
        let input = match (d.ofd, d.pdf, d.placement) {
            (Some(_), Some(_), _) => {
                return Err(Failure::invalid(
                    "pdf",
                    format!("documents[{i}]：一份文件只能是 OFD 或 PDF 之一"),
                    format!("documents[{i}]: a document is an OFD or a PDF, not both"),
                )
                .into());
            }
            (Some(ofd), None, Some(p)) => {
                let ofd = b64(&format!("documents[{i}].ofd"), &ofd)?;
                let sm3 = eseal_gm::Sm3Digest::of(&ofd);
                using.into_input(sm3, Some(Visible::Ofd(ofd, placement(p))))
            }
            (Some(_), None, None) => {
                return Err(Failure::invalid(
                    "placement",
                    format!("documents[{i}]：OFD 文件须指定签章位置"),
                    format!("documents[{i}]: an OFD needs a placement"),
                )
                .into());
            }
            (None, Some(pdf), p) => {
                let at = match p {
                    None => None,
                    Some(p) => Some(crate::documents::pdf_placement(&placement(p))?),
                };
                let pdf = b64(&format!("documents[{i}].pdf"), &pdf)?;
                let hashed = eseal_doc::HashedPdf::of(&pdf);
                using.into_input(
                    hashed.digest(),
                    Some(Visible::Pdf(
                        pdf,
                        crate::documents::PdfOptions {
                            placement: at,
                            certify,
                            form: form.map(Into::into).unwrap_or_default(),
                            hashed: Some(hashed),
                        },
                    )),
                )
            }
            (None, None, _) => using.into_input(digest_of(&d.data, &d.document_sm3)?, None),
        };
        kinds.push(match &input.document {
            Some(Visible::Ofd(..)) => 1u8,
            Some(Visible::Pdf(..)) => 2,
            None => 0,
        });
        inputs.push(input);
    }
    let results = s
        .signing()
        .sign_batch(&c, &id, credential(&b.pin, &b.session)?, inputs)
        .await?;
    let out: Vec<views::BatchResult> = results
        .into_iter()
        .zip(kinds)
        .map(|(r, kind)| match r {
            Ok(signed) if kind == 1 => views::BatchResult::Ofd(views::SignedOfd {
                usage: signed.usage,
                ofd: Base64::encode_string(&signed.signature),
            }),
            Ok(signed) if kind == 2 => views::BatchResult::Pdf(views::SignedPdf {
                usage: signed.usage,
                pdf: Base64::encode_string(&signed.signature),
            }),
            Ok(signed) => views::BatchResult::Data(views::SignedData {
                usage: signed.usage,
                signature: Base64::encode_string(&signed.signature),
            }),
            Err(e) => views::BatchResult::Refused {
                error: ApiError::from(e).problem(false),
            },
        })
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(views::BatchAnswer { results: out }),
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct PrepareBody {
    pub(crate) data: Option<String>,
    pub(crate) document_sm3: Option<String>,
    #[serde(flatten)]
    pub(crate) using: UseBody,
}

/// What every signing request says about the use (R-AUDIT-2) and, for position seals, the
/// document (R-USE-3).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct UseBody {
    pub(crate) document_name: String,
    pub(crate) purpose: String,
    pub(crate) counterparty: Option<String>,
    /// The approved use request (official seals).
    pub(crate) use_request: Option<String>,
    /// Position seals: what the document is, checked against the authorised scope.
    pub(crate) document_type: Option<String>,
    pub(crate) business_category: Option<String>,
    pub(crate) amount: Option<u64>,
}

impl UseBody {
    fn into_input(
        self,
        document_sm3: eseal_gm::Sm3Digest,
        document: Option<Visible>,
    ) -> crate::signing::SignInput {
        crate::signing::SignInput {
            document_sm3,
            document_name: self.document_name,
            purpose: self.purpose,
            counterparty: self.counterparty,
            use_request: self.use_request,
            claim: eseal_core::UseClaim {
                document_type: self.document_type,
                business_category: self.business_category,
                amount: self.amount,
            },
            document,
        }
    }
}

pub(crate) fn digest_of(
    data: &Option<String>,
    sm3: &Option<String>,
) -> ApiResult<eseal_gm::Sm3Digest> {
    match (data, sm3) {
        (Some(d), None) => Ok(eseal_gm::Sm3Digest::of(&b64("data", d)?)),
        (None, Some(h)) => hex::decode(h)
            .ok()
            .and_then(|v| eseal_gm::Sm3Digest::from_slice(&v))
            .ok_or_else(|| {
                Failure::invalid(
                    "document_sm3",
                    "不是十六进制的 SM3 摘要",
                    "not an SM3 digest in hex",
                )
                .into()
            }),
        _ => Err(Failure::invalid(
            "data",
            "data（Base64）和 document_sm3 须且只能给出一个",
            "give exactly one of data (base64) or document_sm3",
        )
        .into()),
    }
}

pub(crate) async fn prepare_external(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<PrepareBody>,
) -> ApiResult<(StatusCode, Json<views::Prepared>)> {
    let digest = digest_of(&b.data, &b.document_sm3)?;
    let p = s
        .signing()
        .prepare_external(&c, &id, b.using.into_input(digest, None))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(views::Prepared {
            finish_by: rfc(p.usage.created + crate::signing::INTENT_TIMEOUT),
            usage: p.usage,
            to_be_signed: Base64::encode_string(&p.to_be_signed),
            signer_id: eseal_gm::DEFAULT_SIGNER_ID,
        }),
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct FinishBody {
    pub(crate) signature: String,
}

pub(crate) async fn finish_external(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<FinishBody>,
) -> ApiResult<Json<views::SignedData>> {
    let sig = b64("signature", &b.signature)?;
    let signed = s.signing().finish_external(&c, &id, &sig).await?;
    Ok(Json(views::SignedData {
        usage: signed.usage,
        signature: Base64::encode_string(&signed.signature),
    }))
}

pub(crate) fn credential(
    pin: &Option<String>,
    session: &Option<String>,
) -> ApiResult<crate::signing::Credential> {
    match (pin, session) {
        (Some(p), None) => Ok(crate::signing::Credential::Pin(p.clone())),
        (None, Some(t)) => Ok(crate::signing::Credential::Session(t.clone())),
        _ => Err(Failure::invalid(
            "pin",
            "pin 和 session 须且只能给出一个",
            "give exactly one of pin or session",
        )
        .into()),
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct UnlockBody {
    pub(crate) pin: String,
    #[serde(default = "ten")]
    pub(crate) minutes: i64,
    #[serde(default = "hundred")]
    pub(crate) signatures: u32,
}

pub(crate) fn ten() -> i64 {
    10
}

pub(crate) fn hundred() -> u32 {
    100
}

pub(crate) async fn unlock(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<UnlockBody>,
) -> ApiResult<(StatusCode, Json<views::SigningSession>)> {
    let session = s
        .signing()
        .unlock(&c, &id, &b.pin, b.minutes, b.signatures)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(views::SigningSession {
            expires_at: session.expires_at(),
            session: session.token,
            signatures: b.signatures,
        }),
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct PinBody {
    pub(crate) old_pin: String,
    pub(crate) new_pin: String,
}

pub(crate) async fn change_pin(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<PinBody>,
) -> ApiResult<Json<views::PinChanged>> {
    let pin = s
        .signing()
        .change_pin(&c, &id, &b.old_pin, &b.new_pin)
        .await?;
    Ok(Json(views::PinChanged {
        age: pin.age(s.now()),
        pin,
    }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct AfterQuery {
    pub(crate) after: Option<String>,
}

/// The usage ledger of a seal, a page at a time in id order; `x-next-after` says where the
/// next page starts when this one is full.
pub(crate) async fn usages(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<AfterQuery>,
) -> ApiResult<Response> {
    let (body, next) = s
        .signing()
        .usages(&c, &id, q.after.as_deref().unwrap_or(""))
        .await?;
    let mut resp = Json(body).into_response();
    if let Some(next) = next.and_then(|n| HeaderValue::from_str(&n).ok()) {
        resp.headers_mut().insert("x-next-after", next);
    }
    Ok(resp)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct ScopeBody {
    pub(crate) document_types: Vec<String>,
    #[serde(default)]
    pub(crate) business_categories: Vec<String>,
    pub(crate) amount_limit: Option<u64>,
}

pub(crate) async fn put_scope(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(b): Json<ScopeBody>,
) -> ApiResult<Json<eseal_core::PositionScope>> {
    let scope = crate::service::Scope {
        document_types: b.document_types,
        business_categories: b.business_categories,
        amount_limit: b.amount_limit,
    };
    Ok(Json(
        s.signing()
            .set_scope(&c, &id, scope, if_match(&headers).as_deref())
            .await?,
    ))
}
