//! Uploads go to object storage sealed: the store holds only ciphertext of a candidate's
//! photo, which comes back in clear only through a short-lived signed link (the old
//! download route redirects to one); a tampered or expired link is refused. Plan documents
//! are public and reach the browser through the `/files` signed links.

mod common;
mod registration_support;

use std::time::Duration;

use common::TestServer;
use registration_support::*;
use serde_json::{Value, json};

const LINK_TTL_SECS: u64 = 3;

fn all_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            all_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[tokio::test]
async fn photo_is_ciphertext_in_the_store_and_clear_only_behind_a_signed_link() {
    let objects = tempfile::tempdir().unwrap();
    let root = objects.path().to_path_buf();
    let srv = TestServer::start_with(move |s| {
        s.storage.root = Some(root);
        s.storage.link_ttl_secs = LINK_TTL_SECS;
    })
    .await;
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.staff", "staff").await;
    let plan = open_plan(&srv, &staff, "OBJ-01", "warn").await;
    let (reg, cand) = register_ok(
        &srv,
        plan,
        form(
            "张三",
            &id_number("52010219900315001"),
            "1990-03-15",
            "13900001111",
            json!({}),
        ),
    )
    .await;
    let photo = photo_png();
    assert_eq!(
        upload(&srv, &cand, reg, "photo", photo.clone(), "p.png")
            .await
            .status(),
        201
    );

    // In the store: one object under registration/, holding at least the photo's size
    // (ciphertext and tag), and nowhere the photo's bytes.
    let mut stored = Vec::new();
    all_files(objects.path(), &mut stored);
    let entries = stored
        .iter()
        .filter(|p| p.to_string_lossy().contains("registration"))
        .count();
    assert_eq!(entries, 1, "{stored:?}");
    assert!(
        stored
            .iter()
            .any(|p| std::fs::metadata(p).unwrap().len() as usize > photo.len()),
        "{stored:?}"
    );
    let needle = &photo[photo.len() / 2..photo.len() / 2 + 32];
    for p in &stored {
        let bytes = std::fs::read(p).unwrap();
        assert!(!bytes.starts_with(b"\x89PNG"), "{p:?} holds a clear PNG");
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{p:?} holds the photo's bytes"
        );
    }

    // The link: no session needed, clear bytes with their type, nothing cached.
    let link: Value = get(
        &srv,
        &cand,
        &format!("/api/registrations/{reg}/files/photo/link"),
    )
    .await
    .json()
    .await
    .unwrap();
    let url = link["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("/api/sealed/registration"), "{url}");
    let r = srv.client.get(srv.url(&url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    assert_eq!(r.bytes().await.unwrap().to_vec(), photo);

    // A changed signature, or the signature moved to another key, opens nothing.
    let (path, query) = url.split_once('?').unwrap();
    let bad_sig = format!("{path}?{}", query.replace("sig=", "sig=A"));
    assert_eq!(
        srv.client
            .get(srv.url(&bad_sig))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let other_key = format!("/api/sealed/registration%2Fother.bin?{query}");
    assert_eq!(
        srv.client
            .get(srv.url(&other_key))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    // A `/files` link (the other signer) cannot reach the sealed object either.
    let via_files = url.replacen("/api/sealed/", "/files/", 1);
    assert_eq!(
        srv.client
            .get(srv.url(&via_files))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // The old route answers with a redirect to a fresh signed link; another candidate gets 404.
    let r = no_redirect
        .get(srv.url(&format!("/api/registrations/{reg}/files/photo")))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/api/sealed/registration")
    );
    let (_, other) = register_ok(
        &srv,
        plan,
        form(
            "李四",
            &id_number("52010219910416002"),
            "1991-04-16",
            "13900002222",
            json!({}),
        ),
    )
    .await;
    assert_eq!(
        get(
            &srv,
            &other,
            &format!("/api/registrations/{reg}/files/photo/link")
        )
        .await
        .status(),
        404
    );

    // Links expire.
    let link: Value = get(
        &srv,
        &staff,
        &format!("/api/registrations/{reg}/files/photo/link"),
    )
    .await
    .json()
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_secs(LINK_TTL_SECS + 2)).await;
    let r = srv
        .client
        .get(srv.url(link["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // Staff reading the file are audited, once per link.
    let audit: Value = get(
        &srv,
        &admin,
        &format!("/api/audit?target_kind=registration&target_id={reg}"),
    )
    .await
    .json()
    .await
    .unwrap();
    let views = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "registration.view_file")
        .count();
    assert_eq!(views, 2, "{audit}");

    // A plan document: stored as it is, served through a `/files` signed link.
    let pdf = b"%PDF-1.4 exam rules".to_vec();
    let form = reqwest::multipart::Form::new()
        .text("title", "考生须知")
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf.clone()).file_name("rules.pdf"),
        );
    let r = srv
        .client
        .post(srv.url(&format!("/api/plans/{plan}/documents")))
        .bearer_auth(&staff)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let doc = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = no_redirect
        .get(srv.url(&format!("/api/plans/{plan}/documents/{doc}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(loc.starts_with("/files/document"), "{loc}");
    let r = srv.client.get(srv.url(&loc)).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    srv.stop().await;
}
