//! Keeps every enabled camera pulled by exactly one media server, and folds camera status
//! events into `room_camera.status`.
//!
//! Each camera's live room is placed like a browser's room ([`assigned`]): on the separate
//! node where the room is live, else by rendezvous hashing over the live nodes, else on the
//! in-process SFU when it is enabled. The in-process [`Ingests`] pulls only what is placed
//! here ([`reconcile`], at start-up, every heartbeat period and after each change by staff);
//! a node fetches its share with its credentials (`GET /api/media-nodes/cameras`, signed)
//! and runs its own [`Ingests`] with the same [`Ingests::sync`]. Credentials are opened from
//! the vault only here, to hand them to a pull.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use media_server::ingest::rtsp::RtspOptions;
use media_server::{IngestState, MediaEvent, MediaServer, ParticipantId, RoomId, RtspIngest, RtspSource};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use utoipa::ToSchema;

use super::queries::{self, CameraRow};
use crate::db::Db;
use crate::error::ApiResult;
use crate::identity::vault::Vault;
use crate::media_node::{placement, queries as node_queries};
use crate::state::AppState;

/// The live room of an exam room (what walls and watch tokens name).
pub fn live_room(exam_room_id: i64) -> String {
    format!("room-{exam_room_id}")
}

/// A camera's media identity.
pub fn participant(camera_id: i64) -> String {
    format!("camera:{camera_id}")
}

/// One camera to pull, credentials opened: what a media server needs, nothing more. Sent to
/// nodes only over the signed channel (HTTPS between nodes and API). `Debug` hides the
/// password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CameraPull {
    pub id: i64,
    /// Live room, `room-{exam_room_id}`.
    pub room: String,
    /// `camera:{id}`.
    pub participant: String,
    pub label: String,
    pub url: String,
    pub username: String,
    pub password: String,
}

impl fmt::Debug for CameraPull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CameraPull")
            .field("id", &self.id)
            .field("room", &self.room)
            .field("url", &self.url)
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

/// Who pulls a camera.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carrier<'a> {
    /// This process's own SFU.
    Here,
    /// The separate media node with this id.
    Node(&'a str),
}

/// The enabled cameras `carrier` must pull now, credentials opened.
pub async fn assigned(state: &AppState, carrier: Carrier<'_>) -> ApiResult<Vec<CameraPull>> {
    let cameras = queries::enabled(&state.db).await?;
    if cameras.is_empty() {
        return Ok(Vec::new());
    }
    let fresh = placement::fresh_nodes(state).await?;
    let presence = node_queries::presence(&state.db).await?;
    let vault = Vault::for_data_dir(&state.settings.data_dir)?;
    let mut out = Vec::new();
    for cam in cameras {
        let room = live_room(cam.exam_room_id);
        // Where the room is live on a node: a wall watching it keeps it there too.
        let live_on: Vec<&str> =
            presence.iter().filter(|p| p.room == room).map(|p| p.media_node_id.as_str()).collect();
        let here = match placement::node_for(&room, &live_on, &fresh) {
            Some(n) => carrier == Carrier::Node(&n.media_node_id),
            None => carrier == Carrier::Here && state.media.is_some(),
        };
        if here
            && let Some(pull) = opened(&cam, &vault)
        {
            out.push(pull);
        }
    }
    Ok(out)
}

fn opened(cam: &CameraRow, vault: &Vault) -> Option<CameraPull> {
    let open = |sealed: &str| if sealed.is_empty() { Ok(String::new()) } else { vault.open(sealed) };
    match (open(&cam.username_enc), open(&cam.password_enc)) {
        (Ok(username), Ok(password)) => Some(CameraPull {
            id: cam.room_camera_id,
            room: live_room(cam.exam_room_id),
            participant: participant(cam.room_camera_id),
            label: cam.label.clone(),
            url: cam.url.clone(),
            username,
            password,
        }),
        _ => {
            tracing::error!(camera = cam.room_camera_id, "camera credentials cannot be opened (PII key changed?)");
            None
        }
    }
}

