//! The behaviour both backends must share. Each check panics with a message naming it.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use storage::{ByteRange, Error, ObjectStore, PutOptions, RetentionClass, sha256_hex};

use super::random_bytes;

/// How to exercise presigned URLs on this backend.
pub enum Links {
    /// Local: links are served by proctor-api through these helpers.
    Signed(storage::UrlSigner),
    /// S3: links are fetched over HTTP from the server itself.
    Http,
}

pub async fn run(store: Arc<dyn ObjectStore>, links: Links) {
    let s = &*store;
    put_and_head_keep_metadata(s).await;
    ranges_return_exact_bytes(s).await;
    streamed_put_of_many_chunks(s).await;
    large_file_goes_up_as_multipart(s).await;
    explicit_multipart_lifecycle(s).await;
    list_by_prefix_is_sorted_and_exact(s).await;
    copy_keeps_content_and_metadata(s).await;
    delete_removes_and_missing_is_not_found(s).await;
    retention_blocks_delete_and_overwrite(s).await;
    wrong_sha_is_refused_and_nothing_stored(s).await;
    unicode_keys_round_trip(s).await;
    presigned_links_work(s, &links).await;
}

async fn put_and_head_keep_metadata(s: &dyn ObjectStore) {
    let data = Bytes::from(random_bytes(100_000, 1));
    let opts = PutOptions::new()
        .content_type("video/webm")
        .meta("exam-id", "E-2026-001")
        .meta("seat", "17");
    let put = s
        .put_bytes("conf/meta/one.webm", data.clone(), opts)
        .await
        .unwrap();
    assert_eq!(put.size, 100_000);
    assert_eq!(put.sha256.as_deref(), Some(sha256_hex(&data).as_str()));
    let head = s.head("conf/meta/one.webm").await.unwrap();
    assert_eq!(head.size, 100_000, "head size");
    assert_eq!(head.content_type, "video/webm", "head content type");
    assert_eq!(head.sha256, put.sha256, "head sha256");
    assert_eq!(
        head.metadata.get("exam-id").map(String::as_str),
        Some("E-2026-001")
    );
    assert_eq!(head.metadata.get("seat").map(String::as_str), Some("17"));
    assert_eq!(
        head.metadata.len(),
        2,
        "only caller metadata is reported: {:?}",
        head.metadata
    );
    assert_eq!(head.class, RetentionClass::Standard);
    assert_eq!(head.retain_until, None);
    let got = s.get_bytes("conf/meta/one.webm", None).await.unwrap();
    assert_eq!(got, data, "full get");
    // Default content type.
    let m = s
        .put_bytes(
            "conf/meta/plain",
            Bytes::from_static(b"x"),
            PutOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!(m.content_type, storage::DEFAULT_CONTENT_TYPE);
    assert_eq!(
        s.head("conf/meta/plain").await.unwrap().content_type,
        storage::DEFAULT_CONTENT_TYPE
    );
    // Reserved metadata names are refused.
    let bad = PutOptions::new().meta("storage-sha256", "x");
    assert!(matches!(
        s.put_bytes("conf/meta/bad", Bytes::new(), bad).await,
        Err(Error::InvalidArgument(_))
    ));
}

async fn ranges_return_exact_bytes(s: &dyn ObjectStore) {
    let data = Bytes::from(random_bytes(1_000_000, 2));
    s.put_bytes("conf/range/obj", data.clone(), PutOptions::new())
        .await
        .unwrap();
    let g = s
        .get("conf/range/obj", Some(ByteRange::new(1000, 2000)))
        .await
        .unwrap();
    assert_eq!(
        (g.start, g.end, g.meta.size),
        (1000, 2000, 1_000_000),
        "range bounds"
    );
    assert_eq!(g.bytes().await.unwrap(), data.slice(1000..2000));
    let tail = s
        .get_bytes("conf/range/obj", Some(ByteRange::from(999_990)))
        .await
        .unwrap();
    assert_eq!(tail, data.slice(999_990..));
    let clamped = s
        .get_bytes("conf/range/obj", Some(ByteRange::new(999_000, 2_000_000)))
        .await
        .unwrap();
    assert_eq!(
        clamped,
        data.slice(999_000..),
        "range past the end is clamped"
    );
    let outside = s
        .get("conf/range/obj", Some(ByteRange::from(2_000_000)))
        .await;
    assert!(
        matches!(outside, Err(Error::InvalidArgument(_))),
        "range outside object: {outside:?}"
    );
    assert!(matches!(
        s.get("conf/range/missing", None).await,
        Err(Error::NotFound { .. })
    ));
}

async fn streamed_put_of_many_chunks(s: &dyn ObjectStore) {
    // 20 MiB in 64 KiB chunks: above the single-request threshold.
    let data = Bytes::from(random_bytes(20 << 20, 3));
    let chunks: Vec<std::io::Result<Bytes>> = data
        .chunks(64 << 10)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let meta = s
        .put(
            "conf/stream/big.bin",
            Box::pin(futures::stream::iter(chunks)),
            PutOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!(meta.size, data.len() as u64);
    assert_eq!(meta.sha256.as_deref(), Some(sha256_hex(&data).as_str()));
    let mut body = s.get("conf/stream/big.bin", None).await.unwrap().body;
    let mut got = Vec::new();
    while let Some(c) = body.next().await {
        got.extend_from_slice(&c.unwrap());
    }
    assert!(got == data, "streamed object differs");
    assert_eq!(
        s.head("conf/stream/big.bin").await.unwrap().sha256,
        meta.sha256
    );
}

async fn large_file_goes_up_as_multipart(s: &dyn ObjectStore) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big");
    let data = random_bytes(40 << 20, 4);
    std::fs::write(&path, &data).unwrap();
    let meta = s
        .put_file(
            "conf/file/big.mp4",
            &path,
            PutOptions::new().content_type("video/mp4"),
        )
        .await
        .unwrap();
    assert_eq!(meta.size, data.len() as u64);
    let head = s.head("conf/file/big.mp4").await.unwrap();
    assert_eq!(
        head.sha256.as_deref(),
        Some(sha256_hex(&data).as_str()),
        "multipart object carries its sha256"
    );
    assert_eq!(head.content_type, "video/mp4");
    let got = s.get_bytes("conf/file/big.mp4", None).await.unwrap();
    assert!(got == data, "multipart object differs");
    // A range that spans a part boundary (parts are 8 MiB).
    let r = s
        .get_bytes(
            "conf/file/big.mp4",
            Some(ByteRange::new((8 << 20) - 10, (8 << 20) + 10)),
        )
        .await
        .unwrap();
    assert_eq!(&r[..], &data[(8 << 20) - 10..(8 << 20) + 10]);
}

async fn explicit_multipart_lifecycle(s: &dyn ObjectStore) {
    let part1 = Bytes::from(random_bytes(5 << 20, 5));
    let part2 = Bytes::from(random_bytes(1 << 20, 6));
    let mut all = part1.to_vec();
    all.extend_from_slice(&part2);
    let no_sha = s.create_multipart("conf/mpu/obj", &PutOptions::new()).await;
    assert!(
        matches!(no_sha, Err(Error::InvalidArgument(_))),
        "multipart without sha256: {no_sha:?}"
    );
    let opts = PutOptions::new()
        .sha256(sha256_hex(&all))
        .meta("kind", "mpu");
    let id = s.create_multipart("conf/mpu/obj", &opts).await.unwrap();
    let p2 = s
        .upload_part("conf/mpu/obj", &id, 2, part2.clone())
        .await
        .unwrap();
    let p1 = s
        .upload_part("conf/mpu/obj", &id, 1, part1.clone())
        .await
        .unwrap();
    let listed = s.list_parts("conf/mpu/obj", &id).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|p| (p.number, p.size))
            .collect::<Vec<_>>(),
        vec![(1, 5 << 20), (2, 1 << 20)]
    );
    assert!(
        matches!(s.head("conf/mpu/obj").await, Err(Error::NotFound { .. })),
        "unfinished upload must be invisible"
    );
    let meta = s
        .complete_multipart("conf/mpu/obj", &id, &[p2, p1])
        .await
        .unwrap();
    assert_eq!(meta.size, all.len() as u64);
    assert_eq!(meta.metadata.get("kind").map(String::as_str), Some("mpu"));
    assert!(s.get_bytes("conf/mpu/obj", None).await.unwrap() == all);
    assert!(
        matches!(
            s.list_parts("conf/mpu/obj", &id).await,
            Err(Error::NotFound { .. })
        ),
        "completed upload is gone"
    );
    // Abort drops the upload.
    let id2 = s.create_multipart("conf/mpu/aborted", &opts).await.unwrap();
    s.upload_part("conf/mpu/aborted", &id2, 1, part1)
        .await
        .unwrap();
    s.abort_multipart("conf/mpu/aborted", &id2).await.unwrap();
    assert!(matches!(
        s.list_parts("conf/mpu/aborted", &id2).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        s.head("conf/mpu/aborted").await,
        Err(Error::NotFound { .. })
    ));
}

