//! Password hashing (Argon2id, per-hash random salt) and the strength rule.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::rngs::OsRng;

pub const MIN_LEN: usize = 10;

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so that a wrong username costs
/// as much time as a wrong password and usernames cannot be probed by timing.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy-password-never-valid-1").unwrap_or_default())
}

pub enum Weakness {
    TooShort,
    NeedsLettersAndDigits,
    TooLong,
}

pub fn check_strength(p: &str) -> Result<(), Weakness> {
    if p.chars().count() < MIN_LEN {
        return Err(Weakness::TooShort);
    }
    if p.len() > 256 {
        return Err(Weakness::TooLong);
    }
    let letters = p.chars().any(|c| c.is_alphabetic());
    let digits = p.chars().any(|c| c.is_ascii_digit());
    if !(letters && digits) {
        return Err(Weakness::NeedsLettersAndDigits);
    }
    Ok(())
}

/// A random password of letters and digits that passes [`check_strength`].
pub fn generate() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = OsRng;
    loop {
        let p: String = (0..16).map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char).collect();
        if check_strength(&p).is_ok() {
            return p;
        }
    }
}
