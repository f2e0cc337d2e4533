//! Services that run beside every SFU — next to the in-process one in `proctor serve`, and on
//! each separate node in `proctor media` — so every stream gets them wherever it runs. Today:
//! the recorder. They need no database: what they produce is announced as `MediaEvent`s,
//! which the API folds into its tables whether they come from its own SFU or from a node.
//!
//! Adding one is one line in [`start`]: `s.add(name, started_service, |it| async move { stop })`.

use std::future::Future;
use std::pin::Pin;

use media_server::MediaServer;

use crate::files::Files;
use crate::settings::Settings;

type Stop = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// The running services of one SFU.
#[derive(Default)]
pub struct BesideSfu {
    running: Vec<(&'static str, Stop)>,
}

impl BesideSfu {
    /// Keeps `service` running until [`BesideSfu::stop`], which ends it with `stop`.
    pub fn add<T, F>(&mut self, name: &'static str, service: T, stop: impl FnOnce(T) -> F + Send + 'static)
    where
        T: Send + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        self.running.push((name, Box::new(move || Box::pin(stop(service)))));
    }

    /// Names of the running services.
    pub fn names(&self) -> Vec<&'static str> {
        self.running.iter().map(|(n, _)| *n).collect()
    }

    /// Stops them, the last started first, each waiting for its work in hand (the recorder
    /// closes open segments so they reach storage whole).
    pub async fn stop(self) {
        for (name, stop) in self.running.into_iter().rev() {
            stop().await;
            tracing::info!(service = name, "stopped");
        }
    }
}

/// Starts the services the settings enable on `media`, writing to `files`.
pub async fn start(settings: &Settings, media: &MediaServer, files: &Files) -> anyhow::Result<BesideSfu> {
    let mut s = BesideSfu::default();
    if settings.recording.enabled {
        s.add("recorder", crate::recording::start_recorder(settings, media, files).await?, |r| async move {
            r.stop().await;
        });
    }
    // Periodic thumbnails of every video track (off with `recording.thumbnail_secs = 0`).
    if settings.recording.enabled
        && let Some(t) = crate::recording::thumbnails::start(settings, media, files).await?
    {
        s.add("thumbnailer", t, |t| async move {
            t.stop().await;
        });
    }
    Ok(s)
}
