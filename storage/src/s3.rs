//! S3 backend (aws-sdk-s3): AWS, SeaweedFS, MinIO, Ceph RGW, Aliyun OSS, Tencent COS.
//!
//! The crate's own fields ride in user metadata: `storage-sha256`,
//! `storage-class`, `storage-retain-until` (unix seconds). When the bucket has
//! Object Lock enabled (detected at open, or forced in settings), objects of a
//! class with retention are written with `x-amz-object-lock-mode` and
//! `x-amz-object-lock-retain-until-date`, so the server enforces retention too.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::{
    Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::DateTime;
use aws_sdk_s3::types::{MetadataDirective, ObjectLockEnabled, ObjectLockMode};
use base64::Engine;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::error::{Error, Result, io_at};
use crate::key::validate_key;
use crate::object::{
    ByteRange, ByteStream, CompletedPart, DEFAULT_CONTENT_TYPE, GetObject, ObjectMeta,
    ObjectSummary, PresignedRequest, PutOptions, from_unix_secs, unix_secs,
};
use crate::retention::{RetentionClass, check_deletable};
use crate::settings::{LockMode, S3Settings};
use crate::store::{MULTIPART_THRESHOLD, ObjectStore};

const META_SHA: &str = "storage-sha256";
const META_CLASS: &str = "storage-class";
const META_RETAIN: &str = "storage-retain-until";

/// A bucket on an S3-compatible server.
#[derive(Debug, Clone)]
pub struct S3Store {
    client: Client,
    bucket: String,
    lock: Option<ObjectLockMode>,
    temp_dir: PathBuf,
}

impl S3Store {
    /// Builds the client. Does not fail when the server is unreachable (the
    /// spool exists for that); fails when settings are unusable.
    pub async fn connect(s: &S3Settings) -> Result<Self> {
        if s.bucket.is_empty() {
            return Err(Error::Config("s3.bucket is empty".into()));
        }
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(Region::new(s.region.clone()));
        match (&s.access_key, &s.secret_key) {
            (Some(a), Some(k)) => {
                loader = loader.credentials_provider(Credentials::new(
                    a.clone(),
                    k.expose().to_owned(),
                    None,
                    None,
                    "storage-settings",
                ));
            }
            (None, None) => {} // standard chain: env, profile, web identity, ECS, IMDS
            _ => {
                return Err(Error::Config(
                    "s3.access_key and s3.secret_key go together".into(),
                ));
            }
        }
        let sdk = loader.load().await;
        let timeouts = aws_sdk_s3::config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .read_timeout(Duration::from_secs(60))
            .build();
        let mut b = aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(s.path_style)
            // The newer default checksums (aws-chunked CRC32 trailers) are not
            // understood by several S3-compatible servers (OSS, COS, older Ceph).
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .timeout_config(timeouts)
            .retry_config(aws_sdk_s3::config::retry::RetryConfig::standard().with_max_attempts(3));
        if let Some(ep) = &s.endpoint {
            b = b.endpoint_url(ep.clone());
        }
        let client = Client::from_conf(b.build());
        let temp_dir = s.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
        let mode = match s.lock_mode {
            LockMode::Governance => ObjectLockMode::Governance,
            LockMode::Compliance => ObjectLockMode::Compliance,
        };
        let lock = match s.object_lock {
            Some(true) => Some(mode),
            Some(false) => None,
            None => detect_object_lock(&client, &s.bucket).await.then_some(mode),
        };
        Ok(Self {
            client,
            bucket: s.bucket.clone(),
            lock,
            temp_dir,
        })
    }

    /// The SDK client, for operations this crate does not wrap (bucket admin, tests).
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Whether objects are written with Object Lock retention.
    pub fn object_lock(&self) -> bool {
        self.lock.is_some()
    }

    fn s3_metadata(
        &self,
        opts: &PutOptions,
        sha: Option<&str>,
        retain: Option<SystemTime>,
    ) -> HashMap<String, String> {
        let mut m: HashMap<String, String> = opts
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(sha) = sha {
            m.insert(META_SHA.into(), sha.into());
        }
        m.insert(META_CLASS.into(), opts.class.as_str().into());
        if let Some(r) = retain {
            m.insert(META_RETAIN.into(), unix_secs(r).to_string());
        }
        m
    }

    fn lock_for(&self, retain: Option<SystemTime>) -> Option<(ObjectLockMode, DateTime)> {
        Some((
            self.lock.clone()?,
            DateTime::from_secs(unix_secs(retain?) as i64),
        ))
    }

