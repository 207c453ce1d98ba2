//! PKCS#10 certification requests for SM2 keys, so a key generated inside eseal (or an HSM)
//! can be certified by an outside CA.

use crate::error::PkiError;
use crate::issue::{BuilderKey, SpkiKey};
use der::asn1::BitString;
use der::{Decode, Encode};
use eseal_gm::provider::Sm2Signer;
use x509_cert::builder::{Builder, RequestBuilder};
use x509_cert::name::Name;
use x509_cert::request::CertReq;

/// A DER `CertificationRequest` for the signer's key and `subject`, signed by that key
/// (proof of possession).
pub fn build_csr(subject: Name, signer: &dyn Sm2Signer) -> Result<Vec<u8>, PkiError> {
    let mut builder = RequestBuilder::new(subject).map_err(|e| PkiError::Build(e.to_string()))?;
    let key = BuilderKey {
        public: SpkiKey(signer.public_key()),
    };
    let info = builder
        .finalize(&key)
        .map_err(|e| PkiError::Build(e.to_string()))?;
    let sig = signer
        .sign(&info)
        .map_err(|e| PkiError::Build(e.to_string()))?;
    let req = builder
        .assemble(BitString::from_bytes(&sig.to_der())?, &key)
        .map_err(|e| PkiError::Build(e.to_string()))?;
    Ok(req.to_der()?)
}

/// Read a CSR (PEM `CERTIFICATE REQUEST` or DER), check its self-signature, and return the
/// subject and the SM2 public key.
pub fn read_csr(bytes: &[u8]) -> Result<(Name, eseal_gm::Sm2PublicKey), PkiError> {
    let der = crate::pem::der_or_blocks(bytes, "CERTIFICATE REQUEST", "CSR")?
        .into_iter()
        .next()
        .ok_or_else(|| PkiError::Pem("no CERTIFICATE REQUEST block".into()))?;
    let req = CertReq::from_der(&der).map_err(|e| PkiError::BadCertificate(format!("CSR: {e}")))?;
    let key = eseal_gm::Sm2PublicKey::from_sec1(req.info.public_key.subject_public_key.raw_bytes())
        .map_err(|e| PkiError::BadCertificate(format!("CSR key is not SM2: {e}")))?;
    let info = crate::cert::first_element(&der)?;
    if crate::cert::verify_sm2(&key, &info, req.signature.raw_bytes()).is_none() {
        return Err(PkiError::BadCertificate(
            "the CSR's self-signature does not verify".into(),
        ));
    }
    Ok((req.info.subject, key))
}
