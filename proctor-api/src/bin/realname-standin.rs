//! Stand-in for the public-security real-name service, for tests and demos. It knows the
//! people given as `--record ID=NAME` (repeatable); an ID it knows with the same name is a
//! `match`, anything else a `mismatch`. `--delay-ms N` delays every answer (to exercise the
//! caller's timeout), `--fail` answers 503. Binds `--listen` (default 127.0.0.1:0) and
//! prints `REALNAME_STANDIN_LISTENING http://addr` once ready.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;

struct Config {
    records: HashMap<String, String>,
    delay: Duration,
    fail: bool,
}

#[derive(Deserialize)]
struct Query {
    name: String,
    id_number: String,
}

async fn verify(State(cfg): State<Arc<Config>>, Json(q): Json<Query>) -> Response {
    tokio::time::sleep(cfg.delay).await;
    if cfg.fail {
        return (StatusCode::SERVICE_UNAVAILABLE, "down").into_response();
    }
    let ok = cfg.records.get(&q.id_number).is_some_and(|n| *n == q.name);
    Json(serde_json::json!({"result": if ok { "match" } else { "mismatch" }})).into_response()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut records = HashMap::new();
    let mut delay = Duration::ZERO;
    let mut fail = false;
    let mut listen = "127.0.0.1:0".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--record" => {
                let r = args
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("--record needs ID=NAME"))?;
                let (id, name) = r
                    .split_once('=')
                    .ok_or_else(|| anyhow::anyhow!("--record needs ID=NAME"))?;
                records.insert(id.to_owned(), name.to_owned());
            }
            "--delay-ms" => {
                delay = Duration::from_millis(
                    args.next()
                        .ok_or_else(|| anyhow::anyhow!("--delay-ms needs N"))?
                        .parse()?,
                );
            }
            "--fail" => fail = true,
            "--listen" => {
                listen = args
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("--listen needs ADDR"))?
            }
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    let app = axum::Router::new()
        .route("/verify", post(verify))
        .with_state(Arc::new(Config {
            records,
            delay,
            fail,
        }));
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!(
        "REALNAME_STANDIN_LISTENING http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
