//! The output pipeline: one appsrc per stream (encoded frames with rewritten times) →
//! passthrough parser, or decoder → encoder → parser → one muxer → filesink. The last element
//! of each chain is a capsfilter named `vout` / `aout`: the muxer picks the right kind of pad
//! from its caps. Progress is measured on `vpos` / `apos`: the last element before an encoder
//! (encoders may shift their output times, x264enc by an hour), else `vout` / `aout`.

use crate::tap::Codec;

use super::ExportFormat;

/// What each stream becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    pub container: &'static str,
    pub video: Option<(Codec, VideoOut)>,
    pub audio: Option<AudioOut>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VideoOut {
    /// Frames copied as they are.
    Copy,
    /// Decoded and encoded again as H.264 at this picture size.
    ToH264 { width: u32, height: u32 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AudioOut {
    Copy,
    ToAac,
}

impl Plan {
    /// Chooses container and chains; `size` is the first video segment's picture size.
    pub fn choose(
        format: ExportFormat,
        video: Option<Codec>,
        audio: bool,
        size: (u32, u32),
    ) -> Plan {
        let h26x = matches!(video, Some(Codec::H264 | Codec::H265));
        match format {
            ExportFormat::Remux => Plan {
                // Opus goes into MP4 as well (ISO/IEC 14496-12 Opus mapping): no transcoding.
                container: if h26x { "mp4" } else { "webm" },
                video: video.map(|c| (c, VideoOut::Copy)),
                audio: audio.then_some(AudioOut::Copy),
            },
            ExportFormat::Mp4 => Plan {
                container: "mp4",
                video: video.map(|c| {
                    if c == Codec::H264 {
                        (c, VideoOut::Copy)
                    } else {
                        (
                            c,
                            VideoOut::ToH264 {
                                width: size.0,
                                height: size.1,
                            },
                        )
                    }
                }),
                audio: audio.then_some(AudioOut::ToAac),
            },
        }
    }

    pub fn video_codec_out(&self) -> Option<&'static str> {
        self.video.map(|(c, out)| match out {
            VideoOut::ToH264 { .. } => "h264",
            VideoOut::Copy => codec_name(c),
        })
    }

    pub fn audio_codec_out(&self) -> Option<&'static str> {
        self.audio.map(|a| match a {
            AudioOut::Copy => "opus",
            AudioOut::ToAac => "aac",
        })
    }

    /// The elements whose output times are the file's times (see the module guide).
    pub fn position_elements(&self) -> (&'static str, &'static str) {
        let v = if matches!(self.video, Some((_, VideoOut::ToH264 { .. }))) {
            "vpos"
        } else {
            "vout"
        };
        let a = if self.audio == Some(AudioOut::ToAac) {
            "apos"
        } else {
            "aout"
        };
        (v, a)
    }

    pub fn mime(&self) -> &'static str {
        match (self.container, self.video.is_some()) {
            ("mp4", true) => "video/mp4",
            ("mp4", false) => "audio/mp4",
            (_, true) => "video/webm",
            _ => "audio/webm",
        }
    }

    /// The whole pipeline in `gst-launch` syntax.
    pub fn describe(&self) -> String {
        let mux = match self.container {
            // Seekable output: the muxer goes back to write duration and cues / the index.
            "mp4" => "mp4mux name=mux faststart=true",
            _ => "webmmux name=mux",
        };
        let mut desc = format!("{mux} ! filesink name=sink");
        // block=true: the feeding threads wait while the muxer waits for the other stream.
        let src = "format=time block=true max-bytes=8000000";
        if let Some((codec, out)) = self.video {
            desc.push_str(&format!(
                " appsrc name=vsrc {src} ! {} ! mux.",
                video_chain(codec, out)
            ));
        }
        if let Some(out) = self.audio {
            desc.push_str(&format!(
                " appsrc name=asrc {src} ! {} ! mux.",
                audio_chain(out)
            ));
        }
        desc
    }
}

