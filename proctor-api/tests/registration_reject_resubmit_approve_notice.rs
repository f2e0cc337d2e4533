//! The whole review loop through the API: a candidate registers (account + registration),
//! uploads a portrait and materials, staff reject with a reason, the candidate is notified,
//! corrects and resubmits, staff approve; the history keeps every step, lists mask ID and
//! phone numbers, a staff read in clear is audited, and the public notice shows the masked
//! entry.

mod common;
mod registration_support;

use common::TestServer;
use registration_support::*;
use serde_json::{Value, json};

#[tokio::test]
async fn rejected_registration_is_corrected_approved_and_published() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.staff", "staff").await;
    let plan = open_plan(&srv, &staff, "GZ-DG-2026Q4", "warn").await;

    // The consent text is public and is what gets recorded.
    let consent: Value = srv
        .client
        .get(srv.url("/api/registration/consent"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(consent.as_str().unwrap().contains("敏感个人信息"));

    let id = id_number("52010219900315001");
    let (reg, cand) = register_ok(
        &srv,
        plan,
        form(
            "张三",
            &id,
            "1990-03-15",
            "13912345678",
            json!({"work_unit": "贵阳供电局"}),
        ),
    )
    .await;
    // The account signs in with the phone number.
    assert_eq!(
        srv.login("13912345678", "Candidate-2026").await.status(),
        200
    );

    // Uploads: photo checked by type and the ID-photo standard; materials as PDF.
    let r = upload(&srv, &cand, reg, "photo", photo_png(), "me.png").await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    // The drawn portrait meets the photo standard; the face engine finds no face in it and
    // says so (a warning, never a refusal).
    assert_eq!(
        r.json::<Value>().await.unwrap()["warnings"],
        json!(["照片中未检测到人脸 / No face was found in the photo"])
    );
    let r = upload(
        &srv,
        &cand,
        reg,
        "diploma",
        b"%PDF-1.4\n% diploma".to_vec(),
        "d.pdf",
    )
    .await;
    assert_eq!(r.status(), 201);
    let r = upload(
        &srv,
        &cand,
        reg,
        "id_front",
        b"GIF89a not allowed".to_vec(),
        "x.gif",
    )
    .await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "file_type");
    let r = upload(&srv, &cand, reg, "photo", b"%PDF-1.4".to_vec(), "x.pdf").await;
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "photo_type");
    let big = [b"%PDF-".as_slice(), &vec![b' '; 10 * 1024 * 1024]].concat();
    let r = upload(&srv, &cand, reg, "experience", big, "big.pdf").await;
    assert_eq!(r.status(), 413);

    // Another candidate cannot see or touch this registration.
    let other_id = id_number("52010219920720002");
    let (_, other) = register_ok(
        &srv,
        plan,
        form("李四", &other_id, "1992-07-20", "13987654321", json!({})),
    )
    .await;
    assert_eq!(
        get(&srv, &other, &format!("/api/registrations/{reg}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        upload(&srv, &other, reg, "photo", photo_png(), "p.png")
            .await
            .status(),
        404
    );
    assert_eq!(
        get(
            &srv,
            &other,
            &format!("/api/registrations/{reg}/files/photo")
        )
        .await
        .status(),
        404
    );

    // Staff list: masked.
    let list: Value = get(
        &srv,
        &staff,
        &format!("/api/plans/{plan}/registrations?status=submitted"),
    )
    .await
    .json()
    .await
    .unwrap();
    let mine = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == reg)
        .unwrap();
    assert_eq!(
        mine["id_number"],
        "520102********001".to_owned() + &id[17..]
    );
    assert_eq!(mine["phone"], "139****5678");
    assert!(!list.to_string().contains(&id));

    // Reject needs a reason; with one, the candidate is told.
    let r = post(
        &srv,
        &staff,
        &format!("/api/registrations/{reg}/review"),
        json!({"decision": "reject"}),
    )
    .await;
    assert_eq!(r.status(), 400);
    let r = post(
        &srv,
        &staff,
        &format!("/api/registrations/{reg}/review"),
        json!({"decision": "reject", "reason": "工作单位须填写全称"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let mine: Value = get(&srv, &cand, "/api/me/registrations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            mine[0]["status"].as_str(),
            mine[0]["review_reason"].as_str()
        ),
        (Some("rejected"), Some("工作单位须填写全称"))
    );
    assert_eq!(mine[0]["id_number"], id.as_str());
    let notes: Value = get(&srv, &cand, "/api/me/notifications")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(notes[0]["kind"], "review_rejected");
    assert_eq!(notes[0]["body"], "工作单位须填写全称");
    // A rejected registration cannot be approved before it is resubmitted.
    let r = post(
        &srv,
        &staff,
        &format!("/api/registrations/{reg}/review"),
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(r.status(), 409);

    // The candidate corrects and resubmits.
    let mut corrected = form(
        "张三",
        &id,
        "1990-03-15",
        "13912345678",
        json!({"work_unit": "贵州电网有限责任公司贵阳供电局"}),
    );
    corrected.as_object_mut().unwrap().remove("password");
    corrected.as_object_mut().unwrap().remove("consent");
    let r = srv
        .client
        .put(srv.url(&format!("/api/registrations/{reg}")))
        .bearer_auth(&cand)
        .json(&corrected)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "submitted");

    // Staff read the record in clear (audited) and approve.
    let v: Value = get(&srv, &staff, &format!("/api/registrations/{reg}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["id_number"], id.as_str());
    let photo = get(
        &srv,
        &staff,
        &format!("/api/registrations/{reg}/files/photo"),
    )
    .await;
    assert_eq!(photo.headers()["content-type"], "image/png");
    assert_eq!(photo.bytes().await.unwrap().to_vec(), photo_png());
    let r = post(
        &srv,
        &staff,
        &format!("/api/registrations/{reg}/review"),
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let audit: Value = get(
        &srv,
        &admin,
        &format!("/api/audit?target_kind=registration&target_id={reg}"),
    )
    .await
    .json()
    .await
    .unwrap();
    let actions: Vec<_> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "registration.submit",
        "registration.review",
        "registration.resubmit",
        "registration.view_pii",
        "registration.view_file",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    assert!(
        !audit.to_string().contains(&id),
        "the audit trail must not hold the clear ID number"
    );

    // History: every step, in order, with masked snapshots.
    let h: Value = get(&srv, &cand, &format!("/api/registrations/{reg}/history"))
        .await
        .json()
        .await
        .unwrap();
    let steps: Vec<_> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "submit", "upload", "upload", "reject", "resubmit", "approve"
        ]
    );
    assert_eq!(h[0]["detail"]["work_unit"], "贵阳供电局");
    assert_eq!(
        h[4]["detail"]["work_unit"],
        "贵州电网有限责任公司贵阳供电局"
    );
    assert!(!h.to_string().contains(&id));

    // Public notice: masked entry, searchable, no clear number, no sign-in needed.
    let page = srv
        .client
        .get(srv.url(&format!("/notice/{plan}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("张三") && page.contains(&format!("520102********001{}", &id[17..])),
        "{page}"
    );
    assert!(
        !page.contains(&id) && !page.contains("李四"),
        "only approved, masked entries"
    );
    assert!(!page.contains("<script"));
    let page = srv
        .client
        .get(srv.url(&format!("/notice/{plan}?q=王")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("张三") && page.contains("暂无记录"));
    srv.stop().await;
}
