//! Object identifiers of the Chinese commercial cryptography arc (GM/T 0006 → GB/T 33560).

use der::asn1::ObjectIdentifier;

/// SM2 (curve / key algorithm), 1.2.156.10197.1.301.
pub const SM2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301");
/// SM2-1 digital signature, 1.2.156.10197.1.301.1.
pub const SM2_SIGN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301.1");
/// SM3, 1.2.156.10197.1.401.
pub const SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.401");
/// SM2 signature with SM3 (`SM2-with-SM3`), 1.2.156.10197.1.501.
pub const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");
/// SM4 block cipher, 1.2.156.10197.1.104.
pub const SM4: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.104");
/// id-ecPublicKey (RFC 5480), the key algorithm of SM2 certificates in practice.
pub const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
