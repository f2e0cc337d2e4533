//! HTTPS. Browsers grant camera access only to HTTPS pages (or localhost), so a candidate's
//! phone on the exam-site network must reach the platform over HTTPS: either with real
//! certificate files, or a self-signed one generated once into the data directory for a LAN
//! pilot. Behind a TLS-terminating reverse proxy, TLS stays off here.

use std::path::Path;

use axum_server::tls_rustls::RustlsConfig;

use crate::settings::{Settings, TlsMode};

pub async fn config(settings: &Settings) -> anyhow::Result<Option<RustlsConfig>> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    match settings.tls.mode {
        TlsMode::Off => Ok(None),
        TlsMode::Files => {
            let (cert, key) = match (&settings.tls.cert_file, &settings.tls.key_file) {
                (Some(c), Some(k)) => (c, k),
                _ => anyhow::bail!("tls.mode = files needs tls.cert_file and tls.key_file"),
            };
            let cfg = RustlsConfig::from_pem_file(cert, key).await.map_err(|e| {
                anyhow::anyhow!("cannot load TLS files {} / {}: {e}", cert.display(), key.display())
            })?;
            Ok(Some(cfg))
        }
        TlsMode::SelfSigned => {
            let dir = settings.data_dir.join("tls");
            let (cert, key) = self_signed(&dir, &settings.tls.hostnames)?;
            Ok(Some(RustlsConfig::from_pem(cert, key).await?))
        }
    }
}

/// Loads the generated certificate, creating it on first use.
fn self_signed(dir: &Path, hostnames: &[String]) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let (cert_path, key_path) = (dir.join("self-signed.crt"), dir.join("self-signed.key"));
    if cert_path.exists() && key_path.exists() {
        return Ok((std::fs::read(cert_path)?, std::fs::read(key_path)?));
    }
    std::fs::create_dir_all(dir)?;
    let ck = rcgen::generate_simple_self_signed(hostnames.to_vec())?;
    let (cert, key) = (ck.cert.pem(), ck.key_pair.serialize_pem());
    std::fs::write(&cert_path, &cert)?;
    write_private(&key_path, key.as_bytes())?;
    tracing::info!(path = %cert_path.display(), "generated a self-signed TLS certificate");
    Ok((cert.into_bytes(), key.into_bytes()))
}

pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}
