//! Local-disk backend: the embedded default.
//!
//! Layout under `root`:
//! - `objects/`: one JSON sidecar per object. Key `a/b/c` lives at
//!   `objects/d_a/d_b/f_c.json`; the `d_`/`f_` tags keep directory and file
//!   names apart, so keys `a` and `a/b` can both exist.
//! - `blobs/<uuid>`: object contents, never modified after they are written.
//! - `uploads/<id>/`: unfinished multipart uploads.
//! - `tmp/`: files being written; emptied at open.
//!
//! A write puts the content into a temp file, fsyncs it, renames it into
//! `blobs/`, then writes the sidecar the same way. Renaming the sidecar is
//! the commit point: a crash before it leaves the old object intact.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use crate::error::{Error, Result, io_at};
use crate::key::validate_key;
use crate::object::{
    ByteRange, ByteStream, CompletedPart, GetObject, ObjectMeta, ObjectSummary, PresignedRequest,
    PutOptions,
};
use crate::retention::check_deletable;
use crate::signed_link::UrlSigner;
use crate::store::ObjectStore;

/// Objects as files under one directory.
#[derive(Debug, Clone)]
pub struct LocalStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    root: PathBuf,
    signer: UrlSigner,
    /// Serialises sidecar commits so overwrite checks and blob clean-up see a stable view.
    commit: tokio::sync::Mutex<()>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Sidecar {
    key: String,
    size: u64,
    content_type: String,
    sha256: Option<String>,
    metadata: std::collections::BTreeMap<String, String>,
    class: crate::RetentionClass,
    retain_until_ms: Option<u64>,
    last_modified_ms: u64,
    blob: String,
}

