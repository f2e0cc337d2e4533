//! Where the picture of a check comes from. The one place to switch between sources: the
//! live grab from the candidate's published track — on the in-process SFU
//! (`MediaServer::grab_frame`) or on the separate media node carrying the room (its signed
//! grab endpoint, `media_node::grab`) — and the still the camera page captures from the same
//! camera and uploads (used when the page is not publishing, or when the grab fails).

use std::time::Duration;

use bytes::Bytes;
use media_server::{ParticipantId, RoomId};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// How long a live grab may wait for a keyframe before the still is used instead.
pub const LIVE_GRAB_TIMEOUT: Duration = Duration::from_secs(2);

/// A picture to verify, with how it was obtained (recorded beside the check).
pub struct Frame {
    pub bytes: Bytes,
    pub content_type: &'static str,
    /// `still` or `live`.
    pub source: &'static str,
}

pub enum FrameSource {
    /// A still captured by the camera page (JPEG or PNG).
    Still(Bytes),
    /// The current picture of a participant's published camera on the in-process SFU.
    Live { room: String, participant: String },
    /// The same on a separate media node (`base`: its signalling base URL).
    LiveOnNode { node: String, base: String, room: String, participant: String },
}

impl FrameSource {
    /// The live camera of `account` (signed in as `role`) when it is publishing video into its
    /// camera-check room, on the in-process SFU or on a live separate node; `None` otherwise.
    pub async fn live_of(state: &AppState, account: i64, role: &str) -> Option<FrameSource> {
        let room = crate::live::check_room(account);
        let participant = format!("{role}:{account}");
        if state.media.is_some() && state.live.has_room(&room) {
            let publishing = state.live.rooms().into_iter().filter(|r| r.room == room).any(|r| {
                r.participants
                    .iter()
                    .any(|p| p.participant == participant && p.role == "publish" && p.video_tracks > 0)
            });
            if publishing {
                return Some(FrameSource::Live { room, participant });
            }
        }
        let on_nodes = match crate::media_node::queries::presence_in(&state.db, &room).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "cannot look up rooms on media nodes");
                return None;
            }
        };
        let publisher = on_nodes
            .into_iter()
            .find(|p| p.participant == participant && p.role == "publish" && p.video_tracks > 0)?;
        let fresh = crate::media_node::placement::fresh_nodes(state).await.ok()?;
        let node = fresh.into_iter().find(|n| n.media_node_id == publisher.media_node_id)?;
        Some(FrameSource::LiveOnNode { node: node.media_node_id, base: node.public_url, room, participant })
    }

    pub async fn take(self, state: &AppState) -> ApiResult<Frame> {
        match self {
            FrameSource::Still(bytes) => {
                if bytes.is_empty() {
                    return Err(ApiError::invalid_code("frame", "file_empty", "图像为空", "The picture is empty"));
                }
                let content_type = sniff(&bytes).ok_or(ApiError::UnsupportedMediaType)?;
                Ok(Frame { bytes, content_type, source: "still" })
            }
            FrameSource::Live { room, participant } => {
                let media = state
                    .media
                    .as_ref()
                    .ok_or_else(|| anyhow::anyhow!("live grab without an in-process media server"))?;
                let picture = media
                    .grab_frame(&RoomId(room), &ParticipantId(participant), LIVE_GRAB_TIMEOUT)
                    .await
                    .map_err(|e| anyhow::anyhow!("live grab: {e}"))?;
                // Kept as evidence like an uploaded still; JPEG keeps it small.
                let bytes = tokio::task::spawn_blocking(move || {
                    let mut out = Vec::new();
                    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
                        .encode_image(&picture)
                        .map(|()| out)
                })
                .await
                .map_err(|e| anyhow::anyhow!("jpeg task: {e}"))?
                .map_err(|e| anyhow::anyhow!("jpeg encode: {e}"))?;
                Ok(Frame { bytes: Bytes::from(bytes), content_type: "image/jpeg", source: "live" })
            }
            FrameSource::LiveOnNode { node, base, room, participant } => {
                let bytes = crate::media_node::grab::from_node(
                    &crate::media_node::grab::client(),
                    &state.signing_key,
                    &node,
                    &base,
                    &room,
                    &participant,
                    LIVE_GRAB_TIMEOUT,
                )
                .await?;
                if sniff(&bytes) != Some("image/jpeg") {
                    return Err(anyhow::anyhow!("node {node} answered a grab with something else than a JPEG").into());
                }
                Ok(Frame { bytes, content_type: "image/jpeg", source: "live" })
            }
        }
    }
}

/// JPEG or PNG by magic bytes, never by the client's claim.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

pub fn extension(content_type: &str) -> &'static str {
    if content_type == "image/png" { "png" } else { "jpg" }
}
