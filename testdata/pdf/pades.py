#!/usr/bin/env python3
"""PAdES signatures by an independent implementation (pyHanko), for eseal's cross-check.

Usage: pades.py INPUT.pdf OUTDIR

For each of RSA-2048 and ECDSA P-256 it makes a test CA (a self-signed root), a signer
certificate under it and the CA's empty CRL (Python's `cryptography`), then signs INPUT.pdf
with pyHanko (a detached CMS under /SubFilter /adbe.pkcs7.detached, SHA-256, signing
certificate v2) as OUTDIR/{rsa,ec}.pdf; OUTDIR/{rsa,ec}-trust/ holds the CA certificate
(PEM) and its CRL (DER): the trust store to verify with. Then it signs the RSA file again
with the EC signer (OUTDIR/both.pdf: two signatures of two tools' algorithms in a row).
Keys and certificates are made anew each run and never kept.
"""

import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

NOT_BEFORE = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
NOT_AFTER = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)


def name(cn):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "PAdES Test"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def new_key(kind):
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def pki(kind, out):
    ca_key, key = new_key(kind), new_key(kind)
    ca_name = name(f"{kind.upper()} Test Root")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name(f"{kind.upper()} Signer"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    now = datetime.datetime.now(datetime.timezone.utc)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_name)
        .last_update(now - datetime.timedelta(hours=1))
        .next_update(now + datetime.timedelta(days=30))
        .sign(ca_key, hashes.SHA256())
    )
    trust = os.path.join(out, f"{kind}-trust")
    os.makedirs(trust, exist_ok=True)
    with open(os.path.join(trust, "ca.pem"), "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(trust, "ca.crl"), "wb") as f:
        f.write(crl.public_bytes(serialization.Encoding.DER))
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    from asn1crypto import keys as asn1_keys, x509 as asn1_x509

    key_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(leaf.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(ca.public_bytes(serialization.Encoding.DER))]
        ),
    )


def sign(signer, field, src, dst):
    with open(src, "rb") as f:
        w = IncrementalPdfFileWriter(f)
        meta = signers.PdfSignatureMetadata(field_name=field, md_algorithm="sha256")
        with open(dst, "wb") as out:
            signers.sign_pdf(w, meta, signer=signer, output=out)


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    signed = {}
    for kind in ("rsa", "ec"):
        signed[kind] = pki(kind, out)
        sign(signed[kind], f"{kind}-signature", src, os.path.join(out, f"{kind}.pdf"))
    sign(signed["ec"], "ec-signature", os.path.join(out, "rsa.pdf"), os.path.join(out, "both.pdf"))


if __name__ == "__main__":
    main()
