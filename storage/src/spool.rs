//! Durable upload spool: write locally now, upload in the background.
//!
//! Each entry is a directory `entries/<uuid v7>/` holding `data` and
//! `entry.json`. It is built under `tmp/` (fsynced) and renamed into
//! `entries/`, so after a crash an entry is either whole or absent. The
//! worker uploads entries oldest first with retry and exponential backoff;
//! multipart uploads record their upload id and finished parts in
//! `entry.json`, so a restart continues where it stopped. An entry is
//! removed only after the remote copy is verified (size and SHA-256).
//! Entries for the same key go up in the order they were written.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio::sync::Notify;

use crate::error::{Error, Result, io_at};
use crate::key::validate_key;
use crate::object::{ByteStream, CompletedPart, PutOptions};
use crate::settings::{SpoolSettings, VerifyMode};
use crate::store::{MULTIPART_THRESHOLD, ObjectStore, PART_CONCURRENCY, part_size_for, read_range};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    key: String,
    /// Always carries the SHA-256 of `data`.
    opts: PutOptions,
    size: u64,
    created_ms: u64,
    #[serde(default)]
    upload: Option<MultipartState>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct MultipartState {
    upload_id: String,
    part_size: u64,
    parts: Vec<CompletedPart>,
}

/// What the spool knows about one pending object (for dashboards and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpload {
    pub id: String,
    pub key: String,
    pub size: u64,
    pub created: SystemTime,
    /// Bytes of finished multipart parts (0 for single-request uploads).
    pub uploaded_bytes: u64,
    pub attempts: u32,
}

#[derive(Debug, Clone)]
struct Slot {
    key: String,
    size: u64,
    created: SystemTime,
    uploaded_bytes: u64,
    attempts: u32,
    next_try: Instant,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    remote: Arc<dyn ObjectStore>,
    settings: SpoolSettings,
    index: Mutex<BTreeMap<String, Slot>>,
    in_flight: Mutex<HashSet<String>>,
    last_error: Mutex<Option<String>>,
    wake: Notify,
    changed: Notify,
    uploaded: AtomicU64,
    resumed_parts: AtomicU64,
}

/// The spool. Dropping it stops the background worker; pending entries stay
/// on disk and are picked up by the next [`Spool::open`] on the same directory.
#[derive(Debug)]
pub struct Spool {
    inner: Arc<Inner>,
    worker: tokio::task::JoinHandle<()>,
}

