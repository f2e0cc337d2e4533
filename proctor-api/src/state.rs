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
}
