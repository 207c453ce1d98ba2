//! Health, the PKI files (certificates, CRLs) and `/metrics`.

use super::*;

/// This resource's rows of the endpoint table ([`super::ENDPOINTS`]).
pub(super) const ROWS: &[Endpoint] = &[
    ep!(
        "GET",
        "/api/v1/health",
        get(health),
        Access::Public,
        "Liveness and the storage backend",
        "健康检查"
    )
    .ok(200, schema::<views::Health>),
    ep!(
        "GET",
        "/api/v1/pki",
        get(pki_index),
        Access::Public,
        "What a relying party needs to verify this platform's documents offline: the CA certificates, the TSA certificate and the CRLs (refreshed daily and on every revocation), each with its URL and SM3",
        "离线验证所需的证书与吊销列表（公开）"
    )
    .ok(200, schema::<views::PkiIndex>),
    ep!(
        "GET",
        "/api/v1/pki/{file}",
        get(pki_file),
        Access::Public,
        "One of root.pem, issuing.pem, tsa.pem, crl.pem, root-crl.pem (PEM); `eseal trust fetch URL DIR` fetches them all",
        "下载证书或吊销列表（公开）"
    )
    .media("application/x-pem-file"),
    ep!(
        "GET",
        "/metrics",
        get(crate::ops::metrics),
        Access::Roles(&[SystemAdmin, SecurityAdmin, Auditor]),
        "Prometheus metrics: requests by route and status, signatures, filings pending and overdue, checkpoint ages (a scraper uses a system account's token with the auditor role)",
        "运行指标（Prometheus 格式）"
    )
    .media("text/plain"),
];

pub(crate) async fn health(State(s): State<AppState>) -> Json<views::Health> {
    Json(views::Health {
        status: "ok",
        backend: format!("{:?}", s.store().backend()).to_ascii_lowercase(),
        version: env!("CARGO_PKG_VERSION"),
    })
}

pub(crate) async fn pki_index(State(s): State<AppState>) -> ApiResult<Json<views::PkiIndex>> {
    let now = s.now();
    let mut files = Vec::new();
    for name in crate::devpki::PUBLISHED {
        let pem = s.pki().published_file(name, now)?.unwrap_or_default();
        files.push(views::PkiFile {
            name,
            url: format!("/api/v1/pki/{name}"),
            sm3: eseal_gm::Sm3Digest::of(pem.as_bytes()).to_hex(),
        });
    }
    Ok(Json(views::PkiIndex {
        files,
        root_sm3: eseal_gm::Sm3Digest::of(s.pki().root().der()).to_hex(),
        note: "compare root_sm3 (the SM3 of the root certificate's DER) with the fingerprint the agency publishes before trusting it",
    }))
}

pub(crate) async fn pki_file(
    State(s): State<AppState>,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    let pem = s
        .pki()
        .published_file(&file, s.now())?
        .ok_or_else(|| Failure::not_found(Thing::File, &file))?;
    let mut resp = pem.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-pem-file"),
    );
    Ok(resp)
}
