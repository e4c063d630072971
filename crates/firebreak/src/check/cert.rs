//! `cert`: a certificate from a PEM file or a TLS endpoint — days until it expires, whether its
//! chain verifies (against the configured CA file, else the system's bundle, else Mozilla's
//! roots) and whether it is valid for the expected name. Expired, untrusted or misnamed is
//! critical; otherwise the days left are judged against the limits.
//!
//! The endpoint's handshake accepts whatever it is shown, only to read the chain: the chain
//! is then verified here, so an untrusted certificate is reported rather than a bare
//! handshake failure.

use std::path::PathBuf;
use std::sync::Arc;

use firebreak_core::check::{Outcome, Status, Thresholds, validity};
use jiff::Timestamp;
use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;

use super::number;

/// Debian's and Ubuntu's bundle of the system's trusted roots.
const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Checks the certificate in `path`, or the one `endpoint` serves.
pub async fn probe(
    path: Option<PathBuf>,
    endpoint: Option<(String, u16)>,
    server_name: Option<String>,
    ca: Option<PathBuf>,
    limits: Thresholds,
) -> Outcome {
    let chain = match (&path, &endpoint) {
        (Some(p), _) => match std::fs::read(p)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                CertificateDer::pem_slice_iter(&bytes)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("not PEM: {e}"))
            }) {
            Ok(c) if c.is_empty() => {
                return Outcome::unknown(format!("{}: holds no certificate", p.display()));
            }
            Ok(c) => c,
            Err(e) => return Outcome::unknown(format!("{}: {e}", p.display())),
        },
        (None, Some((host, port))) => match fetch(host, *port, server_name.as_deref()).await {
            Ok(c) => c,
            Err(e) => {
                return Outcome::new(
                    Status::Critical,
                    "no certificate",
                    format!("TLS handshake with {host}:{port} failed: {e}"),
                );
            }
        },
        (None, None) => return Outcome::unknown("no path or endpoint configured"),
    };
    judge(&chain, server_name.as_deref(), ca.as_deref(), &limits)
}

/// Days left, chain and name of `chain` (leaf first).
fn judge(
    chain: &[CertificateDer<'static>],
    name: Option<&str>,
    ca: Option<&std::path::Path>,
    limits: &Thresholds,
) -> Outcome {
    let Some(leaf) = chain.first() else {
        return Outcome::unknown("no certificate was presented");
    };
    let period = match validity::read(leaf) {
        Ok(v) => v,
        Err(e) => return Outcome::unknown(e.to_string()),
    };
    let now = Timestamp::now();
    let days = (period.not_after.as_second() - now.as_second()) as f64 / 86_400.0;
    let value = format!("{days:.1} days");
    let until = format!("expires {}", period.not_after);
    if days <= 0.0 {
        return Outcome::new(
            Status::Critical,
            value,
            format!("expired {:.1} days ago ({until})", -days),
        );
    }
    if period.not_before > now {
        return Outcome::new(
            Status::Critical,
            value,
            format!("not valid before {}", period.not_before),
        );
    }
    let roots = match roots(ca) {
        Ok(r) => r,
        Err(e) => return Outcome::unknown(e),
    };
    let provider = provider();
    let parsed = match ParsedCertificate::try_from(leaf) {
        Ok(p) => p,
        Err(e) => return Outcome::unknown(format!("cannot parse the certificate: {e}")),
    };
    let intermediates = chain.get(1..).unwrap_or_default();
    if let Err(e) = rustls::client::verify_server_cert_signed_by_trust_anchor(
        &parsed,
        &roots,
        intermediates,
        UnixTime::now(),
        provider.signature_verification_algorithms.all,
    ) {
        return Outcome::new(
            Status::Critical,
            value,
            format!("the chain does not verify: {e} ({until})"),
        );
    }
    if let Some(name) = name {
        let server = match ServerName::try_from(name.to_string()) {
            Ok(s) => s,
            Err(e) => return Outcome::unknown(format!("{name:?} is not a server name: {e}")),
        };
        if let Err(e) = rustls::client::verify_server_name(&parsed, &server) {
            return Outcome::new(
                Status::Critical,
                value,
                format!("not valid for {name}: {e}"),
            );
        }
    }
    let status = limits.judge(days);
    let reason = match limits.limit_of(status) {
        Some(limit) => format!(
            "{days:.1} days left, {} {} ({until})",
            limits.operator(),
            number(limit)
        ),
        None => format!("{days:.1} days left, chain verified ({until})"),
    };
    Outcome::new(status, value, reason)
}

fn provider() -> Arc<CryptoProvider> {
    #[allow(deprecated)] // see notify/tls.rs: ring is our one provider
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The roots to verify against: `ca`, else the system bundle, else Mozilla's.
fn roots(ca: Option<&std::path::Path>) -> Result<rustls::RootCertStore, String> {
    let mut store = rustls::RootCertStore::empty();
    let file = ca.map(std::path::Path::to_path_buf).or_else(|| {
        let system = PathBuf::from(SYSTEM_BUNDLE);
        system.is_file().then_some(system)
    });
    let Some(file) = file else {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok(store);
    };
    let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    for cert in CertificateDer::pem_slice_iter(&bytes) {
        let cert = cert.map_err(|e| format!("{}: not PEM: {e}", file.display()))?;
        // A root the verifier cannot use is skipped, as TLS clients do with a system bundle.
        let _ = store.add(cert);
    }
    if store.is_empty() {
        return Err(format!("{}: no usable root certificate", file.display()));
    }
    Ok(store)
}

/// The chain `host:port` presents, read through a handshake that accepts any certificate.
async fn fetch(
    host: &str,
    port: u16,
    name: Option<&str>,
) -> Result<Vec<CertificateDer<'static>>, String> {
    let provider = provider();
    let config = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Reader(provider)))
        .with_no_client_auth();
    let sni = ServerName::try_from(name.unwrap_or(host).to_string())
        .map_err(|e| format!("{host:?} is not a server name: {e}"))?;
    let tcp = tokio::net::TcpStream::connect((host, port))
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(sni, tcp)
        .await
        .map_err(|e| e.to_string())?;
    let chain = tls
        .get_ref()
        .1
        .peer_certificates()
        .map(|c| c.iter().map(|d| d.clone().into_owned()).collect())
        .unwrap_or_default();
    Ok(chain)
}

/// Accepts any certificate so that its chain can be read; signatures over the handshake are
/// still checked with the certificate's key.
#[derive(Debug)]
struct Reader(Arc<CryptoProvider>);

impl ServerCertVerifier for Reader {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
