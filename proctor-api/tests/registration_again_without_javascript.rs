//! The second registration as plain HTML: the form links to the returning-candidate page;
//! signing in there (a wrong password gets the sign-in's answer) shows the form filled in
//! from the first registration with a grant instead of a password; the submission with a
//! changed field becomes the second registration; a forged grant is refused.

mod common;
mod registration_support;

use common::TestServer;
use registration_support::*;
use serde_json::{Value, json};

fn grant_of(html: &str) -> String {
    let at = html.find("name=\"grant\" value=\"").expect("a grant field")
        + "name=\"grant\" value=\"".len();
    html[at..].split('"').next().unwrap().to_owned()
}

fn fields(grant: &str, unit: &str) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new().text("grant", grant.to_owned());
    for (k, v) in [
        ("name", "张三"),
        ("gender", "male"),
        ("id_type", "resident_id"),
        ("birth_date", "1990-03-15"),
        ("phone", "13900001111"),
        ("education", "高中"),
        ("work_unit", unit),
        ("years_in_occupation", "7"),
        ("declared_level", "3"),
        ("consent", "yes"),
    ] {
        f = f.text(k, v.to_owned());
    }
    f
}

#[tokio::test]
async fn returning_candidate_signs_in_and_submits_a_prefilled_form() {
    let srv = TestServer::start(None).await;
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.staff", "staff").await;
    let first = open_plan(&srv, &staff, "NOJS-1", "warn").await;
    let second = open_plan(&srv, &staff, "NOJS-2", "warn").await;
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

    let page = srv
        .client
        .get(srv.url(&format!("/register/{second}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("href=\"/register/{second}/returning\"")),
        "{page}"
    );
    let signin = srv
        .client
        .get(srv.url(&format!("/register/{second}/returning")))
        .send()
        .await
        .unwrap();
    assert_eq!(signin.status(), 200);
    assert!(!signin.text().await.unwrap().contains("<script"));

    let sign_in = |pw: &'static str| {
        reqwest::multipart::Form::new()
            .text("username", "13900001111")
            .text("password", pw)
    };
    let url = srv.url(&format!("/register/{second}/returning"));
    let wrong = srv
        .client
        .post(&url)
        .multipart(sign_in("Wrong-pass-2026"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(wrong.text().await.unwrap().contains("id=\"form-error\""));
    // Staff accounts do not register, whatever their password.
    let staff_try = reqwest::multipart::Form::new()
        .text("username", "kw.staff")
        .text("password", common::NEW_PASSWORD);
    assert_eq!(
        srv.client
            .post(&url)
            .multipart(staff_try)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    let filled = srv
        .client
        .post(&url)
        .multipart(sign_in("Candidate-2026"))
        .send()
        .await
        .unwrap();
    assert_eq!(filled.status(), 200);
    assert_eq!(filled.headers()["cache-control"], "no-store");
    let html = filled.text().await.unwrap();
    for v in [
        "value=\"张三\"",
        &format!("value=\"{id}\""),
        "value=\"13900001111\"",
        "value=\"贵阳供电局\"",
        "id=\"returning-note\"",
    ] {
        assert!(html.contains(v), "missing {v}");
    }
    assert!(
        !html.contains("name=\"password\""),
        "no password on the filled form"
    );
    let grant = grant_of(&html);

    // A forged grant (another account's number) is refused and asks to sign in again.
    let forged = grant.replacen(grant.split('.').next().unwrap(), "1", 1);
    let r = srv
        .client
        .post(&url)
        .multipart(fields(&forged, "x").text("id_number", id.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("name=\"username\""));

    let r = no_redirect
        .post(&url)
        .multipart(fields(&grant, "贵州电网有限责任公司").text("id_number", id.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    assert_eq!(
        r.headers()["location"],
        format!("/register/{second}/done").as_str()
    );

    let mine: Value = get(&srv, &cand, "/api/me/registrations")
        .await
        .json()
        .await
        .unwrap();
    let new = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["plan_id"] == second)
        .expect("second registration");
    assert_eq!(new["work_unit"], "贵州电网有限责任公司");
    assert_eq!(new["years_in_occupation"], 7);
    assert!(
        new["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "photo"),
        "photo carried over"
    );

    // The grant is for that plan only: the first plan already has this person anyway, and
    // a third plan does not accept it.
    let third = open_plan(&srv, &staff, "NOJS-3", "warn").await;
    let r = srv
        .client
        .post(srv.url(&format!("/register/{third}/returning")))
        .multipart(fields(&grant, "x").text("id_number", id.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    srv.stop().await;
}
