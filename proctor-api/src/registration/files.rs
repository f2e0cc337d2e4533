//! Uploaded photos and materials, and plan documents. Types are decided by magic bytes,
//! never by the client's claim. Everything lands in object storage through the `files`
//! module (local disk or S3): candidates' photos and ID scans are sealed with the PII vault
//! (AES-GCM) before they leave this process, so the object store only ever holds ciphertext;
//! plan documents are public and stored as they are. Nothing is served by a permanent URL:
//! [`link`] mints a short-lived signed link, and sealed objects are opened only by the
//! `/api/sealed/...` route, which checks that link's signature.

use std::time::SystemTime;

use sha2::{Digest, Sha256};
use storage::{PutOptions, RetentionClass, UrlSigner};

use crate::identity::vault::Vault;
use crate::state::AppState;
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Photo,
    IdFront,
    IdBack,
    Diploma,
    Experience,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Photo,
        Kind::IdFront,
        Kind::IdBack,
        Kind::Diploma,
        Kind::Experience,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Photo => "photo",
            Kind::IdFront => "id_front",
            Kind::IdBack => "id_back",
            Kind::Diploma => "diploma",
            Kind::Experience => "experience",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Kind::Photo => "证件照",
            Kind::IdFront => "身份证人像面",
            Kind::IdBack => "身份证国徽面",
            Kind::Diploma => "学历证书",
            Kind::Experience => "工作年限证明",
        }
    }
}

/// JPEG, PNG or PDF by their first bytes.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    TooLarge,
    Type,
    PhotoNotImage,
    PhotoUnreadable,
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Empty => "file_empty",
            Refusal::TooLarge => "file_too_large",
            Refusal::Type => "file_type",
            Refusal::PhotoNotImage => "photo_type",
            Refusal::PhotoUnreadable => "photo_unreadable",
        }
    }
    pub fn zh(&self) -> &'static str {
        match self {
            Refusal::Empty => "文件为空",
            Refusal::TooLarge => "文件不能超过 10 MB",
            Refusal::Type => "只接受 JPEG、PNG 或 PDF 文件",
            Refusal::PhotoNotImage => "证件照须为 JPEG 或 PNG 图片",
            Refusal::PhotoUnreadable => "无法读取该图片",
        }
    }
    pub fn en(&self) -> &'static str {
        match self {
            Refusal::Empty => "The file is empty",
            Refusal::TooLarge => "Files may be at most 10 MB",
            Refusal::Type => "Only JPEG, PNG or PDF files are accepted",
            Refusal::PhotoNotImage => "The portrait must be a JPEG or PNG image",
            Refusal::PhotoUnreadable => "The image cannot be read",
        }
    }
}

/// What was kept.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The object key (`registration/….bin`, `document/….bin`); rows from before object
    /// storage hold a bare file name under `data_dir/uploads/`.
    pub stored_name: String,
    pub content_type: &'static str,
    pub size: usize,
    pub sha256: String,
    /// Photo-standard warnings (size, aspect, background): shown to staff, never a refusal.
    pub warnings: Vec<String>,
}

/// Checks an upload of `kind` and returns its type and warnings, without storing it.
pub fn inspect(kind: Kind, bytes: &[u8]) -> Result<(&'static str, Vec<String>), Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(Refusal::TooLarge);
    }
    let ct = sniff(bytes).ok_or(Refusal::Type)?;
    if kind != Kind::Photo {
        return Ok((ct, Vec::new()));
    }
    if ct == "application/pdf" {
        return Err(Refusal::PhotoNotImage);
    }
    let img = image::load_from_memory(bytes).map_err(|_| Refusal::PhotoUnreadable)?;
    Ok((ct, photo_warnings(&img)))
}

