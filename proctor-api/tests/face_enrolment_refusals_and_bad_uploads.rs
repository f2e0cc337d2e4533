//! Enrolment and its refusals: a portrait with two faces is warned about at upload and
//! refused at enrolment with its reason; an examiner's staff photo is enrolled, re-enrolled
//! (audited) and used for the examiner's own check-in; corrupt, truncated, huge and
//! non-image uploads get clear 4xx answers; roles and ownership are enforced.

mod common;
mod face_support;
mod registration_support;

use common::TestServer;
use face_support::{approved_candidate, celebrity, json_of, send_picture};
use registration_support::{get, post};
use serde_json::json;

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::GrayImage::from_pixel(w, h, image::Luma([200]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn face_enrolment_refusals_and_bad_uploads() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.enrol", "staff").await;
    let examiner = srv.user_with_role(&admin, "kp.enrol", "examiner").await;
    let examiner_id = json_of(get(&srv, &examiner, "/api/auth/me").await, 200).await["id"].as_i64().unwrap();

    // Two faces in the portrait: a warning for the candidate and staff, then a refusal
    // with its reason when staff approve (approval itself stands).
    let c = approved_candidate(&srv, &staff, "FACE-02", 2, celebrity("couple.jpg")).await;
    assert!(c.warnings.iter().any(|w| w.contains("faces")), "{:?}", c.warnings);
    let reg = json_of(get(&srv, &staff, &format!("/api/registrations/{}", c.registration)).await, 200).await;
    assert_eq!(reg["status"], "approved");
    let e = json_of(get(&srv, &staff, &format!("/api/face/accounts/{}/enrolments", c.account)).await, 200).await;
    assert_eq!((e[0]["status"].as_str(), e[0]["reason"]["code"].as_str()), (Some("refused"), Some("multiple_faces")), "{e}");
    // On demand: the same answer, and a check-in has nothing to compare with.
    let again = json_of(post(&srv, &staff, &format!("/api/face/registrations/{}/enrol", c.registration), json!({})).await, 200).await;
    assert_eq!(again["status"], "refused");
    let r = send_picture(&srv, &c.token, "/api/face/check-in", face_support::wall_jpeg()).await;
    assert_eq!(r.status(), 409, "not enrolled");
    assert_eq!(json_of(r, 409).await["field"], "enrolment");

    // Staff photo of an examiner; a candidate cannot upload one nor enrol anybody.
    // (Small pictures where the answer is a refusal: it comes before the body is read.)
    let r = send_picture(&srv, &c.token, &format!("/api/face/accounts/{examiner_id}/photo"), face_support::wall_jpeg()).await;
    assert_eq!(r.status(), 403);
    assert_eq!(post(&srv, &c.token, &format!("/api/face/registrations/{}/enrol", c.registration), json!({})).await.status(), 403);
    let r = send_picture(&srv, &staff, &format!("/api/face/accounts/{}/photo", c.account), celebrity("img1.jpg")).await;
    assert_eq!(json_of(r, 400).await["code"], "candidate_account");
    let first = json_of(send_picture(&srv, &staff, &format!("/api/face/accounts/{examiner_id}/photo"), celebrity("img3.jpg")).await, 200).await;
    assert_eq!(first["status"], "enrolled", "{first}");
    let second = json_of(send_picture(&srv, &staff, &format!("/api/face/accounts/{examiner_id}/photo"), celebrity("img4.jpg")).await, 200).await;
    assert_eq!(second["status"], "enrolled", "{second}");
    let audit = json_of(get(&srv, &admin, "/api/audit").await, 200).await.to_string();
    assert!(audit.contains("face.re_enrol"), "re-enrolment audited");
    // The examiner signs in by face against the newest enrolment (img4 and img5 are one
    // person, img3 another).
    let r = json_of(send_picture(&srv, &examiner, "/api/face/check-in", celebrity("img5.jpg")).await, 200).await;
    assert_eq!(r["check"]["outcome"], "passed", "{r}");
    // Invigilators do not check in by face here; staff do not either.
    assert_eq!(send_picture(&srv, &staff, "/api/face/check-in", face_support::wall_jpeg()).await.status(), 403);

    // Bad uploads: clear 4xx, nothing enrolled.
    let path = format!("/api/face/accounts/{examiner_id}/photo");
    let r = send_picture(&srv, &staff, &path, b"%PDF-1.4 not a picture".to_vec()).await;
    assert_eq!(r.status(), 415);
    let mut truncated = celebrity("img1.jpg");
    truncated.truncate(3000);
    let r = send_picture(&srv, &staff, &path, truncated).await;
    let status = r.status().as_u16();
    assert!(status == 400 || status == 422, "truncated: {status}");
    // A JPEG header followed by garbage.
    let mut corrupt = celebrity("img1.jpg")[..200].to_vec();
    corrupt.extend_from_slice(&[0xFF; 300]);
    corrupt.extend_from_slice(&[0xFF, 0xD9]);
    let r = send_picture(&srv, &staff, &path, corrupt).await;
    assert_eq!(json_of(r, 400).await["code"], "corrupt_image");
    // 50 megapixels: refused by its header before decoding.
    let r = send_picture(&srv, &staff, &path, png(10_000, 5_000)).await;
    assert_eq!(r.status(), 413);
    // More bytes than accepted.
    let mut huge = vec![0xFFu8, 0xD8, 0xFF];
    huge.resize(proctor_api::face::MAX_UPLOAD_BYTES + 100, 0);
    assert_eq!(send_picture(&srv, &staff, &path, huge).await.status(), 413);
    let e = json_of(get(&srv, &staff, &format!("/api/face/accounts/{examiner_id}/enrolments")).await, 200).await;
    assert_eq!(e.as_array().unwrap().len(), 2, "bad uploads enrol nothing: {e}");
    srv.stop().await;
}
