//! One task per recording that does everything slow, in order: finalising closed segment
//! files, handing them to object storage (through the durable spool when there is one),
//! keeping the index and announcing segments and gaps. The recorder's frame loop never
//! waits for any of it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use storage::{PutOptions, RetentionClass};
use tokio::sync::mpsc;

use super::index::{Gap, GapReason, RecordingIndex, SegmentEntry};
use super::writer::{SegmentWriter, container};
use super::{Shared, RecKey};
use crate::events::MediaEvent;
use crate::tap::Codec;

/// Media missing for longer than this between two segments is a gap.
const GAP_MIN_MS: u64 = 1000;

pub(crate) enum Job {
    /// A segment was opened at `start_ms`; `reason` says why the media may have a hole before it.
    Opened { start_ms: u64, reason: Option<GapReason> },
    Closed(Closed),
    /// The publication ended normally.
    End,
}

pub(crate) struct Closed {
    pub writer: SegmentWriter,
    pub codec: Codec,
    pub layer: Option<String>,
    pub start_ms: u64,
    pub end_ms: u64,
    pub frames: u64,
    pub last_duration_ns: u64,
    pub size: Option<(u32, u32)>,
    pub closed_at: Instant,
}

/// Object key of a recording's index.
pub(crate) fn index_key(prefix: &str, key: &RecKey) -> String {
    format!("{}/index.json", base_key(prefix, key))
}

fn base_key(prefix: &str, key: &RecKey) -> String {
    let kind = match key.kind {
        crate::TrackKind::Audio => "audio",
        crate::TrackKind::Video => "video",
    };
    format!("{prefix}/{}/{}/{kind}", key.room, key.participant)
}

pub(crate) async fn run(shared: Arc<Shared>, key: RecKey, mut jobs: mpsc::UnboundedReceiver<Job>) {
    let index_key = index_key(&shared.settings.prefix, &key);
    let local = shared
        .settings
        .work_dir
        .join("index")
        .join(format!("{}.json", storage::sha256_hex(index_key.as_bytes())));
    let mut index = load(&shared, &local, &index_key).await.unwrap_or_else(|| {
        RecordingIndex::new(&key.room.0, &key.participant.0, key.kind)
    });
    // Left `live` by a server that did not close it: that server died.
    let mut crashed_before = index.live;
    while let Some(job) = jobs.recv().await {
        match job {
            Job::Opened { start_ms, reason } => {
                let reason = if std::mem::take(&mut crashed_before) {
                    Some(GapReason::ServerRestart)
                } else {
                    reason
                };
                if let Some(from) = index.end_ms().filter(|end| start_ms > end + GAP_MIN_MS) {
                    let gap = Gap { from_ms: from, to_ms: start_ms, reason: reason.unwrap_or(GapReason::LostFrames) };
                    index.gaps.push(gap.clone());
                    shared.emit(MediaEvent::RecordingGap {
                        room: key.room.clone(),
                        participant: key.participant.clone(),
                        kind: key.kind,
                        index: index_key.clone(),
                        from_ms: gap.from_ms,
                        to_ms: gap.to_ms,
                        reason: gap.reason,
                    });
                }
                index.live = true;
                save(&shared, &local, &index_key, &index).await;
            }
            Job::Closed(c) => {
                if let Some(entry) = store_segment(&shared, &key, c).await {
                    shared.emit(MediaEvent::RecordingSegment {
                        room: key.room.clone(),
                        participant: key.participant.clone(),
                        kind: key.kind,
                        index: index_key.clone(),
                        key: entry.key.clone(),
                        codec: entry.codec,
                        start_ms: entry.start_ms,
                        end_ms: entry.end_ms,
                        bytes: entry.bytes,
                    });
                    index.segments.push(entry);
                    save(&shared, &local, &index_key, &index).await;
                }
            }
            Job::End => {
                index.live = false;
                save(&shared, &local, &index_key, &index).await;
            }
        }
    }
}

/// Finalises the file and hands it to storage; `None` (logged) if the segment is lost.
async fn store_segment(shared: &Shared, key: &RecKey, c: Closed) -> Option<SegmentEntry> {
    let path = c.writer.path().to_owned();
    let last = c.last_duration_ns;
    let finished = tokio::task::spawn_blocking(move || c.writer.finish(last)).await;
    let bytes = match finished {
        Ok(Ok(n)) => n,
        Ok(Err(e)) => {
            tracing::error!(path = %path.display(), error = %e, "recording segment could not be finalised");
            let _ = tokio::fs::remove_file(&path).await;
            return None;
        }
        Err(e) => {
            tracing::error!(error = %e, "segment finisher panicked");
            return None;
        }
    };
    let (ext, mime) = container(c.codec);
    let object = format!("{}/{}.{ext}", base_key(&shared.settings.prefix, key), c.start_ms);
    let opts = PutOptions::new()
        .content_type(mime)
        .class(RetentionClass::Recording)
        .meta("start-ms", c.start_ms.to_string())
        .meta("end-ms", c.end_ms.to_string());
    if let Err(e) = put_file(shared, &object, &path, opts).await {
        tracing::error!(key = %object, error = %e, "recording segment not stored; kept at {}", path.display());
        return None;
    }
    let _ = tokio::fs::remove_file(&path).await;
    shared.stats.segments.fetch_add(1, Ordering::Relaxed);
    shared.stats.segment_bytes.fetch_add(bytes, Ordering::Relaxed);
    shared
        .stats
        .close_to_durable_us
        .fetch_add(c.closed_at.elapsed().as_micros() as u64, Ordering::Relaxed);
    Some(SegmentEntry {
        key: object,
        codec: c.codec,
        layer: c.layer,
        start_ms: c.start_ms,
        end_ms: c.end_ms,
        bytes,
        frames: c.frames,
        width: c.size.map(|s| s.0),
        height: c.size.map(|s| s.1),
    })
}

async fn put_file(shared: &Shared, key: &str, path: &std::path::Path, opts: PutOptions) -> storage::Result<()> {
    match &shared.target.spool {
        Some(spool) => spool.put_file(key, path, opts).await,
        None => shared.target.store.put_file(key, path, opts).await.map(|_| ()),
    }
}

async fn load(shared: &Shared, local: &PathBuf, index_key: &str) -> Option<RecordingIndex> {
    if let Ok(bytes) = tokio::fs::read(local).await
        && let Some(i) = RecordingIndex::from_json(&bytes)
    {
        return Some(i);
    }
    let got = tokio::time::timeout(Duration::from_secs(5), shared.target.store.get_bytes(index_key, None)).await;
    match got {
        Ok(Ok(bytes)) => RecordingIndex::from_json(&bytes),
        _ => None,
    }
}

async fn save(shared: &Shared, local: &Path, index_key: &str, index: &RecordingIndex) {
    let copy = index.clone();
    let path = local.to_path_buf();
    let saved = tokio::task::spawn_blocking(move || {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        copy.save_local(&path)
    })
    .await;
    if !matches!(saved, Ok(Ok(()))) {
        tracing::error!(key = %index_key, "local copy of the recording index not written");
    }
    let body = Bytes::from(index.to_json());
    let opts = PutOptions::new().content_type("application/json");
    let stored = match &shared.target.spool {
        Some(spool) => spool.put_bytes(index_key, body, opts).await,
        None => shared.target.store.put_bytes(index_key, body, opts).await.map(|_| ()),
    };
    if let Err(e) = stored {
        tracing::error!(key = %index_key, error = %e, "recording index not stored");
    }
}