impl Drop for Spool {
    fn drop(&mut self) {
        self.worker.abort();
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn json_err(e: serde_json::Error) -> Error {
    Error::Io(std::io::Error::other(e))
}

impl Spool {
    /// Opens the spool at `settings.dir`, loads pending entries and starts
    /// uploading them to `remote`. Must be called inside a tokio runtime.
    pub async fn open(settings: SpoolSettings, remote: Arc<dyn ObjectStore>) -> Result<Self> {
        let dir = settings.dir.clone();
        tokio::fs::create_dir_all(dir.join("entries")).await?;
        // Half-built entries from a crash: never acknowledged to a caller.
        let _ = tokio::fs::remove_dir_all(dir.join("tmp")).await;
        tokio::fs::create_dir_all(dir.join("tmp")).await?;
        let mut index = BTreeMap::new();
        let mut rd = tokio::fs::read_dir(dir.join("entries")).await?;
        while let Some(e) = rd.next_entry().await? {
            let id = e.file_name().to_string_lossy().into_owned();
            match read_entry(&e.path()).await {
                Ok(entry) => {
                    index.insert(id, slot_of(&entry));
                }
                Err(err) => {
                    tracing::error!(entry = %id, error = %err, "unreadable spool entry left in place")
                }
            }
        }
        let inner = Arc::new(Inner {
            dir,
            remote,
            settings,
            index: Mutex::new(index),
            in_flight: Mutex::new(HashSet::new()),
            last_error: Mutex::new(None),
            wake: Notify::new(),
            changed: Notify::new(),
            uploaded: AtomicU64::new(0),
            resumed_parts: AtomicU64::new(0),
        });
        let worker = tokio::spawn(run(inner.clone()));
        Ok(Self { inner, worker })
    }

    /// Spools an in-memory object. Returns once it is durable on local disk.
    pub async fn put_bytes(&self, key: &str, data: Bytes, opts: PutOptions) -> Result<()> {
        let len = data.len() as u64;
        self.put_stream(
            key,
            Box::pin(futures::stream::once(async move { Ok(data) })),
            opts,
            Some(len),
        )
        .await
    }

    /// Spools a local file (copied, so the caller may delete it afterwards).
    pub async fn put_file(&self, key: &str, path: &Path, opts: PutOptions) -> Result<()> {
        let len = tokio::fs::metadata(path).await?.len();
        let f = tokio::fs::File::open(path).await?;
        let body = tokio_util::io::ReaderStream::with_capacity(f, 1 << 20);
        self.put_stream(key, Box::pin(body), opts, Some(len)).await
    }

    /// Spools a stream. `size_hint` lets a full disk be refused before writing.
    pub async fn put_stream(
        &self,
        key: &str,
        mut body: ByteStream,
        mut opts: PutOptions,
        size_hint: Option<u64>,
    ) -> Result<()> {
        validate_key(key)?;
        opts.validate()?;
        let inner = &self.inner;
        self.check_room(size_hint.unwrap_or(0))?;
        let id = uuid::Uuid::now_v7().to_string();
        let tmp = inner.dir.join("tmp").join(&id);
        let result = async {
            tokio::fs::create_dir_all(&tmp)
                .await
                .map_err(|e| io_at(&tmp, 0, e))?;
            let data_path = tmp.join("data");
            let mut f = tokio::fs::File::create(&data_path)
                .await
                .map_err(|e| io_at(&tmp, 0, e))?;
            let mut h = Sha256::new();
            let mut size = 0u64;
            while let Some(chunk) = body.next().await {
                let chunk = chunk?;
                size += chunk.len() as u64;
                if size > size_hint.unwrap_or(0) {
                    self.check_room(size)?;
                }
                h.update(&chunk);
                f.write_all(&chunk)
                    .await
                    .map_err(|e| io_at(&tmp, size, e))?;
            }
            f.sync_all().await.map_err(|e| io_at(&tmp, size, e))?;
            let sha = hex::encode(h.finalize());
            if let Some(expected) = &opts.sha256
                && *expected != sha
            {
                return Err(Error::Integrity {
                    key: key.into(),
                    detail: format!("body hashes to {sha}, expected {expected}"),
                });
            }
            opts.sha256 = Some(sha);
            let entry = Entry {
                key: key.into(),
                opts,
                size,
                created_ms: now_ms(),
                upload: None,
            };
            write_entry(&tmp, &entry).await?;
            tokio::fs::rename(&tmp, inner.dir.join("entries").join(&id)).await?;
            tokio::fs::File::open(inner.dir.join("entries"))
                .await?
                .sync_all()
                .await?;
            Ok(entry)
        }
        .await;
        match result {
            Ok(entry) => {
                inner.index.lock().unwrap().insert(id, slot_of(&entry));
                inner.wake.notify_one();
                Ok(())
            }
            Err(e) => {
                let _ = tokio::fs::remove_dir_all(&tmp).await;
                Err(e)
            }
        }
    }

    fn check_room(&self, needed: u64) -> Result<()> {
        let s = &self.inner.settings;
        let pending = self.pending_bytes();
        if pending.saturating_add(needed) > s.max_bytes {
            return Err(Error::DiskFull {
                path: self.inner.dir.clone(),
                needed,
                detail: format!(
                    "spool quota of {} bytes reached ({pending} pending)",
                    s.max_bytes
                ),
            });
        }
        let free = crate::disk::available_bytes(&self.inner.dir)?;
        if free < s.min_free_bytes.saturating_add(needed) {
            return Err(Error::DiskFull {
                path: self.inner.dir.clone(),
                needed,
                detail: format!("{free} bytes free, {} must stay free", s.min_free_bytes),
            });
        }
        Ok(())
    }

    /// Bytes waiting to be uploaded (metric).
    pub fn pending_bytes(&self) -> u64 {
        self.inner
            .index
            .lock()
            .unwrap()
            .values()
            .map(|s| s.size)
            .sum()
    }

    /// Objects waiting to be uploaded (metric).
    pub fn pending_count(&self) -> usize {
        self.inner.index.lock().unwrap().len()
    }

    /// Age of the oldest pending object (metric); `None` when the spool is empty.
    pub fn oldest_age(&self) -> Option<Duration> {
        let idx = self.inner.index.lock().unwrap();
        idx.values()
            .map(|s| s.created)
            .min()
            .map(|c| c.elapsed().unwrap_or_default())
    }

    /// Objects uploaded and verified since open (metric).
    pub fn uploaded_count(&self) -> u64 {
        self.inner.uploaded.load(Ordering::Relaxed)
    }

    /// Multipart parts found already on the server when resuming (metric).
    pub fn resumed_parts(&self) -> u64 {
        self.inner.resumed_parts.load(Ordering::Relaxed)
    }

    /// The most recent upload failure, if the last attempt of any entry failed.
    pub fn last_error(&self) -> Option<String> {
        self.inner.last_error.lock().unwrap().clone()
    }

    /// The newest spooled copy of `key` not yet uploaded, read from local disk; `None` when
    /// nothing for it is pending (or it was uploaded and removed meanwhile: read the remote
    /// store then). Lets readers use objects during an outage of the remote store.
    pub async fn read_pending(&self, key: &str) -> Result<Option<Bytes>> {
        let id = {
            let idx = self.inner.index.lock().unwrap();
            idx.iter().rev().find(|(_, s)| s.key == key).map(|(id, _)| id.clone())
        };
        let Some(id) = id else { return Ok(None) };
        match tokio::fs::read(self.inner.dir.join("entries").join(&id).join("data")).await {
            Ok(data) => Ok(Some(Bytes::from(data))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Pending entries, oldest first.
    pub fn pending(&self) -> Vec<PendingUpload> {
        let idx = self.inner.index.lock().unwrap();
        idx.iter()
            .map(|(id, s)| PendingUpload {
                id: id.clone(),
                key: s.key.clone(),
                size: s.size,
                created: s.created,
                uploaded_bytes: s.uploaded_bytes,
                attempts: s.attempts,
            })
            .collect()
    }

    /// Waits until the spool is empty; false if `timeout` passed first.
    pub async fn wait_drained(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.inner.changed.notified();
            if self.pending_count() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return self.pending_count() == 0;
            }
        }
    }
}

fn slot_of(e: &Entry) -> Slot {
    Slot {
        key: e.key.clone(),
        size: e.size,
        created: SystemTime::UNIX_EPOCH + Duration::from_millis(e.created_ms),
        uploaded_bytes: e
            .upload
            .as_ref()
            .map(|u| u.parts.iter().map(|p| p.size).sum())
            .unwrap_or(0),
        attempts: 0,
        next_try: Instant::now(),
    }
}

async fn read_entry(dir: &Path) -> Result<Entry> {
    serde_json::from_slice(&tokio::fs::read(dir.join("entry.json")).await?).map_err(json_err)
}

async fn write_entry(dir: &Path, e: &Entry) -> Result<()> {
    let tmp = dir.join("entry.json.tmp");
    let json = serde_json::to_vec(e).map_err(json_err)?;
    let mut f = tokio::fs::File::create(&tmp)
        .await
        .map_err(|err| io_at(&tmp, json.len() as u64, err))?;
    f.write_all(&json)
        .await
        .map_err(|err| io_at(&tmp, json.len() as u64, err))?;
    f.sync_all().await?;
    tokio::fs::rename(&tmp, dir.join("entry.json")).await?;
    Ok(())
}

/// The worker: starts uploads for due entries, up to `concurrency` at once.
async fn run(inner: Arc<Inner>) {
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        let due: Vec<String> = {
            let idx = inner.index.lock().unwrap();
            let in_flight = inner.in_flight.lock().unwrap();
            let now = Instant::now();
            let mut seen_keys = HashSet::new();
            let mut due = Vec::new();
            for (id, slot) in idx.iter() {
                // Only the oldest entry of a key may go up, so the newest write wins.
                let first_for_key = seen_keys.insert(slot.key.clone());
                if first_for_key && !in_flight.contains(id) && slot.next_try <= now {
                    due.push(id.clone());
                }
            }
            due
        };
        for id in due {
            if inner.in_flight.lock().unwrap().len() >= inner.settings.concurrency.max(1) {
                break;
            }
            inner.in_flight.lock().unwrap().insert(id.clone());
            let inner2 = inner.clone();
            tasks.spawn(async move {
                let res = upload_entry(&inner2, &id).await;
                finish(&inner2, &id, res).await;
            });
        }
        while tasks.try_join_next().is_some() {}
        tokio::select! {
            _ = inner.wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
}

async fn finish(inner: &Inner, id: &str, res: Result<()>) {
    match res {
        Ok(()) => {
            let dir = inner.dir.join("entries").join(id);
            if let Err(e) = tokio::fs::remove_dir_all(&dir).await {
                tracing::error!(entry = %id, error = %e, "could not remove uploaded spool entry");
            }
            inner.index.lock().unwrap().remove(id);
            inner.uploaded.fetch_add(1, Ordering::Relaxed);
            *inner.last_error.lock().unwrap() = None;
        }
        Err(e) => {
            let mut idx = inner.index.lock().unwrap();
            if let Some(slot) = idx.get_mut(id) {
                slot.attempts += 1;
                let exp = inner
                    .settings
                    .retry_min_ms
                    .saturating_mul(1u64 << slot.attempts.min(16));
                let capped = exp.min(inner.settings.retry_max_ms);
                let jitter = rand::random::<u64>() % (capped / 4 + 1);
                slot.next_try =
                    Instant::now() + Duration::from_millis(capped - capped / 8 + jitter);
                tracing::warn!(key = %slot.key, attempts = slot.attempts, error = %e, "spool upload failed; will retry");
            }
            *inner.last_error.lock().unwrap() = Some(e.to_string());
        }
    }
    inner.in_flight.lock().unwrap().remove(id);
    inner.changed.notify_waiters();
    inner.wake.notify_one();
}

/// One attempt at getting an entry to the remote store and verified there.
async fn upload_entry(inner: &Inner, id: &str) -> Result<()> {
    let dir = inner.dir.join("entries").join(id);
    let mut entry = read_entry(&dir).await?;
    let data_path = dir.join("data");
    let sha = entry
        .opts
        .sha256
        .clone()
        .expect("spool entries always carry their hash");
    let remote = &*inner.remote;

    // A previous attempt may have finished remotely before we recorded it.
    if let Ok(meta) = remote.head(&entry.key).await
        && meta.size == entry.size
        && meta.sha256.as_deref() == Some(sha.as_str())
        && verify(inner, &entry, &sha).await.is_ok()
    {
        if let Some(u) = &entry.upload {
            let _ = remote.abort_multipart(&entry.key, &u.upload_id).await;
        }
        return Ok(());
    }

    if entry.size <= MULTIPART_THRESHOLD {
        let data = Bytes::from(tokio::fs::read(&data_path).await?);
        remote
            .put_bytes(&entry.key, data, entry.opts.clone())
            .await?;
    } else {
        upload_multipart(inner, id, &dir, &mut entry).await?;
    }
    verify(inner, &entry, &sha).await
}

async fn upload_multipart(inner: &Inner, id: &str, dir: &Path, entry: &mut Entry) -> Result<()> {
    let remote = &*inner.remote;
    let mut known: Vec<CompletedPart> = Vec::new();
    if let Some(state) = &entry.upload {
        match remote.list_parts(&entry.key, &state.upload_id).await {
            Ok(parts) => {
                known = parts
                    .into_iter()
                    .filter(|p| p.size == expected_part_len(entry.size, state.part_size, p.number))
                    .collect();
                inner
                    .resumed_parts
                    .fetch_add(known.len() as u64, Ordering::Relaxed);
            }
            Err(Error::NotFound { .. }) => entry.upload = None,
            Err(e) => return Err(e),
        }
    }
    if entry.upload.is_none() {
        let upload_id = remote.create_multipart(&entry.key, &entry.opts).await?;
        entry.upload = Some(MultipartState {
            upload_id,
            part_size: part_size_for(entry.size),
            parts: vec![],
        });
        write_entry(dir, entry).await?;
    }
    let state = entry.upload.clone().expect("set above");
    let count = entry.size.div_ceil(state.part_size) as u32;
    let done: HashSet<u32> = known.iter().map(|p| p.number).collect();
    let progress = Arc::new(tokio::sync::Mutex::new((entry.clone(), known)));
    let data_path = dir.join("data");
    futures::stream::iter((1..=count).filter(|n| !done.contains(n)))
        .map(|n| {
            let (progress, data_path, state) = (progress.clone(), &data_path, &state);
            async move {
                let offset = (n as u64 - 1) * state.part_size;
                let data = read_range(data_path, offset, state.part_size).await?;
                let key = progress.lock().await.0.key.clone();
                let part = remote.upload_part(&key, &state.upload_id, n, data).await?;
                let mut guard = progress.lock().await;
                let (entry, parts) = &mut *guard;
                parts.push(part);
                let uploaded: u64 = parts.iter().map(|p| p.size).sum();
                if let Some(u) = entry.upload.as_mut() {
                    u.parts = parts.clone();
                }
                write_entry(dir, entry).await?;
                if let Some(slot) = inner.index.lock().unwrap().get_mut(id) {
                    slot.uploaded_bytes = uploaded;
                }
                Ok::<_, Error>(())
            }
        })
        .buffer_unordered(PART_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    let (_, parts) = Arc::try_unwrap(progress)
        .map(|m| m.into_inner())
        .map_err(|_| Error::Io(std::io::Error::other("part tasks still running")))?;
    match remote
        .complete_multipart(&entry.key, &state.upload_id, &parts)
        .await
    {
        Ok(_) => Ok(()),
        Err(e @ Error::Integrity { .. }) => {
            // Start over next time rather than retrying a bad set of parts.
            entry.upload = None;
            write_entry(dir, entry).await?;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

fn expected_part_len(size: u64, part_size: u64, number: u32) -> u64 {
    let start = (number as u64 - 1) * part_size;
    size.saturating_sub(start).min(part_size)
}

async fn verify(inner: &Inner, entry: &Entry, sha: &str) -> Result<()> {
    let remote = &*inner.remote;
    let (size, got) = match inner.settings.verify {
        VerifyMode::Metadata => {
            let m = remote.head(&entry.key).await?;
            (m.size, m.sha256.unwrap_or_default())
        }
        VerifyMode::Full => {
            let mut body = remote.get(&entry.key, None).await?.body;
            let mut h = Sha256::new();
            let mut n = 0u64;
            while let Some(chunk) = body.try_next().await? {
                n += chunk.len() as u64;
                h.update(&chunk);
            }
            (n, hex::encode(h.finalize()))
        }
    };
    if size != entry.size || got != sha {
        return Err(Error::Integrity {
            key: entry.key.clone(),
            detail: format!(
                "remote has {size} bytes / {got}, spool has {} bytes / {sha}",
                entry.size
            ),
        });
    }
    Ok(())
}