    /// Refuses to replace an object under retention with different content.
    async fn check_overwrite(&self, key: &str, new_sha: Option<&str>) -> Result<()> {
        match self.head(key).await {
            Ok(old) if old.sha256.as_deref() != new_sha || new_sha.is_none() => {
                check_deletable(key, old.retain_until)
            }
            Ok(_) | Err(Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn put_small(&self, key: &str, data: Bytes, opts: PutOptions) -> Result<ObjectMeta> {
        let sha = crate::object::sha256_hex(&data);
        if let Some(expected) = &opts.sha256
            && *expected != sha
        {
            return Err(Error::Integrity {
                key: key.into(),
                detail: format!("body hashes to {sha}, expected {expected}"),
            });
        }
        self.check_overwrite(key, Some(&sha)).await?;
        let now = SystemTime::now();
        let retain = opts.class.retain_until(now);
        let sha_b64 =
            base64::engine::general_purpose::STANDARD.encode(hex::decode(&sha).expect("own hex"));
        let size = data.len() as u64;
        let mut req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(opts.content_type_or_default())
            .content_length(size as i64)
            .set_metadata(Some(self.s3_metadata(&opts, Some(&sha), retain)))
            // Lets the server reject a body damaged on the way.
            .checksum_sha256(sha_b64)
            .body(aws_sdk_s3::primitives::ByteStream::from(data));
        if let Some((mode, until)) = self.lock_for(retain) {
            req = req
                .object_lock_mode(mode)
                .object_lock_retain_until_date(until);
        }
        req.send().await.map_err(|e| map_err(key, e))?;
        Ok(ObjectMeta {
            key: key.into(),
            size,
            content_type: opts.content_type_or_default().into(),
            sha256: Some(sha),
            metadata: opts.metadata,
            class: opts.class,
            retain_until: retain,
            last_modified: now,
        })
    }
}

async fn detect_object_lock(client: &Client, bucket: &str) -> bool {
    match client
        .get_object_lock_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => {
            out.object_lock_configuration()
                .and_then(|c| c.object_lock_enabled())
                == Some(&ObjectLockEnabled::Enabled)
        }
        Err(e) => {
            tracing::debug!(bucket, error = %DisplayErrorContext(&e), "object lock not available");
            false
        }
    }
}

/// 404s become [`Error::NotFound`]; everything else is a backend error with the server's code.
fn map_err<E>(key: &str, e: SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let status = e.raw_response().map(|r| r.status().as_u16());
    let code = e.code().map(str::to_owned);
    match (status, code.as_deref()) {
        (_, Some("NoSuchBucket")) => Error::Config(format!(
            "bucket does not exist: {}",
            DisplayErrorContext(&e)
        )),
        (Some(404), _) | (_, Some("NoSuchKey" | "NoSuchUpload" | "NotFound")) => {
            Error::not_found(key)
        }
        (Some(416), _) | (_, Some("InvalidRange")) => {
            Error::InvalidArgument(format!("range not satisfiable for {key}"))
        }
        _ => Error::Backend(format!("{key}: {}", DisplayErrorContext(&e))),
    }
}

fn to_system_time(t: Option<&DateTime>) -> SystemTime {
    t.map(|d| from_unix_secs(d.secs().max(0) as u64))
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

fn meta_from(
    key: &str,
    size: u64,
    content_type: Option<&str>,
    last_modified: Option<&DateTime>,
    md: Option<&HashMap<String, String>>,
) -> ObjectMeta {
    let mut metadata: BTreeMap<String, String> = md
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    let sha256 = metadata.remove(META_SHA);
    let class = metadata
        .remove(META_CLASS)
        .and_then(|c| RetentionClass::parse(&c))
        .unwrap_or_default();
    let retain_until = metadata
        .remove(META_RETAIN)
        .and_then(|s| s.parse::<u64>().ok())
        .map(from_unix_secs);
    ObjectMeta {
        key: key.into(),
        size,
        content_type: content_type.unwrap_or(DEFAULT_CONTENT_TYPE).into(),
        sha256,
        metadata,
        class,
        retain_until,
        last_modified: to_system_time(last_modified),
    }
}

/// `bytes a-b/total` → total.
fn total_from_content_range(cr: &str) -> Option<u64> {
    cr.rsplit_once('/')?.1.trim().parse().ok()
}

fn encode_copy_source(bucket: &str, key: &str) -> String {
    let mut out = format!("{bucket}/");
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[async_trait]
impl ObjectStore for S3Store {
    fn backend(&self) -> &'static str {
        "s3"
    }

    async fn put(&self, key: &str, mut body: ByteStream, opts: PutOptions) -> Result<ObjectMeta> {
        validate_key(key)?;
        opts.validate()?;
        // Small bodies go up in one request; larger ones are spilled to a temp
        // file first so the SHA-256 is known before the multipart upload starts.
        let mut buf = BytesMut::new();
        while let Some(chunk) = body.next().await {
            buf.extend_from_slice(&chunk?);
            if buf.len() as u64 > MULTIPART_THRESHOLD {
                break;
            }
        }
        if buf.len() as u64 <= MULTIPART_THRESHOLD {
            return self.put_small(key, buf.freeze(), opts).await;
        }
        tokio::fs::create_dir_all(&self.temp_dir).await?;
        let tmp = tempfile::Builder::new()
            .prefix("storage-put-")
            .tempfile_in(&self.temp_dir)
            .map_err(|e| io_at(&self.temp_dir, 0, e))?;
        let mut f = tokio::fs::File::create(tmp.path()).await?;
        let mut written = buf.len() as u64;
        f.write_all(&buf)
            .await
            .map_err(|e| io_at(tmp.path(), written, e))?;
        drop(buf);
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            written += chunk.len() as u64;
            f.write_all(&chunk)
                .await
                .map_err(|e| io_at(tmp.path(), written, e))?;
        }
        f.flush().await?;
        drop(f);
        self.put_file(key, tmp.path(), opts).await
    }

    async fn put_bytes(&self, key: &str, data: Bytes, opts: PutOptions) -> Result<ObjectMeta> {
        validate_key(key)?;
        opts.validate()?;
        if data.len() as u64 <= MULTIPART_THRESHOLD {
            return self.put_small(key, data, opts).await;
        }
        self.put(
            key,
            Box::pin(futures::stream::once(async move { Ok(data) })),
            opts,
        )
        .await
    }

    async fn get(&self, key: &str, range: Option<ByteRange>) -> Result<GetObject> {
        validate_key(key)?;
        let mut req = self.client.get_object().bucket(&self.bucket).key(key);
        if let Some(r) = range {
            if matches!(r.end, Some(e) if e <= r.start) {
                return Err(Error::InvalidArgument(format!(
                    "empty range {}..{:?} for {key}",
                    r.start, r.end
                )));
            }
            req = req.range(match r.end {
                Some(e) => format!("bytes={}-{}", r.start, e - 1),
                None => format!("bytes={}-", r.start),
            });
        }
        let out = req.send().await.map_err(|e| map_err(key, e))?;
        let len = out.content_length().unwrap_or(0).max(0) as u64;
        let (start, total) = match (
            range,
            out.content_range().and_then(total_from_content_range),
        ) {
            (Some(r), Some(total)) => (r.start, total),
            _ => (0, len),
        };
        let meta = meta_from(
            key,
            total,
            out.content_type(),
            out.last_modified(),
            out.metadata(),
        );
        let body =
            tokio_util::io::ReaderStream::with_capacity(out.body.into_async_read(), 256 << 10);
        Ok(GetObject {
            meta,
            start,
            end: start + len,
            body: Box::pin(body),
        })
    }

    async fn head(&self, key: &str) -> Result<ObjectMeta> {
        validate_key(key)?;
        let out = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| map_err(key, e))?;
        let size = out.content_length().unwrap_or(0).max(0) as u64;
        Ok(meta_from(
            key,
            size,
            out.content_type(),
            out.last_modified(),
            out.metadata(),
        ))
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectSummary>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| map_err(prefix, e))?;
            for o in page.contents() {
                out.push(ObjectSummary {
                    key: o.key().unwrap_or_default().to_owned(),
                    size: o.size().unwrap_or(0).max(0) as u64,
                    last_modified: to_system_time(o.last_modified()),
                });
            }
            match page.next_continuation_token() {
                Some(t) if page.is_truncated() == Some(true) => token = Some(t.to_owned()),
                _ => break,
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let meta = self.head(key).await?;
        check_deletable(key, meta.retain_until)?;
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| map_err(key, e))?;
        Ok(())
    }