async fn list_by_prefix_is_sorted_and_exact(s: &dyn ObjectStore) {
    for k in [
        "conf/list/a/2",
        "conf/list/a/1",
        "conf/list/a/b/3",
        "conf/list/ab",
        "conf/list/a",
    ] {
        s.put_bytes(k, Bytes::from(k.as_bytes().to_vec()), PutOptions::new())
            .await
            .unwrap();
    }
    let keys = |v: Vec<storage::ObjectSummary>| v.into_iter().map(|o| o.key).collect::<Vec<_>>();
    assert_eq!(
        keys(s.list("conf/list/a/").await.unwrap()),
        ["conf/list/a/1", "conf/list/a/2", "conf/list/a/b/3"]
    );
    assert_eq!(
        keys(s.list("conf/list/a").await.unwrap()),
        [
            "conf/list/a",
            "conf/list/a/1",
            "conf/list/a/2",
            "conf/list/a/b/3",
            "conf/list/ab"
        ]
    );
    assert!(s.list("conf/list/zzz").await.unwrap().is_empty());
    let one = s.list("conf/list/ab").await.unwrap();
    assert_eq!(one[0].size, "conf/list/ab".len() as u64);
}

async fn copy_keeps_content_and_metadata(s: &dyn ObjectStore) {
    let data = Bytes::from(random_bytes(300_000, 7));
    let src = s
        .put_bytes(
            "conf/copy/src",
            data.clone(),
            PutOptions::new()
                .content_type("image/jpeg")
                .meta("who", "cand-1"),
        )
        .await
        .unwrap();
    let copy = s.copy("conf/copy/src", "conf/copy/dst").await.unwrap();
    assert_eq!(copy.key, "conf/copy/dst");
    let head = s.head("conf/copy/dst").await.unwrap();
    assert_eq!(
        (head.size, head.content_type.as_str(), head.sha256.clone()),
        (src.size, "image/jpeg", src.sha256.clone())
    );
    assert_eq!(head.metadata.get("who").map(String::as_str), Some("cand-1"));
    assert_eq!(s.get_bytes("conf/copy/dst", None).await.unwrap(), data);
    assert!(matches!(
        s.copy("conf/copy/none", "conf/copy/x").await,
        Err(Error::NotFound { .. })
    ));
}

