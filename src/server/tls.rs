//! The server's TLS identity: a self-signed certificate kept in the config directory.
//!
//! Generated on first start (`proxy.pem` + `proxy.key`, key mode 0600) and reused after; the
//! fingerprint is SHA-256 over the certificate's DER in PBS's `aa:bb:…` form (protocol.md §1.2).

use crate::util::atomic;
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::ssl::{SslAcceptor, SslMethod};
use openssl::x509::extension::{BasicConstraints, SubjectAlternativeName};
use openssl::x509::{X509NameBuilder, X509};
use std::path::Path;

const CERT_FILE: &str = "proxy.pem";
const KEY_FILE: &str = "proxy.key";

fn err(what: &str) -> impl FnOnce(openssl::error::ErrorStack) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// Loads the certificate and key from `dir`, creating them when absent.
pub fn load_or_create(dir: &Path) -> Result<(X509, PKey<Private>), String> {
    let cert_path = dir.join(CERT_FILE);
    let key_path = dir.join(KEY_FILE);
    if cert_path.exists() && key_path.exists() {
        let cert =
            std::fs::read(&cert_path).map_err(|e| format!("{}: {e}", cert_path.display()))?;
        let key = std::fs::read(&key_path).map_err(|e| format!("{}: {e}", key_path.display()))?;
        let cert = X509::from_pem(&cert).map_err(err("certificate"))?;
        let key = PKey::private_key_from_pem(&key).map_err(err("certificate key"))?;
        return Ok((cert, key));
    }
    let rsa = Rsa::generate(2048).map_err(err("generate key"))?;
    let key = PKey::from_rsa(rsa).map_err(err("generate key"))?;
    let mut name = X509NameBuilder::new().map_err(err("certificate name"))?;
    name.append_entry_by_text("CN", "pbsh serve")
        .map_err(err("certificate name"))?;
    let name = name.build();
    let mut builder = X509::builder().map_err(err("certificate"))?;
    builder.set_version(2).map_err(err("certificate"))?;
    let mut serial = BigNum::new().map_err(err("serial"))?;
    serial
        .rand(64, openssl::bn::MsbOption::MAYBE_ZERO, false)
        .map_err(err("serial"))?;
    let serial = serial.to_asn1_integer().map_err(err("serial"))?;
    builder.set_serial_number(&serial).map_err(err("serial"))?;
    builder
        .set_subject_name(&name)
        .map_err(err("certificate"))?;
    builder.set_issuer_name(&name).map_err(err("certificate"))?;
    builder.set_pubkey(&key).map_err(err("certificate"))?;
    let not_before = Asn1Time::days_from_now(0).map_err(err("certificate time"))?;
    let not_after = Asn1Time::days_from_now(3650).map_err(err("certificate time"))?;
    builder
        .set_not_before(&not_before)
        .map_err(err("certificate time"))?;
    builder
        .set_not_after(&not_after)
        .map_err(err("certificate time"))?;
    let bc = BasicConstraints::new()
        .build()
        .map_err(err("certificate"))?;
    builder.append_extension(bc).map_err(err("certificate"))?;
    let san = SubjectAlternativeName::new()
        .dns("localhost")
        .ip("127.0.0.1")
        .ip("::1")
        .build(&builder.x509v3_context(None, None))
        .map_err(err("certificate"))?;
    builder.append_extension(san).map_err(err("certificate"))?;
    builder
        .sign(&key, MessageDigest::sha256())
        .map_err(err("sign certificate"))?;
    let cert = builder.build();
    let key_pem = key.private_key_to_pem_pkcs8().map_err(err("key"))?;
    let cert_pem = cert.to_pem().map_err(err("certificate"))?;
    atomic::replace_file(&key_path, &key_pem, 0o600)
        .map_err(|e| format!("{}: {e}", key_path.display()))?;
    atomic::replace_file(&cert_path, &cert_pem, 0o644)
        .map_err(|e| format!("{}: {e}", cert_path.display()))?;
    Ok((cert, key))
}

/// SHA-256 of the certificate DER as lowercase hex pairs joined by `:`.
pub fn fingerprint(cert: &X509) -> Result<String, String> {
    let digest = cert
        .digest(MessageDigest::sha256())
        .map_err(err("fingerprint"))?;
    Ok(digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":"))
}

/// A TLS acceptor with the server's certificate.
pub fn acceptor(cert: &X509, key: &PKey<Private>) -> Result<SslAcceptor, String> {
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).map_err(err("tls"))?;
    b.set_private_key(key).map_err(err("tls key"))?;
    b.set_certificate(cert).map_err(err("tls certificate"))?;
    b.check_private_key().map_err(err("tls key"))?;
    Ok(b.build())
}
