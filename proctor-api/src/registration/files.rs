//! Uploaded photos and materials. The one boundary to storage: [`save`] and [`load`] write
//! and read sealed (AES-GCM, the PII vault's key) blobs under `data_dir/uploads/`, atomically
//! (temporary file, then rename), so the platform can later switch these two functions to
//! the `storage` crate without touching callers. Types are decided by magic bytes, never by
//! the client's claim.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::identity::vault::Vault;

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

/// Seals and stores `bytes` under `data_dir/uploads/`.
pub async fn save(
    data_dir: &Path,
    kind: Kind,
    bytes: &[u8],
) -> Result<Result<Stored, Refusal>, anyhow::Error> {
    match inspect(kind, bytes) {
        Ok((content_type, warnings)) => {
            store(data_dir, bytes, content_type, warnings).await.map(Ok)
        }
        Err(r) => Ok(Err(r)),
    }
}

/// A plan document (notice, schedule, rules): JPEG, PNG or PDF, at most 10 MB.
pub async fn save_document(
    data_dir: &Path,
    bytes: &[u8],
) -> Result<Result<Stored, Refusal>, anyhow::Error> {
    match inspect(Kind::Experience, bytes) {
        Ok((content_type, _)) => store(data_dir, bytes, content_type, Vec::new())
            .await
            .map(Ok),
        Err(r) => Ok(Err(r)),
    }
}

async fn store(
    data_dir: &Path,
    bytes: &[u8],
    content_type: &'static str,
    warnings: Vec<String>,
) -> anyhow::Result<Stored> {
    let sha256 = hex::encode(Sha256::digest(bytes));
    let vault = Vault::for_data_dir(data_dir)?;
    let sealed = vault.seal_bytes(bytes)?;
    let stored_name = format!("{}.bin", uuid::Uuid::now_v7());
    let dir = data_dir.join("uploads");
    tokio::fs::create_dir_all(&dir).await?;
    let tmp = dir.join(format!(".{stored_name}.tmp"));
    tokio::fs::write(&tmp, &sealed).await?;
    tokio::fs::rename(&tmp, dir.join(&stored_name)).await?;
    Ok(Stored {
        stored_name,
        content_type,
        size: bytes.len(),
        sha256,
        warnings,
    })
}

/// The plain bytes of a stored file.
pub async fn load(data_dir: &Path, stored_name: &str) -> anyhow::Result<Vec<u8>> {
    if stored_name.contains(['/', '\\']) || stored_name.starts_with('.') {
        anyhow::bail!("bad stored name");
    }
    let sealed = tokio::fs::read(data_dir.join("uploads").join(stored_name)).await?;
    Vault::for_data_dir(data_dir)?.open_bytes(&sealed)
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
    async fn stored_files_are_sealed_and_come_back() {
        let dir = tempfile::tempdir().unwrap();
        let pdf = b"%PDF-1.4 secret diploma".to_vec();
        let s = save(dir.path(), Kind::Diploma, &pdf)
            .await
            .unwrap()
            .unwrap();
        let raw = std::fs::read(dir.path().join("uploads").join(&s.stored_name)).unwrap();
        assert!(!raw.windows(6).any(|w| w == b"secret"));
        assert_eq!(load(dir.path(), &s.stored_name).await.unwrap(), pdf);
        assert!(load(dir.path(), "../x").await.is_err());
    }
}
