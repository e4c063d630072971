//! One TLS crypto provider for the whole process: ring, for both the webhook client (hyper-rustls) and lettre. Installed
//! before the first client is built; a second install is a no-op.

/// Installs ring as the process's rustls provider (once).
pub fn install() {
    // rustls 0.23.48 deprecates ring's provider only because ring lacks post-quantum key
    // exchange; we keep ring (builds far faster than aws-lc-rs, see CRATES.md) and one provider.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    // Err means a provider is already installed (by an earlier call): nothing to do.
    let _ = provider.install_default();
}