async fn delete_removes_and_missing_is_not_found(s: &dyn ObjectStore) {
    s.put_bytes(
        "conf/del/x",
        Bytes::from_static(b"bye"),
        PutOptions::new().class(RetentionClass::Temp),
    )
    .await
    .unwrap();
    s.delete("conf/del/x").await.unwrap();
    assert!(matches!(
        s.head("conf/del/x").await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        s.delete("conf/del/x").await,
        Err(Error::NotFound { .. })
    ));
    assert!(s.list("conf/del/").await.unwrap().is_empty());
}

async fn retention_blocks_delete_and_overwrite(s: &dyn ObjectStore) {
    let data = Bytes::from_static(b"answer sheet scan");
    let m = s
        .put_bytes(
            "conf/ret/evidence",
            data.clone(),
            PutOptions::new().class(RetentionClass::Evidence),
        )
        .await
        .unwrap();
    let until = m.retain_until.expect("evidence has a retention date");
    let years = until
        .duration_since(std::time::SystemTime::now())
        .unwrap()
        .as_secs() as f64
        / (365.25 * 86400.0);
    assert!(years >= 5.0 - 0.01, "retention is {years} years");
    let head = s.head("conf/ret/evidence").await.unwrap();
    assert_eq!(head.class, RetentionClass::Evidence);
    assert!(head.retain_until.is_some());
    let del = s.delete("conf/ret/evidence").await;
    assert!(
        matches!(del, Err(Error::RetentionActive { .. })),
        "delete under retention: {del:?}"
    );
    let over = s
        .put_bytes(
            "conf/ret/evidence",
            Bytes::from_static(b"forged"),
            PutOptions::new(),
        )
        .await;
    assert!(
        matches!(over, Err(Error::RetentionActive { .. })),
        "overwrite under retention: {over:?}"
    );
    // Re-sending identical content (a retry) is allowed.
    s.put_bytes(
        "conf/ret/evidence",
        data.clone(),
        PutOptions::new().class(RetentionClass::Evidence),
    )
    .await
    .unwrap();
    assert_eq!(s.get_bytes("conf/ret/evidence", None).await.unwrap(), data);
    let rec = s
        .put_bytes(
            "conf/ret/rec",
            Bytes::from_static(b"video"),
            PutOptions::new().class(RetentionClass::Recording),
        )
        .await
        .unwrap();
    assert!(rec.retain_until.is_some());
    assert!(matches!(
        s.delete("conf/ret/rec").await,
        Err(Error::RetentionActive { .. })
    ));
}

