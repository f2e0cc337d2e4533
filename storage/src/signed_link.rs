//! HMAC-signed links: how the local backend hands out "presigned" URLs.
//!
//! A link is `{base}/{key}?exp=<unix secs>&sig=<base64url HMAC-SHA256>`, for
//! PUT also `class`, `ct` (content type) and `sha` pinned by the signer. The
//! signature covers the method, key, expiry and those pins, so none can be
//! changed without invalidating it. proctor-api mounts the route (`/files/{*key}`)
//! and calls [`serve_signed_get`] / [`serve_signed_put`].

use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{Error, Result, SignedUrlError};
use crate::object::{
    ByteRange, ByteStream, GetObject, ObjectMeta, PutOptions, from_unix_secs, unix_secs,
};
use crate::retention::RetentionClass;
use crate::store::ObjectStore;

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks links. Cheap to clone; `Debug` hides the key.
#[derive(Clone)]
pub struct UrlSigner {
    key: Vec<u8>,
    base_url: String,
}

impl std::fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UrlSigner")
            .field("key", &"<hidden>")
            .field("base_url", &self.base_url)
            .finish()
    }
}

/// What a verified PUT link allows to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedPut {
    pub opts: PutOptions,
}

impl UrlSigner {
    /// `base_url` is where proctor-api serves the route, e.g. `https://exam.example.cn/files`
    /// or just `/files`. The key should be at least 32 random bytes.
    pub fn new(key: impl AsRef<[u8]>, base_url: impl Into<String>) -> Result<Self> {
        let key = key.as_ref().to_vec();
        if key.len() < 16 {
            return Err(Error::Config(
                "signing key must be at least 16 bytes".into(),
            ));
        }
        Ok(Self {
            key,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
        })
    }

    /// A GET link valid until `expires_at`.
    pub fn sign_get(&self, key: &str, expires_at: SystemTime) -> String {
        self.link("GET", key, expires_at, &[])
    }

    /// A PUT link valid until `expires_at`, pinning class, content type and hash.
    pub fn sign_put(&self, key: &str, expires_at: SystemTime, opts: &PutOptions) -> String {
        let pins = put_pins(opts);
        self.link("PUT", key, expires_at, &pins)
    }

