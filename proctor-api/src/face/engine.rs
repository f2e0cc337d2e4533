//! The face engine as the server runs it: loaded once at start-up (a missing model or ONNX
//! Runtime library stops the start with a message naming `./dev.sh setup`), and every
//! CPU-heavy call run on the blocking pool behind a semaphore, so a burst of check-ins waits
//! for a permit instead of taking the threads that answer the rest of the API.

use std::sync::{Arc, Mutex, OnceLock};

use face_verify::{FaceEngine, FaceError, FaceSettings};
use tokio::sync::Semaphore;

use crate::error::ApiError;
use crate::settings::FaceConfig;

#[derive(Clone)]
pub struct FaceService {
    engine: Arc<FaceEngine>,
    permits: Arc<Semaphore>,
}

/// Engines already loaded in this process, by their settings: tests start many servers in
/// one process and the models are the same for all of them.
static LOADED: OnceLock<Mutex<Vec<LoadedEngine>>> = OnceLock::new();

/// An engine and the settings it was loaded with.
type LoadedEngine = (String, Arc<FaceEngine>);

impl FaceService {
    /// Loads the models named by the settings (on the blocking pool: it reads ~100 MB).
    pub async fn load(config: &FaceConfig) -> anyhow::Result<FaceService> {
        let settings = engine_settings(config);
        let key = format!("{settings:?}");
        let cache = LOADED.get_or_init(|| Mutex::new(Vec::new()));
        let cached = cache
            .lock()
            .map_err(|_| anyhow::anyhow!("face engine cache poisoned"))?
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, e)| e.clone());
        let engine = match cached {
            Some(e) => e,
            None => {
                let e = tokio::task::spawn_blocking(move || FaceEngine::load(&settings))
                    .await?
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "cannot start face verification: {e}\n人脸核验无法启动：请先运行 ./dev.sh setup 安装模型和 ONNX Runtime（或设置 face.enabled = false）"
                        )
                    })?;
                let e = Arc::new(e);
                if let Ok(mut c) = cache.lock() {
                    c.push((key, e.clone()));
                }
                e
            }
        };
        Ok(FaceService { engine, permits: Arc::new(Semaphore::new(config.concurrency.max(1))) })
    }

    pub fn threshold(&self) -> f32 {
        self.engine.settings().match_threshold
    }

    /// Runs `f` on the blocking pool once a permit is free.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&FaceEngine) -> Result<T, FaceError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let _permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| anyhow::anyhow!("face engine closed"))?;
        let engine = self.engine.clone();
        tokio::task::spawn_blocking(move || f(&engine))
            .await
            .map_err(|e| anyhow::anyhow!("face task: {e}"))?
            .map_err(face_error)
    }
}

pub fn engine_settings(config: &FaceConfig) -> FaceSettings {
    let mut s = FaceSettings::from_env();
    if let Some(d) = &config.model_dir {
        s.model_dir = d.clone();
    }
    if let Some(l) = &config.onnxruntime_lib {
        s.onnxruntime_lib = l.clone();
    }
    s.match_threshold = config.match_threshold;
    s.workers = config.concurrency.max(1);
    s.threads_per_worker = 1;
    s
}

/// Bad uploads become clear 4xx answers; anything else is the server's fault.
pub fn face_error(e: FaceError) -> ApiError {
    match e {
        FaceError::UploadTooLarge { .. } | FaceError::ImageTooLarge { .. } => ApiError::PayloadTooLarge,
        FaceError::NotAnImage => ApiError::UnsupportedMediaType,
        FaceError::CorruptImage(m) => ApiError::invalid_code(
            "file",
            "corrupt_image",
            "图片已损坏或不完整",
            format!("The image is corrupt or truncated: {m}"),
        ),
        FaceError::Rejected(issue) => {
            let (code, zh, en) = super::issue::describe(&issue);
            ApiError::invalid_code("file", code, format!("照片不可用：{zh}"), format!("The photo cannot be used: {en}"))
        }
        other => ApiError::Internal(anyhow::anyhow!("face engine: {other}")),
    }
}

/// The service, or a 400 saying face verification is switched off on this node.
pub fn require(state: &crate::state::AppState) -> Result<&FaceService, ApiError> {
    state.face.as_ref().ok_or_else(|| ApiError::BadRequest {
        code: "face_disabled",
        zh: "本节点未启用人脸核验".into(),
        en: "Face verification is not enabled on this node".into(),
    })
}