/// The ID-photo standard (二寸/一寸 portrait, 358×441 px at 300 dpi): at least 240×320,
/// portrait aspect near 0.75–0.82, a plain light background judged from the border.
/// Whether exactly one face is shown is judged by the face engine: [`face_count_warning`].
pub fn photo_warnings(img: &image::DynamicImage) -> Vec<String> {
    let mut out = Vec::new();
    let (w, h) = (img.width(), img.height());
    if w < 240 || h < 320 {
        out.push(format!(
            "照片尺寸 {w}×{h} 偏小（至少 240×320）/ Photo {w}×{h} is smaller than 240×320"
        ));
    }
    let aspect = w as f64 / h.max(1) as f64;
    if !(0.65..=0.9).contains(&aspect) {
        out.push(format!("照片宽高比 {aspect:.2} 不是证件照比例（约 0.75）/ Aspect {aspect:.2} is not a portrait ID photo (≈0.75)"));
    }
    let gray = img.to_luma8();
    let mut border = Vec::new();
    let step = (w.max(h) / 64).max(1) as usize;
    for x in (0..w).step_by(step) {
        border.push(f64::from(gray.get_pixel(x, 0)[0]));
    }
    for y in (0..h).step_by(step) {
        border.push(f64::from(gray.get_pixel(0, y)[0]));
        border.push(f64::from(gray.get_pixel(w - 1, y)[0]));
    }
    let n = border.len().max(1) as f64;
    let mean = border.iter().sum::<f64>() / n;
    let sd = (border.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    if sd > 25.0 {
        out.push("照片背景不是纯色 / The background is not plain".to_owned());
    }
    out
}

/// The one-face rule of an ID photo, from the face engine's count: no face or several faces
/// is a warning for the candidate and staff (a detector can be wrong; a person decides).
pub fn face_count_warning(faces: usize) -> Option<String> {
    match faces {
        1 => None,
        0 => Some("照片中未检测到人脸 / No face was found in the photo".to_owned()),
        n => Some(format!("照片中有 {n} 张人脸，证件照只能有本人 / The photo shows {n} faces; an ID photo shows only you")),
    }
}

/// Where sealed objects live, and the metadata name that keeps their real type.
const SEALED_PREFIX: &str = "registration/";
const DOCUMENT_PREFIX: &str = "document/";
const PLAIN_TYPE: &str = "plain-type";
/// Base path of the route that opens sealed objects behind a signed link.
pub const SEALED_ROUTE: &str = "/api/sealed";

/// Seals a candidate's upload and puts it into object storage.
pub async fn save(
    state: &AppState,
    kind: Kind,
    bytes: &[u8],
) -> Result<Result<Stored, Refusal>, anyhow::Error> {
    let (content_type, warnings) = match inspect(kind, bytes) {
        Ok(v) => v,
        Err(r) => return Ok(Err(r)),
    };
    let sha256 = hex::encode(Sha256::digest(bytes));
    let sealed = vault(state)?.seal_bytes(bytes)?;
    let key = format!("{SEALED_PREFIX}{}.bin", uuid::Uuid::now_v7());
    // Photos and ID scans are identity evidence: kept five years like other exam evidence.
    let opts = PutOptions::new()
        .content_type("application/octet-stream")
        .meta(PLAIN_TYPE, content_type)
        .class(RetentionClass::Evidence);
    put(state, &key, sealed, opts).await?;
    Ok(Ok(Stored {
        stored_name: key,
        content_type,
        size: bytes.len(),
        sha256,
        warnings,
    }))
}

/// A plan document (notice, schedule, rules): JPEG, PNG or PDF, at most 10 MB; public, so
/// stored as it is.
pub async fn save_document(
    state: &AppState,
    bytes: &[u8],
) -> Result<Result<Stored, Refusal>, anyhow::Error> {
    let content_type = match inspect(Kind::Experience, bytes) {
        Ok((ct, _)) => ct,
        Err(r) => return Ok(Err(r)),
    };
    let sha256 = hex::encode(Sha256::digest(bytes));
    let key = format!("{DOCUMENT_PREFIX}{}.bin", uuid::Uuid::now_v7());
    let opts = PutOptions::new()
        .content_type(content_type)
        .sha256(sha256.clone());
    put(state, &key, bytes.to_vec(), opts).await?;
    Ok(Ok(Stored {
        stored_name: key,
        content_type,
        size: bytes.len(),
        sha256,
        warnings: Vec::new(),
    }))
}

async fn put(state: &AppState, key: &str, data: Vec<u8>, opts: PutOptions) -> anyhow::Result<()> {
    state
        .files
        .store
        .put_bytes(key, data.into(), opts)
        .await
        .map_err(|e| anyhow::anyhow!("storing {key}: {e}"))?;
    Ok(())
}

fn vault(state: &AppState) -> anyhow::Result<std::sync::Arc<Vault>> {
    Vault::for_data_dir(&state.settings.data_dir)
}

/// The plain bytes of a stored upload (opened here when sealed).
pub async fn load(state: &AppState, stored_name: &str) -> anyhow::Result<Vec<u8>> {
    if !stored_name.contains('/') {
        return load_legacy(&state.settings.data_dir, stored_name).await;
    }
    let obj = state
        .files
        .store
        .get(stored_name, None)
        .await
        .map_err(|e| anyhow::anyhow!("reading {stored_name}: {e}"))?;
    let sealed = obj.meta.metadata.contains_key(PLAIN_TYPE);
    let bytes = obj
        .bytes()
        .await
        .map_err(|e| anyhow::anyhow!("reading {stored_name}: {e}"))?;
    if sealed {
        vault(state)?.open_bytes(&bytes)
    } else {
        Ok(bytes.to_vec())
    }
}

/// Files sealed under `data_dir/uploads/` before uploads moved to object storage.
async fn load_legacy(data_dir: &std::path::Path, stored_name: &str) -> anyhow::Result<Vec<u8>> {
    if stored_name.contains('\\') || stored_name.starts_with('.') || stored_name.is_empty() {
        anyhow::bail!("bad stored name");
    }
    let sealed = tokio::fs::read(data_dir.join("uploads").join(stored_name)).await?;
    Vault::for_data_dir(data_dir)?.open_bytes(&sealed)
}

/// Signs the links of [`SEALED_ROUTE`]; its own key, derived from the installation's, so a
/// `/files` link can never open a sealed object nor the other way round.
pub fn sealed_signer(state: &AppState) -> anyhow::Result<UrlSigner> {
    Ok(UrlSigner::new(
        format!("sealed:{}", hex::encode(state.signing_key.as_slice())),
        SEALED_ROUTE,
    )?)
}

/// A short-lived link to a stored upload or document, and when it expires (RFC 3339).
pub async fn link(
    state: &AppState,
    stored_name: &str,
) -> crate::error::ApiResult<(String, String)> {
    let ttl = state.files.link_ttl;
    let expires = SystemTime::now() + ttl;
    let expires_text = crate::db::to_text(chrono::DateTime::<chrono::Utc>::from(expires));
    if stored_name.starts_with(DOCUMENT_PREFIX) {
        return Ok((state.files.link(stored_name).await?, expires_text));
    }
    // Sealed objects, and the old local files (the same route opens both).
    let signer = sealed_signer(state)?;
    Ok((signer.sign_get(stored_name, expires), expires_text))
}

/// Opens what a signed sealed link points at: the plain bytes and their type.
pub async fn open_signed(
    state: &AppState,
    key: &str,
    query: &str,
) -> crate::error::ApiResult<(Vec<u8>, String)> {
    sealed_signer(state)?
        .verify_get(key, query)
        .map_err(crate::files::storage_error)?;
    if !key.contains('/') {
        let bytes = load_legacy(&state.settings.data_dir, key).await?;
        let ct = sniff(&bytes)
            .unwrap_or("application/octet-stream")
            .to_owned();
        return Ok((bytes, ct));
    }
    let obj = state
        .files
        .store
        .get(key, None)
        .await
        .map_err(crate::files::storage_error)?;
    let ct = obj
        .meta
        .metadata
        .get(PLAIN_TYPE)
        .cloned()
        .ok_or(crate::error::ApiError::NotFound("object"))?;
    let bytes = obj.bytes().await.map_err(crate::files::storage_error)?;
    Ok((vault(state)?.open_bytes(&bytes)?, ct))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb(f(x, y)));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn types_by_magic_bytes_and_limits() {
        assert_eq!(
            inspect(Kind::Diploma, b"%PDF-1.4 ...").unwrap().0,
            "application/pdf"
        );
        assert_eq!(inspect(Kind::Diploma, b"GIF89a"), Err(Refusal::Type));
        assert_eq!(inspect(Kind::Diploma, b""), Err(Refusal::Empty));
        assert_eq!(
            inspect(Kind::Photo, b"%PDF-1.4"),
            Err(Refusal::PhotoNotImage)
        );
        let big = [b"%PDF-".as_slice(), &vec![0u8; MAX_BYTES]].concat();
        assert_eq!(inspect(Kind::Diploma, &big), Err(Refusal::TooLarge));
    }

    #[test]
    fn photo_standard_warnings() {
        let good = png(300, 400, |x, y| {
            if (100..200).contains(&x) && (100..350).contains(&y) {
                [90, 60, 40]
            } else {
                [250, 250, 250]
            }
        });
        assert_eq!(inspect(Kind::Photo, &good).unwrap().1, Vec::<String>::new());
        let wide = png(500, 400, |_, _| [255, 255, 255]);
        assert_eq!(inspect(Kind::Photo, &wide).unwrap().1.len(), 1);
        let busy = png(300, 400, |x, y| {
            if (x / 10 + y / 10) % 2 == 0 {
                [0, 0, 0]
            } else {
                [255, 255, 255]
            }
        });
        assert!(
            inspect(Kind::Photo, &busy)
                .unwrap()
                .1
                .iter()
                .any(|w| w.contains("plain"))
        );
    }

    #[test]
    fn one_face_rule_warns_on_none_or_several() {
        assert_eq!(face_count_warning(1), None);
        assert!(face_count_warning(0).unwrap().contains("No face"));
        assert!(face_count_warning(2).unwrap().contains("2 faces"));
    }

    #[tokio::test]
    async fn files_sealed_before_object_storage_still_open() {
        let dir = tempfile::tempdir().unwrap();
        let pdf = b"%PDF-1.4 secret diploma".to_vec();
        let sealed = Vault::for_data_dir(dir.path())
            .unwrap()
            .seal_bytes(&pdf)
            .unwrap();
        std::fs::create_dir_all(dir.path().join("uploads")).unwrap();
        std::fs::write(dir.path().join("uploads/old.bin"), &sealed).unwrap();
        assert_eq!(load_legacy(dir.path(), "old.bin").await.unwrap(), pdf);
        assert!(load_legacy(dir.path(), ".hidden").await.is_err());
    }
}
