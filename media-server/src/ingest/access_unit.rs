//! Whole access units out of a camera's byte stream. Cameras differ in how they packetise a
//! keyframe: some send its parameter sets as a unit of their own, and some code a picture
//! in several slices and repeat the parameter sets in front of every IDR slice, so the
//! parser hands the later slices out as a second "frame" without a timestamp. Viewers cope,
//! but a recorder must write one sample per picture at the picture's time. Here parameter
//! sets, SEI and delimiters on their own are held back and put in front of the next picture,
//! which inherits their time when it has none; [`slices_only`] strips a continuation of a
//! picture down to its slices so the recorder can append it to the picture it belongs to.

use crate::tap::Codec;

/// Whether an Annex-B byte stream holds at least one coded picture slice (a VCL NAL unit).
pub fn has_picture(codec: Codec, data: &[u8]) -> bool {
    nal_headers(data).any(|b| match codec {
        Codec::H265 => (b >> 1) & 0x3f < 32,
        _ => matches!(b & 0x1f, 1..=5),
    })
}

/// The slice NAL units of `data` (with their start codes), without parameter sets, SEI or
/// delimiters: what a continuation of an already started picture adds to it.
pub fn slices_only(codec: Codec, data: &[u8]) -> Vec<u8> {
    let starts: Vec<usize> = (0..data.len().saturating_sub(2))
        .filter(|&i| data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1)
        .collect();
    let mut out = Vec::with_capacity(data.len());
    for (n, &at) in starts.iter().enumerate() {
        let Some(&header) = data.get(at + 3) else { continue };
        let end = starts.get(n + 1).map_or(data.len(), |&next| {
            // A four-byte start code's leading zero belongs to the next unit.
            if next > 0 && data[next - 1] == 0 { next - 1 } else { next }
        });
        let vcl = match codec {
            Codec::H265 => (header >> 1) & 0x3f < 32,
            _ => matches!(header & 0x1f, 1..=5),
        };
        if vcl {
            out.extend_from_slice(&[0, 0, 0, 1]);
            out.extend_from_slice(&data[at + 3..end]);
        }
    }
    out
}

/// The first byte of every NAL unit after a start code (`00 00 01`, with or without a
/// leading zero).
fn nal_headers(data: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i + 3 < data.len() {
            if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
                i += 3;
                let b = data[i];
                return Some(b);
            }
            i += 1;
        }
        None
    })
}

/// Joins non-picture buffers to the picture that follows them.
#[derive(Default)]
pub struct AccessUnits {
    held: Vec<u8>,
    held_pts: Option<u64>,
    held_key: bool,
}

impl AccessUnits {
    /// Feeds one buffer; returns a whole access unit (data, pts, keyframe) when `data`
    /// completes one.
    pub fn push(&mut self, codec: Codec, data: &[u8], pts_ns: Option<u64>, keyframe: bool) -> Option<(Vec<u8>, Option<u64>, bool)> {
        if !matches!(codec, Codec::H264 | Codec::H265) {
            return Some((data.to_vec(), pts_ns, keyframe));
        }
        if !has_picture(codec, data) {
            if self.held.is_empty() {
                self.held_pts = pts_ns;
            }
            self.held.extend_from_slice(data);
            self.held_key |= keyframe;
            return None;
        }
        if self.held.is_empty() {
            return Some((data.to_vec(), pts_ns, keyframe));
        }
        let mut unit = std::mem::take(&mut self.held);
        unit.extend_from_slice(data);
        let pts = pts_ns.or(self.held_pts.take());
        self.held_pts = None;
        let key = keyframe || std::mem::take(&mut self.held_key) && is_idr(codec, data);
        Some((unit, pts, key))
    }
}

fn is_idr(codec: Codec, data: &[u8]) -> bool {
    nal_headers(data).any(|b| match codec {
        Codec::H265 => (16..=21).contains(&((b >> 1) & 0x3f)),
        _ => b & 0x1f == 5,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPS: &[u8] = &[0, 0, 0, 1, 0x67, 0x42, 0, 0x1e];
    const PPS: &[u8] = &[0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80];
    const IDR: &[u8] = &[0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00];
    const P: &[u8] = &[0, 0, 1, 0x41, 0x9a, 0x02, 0x03, 0x04];

    #[test]
    fn parameter_sets_alone_are_held_for_the_next_picture_and_lend_it_their_time() {
        let mut au = AccessUnits::default();
        let sets = [SPS, PPS].concat();
        assert!(!has_picture(Codec::H264, &sets));
        assert_eq!(au.push(Codec::H264, &sets, Some(1_000), true), None);
        let (data, pts, key) = au.push(Codec::H264, IDR, None, true).expect("a whole unit");
        assert_eq!(data, [SPS, PPS, IDR].concat());
        assert_eq!((pts, key), (Some(1_000), true));
        // Ordinary pictures pass as they are, with their own time.
        assert_eq!(au.push(Codec::H264, P, Some(2_000), false), Some((P.to_vec(), Some(2_000), false)));
    }

    #[test]
    fn a_continuation_keeps_only_its_slices() {
        let second_slice = [0u8, 0, 0, 1, 0x65, 0xb8, 0x11];
        let continuation = [&[0u8, 0, 0, 1, 0x09, 0xf0][..], SPS, PPS, &second_slice].concat();
        assert_eq!(slices_only(Codec::H264, &continuation), second_slice.to_vec());
        assert!(slices_only(Codec::H264, &[SPS, PPS].concat()).is_empty());
    }

    #[test]
    fn a_whole_keyframe_passes_unchanged() {
        let mut au = AccessUnits::default();
        let whole = [SPS, PPS, IDR].concat();
        assert_eq!(au.push(Codec::H264, &whole, Some(5), true), Some((whole.clone(), Some(5), true)));
    }

    #[test]
    fn h265_slices_are_pictures_and_vps_is_not() {
        let vps = [0u8, 0, 0, 1, 0x40, 0x01, 0x0c];
        let idr_w_radl = [0u8, 0, 0, 1, 0x26, 0x01, 0xaf];
        assert!(!has_picture(Codec::H265, &vps));
        assert!(has_picture(Codec::H265, &idr_w_radl));
        assert!(is_idr(Codec::H265, &idr_w_radl));
    }
}
