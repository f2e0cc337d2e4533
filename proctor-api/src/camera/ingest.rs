//! Keeps the media node pulling exactly the enabled cameras: all of them at start-up, and
//! one again whenever staff change it; folds the node's camera status events into
//! `room_camera.status`. Credentials are opened from the vault only here, to hand them to
//! the pull.

use std::collections::HashMap;
use std::sync::Arc;

use media_server::ingest::rtsp::RtspOptions;
use media_server::{IngestState, MediaEvent, MediaServer, ParticipantId, RoomId, RtspIngest, RtspSource};
use tokio::sync::Mutex;

use super::queries::{self, CameraRow};
use crate::db::Db;
use crate::identity::vault::Vault;

/// The live room of an exam room (what walls and watch tokens name).
pub fn live_room(exam_room_id: i64) -> String {
    format!("room-{exam_room_id}")
}

/// A camera's media identity.
pub fn participant(camera_id: i64) -> String {
    format!("camera:{camera_id}")
}

/// The pulls this node runs, by camera id.
pub struct Ingests {
    media: Option<MediaServer>,
    running: Mutex<HashMap<i64, RtspIngest>>,
}

impl Ingests {
    pub fn new(media: Option<MediaServer>) -> Arc<Ingests> {
        Arc::new(Ingests { media, running: Mutex::new(HashMap::new()) })
    }

    /// Start every enabled camera and follow their status. Called once at start-up.
    pub async fn start(self: &Arc<Self>, db: &Db, vault: &Vault) -> anyhow::Result<()> {
        let Some(media) = &self.media else {
            return Ok(());
        };
        let mut events = media.subscribe_events();
        let status_db = db.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(MediaEvent::IngestStatus { participant, state, reason, .. }) => {
                        let Some(id) = participant.0.strip_prefix("camera:").and_then(|n| n.parse::<i64>().ok()) else {
                            continue;
                        };
                        let status = match state {
                            IngestState::Connecting => "connecting",
                            IngestState::Online => "online",
                            IngestState::Offline => "offline",
                            IngestState::Unauthorised => "unauthorised",
                        };
                        if let Err(e) = queries::set_status(&status_db, id, status, reason.as_deref()).await {
                            tracing::warn!(camera = id, error = %e, "cannot store camera status");
                        }
                    }
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "camera status lagged behind media events");
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        for cam in queries::enabled(db).await? {
            self.apply(&cam, vault).await;
        }
        Ok(())
    }

    /// Bring the pull of `cam` in line with its row: stop it, and start it again if enabled.
    pub async fn apply(&self, cam: &CameraRow, vault: &Vault) {
        let mut running = self.running.lock().await;
        if let Some(old) = running.remove(&cam.room_camera_id) {
            old.stop().await;
        }
        let Some(media) = &self.media else {
            return;
        };
        if cam.enabled == 0 {
            return;
        }
        let source = match (vault.open(&cam.username_enc), vault.open(&cam.password_enc)) {
            (Ok(username), Ok(password)) => RtspSource { url: cam.url.clone(), username, password },
            _ => {
                tracing::error!(camera = cam.room_camera_id, "camera credentials cannot be opened (PII key changed?)");
                return;
            }
        };
        match media.ingest_rtsp(
            RoomId(live_room(cam.exam_room_id)),
            ParticipantId(participant(cam.room_camera_id)),
            cam.label.clone(),
            source,
            RtspOptions::default(),
        ) {
            Ok(ingest) => {
                running.insert(cam.room_camera_id, ingest);
            }
            Err(e) => tracing::error!(camera = cam.room_camera_id, error = %e, "cannot pull camera"),
        }
    }

    /// The camera was deleted.
    pub async fn remove(&self, id: i64) {
        if let Some(old) = self.running.lock().await.remove(&id) {
            old.stop().await;
        }
    }

    /// Stop every pull (shutdown).
    pub async fn stop_all(&self) {
        let all: Vec<RtspIngest> = self.running.lock().await.drain().map(|(_, v)| v).collect();
        for i in all {
            i.stop().await;
        }
    }
}