impl Sidecar {
    fn meta(&self) -> ObjectMeta {
        ObjectMeta {
            key: self.key.clone(),
            size: self.size,
            content_type: self.content_type.clone(),
            sha256: self.sha256.clone(),
            metadata: self.metadata.clone(),
            class: self.class,
            retain_until: self.retain_until_ms.map(from_ms),
            last_modified: from_ms(self.last_modified_ms),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct UploadRecord {
    key: String,
    opts: PutOptions,
}

fn ms(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
fn from_ms(v: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(v)
}

impl LocalStore {
    /// Opens (creating if needed) a store rooted at `root`; links are signed with `signer`.
    pub async fn open(root: impl Into<PathBuf>, signer: UrlSigner) -> Result<Self> {
        let root = root.into();
        for d in ["objects", "blobs", "uploads", "tmp"] {
            tokio::fs::create_dir_all(root.join(d)).await?;
        }
        // Leftovers of writes interrupted by a crash: never committed, safe to drop.
        let tmp = root.join("tmp");
        let mut rd = tokio::fs::read_dir(&tmp).await?;
        while let Some(e) = rd.next_entry().await? {
            let _ = tokio::fs::remove_file(e.path()).await;
        }
        Ok(Self {
            inner: Arc::new(Inner {
                root,
                signer,
                commit: tokio::sync::Mutex::new(()),
            }),
        })
    }

    pub fn root(&self) -> &Path {
        &self.inner.root
    }

    pub fn signer(&self) -> &UrlSigner {
        &self.inner.signer
    }

    /// Checks a signed GET link for `key` (decoded path) with its raw query string.
    pub fn verify_signed(&self, key: &str, query: &str) -> Result<()> {
        self.inner.signer.verify_get(key, query)
    }

    fn sidecar_path(&self, key: &str) -> PathBuf {
        let mut p = self.inner.root.join("objects");
        let mut segs = key.split('/').peekable();
        while let Some(s) = segs.next() {
            if segs.peek().is_some() {
                p.push(format!("d_{s}"));
            } else {
                p.push(format!("f_{s}.json"));
            }
        }
        p
    }

    fn blob_path(&self, blob: &str) -> PathBuf {
        self.inner.root.join("blobs").join(blob)
    }

    fn tmp_path(&self) -> PathBuf {
        self.inner
            .root
            .join("tmp")
            .join(uuid::Uuid::new_v4().to_string())
    }

    async fn read_sidecar(&self, key: &str) -> Result<Sidecar> {
        validate_key(key)?;
        match tokio::fs::read(self.sidecar_path(key)).await {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| Error::Io(std::io::Error::other(e))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::not_found(key)),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes `body` to a new blob, hashing it; returns (blob id, size, sha256).
    async fn write_blob(&self, mut body: ByteStream) -> Result<(String, u64, String)> {
        let tmp = self.tmp_path();
        let result = async {
            let mut f = tokio::fs::File::create(&tmp)
                .await
                .map_err(|e| io_at(&tmp, 0, e))?;
            let mut h = Sha256::new();
            let mut size = 0u64;
            while let Some(chunk) = body.next().await {
                let chunk = chunk?;
                h.update(&chunk);
                size += chunk.len() as u64;
                f.write_all(&chunk)
                    .await
                    .map_err(|e| io_at(&tmp, size, e))?;
            }
            f.flush().await.map_err(|e| io_at(&tmp, size, e))?;
            f.sync_all().await.map_err(|e| io_at(&tmp, size, e))?;
            Ok::<_, Error>((size, hex::encode(h.finalize())))
        }
        .await;
        let (size, sha) = match result {
            Ok(v) => v,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
        };
        let blob = uuid::Uuid::new_v4().to_string();
        tokio::fs::rename(&tmp, self.blob_path(&blob)).await?;
        Ok((blob, size, sha))
    }

    /// Makes `sidecar` the current version of its key. Refuses to replace an
    /// object under retention unless the content is identical (an idempotent retry).
    async fn commit(&self, sidecar: Sidecar) -> Result<ObjectMeta> {
        let _guard = self.inner.commit.lock().await;
        let path = self.sidecar_path(&sidecar.key);
        let old = match self.read_sidecar(&sidecar.key).await {
            Ok(old) => Some(old),
            Err(Error::NotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        if let Some(old) = &old
            && old.sha256 != sidecar.sha256
            && let Err(e) = check_deletable(&old.key, old.retain_until_ms.map(from_ms))
        {
            let _ = tokio::fs::remove_file(self.blob_path(&sidecar.blob)).await;
            return Err(e);
        }
        let json =
            serde_json::to_vec_pretty(&sidecar).map_err(|e| Error::Io(std::io::Error::other(e)))?;
        let parent = path.parent().expect("sidecar has a parent").to_owned();
        tokio::fs::create_dir_all(&parent)
            .await
            .map_err(|e| io_at(&parent, 0, e))?;
        write_atomic(&self.tmp_path(), &path, &json).await?;
        if let Some(old) = old
            && old.blob != sidecar.blob
        {
            let _ = tokio::fs::remove_file(self.blob_path(&old.blob)).await;
        }
        Ok(sidecar.meta())
    }

    fn new_sidecar(key: &str, opts: &PutOptions, size: u64, sha: String, blob: String) -> Sidecar {
        let now = SystemTime::now();
        Sidecar {
            key: key.to_owned(),
            size,
            content_type: opts.content_type_or_default().to_owned(),
            sha256: Some(sha),
            metadata: opts.metadata.clone(),
            class: opts.class,
            retain_until_ms: opts.class.retain_until(now).map(ms),
            last_modified_ms: ms(now),
            blob,
        }
    }

    fn upload_dir(&self, upload_id: &str) -> Result<PathBuf> {
        if upload_id.is_empty()
            || !upload_id
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b'-')
        {
            return Err(Error::InvalidArgument(format!(
                "bad upload id {upload_id:?}"
            )));
        }
        Ok(self.inner.root.join("uploads").join(upload_id))
    }

    async fn read_upload(&self, key: &str, upload_id: &str) -> Result<(PathBuf, UploadRecord)> {
        let dir = self.upload_dir(upload_id)?;
        let rec: UploadRecord = match tokio::fs::read(dir.join("upload.json")).await {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| Error::Io(std::io::Error::other(e)))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::not_found(key));
            }
            Err(e) => return Err(e.into()),
        };
        if rec.key != key {
            return Err(Error::InvalidArgument(format!(
                "upload {upload_id} belongs to another key"
            )));
        }
        Ok((dir, rec))
    }
}

/// temp file + fsync + rename + fsync of the directory.
async fn write_atomic(tmp: &Path, dest: &Path, data: &[u8]) -> Result<()> {
    let mut f = tokio::fs::File::create(tmp)
        .await
        .map_err(|e| io_at(tmp, data.len() as u64, e))?;
    let r = async {
        f.write_all(data).await?;
        f.sync_all().await?;
        tokio::fs::rename(tmp, dest).await?;
        if let Some(parent) = dest.parent() {
            tokio::fs::File::open(parent).await?.sync_all().await?;
        }
        Ok::<_, std::io::Error>(())
    }
    .await;
    if let Err(e) = r {
        let _ = tokio::fs::remove_file(tmp).await;
        return Err(io_at(dest, data.len() as u64, e));
    }
    Ok(())
}

#[async_trait]
impl ObjectStore for LocalStore {
    fn backend(&self) -> &'static str {
        "local"
    }

    async fn put(&self, key: &str, body: ByteStream, opts: PutOptions) -> Result<ObjectMeta> {
        validate_key(key)?;
        opts.validate()?;
        let (blob, size, sha) = self.write_blob(body).await?;
        if let Some(expected) = &opts.sha256
            && *expected != sha
        {
            let _ = tokio::fs::remove_file(self.blob_path(&blob)).await;
            return Err(Error::Integrity {
                key: key.into(),
                detail: format!("body hashes to {sha}, expected {expected}"),
            });
        }
        self.commit(Self::new_sidecar(key, &opts, size, sha, blob))
            .await
    }

    async fn get(&self, key: &str, range: Option<ByteRange>) -> Result<GetObject> {
        // A concurrent overwrite may remove the blob between reading the sidecar
        // and opening it; the second read sees the new version.
        for _ in 0..3 {
            let sc = self.read_sidecar(key).await?;
            let (start, end) = range.unwrap_or(ByteRange::from(0)).resolve(key, sc.size)?;
            let mut f = match tokio::fs::File::open(self.blob_path(&sc.blob)).await {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            };
            f.seek(std::io::SeekFrom::Start(start)).await?;
            let body = tokio_util::io::ReaderStream::with_capacity(f.take(end - start), 256 << 10);
            return Ok(GetObject {
                meta: sc.meta(),
                start,
                end,
                body: Box::pin(body),
            });
        }
        Err(Error::not_found(key))
    }

    async fn head(&self, key: &str) -> Result<ObjectMeta> {
        Ok(self.read_sidecar(key).await?.meta())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectSummary>> {
        let root = self.inner.root.join("objects");
        let prefix = prefix.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            walk(&root, String::new(), &prefix, &mut out)?;
            out.sort_by(|a, b| a.key.cmp(&b.key));
            Ok(out)
        })
        .await
        .map_err(|e| Error::Io(std::io::Error::other(e)))?
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let _guard = self.inner.commit.lock().await;
        let sc = self.read_sidecar(key).await?;
        check_deletable(key, sc.retain_until_ms.map(from_ms))?;
        let path = self.sidecar_path(key);
        tokio::fs::remove_file(&path).await?;
        let _ = tokio::fs::remove_file(self.blob_path(&sc.blob)).await;
        // Prune now-empty directories so listings stay fast; non-empty ones stop the loop.
        let objects = self.inner.root.join("objects");
        let mut dir = path.parent().map(Path::to_owned);
        while let Some(d) = dir {
            if d == objects || tokio::fs::remove_dir(&d).await.is_err() {
                break;
            }
            dir = d.parent().map(Path::to_owned);
        }
        Ok(())
    }

    async fn copy(&self, from: &str, to: &str) -> Result<ObjectMeta> {
        validate_key(to)?;
        let src = self.read_sidecar(from).await?;
        let tmp = self.tmp_path();
        let blob = uuid::Uuid::new_v4().to_string();
        let (src_blob, tmp2) = (self.blob_path(&src.blob), tmp.clone());
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            std::fs::copy(&src_blob, &tmp2)?;
            std::fs::File::open(&tmp2)?.sync_all()
        })
        .await
        .map_err(|e| Error::Io(std::io::Error::other(e)))?
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io_at(&tmp, src.size, e)
        })?;
        tokio::fs::rename(&tmp, self.blob_path(&blob)).await?;
        let opts = PutOptions {
            content_type: Some(src.content_type.clone()),
            metadata: src.metadata.clone(),
            class: src.class,
            sha256: None,
        };
        let sha = src.sha256.clone().unwrap_or_default();
        let mut sc = Self::new_sidecar(to, &opts, src.size, sha, blob);
        sc.sha256 = src.sha256;
        self.commit(sc).await
    }

    async fn presign_get(&self, key: &str, expires_in: Duration) -> Result<PresignedRequest> {
        validate_key(key)?;
        let expires_at = SystemTime::now() + expires_in;
        Ok(PresignedRequest {
            method: "GET",
            url: self.inner.signer.sign_get(key, expires_at),
            headers: vec![],
            expires_at,
        })
    }

    async fn presign_put(
        &self,
        key: &str,
        expires_in: Duration,
        opts: &PutOptions,
    ) -> Result<PresignedRequest> {
        validate_key(key)?;
        opts.validate()?;
        let expires_at = SystemTime::now() + expires_in;
        let headers = vec![(
            "content-type".to_owned(),
            opts.content_type_or_default().to_owned(),
        )];
        Ok(PresignedRequest {
            method: "PUT",
            url: self.inner.signer.sign_put(key, expires_at, opts),
            headers,
            expires_at,
        })
    }

    async fn create_multipart(&self, key: &str, opts: &PutOptions) -> Result<String> {
        validate_key(key)?;
        opts.validate()?;
        if opts.sha256.is_none() {
            return Err(Error::InvalidArgument(
                "multipart uploads need the SHA-256 up front".into(),
            ));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let dir = self.upload_dir(&id)?;
        tokio::fs::create_dir_all(&dir).await?;
        let rec = serde_json::to_vec(&UploadRecord {
            key: key.to_owned(),
            opts: opts.clone(),
        })
        .map_err(|e| Error::Io(std::io::Error::other(e)))?;
        write_atomic(&self.tmp_path(), &dir.join("upload.json"), &rec).await?;
        Ok(id)
    }

    async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        number: u32,
        data: Bytes,
    ) -> Result<CompletedPart> {
        if !(1..=10_000).contains(&number) {
            return Err(Error::InvalidArgument(format!(
                "part number {number} outside 1..=10000"
            )));
        }
        let (dir, _) = self.read_upload(key, upload_id).await?;
        let etag = crate::object::sha256_hex(&data);
        write_atomic(
            &self.tmp_path(),
            &dir.join(format!("part-{number:05}")),
            &data,
        )
        .await?;
        Ok(CompletedPart {
            number,
            etag,
            size: data.len() as u64,
        })
    }

    async fn list_parts(&self, key: &str, upload_id: &str) -> Result<Vec<CompletedPart>> {
        let (dir, _) = self.read_upload(key, upload_id).await?;
        let mut parts = Vec::new();
        let mut rd = tokio::fs::read_dir(&dir).await?;
        while let Some(e) = rd.next_entry().await? {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(n) = name
                .strip_prefix("part-")
                .and_then(|n| n.parse::<u32>().ok())
            {
                let data = tokio::fs::read(e.path()).await?;
                parts.push(CompletedPart {
                    number: n,
                    etag: crate::object::sha256_hex(&data),
                    size: data.len() as u64,
                });
            }
        }
        parts.sort_by_key(|p| p.number);
        Ok(parts)
    }

    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
    ) -> Result<ObjectMeta> {
        let (dir, rec) = self.read_upload(key, upload_id).await?;
        let mut sorted = parts.to_vec();
        sorted.sort_by_key(|p| p.number);
        let files: Vec<PathBuf> = sorted
            .iter()
            .map(|p| dir.join(format!("part-{:05}", p.number)))
            .collect();
        let body = futures::stream::iter(files)
            .then(|p| async move { tokio::fs::File::open(p).await })
            .map(|f| f.map(|f| tokio_util::io::ReaderStream::with_capacity(f, 1 << 20)))
            .try_flatten();
        use futures::TryStreamExt;
        let (blob, size, sha) = self.write_blob(Box::pin(body)).await?;
        if rec.opts.sha256.as_deref() != Some(sha.as_str()) {
            let _ = tokio::fs::remove_file(self.blob_path(&blob)).await;
            return Err(Error::Integrity {
                key: key.into(),
                detail: format!("parts hash to {sha}, expected {:?}", rec.opts.sha256),
            });
        }
        let meta = self
            .commit(Self::new_sidecar(key, &rec.opts, size, sha, blob))
            .await?;
        let _ = tokio::fs::remove_dir_all(&dir).await;
        Ok(meta)
    }

    async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<()> {
        let (dir, _) = self.read_upload(key, upload_id).await?;
        tokio::fs::remove_dir_all(&dir).await?;
        Ok(())
    }
}

fn walk(dir: &Path, so_far: String, prefix: &str, out: &mut Vec<ObjectSummary>) -> Result<()> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    for entry in rd {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(seg) = name.strip_prefix("d_") {
            let child = format!("{so_far}{seg}/");
            if child.starts_with(prefix) || prefix.starts_with(&child) {
                walk(&entry.path(), child, prefix, out)?;
            }
        } else if let Some(seg) = name
            .strip_prefix("f_")
            .and_then(|n| n.strip_suffix(".json"))
        {
            let key = format!("{so_far}{seg}");
            if key.starts_with(prefix) {
                let sc: Sidecar = match std::fs::read(entry.path()) {
                    Ok(b) => serde_json::from_slice(&b)
                        .map_err(|e| Error::Io(std::io::Error::other(e)))?,
                    // Deleted while listing.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e.into()),
                };
                out.push(ObjectSummary {
                    key,
                    size: sc.size,
                    last_modified: from_ms(sc.last_modified_ms),
                });
            }
        }
    }
    Ok(())
}