    async fn copy(&self, from: &str, to: &str) -> Result<ObjectMeta> {
        validate_key(to)?;
        let src = self.head(from).await?;
        self.check_overwrite(to, src.sha256.as_deref()).await?;
        let now = SystemTime::now();
        let retain = src.class.retain_until(now);
        let opts = PutOptions {
            content_type: Some(src.content_type.clone()),
            metadata: src.metadata.clone(),
            class: src.class,
            sha256: None,
        };
        let mut req = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .key(to)
            .copy_source(encode_copy_source(&self.bucket, from))
            .metadata_directive(MetadataDirective::Replace)
            .content_type(&src.content_type)
            .set_metadata(Some(self.s3_metadata(&opts, src.sha256.as_deref(), retain)));
        if let Some((mode, until)) = self.lock_for(retain) {
            req = req
                .object_lock_mode(mode)
                .object_lock_retain_until_date(until);
        }
        req.send().await.map_err(|e| map_err(from, e))?;
        Ok(ObjectMeta {
            key: to.into(),
            retain_until: retain,
            last_modified: now,
            ..src
        })
    }

    async fn presign_get(&self, key: &str, expires_in: Duration) -> Result<PresignedRequest> {
        validate_key(key)?;
        let cfg = PresigningConfig::expires_in(expires_in)
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        let p = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(cfg)
            .await
            .map_err(|e| map_err(key, e))?;
        Ok(PresignedRequest {
            method: "GET",
            url: p.uri().to_owned(),
            headers: p
                .headers()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            expires_at: SystemTime::now() + expires_in,
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
        let cfg = PresigningConfig::expires_in(expires_in)
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        let retain = opts.class.retain_until(SystemTime::now());
        let mut req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(opts.content_type_or_default())
            .set_metadata(Some(self.s3_metadata(opts, opts.sha256.as_deref(), retain)));
        if let Some((mode, until)) = self.lock_for(retain) {
            req = req
                .object_lock_mode(mode)
                .object_lock_retain_until_date(until);
        }
        let p = req.presigned(cfg).await.map_err(|e| map_err(key, e))?;
        Ok(PresignedRequest {
            method: "PUT",
            url: p.uri().to_owned(),
            headers: p
                .headers()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            expires_at: SystemTime::now() + expires_in,
        })
    }

    async fn create_multipart(&self, key: &str, opts: &PutOptions) -> Result<String> {
        validate_key(key)?;
        opts.validate()?;
        let Some(sha) = opts.sha256.as_deref() else {
            return Err(Error::InvalidArgument(
                "multipart uploads need the SHA-256 up front".into(),
            ));
        };
        self.check_overwrite(key, Some(sha)).await?;
        let retain = opts.class.retain_until(SystemTime::now());
        let mut req = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(opts.content_type_or_default())
            .set_metadata(Some(self.s3_metadata(opts, Some(sha), retain)));
        if let Some((mode, until)) = self.lock_for(retain) {
            req = req
                .object_lock_mode(mode)
                .object_lock_retain_until_date(until);
        }
        let out = req.send().await.map_err(|e| map_err(key, e))?;
        out.upload_id()
            .map(str::to_owned)
            .ok_or_else(|| Error::Backend(format!("{key}: no upload id returned")))
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
        let size = data.len() as u64;
        let out = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(number as i32)
            .content_length(size as i64)
            .body(aws_sdk_s3::primitives::ByteStream::from(data))
            .send()
            .await
            .map_err(|e| map_err(key, e))?;
        let etag = out
            .e_tag()
            .ok_or_else(|| Error::Backend(format!("{key}: part {number} has no ETag")))?;
        Ok(CompletedPart {
            number,
            etag: etag.to_owned(),
            size,
        })
    }

    async fn list_parts(&self, key: &str, upload_id: &str) -> Result<Vec<CompletedPart>> {
        let mut parts = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let out = self
                .client
                .list_parts()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(upload_id)
                .set_part_number_marker(marker.take())
                .send()
                .await
                .map_err(|e| map_err(key, e))?;
            for p in out.parts() {
                if let (Some(n), Some(etag)) = (p.part_number(), p.e_tag()) {
                    parts.push(CompletedPart {
                        number: n as u32,
                        etag: etag.to_owned(),
                        size: p.size().unwrap_or(0).max(0) as u64,
                    });
                }
            }
            match out.next_part_number_marker() {
                Some(m) if out.is_truncated() == Some(true) => marker = Some(m.to_owned()),
                _ => break,
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
        use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart as S3Part};
        let mut sorted = parts.to_vec();
        sorted.sort_by_key(|p| p.number);
        let s3_parts = sorted
            .iter()
            .map(|p| {
                S3Part::builder()
                    .part_number(p.number as i32)
                    .e_tag(&p.etag)
                    .build()
            })
            .collect();
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(s3_parts))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| map_err(key, e))?;
        let meta = self.head(key).await?;
        let expected: u64 = sorted.iter().map(|p| p.size).sum();
        if meta.size != expected {
            return Err(Error::Integrity {
                key: key.into(),
                detail: format!(
                    "completed object has {} bytes, parts add up to {expected}",
                    meta.size
                ),
            });
        }
        Ok(meta)
    }

    async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<()> {
        self.client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await
            .map_err(|e| map_err(key, e))?;
        Ok(())
    }
}
