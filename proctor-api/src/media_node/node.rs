//! `proctor media`: the SFU alone, for a machine of its own — a full media node. It needs no
//! database: it serves signalling at `{listen}/media` (CORS open, since browsers come from
//! the API's origin and authenticate with bearer media tokens, never cookies) and the API's
//! signed frame grabs at `{listen}/media/grab` ([`super::grab`]); it runs the services every
//! SFU has beside it (the recorder, writing to the object store of its own `storage.*`
//! settings — the same store as the API's); it reports a heartbeat to `media_node.api_url`,
//! then fetches the cameras placed on it and pulls exactly those; and it forwards its room
//! events there in order (recording segments and camera status included), retrying while
//! the API is unreachable (a bounded backlog; the oldest events go first when it overflows).
//! On shutdown it stops its pulls and the recorder first, then sends what is left.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{Method, header};
use axum::routing::get;
use media_server::{MediaEvent, MediaServer};
use tokio::sync::broadcast::error::RecvError;
use tower_http::cors::{Any, CorsLayer};

use super::signature;
use super::{NodeCameras, NodeEvents, NodeHeartbeat};
use crate::camera::Ingests;
use crate::settings::Settings;

/// Events kept while the API cannot be reached.
const BACKLOG: usize = 20_000;
/// Events per POST.
const BATCH: usize = 500;
/// How long a stopping node keeps trying to hand its last events to the API.
const DRAIN: Duration = Duration::from_secs(10);

/// Runs a media node on `listener` until `shutdown` completes.
pub async fn run(
    settings: Settings,
    listener: std::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    settings.validate_media_node().map_err(|e| anyhow::anyhow!(e))?;
    let key = settings.signing_key()?;
    let server = media_server::start(crate::media_settings(&settings, &key))
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the media node on UDP {}: {e}", settings.media.udp_bind))?;
    let node = settings
        .media_node
        .id
        .clone()
        .unwrap_or_else(|| format!("media-{}", server.udp_local_addr().port()));
    let files = crate::files::Files::open(&settings, &key).await?;
    let reporter = Reporter {
        client: reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?,
        api: settings.media_node.api_url.clone().unwrap_or_default().trim_end_matches('/').to_owned(),
        node: node.clone(),
        key: key.clone(),
        started_at: crate::db::now(),
        public_url: settings.media_node.public_url.clone().unwrap_or_default(),
    };
    // Subscribed before anything starts, so no recording or camera event is missed.
    let events = server.subscribe_events();
    let beside = crate::media_services::start(&settings, &server, &files).await?;
    let cameras = Ingests::new(Some(server.clone()));
    let heartbeat = Duration::from_secs(settings.media_node.heartbeat_secs);
    let (finish, finishing) = tokio::sync::watch::channel(false);
    let heartbeats = tokio::spawn(reporter.clone().heartbeats(server.clone(), cameras.clone(), heartbeat));
    let forwarder = tokio::spawn(reporter.forward_events(events, finishing));

    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
        .allow_headers(Any)
        .expose_headers([header::LOCATION, header::LINK, header::ETAG]);
    let media = server.router().merge(super::grab::node_router(server.clone(), node.clone(), key));
    let app = Router::new()
        .nest("/media", media)
        .route("/healthz", get(|| async { "ok" }))
        .layer(cors);

    let tls = crate::tls::config(&settings).await?;
    tracing::info!(%node, udp = %server.udp_local_addr(), services = ?beside.names(), "media node started");
    let served =
        crate::serve_http(app, listener, tls, Duration::from_secs(5), shutdown, "PROCTOR_MEDIA_LISTENING").await;
    heartbeats.abort();
    cameras.stop_all().await;
    // Closes open segments; their events still reach the API below.
    beside.stop().await;
    let _ = finish.send(true);
    if tokio::time::timeout(DRAIN, forwarder).await.is_err() {
        tracing::warn!("the API did not take the last media events in time");
    }
    server.shutdown().await;
    served
}

#[derive(Clone)]
struct Reporter {
    client: reqwest::Client,
    api: String,
    node: String,
    key: Vec<u8>,
    started_at: String,
    public_url: String,
}

impl Reporter {
    async fn post(&self, path: &str, body: Vec<u8>) -> anyhow::Result<()> {
        let sig = signature::sign(&self.key, &self.node, &body, chrono::Utc::now().timestamp());
        let resp = self
            .client
            .post(format!("{}{path}", self.api))
            .header(header::CONTENT_TYPE, "application/json")
            .header(signature::NODE_HEADER, &self.node)
            .header(signature::SIGNATURE_HEADER, sig)
            .body(body)
            .send()
            .await?;
        if !resp.status().is_success() {
            let status = resp.status();
            anyhow::bail!("{path}: {status} {}", resp.text().await.unwrap_or_default());
        }
        Ok(())
    }

