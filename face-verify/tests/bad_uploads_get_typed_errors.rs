//! Corrupt, truncated, oversized and non-image uploads give typed client errors, never a
//! panic, and oversized pictures are refused from their header alone (bounded memory).

mod common;

use face_verify::{FaceError, FaceSettings, decode_image};

fn settings() -> FaceSettings {
    common::settings()
}

/// A real (small, metadata-free) JPEG whose frame header is patched to announce
/// `width` x `height`.
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let frame = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 3, y as u8 * 5, 7]));
    let mut bytes = common::jpeg(&frame);
    let sof = bytes
        .windows(2)
        .position(|w| w[0] == 0xFF && matches!(w[1], 0xC0..=0xC2))
        .expect("a JPEG frame header");
    bytes[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    bytes
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A valid PNG signature and header chunk for a `width` x `height` RGB picture, then a tiny
/// (wrong) data chunk: only the header is ever needed to refuse it.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    let idat = b"IDAT\x78\x9c\x03\x00\x00\x00\x00\x01";
    png.extend_from_slice(&((idat.len() - 4) as u32).to_be_bytes());
    png.extend_from_slice(idat);
    png.extend_from_slice(&crc32(idat).to_be_bytes());
    png
}

#[test]
fn fifty_megapixel_pictures_are_refused_from_their_header() {
    for bytes in [jpeg_claiming(8660, 5774), png_claiming(8660, 5774)] {
        match decode_image(&bytes, &settings()).map(|i| i.dimensions()) {
            Err(
                e @ FaceError::ImageTooLarge {
                    width: 8660,
                    height: 5774,
                    ..
                },
            ) => assert!(e.is_client_error()),
            other => panic!("expected ImageTooLarge, got {other:?}"),
        }
    }
}

#[test]
fn truncated_jpeg_is_corrupt() {
    let bytes = common::celebrity("img1.jpg");
    for cut in [bytes.len() / 2, bytes.len() - 3, 400] {
        match decode_image(&bytes[..cut], &settings()).map(|i| i.dimensions()) {
            Err(e @ FaceError::CorruptImage(_)) => assert!(e.is_client_error()),
            other => panic!("cut at {cut}: expected CorruptImage, got {other:?}"),
        }
    }
}

#[test]
fn truncated_png_is_corrupt() {
    let frame = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 3, y as u8 * 5, 7]));
    let bytes = common::png(&frame);
    match decode_image(&bytes[..bytes.len() / 2], &settings()).map(|i| i.dimensions()) {
        Err(FaceError::CorruptImage(_)) => {}
        other => panic!("expected CorruptImage, got {other:?}"),
    }
}

#[test]
fn scrambled_jpeg_body_is_corrupt_or_decodes_without_panic() {
    let mut bytes = common::celebrity("img1.jpg");
    let (body, end) = (bytes.len() / 3, bytes.len() - 2);
    for (i, b) in bytes[body..end].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(151).wrapping_add(17);
    }
    // Entropy-coded data has no checksum: scrambled bytes may still decode to noise. What is
    // pinned down is that it never panics and any failure is a typed client error.
    if let Err(e) = decode_image(&bytes, &settings()) {
        assert!(matches!(e, FaceError::CorruptImage(_)), "{e:?}");
    }
}

#[test]
fn jpeg_header_with_garbage_after_it_is_corrupt() {
    let mut bytes = common::celebrity("img1.jpg")[..200].to_vec();
    bytes.extend_from_slice(&[0xFF; 300]);
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    match decode_image(&bytes, &settings()).map(|i| i.dimensions()) {
        Err(FaceError::CorruptImage(_)) => {}
        other => panic!("expected CorruptImage, got {other:?}"),
    }
}

#[test]
fn non_image_uploads_are_not_images() {
    let inputs: [&[u8]; 4] = [
        b"",
        b"%PDF-1.7\n1 0 obj\n<< >>\nendobj\n",
        b"hello, this is plain text",
        &[0u8; 1024],
    ];
    for bytes in inputs {
        match decode_image(bytes, &settings()).map(|i| i.dimensions()) {
            Err(e @ FaceError::NotAnImage) => assert!(e.is_client_error()),
            other => panic!(
                "expected NotAnImage for {:?}, got {other:?}",
                &bytes[..bytes.len().min(8)]
            ),
        }
    }
}

#[test]
fn uploads_over_the_byte_limit_are_refused_before_decoding() {
    let mut settings = settings();
    settings.max_upload_bytes = 1000;
    match decode_image(&common::celebrity("img1.jpg"), &settings).map(|i| i.dimensions()) {
        Err(FaceError::UploadTooLarge { max: 1000, .. }) => {}
        other => panic!("expected UploadTooLarge, got {other:?}"),
    }
}

#[test]
fn engine_reports_bad_uploads_as_errors_not_verdicts() {
    let engine = common::engine();
    let enrolled = engine
        .enroll(&common::celebrity("img1.jpg"))
        .expect("enrol")
        .embedding;
    let err = engine
        .verify(&enrolled, &png_claiming(8660, 5774))
        .expect_err("refused");
    assert!(matches!(err, FaceError::ImageTooLarge { .. }), "{err:?}");
    let err = engine
        .verify(&enrolled, b"not an image")
        .expect_err("refused");
    assert!(matches!(err, FaceError::NotAnImage), "{err:?}");
}
