//! Sensitive personal information at rest (PIPL): ID and phone numbers are stored
//! AES-256-GCM encrypted, beside a keyed hash (HMAC-SHA256) for lookup and uniqueness and a
//! masked form for lists. The key file lives in the data directory (`keys/pii.key`, 64 random
//! bytes, created 0600 on first use); losing it makes the stored numbers unreadable, so it
//! belongs in the backup.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

pub struct Vault {
    cipher: Aes256Gcm,
    mac_key: [u8; 32],
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(***)")
    }
}

/// One vault per data directory (tests run several servers in one process).
static VAULTS: OnceLock<Mutex<HashMap<PathBuf, Arc<Vault>>>> = OnceLock::new();

impl Vault {
    /// The vault of a data directory, creating its key file on first use.
    pub fn for_data_dir(dir: &Path) -> anyhow::Result<Arc<Vault>> {
        let map = VAULTS.get_or_init(|| Mutex::new(HashMap::new()));
        let mut map = map
            .lock()
            .map_err(|_| anyhow::anyhow!("vault lock poisoned"))?;
        if let Some(v) = map.get(dir) {
            return Ok(v.clone());
        }
        let v = Arc::new(Vault::from_key(&load_or_create_key(dir)?));
        map.insert(dir.to_path_buf(), v.clone());
        Ok(v)
    }

    pub fn from_key(key: &[u8; 64]) -> Vault {
        let mut mac_key = [0u8; 32];
        mac_key.copy_from_slice(&key[32..]);
        Vault {
            cipher: Aes256Gcm::new_from_slice(&key[..32]).expect("32-byte key"),
            mac_key,
        }
    }

    /// base64(nonce ‖ ciphertext ‖ tag), a fresh random nonce each time.
    pub fn seal(&self, plain: &str) -> anyhow::Result<String> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(base64::engine::general_purpose::STANDARD.encode(out))
    }

    pub fn open(&self, sealed: &str) -> anyhow::Result<String> {
        let raw = base64::engine::general_purpose::STANDARD.decode(sealed)?;
        if raw.len() < 12 + 16 {
            anyhow::bail!("sealed value too short");
        }
        let (nonce, ct) = raw.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| anyhow::anyhow!("decryption failed: wrong key or tampered value"))?;
        Ok(String::from_utf8(plain)?)
    }

    /// nonce ‖ ciphertext ‖ tag, for files (photos, scanned documents).
    pub fn seal_bytes(&self, plain: &[u8]) -> anyhow::Result<Vec<u8>> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain)
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(out)
    }

    pub fn open_bytes(&self, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        if sealed.len() < 12 + 16 {
            anyhow::bail!("sealed file too short");
        }
        let (nonce, ct) = sealed.split_at(12);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| anyhow::anyhow!("decryption failed: wrong key or tampered file"))
    }

    /// Keyed hash for equality lookups; `kind` separates ID numbers from phones.
    pub fn lookup_hash(&self, kind: &str, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.mac_key).expect("any key length");
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

fn load_or_create_key(dir: &Path) -> anyhow::Result<[u8; 64]> {
    let path = dir.join("keys").join("pii.key");
    if let Ok(bytes) = std::fs::read(&path) {
        return bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("{} must hold exactly 64 bytes", path.display()));
    }
    std::fs::create_dir_all(path.parent().unwrap_or(dir))?;
    let mut key = [0u8; 64];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, key)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(&tmp, &path)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_round_trip_and_differ_each_time() {
        let dir = tempfile::tempdir().unwrap();
        let v = Vault::for_data_dir(dir.path()).unwrap();
        let a = v.seal("11010519491231002X").unwrap();
        let b = v.seal("11010519491231002X").unwrap();
        assert_ne!(a, b);
        assert!(!a.contains("1949"));
        assert_eq!(v.open(&a).unwrap(), "11010519491231002X");
        assert_eq!(v.lookup_hash("id", "x"), v.lookup_hash("id", "x"));
        assert_ne!(v.lookup_hash("id", "x"), v.lookup_hash("phone", "x"));
        // The key survives a restart: a second vault from the same file opens old values.
        let again = Vault::from_key(&load_or_create_key(dir.path()).unwrap());
        assert_eq!(again.open(&a).unwrap(), "11010519491231002X");
        let other = Vault::from_key(&[7u8; 64]);
        assert!(other.open(&a).is_err());
    }
}
