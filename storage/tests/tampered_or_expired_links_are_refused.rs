//! Signed local links and S3 presigned URLs stop working when expired or altered.
mod common;

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use storage::seaweed::SeaweedFs;
use storage::{Error, ObjectStore, PutOptions, RetentionClass, S3Store, SignedUrlError};

fn refused(r: storage::Result<impl std::fmt::Debug>, why: SignedUrlError) {
    match r {
        Err(Error::SignedUrl(e)) => assert_eq!(e, why),
        other => panic!("expected {why:?}, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_or_expired_local_links_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = common::local_store(dir.path()).await;
    let signer = common::signer();
    store
        .put_bytes(
            "exam/1/photo.jpg",
            Bytes::from_static(b"jpeg"),
            PutOptions::new(),
        )
        .await
        .unwrap();
    let link = store
        .presign_get("exam/1/photo.jpg", Duration::from_secs(60))
        .await
        .unwrap();
    let (key, query) = storage::split_link(&signer, &link.url).unwrap();
    signer.verify_get(&key, query).unwrap();
    store.verify_signed(&key, query).unwrap();

    // Expired: the same link checked after its expiry.
    let later = SystemTime::now() + Duration::from_secs(61);
    refused(
        signer.verify_at("GET", &key, query, later),
        SignedUrlError::Expired,
    );
    // Another key with the same signature.
    refused(
        signer.verify_get("exam/2/photo.jpg", query),
        SignedUrlError::BadSignature,
    );
    // Stretched expiry.
    let stretched = query.replacen("exp=", "exp=9", 1);
    refused(
        signer.verify_get(&key, &stretched),
        SignedUrlError::BadSignature,
    );
    // Flipped signature character.
    let sig_at = query.find("sig=").unwrap() + 4;
    let mut bytes = query.as_bytes().to_vec();
    bytes[sig_at] = if bytes[sig_at] == b'A' { b'B' } else { b'A' };
    refused(
        signer.verify_get(&key, std::str::from_utf8(&bytes).unwrap()),
        SignedUrlError::BadSignature,
    );
    // Missing or garbled parameters.
    refused(
        signer.verify_get(&key, "exp=123"),
        SignedUrlError::Malformed,
    );
    refused(
        signer.verify_get(&key, "exp=abc&sig=xyz"),
        SignedUrlError::Malformed,
    );
    // A different signing key.
    let other = storage::UrlSigner::new(b"another-key-0123456789abcdefghij", "/files").unwrap();
    refused(other.verify_get(&key, query), SignedUrlError::BadSignature);
    // Links cannot be used to escape the store.
    assert!(matches!(
        signer.verify_get("../etc/passwd", query),
        Err(Error::InvalidKey { .. })
    ));
    // serve_signed_get refuses before reading.
    let later_link = storage::serve_signed_get(&store, &signer, &key, &stretched, None).await;
    assert!(matches!(
        later_link,
        Err(Error::SignedUrl(SignedUrlError::BadSignature))
    ));

    // PUT links: the pinned class cannot be downgraded, and GET links cannot upload.
    let put = store
        .presign_put(
            "exam/1/sheet.pdf",
            Duration::from_secs(60),
            &PutOptions::new().class(RetentionClass::Evidence),
        )
        .await
        .unwrap();
    let (pkey, pquery) = storage::split_link(&signer, &put.url).unwrap();
    assert_eq!(
        signer.verify_put(&pkey, pquery).unwrap().opts.class,
        RetentionClass::Evidence
    );
    refused(
        signer.verify_put(&pkey, &pquery.replace("class=evidence", "class=temp")),
        SignedUrlError::BadSignature,
    );
    refused(signer.verify_put(&key, query), SignedUrlError::BadSignature);
    refused(
        signer.verify_at("PUT", &pkey, pquery, later),
        SignedUrlError::Expired,
    );
    let body = Box::pin(futures::stream::once(async {
        Ok(Bytes::from_static(b"forged"))
    }));
    let r = storage::serve_signed_put(&store, &signer, &key, query, body).await;
    assert!(
        matches!(r, Err(Error::SignedUrl(_))),
        "GET link used for PUT: {r:?}"
    );
    assert!(matches!(
        store.head("exam/1/sheet.pdf").await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_or_expired_s3_presigned_urls_are_refused() {
    let weed = SeaweedFs::start().await.unwrap();
    weed.create_bucket("links", false).await.unwrap();
    let store = S3Store::connect(&weed.s3_settings("links")).await.unwrap();
    store
        .put_bytes(
            "exam/1/a.jpg",
            Bytes::from_static(b"aaaa"),
            PutOptions::new(),
        )
        .await
        .unwrap();
    store
        .put_bytes(
            "exam/1/b.jpg",
            Bytes::from_static(b"bbbb"),
            PutOptions::new(),
        )
        .await
        .unwrap();
    let http = reqwest::Client::new();

    let good = store
        .presign_get("exam/1/a.jpg", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(http.get(&good.url).send().await.unwrap().status(), 200);
    let other_key = good.url.replace("a.jpg", "b.jpg");
    assert_eq!(
        http.get(&other_key).send().await.unwrap().status(),
        403,
        "signature bound to the key"
    );
    let stretched = good.url.replace("X-Amz-Expires=60", "X-Amz-Expires=6000");
    assert_ne!(stretched, good.url);
    assert_eq!(
        http.get(&stretched).send().await.unwrap().status(),
        403,
        "expiry is signed"
    );

    let short = store
        .presign_get("exam/1/a.jpg", Duration::from_secs(1))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        http.get(&short.url).send().await.unwrap().status(),
        403,
        "expired URL"
    );
}
