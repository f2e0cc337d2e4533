//! # proctor-api
//!
//! The exam platform's HTTP service and the `proctor` binary. Each exam domain owns a folder
//! (`auth`, `users`, `org`, `audit`, …) holding its router, handlers and SQL; [`http::app`]
//! merges them into one router and one OpenAPI document.
//!
//! Invariants:
//! - every route declares who may call it by an extractor in its signature (`Admin`,
//!   `Staff`, `AuthUser`, …); the authorization-matrix test walks every documented route;
//! - every failure leaves as [`error::ApiError`]'s JSON shape, never a bare status;
//! - every change to an account, the organisation profile (and later papers, scores and
//!   certificates) appends to the audit trail in the same request.
//! - ID and phone numbers and uploaded candidate files are sealed at rest (`identity::vault`,
//!   AES-256-GCM, key in the data directory); lists, exports, history and the audit trail
//!   carry only masked forms, and reading them in clear is itself audited.
//!
//! Panics in handlers are caught and answered as a structured 500; start-up errors are
//! returned to `main`, which prints them and exits non-zero.

pub mod affairs;
pub mod audit;
pub mod bank;
pub mod auth;
pub mod camera;
pub mod db;
pub mod error;
pub mod face;
pub mod files;
pub mod http;
pub mod identity;
pub mod live;
pub mod media_node;
pub mod media_services;
pub mod metrics;
pub mod notify;
pub mod org;
pub mod plan;
pub mod paper;
pub mod public;
pub mod recording;
pub mod registration;
pub mod settings;
pub mod state;
pub mod ticket;
pub mod tls;
pub mod users;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use settings::{Secret, Settings};
use state::AppState;

/// Opens the database named by the settings (SQLite in the data directory by default).
pub async fn open_db(settings: &Settings) -> anyhow::Result<db::Db> {
    std::fs::create_dir_all(&settings.data_dir).map_err(|e| {
        anyhow::anyhow!("cannot create data directory {}: {e}", settings.data_dir.display())
    })?;
    let url = match &settings.database_url {
        Some(u) => u.expose().to_owned(),
        None => db::Db::sqlite_url(&settings.data_dir),
    };
    db::Db::connect(&url).await.map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))
}

/// Creates the `admin` account on first start. Returns the one-time password when it was
/// generated here (so the caller can print it once).
pub async fn ensure_admin(db: &db::Db, password: Option<&Secret>) -> anyhow::Result<Option<String>> {
    if auth::queries::count_accounts(db).await? > 0 {
        return Ok(None);
    }
    let (pw, generated) = match password {
        Some(p) => (p.expose().to_owned(), false),
        None => (auth::password::generate(), true),
    };
    let hash = auth::password::hash(&pw)?;
    let id = auth::queries::insert_account(
        db,
        auth::queries::NewAccount {
            username: "admin",
            display_name: "系统管理员",
            role: auth::Role::Admin.as_str(),
            password_hash: &hash,
            must_change_password: true,
        },
    )
    .await?;
    audit::record(db, None, "account.create", "account", Some(&id.to_string()), serde_json::json!({"username": "admin", "first_start": true})).await?;
    Ok(generated.then_some(pw))
}

