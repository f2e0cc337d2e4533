//! A signed-in candidate registers for a second plan from the data of the first: the
//! profile comes back in clear to its owner only, the new registration keeps the changes
//! made, carries the current photo and materials over, and the same plan twice, a missing
//! consent or another role are refused.

mod common;
mod registration_support;

use common::TestServer;
use registration_support::*;
use serde_json::{Value, json};

#[tokio::test]
async fn second_plan_starts_from_the_first_registration() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.staff", "staff").await;
    let first = open_plan(&srv, &staff, "AGAIN-1", "warn").await;
    let second = open_plan(&srv, &staff, "AGAIN-2", "warn").await;
    let id = id_number("52010219900315001");
    let (reg1, cand) = register_ok(
        &srv,
        first,
        form("张三", &id, "1990-03-15", "13900001111", json!({})),
    )
    .await;
    assert_eq!(
        upload(&srv, &cand, reg1, "photo", photo_png(), "p.png")
            .await
            .status(),
        201
    );
    assert_eq!(
        upload(
            &srv,
            &cand,
            reg1,
            "diploma",
            b"%PDF-1.4 diploma".to_vec(),
            "d.pdf"
        )
        .await
        .status(),
        201
    );

    // Nothing to prefill for somebody who never registered; staff have no profile route.
    let (_, other) = register_ok(
        &srv,
        first,
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
        get(&srv, &staff, "/api/me/registration-profile")
            .await
            .status(),
        403
    );

    let profile: Value = get(&srv, &cand, "/api/me/registration-profile")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(profile["registration_id"], reg1);
    assert_eq!(profile["form"]["id_number"], id.as_str());
    assert_eq!(profile["form"]["phone"], "13900001111");
    assert_eq!(profile["form"]["work_unit"], "贵阳供电局");

    let mut f = profile["form"].clone();
    f["work_unit"] = json!("贵州电网有限责任公司");
    let refused = post(
        &srv,
        &cand,
        "/api/me/registrations",
        json!({"plan_id": second, "form": f, "consent": false}),
    )
    .await;
    assert_eq!(refused.status(), 400);
    assert_eq!(refused.json::<Value>().await.unwrap()["field"], "consent");

    let r = post(
        &srv,
        &cand,
        "/api/me/registrations",
        json!({"plan_id": second, "form": f, "consent": true}),
    )
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let reg2: Value = r.json().await.unwrap();
    assert_eq!(reg2["plan_id"], second);
    assert_eq!(reg2["status"], "submitted");
    assert_eq!(reg2["work_unit"], "贵州电网有限责任公司");
    let mut kinds: Vec<_> = reg2["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_owned())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["diploma", "photo"]);
    let reg2_id = reg2["id"].as_i64().unwrap();
    // The carried-over photo opens like an uploaded one.
    let link: Value = get(
        &srv,
        &cand,
        &format!("/api/registrations/{reg2_id}/files/photo/link"),
    )
    .await
    .json()
    .await
    .unwrap();
    let bytes = srv
        .client
        .get(srv.url(link["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.to_vec(), photo_png());

    // The first registration is untouched; the same plan twice is refused.
    let mine: Value = get(&srv, &cand, "/api/me/registrations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 2);
    let old = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == reg1)
        .unwrap();
    assert_eq!(old["work_unit"], "贵阳供电局");
    let again = post(
        &srv,
        &cand,
        "/api/me/registrations",
        json!({"plan_id": second, "form": f, "consent": true}),
    )
    .await;
    assert_eq!(again.status(), 409);
    assert_eq!(again.json::<Value>().await.unwrap()["field"], "id_number");

    // The other candidate cannot read the first candidate's files; the profile is per person.
    assert_eq!(
        get(
            &srv,
            &other,
            &format!("/api/registrations/{reg2_id}/files/photo/link")
        )
        .await
        .status(),
        404
    );
    let theirs: Value = get(&srv, &other, "/api/me/registration-profile")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["form"]["name"], "李四");
    srv.stop().await;
}
