//! Which video codec a publisher gets. str0m answers with the first codec of its own list
//! that the offer carries, and its list starts with VP8; a publisher that puts H.264 first
//! (iOS Safari, phones with a hardware H.264 encoder) would be answered VP8 and encode in
//! software. The publisher's first choice wins instead, as JSEP intends; viewers of every
//! mainstream browser decode both.

use str0m::RtcConfig;

/// The codec name (`VP8`, `H264`, …) of the first payload type of the offer's first video
/// section, upper-cased.
pub(crate) fn first_video_codec(sdp: &str) -> Option<String> {
    let mut lines = sdp.lines().map(str::trim_end);
    let first_pt = lines.by_ref().find_map(|l| l.strip_prefix("m=video "))?.split_whitespace().nth(2)?.to_owned();
    let rtpmap = format!("a=rtpmap:{first_pt} ");
    lines
        .take_while(|l| !l.starts_with("m="))
        .find_map(|l| l.strip_prefix(rtpmap.as_str()))
        .and_then(|v| v.split('/').next())
        .map(str::to_ascii_uppercase)
}

/// `cfg` with its video codecs ordered so that the publisher's first choice leads.
pub(crate) fn prefer_publishers_codec(cfg: RtcConfig, offer_sdp: &str) -> RtcConfig {
    match first_video_codec(offer_sdp).as_deref() {
        // Moving VP8 to the end leaves H.264 first among the defaults.
        Some("H264") => cfg.enable_vp8(false).enable_vp8(true),
        _ => cfg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
        m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n\
        m=video 9 UDP/TLS/RTP/SAVPF 102 96 97\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\n\
        a=rtpmap:102 H264/90000\r\n";

    #[test]
    fn reads_the_first_video_payload_type() {
        assert_eq!(first_video_codec(OFFER).as_deref(), Some("H264"));
        assert_eq!(first_video_codec(&OFFER.replace(" 102 96 97", " 96 102 97")).as_deref(), Some("VP8"));
        assert_eq!(first_video_codec("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"), None, "no video");
    }

    #[test]
    fn rtpmap_of_another_section_does_not_count() {
        let sdp = "m=video 9 UDP/TLS/RTP/SAVPF 100\r\nm=video 9 UDP/TLS/RTP/SAVPF 100\r\na=rtpmap:100 VP9/90000\r\n";
        assert_eq!(first_video_codec(sdp), None);
    }
}
