//! Object storage as the platform uses it: opens the configured backend (local disk by
//! default, S3 for scale-out) with a durable upload spool in front of S3, and serves the
//! HMAC-signed `/files/...` links that stand in for presigned URLs on local disk. Photos,
//! documents and recordings are only ever reachable through such short-lived links.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::TryStreamExt;
use storage::{ObjectStore, UrlSigner};

use crate::error::ApiError;
use crate::settings::{Settings, StorageKind};
use crate::state::AppState;

#[derive(Clone)]
pub struct Files {
    pub store: Arc<dyn ObjectStore>,
    pub signer: Arc<UrlSigner>,
    pub spool: Option<Arc<storage::Spool>>,
    pub link_ttl: Duration,
}

impl Files {
    pub async fn open(settings: &Settings, key: &[u8]) -> anyhow::Result<Files> {
        let c = &settings.storage;
        let backend = match c.kind {
            StorageKind::Local => serde_json::json!({
                "kind": "local",
                "root": c.root.clone().unwrap_or_else(|| settings.data_dir.join("objects")),
            }),
            StorageKind::S3 => serde_json::json!({
                "kind": "s3",
                "endpoint": c.endpoint,
                "region": c.region,
                "bucket": c.bucket,
                "access_key": c.access_key,
                "secret_key": c.secret_key.as_ref().map(|s| s.expose().to_owned()),
                "path_style": c.path_style,
                "object_lock": c.object_lock,
            }),
        };
        let spool = (c.kind == StorageKind::S3)
            .then(|| serde_json::json!({"dir": settings.data_dir.join("spool")}));
        let ss: storage::StorageSettings = serde_json::from_value(serde_json::json!({
            "backend": backend,
            // Derived, so one secret per installation signs everything.
            "signing_key": format!("files:{}", hex::encode(key)),
            "link_base_url": "/files",
            "spool": spool,
        }))?;
        let store = storage::open(&ss).await.map_err(|e| anyhow::anyhow!("cannot open object storage: {e}"))?;
        let spool = storage::open_spool(&ss, store.clone())
            .await
            .map_err(|e| anyhow::anyhow!("cannot open the upload spool: {e}"))?
            .map(Arc::new);
        Ok(Files {
            store,
            signer: Arc::new(ss.url_signer()?),
            spool,
            link_ttl: Duration::from_secs(c.link_ttl_secs),
        })
    }

    /// A short-lived download link for an object.
    pub async fn link(&self, key: &str) -> Result<String, ApiError> {
        Ok(self.store.presign_get(key, self.link_ttl).await.map_err(storage_error)?.url)
    }
}

pub fn storage_error(e: storage::Error) -> ApiError {
    use storage::Error as E;
    match e {
        E::NotFound { .. } => ApiError::NotFound("object"),
        E::SignedUrl(_) => ApiError::Forbidden,
        E::InvalidKey { reason, .. } => ApiError::invalid("key", format!("对象名无效：{reason}"), format!("Invalid object key: {reason}")),
        E::InvalidArgument(m) => ApiError::BadRequest { code: "invalid_range", zh: format!("请求范围无效：{m}"), en: m },
        E::RetentionActive { .. } => ApiError::conflict(None, "保存期限未到，不能删除或覆盖", "The object is under retention and cannot be deleted or replaced"),
        E::DiskFull { .. } => ApiError::BadRequest { code: "storage_full", zh: "存储空间已满，请联系管理员".into(), en: "Storage is full; contact the administrator".into() },
        other => ApiError::Internal(anyhow::anyhow!("storage: {other}")),
    }
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/files/{*key}", get(download))
}

/// Serves a signed link; the signature, not a session, is the authorization.
async fn download(
    State(state): State<AppState>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let obj = storage::serve_signed_get(
        state.files.store.as_ref(),
        &state.files.signer,
        &key,
        query.as_deref().unwrap_or(""),
        range,
    )
    .await
    .map_err(storage_error)?;
    let partial = range.is_some();
    let len = obj.end - obj.start;
    let mut resp = Body::from_stream(obj.body.map_err(std::io::Error::other)).into_response();
    *resp.status_mut() = if partial { StatusCode::PARTIAL_CONTENT } else { StatusCode::OK };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&obj.meta.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=60"));
    if partial
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {}-{}/{}", obj.start, obj.end.saturating_sub(1), obj.meta.size))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    Ok(resp)
}
