//! Bounded image decoding: the header is read first, so a huge or hostile upload is refused
//! before any pixel buffer is allocated.

use std::io::Cursor;

use image::{ImageError, ImageFormat, ImageReader, Limits, RgbImage};

use crate::error::{FaceError, Result};
use crate::settings::FaceSettings;

/// Decodes JPEG, PNG or PNM bytes into RGB within the settings' byte and pixel limits.
pub fn decode_image(bytes: &[u8], settings: &FaceSettings) -> Result<RgbImage> {
    if bytes.len() > settings.max_upload_bytes {
        return Err(FaceError::UploadTooLarge {
            len: bytes.len(),
            max: settings.max_upload_bytes,
        });
    }
    let reader = || -> Result<ImageReader<Cursor<&[u8]>>> {
        let reader = ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|_| FaceError::NotAnImage)?;
        match reader.format() {
            Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Pnm | ImageFormat::WebP) => {
                Ok(reader)
            }
            _ => Err(FaceError::NotAnImage),
        }
    };
    let format = reader()?.format();
    let (width, height) = reader()?.into_dimensions().map_err(corrupt)?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > settings.max_pixels {
        return Err(FaceError::ImageTooLarge {
            width,
            height,
            max_pixels: settings.max_pixels,
        });
    }
    if pixels == 0 {
        return Err(FaceError::CorruptImage("zero-sized image".into()));
    }
    if format == Some(ImageFormat::Jpeg) && !jpeg_has_end_marker(bytes) {
        // The JPEG decoder fills a truncated scan with grey instead of failing.
        return Err(FaceError::CorruptImage(
            "JPEG data ends before its end-of-image marker".into(),
        ));
    }
    let mut reader = reader()?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    // Decoded RGBA16 is the widest layout a supported decoder produces, plus working room.
    limits.max_alloc = Some(pixels * 8 * 2 + 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().map_err(corrupt)?;
    Ok(image.into_rgb8())
}

fn corrupt(error: ImageError) -> FaceError {
    match error {
        ImageError::Unsupported(_) => FaceError::NotAnImage,
        other => FaceError::CorruptImage(other.to_string()),
    }
}

/// True when the last two non-padding bytes are FF D9 (cameras sometimes pad with zeros).
fn jpeg_has_end_marker(bytes: &[u8]) -> bool {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    end >= 2 && bytes[end - 2] == 0xFF && bytes[end - 1] == 0xD9
}
