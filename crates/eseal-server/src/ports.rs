//! The outside systems the services are given, as traits (issue 17 item 1): the services
//! call these, never a concrete CA, TSA or clock, so another implementation — a government
//! CA and TSA, an HSM-held maker key, a test double — plugs in without touching them.
//!
//! - [`Pki`]: the certification authority (certify, revoke, publish CRLs, the trust store),
//!   the timestamp authority, the maker's identity and the logs' key. [`DevPki`] (DATA/pki)
//!   is today's implementation.
//! - [`ImpressionRegistry`]: the police system's registered impressions (making official
//!   seals); [`SealStatusSource`]: the national platform's status of seals made elsewhere
//!   (online verification). The HTTP clients in [`crate::connectors`] implement them.
//! - The filing outbox delivers through [`crate::outbox::PoliceFiling`]; the clock is
//!   [`eseal_gm::provider::Clock`]; randomness [`eseal_gm::provider::SecureRandom`]; the HSM
//!   holds the key-encryption key that opens the data key at start ([`crate::hsm`]).
//!
//! [`DevPki`]: crate::devpki::DevPki

use crate::connectors::{NationalClient, PoliceClient, RemoteSealStatus, StatusProblem};
use crate::failure::Failure;
use crate::making::Maker;
use crate::outbox::ConnectorError;
use eseal_core::{RevocationReason, SealKind};
use eseal_gm::provider::{SecureRandom, SoftwareSigner};
use eseal_pki::{Certificate, TrustStore};
use time::OffsetDateTime;

/// The platform's CA, TSA, maker identity and log key.
pub trait Pki: Send + Sync + std::fmt::Debug {
    /// The trust store as of `now`: the root, the intermediates and their current CRLs.
    fn trust(&self, now: OffsetDateTime) -> Result<TrustStore, Failure>;

    /// Certifies the key of a PKCS#10 request (DER; its signature proves possession) for a
    /// seal of `kind`.
    fn certify(
        &self,
        kind: &SealKind,
        csr: &[u8],
        now: OffsetDateTime,
        random: &dyn SecureRandom,
    ) -> Result<Certificate, Failure>;

    /// Revokes the certificate with this serial (hex) when it is this CA's; whether it was.
    fn revoke(
        &self,
        serial_hex: &str,
        reason: RevocationReason,
        at: OffsetDateTime,
    ) -> Result<bool, Failure>;

    /// Publishes fresh CRLs when the current ones near their next update.
    fn refresh_crls(&self, now: OffsetDateTime) -> Result<(), Failure>;

    /// A published file (`root.pem`, `issuing.crl`, `tsa.pem` …) by name.
    fn published_file(&self, name: &str, now: OffsetDateTime) -> Result<Option<String>, Failure>;

    /// The identities the installation record pins: (name, SM3 of its certificate or key).
    fn identities(&self) -> Result<Vec<(String, String)>, Failure>;

    /// The seal maker's certificate and key (制章 signs seal data with it).
    fn maker(&self) -> Maker;

    /// The key that signs the logs' checkpoints.
    fn audit_signer(&self) -> SoftwareSigner;

    /// The root certificate.
    fn root(&self) -> &Certificate;

    /// An RFC 3161 timestamp token over `imprinted` (a signature value, a manifest).
    fn timestamp(
        &self,
        imprinted: &[u8],
        now: OffsetDateTime,
        random: &dyn SecureRandom,
    ) -> Result<Vec<u8>, Failure>;
}

/// A future a port returns (boxed: the ports are used as trait objects).
pub type PortFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// The police seal system's registered impressions (印模备案).
pub trait ImpressionRegistry: Send + Sync + std::fmt::Debug {
    /// The impression registered for the organisation `uscc` and seal `kind` (its image,
    /// checked against its SM3); `None` when none is registered.
    fn registered_impression<'a>(
        &'a self,
        uscc: &'a str,
        kind: &'a SealKind,
    ) -> PortFuture<'a, Result<Option<Vec<u8>>, ConnectorError>>;
}

/// The national platform's answer about seals made elsewhere (mutual recognition).
pub trait SealStatusSource: Send + Sync + std::fmt::Debug {
    /// Where the answers come from (a report names it).
    fn source(&self) -> &str;

    /// The status at `at` of seal `id`, and whether it came from a cache.
    fn status<'a>(
        &'a self,
        id: &'a str,
        at: OffsetDateTime,
    ) -> PortFuture<'a, Result<(RemoteSealStatus, bool), StatusProblem>>;
}

// The connectors' HTTP clients are the ports' implementations today.
impl ImpressionRegistry for PoliceClient {
    fn registered_impression<'a>(
        &'a self,
        uscc: &'a str,
        kind: &'a SealKind,
    ) -> PortFuture<'a, Result<Option<Vec<u8>>, ConnectorError>> {
        Box::pin(async move {
            Ok(PoliceClient::registered_impression(self, uscc, kind)
                .await?
                .map(|(_, image)| image))
        })
    }
}

impl SealStatusSource for NationalClient {
    fn source(&self) -> &str {
        self.base()
    }

    fn status<'a>(
        &'a self,
        id: &'a str,
        at: OffsetDateTime,
    ) -> PortFuture<'a, Result<(RemoteSealStatus, bool), StatusProblem>> {
        Box::pin(NationalClient::status(self, id, at))
    }
}