/// Runs the platform on an already-bound listener until `shutdown` completes; then stops
/// accepting, lets requests in flight finish (up to 10 s) and returns. Tests call this with a
/// listener on port 0.
pub async fn launch_with_listener(
    settings: Settings,
    listener: std::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let db = open_db(&settings).await?;
    if let Some(pw) = ensure_admin(&db, settings.admin_password.as_ref()).await? {
        println!("首次启动：已创建管理员账号 admin，一次性密码 {pw}（首次登录须修改）");
        println!("First start: created account 'admin' with one-time password {pw} (change it at first sign-in)");
    }
    let tls = tls::config(&settings).await?;
    let signing_key = Arc::new(settings.signing_key().map_err(|e| {
        anyhow::anyhow!("cannot read or create {}: {e}", settings.data_dir.join("secret.key").display())
    })?);
    let files = files::Files::open(&settings, &signing_key).await?;
    // Before the media node, so a missing model stops start-up with nothing left running.
    let face = if settings.face.enabled {
        Some(face::FaceService::load(&settings.face).await?)
    } else {
        None
    };
    let live = Arc::new(live::Directory::default());
    let (media_events, _) = tokio::sync::broadcast::channel(4096);
    let media = if settings.media.enabled {
        Some(start_media(&settings, &signing_key, live.clone(), media_events.clone()).await?)
    } else {
        None
    };
    // The recorder (and what else runs beside an SFU) on the in-process SFU; nodes run their
    // own and their events are indexed as they arrive.
    let beside = match &media {
        Some(m) => {
            recording::spawn_indexer(db.clone(), m.subscribe_events());
            media_services::start(&settings, m, &files).await?
        }
        None => media_services::BesideSfu::default(),
    };
    let settings = Arc::new(settings);
    let state = AppState {
        db,
        settings: settings.clone(),
        metrics: Arc::new(metrics::Metrics::new()),
        login_throttle: Arc::new(auth::throttle::IpThrottle::new(30, Duration::from_secs(600))),
        signing_key,
        media: media.clone(),
        live,
        media_events,
        files,
        face,
        cameras: camera::Ingests::new(media.clone()),
    };
    // Room cameras placed on the in-process SFU are pulled here from the start, and
    // re-placed as nodes come and go.
    state.cameras.follow_status(&state.db);
    camera::ingest::reconcile(&state).await?;
    let cameras = state.cameras.clone();
    let interrupted = bank::import::fail_interrupted(&state.db).await?;
    if interrupted > 0 {
        tracing::warn!(imports = interrupted, "bank imports interrupted by the last stop marked failed");
    }
    let camera_placer = camera::ingest::spawn_reconciler(state.clone());
    let reminders = tokio::spawn(affairs::reminders::run(state.clone()));
    let exports = recording::export::spawn_worker(state.clone());
    let rechecks = state.face.is_some().then(|| face::recheck::spawn_scheduler(state.clone()));
    let served = serve_http(http::app(state), listener, tls, Duration::from_secs(10), shutdown, "PROCTOR_LISTENING").await;
    reminders.abort();
    exports.abort();
    camera_placer.abort();
    // The recorder closes open segments so they reach storage whole.
    beside.stop().await;
    if let Some(r) = rechecks {
        r.abort();
    }
    cameras.stop_all().await;
    served?;
    if let Some(m) = media {
        m.shutdown().await;
    }
    Ok(())
}

/// Serves `app` on `listener` (HTTPS with `tls`) until `shutdown`, then lets requests in
/// flight finish for up to `grace`. Prints `{ready} <url>` on stdout once accepting: the
/// line scripts and tests wait for.
pub(crate) async fn serve_http(
    app: axum::Router,
    listener: std::net::TcpListener,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
    grace: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
    ready: &str,
) -> anyhow::Result<()> {
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let handle = axum_server::Handle::new();
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        h.graceful_shutdown(Some(grace));
    });
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(%addr, scheme, "listening");
    println!("{ready} {scheme}://{addr}");
    match tls {
        Some(cfg) => axum_server::from_tcp_rustls(listener, cfg).handle(handle).serve(app).await?,
        None => axum_server::from_tcp(listener).handle(handle).serve(app).await?,
    }
    Ok(())
}

/// The SFU's settings from ours (shared by `proctor serve` and `proctor media`).
pub(crate) fn media_settings(settings: &Settings, key: &[u8]) -> media_server::MediaSettings {
    let m = &settings.media;
    let mut ms = media_server::MediaSettings::new(m.udp_bind, key.to_vec());
    ms.public_ip = m.public_ip;
    ms.tcp_bind = m.tcp_bind;
    if let Some(secret) = &m.turn_secret {
        ms.turn = Some(media_server::TurnSettings {
            urls: m.turn_urls.clone(),
            shared_secret: secret.expose().to_owned(),
            ttl_secs: 3600,
        });
    }
    ms
}

/// Starts the in-process SFU and folds its events into the live directory and the bus.
async fn start_media(
    settings: &Settings,
    key: &[u8],
    live: Arc<live::Directory>,
    bus: tokio::sync::broadcast::Sender<media_server::MediaEvent>,
) -> anyhow::Result<media_server::MediaServer> {
    let m = &settings.media;
    let ms = media_settings(settings, key);
    let server = media_server::start(ms)
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the media node on UDP {}: {e}", m.udp_bind))?;
    tracing::info!(udp = %server.udp_local_addr(), "media node started");
    let mut events = server.subscribe_events();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(ev) => {
                    live.apply(&ev);
                    let _ = bus.send(ev);
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "live directory lagged behind media events");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    Ok(server)
}
