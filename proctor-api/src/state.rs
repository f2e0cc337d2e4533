//! What every handler can reach.

use std::sync::Arc;

use crate::auth::throttle::IpThrottle;
use crate::db::Db;
use crate::metrics::Metrics;
use crate::settings::Settings;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    pub login_throttle: Arc<IpThrottle>,
    /// Signs media tokens and short-lived links.
    pub signing_key: Arc<Vec<u8>>,
    /// The in-process SFU, when `media.enabled`.
    pub media: Option<media_server::MediaServer>,
    pub live: Arc<crate::live::Directory>,
    /// Room events of every media node, in-process or remote: subscribe here, not to the SFU.
    pub media_events: tokio::sync::broadcast::Sender<media_server::MediaEvent>,
    /// Object storage and its signed links.
    pub files: crate::files::Files,
    /// The face engine, when `face.enabled`.
    pub face: Option<crate::face::FaceService>,
    /// The room cameras this node pulls (`camera` domain).
    pub cameras: Arc<crate::camera::Ingests>,
}
