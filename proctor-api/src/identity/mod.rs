//! Identity: local ID-number checks (`idcard`), the real-name adapter (`realname`), and the
//! vault that keeps ID and phone numbers encrypted at rest (`vault`). The administrator
//! points the platform at the real-name service here; until then every check is
//! `unavailable` (pending), never a pass.

pub mod idcard;
pub mod queries;
pub mod realname;
pub mod vault;

use std::time::Duration;

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit;
use crate::auth::Admin;
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::state::AppState;
use realname::{HttpAdapter, NotConfigured, RealNameAdapter};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_config, put_config))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RealNameConfig {
    /// Base URL of the real-name service (`POST {url}/verify`); empty switches checks off
    /// (they then stay pending).
    pub url: String,
    /// How long to wait for an answer before recording `unavailable`.
    pub timeout_ms: i64,
}

/// The adapter currently configured.
pub async fn adapter(state: &AppState) -> ApiResult<Box<dyn RealNameAdapter>> {
    match queries::config(&state.db).await? {
        Some((url, ms)) if !url.is_empty() => {
            let t = Duration::from_millis(ms.clamp(100, 60_000) as u64);
            Ok(Box::new(HttpAdapter::new(&url, t)?))
        }
        _ => Ok(Box::new(NotConfigured)),
    }
}

/// The real-name service settings.
#[utoipa::path(get, path = "/api/realname/config", tag = "identity", responses((status = 200, body = RealNameConfig)), security(("bearer" = [])))]
async fn get_config(_a: Admin, State(state): State<AppState>) -> ApiResult<Json<RealNameConfig>> {
    let (url, timeout_ms) = queries::config(&state.db)
        .await?
        .unwrap_or((String::new(), 3000));
    Ok(Json(RealNameConfig { url, timeout_ms }))
}

/// Point the platform at a real-name service.
#[utoipa::path(put, path = "/api/realname/config", tag = "identity", request_body = RealNameConfig,
    responses((status = 200, body = RealNameConfig)), security(("bearer" = [])))]
async fn put_config(
    Admin(user): Admin,
    State(state): State<AppState>,
    Json(req): Json<RealNameConfig>,
) -> ApiResult<Json<RealNameConfig>> {
    if !req.url.is_empty() && !req.url.starts_with("http://") && !req.url.starts_with("https://") {
        return Err(ApiError::invalid(
            "url",
            "地址须以 http:// 或 https:// 开头",
            "The URL must start with http:// or https://",
        ));
    }
    if !(100..=60_000).contains(&req.timeout_ms) {
        return Err(ApiError::invalid(
            "timeout_ms",
            "超时须为 100–60000 毫秒",
            "Timeout must be 100–60000 ms",
        ));
    }
    queries::put_config(&state.db, &req.url, req.timeout_ms).await?;
    audit::record(
        &state.db,
        Some(&user),
        "realname.config",
        "realname_config",
        Some("1"),
        serde_json::json!({"url": req.url, "timeout_ms": req.timeout_ms}),
    )
    .await?;
    Ok(Json(req))
}