pub(crate) fn codec_name(c: Codec) -> &'static str {
    match c {
        Codec::Vp8 => "vp8",
        Codec::Vp9 => "vp9",
        Codec::H264 => "h264",
        Codec::H265 => "h265",
        Codec::Opus => "opus",
    }
}

fn video_chain(codec: Codec, out: VideoOut) -> String {
    match out {
        VideoOut::Copy => match codec {
            Codec::H264 => "h264parse ! capsfilter name=vout caps=video/x-h264".into(),
            Codec::H265 => "h265parse ! capsfilter name=vout caps=video/x-h265".into(),
            Codec::Vp9 => "capsfilter name=vout caps=video/x-vp9".into(),
            _ => "capsfilter name=vout caps=video/x-vp8".into(),
        },
        VideoOut::ToH264 { width, height } => {
            let dec = match codec {
                Codec::Vp9 => "vp9dec name=vdec threads=1",
                Codec::H265 => "h265parse ! avdec_h265 name=vdec max-threads=1",
                _ => "vp8dec name=vdec threads=1",
            };
            // One encoder thread and a fast preset: an export must never take more than its
            // share of a core from live forwarding. No B-frames: with them mp4mux's timeline
            // put the video ≈ 100 ms behind the audio (and more players cope without).
            format!(
                "{dec} ! videoconvert ! videoscale ! capsfilter name=vpos caps=video/x-raw,format=I420,width={width},height={height} ! \
                 x264enc threads=1 speed-preset=veryfast bframes=0 bitrate=1200 key-int-max=120 ! \
                 video/x-h264,profile=high ! h264parse ! capsfilter name=vout caps=video/x-h264"
            )
        }
    }
}

fn audio_chain(out: AudioOut) -> &'static str {
    match out {
        // The parser's typed pad makes the muxer hand out an audio pad.
        AudioOut::Copy => "opusparse ! capsfilter name=aout caps=audio/x-opus",
        // audiorate fills holes with silence, so AAC stays continuous and in sync after a gap.
        AudioOut::ToAac => {
            "opusdec ! audioconvert ! audioresample ! audio/x-raw,rate=48000 ! audiorate name=apos ! \
             avenc_aac bitrate=96000 ! aacparse ! capsfilter name=aout caps=audio/mpeg"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remux_keeps_codecs_and_picks_the_container_by_video() {
        let p = Plan::choose(ExportFormat::Remux, Some(Codec::Vp8), true, (640, 480));
        assert_eq!(
            (p.container, p.video_codec_out(), p.audio_codec_out()),
            ("webm", Some("vp8"), Some("opus"))
        );
        let p = Plan::choose(ExportFormat::Remux, Some(Codec::H264), true, (640, 480));
        assert_eq!(
            (p.container, p.video_codec_out(), p.audio_codec_out()),
            ("mp4", Some("h264"), Some("opus"))
        );
        let p = Plan::choose(ExportFormat::Remux, None, true, (0, 0));
        assert_eq!((p.container, p.mime()), ("webm", "audio/webm"));
    }

    #[test]
    fn mp4_transcodes_only_what_is_not_h264_and_aac() {
        let p = Plan::choose(ExportFormat::Mp4, Some(Codec::H264), true, (640, 480));
        assert_eq!(p.video, Some((Codec::H264, VideoOut::Copy)));
        assert_eq!(p.audio, Some(AudioOut::ToAac));
        let p = Plan::choose(ExportFormat::Mp4, Some(Codec::Vp8), false, (320, 240));
        assert_eq!(
            p.video,
            Some((
                Codec::Vp8,
                VideoOut::ToH264 {
                    width: 320,
                    height: 240
                }
            ))
        );
        assert!(p.describe().contains("x264enc threads=1"));
        assert_eq!(p.mime(), "video/mp4");
    }
}
