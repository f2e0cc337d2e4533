//! `proctor`: the platform's one binary.
//!
//! - `proctor serve` — run the platform (default when no command is given);
//! - `proctor check-config` — load and validate the settings, print them (secrets hidden);
//! - `proctor migrate` — bring the database schema up to date and exit;
//! - `proctor media` — run only a media node (the SFU) that reports to `media_node.api_url`.

use std::process::ExitCode;

use proctor_api::settings::{LogFormat, Settings};

fn main() -> ExitCode {
    let cmd = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("proctor: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(settings.log_format);
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("proctor: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async {
        match cmd.as_str() {
            "serve" => serve(settings).await,
            "media" => media(settings).await,
            "migrate" => proctor_api::open_db(&settings).await.map(|_| println!("schema up to date")),
            "check-config" => {
                println!("{settings:#?}");
                Ok(())
            }
            "--version" | "version" => {
                println!("proctor {}", env!("CARGO_PKG_VERSION"));
                Ok(())
            }
            other => Err(anyhow::anyhow!(
                "unknown command {other:?}; commands: serve, media, migrate, check-config, version"
            )),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("proctor: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let listener = std::net::TcpListener::bind(settings.listen)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.listen))?;
    proctor_api::launch_with_listener(settings, listener, shutdown_signal()).await
}

async fn media(settings: Settings) -> anyhow::Result<()> {
    let addr = settings.media_node.listen;
    let listener = std::net::TcpListener::bind(addr).map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    proctor_api::media_node::node::run(settings, listener, shutdown_signal()).await
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("shutting down");
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let b = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => b.json().init(),
        LogFormat::Text => b.init(),
    }
}
