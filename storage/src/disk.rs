//! Free-space checks, so a full disk is refused before writing rather than discovered halfway.

use std::path::Path;

/// Bytes available to unprivileged writers on the file system holding `path`.
pub fn available_bytes(path: &Path) -> std::io::Result<u64> {
    let st = rustix::fs::statvfs(path).map_err(std::io::Error::from)?;
    Ok(st.f_bavail.saturating_mul(st.f_frsize))
}
