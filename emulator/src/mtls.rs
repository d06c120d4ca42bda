//! The optional TLS listener (`--tls-port`): the same endpoints over HTTPS, asking every client
//! for a certificate, so that Pro Santé Connect's token endpoint can authenticate a client by
//! its certificate alone (`tls_client_auth`, RFC 8705). Also `gen-client-cert`, which makes a
//! client certificate for tests.

use std::sync::Arc;

use axum::extract::{ConnectInfo, Request};
use axum::Router;
use base64::Engine;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use tower::ServiceExt;

use crate::config::TlsClientAuth;

/// The client certificate of the connection a request came on (TLS listener only).
#[derive(Clone, Debug)]
pub struct PeerCertificate(pub Option<Arc<Vec<u8>>>);

/// Accepts any client certificate whose holder proves possession of its key: whether the
/// certificate authenticates a client is the token endpoint's decision, per client.
#[derive(Debug)]
struct AnyClientCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for AnyClientCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        // Clients that authenticate with a secret connect without a certificate.
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A TLS acceptor with a self-signed server certificate for `localhost` and `127.0.0.1`, drawn
/// now; returns it with the certificate's PEM (for clients to trust).
pub fn acceptor() -> Result<(tokio_rustls::TlsAcceptor, String), String> {
    let key = rcgen::KeyPair::generate().map_err(|e| format!("TLS key: {e}"))?;
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .map_err(|e| format!("TLS certificate: {e}"))?;
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        "gouvconnect-emulator (NOT a real provider)",
    );
    let cert = params
        .self_signed(&key)
        .map_err(|e| format!("TLS certificate: {e}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = AnyClientCertificate {
        algorithms: provider.signature_verification_algorithms,
    };
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS config: {e}"))?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .map_err(|e| format!("TLS config: {e}"))?;
    Ok((
        tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        cert.pem(),
    ))
}

/// Serves `router` over TLS until `stopping` turns true. Each request carries the peer address
/// and the client certificate of its connection.
pub async fn serve(
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    router: Router,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stopping.wait_for(|s| *s) => return,
        };
        let Ok((tcp, peer)) = accepted else {
            // Out of file descriptors or the like: let it pass rather than spin.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let acceptor = acceptor.clone();
        let router = router.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let certificate = PeerCertificate(
                tls.get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|chain| chain.first())
                    .map(|c| Arc::new(c.as_ref().to_vec())),
            );
            let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request.extensions_mut().insert(certificate.clone());
                let router = router.clone();
                async move { router.oneshot(request).await }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tls), service)
                .await;
        });
    }
}

/// Whether the client certificate `der` is the one `expected` describes.
pub fn matches(expected: &TlsClientAuth, der: &[u8]) -> bool {
    let cn_ok = match &expected.subject_cn {
        Some(cn) => subject_cn(der).is_some_and(|c| c == *cn),
        None => true,
    };
    let cert_ok = match &expected.certificate_pem {
        Some(pem) => pem_to_der(pem).is_some_and(|d| d == der),
        None => true,
    };
    cn_ok && cert_ok
}

fn pem_to_der(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE-----"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .ok()
}

/// One DER element: (tag, content, rest).
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The subject's common name (OID 2.5.4.3) of an X.509 certificate.
fn subject_cn(cert: &[u8]) -> Option<String> {
    let (_, certificate, _) = der_element(cert)?;
    let (_, tbs, _) = der_element(certificate)?;
    let mut rest = tbs;
    // Optional [0] version, then serial, signature algorithm, issuer, validity, subject.
    let (tag, _, after) = der_element(rest)?;
    if tag == 0xa0 {
        rest = after;
    }
    for _ in 0..4 {
        rest = der_element(rest)?.2;
    }
    let (_, mut subject, _) = der_element(rest)?;
    const CN: [u8; 3] = [0x55, 0x04, 0x03];
    while !subject.is_empty() {
        let (_, set, next) = der_element(subject)?;
        subject = next;
        let (_, attribute, _) = der_element(set)?;
        let (_, oid, value) = der_element(attribute)?;
        if oid == CN {
            let (_, text, _) = der_element(value)?;
            return String::from_utf8(text.to_vec()).ok();
        }
    }
    None
}

/// `gen-client-cert --cn NAME --out-cert FILE --out-key FILE [--valid-days N]`: a self-signed
/// client certificate (P-256, extended key usage clientAuth) and its PKCS#8 key, both PEM.
/// `--valid-days` (default 365) may be negative, for an already expired certificate.
pub fn gen_client_cert(args: &[String]) -> Result<(), String> {
    const USAGE: &str = "usage: gouvconnect-emulator gen-client-cert --cn NAME --out-cert FILE --out-key FILE [--valid-days N]";
    let (mut cn, mut out_cert, mut out_key, mut days) = (None, None, None, None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let slot = match arg.as_str() {
            "--cn" => &mut cn,
            "--out-cert" => &mut out_cert,
            "--out-key" => &mut out_key,
            "--valid-days" => &mut days,
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        };
        *slot = Some(it.next().ok_or_else(|| format!("{arg} needs a value"))?);
    }
    let (Some(cn), Some(out_cert), Some(out_key)) = (cn, out_cert, out_key) else {
        return Err(USAGE.to_string());
    };
    let days: i64 = match days {
        Some(d) => d
            .parse()
            .map_err(|_| "--valid-days must be a whole number".to_string())?,
        None => 365,
    };
    let key = rcgen::KeyPair::generate().map_err(|e| format!("key: {e}"))?;
    let mut params =
        rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(days.min(0).abs() + 1);
    params.not_after = now + time::Duration::days(days);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn.as_str());
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params
        .self_signed(&key)
        .map_err(|e| format!("certificate: {e}"))?;
    std::fs::write(out_cert, cert.pem()).map_err(|e| format!("cannot write {out_cert}: {e}"))?;
    std::fs::write(out_key, key.serialize_pem())
        .map_err(|e| format!("cannot write {out_key}: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_subject_cn_and_compares_certificates() {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::new(vec!["a.example".to_string()]).expect("p");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "Org");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "psc-client-1");
        let cert = params.self_signed(&key).expect("cert");
        assert_eq!(subject_cn(cert.der()).as_deref(), Some("psc-client-1"));
        let by_cn = TlsClientAuth {
            subject_cn: Some("psc-client-1".into()),
            certificate_pem: None,
        };
        assert!(matches(&by_cn, cert.der()));
        let other_cn = TlsClientAuth {
            subject_cn: Some("psc-client".into()),
            certificate_pem: None,
        };
        assert!(!matches(&other_cn, cert.der()));
        let by_pem = TlsClientAuth {
            subject_cn: None,
            certificate_pem: Some(cert.pem()),
        };
        assert!(matches(&by_pem, cert.der()));
        assert!(!matches(&by_pem, &cert.der()[1..]));
        assert!(subject_cn(b"\x30\x82\xff").is_none());
    }
}