    fn link(
        &self,
        method: &str,
        key: &str,
        expires_at: SystemTime,
        pins: &[(&'static str, String)],
    ) -> String {
        let exp = unix_secs(expires_at);
        let sig = self.signature(method, key, exp, pins);
        let mut url = format!("{}/{}?exp={exp}", self.base_url, percent_encode(key, true));
        for (name, value) in pins {
            url.push_str(&format!("&{name}={}", percent_encode(value, false)));
        }
        url.push_str(&format!("&sig={sig}"));
        url
    }

    fn mac(
        &self,
        method: &str,
        key: &str,
        exp: u64,
        pins: &[(&'static str, String)],
    ) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(format!("{method}\n{key}\n{exp}").as_bytes());
        for (name, value) in pins {
            mac.update(format!("\n{name}={value}").as_bytes());
        }
        mac
    }

    fn signature(
        &self,
        method: &str,
        key: &str,
        exp: u64,
        pins: &[(&'static str, String)],
    ) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(method, key, exp, pins).finalize().into_bytes())
    }

    /// Checks a GET link: `key` is the decoded path after the base, `query` the raw query string.
    pub fn verify_get(&self, key: &str, query: &str) -> Result<()> {
        self.verify_at("GET", key, query, SystemTime::now())
            .map(|_| ())
    }

    /// Checks a PUT link and returns what it allows to be stored.
    pub fn verify_put(&self, key: &str, query: &str) -> Result<SignedPut> {
        self.verify_at("PUT", key, query, SystemTime::now())
    }

    /// Checks a link at a given time (tests use this to move the clock).
    pub fn verify_at(
        &self,
        method: &str,
        key: &str,
        query: &str,
        now: SystemTime,
    ) -> Result<SignedPut> {
        let refuse = |e| Err(Error::SignedUrl(e));
        crate::key::validate_key(key)?;
        let params = parse_query(query).ok_or(Error::SignedUrl(SignedUrlError::Malformed))?;
        let get = |name: &str| {
            params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let (Some(exp), Some(sig)) = (get("exp"), get("sig")) else {
            return refuse(SignedUrlError::Malformed);
        };
        let Ok(exp) = exp.parse::<u64>() else {
            return refuse(SignedUrlError::Malformed);
        };
        let Ok(sig) = URL_SAFE_NO_PAD.decode(sig.as_bytes()) else {
            return refuse(SignedUrlError::Malformed);
        };
        let mut opts = PutOptions::default();
        let mut pins = Vec::new();
        if method == "PUT" {
            if let Some(class) = get("class") {
                opts.class = RetentionClass::parse(&class)
                    .ok_or(Error::SignedUrl(SignedUrlError::Malformed))?;
            }
            opts.content_type = get("ct");
            opts.sha256 = get("sha");
            pins = put_pins(&opts);
        }
        // Signature before expiry: a forged link learns nothing about timing.
        if self
            .mac(method, key, exp, &pins)
            .verify_slice(&sig)
            .is_err()
        {
            return refuse(SignedUrlError::BadSignature);
        }
        if now > from_unix_secs(exp) {
            return refuse(SignedUrlError::Expired);
        }
        Ok(SignedPut { opts })
    }
}

fn put_pins(opts: &PutOptions) -> Vec<(&'static str, String)> {
    let mut pins = vec![("class", opts.class.as_str().to_owned())];
    if let Some(ct) = &opts.content_type {
        pins.push(("ct", ct.clone()));
    }
    if let Some(sha) = &opts.sha256 {
        pins.push(("sha", sha.clone()));
    }
    pins
}

/// Serves a signed GET: verifies the link, then reads the object (honouring a
/// `Range: bytes=a-b` header when given). Map the errors to HTTP: `SignedUrl` →
/// 403, `NotFound` → 404, `InvalidArgument` → 416.
pub async fn serve_signed_get(
    store: &dyn ObjectStore,
    signer: &UrlSigner,
    key: &str,
    query: &str,
    range_header: Option<&str>,
) -> Result<GetObject> {
    signer.verify_get(key, query)?;
    let range = range_header.map(parse_range_header).transpose()?;
    store.get(key, range).await
}

/// Serves a signed PUT: verifies the link and stores the body with the pinned
/// class, content type and hash.
pub async fn serve_signed_put(
    store: &dyn ObjectStore,
    signer: &UrlSigner,
    key: &str,
    query: &str,
    body: ByteStream,
) -> Result<ObjectMeta> {
    let allowed = signer.verify_put(key, query)?;
    store.put(key, body, allowed.opts).await
}

/// Parses `bytes=a-b` / `bytes=a-` (single range only).
pub fn parse_range_header(h: &str) -> Result<ByteRange> {
    let bad = || Error::InvalidArgument(format!("unsupported Range header {h:?}"));
    let spec = h.trim().strip_prefix("bytes=").ok_or_else(bad)?;
    let (a, b) = spec.split_once('-').ok_or_else(bad)?;
    let start: u64 = a.trim().parse().map_err(|_| bad())?;
    if b.trim().is_empty() {
        return Ok(ByteRange::from(start));
    }
    let last: u64 = b.trim().parse().map_err(|_| bad())?;
    if last < start {
        return Err(bad());
    }
    Ok(ByteRange::new(start, last + 1))
}

/// Default lifetime of links when callers have no better idea.
pub const DEFAULT_LINK_TTL: Duration = Duration::from_secs(15 * 60);

fn percent_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/');
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let h = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn parse_query(q: &str) -> Option<Vec<(String, String)>> {
    q.trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            Some((percent_decode(n)?, percent_decode(v)?))
        })
        .collect()
}

/// Splits a link made by this module into its decoded key and query, given the base.
pub fn split_link<'a>(signer: &UrlSigner, url: &'a str) -> Option<(String, &'a str)> {
    let rest = url.strip_prefix(&signer.base_url)?.strip_prefix('/')?;
    let (path, query) = rest.split_once('?')?;
    Some((percent_decode(path)?, query))
}