    /// The cameras the API placed on this node (a signed GET: the body signed is empty).
    async fn cameras(&self) -> anyhow::Result<NodeCameras> {
        let sig = signature::sign(&self.key, &self.node, b"", chrono::Utc::now().timestamp());
        let resp = self
            .client
            .get(format!("{}/api/media-nodes/cameras", self.api))
            .header(signature::NODE_HEADER, &self.node)
            .header(signature::SIGNATURE_HEADER, sig)
            .send()
            .await?;
        if !resp.status().is_success() {
            let status = resp.status();
            anyhow::bail!("/api/media-nodes/cameras: {status} {}", resp.text().await.unwrap_or_default());
        }
        Ok(resp.json().await?)
    }

    /// Every period: report, then pull exactly the cameras placed here. While the API cannot
    /// be reached the pulls keep running as they are (the API moves them elsewhere only once
    /// this node's heartbeats are missing, and then this node stops them at its next report).
    async fn heartbeats(self, server: MediaServer, cameras: Arc<Ingests>, every: Duration) {
        let mut was_ok = true;
        loop {
            let stats = server.stats().await.unwrap_or_default();
            let hb = NodeHeartbeat {
                public_url: self.public_url.clone(),
                udp_addr: server.advertised_addr().to_string(),
                started_at: self.started_at.clone(),
                sessions: stats.sessions as i64,
                tracks: stats.tracks as i64,
            };
            let body = serde_json::to_vec(&hb).unwrap_or_default();
            let reported = async {
                self.post("/api/media-nodes/heartbeat", body).await?;
                cameras.sync(self.cameras().await?.cameras).await;
                anyhow::Ok(())
            }
            .await;
            match reported {
                Ok(()) if !was_ok => {
                    tracing::info!("the API hears this media node again");
                    was_ok = true;
                }
                Ok(()) => {}
                Err(e) if was_ok => {
                    tracing::warn!("cannot report to the API: {e:#}");
                    was_ok = false;
                }
                Err(_) => {}
            }
            tokio::time::sleep(every).await;
        }
    }

    /// Sends events in order until `finishing` turns true and nothing is left to send.
    async fn forward_events(
        self,
        mut rx: tokio::sync::broadcast::Receiver<MediaEvent>,
        mut finishing: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut backlog: VecDeque<serde_json::Value> = VecDeque::new();
        let mut backoff = Duration::from_millis(100);
        loop {
            // Wait for something to send, then take whatever else is already queued.
            if backlog.is_empty() {
                if *finishing.borrow() {
                    match rx.try_recv() {
                        Ok(ev) => push(&mut backlog, &ev),
                        Err(_) => return,
                    }
                } else {
                    tokio::select! {
                        got = rx.recv() => match got {
                            Ok(ev) => push(&mut backlog, &ev),
                            Err(RecvError::Lagged(n)) => tracing::warn!(missed = n, "media events overflowed before sending"),
                            Err(RecvError::Closed) => return,
                        },
                        changed = finishing.changed() => {
                            if changed.is_err() {
                                return;
                            }
                            continue;
                        }
                    }
                }
            }
            loop {
                match rx.try_recv() {
                    Ok(ev) => push(&mut backlog, &ev),
                    Err(tokio::sync::broadcast::error::TryRecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "media events overflowed before sending")
                    }
                    Err(_) => break,
                }
            }
            let n = backlog.len().min(BATCH);
            let batch = NodeEvents { started_at: self.started_at.clone(), events: backlog.iter().take(n).cloned().collect() };
            let body = serde_json::to_vec(&batch).unwrap_or_default();
            match self.post("/api/media-nodes/events", body).await {
                Ok(()) => {
                    backlog.drain(..n);
                    backoff = Duration::from_millis(100);
                }
                Err(e) => {
                    tracing::debug!("event batch not delivered, retrying: {e:#}");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}

fn push(backlog: &mut VecDeque<serde_json::Value>, ev: &MediaEvent) {
    if backlog.len() >= BACKLOG {
        backlog.pop_front();
        tracing::warn!("media event backlog full; dropped the oldest event");
    }
    if let Ok(v) = serde_json::to_value(ev) {
        backlog.push_back(v);
    }
}
