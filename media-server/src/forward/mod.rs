//! The media plane's per-subscriber decisions: which simulcast layer a forwarded track
//! carries, when a switch may happen (only at a keyframe of the new layer), and how RTP
//! time is rewritten so the subscriber sees one continuous stream. Pure: frames and time
//! in, decisions out; str0m then re-packetizes, which gives each forwarded track its own
//! SSRC and sequence numbers.

mod layer;
mod timestamp;

pub use layer::{Decision, FrameInfo, Layer, LayerSelector};
pub use timestamp::TimestampRewriter;