async fn wrong_sha_is_refused_and_nothing_stored(s: &dyn ObjectStore) {
    let opts = PutOptions::new().sha256("0".repeat(64));
    let r = s
        .put_bytes("conf/sha/bad", Bytes::from_static(b"payload"), opts)
        .await;
    assert!(
        matches!(r, Err(Error::Integrity { .. })),
        "wrong sha: {r:?}"
    );
    assert!(matches!(
        s.head("conf/sha/bad").await,
        Err(Error::NotFound { .. })
    ));
}

async fn unicode_keys_round_trip(s: &dyn ObjectStore) {
    let key = "conf/unicode/考生 张三/照片 #1+(正面).jpg";
    s.put_bytes(key, Bytes::from_static(b"jpeg"), PutOptions::new())
        .await
        .unwrap();
    assert_eq!(
        s.get_bytes(key, None).await.unwrap(),
        Bytes::from_static(b"jpeg")
    );
    assert_eq!(s.list("conf/unicode/").await.unwrap()[0].key, key);
    s.copy(key, "conf/unicode/副本.jpg").await.unwrap();
    assert_eq!(
        s.get_bytes("conf/unicode/副本.jpg", None).await.unwrap(),
        Bytes::from_static(b"jpeg")
    );
}

async fn presigned_links_work(s: &dyn ObjectStore, links: &Links) {
    let data = Bytes::from(random_bytes(50_000, 8));
    s.put_bytes(
        "conf/link/photo.jpg",
        data.clone(),
        PutOptions::new().content_type("image/jpeg"),
    )
    .await
    .unwrap();
    let get = s
        .presign_get("conf/link/photo.jpg", Duration::from_secs(300))
        .await
        .unwrap();
    assert_eq!(get.method, "GET");
    let upload = Bytes::from(random_bytes(70_000, 9));
    let put_opts = PutOptions::new()
        .content_type("application/pdf")
        .class(RetentionClass::Evidence)
        .sha256(sha256_hex(&upload));
    let put = s
        .presign_put("conf/link/upload.pdf", Duration::from_secs(300), &put_opts)
        .await
        .unwrap();
    assert_eq!(put.method, "PUT");
    match links {
        Links::Signed(signer) => {
            let (key, query) =
                storage::split_link(signer, &get.url).expect("link has the signer's base");
            assert_eq!(key, "conf/link/photo.jpg");
            let got = storage::serve_signed_get(s, signer, &key, query, None)
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            assert_eq!(got, data);
            let part = storage::serve_signed_get(s, signer, &key, query, Some("bytes=10-19"))
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            assert_eq!(part, data.slice(10..20));
            let (pkey, pquery) = storage::split_link(signer, &put.url).unwrap();
            let body = upload.clone();
            storage::serve_signed_put(
                s,
                signer,
                &pkey,
                pquery,
                Box::pin(futures::stream::once(async move { Ok(body) })),
            )
            .await
            .unwrap();
        }
        Links::Http => {
            let http = reqwest::Client::new();
            let resp = http.get(&get.url).send().await.unwrap();
            assert_eq!(resp.status(), 200);
            assert_eq!(resp.bytes().await.unwrap(), data);
            let mut req = http.put(&put.url).body(upload.clone());
            for (k, v) in &put.headers {
                req = req.header(k, v);
            }
            let resp = req.send().await.unwrap();
            assert!(
                resp.status().is_success(),
                "presigned PUT: {} {}",
                resp.status(),
                resp.text().await.unwrap_or_default()
            );
        }
    }
    let head = s.head("conf/link/upload.pdf").await.unwrap();
    assert_eq!(head.content_type, "application/pdf");
    assert_eq!(head.class, RetentionClass::Evidence);
    assert_eq!(head.sha256.as_deref(), Some(sha256_hex(&upload).as_str()));
    assert_eq!(
        s.get_bytes("conf/link/upload.pdf", None).await.unwrap(),
        upload
    );
}