/// Brings the in-process pulls in line with the placement (no-op without an in-process SFU).
pub async fn reconcile(state: &AppState) -> ApiResult<()> {
    if state.media.is_none() {
        return Ok(());
    }
    let wanted = assigned(state, Carrier::Here).await?;
    state.cameras.sync(wanted).await;
    Ok(())
}

/// Re-places the in-process cameras every heartbeat period, so cameras leave for a node that
/// came up and come back when every node is gone.
pub fn spawn_reconciler(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let every = std::time::Duration::from_secs(state.settings.media_node.heartbeat_secs.max(1));
        loop {
            if let Err(e) = reconcile(&state).await {
                tracing::warn!(error = %e, "cameras not re-placed");
            }
            tokio::time::sleep(every).await;
        }
    })
}

/// Stores the status a camera's pull reported (any other event is ignored). Idempotent.
pub async fn store_status(db: &Db, ev: &MediaEvent) -> sqlx::Result<()> {
    let MediaEvent::IngestStatus { participant, state, reason, .. } = ev else {
        return Ok(());
    };
    let Some(id) = participant.0.strip_prefix("camera:").and_then(|n| n.parse::<i64>().ok()) else {
        return Ok(());
    };
    let status = match state {
        IngestState::Connecting => "connecting",
        IngestState::Online => "online",
        IngestState::Offline => "offline",
        IngestState::Unauthorised => "unauthorised",
    };
    queries::set_status(db, id, status, reason.as_deref()).await
}

struct Running {
    pull: CameraPull,
    ingest: RtspIngest,
}

/// The pulls one media server runs, by camera id.
pub struct Ingests {
    media: Option<MediaServer>,
    running: Mutex<HashMap<i64, Running>>,
}

impl Ingests {
    pub fn new(media: Option<MediaServer>) -> Arc<Ingests> {
        Arc::new(Ingests { media, running: Mutex::new(HashMap::new()) })
    }

    /// Stores the status of this process's pulls (a node's come in its event posts).
    pub fn follow_status(&self, db: &Db) {
        let Some(media) = &self.media else {
            return;
        };
        let mut events = media.subscribe_events();
        let db = db.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(ev) => {
                        if let Err(e) = store_status(&db, &ev).await {
                            tracing::warn!(error = %e, "cannot store camera status");
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "camera status lagged behind media events");
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        });
    }

    /// Pulls exactly `wanted`: stops what is no longer wanted or has changed (address,
    /// credentials, name, room), starts what is new or changed.
    pub async fn sync(&self, wanted: Vec<CameraPull>) {
        let Some(media) = &self.media else {
            return;
        };
        let wanted: HashMap<i64, CameraPull> = wanted.into_iter().map(|c| (c.id, c)).collect();
        let mut running = self.running.lock().await;
        let stale: Vec<i64> =
            running.iter().filter(|(id, r)| wanted.get(id) != Some(&r.pull)).map(|(id, _)| *id).collect();
        for id in stale {
            if let Some(old) = running.remove(&id) {
                old.ingest.stop().await;
            }
        }
        for (id, pull) in wanted {
            if running.contains_key(&id) {
                continue;
            }
            let source = RtspSource { url: pull.url.clone(), username: pull.username.clone(), password: pull.password.clone() };
            match media.ingest_rtsp(
                RoomId(pull.room.clone()),
                ParticipantId(pull.participant.clone()),
                pull.label.clone(),
                source,
                RtspOptions::default(),
            ) {
                Ok(ingest) => {
                    running.insert(id, Running { pull, ingest });
                }
                Err(e) => tracing::error!(camera = id, error = %e, "cannot pull camera"),
            }
        }
    }

    /// Ids of the cameras pulled here.
    pub async fn pulled(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.running.lock().await.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    /// Stop every pull (shutdown).
    pub async fn stop_all(&self) {
        let all: Vec<Running> = self.running.lock().await.drain().map(|(_, v)| v).collect();
        for r in all {
            r.ingest.stop().await;
        }
    }
}
