//! Development/test node: the SFU on loopback with a fixed test key, a token minting
//! endpoint and the static test pages. Never deploy this; its key is public.
//!
//! `sfu-dev [--http ADDR] [--udp ADDR] [--tcp ADDR] [--public IP:PORT] [--static DIR] [--turn-url URL --turn-secret S]
//!  [--record DIR [--segment-secs N]]` — `--record` records every track into a local object
//! store at `DIR/objects` (work files in `DIR/work`); SIGINT closes the open segments.
//! Prints `SFU_DEV_READY {"http":..,"udp":..}` once listening, then one `EVENT {..}` line
//! per room event.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use media_server::{MediaClaims, MediaRole, MediaServer, MediaSettings, TurnSettings, token};
use serde::Deserialize;
use tower_http::services::ServeDir;

/// Public on purpose: tests sign forged and expired tokens with it.
const DEV_KEY: &[u8] = b"sfu-dev-test-key-not-secret";

#[derive(Deserialize)]
struct TokenRequest {
    room: String,
    sub: String,
    #[serde(default)]
    name: String,
    role: MediaRole,
    /// Negative for an already expired token.
    #[serde(default = "default_ttl")]
    ttl_secs: i64,
}

fn default_ttl() -> i64 {
    600
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().collect();
    let http: SocketAddr = arg(&args, "--http").unwrap_or("127.0.0.1:0".into()).parse()?;
    let udp: SocketAddr = arg(&args, "--udp").unwrap_or("127.0.0.1:0".into()).parse()?;
    let static_dir = arg(&args, "--static").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/e2e/media")
    });
    let mut settings = MediaSettings::new(udp, DEV_KEY);
    settings.tcp_bind = arg(&args, "--tcp").map(|a| a.parse()).transpose()?;
    if let Some(public) = arg(&args, "--public") {
        let public: SocketAddr = public.parse()?;
        settings.public_ip = Some(public.ip());
        settings.public_port = Some(public.port());
    }
    if let (Some(url), Some(secret)) = (arg(&args, "--turn-url"), arg(&args, "--turn-secret")) {
        settings.turn = Some(TurnSettings { urls: vec![url], shared_secret: secret, ttl_secs: 600 });
    }
    let server = media_server::start(settings).await?;

    let recorder = match arg(&args, "--record") {
        Some(dir) => Some(start_recorder(&server, PathBuf::from(dir), arg(&args, "--segment-secs")).await?),
        None => None,
    };

    let mut events = server.subscribe_events();
    tokio::spawn(async move {
        while let Ok(e) = events.recv().await {
            println!("EVENT {}", serde_json::to_string(&e).unwrap_or_default());
        }
    });

    let app = Router::new()
        .route("/dev/token", post(mint))
        .route("/dev/stats", get(stats))
        .with_state(server.clone())
        .nest("/media", server.router())
        .fallback_service(ServeDir::new(static_dir));
    let listener = tokio::net::TcpListener::bind(http).await?;
    let ready = serde_json::json!({
        "http": format!("http://{}", listener.local_addr()?),
        "udp": server.advertised_addr().to_string(),
        "udp_local": server.udp_local_addr().to_string(),
        "tcp_local": server.tcp_local_addr().map(|a| a.to_string()),
    });
    println!("SFU_DEV_READY {ready}");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    if let Some(r) = recorder {
        r.stop().await;
    }
    server.shutdown().await;
    Ok(())
}

async fn mint(Json(r): Json<TokenRequest>) -> String {
    let claims = MediaClaims {
        room: r.room,
        name: if r.name.is_empty() { r.sub.clone() } else { r.name },
        sub: r.sub,
        role: r.role,
        exp: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
            + r.ttl_secs,
    };
    token::sign(&claims, DEV_KEY)
}

async fn stats(State(m): State<MediaServer>) -> Json<serde_json::Value> {
    Json(serde_json::to_value(m.stats().await.ok()).unwrap_or_default())
}

async fn start_recorder(
    server: &MediaServer,
    dir: PathBuf,
    segment_secs: Option<String>,
) -> Result<media_server::record::Recorder, Box<dyn std::error::Error>> {
    let signer = storage::UrlSigner::new(b"sfu-dev-files-key-not-secret", "/files")?;
    let store = storage::LocalStore::open(dir.join("objects"), signer).await?;
    let settings = media_server::record::RecordSettings {
        segment_secs: segment_secs.map(|s| s.parse()).transpose()?.unwrap_or(60),
        work_dir: dir.join("work"),
        ..Default::default()
    };
    let target = media_server::record::RecordTarget { store: std::sync::Arc::new(store), spool: None };
    Ok(media_server::record::Recorder::start(server, settings, target).await?)
}
