//! ONNX Runtime start-up and the pool of model sets.
//!
//! `ort` allows one environment per process and `Session::run` takes `&mut self`, so the
//! environment lives in a process-wide cell and each worker owns its own sessions; a
//! verification checks one worker out of the pool and gives it back on drop.

use std::path::Path;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};

use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;

use crate::error::{FaceError, Result};
use crate::settings::FaceSettings;

pub(crate) const PNET_FILE: &str = "mtcnn_pnet.onnx";
pub(crate) const RNET_FILE: &str = "mtcnn_rnet.onnx";
pub(crate) const ONET_FILE: &str = "mtcnn_onet.onnx";
pub(crate) const DESCRIPTOR_FILE: &str = "face_descriptor.onnx";
/// Optional: without it the liveness signal falls back to a heuristic.
pub(crate) const ANTISPOOF_FILE: &str = "antispoof.onnx";

static ENVIRONMENT: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();

fn environment(lib: &Path) -> Result<&'static Environment> {
    if !lib.is_file() {
        return Err(FaceError::NotFound {
            what: "ONNX Runtime library",
            path: lib.to_path_buf(),
        });
    }
    let result = ENVIRONMENT.get_or_init(|| {
        ort::init_from(lib)
            .map_err(|e| e.to_string())?
            .with_name("face-verify")
            .build()
            .map_err(|e| e.to_string())
    });
    result.as_ref().map_err(|reason| FaceError::Runtime {
        path: lib.to_path_buf(),
        reason: reason.clone(),
    })
}

/// One full set of sessions: the three MTCNN stages and the descriptor.
pub(crate) struct Models {
    pub pnet: Session,
    pub rnet: Session,
    pub onet: Session,
    pub descriptor: Session,
    pub antispoof: Option<Session>,
}

impl Models {
    fn load(env: &Environment, settings: &FaceSettings) -> Result<Self> {
        Ok(Self {
            pnet: session(env, settings, PNET_FILE, "mtcnn pnet")?,
            rnet: session(env, settings, RNET_FILE, "mtcnn rnet")?,
            onet: session(env, settings, ONET_FILE, "mtcnn onet")?,
            descriptor: session(env, settings, DESCRIPTOR_FILE, "face descriptor")?,
            antispoof: if settings.antispoof && settings.model_path(ANTISPOOF_FILE).is_file() {
                Some(session(env, settings, ANTISPOOF_FILE, "antispoof")?)
            } else {
                None
            },
        })
    }
}

fn session(
    env: &Environment,
    settings: &FaceSettings,
    file: &str,
    model: &'static str,
) -> Result<Session> {
    let path = settings.model_path(file);
    if !path.is_file() {
        return Err(FaceError::NotFound {
            what: model_what(model),
            path,
        });
    }
    let fail = |reason: String| FaceError::Model { model, reason };
    Session::builder(env)
        .map_err(|e| fail(e.to_string()))?
        .with_intra_threads(settings.threads_per_worker.max(1))
        .map_err(|e| fail(e.to_string()))?
        .with_inter_threads(1)
        .map_err(|e| fail(e.to_string()))?
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(|e| fail(e.to_string()))?
        .commit_from_file(&path)
        .map_err(|e| fail(e.to_string()))
}

fn model_what(model: &'static str) -> &'static str {
    match model {
        "face descriptor" => "face descriptor model",
        "antispoof" => "antispoof model",
        _ => "MTCNN detector model",
    }
}

pub(crate) struct Pool {
    free: Mutex<Vec<Models>>,
    returned: Condvar,
}

impl Pool {
    pub fn load(settings: &FaceSettings) -> Result<Self> {
        let env = environment(&settings.onnxruntime_lib)?;
        let workers = (0..settings.workers.max(1))
            .map(|_| Models::load(env, settings))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            free: Mutex::new(workers),
            returned: Condvar::new(),
        })
    }

    /// Blocks until a worker is free.
    pub fn checkout(&self) -> Checkout<'_> {
        let mut free = lock(&self.free);
        loop {
            if let Some(models) = free.pop() {
                return Checkout {
                    pool: self,
                    models: Some(models),
                };
            }
            free = self
                .returned
                .wait(free)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave the Vec half-updated; keep serving.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) struct Checkout<'p> {
    pool: &'p Pool,
    models: Option<Models>,
}

impl std::ops::Deref for Checkout<'_> {
    type Target = Models;
    fn deref(&self) -> &Models {
        self.models.as_ref().expect("present until drop")
    }
}

impl std::ops::DerefMut for Checkout<'_> {
    fn deref_mut(&mut self) -> &mut Models {
        self.models.as_mut().expect("present until drop")
    }
}

impl Drop for Checkout<'_> {
    fn drop(&mut self) {
        if let Some(models) = self.models.take() {
            lock(&self.pool.free).push(models);
            self.pool.returned.notify_one();
        }
    }
}

/// Output tensor copied out of the session: its shape and values.
pub(crate) struct Output {
    pub shape: Vec<i64>,
    pub data: Vec<f32>,
}

/// Runs a single-input model and copies the named outputs out.
pub(crate) fn run(
    session: &mut Session,
    model: &'static str,
    input: &str,
    shape: [usize; 4],
    data: Vec<f32>,
    outputs: &[&str],
) -> Result<Vec<Output>> {
    let fail = |e: ort::Error| FaceError::Model {
        model,
        reason: e.to_string(),
    };
    let tensor = ort::value::Tensor::from_array((shape, data)).map_err(fail)?;
    let result = session.run(ort::inputs![input => tensor]).map_err(fail)?;
    outputs
        .iter()
        .map(|name| {
            let value = result.get(*name).ok_or_else(|| FaceError::Model {
                model,
                reason: format!("no output named {name}"),
            })?;
            let (shape, data) = value.try_extract_tensor::<f32>().map_err(fail)?;
            Ok(Output {
                shape: shape.to_vec(),
                data: data.to_vec(),
            })
        })
        .collect()
}
