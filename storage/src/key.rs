//! Object key rules, shared by every backend so a key valid on one is valid on all.

use crate::error::{Error, Result};

/// Longest key accepted, in bytes (S3's own limit).
pub const MAX_KEY_BYTES: usize = 1024;
/// Longest path segment accepted, in bytes: the local backend maps each segment
/// to a file name (255 bytes on common file systems) plus a two-byte tag.
pub const MAX_SEGMENT_BYTES: usize = 250;

/// Checks a key: relative, `/`-separated, no empty, `.` or `..` segments, no
/// control characters or backslashes, at most [`MAX_KEY_BYTES`] bytes.
pub fn validate_key(key: &str) -> Result<()> {
    let bad = |reason| {
        Err(Error::InvalidKey {
            key: printable(key),
            reason,
        })
    };
    if key.is_empty() {
        return bad("empty key");
    }
    if key.len() > MAX_KEY_BYTES {
        return bad("longer than 1024 bytes");
    }
    if key.contains('\0') {
        return bad("contains a NUL byte");
    }
    if key.chars().any(char::is_control) {
        return bad("contains a control character");
    }
    if key.contains('\\') {
        return bad("contains a backslash");
    }
    if key.starts_with('/') {
        return bad("absolute path (leading '/')");
    }
    if key.ends_with('/') {
        return bad("ends with '/'");
    }
    for segment in key.split('/') {
        match segment {
            "" => return bad("empty path segment ('//')"),
            "." | ".." => return bad("'.' or '..' path segment"),
            s if s.len() > MAX_SEGMENT_BYTES => return bad("path segment longer than 250 bytes"),
            _ => {}
        }
    }
    Ok(())
}

/// Keys go into error messages and logs; keep those readable and short.
fn printable(key: &str) -> String {
    let mut s: String = key
        .chars()
        .take(80)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if key.chars().count() > 80 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_keys() {
        for k in [
            "a",
            "exam/2026/seg-0001.webm",
            "photos/张三.jpg",
            "a.b/c..d/e",
        ] {
            validate_key(k).unwrap();
        }
    }

    #[test]
    fn refuses_traversal_absolute_nul_and_long() {
        let long = "x".repeat(2048);
        for k in [
            "",
            "../etc/passwd",
            "a/../b",
            "/abs",
            "a\0b",
            "a//b",
            "a/",
            "./a",
            "a\\b",
            &long,
        ] {
            assert!(
                matches!(validate_key(k), Err(Error::InvalidKey { .. })),
                "{k:?}"
            );
        }
    }
}
